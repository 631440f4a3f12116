"""``loopnet exercise``: a backprop worksheet with blanks, its answer key, and grading of a learner's answers."""
from __future__ import annotations

from ..parser import _Help


def add_parser(sub):
    """``loopnet exercise``: a worksheet from a worked example or your own weights, its answer key, grading."""
    from ...worked_examples import EXAMPLES  # pure data, imports nothing heavy
    e = sub.add_parser(
        "exercise", help="a backprop worksheet with blanks, its answer key, and grading of your answers",
        description="Print one gradient step of a network as the lesson with chosen quantities blanked "
        "([?1], [?2], ...), or its answer key (--key); --answers grades your numbers and names the most likely "
        "mistake behind each wrong one.", formatter_class=_Help)
    e.add_argument("--example", metavar="NAME", help="a worked example: " + ", ".join(EXAMPLES))
    e.add_argument("--weights", metavar="FILE.json", help="list of layer matrices W^l, each (n_l, n_{l-1})")
    e.add_argument("--biases", metavar="FILE.json", help="list of bias vectors b^l (default: no biases)")
    e.add_argument("--x", metavar="X", help="one input (0,1,2) or a batch ('0,0;0,1')")
    e.add_argument("--y", metavar="Y", help="the target(s), in the same form as --x")
    e.add_argument("--lr", type=float, help="learning rate of the step (adds the update to the exercise)")
    e.add_argument("--loss", help="loss for --weights (default quadratic)")
    e.add_argument("--activation", help="hidden activation for --weights (default sigmoid)")
    e.add_argument("--output-activation", help="output activation for --weights")
    e.add_argument("--hide", default="backward", help="backward (default), forward, all, or comma-separated "
                   "names such as 'delta2[1],dL/dW1[2,3]' (separate with ';' when a name holds a comma)")
    e.add_argument("--key", action="store_true", help="print the answer key instead of the worksheet")
    e.add_argument("--answers", metavar="NAME=VALUE;...", help="grade answers, e.g. 'delta2[1]=-0.22;?2=0.1'")
    e.add_argument("--format", choices=("text", "markdown", "latex"), default="text", help="how to print the worksheet")
    e.add_argument("--out", metavar="FILE", help="write to FILE instead of stdout (e.g. worksheet.tex)")
    return e


def run(args):
    from ...explain.cli import run_exercise
    return run_exercise(args)
