"""``Derivation.check``: compare given numbers with the engine's and say how a wrong one is wrong.

The tolerance comes from the answer's own printed digits (:func:`answer_tolerance`): 0.0015 is right to
±0.00005; a number with no decimals (0, 1) is held to the derivation's ``digits`` significant figures, so a
0 is right only when the true value is 0 to that precision. A wrong answer is compared first with every
mistake of :mod:`.mistakes` (each recomputed exactly: a learner's pass with σ' forgotten, z for a, Nielsen's
δˣ, η forgotten, …, or a confusion such as swapped indices), and the first that reproduces it to its
printed digits names it (``CheckRow.mistake``; ``CheckRow.also`` lists mistakes that give the same
number). Only then the older single-slip candidates below are tried, and else "no single slip".

The older candidates, each recomputed with the engine's kernels:

| mistake | how the candidate is computed |
|---|---|
| sign flipped | −true |
| off by a factor | true × f for f in 2, ½, N, 1/N, n_L, 1/n_L (the loss scale's parts) |
| σ' at another z | true with the part that flows through σ'(z⁽ᵐ⁾ᵢ) rescaled by σ'(z')/σ'(z⁽ᵐ⁾ᵢ), z' = 10z, z/10, a, another neuron's z; σ'(z) replaced by σ(z) |
| a term of a sum missing or doubled | true ∓ the term (examples of a batch sum, products of z = Σ w a + b, of ∂L/∂a = Σ w δ, of L) |
| rounded too early | within 2 % of the true value but outside the printed precision |

The contribution through σ'(z⁽ᵐ⁾ᵢ) is BP2 (the ``hidden_error`` kernel) run from δ⁽ᵐ⁾ with only
entry i kept; σ'(z') is ``activations.derivative`` at z' with a' = σ(z') from ``activate_layer``.
"""
from __future__ import annotations

import math
import re
import textwrap
from dataclasses import dataclass, field

import numpy as np

from .. import worked_examples as we
from .names import PATTERNS, normalize


@dataclass
class CheckRow:
    name: str
    given: float
    true: float
    tolerance: float
    ok: bool
    diagnosis: str = ""
    mistake: str = ""          # the key of the diagnosed mistake (:mod:`.mistakes`), "" when none fits
    also: tuple = ()           # other mistakes that give the same number

    @property
    def difference(self):
        return self.given - self.true

    @property
    def cause(self):  # the name of the first edition
        return self.diagnosis


def _g(v, digits):
    return "0" if v == 0 else f"{v:.{digits}g}"


@dataclass
class CheckReport:
    """What :meth:`Derivation.check` found: ``rows`` (every number), ``mismatches``, ``ok``; each
    mismatch's ``diagnosis`` says how it is wrong where the numbers tell."""
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
        from .text import table_lines
        head, body = self.table()
        n = len(self.mismatches)
        count = f"{len(self.rows)} number{'s' if len(self.rows) != 1 else ''}"
        title = (f"check: {count}, all within their printed precision" if not n else
                 f"check: {count}, {n} mismatch{'es' if n != 1 else ''}")
        out = [title] + table_lines(head, body)
        if n:
            out.append("")
            out.append("How the mismatches are wrong:")
            for r in self.mismatches:
                out += textwrap.wrap(f"{r.name}: {r.diagnosis}", 100, subsequent_indent="    ")
        return "\n".join(out)

    __repr__ = __str__


def significant_digits(v):
    """How many significant digits repr(v) shows (0.0015 → 2, 0.005720286090965645 → 16)."""
    mant = repr(float(v)).lower().split("e")[0].lstrip("-").replace(".", "").lstrip("0")
    return len(mant)


def answer_tolerance(given, digits=6):
    """Half a unit in the last printed digit of an answer (a number, or a string as written: '0.50').

    A number that shows no decimals (0, 1, 2.0, '3') says nothing about its precision, so it is held to
    ``digits`` significant figures: a 0 is right only when the true value is 0 to ``digits`` decimals
    (|true| < 0.5·10⁻ᵈⁱᵍⁱᵗˢ), a 1 only when the true value rounds to 1.00000. Never an absolute ±0.5.
    """
    text = given.strip().replace("−", "-") if isinstance(given, str) else repr(float(given))
    v = float(text)
    mant, _, exp = text.lower().partition("e")
    decimals = len(mant.split(".")[1]) if "." in mant else 0
    if not isinstance(given, str) and mant.endswith(".0") and "e" not in text.lower():
        decimals = 0                     # a float that is a whole number: no printed decimals
    if decimals == 0 and not exp:
        if v == 0:
            return 0.5 * 10.0 ** (-digits)
        return 0.5 * 10.0 ** (math.floor(math.log10(abs(v))) - digits + 1)
    return 0.5 * 10.0 ** (-(decimals - int(exp or 0)))


