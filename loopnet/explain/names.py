"""Names of the quantities of a derivation (1-based, layer 0 is the input), their values, and focus.

| name | quantity |
|---|---|
| ``x[k]``, ``y[j]`` | input k, target j |
| ``W2[1,2]`` | w⁽²⁾₁,₂: to neuron 1 of layer 2 from neuron 2 of layer 1 (``net.weights[1][0, 1]``) |
| ``b1[2]``, ``z1[2]``, ``a1[2]`` | bias, weighted input, activation of neuron 2 of layer 1 (``a0[k]`` = x[k]) |
| ``sigma'(z1[2])`` | σ'(z⁽¹⁾₂) |
| ``L``, ``L[j]`` | the loss; the loss term of output j (L = Σⱼ L[j], summed over the batch) |
| ``dL/da2[1]``, ``delta2[1]`` | ∂L/∂a⁽²⁾₁ and δ⁽²⁾₁ = ∂L/∂z⁽²⁾₁ |
| ``dL/dW1[1,2]``, ``dL/db1[2]`` | the gradients (of the whole batch) |
| ``dL[2]/da1[1]`` | output 2's share of ∂L/∂a⁽¹⁾₁ |
| ``dz2[1]/dW1[1,2]`` | ∂z⁽²⁾₁/∂w⁽¹⁾₁,₂ |
| ``exp(z2[1])``, ``S2``, ``ln(a2[1])`` | softmax: e^{z}, Σᵢ e^{zᵢ}; cross-entropy: ln a |
| ``da2[1]/dz2[2]``, ``jvp2[1,2]`` | softmax Jacobian entry ∂a₁/∂z₂; term i = 1 of δ₂'s Jacobian-vector product |
| ``example 3 <name>`` | a per-example quantity of example 3 of a batch (``example 3 z1[2]``); for a gradient, example 3's term of the sum (``example 3 dL/dW1[1,2]``), for ``L`` its share |
| ``new <name>`` | after one step with ``lr`` (``new W1[1,2]``, ``new L``, ``new example 2 a2[1]``) |
| ``after 10000 steps <name>`` | after that many steps on the same data |

With one example, per-example names need no ``example 1`` (``z1[2]`` is example 1's); with a batch
they do, and ``z1[2]`` alone raises a KeyError that says so.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..activations import SOFTMAX

NAME_EXAMPLES = ("x[1]", "y[1]", "W1[1,2]", "b1[2]", "z1[2]", "a1[2]", "sigma'(z1[2])", "L", "L[1]", "dL/da2[1]",
                 "delta2[1]", "dL/dW1[1,2]", "dL/db1[2]", "dL[1]/da1[1]", "dz2[1]/dW1[1,2]", "example 2 z1[1]",
                 "new W1[1,2]", "new L", "after 10000 steps L")

_I = r"\[(\d+)\]"
_I2 = r"\[(\d+),(\d+)\]"
PATTERNS = [
    ("x", re.compile(r"x" + _I + "$")),
    ("y", re.compile(r"y" + _I + "$")),
    ("W", re.compile(r"[Ww](\d+)" + _I2 + "$")),
    ("b", re.compile(r"b(\d+)" + _I + "$")),
    ("z", re.compile(r"z(\d+)" + _I + "$")),
    ("a", re.compile(r"a(\d+)" + _I + "$")),
    ("sp", re.compile(r"sigma'\(z(\d+)" + _I + r"\)$")),
    ("L", re.compile(r"L$")),
    ("Lj", re.compile(r"L" + _I + "$")),
    ("dLda", re.compile(r"dL/da(\d+)" + _I + "$")),
    ("delta", re.compile(r"delta(\d+)" + _I + "$")),
    ("dW", re.compile(r"dL/d[Ww](\d+)" + _I2 + "$")),
    ("db", re.compile(r"dL/db(\d+)" + _I + "$")),
    ("share", re.compile(r"dL" + _I + r"/da(\d+)" + _I + "$")),
    ("dzdW", re.compile(r"dz(\d+)" + _I + r"/d[Ww](\d+)" + _I2 + "$")),
    ("exp", re.compile(r"exp\(z(\d+)" + _I + r"\)$")),
    ("S", re.compile(r"S(\d+)$")),
    ("ln", re.compile(r"ln\(a(\d+)" + _I + r"\)$")),
    ("jac", re.compile(r"da(\d+)" + _I + r"/dz(\d+)" + _I + "$")),
    ("jvp", re.compile(r"jvp(\d+)" + _I2 + "$")),
]
BATCH_KINDS = {"W", "b", "L", "Lj", "dW", "db"}   # defined for the whole batch


def normalize(name):
    name = name.strip().replace("σ", "sigma").replace("δ", "delta").replace("∂", "d").replace("’", "'")
    name = re.sub(r"\s*([\[\],])\s*", r"\1", name)
    return re.sub(r"\s+", " ", name)


def _unknown(d, name, why=""):
    return KeyError(f"no quantity {name!r}{why}; names are 1-based, layer 0 is the input, e.g. "
                    f"{', '.join(NAME_EXAMPLES)} (sizes of this network: {d.net.sizes}"
                    + (f", N = {d.N} examples" if d.N > 1 else "") + ")")


def resolve(d, name):
    """The value of ``name`` in derivation ``d`` (see the module docstring)."""
    if not isinstance(name, str):
        raise TypeError(f"name must be a string such as 'dL/dW1[1,2]', got {type(name).__name__}")
    n = normalize(name)
    if n in d.extra:
        return float(d.extra[n])
    m = re.match(r"after (\d+) steps (.+)$", n)
    if m:
        steps = int(m.group(1))
        if d.lr is None:
            raise KeyError(f"{name!r} needs a learning rate: call explain(..., lr=...)")
        if steps not in d._after_cache:
            from .numbers import Numbers
            trained = d.stepped(d.net, d.p.X, d.p.Y, d.lr, d.update_biases, steps)
            d._after_cache[steps] = Numbers(trained, d.p.X, d.p.Y)
        return _lookup(d, d._after_cache[steps], m.group(2), name)
    if n.startswith("new "):
        if d.new is None:
            raise KeyError(f"{name!r} is a value after the update step, but explain was called without lr: "
                           f"call explain(..., lr=...)")
        return _lookup(d, d.new, n[4:], name)
    return _lookup(d, d.p, n, name)


def _lookup(d, p, n, name):
    ex = None
    m = re.match(r"example (\d+) (.+)$", n)
    per_example = m is not None
    if m:
        ex, n = int(m.group(1)), m.group(2)
        if not 1 <= ex <= p.N:
            raise _unknown(d, name, f": example {ex} does not exist (examples 1..{p.N})")
    sizes, L = d.net.sizes, p.L
    for kind, pat in PATTERNS:
        m = pat.match(n)
        if m:
            break
    else:
        raise _unknown(d, name)
    g = [int(s) for s in m.groups()]
    if ex is None:
        if p.N > 1 and kind not in BATCH_KINDS:
            raise _unknown(d, name, f": this derivation has N = {p.N} examples, so a per-example quantity "
                                    f"needs one, e.g. 'example 1 {n}'")
        ex = 1
    r = ex - 1

    def layer(l, lo=0):
        if not lo <= l <= L:
            raise _unknown(d, name, f": layer {l} does not exist (layers {lo}..{L})")
        return l

    def idx(i, n_, what=""):
        if not 1 <= i <= n_:
            raise _unknown(d, name, f": index {i} is out of range 1..{n_}{what}")
        return i - 1

    if kind == "x":
        return float(p.X[r, idx(g[0], sizes[0])])
    if kind == "y":
        return float(p.Y[r, idx(g[0], sizes[-1])])
    if kind == "L":
        return float(p.terms[r].sum()) if per_example else float(p.loss)
    if kind == "Lj":
        if p.softmax_ce:
            raise _unknown(d, name, ": softmax cross-entropy has one loss term per example, not per output")
        j = idx(g[0], sizes[-1])
        return float(p.terms[r, j]) if per_example else float(p.terms[:, j].sum())
    if kind in ("W", "dW"):
        l = layer(g[0], 1)
        j, k = _weight_index(d, name, l, g[1], g[2])
        if kind == "W":
            return float(p.W[l][j, k])
        return float(p.dW_n[l][r, j, k]) if per_example else float(p.dW[l][j, k])
    if kind == "b":
        l = layer(g[0], 1)
        return float(p.b[l][idx(g[1], sizes[l])])
    if kind == "db":
        l = layer(g[0], 1)
        if p.db[l] is None:
            raise _unknown(d, name, ": this network has no biases")
        j = idx(g[1], sizes[l])
        return float(p.delta[l][r, j]) if per_example else float(p.db[l][j])
    if kind in ("z", "a", "sp", "dLda", "delta"):
        l = layer(g[0], 0 if kind == "a" else 1)
        arr = {"z": p.z, "a": p.a, "sp": p.sp, "dLda": p.dLda, "delta": p.delta}[kind][l]
        if arr is None:
            raise _unknown(d, name, ": softmax has no elementwise σ' (its Jacobian is used in BP1)")
        return float(arr[r, idx(g[1], sizes[l])])
    if kind in ("exp", "S", "ln", "jac", "jvp"):
        l = layer(g[0], 1)
        if kind != "ln" and p.acts[l - 1] != SOFTMAX:
            raise _unknown(d, name, f": layer {l} is not a softmax layer")
        z = p.z[l][r].astype(float)
        if kind == "exp":
            return float(np.exp(z[idx(g[1], sizes[l])]))
        if kind == "S":
            return float(np.exp(z).sum())
        if kind == "ln":
            return float(np.log(p.a[l][r, idx(g[1], sizes[l])]))
        if kind == "jac":
            i, j = idx(g[1], sizes[l]), idx(g[3], sizes[l])
            a = p.a[l][r]
            return float(a[i] * ((1.0 if i == j else 0.0) - a[j]))
        i, j = idx(g[1], sizes[l]), idx(g[2], sizes[l])
        a = p.a[l][r]
        return float(a[i] * ((1.0 if i == j else 0.0) - a[j]) * p.dLda[l][r, i])
    if kind == "share":
        i, l = g[0], layer(g[1], 1)
        if l == L:
            raise _unknown(d, name, f": dL[i]/da{{l}}[k] is defined for hidden layers l < {L}")
        if p.acts[L - 1] == SOFTMAX:
            raise _unknown(d, name, ": with softmax outputs one output's loss depends on every z^(L)")
        unit = np.zeros((1, sizes[L]), dtype=d.net.dtype)
        unit[0, idx(i, sizes[L])] = p.delta[L][r, i - 1]
        back = p.back_from(L, unit, l + 1, r) if l + 1 < L else {L: unit}
        return float(p.dLda_from(l, back[l + 1], r)[0, idx(g[2], sizes[l])])
    if kind == "dzdW":
        mlay, i, l, j, k = layer(g[0], 1), g[1], layer(g[2], 1), g[3], g[4]
        if l > mlay:
            raise _unknown(d, name, f": z of layer {mlay} does not depend on weights of layer {l} > {mlay}")
        unit = np.zeros((1, sizes[mlay]), dtype=d.net.dtype)
        unit[0, idx(i, sizes[mlay])] = 1.0
        back = p.back_from(mlay, unit, l, r)
        jj, kk = _weight_index(d, name, l, j, k)
        return float(back[l][0, jj] * p.a[l - 1][r, kk])
    raise _unknown(d, name)  # pragma: no cover


def _weight_index(d, name, l, j, k):
    """0-based (j, k) of w^l_jk, or a KeyError that says which way round loopnet's indices go."""
    s = d.net.sizes
    if 1 <= j <= s[l] and 1 <= k <= s[l - 1]:
        return j - 1, k - 1
    hint = ""
    if 1 <= k <= s[l] and 1 <= j <= s[l - 1]:
        hint = (f"; did you mean W{l}[{k},{j}]? loopnet writes w^({l})_(j,k) to-then-from: j is the neuron of "
                f"layer {l} it feeds (1..{s[l]}), k the neuron of layer {l - 1} it comes from (1..{s[l - 1]}), "
                f"as in Nielsen; W{l}[{j},{k}] read from-then-to is W{l}[{k},{j}] here")
    raise _unknown(d, name, f": W{l} has shape ({s[l]}, {s[l - 1]}), so j must be 1..{s[l]} and k 1..{s[l - 1]}"
                            + hint)


