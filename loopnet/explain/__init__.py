"""``ln.explain``: every number of a gradient step, component by component, for one example or a batch.

One model, several renderers (SymPy's printers, docutils' writers):

| module | role |
|---|---|
| :mod:`.numbers` | the engine's numbers: z, a, σ', ∂L/∂a, δ, ∂L/∂W, ∂L/∂b from the training kernels |
| :mod:`.nodes` | the model's pieces: math nodes (symbols, numbers, sums, fractions, matrices) and blocks |
| :mod:`.model` | :class:`Derivation`: builds the blocks once (sections, batch sums, focus, summary): the full record |
| :mod:`.lesson` | the lesson reading of the same numbers (vector forms, meaning, Nielsen's convention, a gradient check) |
| :mod:`.names` | names for ``value``/``check`` (``dL/dW1[1,2]``, ``example 2 z1[1]``), focus |
| :mod:`.text`, :mod:`.markdown`, :mod:`.latex`, :mod:`.html` | renderers: they only format |
| :mod:`.check` | ``check()``: compares numbers and diagnoses how a wrong one is wrong |
| :mod:`.mistakes` | the common learner mistakes, each recomputed exactly, that ``check()`` names |
| :mod:`.exercises` | ``exercise()``: the lesson with quantities blanked, an answer key, grading |
| :mod:`.cli` | ``loopnet explain`` (``--reading``) and ``loopnet exercise`` |

On the ``python`` backend the kernels run uncompiled (same source, same line numbers), so a
breakpoint inside ``loopnet/kernels/backward.py`` stops there while ``explain`` runs.
"""
from __future__ import annotations

import math
import re

import numpy as np

from .. import worked_examples as we
from .check import CheckReport, CheckRow
from .model import Derivation
from .nodes import Code, Heading, P, Table
from .prose import prose
from .exercises import exercise, exercise_example

__all__ = ["explain", "explain_example", "exercise", "exercise_example", "Derivation", "CheckReport", "CheckRow", "run_cli", "EXAMPLE_NAMES"]

EXAMPLE_NAMES = tuple(we.EXAMPLES)


