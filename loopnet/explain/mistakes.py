"""Common learner mistakes, each recomputed exactly: what a wrong hand calculation would have given.

``check()`` compares a given number with the true value and then with every mistake's value of the same
quantity; the first mistake that reproduces the number (to the number's own printed digits) names it.
Each mistake is one entry of a table (scikit-learn's tables of choices): a switch of the
:class:`LearnerPass`, a plain NumPy backward pass written as a learner writes it by hand, or a
confusion of one quantity with another (its indices swapped, its layer off by one, z for a).

| key | the mistake | how its value is computed |
|---|---|---|
| ``sign`` | (y − a) for (a − y) | the pass with ∂L/∂a negated |
| ``sp_forgot`` | σ' forgotten in BP1 and BP2 | the pass with σ' ≡ 1 |
| ``sp_forgot_out`` / ``sp_forgot_hidden`` | σ' forgotten in BP1 only / in BP2 only | the pass with σ' ≡ 1 there |
| ``sp_sigma`` | σ(z) = a written for σ'(z) | the pass with σ' := a |
| ``sp_at_a`` | σ' evaluated at a instead of z | the pass with σ' := σ'(a) |
| ``sp_z`` | z put into σ' = a(1 − a) | the pass with σ' := z(1 − z) (sigmoid) or 1 − z² (tanh) |
| ``z_for_a`` | z used where a belongs in BP4 (∂L/∂w = δ z) | the pass with z⁽ˡ⁻¹⁾ for a⁽ˡ⁻¹⁾ (x for layer 0) |
| ``z_for_a_forward`` | σ not applied: z fed forward as the activation | the pass with a := z |
| ``transposed`` | W⁽ˡ⁺¹⁾ instead of (W⁽ˡ⁺¹⁾)ᵀ in BP2 (square W only) | the pass with Σₖ w_{jk} δₖ |
| ``nielsen`` | Nielsen's per-example δˣ: the loss's 1/N left out of δ | the pass with the loss scale × N |
| ``mean_twice`` | divided by N twice | the pass with the loss scale ÷ N |
| ``no_half`` | the ½ of the loss left out | the pass with the loss scale × 2 |
| ``drop_2`` | the 2 of d(a − y)²/da dropped | the pass with ∂L/∂a ÷ 2 |
| ``mse_nL`` | mse's 1/n_L left out | the pass with the loss scale × n_L |
| ``no_eta`` / ``eta_over_m`` / ``uphill`` | w − ∂L/∂w; w − η/N ∂L/∂w; w + η ∂L/∂w | the update of the pass |
| ``swapped`` | w⁽ˡ⁾ₖ,ⱼ for w⁽ˡ⁾ⱼ,ₖ (from-then-to) | the value of the swapped name |
| ``layer_off`` | a quantity of layer l ± 1 | the value of that name |
| ``no_a`` | ∂L/∂w = δ without the a (the bias gradient) | the value of ∂L/∂b |
| ``decimal`` | a decimal point slipped | 10 × or ÷ 10 the true value |
| ``left_out`` / ``doubled`` | one example left out of a batch sum, or counted twice | the sum without / with twice that term |
| (any pass) in one example | a mistake in one example's term of a batch sum only | the sum with that term from the pass |
| ``rounded`` | intermediate values rounded to 2, 3 or 4 figures | the pass with every intermediate rounded |
"""
from __future__ import annotations

import math
import re

import numpy as np

from ..activations import BY_CODE as ACT_BY_CODE, SIGMOID, SOFTMAX, TANH
from ..losses import CROSS_ENTROPY, MSE, QUADRATIC, SSE, loss_scale

# ---- the learner's pass -------------------------------------------------------------------------------


def _round(x, digits):
    """x rounded to ``digits`` significant figures (elementwise)."""
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        mag = np.where(x == 0, 0, np.floor(np.log10(np.abs(np.where(x == 0, 1, x)))))
    f = 10.0 ** (digits - 1 - mag)
    return np.round(x * f) / f


