"""The derivation: the engine's numbers (:mod:`.numbers`) and their structure as blocks (:mod:`.nodes`).

:class:`Derivation` computes everything once; ``str(d)``, ``d.to_markdown()``, ``d.to_latex()`` and
``d.to_html()`` hand the same blocks to a renderer, which only formats.
"""
from __future__ import annotations

import itertools
import math

import numpy as np

from ..activations import BY_CODE as ACT_BY_CODE, SOFTMAX
from ..constants import READINGS
from ..losses import CROSS_ENTROPY, MSE, QUADRATIC, SSE
from .names import parse_focus, resolve
from .nodes import (Big, Code, D, Eq, Frac, Func, Group, Heading, Mat, Num, Op, P, Pow, Sym, Table, Title,
                    Word, join, side, terms)
from .numbers import Numbers

MAX_PATHS = 64      # the path expansion of one weight is written out only up to this many paths
MAX_LINES = 400     # a derivation longer than this (text lines) shows a summary unless full=True or focus
MAX_PRODUCTS = 5000  # N × (number of weights) above which the summary is shown without building the whole
MAX_MATRIX = 8      # the matrix form is written with numbers when no matrix has more rows or columns,
MAX_MATRIX_COLUMNS = 6  # and the two factors side by side have at most this many columns
MAX_LESSON = 256    # N × (number of weights) up to which the lesson is the default reading,
MAX_LESSON_WIDTH = 6  # with no layer wider than this (its matrices are written out with numbers)


def _frac(den, numer=1):
    """numer/den as a reduced fraction node (2/4 → 1/2, 2/2 → 1)."""
    import math
    numer, den = int(numer), int(den)
    g = math.gcd(numer, den)
    numer, den = numer // g, den // g
    if den == 1:
        return Num(float(numer), str(numer))
    return Frac((Num(float(numer), str(numer)),), (Num(float(den), str(den)),))


def _times(c, op="·"):
    """``c·`` as nodes, or nothing when c is 1."""
    if isinstance(c, Num) and c.text == "1":
        return ()
    return (c, Op(op))


_LOSS_DEF = {  # name, formula as nodes, scale as (text, denominator from N, n_L)
    MSE: ("mse", "1/(N n_L)", lambda N, nL: N * nL),
    QUADRATIC: ("quadratic", "1/(2N)", lambda N, nL: 2 * N),
    SSE: ("sse", "½", lambda N, nL: 2),
    CROSS_ENTROPY: ("cross_entropy", "1/N", lambda N, nL: N),
}


