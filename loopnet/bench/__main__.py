"""``python -m loopnet.bench report results.json [--out DIR] [--no-cold-start]``."""
import argparse
import sys

from .report import main as report_main


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m loopnet.bench")
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser("report", help="Markdown table + PNG chart from a pytest-benchmark JSON file")
    rep.add_argument("results", help="the file written by pytest bench --benchmark-json=FILE")
    rep.add_argument("--out", default=".", help="directory for report.md and speedup.png (default: .)")
    rep.add_argument("--no-cold-start", action="store_true", help="skip the cold-start subprocess timings")
    args = parser.parse_args(argv)
    return report_main(args.results, args.out, cold_start=not args.no_cold_start)


if __name__ == "__main__":
    sys.exit(main())
