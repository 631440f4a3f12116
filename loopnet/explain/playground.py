"""The playground: one self-contained HTML page in which every number of the derivation is live.

The page embeds the network, the data and the numbers Python computed (``Derivation.values()``) as
JSON, and carries the page's twin of loopnet's kernels (``page/kernels.js``: the same functions,
index letters and equations as ``loopnet/kernels``, in JavaScript float64). Editing an input, a
target, a weight, a bias, η, the activations, the loss or the batch recomputes every number, equation
and chain-rule product with that twin; the page can also train (one step, or N steps with a live loss
curve, and a decision map for 2-D inputs) and reset to the Python-side weights. Tests drive it in a
headless Chromium and compare it with the kernels, with ``Network.fit`` and with ``Derivation.values()``.

| function | writes |
|---|---|
| :func:`playground` | the page for a network and data (or a worked example, or random weights for ``sizes``) |
| :func:`render` | the page for a :class:`~loopnet.explain.Derivation` (``d.to_html()``) |
| :func:`notebook_html` | the same page in an iframe, for Jupyter (``d._repr_html_()``) |
| :func:`run` | the ``loopnet playground`` command's work (its arguments: ``loopnet/cli/commands/playground.py``) |

Size budget: :data:`BUDGET_BYTES` (a test keeps every page the tests build under it).
"""
from __future__ import annotations

import functools
import json
from importlib import resources

import numpy as np

from .. import worked_examples as we

BUDGET_BYTES = 200_000          # one page, everything inlined: ~75 kB of code and style, ~25 kB of worked examples,
VALUES_BYTES = 90_000           # Python's numbers up to this (else the page has no badge), and the network and data
MAX_NEURONS, MAX_LAYERS = 8, 5  # the largest network the page draws (its labels are tested at 8-8-8-8-8-8)
MAX_VALUES = 6000               # N × (number of weights) up to which Python's numbers are computed for the badge
PARTS = ("kernels.js", "page.js", "page.css")


def _part(name):
    return resources.files("loopnet.explain").joinpath("page", name).read_text(encoding="utf-8")


@functools.lru_cache(maxsize=None)
def _example_values(name):
    """Python's numbers for a worked example's network, data and η (constant data: computed once)."""
    from . import explain, network_of
    ex = we.get(name)
    d = explain(network_of(ex), np.array(ex.X, float), np.array(ex.Y, float), lr=ex.lr,
                update_biases=ex.update_biases, full=True)
    return {k: float(v) for k, v in d.values().items() if np.isfinite(v)}


def _example_preset(ex):
    return {"python": _example_values(ex.name),"name": ex.name, "title": ex.title, "sizes": list(ex.sizes),
            "W": [None] + [[list(r) for r in w] for w in ex.weights],
            "b": [None] + ([list(b) for b in ex.biases] if ex.biases is not None
                           else [[0.0] * n for n in ex.sizes[1:]]),
            "has_bias": ex.biases is not None, "activation": ex.activation,
            "output_activation": ex.output_activation, "loss": ex.loss,
            "X": [list(r) for r in ex.X], "Y": [list(r) for r in ex.Y], "lr": ex.lr,
            "update_biases": ex.update_biases}


def page_data(d):
    """The JSON the page starts from: the derivation's network, data, η, digits and Python's values."""
    from ..activations import BY_CODE
    from ..losses import BY_CODE as LOSS_BY_CODE
    net, p = d.net, d.p
    acts = [BY_CODE[c].name for c in p.acts]
    values = None
    if d.N * sum(a * b for a, b in zip(net.sizes, net.sizes[1:])) <= MAX_VALUES:
        values = {k: float(v) for k, v in d.values().items() if np.isfinite(v)}   # JSON has no inf or NaN
        if len(json.dumps(values)) > VALUES_BYTES:
            values = None
    ex = d.example
    return {
        "title": d.title or "Backpropagation, component by component",
        "net": {"sizes": list(net.sizes), "W": [None] + [w.tolist() for w in p.W[1:]],
                "b": [None] + [b.tolist() for b in p.b[1:]], "has_bias": bool(net.has_bias),
                "activation": acts[0] if len(acts) > 1 else "sigmoid", "output_activation": acts[-1],
                "loss": LOSS_BY_CODE[p.loss_code].name},
        "X": p.X.tolist(), "Y": p.Y.tolist(), "lr": d.lr, "update_biases": bool(d.update_biases),
        "digits": d.digits, "example": ex.name if ex is not None else None,
        "presets": [_example_preset(e) for e in we.EXAMPLES.values()],
        "python": values,
    }