class LearnerPass:
    """z, a, σ', ∂L/∂a, δ, ∂L/∂W, ∂L/∂b of a batch as a learner computes them, with switches for mistakes.

    The attributes mirror :class:`.numbers.Numbers` (0-based arrays, ``z[l]`` of shape (N, n_l)), so the
    names of :mod:`.names` look values up in either. With no switch on it reproduces the engine."""

    def __init__(self, p, lr=None, update_biases=True, sp=None, sign=False, z_for_a=None, transposed=False,
                 scale_mult=1.0, deriv_mult=1.0, update=None, rounding=None, W=None, b=None):
        R = (lambda v: _round(v, rounding)) if rounding else (lambda v: v)
        self.net, self.dtype, self.sizes, self.L = p.net, np.dtype(float), p.sizes, p.L
        self.acts, self.loss_code, self.softmax_ce = p.acts, p.loss_code, p.softmax_ce
        self.X, self.Y, self.N = np.asarray(p.X, float), np.asarray(p.Y, float), p.N
        s, L, N = p.sizes, p.L, p.N
        self.W = [None] + [np.asarray(w, float) for w in (W or p.W[1:])]
        self.b = [None] + [np.asarray(v, float) for v in (b or p.b[1:])]
        self.z, self.a, self.sp = [None] * (L + 1), [R(self.X)] + [None] * L, [None] * (L + 1)
        for l in range(1, L + 1):
            self.z[l] = R(self.a[l - 1] @ self.W[l].T + self.b[l])
            act = ACT_BY_CODE[self.acts[l - 1]]
            self.a[l] = self.z[l].copy() if z_for_a == "forward" else R(act.numpy_forward(self.z[l]))
            if act.code != SOFTMAX:
                zz, aa = self.z[l], self.a[l]
                if sp == "sigma":
                    spl = aa
                elif sp == "at_a":
                    spl = act.numpy_derivative(aa, act.numpy_forward(aa))
                elif sp == "z":
                    spl = zz * (1 - zz) if act.code == SIGMOID else 1 - zz * zz
                else:
                    spl = act.numpy_derivative(zz, act.numpy_forward(zz) if z_for_a == "forward" else aa)
                self.sp[l] = R(spl)
        scale = loss_scale(self.loss_code, N, s[L]) * scale_mult
        self.scale = scale
        aL, Y = self.a[L], self.Y
        if self.softmax_ce:
            self.terms = -scale * (Y * np.log(aL)).sum(axis=1, keepdims=True)
        elif self.loss_code == CROSS_ENTROPY:
            self.terms = -scale * (Y * np.log(aL) + (1 - Y) * np.log(1 - aL))
        else:
            self.terms = scale * (aL - Y) ** 2
        self.terms = R(self.terms)
        self.loss = float(self.terms.sum())
        diff = (Y - aL) if sign else (aL - Y)
        self.dLda, self.delta = [None] * (L + 1), [None] * (L + 1)
        spL = self.sp[L]
        forget_out = sp in ("forgot", "forgot_out")
        forget_hidden = sp in ("forgot", "forgot_hidden")
        if self.softmax_ce:
            self.dLda[L] = R(-scale * (Y if not sign else -Y) / aL)
            self.delta[L] = R(scale * (aL * Y.sum(axis=1, keepdims=True) - Y) * (-1 if sign else 1))
        elif self.loss_code == CROSS_ENTROPY:
            self.dLda[L] = R(scale * diff / (aL * (1 - aL)))
            self.delta[L] = R(scale * diff) if self.acts[L - 1] == SIGMOID else R(self.dLda[L] * spL)
        else:
            self.dLda[L] = R(2 * scale * deriv_mult * diff)
            if self.acts[L - 1] == SOFTMAX:
                a = aL
                self.delta[L] = R(a * (self.dLda[L] - (a * self.dLda[L]).sum(axis=1, keepdims=True)))
            else:
                self.delta[L] = R(self.dLda[L] * (1.0 if forget_out else spL))
        for l in range(L - 1, 0, -1):
            Wn = self.W[l + 1]
            if transposed:
                if Wn.shape[0] != Wn.shape[1]:
                    raise ValueError("transposed W needs a square matrix")
                Wn = Wn.T
            self.dLda[l] = R(self.delta[l + 1] @ Wn)
            self.delta[l] = R(self.dLda[l] * (1.0 if forget_hidden else self.sp[l]))
        self.dW, self.db, self.dW_n = [None] * (L + 1), [None] * (L + 1), [None] * (L + 1)
        for l in range(1, L + 1):
            prev = self.a[l - 1]
            if z_for_a == "grad" and l > 1:
                prev = self.z[l - 1]
            self.dW_n[l] = R(self.delta[l][:, :, None] * prev[:, None, :])
            self.dW[l] = R(self.dW_n[l].sum(axis=0))
            self.db[l] = R(self.delta[l].sum(axis=0)) if p.net.has_bias else None
        self.new = None
        if lr is not None:
            eta = {"no_eta": 1.0, "eta_over_m": lr / N, "uphill": -lr}.get(update, lr)
            newW = [self.W[l] - eta * self.dW[l] for l in range(1, L + 1)]
            newb = [self.b[l] - (eta * self.db[l] if (p.net.has_bias and update_biases) else 0)
                    for l in range(1, L + 1)]
            self.new = LearnerPass(self, W=[R(w) for w in newW], b=[R(v) for v in newb], rounding=rounding)

    # the names' lookups of :mod:`.names` call these only for kinds not diagnosed here
    def back_from(self, *args, **kw):   # pragma: no cover
        raise KeyError("not in a learner's pass")

    dLda_from = back_from