def check(d, values, rel=None):
    if not isinstance(values, dict):
        raise TypeError(f"values must be a dict {{name: number}}, got {type(values).__name__}")
    if rel is not None and (isinstance(rel, bool) or not isinstance(rel, (int, float)) or not rel >= 0):
        raise ValueError(f"rel must be a number ≥ 0 or None, got {rel!r}")
    report = CheckReport()
    for key, given in values.items():
        base = we.base_name(key)
        true = d.value(base)
        try:
            text = given if isinstance(given, str) else None
            given = float(given.replace("−", "-") if isinstance(given, str) else given)
            if not math.isfinite(given):
                raise ValueError
        except (TypeError, ValueError, AttributeError):
            raise ValueError(f"values[{key!r}] must be a finite number, got {given!r}") from None
        tol = answer_tolerance(text if text is not None else given, getattr(d, "digits", 6)) if rel is None \
            else rel * abs(true)
        if rel is None and text is None and significant_digits(given) >= 15:
            tol = max(tol, 1e-9 * abs(true))  # a full float64 (a script's output): agree to 1e-9
        ok = abs(given - true) <= tol * (1 + 1e-9) + 1e-15
        row = CheckRow(key, given, true, tol, ok)
        if not ok:
            row.diagnosis, row.mistake, row.also = diagnose_row(d, base, given, true, tol)
        report.rows.append(row)
    return report


# ---- diagnosis -------------------------------------------------------------------------------------
def _parse(d, base):
    """(numbers, example row or None, kind, ints) of a name, or None."""
    n = normalize(base)
    p = d.p
    if n.startswith("new "):
        if d.new is None:
            return None
        p, n = d.new, n[4:]
    if n.startswith("after "):
        return None
    ex = None
    m = re.match(r"example (\d+) (.+)$", n)
    if m:
        ex, n = int(m.group(1)) - 1, m.group(2)
    for kind, pat in PATTERNS:
        m = pat.match(n)
        if m:
            return p, ex, kind, [int(s) for s in m.groups()]
    return None


def _sigma_prime_at(p, code, z):
    """σ'(z) for a scalar z through the kernels (a = σ(z) by activate_layer, then derivative)."""
    zz = np.array([[z]], dtype=p.dtype)
    aa = np.empty_like(zz)
    p._k["activate_layer"](aa, zz, code)
    return float(p._k["derivative"](code, zz[0, 0], aa[0, 0])), float(aa[0, 0])


def _through(p, kind, g, m, i, rows):
    """The part of quantity (kind, g) that flows through δ⁽ᵐ⁾ᵢ, summed over ``rows``."""
    total = 0.0
    l = g[0]
    j = g[1] - 1
    for r in rows:
        unit = np.zeros((1, p.sizes[m]), dtype=p.dtype)
        unit[0, i] = p.delta[m][r, i]
        if kind == "dLda":
            if m <= l:
                return 0.0
            back = p.back_from(m, unit, l + 1, r)
            total += float(p.dLda_from(l, back[l + 1], r)[0, j])
            continue
        if m < l:
            return 0.0
        back = p.back_from(m, unit, l, r) if m > l else {l: unit}
        v = float(back[l][0, j])
        if kind == "dW":
            v *= float(p.a[l - 1][r, g[2] - 1])
        total += v
    return total


def _z_candidates(p, r, m, i):
    """Other arguments σ' may have been evaluated at, with how to say it."""
    z = float(p.z[m][r, i])
    a = float(p.a[m][r, i])
    name = f"z{m}[{i + 1}]"
    out = [(10 * z, f"z = {10 * z:.4g} (10 × {name} = {z:.4g}: the decimal point slipped)"),
           (z / 10, f"z = {z / 10:.4g} ({name} / 10 = {z:.4g} / 10: the decimal point slipped)"),
           (a, f"a{m}[{i + 1}] = {a:.4g} instead of at {name} = {z:.4g} (σ'(a) for σ'(z))")]
    for l2 in range(1, p.L + 1):
        for i2 in range(p.sizes[l2]):
            if (l2, i2) != (m, i) and p.sp[l2] is not None:
                z2 = float(p.z[l2][r, i2])
                out.append((z2, f"z{l2}[{i2 + 1}] = {z2:.4g} (another neuron's z) instead of {name} = {z:.4g}"))
    return out