def explain(net, x, y, lr=None, update_biases=True, expand_paths=False, digits=None, focus=None, full=False,
            reading=None):
    """Every number of backpropagation for one example or a batch, written out as one works it by hand.

    >>> import loopnet as ln
    >>> net = ln.Network.from_weights([[[0.4, 0.5, 0.3], [0.2, 0.7, 0.1]], [[0.1, 0.2]]], loss="mse")
    >>> d = ln.explain(net, [0, 1, 2], [1], lr=0.1)
    >>> round(d.value("dL/dW1[1,2]"), 6)
    -0.004129
    >>> print(d)                     # doctest: +SKIP

    ``net`` a :class:`loopnet.Network`; ``x`` one input (n_0 numbers) or a batch (N, n_0), one example
    per row; ``y`` its target(s) (n_L numbers, or (N, n_L)); ``lr`` the learning rate η: when given, the
    derivation ends with the update w ← w − η ∂L/∂w and a second forward pass (``update_biases=False``
    keeps the biases, as Mazur's example does); ``expand_paths=True`` also writes every gradient of a
    weight two or more layers back as the sum over all paths from it to the outputs (one example);
    ``digits`` significant digits of the printed numbers (default 6, and 4 in the lesson's vectors); ``focus`` narrows the derivation to one
    quantity, neuron or layer (``"dL/dW1[2,3]"`` shows only the chain and the paths that reach that
    weight; ``"neuron 1[2]"``; ``"layer 2"``); a derivation longer than ``MAX_LINES`` (400) text lines
    shows a summary and how to focus, unless ``full=True``; ``reading`` ``"lesson"`` (the default for a
    small network read as a whole: each equation in component and vector form with the numbers, what
    they say, Nielsen's convention beside loopnet's, a gradient check, the shapes) or ``"full"`` (every
    component of every equation: the default with ``focus``, ``full=True``, ``expand_paths`` or a large
    network).

    Sections: 1 forward pass z⁽ˡ⁾ⱼ = Σₖ w⁽ˡ⁾ⱼ,ₖ a⁽ˡ⁻¹⁾ₖ + b⁽ˡ⁾ⱼ with the numbers in (softmax: the
    exponentials and their sum), a⁽ˡ⁾ⱼ = σ(z⁽ˡ⁾ⱼ), for each example; 2 the loss, which loss and where
    its scale (1/N, 1/(N n_L), ½) enters, each example's terms; 3 BP1 δ⁽ᴸ⁾ = ∂L/∂a⁽ᴸ⁾ · σ'(z⁽ᴸ⁾)
    (softmax: the Jacobian-vector product and, for cross-entropy, the a − y shortcut, both with
    numbers); 4 BP2; 5 BP3/BP4: every ∂L/∂w⁽ˡ⁾ⱼ,ₖ = Σₙ δ⁽ˡ⁾ₙ,ⱼ a⁽ˡ⁻¹⁾ₙ,ₖ with the N products written
    out, every bias gradient as its sum, and the matrix form Δ⁽ˡ⁾(A⁽ˡ⁻¹⁾)ᵀ of each layer with its
    numbers and shapes; 6 shapes; 7 (with lr) the update and the forward pass repeated.

    Renderings of the one model: ``str(d)`` (text, lines ≤ 100 characters), ``d.to_markdown()``,
    ``d.to_latex()`` (a handout for pdflatex), ``d.to_html(path)`` (one self-contained interactive
    page); Jupyter shows the Markdown.

    Every number is the engine's: z, a, δ, ∂L/∂W, ∂L/∂b from the training kernels (weighted_input,
    activate_layer, output_error, hidden_error, bias_gradient, weight_gradient), σ' from
    loopnet.activations.derivative, the update from ``net.copy()`` and ``step``.

    Names for ``d.value(name)`` and ``d.check({name: number})`` (1-based; layer 0 is the input):

    | name | quantity |
    |---|---|
    | ``x[k]``, ``y[j]`` | input k, target j |
    | ``W2[1,2]`` | w⁽²⁾₁,₂: to neuron 1 of layer 2 from neuron 2 of layer 1 (``net.weights[1][0, 1]``) |
    | ``b1[2]``, ``z1[2]``, ``a1[2]`` | bias, weighted input, activation of neuron 2 of layer 1 (``a0[k]`` = x[k]) |
    | ``sigma'(z1[2])`` | σ'(z⁽¹⁾₂) |
    | ``L``, ``L[j]`` | the loss; the loss term of output j (L = Σⱼ L[j]) |
    | ``dL/da2[1]``, ``delta2[1]`` | ∂L/∂a⁽²⁾₁ and δ⁽²⁾₁ = ∂L/∂z⁽²⁾₁ |
    | ``dL/dW1[1,2]``, ``dL/db1[2]`` | the gradients (summed over the batch) |
    | ``dL[2]/da1[1]`` | output 2's share of ∂L/∂a⁽¹⁾₁ (∂L[2]/∂a⁽¹⁾₁) |
    | ``dz2[1]/dW1[1,2]`` | ∂z⁽²⁾₁/∂w⁽¹⁾₁,₂ |
    | ``exp(z2[1])``, ``S2``, ``ln(a2[1])``, ``da2[1]/dz2[2]`` | softmax and cross-entropy intermediates |
    | ``example 3 <name>`` | per-example quantity of example 3 of a batch; ``example 3 dL/dW1[1,2]`` is its term of the sum |
    | ``new <name>`` | after one step with ``lr`` (``new W1[1,2]``, ``new L``) |
    | ``after 10000 steps <name>`` | after that many steps on the same data |

    With a batch, per-example quantities need ``example n`` (``z1[2]`` alone raises a KeyError that
    says so). An unknown name raises KeyError listing valid ones (``W1[3,1]`` on a 3-2-1 net suggests
    ``W1[1,3]``: loopnet's indices go to-then-from). ``d.values()`` gives them all as a dict.

    Stepping through the loops with a debugger: the ``python`` backend runs the very same kernel
    source (the functions in ``loopnet/kernels/*.py``) uncompiled, so pdb can stop inside the
    per-component loops::

        net = ln.Network([3, 2, 1], backend="python")   # or: net.backend = "python"
        import pdb
        pdb.run("ln.explain(net, [0, 1, 2], [1])")        # then at the (Pdb) prompt:
        (Pdb) b loopnet/kernels/backward.py:LINE          # a line inside hidden_error's loops
        (Pdb) c                                           # stops there; p j, k, delta[n, k]

    or put ``breakpoint()`` in a copy of a kernel. Any computation works the same way
    (``net.gradients``, ``net.fit``); examples/step_through_loops.py shows it non-interactively.
    """
    from ..network import Network
    if not isinstance(net, Network):
        raise TypeError(f"net must be a loopnet.Network, got {type(net).__name__}")
    if lr is not None:
        if isinstance(lr, bool) or not isinstance(lr, (int, float, np.floating, np.integer)) or not lr > 0 \
                or not math.isfinite(lr):
            raise ValueError(f"lr must be a positive number or None, got {lr!r}")
        lr = float(lr)
    if digits is not None and (isinstance(digits, bool) or not isinstance(digits, (int, np.integer))
                               or not 1 <= digits <= 17):
        raise ValueError(f"digits must be an integer from 1 to 17, got {digits!r}")
    xa = np.asarray(x, dtype=float) if not isinstance(x, str) else None
    if xa is None or xa.ndim > 2:
        raise ValueError(f"x must be one example ({net.sizes[0]} numbers) or a batch of shape (N, {net.sizes[0]}), "
                         f"got {x!r}"[:300])
    X = np.atleast_2d(xa)
    ya = np.asarray(y, dtype=float)
    if ya.ndim == 0:
        Y = ya.reshape(1, 1)
    elif ya.ndim == 1 and X.shape[0] > 1 and net.sizes[-1] == 1 and ya.shape[0] == X.shape[0]:
        Y = ya.reshape(-1, 1)  # one target per example of a one-output network
    else:
        Y = np.atleast_2d(ya)
    Xa, Ya, _ = net._data(X, Y, "x", "y")
    return Derivation(net, Xa, Ya, lr, bool(update_biases), bool(expand_paths), digits, focus=focus,
                      full=bool(full), reading=reading)


