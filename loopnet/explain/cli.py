"""``loopnet explain``: build the derivation from the command line's options and render it.

Honest about what it does: it says which loss it used (and, for a worked example, which loss the
source used), rejects options an ``--example`` does not take, and re-derives the example's numbers
with the options it does take (``--lr``, ``--focus``, ``--full``, ``--format``, ``--out``).
"""
from __future__ import annotations

import json
import sys

from .. import worked_examples as we
from ..constants import FORMATS

EXAMPLE_OPTIONS = {"lr", "format", "focus", "full", "out", "example", "expand_paths", "reading"}


def _floats(text, arg):
    try:
        return [float(t) for t in str(text).replace(" ", "").split(",") if t != ""]
    except ValueError:
        raise ValueError(f"--{arg} must be comma-separated numbers such as 0,1,2; got {text!r}") from None


def _matrix(text, arg):
    """'0,0;0,1;1,0' (examples separated by ';') or '0,1,2' (one example)."""
    rows = [r for r in str(text).split(";") if r.strip()]
    if not rows:
        raise ValueError(f"--{arg} is empty; give numbers such as 0,1,2 (one example) or 0,0;0,1 (a batch)")
    out = [_floats(r, arg) for r in rows]
    if len({len(r) for r in out}) != 1:
        raise ValueError(f"--{arg}: every example (separated by ';') needs the same number of values; got "
                         f"{[len(r) for r in out]} in {text!r}")
    return out if len(out) > 1 else out[0]


def _load_json(path, arg):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise ValueError(f"--{arg}: no such file {path!r} (expected a JSON file: a list of layer matrices)") from None
    except json.JSONDecodeError as e:
        raise ValueError(f"--{arg}: {path!r} is not valid JSON ({e.msg} at line {e.lineno}); expected a list of "
                         f"layer matrices such as [[[0.4, 0.5, 0.3], [0.2, 0.7, 0.1]], [[0.1, 0.2]]]") from None


def build(args):
    """(derivation, notice): the derivation for an argparse Namespace, and a line saying which loss."""
    from . import explain, explain_example
    get = lambda k, default=None: getattr(args, k, default)  # noqa: E731
    fmt = get("format") or "text"
    if fmt not in FORMATS:
        raise ValueError(f"--format must be one of {', '.join(FORMATS)}; got {fmt!r}")
    common = dict(focus=get("focus"), full=bool(get("full")), expand_paths=bool(get("expand_paths")),
                  reading=get("reading"))
    if get("example"):
        name = get("example")
        if name not in we.EXAMPLES:
            raise ValueError(f"--example {name!r} is not a worked example; choose one of {', '.join(we.EXAMPLES)}")
        extra = sorted(k for k in ("sizes", "weights", "biases", "x", "y", "activation", "output_activation", "loss")
                       if get(k) is not None)
        if extra:
            opts = ", ".join("--" + k.replace("_", "-") for k in extra)
            raise ValueError(f"--example {name} takes its network, data and loss from the source, so {opts} "
                             f"cannot be combined with it; it takes --lr, --focus, --full, --format and --out "
                             f"(or drop --example and give --weights, --x, --y for your own network)")
        d = explain_example(name, lr=get("lr"), **common)
        ex = we.get(name)
        notice = (f"loss: '{d.net.loss_name}', the loss of the source ({ex.name})" +
                  (f"; lr {get('lr'):g} instead of the source's {ex.lr:g}, so the numbers the source prints "
                   "after its step are not compared" if get("lr") is not None and get("lr") != ex.lr else ""))
        return d, notice
    if get("weights") is None:
        raise ValueError("give --example NAME (one of " + ", ".join(we.EXAMPLES) + "), or --weights FILE.json "
                         "with --x and --y for your own network")
    weights = _load_json(get("weights"), "weights")
    biases = _load_json(get("biases"), "biases") if get("biases") else None
    loss = get("loss")
    kw = {"activation": get("activation") or "sigmoid", "loss": loss or "quadratic"}
    if get("output_activation"):
        kw["output_activation"] = get("output_activation")
    sizes = None
    if get("sizes"):
        sizes = [int(float(s)) for s in _floats(get("sizes"), "sizes")]
    net = _network(weights, biases, kw, sizes, get("weights"))
    if get("x") is None or get("y") is None:
        raise ValueError("--x and --y are required with --weights (one example, e.g. --x 0,1,2 --y 1, or a "
                         "batch, e.g. --x '0,0;0,1;1,0;1,1' --y '0;1;1;1')")
    d = explain(net, _matrix(get("x"), "x"), _matrix(get("y"), "y"), lr=get("lr"), **common)
    notice = (f"loss: '{net.loss_name}'" + ("" if loss else " (the default; choose another with --loss: "
                                                         "mse, quadratic, sse, cross_entropy)"))
    for ex in we.EXAMPLES.values():  # the weights of a worked example: say which loss its source used
        if [list(map(list, w)) for w in ex.weights] == weights:
            notice += (f"; these are the weights of --example {ex.name}, whose source uses '{ex.loss}'" +
                       (" (the same)" if ex.loss == net.loss_name else
                        f": pass --loss {ex.loss} for the source's numbers"))
    return d, notice


