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


def split_params(flat, sizes, has_bias):
    """(Ws, bs): the per-layer views of a flat vector in θ's layout — Ws[l-1] (n_l, n_{l−1}), bs[l-1] (n_l,),
    bs None without biases. Plain Python, for the Python layer (network, io)."""
    Ws, bs, off = [], [] if has_bias else None, 0
    for l in range(1, len(sizes)):
        n_out, n_in = sizes[l], sizes[l - 1]
        Ws.append(flat[off:off + n_out * n_in].reshape(n_out, n_in))
        off += n_out * n_in
        if has_bias:
            bs.append(flat[off:off + n_out])
            off += n_out
    return Ws, bs