def network_of(ex, backend="loops", loss=None):
    from ..network import Network
    return Network.from_weights([np.array(w) for w in ex.weights],
                                None if ex.biases is None else [np.array(b) for b in ex.biases],
                                activation=ex.activation, output_activation=ex.output_activation,
                                loss=loss or ex.loss, backend=backend)


def _trained_predictions(ex, epochs):
    """yhat after ``epochs`` full-batch steps on all of the example's data (the 3-4-1 script)."""
    net = network_of(ex)
    X, Y = np.array(ex.X, float), np.array(ex.Y, float)
    if ex.update_biases or ex.biases is None:
        net.fit(X, Y, epochs=epochs, lr=ex.lr, batch_size=None, shuffle=False)
    else:
        net = Derivation.stepped(net, X, Y, ex.lr, False, epochs)
    return net.forward(X)


def explain_example(name, lr=None, expand_paths=False, digits=None, backend="loops", focus=None, full=False,
                    reading=None):
    """The derivation for one of the worked examples (``loopnet.worked_examples``), by name:
    ``by-hand-3-2-1``, ``or-gate-2-2-1``, ``step-by-step-3-4-1``, ``mazur-2-2-2``.

    Uses the example's network, ALL its data (the OR gate and the 3-4-1 post: a full-batch step over
    their four examples) and its learning rate (``lr`` changes it; the numbers the source prints after
    the step are then not compared). The derivation ends with the published numbers against
    loopnet's, an errata table (printed value, true value, cause) when the source has mistakes, and
    notes on how the source maps to loopnet.
    """
    ex = we.get(name)
    net = network_of(ex, backend)
    lr = ex.lr if lr is None else lr
    d = explain(net, np.array(ex.X, float), np.array(ex.Y, float), lr=lr, update_biases=ex.update_biases,
                expand_paths=expand_paths, digits=digits, focus=focus, full=full, reading=reading)
    d.title = f"{ex.name}: {ex.title}"
    d.example = ex
    keep = frozenset({("always",)})
    ep = [Heading("Source", tags=keep), P(*prose(for_learners(ex.source)), tags=keep)]
    ep.append(P(f"Loss: the source's is '{ex.loss}', and this derivation uses '{net.loss_name}' "
                f"({'the same' if net.loss_name == ex.loss else 'a different one'}).", tags=keep))
    for key in ex.published:
        if key.startswith("yhat[") and "yhat" not in d.extra:
            steps = 9999
            preds = _trained_predictions(ex, steps)
            d.extra["yhat"] = True
            for n in range(preds.shape[0]):
                d.extra[f"yhat[{n + 1}]"] = float(preds[n, 0])
            ep.append(P(f"yhat[n]: loopnet's outputs after {steps} full-batch steps with lr = {ex.lr:g} (",
                        Code("fit(batch_size=None, shuffle=False)"), "), as the post's script prints them.",
                        tags=keep))
    d.extra.pop("yhat", None)
    if ex.published:
        published = dict(ex.published)
        if lr != ex.lr:
            published = {k: v for k, v in published.items() if not k.startswith(("new ", "after "))}
        report = d.check(published)
        d.published_report = report
        errata = {e.name: e for e in ex.errata}
        ep.append(Heading("Published numbers against loopnet", tags=keep))
        rows = []
        for r in report.rows:
            verdict = "agrees" if r.ok else ("erratum (see Errata)" if r.name in errata else "MISMATCH")
            rows.append(((Code(r.name),), (repr(r.given).replace("-", "−"),), (d.say(r.true),), (verdict,)))
        ep.append(Table((("quantity",), ("printed",), ("loopnet",), ("verdict",)), tuple(rows),
                        (0.3, 0.26, 0.16, 0.28), tags=keep))
        if ex.errata:
            ep.append(Heading("Errata", tags=keep))
            ep.append(P("Printed numbers that are wrong beyond their printed rounding: the printed value, the true "
                        "value (loopnet's) and the cause. ", Code("d.published_report"), " holds what check() "
                        "diagnoses from the numbers alone.", tags=keep))
            ep.append(Table((("quantity",), ("printed",), ("true",), ("cause",)), tuple(_errata_rows(d, ex, report)),
                            (0.19, 0.15, 0.16, 0.5), tags=keep))
    if ex.notes:
        ep.append(Heading("Notes", tags=keep))
        for note in ex.notes:
            ep.append(P("– ", *prose(for_learners(note)), tags=keep))
    d.epilogue = ep
    return d