def _network(weights, biases, kw, sizes, path):
    from ..network import Network
    try:
        net = Network.from_weights(weights, biases, **kw)
    except ValueError as e:
        if sizes:
            raise ValueError(f"{e} (--sizes {','.join(map(str, sizes))})") from None
        raise
    if sizes and sizes != net.sizes:
        raise ValueError(f"--sizes {','.join(map(str, sizes))} does not match the weights in {path!r}, whose "
                         f"shapes give sizes {','.join(map(str, net.sizes))}")
    return net


def run(args, out=None, err=None):
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    try:
        d, notice = build(args)
        fmt = getattr(args, "format", None) or "text"
        render = {"text": str, "markdown": lambda x: x.to_markdown(), "latex": lambda x: x.to_latex(),
                  "html": lambda x: x.to_html()}[fmt]
        text = render(d)
        path = getattr(args, "out", None)
        if path:
            from ..writing import write_text
            write_text(path, text, inputs={"--weights": getattr(args, "weights", None),
                                           "--biases": getattr(args, "biases", None)}, argname="--out")
    except (ValueError, TypeError, KeyError, OSError) as e:
        msg = e.args[0] if (isinstance(e, KeyError) and e.args) else str(e)
        print(f"loopnet explain: error: {msg}".replace("\n", " "), file=err)
        return 2
    print(f"loopnet explain: {notice}", file=err)
    if path:
        print(f"loopnet explain: wrote {fmt} to {path}", file=err)
    else:
        out.write(text)
    return 0


# ---- options and commands for loopnet/cli.py to register ---------------------------------------------------
def _hide(text):
    if text in (None, "backward", "forward", "all"):
        return text
    parts = text.split(";") if ";" in text else _split_names(text)
    return [p.strip() for p in parts if p.strip()]


def _split_names(text):
    """Split 'delta2[1],dL/dW1[2,3]' at the commas outside brackets."""
    out, depth, cur = [], 0, ""
    for ch in text:
        depth += ch == "["
        depth -= ch == "]"
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    out.append(cur.strip())
    return out


def _answers(text):
    out = {}
    for part in (p for p in str(text).split(";") if p.strip()):
        if "=" not in part:
            raise ValueError(f"--answers: {part.strip()!r} is not NAME=VALUE (e.g. 'delta2[1]=-0.22;?2=0.1')")
        name, value = part.rsplit("=", 1)
        out[name.strip()] = value.strip()       # a string keeps its written digits (0.50 is ±0.005)
    return out


def run_exercise(args, out=None, err=None):
    """``loopnet exercise``: print (or write) the worksheet, its key, or the grading of --answers; 0 or 2."""
    from .exercises import exercise, exercise_example
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    get = lambda k, default=None: getattr(args, k, default)  # noqa: E731
    try:
        hide = _hide(get("hide"))
        if get("example"):
            if get("example") not in we.EXAMPLES:
                raise ValueError(f"--example {get('example')!r} is not a worked example; choose one of "
                                 f"{', '.join(we.EXAMPLES)}")
            ex = exercise_example(get("example"), hide=hide, lr=get("lr"))
        else:
            if get("weights") is None or get("x") is None or get("y") is None:
                raise ValueError("give --example NAME, or --weights FILE.json with --x and --y")
            weights = _load_json(get("weights"), "weights")
            biases = _load_json(get("biases"), "biases") if get("biases") else None
            kw = {"activation": get("activation") or "sigmoid", "loss": get("loss") or "quadratic"}
            if get("output_activation"):
                kw["output_activation"] = get("output_activation")
            net = _network(weights, biases, kw, None, get("weights"))
            ex = exercise(net, _matrix(get("x"), "x"), _matrix(get("y"), "y"), lr=get("lr"), hide=hide)
        if get("answers"):
            text = str(ex.check(_answers(get("answers")))) + "\n"
        else:
            fmt = get("format") or "text"
            key = bool(get("key"))
            text = {"text": lambda: ex.to_text(key), "markdown": lambda: ex.to_markdown(key),
                    "latex": lambda: ex.to_latex(key)}[fmt]()
        path = get("out")
        if path:
            from ..writing import write_text
            write_text(path, text, inputs={"--weights": get("weights"), "--biases": get("biases")},
                       argname="--out")
    except (ValueError, TypeError, KeyError, OSError) as e:
        msg = e.args[0] if (isinstance(e, KeyError) and e.args) else str(e)
        print(f"loopnet exercise: error: {msg}".replace("\n", " "), file=err)
        return 2
    if path:
        print(f"loopnet exercise: wrote {path}", file=err)
    else:
        out.write(text)
    return 0
