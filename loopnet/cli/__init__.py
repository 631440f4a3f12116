"""The ``loopnet`` command (also ``python -m loopnet``): ``train``, ``evaluate``, ``predict``, ``explain`` and ``compile``.

::

    loopnet train --data digits                      # 64-30-10 sigmoid, 30 epochs: ~97 % held out
    loopnet train --data xor --save /tmp/xor.npz
    loopnet train --data csv:iris.csv --label-column species --save /tmp/iris.npz   # your own data
    loopnet evaluate --model /tmp/iris.npz --data csv:iris.csv --label-column species
    loopnet predict --model /tmp/iris.npz --data csv:new.csv --out /tmp/predictions.csv
    loopnet train --data mnist-idx:~/data/mnist --sizes 784,30,10 --plot curves.png
    loopnet explain --example by-hand-3-2-1 --format markdown

The package: :mod:`.parser` (the help formatter and options the commands share; :func:`build_parser` here puts them together), :mod:`.data_specs` (what --data and the
other values mean), :mod:`.data_loading` (reading and splitting the data), :mod:`.signals` (Ctrl-C),
:mod:`.commands` (one module per command and the :data:`~.commands.COMMANDS` table). Everything here
imports only the standard library at the top, so ``loopnet --help`` answers at once: numba, NumPy and the
engine are imported when a command runs. The names offered for ``--activation``, ``--loss``, ... come from
:mod:`loopnet.constants`; a test checks they match the tables in :mod:`loopnet.activations` and friends.

Exit codes: 0 done; 1 training diverged; 2 a wrong argument, an unusable data/model file or sizes
that do not fit in memory (one line on stderr, no traceback); 130 interrupted with Ctrl-C (what was trained is still reported,
and saved if ``--save`` was given).
"""
from __future__ import annotations

import sys

from ..constants import (ACTIVATION_NAMES, BACKEND_NAMES, DTYPE_NAMES, FORMATS, GATE_NAMES,  # noqa: F401
                         INIT_NAMES, LOSS_NAMES, OPTIMIZER_NAMES, OUTPUT_ACTIVATION_NAMES, SCALING_NAMES,
                         TASK_NAMES)
from .commands import COMMANDS
from .errors import UsageError
from .parser import _Parser, _version

__all__ = ["COMMANDS", "UsageError", "build_parser", "main"]


def build_parser():
    """The argparse parser of ``loopnet``: one subparser per row of :data:`~loopnet.cli.commands.COMMANDS`."""
    parser = _Parser(prog="loopnet", description="Small fully connected networks with per-component "
                     "backpropagation: train one, or explain one gradient step component by component.")
    parser.add_argument("--version", action="version", version=f"loopnet {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="{" + ",".join(COMMANDS) + "}", parser_class=_Parser)
    sub.required = True
    for add_parser, _ in COMMANDS.values():
        add_parser(sub)
    return parser


def main(argv=None):
    """Entry point of the ``loopnet`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    prog = f"loopnet {args.command}"
    try:
        return COMMANDS[args.command][1](args)
    except UsageError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    except (ValueError, OSError, ImportError) as exc:  # bad data files, unusable paths, missing extras
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"{prog}: error: {message}", file=sys.stderr)
        return 2
    except (MemoryError, OverflowError) as exc:  # sizes or data too big for this machine
        message = " ".join(str(exc).split()) or "the sizes asked for do not fit in memory"
        print(f"{prog}: error: out of memory: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # outside fit (which handles its own): while loading data, say
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130

if __name__ == "__main__":
    sys.exit(main())