# ---- the table of mistakes ------------------------------------------------------------------------------
# key, the learner's pass switches, what the learner did (one clause), whether the mistake applies
def _squared(d):
    return d.p.loss_code in (MSE, QUADRATIC, SSE)


def _elementwise(d):
    return any(c != SOFTMAX for c in d.p.acts)


PASSES = [
    ("sign", dict(sign=True), "the sign is flipped: (y − a) written for (a − y), so every δ and gradient points "
     "the other way", lambda d: True),
    ("sp_forgot", dict(sp="forgot"), "σ' forgotten: δ = ∂L/∂a without the factor σ'(z), in BP1 and BP2",
     _elementwise),
    ("sp_forgot_out", dict(sp="forgot_out"), "σ' forgotten in BP1: δ⁽ᴸ⁾ = ∂L/∂a⁽ᴸ⁾ without σ'(z⁽ᴸ⁾)",
     lambda d: d.p.acts[-1] != SOFTMAX and not d.p.loss_code == CROSS_ENTROPY),
    ("sp_forgot_hidden", dict(sp="forgot_hidden"), "σ' forgotten in BP2: δ⁽ˡ⁾ = (Wᵀδ⁽ˡ⁺¹⁾) without σ'(z⁽ˡ⁾)",
     lambda d: d.p.L > 1),
    ("sp_sigma", dict(sp="sigma"), "σ(z) = a written where σ'(z) belongs", _elementwise),
    ("sp_at_a", dict(sp="at_a"), "σ' evaluated at a instead of at z (σ'(a) for σ'(z))", _elementwise),
    ("sp_z", dict(sp="z"), "z put into the σ' formula where a belongs (z(1 − z) for a(1 − a))",
     lambda d: any(c in (SIGMOID, TANH) for c in d.p.acts)),
    ("z_for_a", dict(z_for_a="grad"), "z used where a belongs in BP4: ∂L/∂w⁽ˡ⁾ⱼ,ₖ = δ⁽ˡ⁾ⱼ z⁽ˡ⁻¹⁾ₖ",
     lambda d: d.p.L > 1),
    ("z_for_a_forward", dict(z_for_a="forward"), "σ not applied: z passed on as the activation a",
     lambda d: True),
    ("transposed", dict(transposed=True), "W⁽ˡ⁺¹⁾ used where (W⁽ˡ⁺¹⁾)ᵀ belongs in BP2 (Σₖ w_{j,k} δₖ instead of "
     "Σₖ w_{k,j} δₖ)", lambda d: any(d.p.W[l].shape[0] == d.p.W[l].shape[1] for l in range(2, d.p.L + 1))),
    ("nielsen", None, "Nielsen's per-example convention: δˣ = ∂Cₓ/∂z without the loss's 1/N (loopnet folds "
     "the 1/N of the batch average into δ; Nielsen applies it as η/m in the update)", lambda d: d.N > 1),
    ("mean_twice", None, "divided by N twice (the 1/N of the loss and again by N)", lambda d: d.N > 1),
    ("no_half", dict(scale_mult=2.0), "the ½ of the loss left out", lambda d: d.p.loss_code in (QUADRATIC, SSE)),
    ("drop_2", dict(deriv_mult=0.5), "the 2 of d(a − y)²/da dropped", _squared),
    ("mse_nL", None, "mse's 1/n_L (the mean over the outputs) left out",
     lambda d: d.p.loss_code == MSE and d.net.sizes[-1] > 1),
    ("no_eta", dict(update="no_eta"), "the update forgot η: w − ∂L/∂w instead of w − η ∂L/∂w",
     lambda d: d.lr is not None and d.lr != 1),
    ("eta_over_m", dict(update="eta_over_m"), "η/m applied on top of the 1/N already in δ (Nielsen's update "
     "w − η/m Σₓ ∂Cₓ/∂w used with loopnet's gradient)", lambda d: d.lr is not None and d.N > 1),
    ("uphill", dict(update="uphill"), "the update moved with the gradient (w + η ∂L/∂w), up the loss",
     lambda d: d.lr is not None),
]
ROUNDINGS = (4, 3, 2)