def all_names(d):
    """Every name ``d.values()`` returns."""
    s, L, N = d.net.sizes, d.p.L, d.N
    out = []

    def per(names):
        if N == 1:
            return names
        return [f"example {n} {q}" for n in range(1, N + 1) for q in names]

    ex_names = [f"x[{k}]" for k in range(1, s[0] + 1)] + [f"y[{j}]" for j in range(1, s[L] + 1)]
    batch = []
    for l in range(1, L + 1):
        batch += [f"W{l}[{j},{k}]" for j in range(1, s[l] + 1) for k in range(1, s[l - 1] + 1)]
        if d.net.has_bias:
            batch += [f"b{l}[{j}]" for j in range(1, s[l] + 1)]
        ex_names += [f"z{l}[{j}]" for j in range(1, s[l] + 1)] + [f"a{l}[{j}]" for j in range(1, s[l] + 1)]
        if d.p.sp[l] is not None:
            ex_names += [f"sigma'(z{l}[{j}])" for j in range(1, s[l] + 1)]
    batch.append("L")
    if not d.p.softmax_ce and s[L] > 1:
        batch += [f"L[{j}]" for j in range(1, s[L] + 1)]
    grads, ex_grads = [], []
    for l in range(L, 0, -1):
        ex_grads += [f"dL/da{l}[{j}]" for j in range(1, s[l] + 1)] + [f"delta{l}[{j}]" for j in range(1, s[l] + 1)]
    for l in range(1, L + 1):
        grads += [f"dL/dW{l}[{j},{k}]" for j in range(1, s[l] + 1) for k in range(1, s[l - 1] + 1)]
        if d.net.has_bias:
            grads += [f"dL/db{l}[{j}]" for j in range(1, s[l] + 1)]
    out = batch + per(ex_names) + grads + per(ex_grads)
    if d.new is not None:
        out += ["new " + q for q in batch + per(ex_names)]
    return out


