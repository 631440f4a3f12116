"""``ln.explain``: every number of the component-form backprop derivation for one example.

The numbers come from the engine itself, never from separate arithmetic that could disagree:

| quantity | computed by |
|---|---|
| z^(l), a^(l) | :func:`loopnet.kernels.forward.weighted_input`, :func:`~loopnet.kernels.forward.activate_layer` |
| L, L_j | :func:`loopnet.kernels.loss.loss_terms` × :func:`loopnet.losses.loss_scale` |
| ∂L/∂a^(L) | :func:`loopnet.kernels.backward.output_error` run with the identity activation (σ' = 1) |
| δ^(L) (BP1) | :func:`loopnet.kernels.backward.output_error` |
| ∂L/∂a^(l), δ^(l) (BP2) | :func:`loopnet.kernels.backward.hidden_error` (with the identity activation for ∂L/∂a) |
| σ'(z) | :func:`loopnet.activations.derivative` |
| ∂L/∂W^(l), ∂L/∂b^(l) (BP3, BP4) | :meth:`Network.gradients` (the network's own backend) |
| the update | ``net.copy()`` then :meth:`Network.step` |

On the ``python`` backend the kernels run uncompiled (same source, same line numbers), so a
breakpoint inside ``loopnet/kernels/backward.py`` stops there while ``explain`` runs.
"""
from __future__ import annotations

import itertools
import json
import math
import re
import sys
from dataclasses import dataclass, field

import numpy as np

from . import worked_examples as we
from ._numba import python_version
from .activations import BY_CODE as ACT_BY_CODE, IDENTITY, SIGMOID, SOFTMAX, derivative
from .kernels import backward as _bw
from .kernels import forward as _fw
from .kernels import loss as _ls
from .losses import BY_CODE as LOSS_BY_CODE, CROSS_ENTROPY, MSE, QUADRATIC, SSE, loss_scale

__all__ = ["explain", "explain_example", "Derivation", "CheckReport", "run_cli", "EXAMPLE_NAMES"]

EXAMPLE_NAMES = tuple(we.EXAMPLES)
MAX_PATHS = 64  # the path expansion of one weight is printed only up to this many paths

# ---------------------------------------------------------------------------------------------
# Small typesetting helpers: every piece of math is a pair (Unicode text, LaTeX).
# ---------------------------------------------------------------------------------------------
_SUP = str.maketrans("0123456789+-l", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻ˡ")
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _sup(l):
    return "⁽" + str(l).translate(_SUP) + "⁾"


def _sub(*idx):
    return ",".join(str(i).translate(_SUB) for i in idx)


class _M:
    """A piece of math: ``text`` (Unicode) and ``tex`` (LaTeX, without $)."""

    __slots__ = ("text", "tex")

    def __init__(self, text, tex=None):
        if isinstance(text, _M):
            text, tex = text.text, text.tex
        self.text = text
        self.tex = text if tex is None else tex

    def __add__(self, other):
        other = other if isinstance(other, _M) else _M(other)
        return _M(self.text + other.text, self.tex + other.tex)

    def __radd__(self, other):
        return _M(other) + self


def _join(parts, sep):
    sep = sep if isinstance(sep, _M) else _M(sep)
    out = _M("")
    for i, p in enumerate(parts):
        out = out + (sep if i else _M("")) + p
    return out


def w_(l, j, k):
    return _M(f"w{_sup(l)}{_sub(j, k)}", f"w^{{({l})}}_{{{j},{k}}}")


def q_(sym, l, j, texsym=None):
    """z, a, b, δ of neuron j of layer l."""
    texsym = texsym or sym
    return _M(f"{sym}{_sup(l)}{_sub(j)}", f"{texsym}^{{({l})}}_{{{j}}}")


def z_(l, j):
    return q_("z", l, j)


def a_(l, j):
    return q_("a", l, j)


def b_(l, j):
    return q_("b", l, j)


def d_(l, j):
    return q_("δ", l, j, r"\delta")


def sp_(l, j):
    return _M(f"σ'(z{_sup(l)}{_sub(j)})", f"\\sigma'(z^{{({l})}}_{{{j}}})")


def dLda_(l, j):
    return _M(f"∂L/∂a{_sup(l)}{_sub(j)}", f"\\frac{{\\partial L}}{{\\partial a^{{({l})}}_{{{j}}}}}")


def dLdw_(l, j, k):
    return _M(f"∂L/∂w{_sup(l)}{_sub(j, k)}", f"\\frac{{\\partial L}}{{\\partial w^{{({l})}}_{{{j},{k}}}}}")


def dLdb_(l, j):
    return _M(f"∂L/∂b{_sup(l)}{_sub(j)}", f"\\frac{{\\partial L}}{{\\partial b^{{({l})}}_{{{j}}}}}")


CDOT = _M("·", r" \cdot ")
EQ = _M(" = ", " = ")
MINUS = _M(" − ", " - ")
PLUS = _M(" + ", " + ")

_TEX_TEXT = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}",
    "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    "σ": r"$\sigma$", "δ": r"$\delta$", "∂": r"$\partial$", "Σ": r"$\Sigma$", "η": r"$\eta$", "θ": r"$\theta$",
    "ŷ": r"$\hat y$", "·": r"$\cdot$", "×": r"$\times$", "−": "-", "→": r"$\to$", "≥": r"$\geq$", "≤": r"$\leq$",
    "≈": r"$\approx$", "²": r"$^2$", "½": r"$\frac12$", "∘": r"$\circ$", "…": r"\dots{}", "‖": r"$\|$", "ᵀ": r"$^T$",
    "λ": r"$\lambda$", "μ": r"$\mu$", "ε": r"$\epsilon$", "’": "'", "‘": "`", "“": "``", "”": "''", "–": "--", "—": "---",
    "ℝ": r"$\mathbb{R}$", "∇": r"$\nabla$", "⁺": r"$^+$", "ⁿ": r"$^n$",
}
_TEX_TEXT.update({c: f"$^{{{i}}}$" for i, c in enumerate("⁰¹²³⁴⁵⁶⁷⁸⁹")})
_TEX_TEXT.update({c: f"$_{{{i}}}$" for i, c in enumerate("₀₁₂₃₄₅₆₇₈₉")})
_TEX_TEXT.update({"⁽": "$^($", "⁾": "$^)$", "ˡ": "$^l$", "ᴸ": "$^L$", "ⱼ": "$_j$", "ₖ": "$_k$", "ᵢ": "$_i$"})


def tex_escape(text):
    """Plain prose (possibly with Unicode math symbols) as LaTeX that pdflatex accepts."""
    out = []
    for ch in text:
        if ch in _TEX_TEXT:
            out.append(_TEX_TEXT[ch])
        elif ord(ch) < 128:
            out.append(ch)
        else:
            out.append("?")
    return "".join(out).replace("$$", "")


# ---------------------------------------------------------------------------------------------
# The engine's numbers for one example
# ---------------------------------------------------------------------------------------------
def _kernels(backend):
    """The kernel functions: compiled, or (backend 'python') their uncompiled twins."""
    names = {"weighted_input": _fw.weighted_input, "activate_layer": _fw.activate_layer,
             "output_error": _bw.output_error, "hidden_error": _bw.hidden_error,
             "loss_terms": _ls.loss_terms, "derivative": derivative}
    if backend == "python":
        return {k: python_version(f) for k, f in names.items()}
    return names