_INTERNAL = [(re.compile(r";?\s*seed \d+_[0-9a-f]+\.txt"), ""),
             (re.compile(r"; it is the input a shape error message must explain"),
              "; loopnet's error message for it names the shapes it expects")]


def for_learners(text):
    """The worked examples' words with our own references (seed files, notes to ourselves) taken out."""
    for pat, rep in _INTERNAL:
        text = pat.sub(rep, text)
    return text


def _errata_rows(d, ex, report):
    """One row per cause: the rows that share a cause are listed together and the cause is written once.
    The true value is printed to one digit more than the printed one, so the error shows."""
    from .check import significant_digits
    groups = {}
    for e in ex.errata:
        groups.setdefault(e.cause, []).append(e)
    rows = []
    for cause, es in groups.items():
        names, printed, trues = [], [], []
        for e in es:
            row = next((r for r in report.rows if r.name == e.name), None)
            true = d.value(we.base_name(e.name)) if row is None else row.true
            names.append(Code(e.name))
            printed.append(repr(e.printed).replace("-", "−"))
            trues.append(d.say(true, max(d.digits, significant_digits(e.printed) + 1)))
        rows.append((tuple(join_items(names, ", ")), ("; ".join(printed),), ("; ".join(trues),), prose(cause)))
    return rows


def join_items(items, sep):
    out = []
    for i, it in enumerate(items):
        if i:
            out.append(sep)
        out.append(it)
    return out


def run_cli(args, out=None, err=None):
    """``loopnet explain``: print (or write) the derivation and return 0, or a one-line error and 2."""
    from .cli import run
    return run(args, out, err)
