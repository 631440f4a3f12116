"""Where things live in flat arrays.

Parameters: one flat vector ``theta`` holds, layer by layer (l = 1..L), W^l row by row
(n_l × n_{l-1} numbers, Nielsen's order: row j is neuron j of layer l) and then b^l (n_l
numbers, absent when the network has no biases). The gradient vector ``grad`` has the same
layout. Optimizers and gradient checks see the flat vector; kernels get per-layer 2-D views and
index them with loop variables only (runtime offsets inside the inner loops stop LLVM from
vectorising them).

Batch buffers: ``zbuf``, ``abuf`` and ``dbuf`` hold z^l, a^l and δ^l for a batch of up to B
examples, layer-major: layer l occupies B·n_l numbers starting at B·(n_0 + … + n_{l−1}), so the
view of a batch of nb ≤ B examples is a C-contiguous (nb, n_l) array.
"""
import functools

import numpy as np

from ..jit import kernel


@kernel
def param_offset(sizes, has_bias, l):
    """Index in ``theta`` where W^l starts (l = 1..L)."""
    off = 0
    for i in range(1, l):
        off += sizes[i] * sizes[i - 1]
        if has_bias:
            off += sizes[i]
    return off


@kernel
def n_params(sizes, has_bias):
    """Number of numbers in ``theta``: Σ_l n_l n_{l−1} (+ Σ_l n_l with biases)."""
    return param_offset(sizes, has_bias, sizes.shape[0])


@kernel
def layer_params(theta, sizes, has_bias, zeros, l):
    """(W^l, b^l) as views into ``theta``; without biases b^l is the all-zero ``zeros[:n_l]``."""
    off = param_offset(sizes, has_bias, l)
    n_out = sizes[l]
    n_in = sizes[l - 1]
    W = theta[off:off + n_out * n_in].reshape(n_out, n_in)
    if has_bias:
        b = theta[off + n_out * n_in:off + n_out * n_in + n_out]
    else:
        b = zeros[:n_out]
    return W, b


@kernel
def batch_view(buf, B, sizes, l, nb):
    """The (nb, n_l) view of layer l in a layer-major batch buffer of capacity B."""
    start = 0
    for i in range(l):
        start += B * sizes[i]
    return buf[start:start + nb * sizes[l]].reshape(nb, sizes[l])


@kernel
def batch_buffers(theta, sizes, B):
    """(zeros, zbuf, abuf): the all-zero bias stand-in (max_l n_l,) and layer-major buffers for z and a
    of B examples (B · Σ_l n_l numbers each), in θ's dtype."""
    total = 0
    widest = 0
    for i in range(sizes.shape[0]):
        total += sizes[i]
        widest = max(widest, sizes[i])
    zeros = np.zeros(widest, dtype=theta.dtype)
    zbuf = np.empty(B * total, dtype=theta.dtype)
    abuf = np.empty(B * total, dtype=theta.dtype)
    return zeros, zbuf, abuf


class Layout:
    """θ's layout for the Python layer: where W^l and b^l sit, computed by :func:`param_offset` (the
    same function the kernels compile, run here uncompiled), so there is one formula for all.

    ``Layout([3, 2, 1])`` (with biases): W^1 at 0..5, b^1 at 6..7, W^2 at 8..9, b^2 at 10; 11 numbers.
    ``split`` gives views of any array whose last axis is θ: (P,) for a network, (M, P) for an
    ensemble (then W^l is (M, n_l, n_{l−1})).

    >>> lay = Layout([3, 2, 1], True)
    >>> lay.n_params, lay.weight_slice(2), lay.bias_slice(2)
    (11, slice(8, 10, None), slice(10, 11, None))
    """

    def __init__(self, sizes, has_bias=True):
        self.sizes = tuple(int(n) for n in sizes)
        self.has_bias = bool(has_bias)
        offset = param_offset.py_func if hasattr(param_offset, "py_func") else param_offset
        # on a list of Python ints: exact for any size (an int64 could wrap for absurd sizes)
        self.offsets = tuple(int(offset(list(self.sizes), self.has_bias, l)) for l in range(1, len(self.sizes) + 1))
        self.n_params = self.offsets[-1]

    def __repr__(self):
        return f"Layout({list(self.sizes)}, has_bias={self.has_bias})"

    @staticmethod
    def of(sizes, has_bias=True):
        """The Layout for ``sizes`` (any sequence of ints), made once per process (for per-batch callers)."""
        return _layout(tuple(int(n) for n in sizes), bool(has_bias))

    def weight_slice(self, l):
        """Where W^l (n_l × n_{l−1}, row by row) sits in θ, l = 1..L."""
        start = self.offsets[l - 1]
        return slice(start, start + self.sizes[l] * self.sizes[l - 1])

    def bias_slice(self, l):
        """Where b^l (n_l) sits in θ (an empty slice without biases)."""
        end = self.weight_slice(l).stop
        return slice(end, end + (self.sizes[l] if self.has_bias else 0))

    def weight_mask(self):
        """(P,) bool: True where θ holds a weight (L2 decays weights, not biases)."""
        mask = np.zeros(self.n_params, dtype=bool)
        for l in range(1, len(self.sizes)):
            mask[self.weight_slice(l)] = True
        return mask

    def layer(self, flat, l):
        """(W^l, b^l or None) as views into ``flat`` (…, P): W^l (…, n_l, n_{l−1}), b^l (…, n_l)."""
        lead = flat.shape[:-1]
        W = flat[..., self.weight_slice(l)].reshape(lead + (self.sizes[l], self.sizes[l - 1]))
        return W, (flat[..., self.bias_slice(l)] if self.has_bias else None)

    def split(self, flat):
        """(Ws, bs): the views of every layer of ``flat`` (…, P); bs is None without biases."""
        parts = [self.layer(flat, l) for l in range(1, len(self.sizes))]
        return [W for W, _ in parts], ([b for _, b in parts] if self.has_bias else None)

    def join(self, Ws, bs, dtype):
        """θ (P,) in ``dtype`` from per-layer arrays (bs None without biases)."""
        theta = np.empty(self.n_params, dtype=dtype)
        for l in range(1, len(self.sizes)):
            theta[self.weight_slice(l)] = np.asarray(Ws[l - 1], dtype=dtype).ravel()
            if self.has_bias:
                theta[self.bias_slice(l)] = np.asarray(bs[l - 1], dtype=dtype).ravel()
        return theta


@functools.lru_cache(maxsize=64)
def _layout(sizes, has_bias):
    return Layout(sizes, has_bias)


def split_params(flat, sizes, has_bias):
    """(Ws, bs): the per-layer views of a flat vector in θ's layout (see :class:`Layout`)."""
    return Layout(sizes, has_bias).split(flat)