class _Pass:
    """z, a, σ', ∂L/∂a, δ for one example through ``net`` (all 0-based arrays, list index = layer)."""

    def __init__(self, net, x, y):
        k = _kernels(net.backend)
        self.net = net
        dt = net.dtype
        sizes = net.sizes
        self.Lnum = L = len(sizes) - 1
        self.acts = [int(c) for c in net._spec.acts]  # activation code of layer l is acts[l-1]
        self.loss_code = int(net._spec.loss)
        self.x = np.ascontiguousarray(x, dtype=dt).reshape(1, sizes[0])
        self.y = np.ascontiguousarray(y, dtype=dt).reshape(1, sizes[-1])
        self.W = [None] + [np.ascontiguousarray(W) for W in net.weights]
        self.b = [None] + ([np.ascontiguousarray(b) for b in net.biases] if net.has_bias
                           else [np.zeros(n, dtype=dt) for n in sizes[1:]])
        self.z = [None] * (L + 1)
        self.a = [self.x] + [None] * L
        for l in range(1, L + 1):  # forward pass, layer by layer, with the training kernels
            self.z[l] = np.empty((1, sizes[l]), dtype=dt)
            self.a[l] = np.empty((1, sizes[l]), dtype=dt)
            k["weighted_input"](self.z[l], self.W[l], self.b[l], self.a[l - 1])
            k["activate_layer"](self.a[l], self.z[l], self.acts[l - 1])
        self.sp = [None] * (L + 1)
        for l in range(1, L + 1):
            if self.acts[l - 1] == SOFTMAX:
                continue
            self.sp[l] = np.array([[k["derivative"](self.acts[l - 1], self.z[l][0, j], self.a[l][0, j])
                                    for j in range(sizes[l])]], dtype=dt)
        self.scale = loss_scale(self.loss_code, 1, sizes[L])
        scale = dt.type(self.scale)
        one = np.ones(1, dtype=dt)  # the sample weight of the one example
        self.loss = self.scale * k["loss_terms"](self.a[L], self.z[L], self.y, one, self.acts[L - 1], self.loss_code)
        self.loss_terms = None
        if not (self.loss_code == CROSS_ENTROPY and self.acts[L - 1] == SOFTMAX):
            self.loss_terms = np.array([self.scale * k["loss_terms"](self.a[L][:, j:j + 1], self.z[L][:, j:j + 1],
                                                                     self.y[:, j:j + 1], one, self.acts[L - 1],
                                                                     self.loss_code)
                                        for j in range(sizes[L])])
        # BP1, and ∂L/∂a^L: BP1 with σ' = 1 (identity) for the squared losses
        self.delta = [None] * (L + 1)
        self.dLda = [None] * (L + 1)
        self.delta[L] = np.empty((1, sizes[L]), dtype=dt)
        k["output_error"](self.delta[L], self.a[L], self.z[L], self.y, one, self.acts[L - 1], self.loss_code, scale)
        if self.loss_code != CROSS_ENTROPY:
            self.dLda[L] = np.empty((1, sizes[L]), dtype=dt)
            k["output_error"](self.dLda[L], self.a[L], self.z[L], self.y, one, IDENTITY, self.loss_code, scale)
        elif self.acts[L - 1] == SIGMOID:  # σ' cancels in the kernel; undo it to show the factor
            self.dLda[L] = self.delta[L] / self.sp[L]
        else:  # softmax cross-entropy: ∂L/∂a_j = −scale·y_j/a_j
            self.dLda[L] = -scale * self.y / self.a[L]
        # BP2, and ∂L/∂a^l = Σ_k w^{l+1}_kj δ^{l+1}_k: BP2 with σ' = 1
        for l in range(L - 1, 0, -1):
            self.delta[l] = np.empty((1, sizes[l]), dtype=dt)
            self.dLda[l] = np.empty((1, sizes[l]), dtype=dt)
            k["hidden_error"](self.delta[l], self.W[l + 1], self.delta[l + 1], self.z[l], self.a[l], self.acts[l - 1])
            k["hidden_error"](self.dLda[l], self.W[l + 1], self.delta[l + 1], self.z[l], self.a[l], IDENTITY)
        self._k = k
        g = net.gradients(self.x, self.y)
        self.loss_engine = g.loss
        self.dW = [None] + [np.array(d) for d in g.dW]
        self.db = [None] + ([np.array(d) for d in g.db] if g.db is not None else [None] * L)

    def back_from(self, m, unit, lo):
        """∂(unit · z^m)/∂z^l for l = lo..m−1 by BP2 through the training kernel; returns the list (index = layer)."""
        out = {m: unit}
        for l in range(m - 1, lo - 1, -1):
            d = np.empty((1, self.net.sizes[l]), dtype=self.net.dtype)
            self._k["hidden_error"](d, self.W[l + 1], out[l + 1], self.z[l], self.a[l], self.acts[l - 1])
            out[l] = d
        return out


# ---------------------------------------------------------------------------------------------
# Names (the scheme of loopnet.worked_examples)
# ---------------------------------------------------------------------------------------------
_NAME_EXAMPLES = ("x[1]", "y[1]", "W1[1,2]", "b1[2]", "z1[2]", "a1[2]", "sigma'(z1[2])", "L", "L[1]", "dL/da2[1]",
                  "delta2[1]", "dL/dW1[1,2]", "dL/db1[2]", "dL[1]/da1[1]", "dz2[1]/dW1[1,2]", "new W1[1,2]",
                  "new L", "after 10000 steps L")

_IDX = r"\[(\d+)\]"
_IDX2 = r"\[(\d+),(\d+)\]"
_PATTERNS = [
    ("x", re.compile(r"x" + _IDX + "$")),
    ("y", re.compile(r"y" + _IDX + "$")),
    ("W", re.compile(r"[Ww](\d+)" + _IDX2 + "$")),
    ("b", re.compile(r"b(\d+)" + _IDX + "$")),
    ("z", re.compile(r"z(\d+)" + _IDX + "$")),
    ("a", re.compile(r"a(\d+)" + _IDX + "$")),
    ("sp", re.compile(r"sigma'\(z(\d+)" + _IDX + r"\)$")),
    ("L", re.compile(r"L$")),
    ("Lj", re.compile(r"L" + _IDX + "$")),
    ("dLda", re.compile(r"dL/da(\d+)" + _IDX + "$")),
    ("delta", re.compile(r"delta(\d+)" + _IDX + "$")),
    ("dW", re.compile(r"dL/d[Ww](\d+)" + _IDX2 + "$")),
    ("db", re.compile(r"dL/db(\d+)" + _IDX + "$")),
    ("share", re.compile(r"dL" + _IDX + r"/da(\d+)" + _IDX + "$")),
    ("dzdW", re.compile(r"dz(\d+)" + _IDX + r"/d[Ww](\d+)" + _IDX2 + "$")),
]


def _normalize(name):
    name = name.strip().replace("σ", "sigma").replace("δ", "delta").replace("∂", "d").replace("’", "'")
    return re.sub(r"\s*([\[\],])\s*", r"\1", name)


# ---------------------------------------------------------------------------------------------
# Check reports
# ---------------------------------------------------------------------------------------------
@dataclass
class CheckRow:
    name: str
    given: float
    true: float
    tolerance: float
    ok: bool
    cause: str = ""

    @property
    def difference(self):
        return self.given - self.true


@dataclass
class CheckReport:
    """What :meth:`Derivation.check` found: ``rows`` (every number), ``mismatches`` (the wrong ones), ``ok``."""
    rows: list = field(default_factory=list)

    @property
    def mismatches(self):
        return [r for r in self.rows if not r.ok]

    @property
    def ok(self):
        return not self.mismatches

    def __bool__(self):
        return self.ok

    def table(self):
        head = ("quantity", "given", "true (loopnet)", "difference", "tolerance", "verdict")
        body = [(r.name, _g(r.given, 10), _g(r.true, 10), _g(r.difference, 3), _g(r.tolerance, 2),
                 "ok" if r.ok else "MISMATCH") for r in self.rows]
        return head, body

    def __str__(self):
        head, body = self.table()
        n = len(self.mismatches)
        title = (f"check: {len(self.rows)} numbers, all within their printed precision" if not n else
                 f"check: {len(self.rows)} numbers, {n} mismatch{'es' if n != 1 else ''}")
        return title + "\n" + _text_table(head, body)

    __repr__ = __str__


def _significant_digits(v):
    """How many significant digits repr(v) shows (0.0015 → 2, 0.005720286090965645 → 16)."""
    mant = repr(float(v)).lower().split("e")[0].lstrip("-").replace(".", "").lstrip("0")
    return len(mant)


def _g(v, digits):
    if isinstance(v, float) and v == 0:
        return "0"
    return f"{v:.{digits}g}"