def diagnose_row(d, base, given, true, tol):
    """(sentence, mistake key, other keys) for a wrong ``given``: the catalogue of :mod:`.mistakes` first
    (exact to the answer's printed digits, then up to 1 % for rounded intermediate values), then the
    older single-slip candidates, else "not recognised" with the ratio."""
    from .mistakes import catalogue
    try:
        cat = catalogue(d, base)
    except (KeyError, ValueError):
        cat = []
    slack = tol * (1 + 1e-9) + 1e-15
    hits = [(k, v, w) for k, v, w in cat if abs(given - v) <= slack]
    tail = ""
    if not hits:
        near = [(abs(given - v) / abs(v), k, v, w) for k, v, w in cat if v and abs(given - v) <= 0.01 * abs(v)
                and not k.startswith("rounded")]
        if near and abs(given - true) > 0.02 * abs(true):
            near.sort(key=lambda t: t[0])
            hits = [(k, v, w) for _, k, v, w in near]
            tail = " up to the rounding of its intermediate values"
    if hits:
        k, v, w = hits[0]
        also = tuple(dict.fromkeys(k2 for k2, v2, _ in hits[1:] if k2 != k and abs(v2 - v) <= 1e-12 * max(1, abs(v))))
        msg = f"{w}: that gives {v:.6g}, the given {given:g}{tail}; the true value is {true:.6g}"
        others = [w2 for k2, v2, w2 in hits[1:] if k2 in also]
        if others:
            msg += " (the same number comes from: " + "; ".join(dict.fromkeys(others)) + ")"
        return msg, k, also
    why = diagnose(d, base, given, true, tol)
    return why, ("rounded" if why.startswith("close (") else ""), ()


def diagnose(d, base, given, true, tol):
    """One sentence: how ``given`` is wrong, or the ratio to the true value when no candidate fits."""
    upd = _update_diagnosis(d, base, given, tol)
    if upd:
        return upd
    cands = _candidates(d, base, true)
    for v, why in cands:           # a slip that reproduces the number to its printed precision
        if abs(given - v) <= tol * (1 + 1e-9) + 1e-15:
            return why + f": that gives {v:.6g}, the given {given:g}; the true value is {true:.6g}"
    rel_true = abs(given - true) / abs(true) if true else np.inf
    if rel_true <= 0.02:
        return (f"close ({rel_true:.2g} relative to the true value {true:.6g}) but outside its own printed "
                f"precision (±{tol:.1g}): an intermediate value was rounded too early, or an earlier wrong number "
                "was carried into it")
    best = None
    for v, why in cands:           # a slip that reproduces it up to the rounding of intermediate values
        rel = abs(given - v) / abs(v) if v else np.inf
        if rel <= 0.02 and (best is None or rel < best[0]):
            best = (rel, v, why)
    if best is not None:
        return (best[2] + f": that gives {best[1]:.6g}, the given {given:g} up to the rounding of its "
                f"intermediate values; the true value is {true:.6g}")
    if true != 0 and given != 0:
        ratio = given / true
        return (f"{ratio:.3g} × the true value {true:.6g}" + (" (the sign is flipped)" if ratio < 0 else "") +
                "; no single slip loopnet knows of (sign, factor 2/½/N/1/N, σ' at another z, a missing or "
                "doubled term, early rounding) explains it")
    return f"the true value is {true:.6g}; no single slip loopnet knows of explains the given {given:g}"


def _update_diagnosis(d, base, given, tol):
    """For 'new W…'/'new b…': the gradient the update must have used, (w − given)/η, diagnosed as a gradient."""
    parsed = _parse(d, base)
    name = normalize(base)
    if parsed is None or d.lr is None or not name.startswith("new ") or parsed[2] not in ("W", "b"):
        return ""
    _, _, kind, g = parsed
    grad = f"dL/dW{g[0]}[{g[1]},{g[2]}]" if kind == "W" else f"dL/db{g[0]}[{g[1]}]"
    old, gtrue = d.value(name[4:]), d.value(grad)
    implied, tol_g = (old - given) / d.lr, tol / d.lr
    lead = (f"the update w − η·∂L/∂w with η = {d.lr:g} used {grad} ≈ {implied:.3g} (the true gradient is "
            f"{gtrue:.6g})")
    if abs(implied - gtrue) <= tol_g + 0.01 * abs(gtrue):
        return lead + ": the right gradient, rounded too early before the update"
    if abs(implied + gtrue) <= tol_g + 0.05 * abs(gtrue):
        return lead + ": the weight moved with the gradient, up the loss, instead of against it"
    for v, why in _candidates(d, grad, gtrue):
        if abs(implied - v) <= tol_g + 0.05 * abs(v):
            return lead + f", consistent with a gradient where {why} ({v:.6g})"
    return ""