def render(d):
    """The page for derivation ``d``: page.css, kernels.js, page.js and the JSON inlined in one file.

    The page draws networks of up to :data:`MAX_LAYERS` layers of weights and :data:`MAX_NEURONS`
    neurons per layer (larger ones raise a ValueError: the text, Markdown and LaTeX renderers
    summarise them and take ``focus=``)."""
    s = list(d.net.sizes)
    if len(s) - 1 > MAX_LAYERS or max(s) > MAX_NEURONS:
        raise ValueError(f"the interactive page draws networks of up to {MAX_LAYERS} layers of weights and "
                         f"{MAX_NEURONS} neurons per layer; this one is {'-'.join(map(str, s))}. Use the text, "
                         "markdown or latex format (with focus=) for it")
    data = json.dumps(page_data(d), separators=(",", ":")).replace("</", "<\\/")
    title = (d.title or "Backpropagation, component by component").replace("&", "&amp;").replace("<", "&lt;")
    return (_SHELL.replace("__TITLE__", title).replace("__CSS__", _part("page.css"))
            .replace("__DATA__", data).replace("__KERNELS__", _part("kernels.js")).replace("__PAGE__", _part("page.js")))


def playground(net=None, X=None, Y=None, path=None, lr=0.5, example=None, sizes=None, seed=0, activation="sigmoid",
               output_activation="sigmoid", loss="mse"):
    """Write (with ``path``) and return the playground page.

    ``net`` a :class:`loopnet.Network` with data ``X`` (N, n_0) and ``Y`` (N, n_L); or ``example``, a
    worked example's name (``loopnet.explain.EXAMPLE_NAMES``); or ``sizes`` (e.g. ``[2, 4, 1]``) for a
    new network with random weights (``seed``) on the XOR gate (2 inputs) or zero data. With none of
    these: the OR gate of Nielsen's chapter 2 (``or-gate-2-2-1``).

    >>> from loopnet.explain.playground import playground
    >>> page = playground(sizes=[2, 3, 1], path="play.html")   # doctest: +SKIP
    """
    from . import explain, explain_example
    from ..network import Network
    if net is None and example is None and sizes is None:
        example = "or-gate-2-2-1"
    if example is not None:
        if net is not None or sizes is not None:
            raise ValueError("give one of net, example and sizes")
        d = explain_example(example, full=True)
    else:
        if net is None:
            sizes = [int(s) for s in sizes]
            net = Network(sizes, activation=activation, output_activation=output_activation, loss=loss, seed=seed)
        elif sizes is not None:
            raise ValueError("give one of net, example and sizes")
        n0, nL = net.sizes[0], net.sizes[-1]
        if X is None:
            if n0 == 2:
                X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
                Y = [[0.0], [1.0], [1.0], [0.0]] if nL == 1 else [[1.0] + [0.0] * (nL - 1)] * 4
            else:
                X, Y = np.zeros((1, n0)), np.zeros((1, nL))
        elif Y is None:
            raise ValueError("give Y with X")
        d = explain(net, X, Y, lr=lr, full=True)
    page = render(d)
    if path is not None:
        from ..writing import write_text
        write_text(path, page, argname="path")
    return page


def notebook_html(d, height=820):
    """The page for Jupyter: an ``<iframe srcdoc>`` of :func:`render` (its script runs inside the frame)."""
    import html
    return (f'<iframe srcdoc="{html.escape(render(d), quote=True)}" style="width: 100%; height: {int(height)}px; '
            f'border: 1px solid #ddd" title="loopnet playground"></iframe>')


# ---- loopnet playground ------------------------------------------------------------------------
def run(args, out=None):
    """Handler of ``loopnet playground``: write the page, print where, return 0 (2 with a one-line error)."""
    import sys
    out = out or sys.stdout
    try:
        sizes = None
        if getattr(args, "sizes", None):
            sizes = [int(t) for t in args.sizes.replace(",", "-").split("-") if t.strip()]
        page = playground(example=args.example, sizes=sizes, lr=args.lr, seed=args.seed,
                          activation=args.activation, output_activation=args.output_activation, loss=args.loss)
        from ..writing import write_text
        write_text(args.out, page, argname="--out")
    except (ValueError, KeyError, TypeError, OSError) as exc:
        msg = " ".join(str(exc).split())
        print(f"loopnet playground: error: {msg}", file=sys.stderr)
        return 2
    print(f"wrote {args.out} ({len(page.encode('utf-8')) / 1000:.0f} kB; open it in a browser)", file=out)
    return 0


_SHELL = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>__TITLE__</title>
<style>
__CSS__
</style>
</head>
<body>
<div id="app"></div>
<script id="data" type="application/json">__DATA__</script>
<script>
__KERNELS__
</script>
<script>
__PAGE__
</script>
</body>
</html>
"""

__all__ = ["playground", "render", "page_data", "notebook_html", "run", "BUDGET_BYTES"]
