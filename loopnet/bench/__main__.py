"""``python -m loopnet.bench run [--quick] [--rounds R] [--out results.json]`` and
``python -m loopnet.bench report results.json [--out DIR] [--no-cold-start]``."""
import argparse
import sys

from .report import ORDER
from .report import main as report_main


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m loopnet.bench")
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser("report", help="Markdown table + PNG chart from a pytest-benchmark JSON file")
    rep.add_argument("results", help="the file written by pytest bench --benchmark-json=FILE")
    rep.add_argument("--out", default=".", help="directory for report.md and speedup.png (default: .)")
    rep.add_argument("--no-cold-start", action="store_true", help="skip the cold-start subprocess timings")
    run = sub.add_parser("run", help="the benchmark table, every implementation in its own process, merged into one "
                                     "pytest-benchmark JSON file (run from a loopnet source tree)")
    run.add_argument("--out", default="results.json", help="the merged JSON file (default: results.json)")
    run.add_argument("--quick", action="store_true", help="the --quick subset of the benchmarks")
    run.add_argument("--impls", default=",".join(ORDER),
                     help=f"comma-separated implementations, one process each (default: {','.join(ORDER)})")
    run.add_argument("--bench", default="bench", help="the benchmarks directory (default: bench)")
    run.add_argument("--no-ensemble", action="store_true", help="leave out the ensemble table")
    run.add_argument("--rounds", type=int, default=1,
                     help="run every process this many times, alternating; keep each benchmark's best median (default: 1)")
    run.add_argument("pytest_args", nargs="*", help="more pytest arguments, after --")
    args = parser.parse_args(argv)
    if args.command == "run":
        from .run import run as run_all
        try:
            run_all(args.out, args.bench, [i for i in args.impls.split(",") if i], args.quick, args.pytest_args,
                    ensemble=not args.no_ensemble, rounds=args.rounds)
        except (ValueError, OSError, RuntimeError) as e:
            parser.error(str(e))
        return 0
    return report_main(args.results, args.out, cold_start=not args.no_cold_start)


if __name__ == "__main__":
    sys.exit(main())