def _text_table(head, rows, wrap=None):
    cols = list(zip(*([head] + [tuple(r) for r in rows]))) if rows else [(h,) for h in head]
    widths = [max(len(str(c)) for c in col) for col in cols]
    if wrap:
        widths = [min(w, wrap) for w in widths]

    def lines_of(row):
        cells = []
        for w, c in zip(widths, row):
            c = str(c)
            if len(c) <= w:
                cells.append([c])
            else:
                import textwrap
                cells.append(textwrap.wrap(c, w) or [""])
        h = max(len(c) for c in cells)
        return ["  ".join((c[i] if i < len(c) else "").ljust(w) for c, w in zip(cells, widths)).rstrip()
                for i in range(h)]

    out = lines_of(head) + ["  ".join("-" * w for w in widths)]
    for r in rows:
        out += lines_of(r)
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------
# The derivation
# ---------------------------------------------------------------------------------------------
class Derivation:
    """The component-form derivation of backprop for one example; see :func:`explain`.

    ``str(d)`` plain text (Unicode math), ``d.to_markdown()``, ``d.to_latex()``, ``d.value(name)``,
    ``d.check({name: value})``. ``d.printed`` lists (name, printed text, value) for every number shown.
    """

    def __init__(self, net, x, y, lr, update_biases, expand_paths, digits=6, title=None):
        self.net = net
        self.lr = lr
        self.update_biases = update_biases
        self.expand_paths = expand_paths
        self.digits = digits
        self.title = title
        self.p = _Pass(net, x, y)
        self.after = None       # the network after one step, and its pass
        self.new = None
        if lr is not None:
            self.after = self._stepped(net, self.p.x, self.p.y, lr, update_biases, 1)
            self.new = _Pass(self.after, self.p.x, self.p.y)
        self.extra = {}         # extra named values (explain_example: yhat[n] of a training run, ...)
        self.epilogue = []      # extra blocks appended after the seven sections
        self._after_cache = {}

    @staticmethod
    def _stepped(net, X, Y, lr, update_biases, steps):
        new = net.copy()
        keep = [b.copy() for b in new.biases] if (new.has_bias and not update_biases) else None
        for _ in range(steps):
            new.step(X, Y, lr)
            if keep is not None:
                for b, old in zip(new.biases, keep):
                    b[...] = old
        return new

    # ---- values by name -------------------------------------------------------------------
    def value(self, name):
        """The quantity called ``name`` as a float (1-based names; the scheme is in :func:`explain`)."""
        if not isinstance(name, str):
            raise TypeError(f"name must be a string such as 'dL/dW1[1,2]', got {type(name).__name__}")
        n = _normalize(name)
        if n in self.extra:
            return float(self.extra[n])
        m = re.match(r"after (\d+) steps (.+)$", n)
        if m:
            steps = int(m.group(1))
            if self.lr is None:
                raise KeyError(f"{name!r} needs a learning rate: call explain(..., lr=...)")
            if steps not in self._after_cache:
                trained = self._stepped(self.net, self.p.x, self.p.y, self.lr, self.update_biases, steps)
                self._after_cache[steps] = _Pass(trained, self.p.x, self.p.y)
            return self._lookup(self._after_cache[steps], m.group(2), name)
        if n.startswith("new "):
            if self.new is None:
                raise KeyError(f"{name!r} is a value after the update step, but explain was called without lr: "
                               f"call explain(..., lr=...)")
            return self._lookup(self.new, n[4:], name)
        return self._lookup(self.p, n, name)

    def _unknown(self, name, why=""):
        ex = ", ".join(_NAME_EXAMPLES)
        return KeyError(f"no quantity {name!r}{why}; names are 1-based, layer 0 is the input, e.g. {ex} "
                        f"(sizes of this network: {self.net.sizes})")

    def _lookup(self, p, n, name):
        sizes = self.net.sizes
        L = p.Lnum
        for kind, pat in _PATTERNS:
            m = pat.match(n)
            if m:
                break
        else:
            raise self._unknown(name)
        g = [int(s) for s in m.groups()]

        def layer(l, lo=0):
            if not lo <= l <= L:
                raise self._unknown(name, f": layer {l} does not exist (layers {lo}..{L})")
            return l

        def idx(i, n_):
            if not 1 <= i <= n_:
                raise self._unknown(name, f": index {i} is out of range 1..{n_}")
            return i - 1

        if kind == "x":
            return float(p.x[0, idx(g[0], sizes[0])])
        if kind == "y":
            return float(p.y[0, idx(g[0], sizes[-1])])
        if kind == "L":
            return float(p.loss)
        if kind == "Lj":
            if p.loss_terms is None:
                raise self._unknown(name, ": softmax cross-entropy has no per-output loss terms")
            return float(p.loss_terms[idx(g[0], sizes[-1])])
        if kind in ("W", "dW"):
            l = layer(g[0], 1)
            j, k = idx(g[1], sizes[l]), idx(g[2], sizes[l - 1])
            return float((p.W if kind == "W" else p.dW)[l][j, k])
        if kind == "b":
            l = layer(g[0], 1)
            return float(p.b[l][idx(g[1], sizes[l])])
        if kind == "db":
            l = layer(g[0], 1)
            if p.db[l] is None:
                raise self._unknown(name, ": this network has no biases")
            return float(p.db[l][idx(g[1], sizes[l])])
        if kind in ("z", "a", "sp", "dLda", "delta"):
            l = layer(g[0], 0 if kind == "a" else 1)
            arr = {"z": p.z, "a": p.a, "sp": p.sp, "dLda": p.dLda, "delta": p.delta}[kind][l]
            if arr is None:
                raise self._unknown(name, ": softmax has no elementwise σ' (its Jacobian is used in BP1)")
            return float(arr[0, idx(g[1], sizes[l])])
        if kind == "share":
            i, l = g[0], layer(g[1], 1)
            if l == L:
                raise self._unknown(name, f": dL[i]/da{{l}}[k] is defined for hidden layers l < {L}")
            if p.acts[L - 1] == SOFTMAX:
                raise self._unknown(name, ": with softmax outputs one output's loss depends on every z^(L)")
            unit = np.zeros((1, sizes[L]), dtype=self.net.dtype)
            unit[0, idx(i, sizes[L])] = p.delta[L][0, i - 1]
            back = p.back_from(L, unit, l + 1) if l + 1 < L else {L: unit}
            d = np.empty((1, sizes[l]), dtype=self.net.dtype)
            p._k["hidden_error"](d, p.W[l + 1], back[l + 1], p.z[l], p.a[l], IDENTITY)
            return float(d[0, idx(g[2], sizes[l])])
        if kind == "dzdW":
            mlay, i, l, j, k = layer(g[0], 1), g[1], layer(g[2], 1), g[3], g[4]
            if l > mlay:
                raise self._unknown(name, f": z of layer {mlay} does not depend on weights of layer {l} > {mlay}")
            unit = np.zeros((1, sizes[mlay]), dtype=self.net.dtype)
            unit[0, idx(i, sizes[mlay])] = 1.0
            back = p.back_from(mlay, unit, l)
            return float(back[l][0, idx(j, sizes[l])] * p.a[l - 1][0, idx(k, sizes[l - 1])])
        raise self._unknown(name)  # pragma: no cover

    def values(self):
        """Every quantity of the derivation by name (forward, loss, errors, gradients, and 'new …' after the step)."""
        out = {}
        for prefix, p in (("", self.p), ("new ", self.new)):
            if p is None:
                continue
            for name in self._names(p, with_gradients=(prefix == "")):
                out[prefix + name] = self.value(prefix + name)
        return out

    def _names(self, p, with_gradients=True):
        s, L = self.net.sizes, p.Lnum
        names = [f"x[{k}]" for k in range(1, s[0] + 1)] + [f"y[{j}]" for j in range(1, s[L] + 1)]
        for l in range(1, L + 1):
            names += [f"W{l}[{j},{k}]" for j in range(1, s[l] + 1) for k in range(1, s[l - 1] + 1)]
            if self.net.has_bias:
                names += [f"b{l}[{j}]" for j in range(1, s[l] + 1)]
            names += [f"z{l}[{j}]" for j in range(1, s[l] + 1)] + [f"a{l}[{j}]" for j in range(1, s[l] + 1)]
            if p.sp[l] is not None:
                names += [f"sigma'(z{l}[{j}])" for j in range(1, s[l] + 1)]
        names.append("L")
        if p.loss_terms is not None and s[L] > 1:
            names += [f"L[{j}]" for j in range(1, s[L] + 1)]
        if with_gradients:
            for l in range(L, 0, -1):
                names += [f"dL/da{l}[{j}]" for j in range(1, s[l] + 1)] + [f"delta{l}[{j}]" for j in range(1, s[l] + 1)]
            for l in range(1, L + 1):
                names += [f"dL/dW{l}[{j},{k}]" for j in range(1, s[l] + 1) for k in range(1, s[l - 1] + 1)]
                if self.net.has_bias:
                    names += [f"dL/db{l}[{j}]" for j in range(1, s[l] + 1)]
        return names

    # ---- checking hand/published numbers --------------------------------------------------
    def check(self, values, rel=None):
        """Compare ``{name: number}`` (a hand calculation or a publication) with the true values.

        Each number may differ from the true value by half a unit in its last printed decimal place
        (``0.0015`` may be off by 5e-05; see :func:`loopnet.worked_examples.printed_tolerance`), or by
        ``rel`` × |true| when ``rel`` is given. A number given to full float64 precision (15 or more
        significant digits, e.g. a script's output) may differ by 1e-9 × |true|. Names may carry a place, ``"new W1[1,2] (second pass)"``.
        Returns a :class:`CheckReport` (``.ok``, ``.mismatches``, printable table).
        """
        if not isinstance(values, dict):
            raise TypeError(f"values must be a dict {{name: number}}, got {type(values).__name__}")
        if rel is not None and not (isinstance(rel, (int, float)) and rel >= 0):
            raise ValueError(f"rel must be a number ≥ 0 or None, got {rel!r}")
        report = CheckReport()
        for key, given in values.items():
            true = self.value(we.base_name(key))
            given = float(given)
            tol = we.printed_tolerance(given) if rel is None else rel * abs(true)
            if rel is None and _significant_digits(given) >= 15:
                # a full float64 (a script's output, not a hand-printed number): agree to 1e-9
                tol = max(tol, 1e-9 * abs(true))
            ok = abs(given - true) <= tol * (1 + 1e-9) + 1e-15
            report.rows.append(CheckRow(key, given, true, tol, ok))
        return report

    # ---- rendering ----------------------------------------------------------------------------
    def _fmt(self, v):
        v = float(v)
        if v == 0:
            return "0"
        s = f"{v:.{self.digits}g}"
        return s

    def _blocks(self):
        """The derivation as blocks: ('h', title) | ('p', _M) | ('eq', _M) | ('table', head, rows)."""
        self.printed = []
        B = []
        net, p, s, L = self.net, self.p, self.net.sizes, self.p.Lnum
        num = self._num

        hidden = ACT_BY_CODE[p.acts[0]].name if L > 1 else None
        out_act = ACT_BY_CODE[p.acts[L - 1]].name
        arch = "-".join(str(n) for n in s)
        desc = (f"network {arch}: " + (f"{hidden} hidden layers, " if hidden else "") + f"{out_act} output, "
                f"loss '{net.loss_name}', " + ("with biases" if net.has_bias else "no biases") +
                f", backend '{net.backend}'")
        B.append(("title", self.title or f"Backpropagation, component by component: {desc}"))
        if self.title:
            B.append(("p", _M(desc[0].upper() + desc[1:] + ".", tex_escape(desc[0].upper() + desc[1:] + "."))))
        B.append(("p", _M("Layers 0..L (layer 0 is the input, L = " + str(L) + "), indices from 1: w⁽ˡ⁾ⱼ,ₖ is the weight "
                          "to neuron j of layer l from neuron k of layer l−1 (net.weights[l−1][j−1, k−1]); one example, "
                          "so the loss sum over examples has N = 1.",
                          f"Layers $0..L$ (layer 0 is the input, $L = {L}$), indices from 1: $w^{{(l)}}_{{j,k}}$ is the "
                          "weight to neuron $j$ of layer $l$ from neuron $k$ of layer $l-1$ "
                          r"(\texttt{net.weights[l-1][j-1, k-1]}); one example, so the loss sum over examples has $N = 1$.")))

        # 1. forward ----------------------------------------------------------------------
        B.append(("h", "1. Forward pass"))
        B.append(("p", _M("z⁽ˡ⁾ⱼ = Σₖ w⁽ˡ⁾ⱼ,ₖ a⁽ˡ⁻¹⁾ₖ + b⁽ˡ⁾ⱼ and a⁽ˡ⁾ⱼ = σ(z⁽ˡ⁾ⱼ) (kernels weighted_input, "
                          "activate_layer in loopnet/kernels/forward.py).",
                          r"$z^{(l)}_j = \sum_k w^{(l)}_{j,k} a^{(l-1)}_k + b^{(l)}_j$ and $a^{(l)}_j = \sigma(z^{(l)}_j)$ "
                          r"(kernels \texttt{weighted\_input}, \texttt{activate\_layer} in \texttt{loopnet/kernels/forward.py}).")))
        self._forward_blocks(B, p, "")
        # 2. loss -------------------------------------------------------------------------
        B.append(("h", "2. Loss"))
        self._loss_blocks(B, p, "")
        # 3. output error -----------------------------------------------------------------
        B.append(("h", "3. Output error (BP1)"))
        self._output_error_blocks(B, p)
        # 4. backward ---------------------------------------------------------------------
        B.append(("h", "4. Backward pass (BP2)"))
        if L == 1:
            B.append(("p", _M("There are no hidden layers: δ⁽¹⁾ is the output error above.",
                              r"There are no hidden layers: $\delta^{(1)}$ is the output error above.")))
        else:
            B.append(("p", _M("δ⁽ˡ⁾ⱼ = (Σₖ w⁽ˡ⁺¹⁾ₖ,ⱼ δ⁽ˡ⁺¹⁾ₖ) · σ'(z⁽ˡ⁾ⱼ), where the sum is ∂L/∂a⁽ˡ⁾ⱼ "
                              "(kernel hidden_error in loopnet/kernels/backward.py).",
                              r"$\delta^{(l)}_j = \left(\sum_k w^{(l+1)}_{k,j} \delta^{(l+1)}_k\right) \sigma'(z^{(l)}_j)$, "
                              r"where the sum is $\partial L/\partial a^{(l)}_j$ (kernel \texttt{hidden\_error} in "
                              r"\texttt{loopnet/kernels/backward.py}).")))
            for l in range(L - 1, 0, -1):
                for j in range(1, s[l] + 1):
                    terms_sym = _join([w_(l + 1, k, j) + _M(" ", " ") + d_(l + 1, k) for k in range(1, s[l + 1] + 1)], PLUS)
                    terms_num = _join([_M(num(f"W{l + 1}[{k},{j}]")) + CDOT + self._par(num(f"delta{l + 1}[{k}]"))
                                       for k in range(1, s[l + 1] + 1)], PLUS)
                    eq = dLda_(l, j) + EQ + terms_sym + EQ + terms_num
                    if l == L - 1 and s[L] > 1 and p.acts[L - 1] != SOFTMAX:
                        eq = eq + EQ + _join([self._par(num(f"dL[{k}]/da{l}[{j}]")) for k in range(1, s[L] + 1)], PLUS)
                    B.append(("eq", eq + EQ + _M(num(f"dL/da{l}[{j}]"))))
                    B.append(("eq", d_(l, j) + EQ + dLda_(l, j) + CDOT + sp_(l, j) + EQ +
                              self._par(num(f"dL/da{l}[{j}]")) + CDOT + self._sp_num(l, j) + EQ + _M(num(f"delta{l}[{j}]"))))
        # 5. gradients --------------------------------------------------------------------
        B.append(("h", "5. Gradients (BP3, BP4)"))
        self._gradient_blocks(B, p)
        # 6. shapes ----------------------------------------------------------------------
        B.append(("h", "6. Shapes"))
        self._shape_blocks(B)
        # 7. update ------------------------------------------------------------------------
        if self.lr is not None:
            B.append(("h", "7. Update and a second forward pass"))
            self._update_blocks(B)
        B.extend(self.epilogue)
        return B

    def _num(self, name, prefix=""):
        """The printed text of quantity ``name`` (recorded in ``self.printed``)."""
        full = prefix + name
        v = self.value(full)
        t = self._fmt(v)
        self.printed.append((full, t, v))
        return _M(t.replace("-", "−"), _tex_num(t))

    @staticmethod
    def _par(t):
        """A printed number, parenthesised when negative (so products read unambiguously)."""
        t = t if isinstance(t, _M) else _M(t.replace("-", "−"), _tex_num(t))
        if t.tex.startswith("-") and " " not in t.text:
            return _M("(") + t + _M(")")
        return t

    def _sp_num(self, l, j, prefix=""):
        return _M(self._num(f"sigma'(z{l}[{j}])", prefix))

    def _forward_blocks(self, B, p, prefix):
        s, L, num = self.net.sizes, p.Lnum, self._num
        B.append(("eq", _M("a⁽⁰⁾ = x = (", r"a^{(0)} = x = (") +
                  _join([_M(num(f"x[{k}]", prefix)) for k in range(1, s[0] + 1)], ", ") + _M(")")))
        for l in range(1, L + 1):
            softmax = p.acts[l - 1] == SOFTMAX
            for j in range(1, s[l] + 1):
                sym = _join([w_(l, j, k) + _M(" ", " ") + a_(l - 1, k) for k in range(1, s[l - 1] + 1)], PLUS)
                nums = _join([self._par(num(f"W{l}[{j},{k}]", prefix)) + CDOT +
                              self._par(num(f"a{l - 1}[{k}]", prefix)) for k in range(1, s[l - 1] + 1)], PLUS)
                if self.net.has_bias:
                    sym = sym + PLUS + b_(l, j)
                    nums = nums + PLUS + self._par(num(f"b{l}[{j}]", prefix))
                B.append(("eq", z_(l, j) + EQ + sym + EQ + nums + EQ + self._par(num(f"z{l}[{j}]", prefix))))
            for j in range(1, s[l] + 1):
                if softmax:
                    B.append(("eq", a_(l, j) + _M(f" = exp(z{_sup(l)}{_sub(j)}) / Σᵢ exp(z{_sup(l)}ᵢ) = ",
                                                  f" = e^{{z^{{({l})}}_{{{j}}}}} / \\sum_i e^{{z^{{({l})}}_i}} = ") +
                              _M(num(f"a{l}[{j}]", prefix))))
                else:
                    fn = ACT_BY_CODE[p.acts[l - 1]].name
                    fsym = _M("σ", r"\sigma") if fn == "sigmoid" else _M(fn, f"\\operatorname{{{fn}}}")
                    B.append(("eq", a_(l, j) + EQ + fsym + _M("(") + z_(l, j) + _M(")") + EQ + fsym + _M("(") +
                              self._par(num(f"z{l}[{j}]", prefix)) + _M(")") + EQ + _M(num(f"a{l}[{j}]", prefix))))

    def _loss_blocks(self, B, p, prefix):
        s, L, num = self.net.sizes, p.Lnum, self._num
        code, nL = p.loss_code, s[L]
        aL = a_(L, "j")
        formula = {
            MSE: _M(f"L = 1/(N n_L) Σⱼ (a{_sup(L)}ⱼ − yⱼ)², here 1/(N n_L) = 1/{nL}",
                    f"L = \\frac{{1}}{{N n_L}} \\sum_j (a^{{({L})}}_j - y_j)^2, \\quad \\frac{{1}}{{N n_L}} = \\frac{{1}}{{{nL}}}"),
            QUADRATIC: _M(f"L = 1/(2N) Σⱼ (a{_sup(L)}ⱼ − yⱼ)²", f"L = \\frac{{1}}{{2N}} \\sum_j (a^{{({L})}}_j - y_j)^2"),
            SSE: _M(f"L = ½ Σⱼ (a{_sup(L)}ⱼ − yⱼ)²", f"L = \\frac12 \\sum_j (a^{{({L})}}_j - y_j)^2"),
            CROSS_ENTROPY: (_M(f"L = −(1/N) Σⱼ yⱼ ln a{_sup(L)}ⱼ", f"L = -\\frac1N \\sum_j y_j \\ln a^{{({L})}}_j")
                            if p.acts[L - 1] == SOFTMAX else
                            _M(f"L = −(1/N) Σⱼ [yⱼ ln a{_sup(L)}ⱼ + (1 − yⱼ) ln(1 − a{_sup(L)}ⱼ)]",
                               f"L = -\\frac1N \\sum_j \\left[y_j \\ln a^{{({L})}}_j + (1-y_j)\\ln(1-a^{{({L})}}_j)\\right]")),
        }[code]
        B.append(("eq", formula + _M(" (N = 1, kernel loss_terms in loopnet/kernels/loss.py)",
                                     r"\quad (N = 1,\ \texttt{loss\_terms})")))
        if code != CROSS_ENTROPY:
            c = {MSE: (f"1/{nL}·", f"\\frac{{1}}{{{nL}}}") if nL > 1 else ("", ""), QUADRATIC: ("½·", r"\frac12"),
                 SSE: ("½·", r"\frac12")}[code]
            terms = _join([_M(f"{c[0]}(", f"{c[1]}(") + self._par(num(f"a{L}[{j}]", prefix)) + MINUS +
                           self._par(num(f"y[{j}]", prefix)) + _M(")²", ")^2") for j in range(1, nL + 1)], PLUS)
            eq = _M("L = ") + terms
            if nL > 1:
                eq = eq + EQ + _join([_M(num(f"L[{j}]", prefix)) for j in range(1, nL + 1)], PLUS)
            B.append(("eq", eq + EQ + _M(num("L", prefix))))
        else:
            B.append(("eq", _M("L = ") + _M(num("L", prefix))))
        if prefix:
            return
        dform = {
            MSE: (f"2/(N n_L)·(a{_sup(L)}ⱼ − yⱼ)", f"\\frac{{2}}{{N n_L}}(a^{{({L})}}_j - y_j)", f"2/{nL}·" if nL > 1 else "2·",
                  f"\\frac{{2}}{{{nL}}}" if nL > 1 else "2"),
            QUADRATIC: (f"(a{_sup(L)}ⱼ − yⱼ)/N", f"(a^{{({L})}}_j - y_j)/N", "", ""),
            SSE: (f"a{_sup(L)}ⱼ − yⱼ", f"a^{{({L})}}_j - y_j", "", ""),
        }
        if code in dform:
            f_text, f_tex, c_text, c_tex = dform[code]
            B.append(("p", _M(f"∂L/∂a{_sup(L)}ⱼ = {f_text} (kernel output_error with σ' = 1):",
                              f"$\\partial L/\\partial a^{{({L})}}_j = {f_tex}$ (kernel \\texttt{{output\\_error}} with $\\sigma' = 1$):")))
            for j in range(1, nL + 1):
                B.append(("eq", dLda_(L, j) + EQ + _M(c_text, c_tex) + _M("(") + self._par(num(f"a{L}[{j}]")) + MINUS +
                          self._par(num(f"y[{j}]")) + _M(")") + EQ + _M(num(f"dL/da{L}[{j}]"))))
        else:
            if p.acts[L - 1] == SOFTMAX:
                B.append(("p", _M(f"∂L/∂a{_sup(L)}ⱼ = −yⱼ/(N a{_sup(L)}ⱼ):",
                                  f"$\\partial L/\\partial a^{{({L})}}_j = -y_j/(N a^{{({L})}}_j)$:")))
            else:
                B.append(("p", _M(f"∂L/∂a{_sup(L)}ⱼ = (a{_sup(L)}ⱼ − yⱼ) / (N a{_sup(L)}ⱼ(1 − a{_sup(L)}ⱼ)):",
                                  f"$\\partial L/\\partial a^{{({L})}}_j = (a^{{({L})}}_j - y_j)/(N a^{{({L})}}_j(1-a^{{({L})}}_j))$:")))
            for j in range(1, nL + 1):
                B.append(("eq", dLda_(L, j) + EQ + _M(num(f"dL/da{L}[{j}]"))))

    def _output_error_blocks(self, B, p):
        s, L, num = self.net.sizes, p.Lnum, self._num
        act, code = p.acts[L - 1], p.loss_code
        if code == CROSS_ENTROPY:
            if act == SOFTMAX:
                txt = ("With softmax outputs and cross-entropy the Jacobian of softmax and ∂L/∂a multiply out to "
                       "δ⁽ᴸ⁾ⱼ = (1/N)(aⱼ Σᵢ yᵢ − yⱼ) = aⱼ − yⱼ when the targets sum to 1 (kernel output_error):")
                tex = (r"With softmax outputs and cross-entropy the Jacobian of softmax and $\partial L/\partial a$ "
                       r"multiply out to $\delta^{(L)}_j = \frac1N(a_j \sum_i y_i - y_j) = a_j - y_j$ when the targets "
                       r"sum to 1 (kernel \texttt{output\_error}):")
            else:
                txt = ("With sigmoid outputs and cross-entropy σ' cancels: δ⁽ᴸ⁾ⱼ = ∂L/∂aⱼ · σ'(zⱼ) = "
                       "(aⱼ − yⱼ)/(N aⱼ(1 − aⱼ)) · aⱼ(1 − aⱼ) = (aⱼ − yⱼ)/N (kernel output_error):")
                tex = (r"With sigmoid outputs and cross-entropy $\sigma'$ cancels: $\delta^{(L)}_j = "
                       r"\frac{\partial L}{\partial a_j}\sigma'(z_j) = \frac{a_j - y_j}{N a_j(1-a_j)} a_j(1-a_j) = "
                       r"\frac{a_j - y_j}{N}$ (kernel \texttt{output\_error}):")
            B.append(("p", _M(txt, tex)))
            for j in range(1, s[L] + 1):
                B.append(("eq", d_(L, j) + EQ + _M("(") + self._par(num(f"a{L}[{j}]")) + MINUS +
                          self._par(num(f"y[{j}]")) + _M(")") + EQ + _M(num(f"delta{L}[{j}]"))))
            return
        if act == SOFTMAX:
            B.append(("p", _M("Softmax couples the outputs: δ⁽ᴸ⁾ⱼ = aⱼ (gⱼ − Σᵢ gᵢ aᵢ) with gᵢ = ∂L/∂aᵢ (kernel output_error):",
                              r"Softmax couples the outputs: $\delta^{(L)}_j = a_j (g_j - \sum_i g_i a_i)$ with "
                              r"$g_i = \partial L/\partial a_i$ (kernel \texttt{output\_error}):")))
            for j in range(1, s[L] + 1):
                B.append(("eq", d_(L, j) + EQ + self._par(num(f"a{L}[{j}]")) + _M("·(") + self._par(num(f"dL/da{L}[{j}]")) +
                          _M(" − Σᵢ gᵢ aᵢ)", r" - \sum_i g_i a_i)") + EQ + _M(num(f"delta{L}[{j}]"))))
            return
        B.append(("p", _M("δ⁽ᴸ⁾ⱼ = ∂L/∂a⁽ᴸ⁾ⱼ · σ'(z⁽ᴸ⁾ⱼ) (kernel output_error in loopnet/kernels/backward.py; "
                          "σ' from loopnet.activations.derivative):",
                          r"$\delta^{(L)}_j = \frac{\partial L}{\partial a^{(L)}_j} \sigma'(z^{(L)}_j)$ (kernel "
                          r"\texttt{output\_error} in \texttt{loopnet/kernels/backward.py}; $\sigma'$ from "
                          r"\texttt{loopnet.activations.derivative}):")))
        for j in range(1, s[L] + 1):
            self._sp_eq(B, L, j)
            B.append(("eq", d_(L, j) + EQ + dLda_(L, j) + CDOT + sp_(L, j) + EQ + self._par(num(f"dL/da{L}[{j}]")) + CDOT +
                      self._sp_num(L, j) + EQ + _M(num(f"delta{L}[{j}]"))))

    def _sp_eq(self, B, l, j):
        num = self._num
        name = ACT_BY_CODE[self.p.acts[l - 1]].name
        if name == "sigmoid":
            a = self._par(num(f"a{l}[{j}]"))
            B.append(("eq", sp_(l, j) + _M(" = a(1 − a) = ", " = a(1-a) = ") + a + _M("·(1 − ", r" \cdot (1 - ") + a +
                      _M(")") + EQ + self._sp_num(l, j)))
        elif name == "tanh":
            a = self._par(num(f"a{l}[{j}]"))
            B.append(("eq", sp_(l, j) + _M(" = 1 − a² = 1 − ", " = 1 - a^2 = 1 - ") + a + _M("²", "^2") + EQ +
                      self._sp_num(l, j)))
        else:
            B.append(("eq", sp_(l, j) + EQ + self._sp_num(l, j)))

    def _gradient_blocks(self, B, p):
        s, L, num, net = self.net.sizes, p.Lnum, self._num, self.net
        B.append(("p", _M("∂L/∂w⁽ˡ⁾ⱼ,ₖ = δ⁽ˡ⁾ⱼ · a⁽ˡ⁻¹⁾ₖ (BP4, kernel weight_gradient) and ∂L/∂b⁽ˡ⁾ⱼ = δ⁽ˡ⁾ⱼ (BP3, kernel "
                          "bias_gradient); the values are those of net.gradients(x, y).",
                          r"$\partial L/\partial w^{(l)}_{j,k} = \delta^{(l)}_j a^{(l-1)}_k$ (BP4, kernel "
                          r"\texttt{weight\_gradient}) and $\partial L/\partial b^{(l)}_j = \delta^{(l)}_j$ (BP3, kernel "
                          r"\texttt{bias\_gradient}); the values are those of \texttt{net.gradients(x, y)}.")))
        for l in range(L, 0, -1):
            for j in range(1, s[l] + 1):
                for k in range(1, s[l - 1] + 1):
                    eq = dLdw_(l, j, k) + EQ + d_(l, j) + CDOT + a_(l - 1, k)
                    if l < L:  # one level of the chain written out
                        inner = _join([w_(l + 1, i, j) + _M(" ", " ") + d_(l + 1, i) for i in range(1, s[l + 1] + 1)], PLUS)
                        inner_n = _join([_M(num(f"W{l + 1}[{i},{j}]")) + CDOT + self._par(num(f"delta{l + 1}[{i}]"))
                                         for i in range(1, s[l + 1] + 1)], PLUS)
                        eq = (eq + EQ + _M("(") + inner + _M(") ") + sp_(l, j) + CDOT + a_(l - 1, k) + EQ + _M("(") +
                              inner_n + _M(")") + CDOT + self._sp_num(l, j) + CDOT + self._par(num(f"a{l - 1}[{k}]")))
                    else:
                        eq = eq + EQ + self._par(num(f"delta{l}[{j}]")) + CDOT + self._par(num(f"a{l - 1}[{k}]"))
                    B.append(("eq", eq + EQ + _M(num(f"dL/dW{l}[{j},{k}]"))))
                    if self.expand_paths and l < L:
                        self._path_blocks(B, p, l, j, k)
                if net.has_bias:
                    B.append(("eq", dLdb_(l, j) + EQ + d_(l, j) + EQ + _M(num(f"dL/db{l}[{j}]"))))
        if self.expand_paths and L == 1:
            B.append(("p", _M("(No weight is two or more layers back, so there are no paths to expand.)")))

    def _path_blocks(self, B, p, l, j, k):
        """∂L/∂w^l_jk as the sum over paths j = p_l → p_{l+1} → … → p_L of δ^L · Π w σ' · a^{l−1}_k."""
        s, L = self.net.sizes, p.Lnum
        ranges = [range(1, s[m] + 1) for m in range(l + 1, L + 1)]
        count = int(np.prod([len(r) for r in ranges]))
        if count > MAX_PATHS:
            B.append(("p", _M(f"(∂L/∂w{_sup(l)}{_sub(j, k)} is a sum over {count} paths; not expanded, more than {MAX_PATHS}.)",
                              tex_escape(f"(The sum over {count} paths is not expanded, more than {MAX_PATHS}.)"))))
            return
        syms, vals, nums = [], [], []
        for path in itertools.product(*ranges):
            nodes = (j,) + path  # p_l = j, p_{l+1}, …, p_L
            sym = d_(L, nodes[-1])
            numtxt = self._par(self._num(f"delta{L}[{nodes[-1]}]"))
            v = float(p.delta[L][0, nodes[-1] - 1])
            for m in range(L, l, -1):  # w^{m}_{p_m, p_{m-1}} σ'(z^{m-1}_{p_{m-1}})
                jm, jp = nodes[m - l], nodes[m - l - 1]
                sym = sym + _M(" ") + w_(m, jm, jp) + _M(" ") + sp_(m - 1, jp)
                numtxt = numtxt + CDOT + self._par(self._num(f"W{m}[{jm},{jp}]")) + CDOT + self._sp_num(m - 1, jp)
                v *= float(p.W[m][jm - 1, jp - 1]) * float(p.sp[m - 1][0, jp - 1])
            v *= float(p.a[l - 1][0, k - 1])
            syms.append(sym + _M(" ") + a_(l - 1, k))
            nums.append(numtxt + CDOT + self._par(self._num(f"a{l - 1}[{k}]")))
            t = self._fmt(v)
            self.printed.append((f"dL/dW{l}[{j},{k}] path {'→'.join(map(str, nodes))}", t, v))
            vals.append(t)
        B.append(("eq", _M("   = ", r"\qquad = ") + _join(syms, PLUS)))
        last = _join(nums, PLUS)
        if len(vals) == 1:
            last = last + EQ + _M(self._num(f"dL/dW{l}[{j},{k}]"))
        B.append(("eq", _M("   = ", r"\qquad = ") + last))
        if len(vals) > 1:
            B.append(("eq", _M("   = ", r"\qquad = ") + _join([self._par(t) for t in vals], PLUS) + EQ +
                      _M(self._num(f"dL/dW{l}[{j},{k}]"))))

    def _shape_blocks(self, B):
        s, L = self.net.sizes, self.p.Lnum
        B.append(("p", _M("For one example x (for a batch, each of these gains a leading N: the kernels' delta is "
                          "(N, n_l)); the gradient of W⁽ˡ⁾ has W⁽ˡ⁾'s shape, the gradient of b⁽ˡ⁾ has b⁽ˡ⁾'s shape.",
                          r"For one example $x$ (for a batch, each of these gains a leading $N$: the kernels' "
                          r"\texttt{delta} is $(N, n_l)$); the gradient of $W^{(l)}$ has $W^{(l)}$'s shape, the gradient "
                          r"of $b^{(l)}$ has $b^{(l)}$'s shape.")))
        head = ("layer l", "n_l", "δ⁽ˡ⁾", "W⁽ˡ⁾", "δ⁽ˡ⁾ (a⁽ˡ⁻¹⁾)ᵀ = ∂L/∂W⁽ˡ⁾", "b⁽ˡ⁾ and ∂L/∂b⁽ˡ⁾ = Σₓ δ^{x,l}")
        tex_head = ("layer $l$", "$n_l$", r"$\delta^{(l)}$", "$W^{(l)}$", r"$\delta^{(l)} (a^{(l-1)})^T = \partial L/\partial W^{(l)}$",
                    r"$b^{(l)}$, $\partial L/\partial b^{(l)} = \sum_x \delta^{x,l}$")
        rows = []
        for l in range(1, L + 1):
            n, m = s[l], s[l - 1]
            rows.append(((str(l), str(l)), (str(n), str(n)),
                         (f"({n},): one entry per neuron of layer {l}", f"$({n},)$: one entry per neuron of layer {l}"),
                         (f"{n} × {m} (net.weights[{l - 1}].shape == ({n}, {m}))",
                          f"${n} \\times {m}$ (\\texttt{{net.weights[{l - 1}].shape}} $= ({n}, {m})$)"),
                         (f"({n} × 1)(1 × {m}) = {n} × {m}", f"$({n} \\times 1)(1 \\times {m}) = {n} \\times {m}$"),
                         ((f"({n},)" if self.net.has_bias else f"({n},) (this network has no biases)"),
                          (f"$({n},)$" if self.net.has_bias else f"$({n},)$ (this network has no biases)"))))
        B.append(("table", [(h, t) for h, t in zip(head, tex_head)], rows))

    def _update_blocks(self, B):
        s, L, num, lr = self.net.sizes, self.p.Lnum, self._num, self.lr
        lr_t = self._fmt(lr)
        self.printed.append(("lr", lr_t, float(lr)))
        upd_b = self.net.has_bias and self.update_biases
        B.append(("p", _M(f"Each parameter moves against its gradient, w ← w − η ∂L/∂w with η = lr = {lr_t} "
                          "(net.copy() then step)" + ("; biases likewise." if upd_b else
                                                      "; the biases are not updated." if self.net.has_bias else "."),
                          f"Each parameter moves against its gradient, $w \\leftarrow w - \\eta\\, \\partial L/\\partial w$ "
                          f"with $\\eta = {lr_t}$ (\\texttt{{net.copy()}} then \\texttt{{step}})" +
                          ("; biases likewise." if upd_b else "; the biases are not updated." if self.net.has_bias else "."))))
        for l in range(1, L + 1):
            for j in range(1, s[l] + 1):
                for k in range(1, s[l - 1] + 1):
                    B.append(("eq", _M("new ", r"\text{new } ") + w_(l, j, k) + EQ + self._par(num(f"W{l}[{j},{k}]")) +
                              MINUS + _M(lr_t) + CDOT + self._par(num(f"dL/dW{l}[{j},{k}]")) + EQ +
                              _M(num(f"W{l}[{j},{k}]", "new "))))
                if upd_b:
                    B.append(("eq", _M("new ", r"\text{new } ") + b_(l, j) + EQ + self._par(num(f"b{l}[{j}]")) + MINUS +
                              _M(lr_t) + CDOT + self._par(num(f"dL/db{l}[{j}]")) + EQ + _M(num(f"b{l}[{j}]", "new "))))
        B.append(("p", _M("The forward pass again, with the new parameters:", "The forward pass again, with the new parameters:")))
        self._forward_blocks(B, self.new, "new ")
        self._loss_blocks(B, self.new, "new ")
        before, after = self.value("L"), self.value("new L")
        verdict = "went down" if after < before else "did not go down (lr too large?)"
        B.append(("p", _M(f"The loss {verdict}: L = {num('L').text} before the step, {num('L', 'new ').text} after it.",
                          f"The loss {verdict}: $L = {_tex_num(self._fmt(before))}$ before the step, "
                          f"${_tex_num(self._fmt(after))}$ after it.")))

    # ---- output formats --------------------------------------------------------------------
    def __str__(self):
        out = []
        for blk in self._blocks():
            kind = blk[0]
            if kind == "title":
                out += [blk[1], "=" * min(len(blk[1]), 100), ""]
            elif kind == "h":
                out += ["", blk[1], "-" * len(blk[1])]
            elif kind == "p":
                out += [blk[1].text]
            elif kind == "eq":
                out += ["  " + blk[1].text]
            elif kind == "table":
                head = [h[0] for h in blk[1]]
                rows = [[c[0] for c in r] for r in blk[2]]
                out += [_text_table(head, rows, wrap=blk[3] if len(blk) > 3 else None)]
        return "\n".join(out).rstrip() + "\n"

    def __repr__(self):
        return f"<Derivation for {self.net!r}; print() it for the derivation>"

    def to_markdown(self):
        """The derivation in Markdown, math in $...$ (renders in Jupyter and on GitHub)."""
        out = []
        for blk in self._blocks():
            kind = blk[0]
            if kind == "title":
                out += [f"# {blk[1]}", ""]
            elif kind == "h":
                out += [f"## {blk[1]}", ""]
            elif kind == "p":
                out += [_md_prose(blk[1]), ""]
            elif kind == "eq":
                out += [f"$${blk[1].tex}$$", ""]
            elif kind == "table":
                head = [_md_cell(h[1]) for h in blk[1]]
                out += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
                out += ["| " + " | ".join(_md_cell(c[1]) for c in r) + " |" for r in blk[2]]
                out += [""]
        return "\n".join(out).rstrip() + "\n"

    def to_latex(self, standalone=True):
        """The derivation as LaTeX (a complete ``article`` document, or only the body with standalone=False)."""
        out = []
        for blk in self._blocks():
            kind = blk[0]
            if kind == "title":
                out += [f"\\section*{{{tex_escape(blk[1])}}}", ""]
            elif kind == "h":
                out += [f"\\subsection*{{{tex_escape(blk[1])}}}", ""]
            elif kind == "p":
                out += [blk[1].tex, ""]
            elif kind == "eq":
                out += [f"\\[ {blk[1].tex} \\]", ""]
            elif kind == "table":
                n = len(blk[1])
                width = f"{0.9 / n:.3f}"
                out += ["\\begin{center}", "\\small",
                        "\\begin{tabular}{" + "|".join([f"p{{{width}\\textwidth}}"] * n) + "}",
                        " & ".join(h[1] for h in blk[1]) + " \\\\ \\hline"]
                out += [" & ".join(c[1] for c in r) + " \\\\" for r in blk[2]]
                out += ["\\end{tabular}", "\\end{center}", ""]
        body = "\n".join(out).rstrip() + "\n"
        if not standalone:
            return body
        return ("\\documentclass{article}\n\\usepackage{amsmath}\n\\usepackage{amssymb}\n"
                "\\begin{document}\n" + body + "\\end{document}\n")

    def _repr_markdown_(self):
        return self.to_markdown()

    def _repr_latex_(self):
        return self.to_latex(standalone=False)