def _candidates(d, base, true):
    """(value, why) for every slip loopnet can recompute for the quantity ``base``."""
    cands = [(-true, "the sign is flipped (the magnitude is right)")]
    cands.append((true * 10, "the decimal point slipped: 10 × the true value"))
    cands.append((true / 10, "the decimal point slipped: the true value / 10"))
    N, nL = d.N, d.net.sizes[-1]
    factors = [(2.0, "2 (a ½ of the loss, or the 2 of d(a − y)²/da, dropped or counted twice)"),
               (0.5, "½ (a ½ of the loss, or the 2 of d(a − y)²/da, dropped or counted twice)")]
    if N > 1:
        factors += [(float(N), f"N = {N} (the loss's 1/N missing: summed where the loss averages)"),
                    (1.0 / N, f"1/N = 1/{N} (divided by the number of examples once too often)")]
    if nL > 1:
        factors += [(float(nL), f"n_L = {nL} (the 1/n_L of 'mse' missing)"),
                    (1.0 / nL, f"1/n_L = 1/{nL} (divided by the number of outputs once too often)")]
    for f, why in factors:
        cands.append((true * f, f"off by a factor of {why}"))
        cands.append((-true * f, f"the sign is flipped and it is off by a factor of {why}"))
    parsed = _parse(d, base)
    if parsed is None:
        return cands
    p, ex, kind, g = parsed
    rows = range(p.N) if ex is None and kind in ("dW", "db") else [0 if ex is None else ex]
    r0 = rows[0]
    if kind == "sp":                # σ' evaluated at another z
        l, j = g[0], g[1] - 1
        code = p.acts[l - 1]
        for zc, why in _z_candidates(p, r0, l, j):
            spc, _ = _sigma_prime_at(p, code, zc)
            cands.append((spc, f"σ' evaluated at {why}"))
        cands.append((float(p.a[l][r0, j]), "σ(z) = a written where σ'(z) = a(1 − a) belongs"))
    elif kind in ("delta", "dLda", "dW", "db"):
        l = g[0]
        for m in range(l, p.L + 1):
            if p.sp[m] is None:
                continue
            for i in range(p.sizes[m]):
                if m == l and (kind == "dLda" or i != g[1] - 1):
                    continue
                c = _through(p, kind, g, m, i, rows)
                if c == 0.0:
                    continue
                sp = float(p.sp[m][r0, i])
                code = p.acts[m - 1]
                for zc, why in _z_candidates(p, r0, m, i):
                    spc, _ = _sigma_prime_at(p, code, zc)
                    v = true + (spc / sp - 1.0) * c
                    cands.append((v, f"σ'(z{m}[{i + 1}]) evaluated at {why}"))
                    cands.append((-v, f"the sign is flipped, and σ'(z{m}[{i + 1}]) evaluated at {why}"))
                a = float(p.a[m][r0, i])
                cands.append((true + (a / sp - 1.0) * c, f"σ(z{m}[{i + 1}]) = a used where σ'(z{m}[{i + 1}]) "
                              "= a(1 − a) belongs"))
    for term, what in _terms(p, kind, g, ex):   # one term of a sum missing or doubled
        if term != 0.0:
            cands.append((true - term, f"one term of the sum is missing ({what})"))
            cands.append((true + term, f"one term of the sum is counted twice ({what})"))
    return cands


def _terms(p, kind, g, ex):
    """(term, description) of the sum that defines the quantity, from the engine's arrays."""
    out = []
    r = 0 if ex is None else ex
    if kind == "dW" and ex is None and p.N > 1:
        l, j, k = g[0], g[1] - 1, g[2] - 1
        out += [(float(p.dW_n[l][n, j, k]), f"example {n + 1}'s δ·a") for n in range(p.N)]
    elif kind == "db" and ex is None and p.N > 1:
        l, j = g[0], g[1] - 1
        out += [(float(p.delta[l][n, j]), f"example {n + 1}'s δ") for n in range(p.N)]
    elif kind == "z":
        l, j = g[0], g[1] - 1
        out += [(float(p.W[l][j, k] * p.a[l - 1][r, k]), f"w{l}[{j + 1},{k + 1}]·a{l - 1}[{k + 1}]")
                for k in range(p.sizes[l - 1])]
        if p.net.has_bias:
            out.append((float(p.b[l][j]), f"the bias b{l}[{j + 1}]"))
    elif kind == "dLda" and g[0] < p.L:
        l, j = g[0], g[1] - 1
        out += [(float(p.W[l + 1][k, j] * p.delta[l + 1][r, k]), f"w{l + 1}[{k + 1},{j + 1}]·δ{l + 1}[{k + 1}]")
                for k in range(p.sizes[l + 1])]
    elif kind == "L" and (p.N > 1 or p.terms.size > 1):
        flat = p.terms.reshape(-1)
        out += [(float(t), f"loss term {i + 1}") for i, t in enumerate(flat)]
    return out


__all__ = ["check", "diagnose", "CheckReport", "CheckRow"]