def _switches(d, key, sw):
    N, nL = d.N, d.net.sizes[-1]
    if key == "nielsen":
        return dict(scale_mult=float(N))
    if key == "mean_twice":
        return dict(scale_mult=1.0 / N)
    if key == "mse_nL":
        return dict(scale_mult=float(nL))
    return sw


def passes(d):
    """{key: LearnerPass} of the mistakes that apply to derivation ``d`` (cached on it)."""
    cache = getattr(d, "_mistake_passes", None)
    if cache is not None:
        return cache
    out = {}
    with np.errstate(all="ignore"):     # a mistaken pass may take the log of a negative "a": its value is NaN
        _fill(d, out)
    d._mistake_passes = out
    return out


def _fill(d, out):
    for key, sw, _, applies in PASSES:
        if not applies(d):
            continue
        try:
            out[key] = LearnerPass(d.p, d.lr, d.update_biases, **_switches(d, key, sw))
        except (ValueError, FloatingPointError, ZeroDivisionError):
            continue
    for r in ROUNDINGS:
        out[f"rounded{r}"] = LearnerPass(d.p, d.lr, d.update_biases, rounding=r)


WHY = {key: why for key, _, why, _ in PASSES}
WHY.update({f"rounded{r}": f"intermediate values rounded to {r} significant figures before being used"
            for r in ROUNDINGS})


def _value(d, p, name):
    from .names import _lookup, normalize
    n = normalize(name)
    if n.startswith("new "):
        if p.new is None:
            raise KeyError(name)
        p, n = p.new, n[4:]
    return _lookup(d, p, n, name)


# ---- confusions of one quantity with another ---------------------------------------------------------------
_NAME = re.compile(r"^(new |example \d+ |new example \d+ )*(.*)$")