def _tex_num(t):
    """A printed number as LaTeX: 3.5e-05 → 3.5 \\times 10^{-5}."""
    t = t.replace("−", "-")
    if "e" in t:
        mant, ex = t.split("e")
        return f"{mant} \\times 10^{{{int(ex)}}}"
    return t


def _md_prose(m):
    """Prose for Markdown: the LaTeX version with \\texttt{..} as `..` and the rest kept (math is in $...$)."""
    t = re.sub(r"\\texttt\{([^{}]*)\}", lambda mm: "`" + mm.group(1).replace("\\_", "_") + "`", m.tex)
    return t


def _md_cell(tex):
    return _md_prose(_M(tex)).replace("|", "\\|")


# ---------------------------------------------------------------------------------------------
# Public entry points
# ---------------------------------------------------------------------------------------------
def explain(net, x, y, lr=None, update_biases=True, expand_paths=False, digits=6):
    """Every number of backpropagation for ONE example, written out the way one works it by hand.

    >>> import loopnet as ln
    >>> net = ln.Network.from_weights([[[0.4, 0.5, 0.3], [0.2, 0.7, 0.1]], [[0.1, 0.2]]], loss="mse")
    >>> d = ln.explain(net, [0, 1, 2], [1], lr=0.1)
    >>> round(d.value("dL/dW1[1,2]"), 6)
    -0.004129
    >>> print(d)                     # doctest: +SKIP

    ``net`` a :class:`loopnet.Network`; ``x`` one input (n_0 numbers), ``y`` its target (n_L numbers);
    ``lr`` the learning rate η: when given, the derivation ends with the update w ← w − η ∂L/∂w
    and a second forward pass (``update_biases=False`` keeps the biases, as Mazur's example does);
    ``expand_paths=True`` also writes every gradient of a weight two or more layers back as the sum
    over all paths from it to the outputs (the component form of hand derivations);
    ``digits`` significant digits of the printed numbers.

    The derivation (``str(d)`` plain text with Unicode math, ``d.to_markdown()`` with $...$,
    ``d.to_latex()``; Jupyter renders it through ``_repr_markdown_``) has seven sections:
    1 forward pass z⁽ˡ⁾ⱼ = Σₖ w⁽ˡ⁾ⱼ,ₖ a⁽ˡ⁻¹⁾ₖ + b⁽ˡ⁾ⱼ with the numbers substituted, a⁽ˡ⁾ⱼ = σ(z⁽ˡ⁾ⱼ);
    2 loss and ∂L/∂a⁽ᴸ⁾ⱼ; 3 output error δ⁽ᴸ⁾ⱼ = ∂L/∂a⁽ᴸ⁾ⱼ σ'(z⁽ᴸ⁾ⱼ) (BP1); 4 backward pass
    δ⁽ˡ⁾ⱼ = (Σₖ w⁽ˡ⁺¹⁾ₖ,ⱼ δ⁽ˡ⁺¹⁾ₖ) σ'(z⁽ˡ⁾ⱼ) (BP2); 5 every ∂L/∂w⁽ˡ⁾ⱼ,ₖ = δ⁽ˡ⁾ⱼ a⁽ˡ⁻¹⁾ₖ and
    ∂L/∂b⁽ˡ⁾ⱼ = δ⁽ˡ⁾ⱼ (BP4, BP3) as products of named factors; 6 the shape of δ⁽ˡ⁾, W⁽ˡ⁾,
    δ⁽ˡ⁾(a⁽ˡ⁻¹⁾)ᵀ and b⁽ˡ⁾ per layer; 7 (with lr) the update and the forward pass repeated.

    Every number is the engine's: z, a, δ from the training kernels (weighted_input,
    activate_layer, output_error, hidden_error), σ' from loopnet.activations.derivative,
    gradients from ``net.gradients``, the update from ``net.copy()`` and ``step``.

    Names for ``d.value(name)`` and ``d.check({name: number})`` (1-based; layer 0 is the input):

    | name | quantity |
    |---|---|
    | ``x[k]``, ``y[j]`` | input k, target j |
    | ``W2[1,2]`` | w⁽²⁾₁,₂: to neuron 1 of layer 2 from neuron 2 of layer 1 (``net.weights[1][0, 1]``) |
    | ``b1[2]``, ``z1[2]``, ``a1[2]`` | bias, weighted input, activation of neuron 2 of layer 1 (``a0[k]`` = x[k]) |
    | ``sigma'(z1[2])`` | σ'(z⁽¹⁾₂) |
    | ``L``, ``L[j]`` | the loss; the loss term of output j (L = Σⱼ L[j]) |
    | ``dL/da2[1]``, ``delta2[1]`` | ∂L/∂a⁽²⁾₁ and δ⁽²⁾₁ = ∂L/∂z⁽²⁾₁ |
    | ``dL/dW1[1,2]``, ``dL/db1[2]`` | the gradients |
    | ``dL[2]/da1[1]`` | output 2's share of ∂L/∂a⁽¹⁾₁ (∂L[2]/∂a⁽¹⁾₁) |
    | ``dz2[1]/dW1[1,2]`` | ∂z⁽²⁾₁/∂w⁽¹⁾₁,₂ |
    | ``new <name>`` | after one step with ``lr`` (``new W1[1,2]``, ``new L``) |
    | ``after 10000 steps <name>`` | after that many steps on this example |

    An unknown name raises KeyError listing valid ones. ``d.values()`` gives them all as a dict.

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
    from .network import Network
    if not isinstance(net, Network):
        raise TypeError(f"net must be a loopnet.Network, got {type(net).__name__}")
    if lr is not None:
        if isinstance(lr, bool) or not isinstance(lr, (int, float, np.floating, np.integer)) or not lr > 0 \
                or not math.isfinite(lr):
            raise ValueError(f"lr must be a positive number or None, got {lr!r}")
        lr = float(lr)
    if not isinstance(digits, (int, np.integer)) or not 1 <= digits <= 17:
        raise ValueError(f"digits must be an integer from 1 to 17, got {digits!r}")
    xa = np.asarray(x, dtype=float)
    if xa.ndim == 2 and xa.shape[0] != 1:
        raise ValueError(f"x must be ONE example ({net.sizes[0]} numbers), got {xa.shape[0]} rows "
                         f"(shape {xa.shape}); explain works through one example: pass X[0]")
    Xa, Ya, _ = net._data(np.atleast_2d(x), np.atleast_2d(y) if np.ndim(y) else [[y]], "x", "y")
    return Derivation(net, Xa[0], Ya[0], lr, bool(update_biases), bool(expand_paths), int(digits))


def _network_of(ex, backend="loops"):
    from .network import Network
    return Network.from_weights([np.array(w) for w in ex.weights],
                                None if ex.biases is None else [np.array(b) for b in ex.biases],
                                activation=ex.activation, output_activation=ex.output_activation, loss=ex.loss,
                                backend=backend)


def _trained_predictions(ex, epochs):
    """yhat after ``epochs`` full-batch steps on all of the example's data (the 3-4-1 script)."""
    net = _network_of(ex)
    X, Y = np.array(ex.X, float), np.array(ex.Y, float)
    if ex.update_biases or ex.biases is None:
        net.fit(X, Y, epochs=epochs, lr=ex.lr, batch_size=None, shuffle=False)
    else:
        net = Derivation._stepped(net, X, Y, ex.lr, False, epochs)
    return net.forward(X)