# ---- focus ---------------------------------------------------------------------------------------
@dataclass
class Focus:
    label: str
    keys: frozenset


def _sym_idx(l, *idx):
    """⁽ˡ⁾ⱼ,ₖ: the notation of every renderer (the text printer's superscripts and subscripts)."""
    from .text import sub, sup
    return "⁽" + sup(l) + "⁾" + ",".join(sub(i) for i in idx)


def parse_focus(focus, sizes):
    """The block tags that ``focus`` keeps: a weight or bias (or its gradient), a neuron quantity, a neuron
    ('neuron 2[1]'), or a layer ('layer 2')."""
    if not isinstance(focus, str):
        raise TypeError(f"focus must be a string such as 'dL/dW1[2,3]', 'neuron 1[2]' or 'layer 2', "
                        f"got {type(focus).__name__}")
    L = len(sizes) - 1
    f = normalize(focus)
    usage = ("focus must name a weight or bias or its gradient ('dL/dW1[2,3]', 'W1[2,3]', 'dL/db1[2]'), a neuron "
             "quantity ('z1[2]', 'a1[2]', 'delta1[2]'), a neuron ('neuron 1[2]': layer 1, neuron 2) or a layer "
             f"('layer 2'); layers are 1..{L}, sizes {list(sizes)}; got {focus!r}")
    loss = {("loss",)}

    def downstream(l):  # every neuron of the layers after l and everything BP1/BP2 needs
        keys = set(loss)
        for m in range(l + 1, L + 1):
            keys |= {("n", m, i) for i in range(1, sizes[m] + 1)}
        return keys

    def check(l, j, k=None):
        if not 1 <= l <= L or not 1 <= j <= sizes[l] or (k is not None and not 1 <= k <= sizes[l - 1]):
            raise ValueError(usage)

    m = re.match(r"layer (\d+)$", f)
    if m:
        l = int(m.group(1))
        if not 1 <= l <= L:
            raise ValueError(usage)
        keys = {("layer", l)} | {("n", l, j) for j in range(1, sizes[l] + 1)}
        keys |= {("w", l, j, k) for j in range(1, sizes[l] + 1) for k in range(1, sizes[l - 1] + 1)}
        keys |= {("b", l, j) for j in range(1, sizes[l] + 1)}
        return Focus(f"layer {l}", frozenset(keys))
    m = re.match(r"(?:dL/d)?[Ww](\d+)\[(\d+),(\d+)\]$", f)
    if m:
        l, j, k = map(int, m.groups())
        check(l, j, k)
        keys = {("w", l, j, k), ("n", l, j), ("n", l - 1, k)} | downstream(l)
        return Focus(f"∂L/∂w{_sym_idx(l, j, k)} (dL/dW{l}[{j},{k}])", frozenset(keys))
    m = re.match(r"(?:dL/d)?b(\d+)\[(\d+)\]$", f)
    if m:
        l, j = map(int, m.groups())
        check(l, j)
        return Focus(f"∂L/∂b{_sym_idx(l, j)} (dL/db{l}[{j}])", frozenset({("b", l, j), ("n", l, j)} | downstream(l)))
    m = re.match(r"(?:neuron |z|a|delta|dL/da|sigma'\(z)(\d+)\[(\d+)\]\)?$", f)
    if m:
        l, j = map(int, m.groups())
        check(l, j)
        keys = {("n", l, j), ("b", l, j)} | {("w", l, j, k) for k in range(1, sizes[l - 1] + 1)}
        if l < L:
            keys |= {("w", l + 1, i, j) for i in range(1, sizes[l + 1] + 1)}
        return Focus(f"neuron {j} of layer {l}", frozenset(keys))
    raise ValueError(usage)


__all__ = ["resolve", "all_names", "parse_focus", "NAME_EXAMPLES"]