def confusions(d, name):
    """(key, value, why) for the quantities a learner may write instead of ``name``."""
    from .names import normalize
    n = normalize(name)
    m = re.match(r"^((?:new )?(?:example \d+ )?)(.*)$", n)
    pre, q = m.group(1), m.group(2)
    s, L = d.net.sizes, d.p.L
    cands = []

    def add(key, other, why):
        try:
            cands.append((key, d.value(pre + other), why))
        except (KeyError, ValueError):
            pass

    mm = re.match(r"^(dL/d)?W(\d+)\[(\d+),(\d+)\]$", q)
    if mm:
        g, l, j, k = mm.group(1) or "", int(mm.group(2)), int(mm.group(3)), int(mm.group(4))
        if j != k and k <= s[l] and j <= s[l - 1]:
            add("swapped", f"{g}W{l}[{k},{j}]", f"the indices swapped: {g}W{l}[{k},{j}] for {g}W{l}[{j},{k}] "
                "(loopnet writes w⁽ˡ⁾ⱼ,ₖ to-then-from: j the neuron it feeds, k the one it comes from)")
        if g:
            if d.net.has_bias:
                add("no_a", f"dL/db{l}[{j}]", f"the factor a⁽ˡ⁻¹⁾ₖ left out: δ⁽ˡ⁾ⱼ alone is the bias gradient "
                    f"dL/db{l}[{j}]")
            cands += _off_by_one_dW(d, pre, l, j, k)
        return cands
    mm = re.match(r"^(delta|dL/da|z|a|sigma'\(z)(\d+)\[(\d+)\]\)?$", q)
    if mm:
        kind, l, j = mm.group(1), int(mm.group(2)), int(mm.group(3))
        close = ")" if kind.startswith("sigma") else ""
        for l2 in (l - 1, l + 1):
            if 1 <= l2 <= L and j <= s[l2]:
                add("layer_off", f"{kind}{l2}[{j}]{close}", f"a quantity of layer {l2} for one of layer {l} (off by "
                    f"one layer: {kind}{l2}[{j}]{close})")
        if kind == "a":
            add("z_for_a", f"z{l}[{j}]", f"z given for a: σ(z{l}[{j}]) not applied")
        if kind == "z":
            add("a_for_z", f"a{l}[{j}]", f"a given for z: σ applied where z = Σ w a + b is asked")
        if kind == "delta":
            add("sp_forgot", f"dL/da{l}[{j}]", f"σ'(z{l}[{j}]) forgotten: ∂L/∂a given for δ = ∂L/∂a · σ'(z)")
    return cands


def _off_by_one_dW(d, pre, l, j, k):
    """∂L/∂w⁽ˡ⁾ⱼ,ₖ computed with a of layer l (not l − 1) or with δ of layer l + 1: Σₙ of the products."""
    p, s, out = d.p, d.net.sizes, []
    rows = range(p.N)
    m = re.match(r"^example (\d+) $", pre.replace("new ", ""))
    if pre.startswith("new"):
        return out
    if m:
        rows = [int(m.group(1)) - 1]
    if k <= s[l]:
        out.append(("layer_off", float(sum(p.delta[l][n, j - 1] * p.a[l][n, k - 1] for n in rows)),
                    f"a of layer {l} used for a of layer {l - 1} (off by one layer: δ{l}[{j}]·a{l}[{k}])"))
    if l - 2 >= 0 and k <= s[l - 2] and l > 1:
        out.append(("layer_off", float(sum(p.delta[l][n, j - 1] * p.a[l - 2][n, k - 1] for n in rows)),
                    f"a of layer {l - 2} used for a of layer {l - 1} (off by one layer: δ{l}[{j}]·a{l - 2}[{k}])"))
    if l < p.L and j <= s[l + 1]:
        out.append(("layer_off", float(sum(p.delta[l + 1][n, j - 1] * p.a[l - 1][n, k - 1] for n in rows)),
                    f"δ of layer {l + 1} used for δ of layer {l} (off by one layer: δ{l + 1}[{j}]·a{l - 1}[{k}])"))
    return out