def explain_example(name, lr=None, expand_paths=False, digits=6, backend="loops"):
    """The derivation for one of the worked examples (``loopnet.worked_examples``), by name:
    ``by-hand-3-2-1``, ``or-gate-2-2-1``, ``step-by-step-3-4-1``, ``mazur-2-2-2``.

    Uses the example's network, its first example and its learning rate (``lr`` overrides it;
    Mazur's biases are not updated, as in the post). The derivation ends with the published numbers
    against loopnet's (every number the source prints), an errata table (printed value, true
    value, cause) when the source has mistakes, and the notes on how the source maps to loopnet.
    """
    ex = we.get(name)
    net = _network_of(ex, backend)
    lr = ex.lr if lr is None else lr
    multi = len(ex.X) > 1
    title = f"{ex.name}: {ex.title}"
    d = explain(net, ex.X[0], ex.Y[0], lr=lr, update_biases=ex.update_biases, expand_paths=expand_paths,
                digits=digits)
    d.title = title
    d.example = ex
    ep = []
    ep.append(("h", "Source"))
    ep.append(("p", _M(ex.source, tex_escape(ex.source))))
    if multi:
        msg = (f"The data has {len(ex.X)} examples; this derivation is for the first one, x = {tuple(ex.X[0])}, "
               f"y = {tuple(ex.Y[0])} (a full-batch step sums the gradients of all {len(ex.X)}).")
        ep.append(("p", _M(msg, tex_escape(msg))))
    # published numbers that need a training run on all the data
    for key in ex.published:
        m = re.match(r"yhat\[(\d+)\]$", key)
        if m:
            if "yhat" not in d.extra:
                steps = 9999
                preds = _trained_predictions(ex, steps)
                d.extra["yhat"] = True
                for n in range(preds.shape[0]):
                    d.extra[f"yhat[{n + 1}]"] = float(preds[n, 0])
                note = (f"yhat[n]: loopnet's outputs after {steps} full-batch steps with lr = {ex.lr:g} "
                        f"(fit(batch_size=None, shuffle=False)), as the post's script prints them.")
                ep.append(("p", _M(note, tex_escape(note))))
    d.extra.pop("yhat", None)
    if ex.published:
        published = {k: v for k, v in ex.published.items()}
        if lr != ex.lr:
            published = {k: v for k, v in published.items() if not (k.startswith("new ") or k.startswith("after "))}
        report = d.check(published)
        d.published_report = report
        errata = {e.name: e for e in ex.errata}
        ep.append(("h", "Published numbers against loopnet"))
        head = [("quantity", "quantity"), ("printed", "printed"), ("loopnet", "loopnet"), ("verdict", "verdict")]
        rows = []
        for r in report.rows:
            verdict = "agrees to its printed digits" if r.ok else ("erratum (see below)" if r.name in errata
                                                                  else "MISMATCH")
            rows.append(((r.name, r"\texttt{" + tex_escape(r.name) + "}"), (repr(r.given), repr(r.given)),
                         (_g(r.true, 10), _g(r.true, 10)), (verdict, verdict)))
        ep.append(("table", head, rows))
        if ex.errata:
            ep.append(("h", "Errata"))
            ep.append(("p", _M("Printed numbers that are wrong beyond their printed rounding: the printed value, the "
                               "true value (loopnet's), and the cause.",
                               "Printed numbers that are wrong beyond their printed rounding: the printed value, the "
                               "true value (loopnet's), and the cause.")))
            rows = []
            for e in ex.errata:
                true = d.value(we.base_name(e.name)) if (lr == ex.lr or not e.name.startswith(("new", "after"))) else e.true
                rows.append(((e.name, r"\texttt{" + tex_escape(e.name) + "}"), (repr(e.printed), repr(e.printed)),
                             (_g(true, 10), _g(true, 10)), (e.cause, tex_escape(e.cause))))
            ep.append(("table", [("quantity", "quantity"), ("printed", "printed"), ("true", "true"), ("cause", "cause")],
                       rows, 60))
    if ex.notes:
        ep.append(("h", "Notes"))
        for note in ex.notes:
            ep.append(("p", _M("- " + note, tex_escape("- " + note))))
    d.epilogue = ep
    return d