class Derivation:
    """Every number of one gradient step, component by component; see :func:`loopnet.explain`.

    ``str(d)`` plain text, ``d.to_markdown()``, ``d.to_latex()``, ``d.to_html()``; ``d.value(name)``,
    ``d.values()``, ``d.check({name: number})``; ``d.blocks()`` the model every renderer formats;
    ``d.printed`` lists (name, printed text, value) for every number shown.
    """

    def __init__(self, net, X, Y, lr, update_biases=True, expand_paths=False, digits=6, title=None,
                 focus=None, full=False, reading=None):
        self.net = net
        self.lr = lr
        self.update_biases = update_biases
        self.expand_paths = expand_paths
        self.digits_given = digits is not None
        self.digits = 6 if digits is None else int(digits)
        self.title = title
        self.full = full
        self.p = Numbers(net, X, Y)
        self.N = self.p.N
        self.focus = parse_focus(focus, net.sizes) if focus is not None else None
        if reading is not None and reading not in READINGS:
            raise ValueError(f"reading must be one of {', '.join(map(repr, READINGS))} or None, got {reading!r}")
        if reading is None:      # the lesson for a small network read as a whole; the full record otherwise
            weights = sum(a * b for a, b in zip(net.sizes[1:], net.sizes[:-1]))
            small = self.p.N * weights <= MAX_LESSON and max(net.sizes) <= MAX_LESSON_WIDTH
            reading = "lesson" if small and focus is None and not full and not expand_paths else "full"
        self.reading = reading
        self.after = self.new = None
        if lr is not None:
            self.after = self.stepped(net, self.p.X, self.p.Y, lr, update_biases, 1)
            self.new = Numbers(self.after, self.p.X, self.p.Y)
        self.extra = {}         # extra named values (explain_example: yhat[n] of a training run)
        self.epilogue = []      # blocks appended after the sections (explain_example: source, errata, notes)
        self.example = None
        self.exercise = None    # an Exercise (loopnet.explain.exercises) that blanks some numbers
        self.published_report = None
        self._after_cache = {}
        self.printed = []

    @staticmethod
    def stepped(net, X, Y, lr, update_biases, steps):
        new = net.copy()
        keep = [b.copy() for b in new.biases] if (new.has_bias and not update_biases) else None
        for _ in range(steps):
            new.step(X, Y, lr)
            if keep is not None:
                for b, old in zip(new.biases, keep):
                    b[...] = old
        return new

    # ---- values by name ---------------------------------------------------------------------
    def value(self, name):
        """The quantity called ``name`` as a float (the names are listed in :func:`loopnet.explain`)."""
        return resolve(self, name)

    def values(self):
        """Every quantity by name (forward, loss, errors, gradients, and 'new …' after the step)."""
        from .names import all_names
        return {n: self.value(n) for n in all_names(self)}

    def check(self, values, rel=None):
        """Compare ``{name: number}`` (a hand calculation or a publication) with the true values and say,
        where it can tell, how a wrong number is wrong; see :func:`loopnet.explain.check.check`."""
        from .check import check
        return check(self, values, rel)

    # ---- rendering ----------------------------------------------------------------------------
    def __str__(self):
        from .text import TextRenderer
        return TextRenderer().render(self.blocks())

    def __repr__(self):
        return f"<Derivation for {self.net!r}, N = {self.N}; print() it for the derivation>"

    def to_text(self):
        return str(self)

    def to_markdown(self):
        """The derivation in Markdown: Unicode prose, math in $…$ and $$…$$ (Jupyter, GitHub, pandoc)."""
        from .markdown import MarkdownRenderer
        return MarkdownRenderer().render(self.blocks())

    def to_latex(self, standalone=True):
        """A LaTeX handout (a complete ``article`` for pdflatex, or the body only with standalone=False)."""
        from .latex import LatexRenderer
        return LatexRenderer().render(self.blocks(), standalone)

    def to_html(self, path=None):
        """One self-contained HTML page (inline script and style, no network access): the network with
        its weights, step-through buttons, and a click on a weight or a neuron shows its numbers.
        Returns the page; with ``path`` also writes it there."""
        from .html import HtmlRenderer
        keep, self.reading = self.reading, "full"     # the page steps through the full record
        try:
            page = HtmlRenderer().render(self)
        finally:
            self.reading = keep
        if path is not None:
            from ..writing import write_text
            write_text(path, page)
        return page

    def _repr_markdown_(self):
        return self.to_markdown()

    def _repr_latex_(self):
        return self.to_latex(standalone=False)

    def _repr_html_(self):  # Jupyter: the page, inline (an iframe of d.to_html())
        from .playground import notebook_html
        return notebook_html(self)

    def epilogue_lesson(self):
        """The worked example's closing blocks for the lesson: its source and one line on its printed numbers."""
        out = [b for b in self.epilogue[:2]] if self.example is not None else []
        rep = self.published_report
        if rep is not None and rep.rows:
            bad = len(rep.mismatches)
            out.append(P(f"The source prints {len(rep.rows)} number{'s' if len(rep.rows) != 1 else ''}: "
                         f"{len(rep.rows) - bad} agree with loopnet" +
                         (f", {bad} do not; the full reading (reading=\"full\") lists each with its cause, and "
                          "d.published_report says what check() diagnoses from the numbers alone." if bad else ".")))
        return out

    # ---- the model ----------------------------------------------------------------------------
    def num(self, name, prefix=""):
        """The number called ``name`` as a node (and recorded in ``self.printed``)."""
        full = prefix + name
        v = self.value(full)
        if self.exercise is not None:
            blank = self.exercise.blank(full, v)
            if blank is not None:
                return blank
        t = self.fmt(v)
        self.printed.append((full, t, v))
        return Num(v, t)

    def fmt(self, v, digits=None):
        """The one number formatter: ``digits`` (default the derivation's) significant figures, ASCII minus
        (the form of a Num node; each printer writes its own minus sign). Prose uses :meth:`say`."""
        v = float(v)
        return "0" if v == 0 else f"{v:.{digits or self.digits}g}"

    def say(self, v, digits=None):
        """A number inside prose, a heading or a table cell: :meth:`fmt` with the typeset minus −."""
        return self.fmt(v, digits).replace("-", "−")

    def ex(self, n, name):
        """The name of a per-example quantity of example n (1-based)."""
        return name if self.N == 1 else f"example {n} {name}"

    def en(self, n):
        """The example index on symbols: only batch derivations write it."""
        return None if self.N == 1 else n

    def blocks(self, reading=None):
        """The derivation as a list of blocks (the model every renderer formats): the lesson or the full
        record (``reading``, default the derivation's own)."""
        self.printed = []
        if (reading or self.reading) == "lesson":
            from .lesson import LESSON_DIGITS, lesson_blocks
            keep = self.digits
            if not self.digits_given:
                self.digits = LESSON_DIGITS
            try:
                return lesson_blocks(self)
            finally:
                self.digits = keep
        s = self.net.sizes
        products = self.N * sum(s[l] * s[l - 1] for l in range(1, len(s)))
        if self.focus is None and not self.full and products > MAX_PRODUCTS:
            return self._summary(f"more than {MAX_LINES}")   # too big even to build: summary straight away
        B = self._all_blocks()
        if self.focus is not None:
            return self._focused(B)
        if not self.full:
            from .text import TextRenderer
            lines = TextRenderer().render(B[:len(B) - len(self.epilogue)]).count("\n")
            if lines > MAX_LINES:
                self.printed = []
                return self._summary(lines)
        return B

    def _description(self):
        net, p, s = self.net, self.p, self.net.sizes
        L = p.L
        hidden = ACT_BY_CODE[p.acts[0]].name if L > 1 else None
        out_act = ACT_BY_CODE[p.acts[L - 1]].name
        return ("network " + "-".join(map(str, s)) + ": " + (f"{hidden} hidden layers, " if hidden else "") +
                f"{out_act} output, loss '{net.loss_name}', " + ("with biases" if net.has_bias else "no biases") +
                f", backend '{net.backend}'; " + (f"a batch of N = {self.N} examples" if self.N > 1 else "one example"))

    def _all_blocks(self):
        B = []
        p, L = self.p, self.p.L
        desc = self._description()
        B.append(Title(self.title or "Backpropagation, component by component"))
        B.append(P(desc[0].upper() + desc[1:] + "."))
        items = ["Layers 0..L (layer 0 is the input, L = " + str(L) + "), indices from 1: ",
                 (Sym("w", "l", ("j", "k")),), " is the weight to neuron j of layer l from neuron k of layer l−1 (",
                 Code("net.weights[l-1][j-1, k-1]"), ")"]
        if self.N > 1:
            items += ["; a first index n names the example (n = 1…" + str(self.N) + "), as in ",
                      (Sym("a", "l", ("k",), "n"),)]
        B.append(P(*items, "."))
        B.append(Heading("1. Forward pass"))
        B.append(P((Sym("z", "l", ("j",)), Op("="), Big("sum", "k"), Sym("w", "l", ("j", "k")), Op(" "),
                    Sym("a", "l-1", ("k",)), Op("+"), Sym("b", "l", ("j",))), " and ",
                   (Sym("a", "l", ("j",)), Op("="), Func("σ", (Sym("z", "l", ("j",)),))), " (kernels ",
                   Code("weighted_input"), " and ", Code("activate_layer"), " in ", Code("loopnet/kernels/forward.py"),
                   ")."))
        for n in range(1, self.N + 1):
            if self.N > 1:
                B.append(Heading(f"Example {n}: x = ({', '.join(self.say(v) for v in p.X[n - 1])}), "
                                 f"y = ({', '.join(self.say(v) for v in p.Y[n - 1])})", 3))
            self._forward(B, n, "")
        B.append(Heading("2. Loss"))
        self._loss(B, "")
        B.append(Heading("3. Output error (BP1)"))
        self._output_error(B)
        B.append(Heading("4. Backward pass (BP2)"))
        self._backward(B)
        B.append(Heading("5. Gradients (BP3, BP4)"))
        self._gradients(B)
        B.append(Heading("6. Shapes"))
        self._shapes(B)
        if self.lr is not None:
            B.append(Heading("7. Update and a second forward pass"))
            self._update(B)
        B.extend(self.epilogue)
        return B

    # ---- 1. forward ----------------------------------------------------------------------------
    def _forward(self, B, n, prefix):
        s, p, L, num, net = self.net.sizes, self.p, self.p.L, self.num, self.net
        e, nm = self.en(n), lambda q: self.ex(n, q)
        B.append(Eq((side(Sym("a", 0, (), e)), side(Sym("x", None, (), e)),
                     side(Group(join([num(nm(f"x[{k}]"), prefix) for k in range(1, s[0] + 1)], ",")))),
                    tags=frozenset(("n", 0, k) for k in range(1, s[0] + 1))))
        for l in range(1, L + 1):
            for j in range(1, s[l] + 1):
                sym = [(Sym("w", l, (j, k)), Op(" "), Sym("a", l - 1, (k,), e)) for k in range(1, s[l - 1] + 1)]
                nums = [(num(f"W{l}[{j},{k}]", prefix), Op("·"), num(nm(f"a{l - 1}[{k}]"), prefix))
                        for k in range(1, s[l - 1] + 1)]
                if net.has_bias:
                    sym.append((Sym("b", l, (j,)),))
                    nums.append((num(f"b{l}[{j}]", prefix),))
                tags = {("n", l, j)} | {("w", l, j, k) for k in range(1, s[l - 1] + 1)} | {("b", l, j)}
                B.append(Eq((side(Sym("z", l, (j,), e)), tuple(sym), tuple(nums),
                             side(num(nm(f"z{l}[{j}]"), prefix))), tags=frozenset(tags)))
            if p.acts[l - 1] == SOFTMAX:
                self._softmax(B, n, l, prefix)
                continue
            fn = ACT_BY_CODE[p.acts[l - 1]].name
            fname = "σ" if fn == "sigmoid" else fn
            for j in range(1, s[l] + 1):
                z = num(nm(f"z{l}[{j}]"), prefix)
                B.append(Eq((side(Sym("a", l, (j,), e)), side(Func(fname, (Sym("z", l, (j,), e),))),
                             side(Func(fname, (z,))), side(num(nm(f"a{l}[{j}]"), prefix))),
                            tags=frozenset({("n", l, j)})))

    def _softmax(self, B, n, l, prefix):
        s, num, e, nm = self.net.sizes, self.num, self.en(n), (lambda q: self.ex(n, q))
        tags = frozenset(("n", l, j) for j in range(1, s[l] + 1))
        for j in range(1, s[l] + 1):
            B.append(Eq((side(Func("exp", (Sym("z", l, (j,), e),))), side(Func("exp", (num(nm(f"z{l}[{j}]"), prefix),))),
                         side(num(nm(f"exp(z{l}[{j}])"), prefix))), tags=tags))
        B.append(Eq((side(Sym("S", l, (), e)), tuple((Func("exp", (Sym("z", l, (i,), e),)),) for i in range(1, s[l] + 1)),
                     tuple((num(nm(f"exp(z{l}[{i}])"), prefix),) for i in range(1, s[l] + 1)),
                     side(num(nm(f"S{l}"), prefix))), tags=tags))
        for j in range(1, s[l] + 1):
            B.append(Eq((side(Sym("a", l, (j,), e)), side(Frac((Func("exp", (Sym("z", l, (j,), e),)),),
                                                               (Sym("S", l, (), e),))),
                         side(Frac((num(nm(f"exp(z{l}[{j}])"), prefix),), (num(nm(f"S{l}"), prefix),))),
                         side(num(nm(f"a{l}[{j}]"), prefix))), tags=tags))

    # ---- 2. loss ------------------------------------------------------------------------------
    def _loss(self, B, prefix):
        p, s, L, num = self.p, self.net.sizes, self.p.L, self.num
        code, nL, N = p.loss_code, s[L], self.N
        lname, scale_txt, den = _LOSS_DEF[code]
        den = den(N, nL)
        c = _frac(den)
        aj, yj = Sym("a", L, ("j",), "n" if N > 1 else None), Sym("y", None, ("j",), "n" if N > 1 else None)
        sums = ((Big("sum", "n"),) if N > 1 else ()) + (Big("sum", "j"),)
        if code == CROSS_ENTROPY and p.softmax_ce:
            body = (Op("-"), *_times(c, " "), *sums, yj, Op(" "), Func("ln", (aj,)))
        elif code == CROSS_ENTROPY:
            body = (Op("-"), *_times(c, " "), *sums, Group((yj, Op(" "), Func("ln", (aj,)), Op("+"),
                                                       Group((Num(1.0, "1"), Op("-"), yj)), Op(" "),
                                                       Func("ln", (Group((Num(1.0, "1"), Op("-"), aj)),)))))
        else:
            body = (*_times(c, " "), *sums, Pow((aj, Op("-"), yj), "2"))
        if not prefix:
            B.append(P(f"The loss is '{lname}' (the network's loss_name): its scale is {scale_txt}; here N = {N} "
                       f"and n_L = {nL}, so the scale is ", (c,), ". It is folded into δ⁽ᴸ⁾ once (BP1), so the sums "
                       "of BP3 and BP4 below carry no scale of their own (kernel ", Code("loss_terms"), " in ",
                       Code("loopnet/kernels/loss.py"), ").", tags={("loss",)}))
            B.append(Eq((side(Sym("L")), side(*body)), tags=frozenset({("loss",)})))
        tags = frozenset({("loss",)} | {("n", L, j) for j in range(1, nL + 1)})
        names = []
        for n in range(1, N + 1):
            e, nm = self.en(n), (lambda q, n=n: self.ex(n, q))
            a = lambda j: num(nm(f"a{L}[{j}]"), prefix)  # noqa: E731
            y = lambda j: num(nm(f"y[{j}]"), prefix)     # noqa: E731
            if p.softmax_ce:
                B.append(Eq((side(Sym("L", None, (), e)),
                             side(Op("-"), *_times(c), Group(join([(y(j), Op("·"), Func("ln", (a(j),)))
                                                                  for j in range(1, nL + 1)], "+"))),
                             side(Op("-"), *_times(c), Group(join([(y(j), Op("·"), num(nm(f"ln(a{L}[{j}])"), prefix))
                                                                  for j in range(1, nL + 1)], "+"))),
                             side(num(nm("L"), prefix))), tags=tags))
                names.append(nm("L"))
                continue
            for j in range(1, nL + 1):
                if code == CROSS_ENTROPY:
                    form = (Op("-"), *_times(c), Group((y(j), Op("·"), Func("ln", (a(j),)), Op("+"),
                                                        Group((Num(1.0, "1"), Op("-"), y(j))), Op("·"),
                                                        Func("ln", (Group((Num(1.0, "1"), Op("-"), a(j))),)))))
                else:
                    form = (*_times(c), Pow((a(j), Op("-"), y(j)), "2"))
                B.append(Eq((side(Sym("L", None, (j,), e)), side(*form), side(num(nm(f"L[{j}]"), prefix))),
                            tags=tags))
                names.append(nm(f"L[{j}]"))
        if len(names) > 1:
            B.append(Eq((side(Sym("L")), tuple((num(q, prefix),) for q in names), side(num("L", prefix))),
                        tags=frozenset({("loss",)})))
        elif N == 1 and not p.softmax_ce and nL == 1:
            B.append(Eq((side(Sym("L")), side(num("L", prefix))), tags=frozenset({("loss",)})))

    # ---- 3. BP1 -------------------------------------------------------------------------------
    def _sp_eq(self, B, n, l, j, tags):
        num, e, nm = self.num, self.en(n), (lambda q: self.ex(n, q))
        fn = ACT_BY_CODE[self.p.acts[l - 1]].name
        a = num(nm(f"a{l}[{j}]"))
        spn = num(nm(f"sigma'(z{l}[{j}])"))
        if fn == "sigmoid":
            B.append(Eq((side(Sym("sp", l, (j,), e)), side(Sym("a", l, (j,), e), Group((Num(1.0, "1"), Op("-"),
                                                                                        Sym("a", l, (j,), e)))),
                         side(a, Op("·"), Group((Num(1.0, "1"), Op("-"), a))), side(spn)), tags=tags))
        elif fn == "tanh":
            B.append(Eq((side(Sym("sp", l, (j,), e)), side(Num(1.0, "1"), Op("-"), Pow((Sym("a", l, (j,), e),), "2")),
                         side(Num(1.0, "1"), Op("-"), Pow((a,), "2")), side(spn)), tags=tags))
        else:
            B.append(Eq((side(Sym("sp", l, (j,), e)), side(spn)), tags=tags))

    def _output_error(self, B):
        p, s, L, num, N = self.p, self.net.sizes, self.p.L, self.num, self.N
        act, code, nL = p.acts[L - 1], p.loss_code, s[L]
        c = _frac(_LOSS_DEF[code][2](N, nL))
        two_c = _frac(_LOSS_DEF[code][2](N, nL), 2)
        if code != CROSS_ENTROPY:
            B.append(P("∂L/∂a from the loss: ", (D((Sym("L"),), (Sym("a", L, ("j",), "n" if N > 1 else None),)),
                                                Op("="), *_times(two_c),
                                                Group((Sym("a", L, ("j",), "n" if N > 1 else None), Op("-"),
                                                       Sym("y", None, ("j",), "n" if N > 1 else None)))),
                       ". loopnet computes it with the BP1 kernel ", Code("output_error"), " run with the identity "
                       "activation, whose σ' is 1, so the kernel's δ is ∂L/∂a itself.", tags={("loss",)}))
        for n in range(1, N + 1):
            e, nm = self.en(n), (lambda q, n=n: self.ex(n, q))
            if N > 1:
                B.append(Heading(f"Example {n}", 3))
            if code != CROSS_ENTROPY:
                for j in range(1, nL + 1):
                    B.append(Eq((side(D((Sym("L"),), (Sym("a", L, (j,), e),))),
                                 side(*_times(two_c), Group((num(nm(f"a{L}[{j}]")), Op("-"), num(nm(f"y[{j}]"))))),
                                 side(num(nm(f"dL/da{L}[{j}]")))), tags=frozenset({("n", L, j)})))
            tags = frozenset(("n", L, j) for j in range(1, nL + 1))
            if act == SOFTMAX:
                self._softmax_bp1(B, n, tags, c, code)
                continue
            if code == CROSS_ENTROPY:
                if n == 1:
                    B.append(P("With sigmoid outputs and cross-entropy σ' cancels: ",
                               (Sym("delta", L, ("j",)), Op("="), D((Sym("L"),), (Sym("a", L, ("j",)),)), Op(" "),
                                Sym("sp", L, ("j",)), Op("="), c, Op("·"),
                                Frac((Sym("a", None, ("j",)), Op("-"), Sym("y", None, ("j",))),
                                     (Sym("a", None, ("j",)), Group((Num(1.0, "1"), Op("-"), Sym("a", None, ("j",)))))),
                                Op("·"), Sym("a", None, ("j",)), Group((Num(1.0, "1"), Op("-"), Sym("a", None, ("j",)))),
                                Op("="), c, Op("·"), Group((Sym("a", None, ("j",)), Op("-"), Sym("y", None, ("j",))))),
                               " (kernel ", Code("output_error"), ")."))
                for j in range(1, nL + 1):
                    B.append(Eq((side(Sym("delta", L, (j,), e)),
                                 side(*_times(c), Group((num(nm(f"a{L}[{j}]")), Op("-"), num(nm(f"y[{j}]"))))),
                                 side(num(nm(f"delta{L}[{j}]")))), tags=tags))
                continue
            if n == 1:
                B.append(P((Sym("delta", L, ("j",)), Op("="), D((Sym("L"),), (Sym("a", L, ("j",)),)), Op("·"),
                            Sym("sp", L, ("j",))), " (kernel ", Code("output_error"), " in ",
                           Code("loopnet/kernels/backward.py"), "; σ' from ", Code("loopnet.activations.derivative"),
                           "):"))
            for j in range(1, nL + 1):
                t = frozenset({("n", L, j)})
                self._sp_eq(B, n, L, j, t)
                B.append(Eq((side(Sym("delta", L, (j,), e)),
                             side(D((Sym("L"),), (Sym("a", L, (j,), e),)), Op("·"), Sym("sp", L, (j,), e)),
                             side(num(nm(f"dL/da{L}[{j}]")), Op("·"), num(nm(f"sigma'(z{L}[{j}])"))),
                             side(num(nm(f"delta{L}[{j}]")))), tags=t))

    def _softmax_bp1(self, B, n, tags, c, code):
        s, L, num = self.net.sizes, self.p.L, self.num
        nL, e, nm = s[L], self.en(n), (lambda q: self.ex(n, q))
        if n == 1:
            B.append(P("Softmax couples the outputs: every a⁽ᴸ⁾ᵢ depends on every z⁽ᴸ⁾ⱼ, with ",
                       (D((Sym("a", L, ("i",)),), (Sym("z", L, ("j",)),)), Op("="), Sym("a", L, ("i",)),
                        Group((Sym("1", None, ("ij",)), Op("-"), Sym("a", L, ("j",))))),
                       " (1ᵢⱼ is 1 when i = j, else 0). So BP1 is a Jacobian-vector product, ",
                       (Sym("delta", L, ("j",)), Op("="), Big("sum", "i"), D((Sym("a", L, ("i",)),), (Sym("z", L, ("j",)),)),
                        Op(" "), D((Sym("L"),), (Sym("a", L, ("i",)),))), "."))
        if code == CROSS_ENTROPY:
            if n == 1:
                B.append(P("For cross-entropy ", (D((Sym("L"),), (Sym("a", L, ("i",)),)), Op("="), Op("-"), *_times(c),
                                                  Frac((Sym("y", None, ("i",)),), (Sym("a", L, ("i",)),))), ":"))
            for i in range(1, nL + 1):
                B.append(Eq((side(D((Sym("L"),), (Sym("a", L, (i,), e),))),
                             side(Op("-"), *_times(c), Frac((num(nm(f"y[{i}]")),), (num(nm(f"a{L}[{i}]")),))),
                             side(num(nm(f"dL/da{L}[{i}]")))), tags=tags))
        for i in range(1, nL + 1):      # the Jacobian entries, each with its a(1ᵢⱼ − a) line
            for j in range(1, nL + 1):
                ai = num(nm(f"a{L}[{i}]"))
                B.append(Eq((side(D((Sym("a", L, (i,), e),), (Sym("z", L, (j,), e),))),
                             side(Sym("a", L, (i,), e), Group((Num(1.0 if i == j else 0.0, "1" if i == j else "0"),
                                                                Op("-"), Sym("a", L, (j,), e)))),
                             side(ai, Op("·"), Group((Num(1.0 if i == j else 0.0, "1" if i == j else "0"), Op("-"),
                                                      num(nm(f"a{L}[{j}]"))))),
                             side(num(nm(f"da{L}[{i}]/dz{L}[{j}]")))), tags=tags))
        for j in range(1, nL + 1):
            jv = [(num(nm(f"da{L}[{i}]/dz{L}[{j}]")), Op("·"), num(nm(f"dL/da{L}[{i}]"))) for i in range(1, nL + 1)]
            B.append(Eq((side(Sym("delta", L, (j,), e)),
                         tuple((D((Sym("a", L, (i,), e),), (Sym("z", L, (j,), e),)), Op(" "),
                                D((Sym("L"),), (Sym("a", L, (i,), e),))) for i in range(1, nL + 1)),
                         tuple(jv), tuple((num(nm(f"jvp{L}[{i},{j}]")),) for i in range(1, nL + 1)),
                         side(num(nm(f"delta{L}[{j}]")))), tags=tags))
        if code == CROSS_ENTROPY:
            if n == 1:
                B.append(P("Multiplied out, with c = ", (c,), " the loss scale and aᵢ, yᵢ short for a⁽ᴸ⁾ᵢ and "
                           "the target yᵢ: Σᵢ aᵢ(1ᵢⱼ − aⱼ)(−c yᵢ/aᵢ) = c(aⱼ Σᵢ yᵢ − yⱼ); the aᵢ cancel, and with "
                           "targets that sum to 1 this is the shortcut ",
                           (Sym("delta", L, ("j",)), Op("="), *_times(c), Group((Sym("a", L, ("j",)), Op("-"),
                                                                                 Sym("y", None, ("j",))))),
                           " that the kernel ", Code("output_error"), " computes. The same numbers:"))
            for j in range(1, nL + 1):
                B.append(Eq((side(Sym("delta", L, (j,), e)),
                             side(*_times(c), Group((num(nm(f"a{L}[{j}]")), Op("-"), num(nm(f"y[{j}]"))))),
                             side(num(nm(f"delta{L}[{j}]")))), tags=tags))

    # ---- 4. BP2 -------------------------------------------------------------------------------
    def _backward(self, B):
        s, L, num, N = self.net.sizes, self.p.L, self.num, self.N
        if L == 1:
            B.append(P("There are no hidden layers: δ⁽¹⁾ is the output error above."))
            return
        B.append(P((Sym("delta", "l", ("j",)), Op("="), Group((Big("sum", "k"), Sym("w", "l+1", ("k", "j")), Op(" "),
                                                               Sym("delta", "l+1", ("k",)))), Op("·"),
                    Sym("sp", "l", ("j",))), ", where the sum is ∂L/∂a⁽ˡ⁾ⱼ (kernel ", Code("hidden_error"), " in ",
                   Code("loopnet/kernels/backward.py"), ")."))
        for n in range(1, N + 1):
            e, nm = self.en(n), (lambda q, n=n: self.ex(n, q))
            if N > 1:
                B.append(Heading(f"Example {n}", 3))
            for l in range(L - 1, 0, -1):
                for j in range(1, s[l] + 1):
                    t = frozenset({("n", l, j)} | {("w", l + 1, k, j) for k in range(1, s[l + 1] + 1)})
                    sym = tuple((Sym("w", l + 1, (k, j)), Op(" "), Sym("delta", l + 1, (k,), e))
                                for k in range(1, s[l + 1] + 1))
                    nums = tuple((num(f"W{l + 1}[{k},{j}]"), Op("·"), num(nm(f"delta{l + 1}[{k}]")))
                                 for k in range(1, s[l + 1] + 1))
                    sides = [side(D((Sym("L"),), (Sym("a", l, (j,), e),))), sym, nums]
                    if l == L - 1 and s[L] > 1 and self.p.acts[L - 1] != SOFTMAX and N == 1:
                        sides.append(tuple((num(f"dL[{k}]/da{l}[{j}]"),) for k in range(1, s[L] + 1)))
                    sides.append(side(num(nm(f"dL/da{l}[{j}]"))))
                    B.append(Eq(tuple(sides), tags=t))
                    self._sp_eq(B, n, l, j, frozenset({("n", l, j)}))
                    B.append(Eq((side(Sym("delta", l, (j,), e)),
                                 side(D((Sym("L"),), (Sym("a", l, (j,), e),)), Op("·"), Sym("sp", l, (j,), e)),
                                 side(num(nm(f"dL/da{l}[{j}]")), Op("·"), num(nm(f"sigma'(z{l}[{j}])"))),
                                 side(num(nm(f"delta{l}[{j}]")))), tags=frozenset({("n", l, j)})))

    # ---- 5. BP3, BP4 ---------------------------------------------------------------------------
    def _gradients(self, B):
        s, L, num, N, net = self.net.sizes, self.p.L, self.num, self.N, self.net
        if N > 1:
            B.append(P("For a batch each gradient is a sum over the N = " + str(N) + " examples: ",
                       (D((Sym("L"),), (Sym("w", "l", ("j", "k")),)), Op("="), Big("sum", "n"),
                        Sym("delta", "l", ("j",), "n"), Op(" "), Sym("a", "l-1", ("k",), "n")),
                       " (BP4, kernel ", Code("weight_gradient"), ") and ",
                       (D((Sym("L"),), (Sym("b", "l", ("j",)),)), Op("="), Big("sum", "n"), Sym("delta", "l", ("j",), "n")),
                       " (BP3, kernel ", Code("bias_gradient"), "). Each δ already carries the loss scale from BP1, "
                       "so the sums add the examples' terms as they are: no 1/N appears here. Term n is the same "
                       "kernel run on example n alone (the names 'example n dL/dW1[j,k]')."))
        else:
            B.append(P((D((Sym("L"),), (Sym("w", "l", ("j", "k")),)), Op("="), Sym("delta", "l", ("j",)), Op(" "),
                        Sym("a", "l-1", ("k",))), " (BP4, kernel ", Code("weight_gradient"), ") and ",
                       (D((Sym("L"),), (Sym("b", "l", ("j",)),)), Op("="), Sym("delta", "l", ("j",))),
                       " (BP3, kernel ", Code("bias_gradient"), "); with one example the sum over examples has "
                       "one term."))
        nm = self.ex
        for l in range(L, 0, -1):
            for j in range(1, s[l] + 1):
                for k in range(1, s[l - 1] + 1):
                    t = frozenset({("w", l, j, k)})
                    lhs = side(D((Sym("L"),), (Sym("w", l, (j, k)),)))
                    if N > 1:
                        sym = side(Big("sum", "n"), Sym("delta", l, (j,), "n"), Op(" "), Sym("a", l - 1, (k,), "n"))
                        nums = tuple((num(nm(n, f"delta{l}[{j}]")), Op("·"), num(nm(n, f"a{l - 1}[{k}]")))
                                     for n in range(1, N + 1))
                        prods = tuple((num(f"example {n} dL/dW{l}[{j},{k}]"),) for n in range(1, N + 1))
                        B.append(Eq((lhs, sym, nums, prods, side(num(f"dL/dW{l}[{j},{k}]"))), tags=t))
                    elif l < L:
                        inner = tuple((Sym("w", l + 1, (i, j)), Op(" "), Sym("delta", l + 1, (i,)))
                                      for i in range(1, s[l + 1] + 1))
                        inner_n = tuple((num(f"W{l + 1}[{i},{j}]"), Op("·"), num(f"delta{l + 1}[{i}]"))
                                        for i in range(1, s[l + 1] + 1))
                        # one level of the chain; a wide sum is replaced by its value ∂L/∂a from BP2
                        wide = s[l + 1] > 2
                        B.append(Eq((lhs, side(Sym("delta", l, (j,)), Op("·"), Sym("a", l - 1, (k,))),
                                     side(D((Sym("L"),), (Sym("a", l, (j,)),)) if wide else Group(join(inner, "+")),
                                          Op(" "), Sym("sp", l, (j,)), Op("·"), Sym("a", l - 1, (k,))),
                                     side(num(f"dL/da{l}[{j}]") if wide else Group(join(inner_n, "+")), Op("·"),
                                          num(f"sigma'(z{l}[{j}])"), Op("·"), num(f"a{l - 1}[{k}]")),
                                     side(num(f"dL/dW{l}[{j},{k}]"))), tags=t))
                    else:
                        B.append(Eq((lhs, side(Sym("delta", l, (j,)), Op("·"), Sym("a", l - 1, (k,))),
                                     side(num(f"delta{l}[{j}]"), Op("·"), num(f"a{l - 1}[{k}]")),
                                     side(num(f"dL/dW{l}[{j},{k}]"))), tags=t))
                    if l < L and N == 1 and (self.expand_paths or (self.focus is not None and
                                                                   ("w", l, j, k) in self.focus.keys)):
                        self._paths(B, l, j, k, t)
                if net.has_bias:
                    t = frozenset({("b", l, j)})
                    lhs = side(D((Sym("L"),), (Sym("b", l, (j,)),)))
                    if N > 1:
                        B.append(Eq((lhs, side(Big("sum", "n"), Sym("delta", l, (j,), "n")),
                                     tuple((num(nm(n, f"delta{l}[{j}]")),) for n in range(1, N + 1)),
                                     side(num(f"dL/db{l}[{j}]"))), tags=t))
                    else:
                        B.append(Eq((lhs, side(Sym("delta", l, (j,))), side(num(f"dL/db{l}[{j}]"))), tags=t))
            self._matrix_form(B, l)
        if self.expand_paths and N > 1:
            B.append(P("(The sums over paths are written for one example; this derivation has "
                       f"{N}: focus on a weight of one example's derivation to see them.)"))

    def _matrix_form(self, B, l):
        s, N, p = self.net.sizes, self.N, self.p
        n_l, n_p = s[l], s[l - 1]
        t = frozenset({("layer", l)})
        B.append(P("Matrix form for layer " + str(l) + ": ",
                   (D((Sym("L"),), (Sym("W", l),)), Op("="), Sym("Delta", l), Op(" "), Pow((Sym("A", l - 1),), "T")),
                   f", ({n_l} × {N})({N} × {n_p}) = {n_l} × {n_p}, the shape of W{_sp(l)}. Δ{_sp(l)} holds δ{_sp(l)} of "
                   f"example n in column n ({n_l} × {N}; the kernels' delta is its transpose, ({N}, {n_l})), and "
                   f"(A{_sp(l - 1)})ᵀ holds a{_sp(l - 1)} of example n in row n ({N} × {n_p}, the kernels' a)" +
                   (": one example makes it the outer product δ (a)ᵀ, column times row." if N == 1 else
                    ": the product sums over n, which is the Σₙ above."), tags=t))
        if max(n_l, n_p, N) > MAX_MATRIX or N + n_p > MAX_MATRIX_COLUMNS:
            B.append(P(f"(The matrices are too wide to write out with numbers here: {N} + {n_p} columns side by "
                       f"side; their entries are the δ's and a's above.)", tags=t))
            return
        fmt = self.fmt
        Dm = Mat(tuple(tuple((Num(float(p.delta[l][n, j]), fmt(p.delta[l][n, j])),) for n in range(N))
                       for j in range(n_l)))
        Am = Mat(tuple(tuple((Num(float(p.a[l - 1][n, k]), fmt(p.a[l - 1][n, k])),) for k in range(n_p))
                       for n in range(N)))
        Gm = Mat(tuple(tuple((Num(float(p.dW[l][j, k]), fmt(p.dW[l][j, k])),) for k in range(n_p))
                       for j in range(n_l)))
        for n in range(N):
            for j in range(n_l):
                self.printed.append((self.ex(n + 1, f"delta{l}[{j + 1}]"), fmt(p.delta[l][n, j]), float(p.delta[l][n, j])))
            for k in range(n_p):
                self.printed.append((self.ex(n + 1, f"a{l - 1}[{k + 1}]"), fmt(p.a[l - 1][n, k]), float(p.a[l - 1][n, k])))
        for j in range(n_l):
            for k in range(n_p):
                self.printed.append((f"dL/dW{l}[{j + 1},{k + 1}]", fmt(p.dW[l][j, k]), float(p.dW[l][j, k])))
        B.append(Eq((side(D((Sym("L"),), (Sym("W", l),))), side(Dm, Op(" "), Am), side(Gm)), tags=t))

    def _paths(self, B, l, j, k, tags):
        """∂L/∂w^l_jk as the sum over paths j = p_l → p_{l+1} → … → p_L of δ^L · Π w σ' · a^{l−1}_k."""
        s, p, L = self.net.sizes, self.p, self.p.L
        ranges = [range(1, s[m] + 1) for m in range(l + 1, L + 1)]
        count = math.prod(len(r) for r in ranges)   # exact: np.prod of 65 widths of 2 overflowed to 0
        if count > MAX_PATHS:
            B.append(P(f"(∂L/∂w{_sp(l)}{_sb(j, k)} is a sum over {count} paths; not written out, more than "
                       f"{MAX_PATHS}.)", tags=tags))
            return
        syms, nums, vals = [], [], []
        for path in itertools.product(*ranges):
            nodes = (j,) + path  # p_l = j, p_{l+1}, …, p_L
            sym = [Sym("delta", L, (nodes[-1],))]
            numt = [self.num(f"delta{L}[{nodes[-1]}]")]
            v = float(p.delta[L][0, nodes[-1] - 1])
            for m in range(L, l, -1):  # w^{m}_{p_m, p_{m-1}} σ'(z^{m-1}_{p_{m-1}})
                jm, jp = nodes[m - l], nodes[m - l - 1]
                sym += [Op(" "), Sym("w", m, (jm, jp)), Op(" "), Sym("sp", m - 1, (jp,))]
                numt += [Op("·"), self.num(f"W{m}[{jm},{jp}]"), Op("·"), self.num(f"sigma'(z{m - 1}[{jp}])")]
                v *= float(p.W[m][jm - 1, jp - 1]) * float(p.sp[m - 1][0, jp - 1])
            v *= float(p.a[l - 1][0, k - 1])
            syms.append(tuple(sym + [Op(" "), Sym("a", l - 1, (k,))]))
            nums.append(tuple(numt + [Op("·"), self.num(f"a{l - 1}[{k}]")]))
            t = self.fmt(v)
            self.printed.append((f"dL/dW{l}[{j},{k}] path {'→'.join(map(str, nodes))}", t, v))
            vals.append((Num(v, t),))
        B.append(P("The same gradient as a sum over the paths from w" + _sp(l) + _sb(j, k) + " to the outputs "
                   "(each path: δ⁽ᴸ⁾ times w σ' for every layer it crosses, times a⁽ˡ⁻¹⁾ₖ):", tags=tags))
        sides = [side(D((Sym("L"),), (Sym("w", l, (j, k)),))), tuple(syms), tuple(nums)]
        if len(vals) > 1:
            sides.append(tuple(vals))
        sides.append(side(self.num(f"dL/dW{l}[{j},{k}]")))
        B.append(Eq(tuple(sides), tags=tags))

    # ---- 6. shapes ------------------------------------------------------------------------------
    def _shapes(self, B):
        s, L, N = self.net.sizes, self.p.L, self.N
        B.append(P(f"Shapes for N = {N} example{'s' if N > 1 else ''} (the kernels keep one example per row: z, a "
                   "and delta are (N, n_l)); the gradient of W⁽ˡ⁾ has W⁽ˡ⁾'s shape and the gradient of b⁽ˡ⁾ has "
                   "b⁽ˡ⁾'s: one entry per neuron, summed over the examples.", tags={("shapes",)}))
        head = (("layer l",), ("n_l",), ("δ⁽ˡ⁾ of one example",), ("W⁽ˡ⁾",),
                ("∂L/∂W⁽ˡ⁾ = Σₙ δ⁽ˡ⁾ₙ (a⁽ˡ⁻¹⁾ₙ)ᵀ",), ("b⁽ˡ⁾ and ∂L/∂b⁽ˡ⁾ = Σₙ δ⁽ˡ⁾ₙ",))
        rows = []
        for l in range(1, L + 1):
            n, m = s[l], s[l - 1]
            rows.append(((str(l),), (str(n),), (f"({n},): one entry per neuron of layer {l}",),
                         (f"{n} × {m} (", Code(f"net.weights[{l - 1}].shape"), f" = ({n}, {m}))"),
                         (f"N = {N} term{'s' if N > 1 else ''}, each ({n} × 1)(1 × {m}) = {n} × {m}",),
                         (f"({n},)" + ("" if self.net.has_bias else " (this network has no biases)"),)))
        B.append(Table(head, tuple(rows), (0.08, 0.06, 0.2, 0.22, 0.24, 0.2), tags=frozenset({("shapes",)})))

    # ---- 7. update ------------------------------------------------------------------------------
    def _update(self, B):
        s, L, num, lr, N = self.net.sizes, self.p.L, self.num, self.lr, self.N
        lr_t = self.fmt(lr)
        self.printed.append(("lr", lr_t, float(lr)))
        upd_b = self.net.has_bias and self.update_biases
        B.append(P("Each parameter moves against its gradient, ",
                   (Sym("w"), Op("←"), Sym("w"), Op("-"), Sym("η"), Op(" "), D((Sym("L"),), (Sym("w"),))),
                   f", with η = lr = {lr_t} (", Code("net.copy()"), " then ", Code("step"), ")" +
                   ("; the biases likewise." if upd_b else "; the biases are not updated." if self.net.has_bias
                    else ".")))
        eta = Num(float(lr), lr_t)
        for l in range(1, L + 1):
            for j in range(1, s[l] + 1):
                for k in range(1, s[l - 1] + 1):
                    B.append(Eq((side(Word("new "), Sym("w", l, (j, k))),
                                 terms((num(f"W{l}[{j},{k}]"),), (Op("-"), eta, Op("·"), num(f"dL/dW{l}[{j},{k}]"))),
                                 side(num(f"W{l}[{j},{k}]", "new "))), tags=frozenset({("w", l, j, k)})))
                if upd_b:
                    B.append(Eq((side(Word("new "), Sym("b", l, (j,))),
                                 terms((num(f"b{l}[{j}]"),), (Op("-"), eta, Op("·"), num(f"dL/db{l}[{j}]"))),
                                 side(num(f"b{l}[{j}]", "new "))), tags=frozenset({("b", l, j)})))
        B.append(P("The forward pass again, with the new parameters:"))
        for n in range(1, N + 1):
            if N > 1:
                B.append(Heading(f"Example {n} after the step", 3))
            self._forward(B, n, "new ")
        self._loss(B, "new ")
        before, after = self.value("L"), self.value("new L")
        verdict = "went down" if after < before else "did not go down (lr too large?)"
        B.append(P(f"The loss {verdict}: L = {self.say(before)} before the step, {self.say(after)} after it.",
                   tags={("loss",)}))
        self.printed += [("L", self.fmt(before), before), ("new L", self.fmt(after), after)]

    # ---- focus and summary ------------------------------------------------------------------------
    def _focused(self, B):
        keys = self.focus.keys
        out, section = [], []

        def flush():
            if any(b.tags & keys or ("always",) in b.tags for b in section):
                out.extend(b for b in section if not b.tags or b.tags & keys or ("always",) in b.tags)

        preamble = True
        for b in B:
            if preamble and not isinstance(b, Heading):  # the title and the description
                out.append(b)
                if not isinstance(b, Title):
                    continue
                out.append(P(f"Focused on {self.focus.label}: only the equations that compute it or that it "
                             "feeds are shown (every number is still the whole network's). Call explain without "
                             "focus= for the whole derivation."))
                continue
            if isinstance(b, Heading) and b.level <= 2:
                preamble = False
                flush()
                section = [b]
            else:
                section.append(b)
        flush()
        return out

    def _summary(self, lines):
        s, L, p = self.net.sizes, self.p.L, self.p
        self.printed = []
        B = [Title(self.title or "Backpropagation, component by component")]
        desc = self._description()
        B.append(P(desc[0].upper() + desc[1:] + "."))
        B.append(P(f"The whole derivation would be {lines} lines, too many to read; this is a summary. Narrow it "
                   "with focus=: one quantity (focus=\"dL/dW1[2,3]\" shows the chain and the paths that reach that "
                   "weight), one neuron (focus=\"neuron 2[1]\": its z, a, δ and the weights in and out), or one layer "
                   "(focus=\"layer 2\"); or pass full=True for everything. On the command line: --focus."))
        B.append(Heading("Summary"))
        B.append(Eq((side(Sym("L")), side(self.num("L"))), tags=frozenset({("loss",)})))
        rows = []
        for l in range(1, L + 1):
            dW = p.dW[l]
            j, k = np.unravel_index(int(np.argmax(np.abs(dW))), dW.shape)
            big = self.num(f"dL/dW{l}[{j + 1},{k + 1}]")
            rows.append(((str(l),), (str(s[l]),), (f"{s[l]} × {s[l - 1]}",), (ACT_BY_CODE[p.acts[l - 1]].name,),
                         (Code(f"dL/dW{l}[{j + 1},{k + 1}]"), f" = {self.say(big.value)}"),
                         (self.say(float(np.sqrt((dW ** 2).sum()))),)))
        B.append(Table((("layer",), ("n_l",), ("W shape",), ("activation",), ("largest |∂L/∂w|",),
                        ("‖∂L/∂W‖",)), tuple(rows), (0.08, 0.08, 0.14, 0.16, 0.34, 0.2)))
        B.extend(self.epilogue)
        return B


def _sp(l):
    from .text import sup
    return "⁽" + sup(l) + "⁾"


def _sb(*idx):
    from .text import sub
    return ",".join(sub(i) for i in idx)
