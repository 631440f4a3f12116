"""``loopnet playground``: the interactive page, one self-contained HTML file in which every number follows an edit."""
from __future__ import annotations

from ...constants import ACTIVATION_NAMES, LOSS_NAMES, OUTPUT_ACTIVATION_NAMES
from ..data_specs import _number
from ..parser import _Help


def add_parser(sub):
    from ...worked_examples import EXAMPLES  # pure data, imports nothing heavy
    pg = sub.add_parser("playground", help="write the interactive page: edit anything, every number follows",
                        description="Write one self-contained HTML page (opens from disk, no network) in which every "
                        "number of a gradient step is recomputed when you edit an input, a weight, the learning rate, "
                        "the activations or the loss; it also trains (loss curve, decision map).",
                        formatter_class=_Help)
    pgx = pg.add_mutually_exclusive_group()
    pgx.add_argument("--example", choices=list(EXAMPLES), help="start from a worked example (default: or-gate-2-2-1)")
    pgx.add_argument("--sizes", help="start from a new network with random weights, e.g. 2-4-1 or 2,4,1")
    pg.add_argument("--activation", choices=ACTIVATION_NAMES, default="sigmoid", help="hidden activation with --sizes")
    pg.add_argument("--output-activation", choices=OUTPUT_ACTIVATION_NAMES, default="sigmoid",
                    help="output activation with --sizes")
    pg.add_argument("--loss", choices=LOSS_NAMES, default="mse", help="loss with --sizes")
    pg.add_argument("--lr", type=_number(0, strict=True), default=0.5, help="learning rate with --sizes")
    pg.add_argument("--seed", type=int, default=0, help="seed of the random weights with --sizes")
    pg.add_argument("--out", "-o", metavar="FILE", default="playground.html", help="the page to write")
    return pg


def run(args):
    from ...explain.playground import run as write_page
    return write_page(args)
