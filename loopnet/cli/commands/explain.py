"""``loopnet explain``: one gradient-descent step as the chain-rule products it is."""
from __future__ import annotations

from ...constants import ACTIVATION_NAMES, FORMATS, LOSS_NAMES, OUTPUT_ACTIVATION_NAMES, READINGS
from ..data_specs import _number
from ..errors import UsageError
from ..parser import _Help


def add_parser(sub):
    from ...worked_examples import EXAMPLES  # pure data, imports nothing heavy
    e = sub.add_parser("explain", help="show one gradient-descent step as the chain-rule products it is",
                       description="Print the forward pass, every backprop component and the update for one "
                       "example or a batch, from a worked example (--example) or your own weights "
                       "(--weights/--x/--y). The loss used is printed on stderr.",
                       epilog="worked examples (--example NAME): " + "; ".join(
                           f"{k} ({v.title}; loss {v.loss}, lr {v.lr:g}, {len(v.X)} example"
                           f"{'s' if len(v.X) > 1 else ''})" for k, v in EXAMPLES.items()) +
                       ". With --example only --lr, --focus, --reading, --full, --expand-paths, --format and --out apply.",
                       formatter_class=_Help)
    e.add_argument("--example", metavar="NAME", help="a worked example: " + ", ".join(EXAMPLES))
    e.add_argument("--sizes", help="layer sizes, checked against --weights, e.g. 3,2,1")
    e.add_argument("--weights", metavar="FILE.json", help="list of layer matrices W^l, each (n_l, n_{l-1})")
    e.add_argument("--biases", metavar="FILE.json", help="list of bias vectors b^l (default: no biases)")
    e.add_argument("--x", metavar="X", help="one input, comma separated (0,1,2), or a batch, examples separated "
                   "by ';' ('0,0;0,1;1,0;1,1')")
    e.add_argument("--y", metavar="Y", help="the target(s), in the same form as --x, e.g. 1 or '0;1;1;1'")
    e.add_argument("--lr", type=_number(0, strict=True), help="learning rate of the step shown")
    e.add_argument("--activation", choices=ACTIVATION_NAMES)
    e.add_argument("--output-activation", choices=OUTPUT_ACTIVATION_NAMES)
    e.add_argument("--loss", choices=LOSS_NAMES, help="loss (default for --weights: quadratic; a worked example "
                   "uses its source's)")
    e.add_argument("--focus", metavar="NAME", help="only what computes or feeds one quantity, neuron or layer: "
                   "'dL/dW1[2,3]', 'neuron 1[2]', 'layer 2'")
    e.add_argument("--reading", choices=READINGS, default=None,
                   help="lesson (each equation in component and vector form with the numbers and what they "
                   "say; the default for a small network) or full (every component of every equation)")
    e.add_argument("--full", action="store_true", help="the whole derivation even when it is long")
    e.add_argument("--expand-paths", action="store_true", help="also write each gradient as a sum over paths")
    e.add_argument("--format", choices=FORMATS, default="text", help="how to print the derivation")
    e.add_argument("--out", metavar="FILE", help="write the derivation to FILE instead of stdout "
                   "(e.g. a .html page or a .tex handout)")
    return e


def run(args):
    try:
        from ...explain import run_cli
    except ImportError as exc:
        raise UsageError(f"explain is not available in this installation ({exc})") from None
    return run_cli(args)