# ---------------------------------------------------------------------------------------------
# Command line (loopnet/cli.py calls run_cli with its argparse Namespace)
# ---------------------------------------------------------------------------------------------
def _floats(text, arg):
    if isinstance(text, (list, tuple)):
        return [float(t) for t in text]
    try:
        return [float(t) for t in str(text).replace(" ", "").split(",") if t != ""]
    except ValueError:
        raise ValueError(f"--{arg} must be comma-separated numbers such as 0,1,2; got {text!r}") from None


def _load_json(path, arg):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise ValueError(f"--{arg}: no such file {path!r} (expected a JSON file: a list of layer matrices)") from None
    except json.JSONDecodeError as e:
        raise ValueError(f"--{arg}: {path!r} is not valid JSON ({e.msg} at line {e.lineno}); expected a list of "
                         f"layer matrices such as [[[0.4, 0.5, 0.3], [0.2, 0.7, 0.1]], [[0.1, 0.2]]]") from None


def build_from_args(args):
    """(derivation) for an argparse Namespace of ``loopnet explain``."""
    from .network import Network
    get = lambda k, default=None: getattr(args, k, default)  # noqa: E731
    fmt = get("format") or "text"
    if fmt not in ("text", "markdown", "latex"):
        raise ValueError(f"--format must be one of text, markdown, latex; got {fmt!r}")
    if get("example"):
        if get("example") not in we.EXAMPLES:
            raise ValueError(f"--example {get('example')!r} is not a worked example; choose one of "
                             f"{', '.join(EXAMPLE_NAMES)}")
        return explain_example(get("example"), lr=get("lr"))
    if get("weights") is None:
        raise ValueError("give --example NAME, or --weights FILE.json (with --x and --y) for your own network")
    weights = _load_json(get("weights"), "weights")
    biases = _load_json(get("biases"), "biases") if get("biases") else None
    kw = {"activation": get("activation") or "sigmoid", "loss": get("loss") or "quadratic"}
    if get("output_activation"):
        kw["output_activation"] = get("output_activation")
    net = Network.from_weights(weights, biases, **kw)
    if get("sizes"):
        sizes = [int(float(s)) for s in _floats(get("sizes"), "sizes")]
        if sizes != net.sizes:
            raise ValueError(f"--sizes {','.join(map(str, sizes))} does not match the weights in {get('weights')!r}, "
                             f"whose shapes give sizes {','.join(map(str, net.sizes))}")
    if get("x") is None or get("y") is None:
        raise ValueError("--x and --y are required with --weights (one example, e.g. --x 0,1,2 --y 1)")
    return explain(net, _floats(get("x"), "x"), _floats(get("y"), "y"), lr=get("lr"))


def run_cli(args, out=None, err=None):
    """``loopnet explain``: print the derivation (``args.format``: text, markdown, latex) and return 0,
    or print a one-line error and return 2."""
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    try:
        d = build_from_args(args)
        fmt = getattr(args, "format", None) or "text"
        text = {"text": str, "markdown": Derivation.to_markdown, "latex": Derivation.to_latex}[fmt](d)
    except (ValueError, TypeError, KeyError) as e:
        msg = e.args[0] if (isinstance(e, KeyError) and e.args) else str(e)
        print(f"loopnet explain: error: {msg}".replace("\n", " "), file=err)
        return 2
    out.write(text)
    return 0