def _in_one_example(d, name):
    """A mistake made in one example's term of a batch sum only: the true sum with that term replaced by the
    mistaken pass's term (∂L/∂w, ∂L/∂b)."""
    from .names import normalize
    n, p, out = normalize(name), d.p, []
    if p.N < 2:
        return out
    m = re.match(r"^dL/dW(\d+)\[(\d+),(\d+)\]$", n)
    mb = re.match(r"^dL/db(\d+)\[(\d+)\]$", n)
    if not (m or mb) or (mb and not d.net.has_bias):
        return out
    for key, q in passes(d).items():
        if key.startswith("rounded") or key in ("nielsen", "mean_twice", "no_eta", "eta_over_m", "uphill"):
            continue
        for r in range(p.N):
            if m:
                l, j, k = (int(v) for v in m.groups())
                true, mine, wrong = p.dW[l][j - 1, k - 1], p.dW_n[l][r, j - 1, k - 1], q.dW_n[l][r, j - 1, k - 1]
            else:
                l, j = (int(v) for v in mb.groups())
                true, mine, wrong = p.db[l][j - 1], p.delta[l][r, j - 1], q.delta[l][r, j - 1]
            if not _same(float(mine), float(wrong)):
                out.append((key, float(true - mine + wrong), WHY[key] + f", in example {r + 1}'s term of the sum only"))
    return out


def _left_out(d, name):
    """One example's term left out of a batch sum (∂L/∂w, ∂L/∂b, L)."""
    from .names import normalize
    n = normalize(name)
    p, out = d.p, []
    if p.N < 2 or n.startswith(("example ", "new ")):
        return out
    m = re.match(r"^dL/dW(\d+)\[(\d+),(\d+)\]$", n)
    if m:
        l, j, k = (int(v) for v in m.groups())
        for r in range(p.N):
            out.append(("left_out", float(p.dW[l][j - 1, k - 1] - p.dW_n[l][r, j - 1, k - 1]),
                        f"example {r + 1}'s term δ·a left out of the sum over the batch"))
        for r in range(p.N):
            out.append(("doubled", float(p.dW[l][j - 1, k - 1] + p.dW_n[l][r, j - 1, k - 1]),
                        f"one term of the sum is counted twice (example {r + 1}'s δ·a)"))
    m = re.match(r"^dL/db(\d+)\[(\d+)\]$", n)
    if m and d.net.has_bias:
        l, j = (int(v) for v in m.groups())
        for r in range(p.N):
            out.append(("left_out", float(p.db[l][j - 1] - p.delta[l][r, j - 1]),
                        f"example {r + 1}'s δ left out of the sum over the batch"))
        for r in range(p.N):
            out.append(("doubled", float(p.db[l][j - 1] + p.delta[l][r, j - 1]),
                        f"one term of the sum is counted twice (example {r + 1}'s δ)"))
    if n == "L":
        for r in range(p.N):
            out.append(("left_out", float(p.loss - p.terms[r].sum()),
                        f"example {r + 1}'s loss term left out of the sum"))
    return out


def catalogue(d, name):
    """Every mistake's value of quantity ``name``, in the order they are tried: (key, value, why)."""
    true = d.value(name)
    out = []
    for key, p in passes(d).items():
        if key.startswith("rounded"):
            continue
        try:
            v = _value(d, p, name)
        except (KeyError, ValueError, IndexError, TypeError):
            continue
        out.append((key, v, WHY[key]))
    out += confusions(d, name)
    out += [("decimal", 10 * true, "the decimal point slipped: 10 × the true value"),
            ("decimal", true / 10, "the decimal point slipped: the true value ÷ 10")]
    out += _left_out(d, name)
    out += _in_one_example(d, name)     # after the whole-sum mistakes: a doubled term is also "½ in one term"
    for key, p in passes(d).items():
        if key.startswith("rounded"):
            try:
                out.append((key, _value(d, p, name), WHY[key]))
            except (KeyError, ValueError, IndexError, TypeError):
                continue
    # a mistake that does not change this quantity is no diagnosis of it
    return [(k, v, w) for k, v, w in out if math.isfinite(v) and not _same(v, true)]


def _same(u, v):
    return abs(u - v) <= 1e-12 * max(1.0, abs(u), abs(v))


__all__ = ["LearnerPass", "PASSES", "catalogue", "confusions", "passes"]
