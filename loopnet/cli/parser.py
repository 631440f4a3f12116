"""The ``loopnet`` argument parser (standard library only: building it imports nothing heavy). The
pieces every command's subparser uses; :func:`loopnet.cli.build_parser` puts one subparser per row of
:data:`loopnet.cli.commands.COMMANDS` under the top-level parser."""
from __future__ import annotations

import argparse

from ..constants import SCALING_NAMES, TASK_NAMES

class _Help(argparse.HelpFormatter):
    """Appends "(default: ...)" where there is a default worth showing and the help does not say it."""

    def _get_help_string(self, action):
        text = action.help or ""
        shown = action.default is not None and action.default is not False and action.default != argparse.SUPPRESS
        if "default" not in text and shown and action.option_strings:  # 0 and 0.0 are shown too
            text += " (default: %(default)s)"
        return text


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit code 2 (argparse's own convention)
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _file_data_options(p, train):
    """Options that say how to read --data csv:PATH / npz:PATH."""
    p.add_argument("--label-column", default="-1", metavar="COLUMN",
                   help="csv: the label column, by header name or index (0-based, -1 the last)")
    p.add_argument("--x-key", default="X", metavar="KEY", help="npz: the array of inputs (N, n_0)")
    p.add_argument("--y-key", default="y", metavar="KEY", help="npz: the labels (N,) or targets (N, n_L)")
    if train:
        p.add_argument("--task", choices=TASK_NAMES, default="auto",
                       help="csv/npz: classification (one output per class) or regression; auto: classification "
                       "when every label is an integer or a word")
        p.add_argument("--scale", choices=SCALING_NAMES, default="standard",
                       help="csv/npz: input scaling learnt on the training part and saved with the model "
                       "(standard: zero mean, unit variance per feature; minmax: [0, 1])")


def _version():
    try:
        from .. import __version__
        return __version__
    except ImportError:  # pragma: no cover
        return "unknown"
