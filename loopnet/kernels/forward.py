"""The forward pass: z^l = W^l a^{l−1} + b^l, then a^l = σ(z^l), layer after layer."""
import numpy as np

from numba import prange

from .._numba import PARALLEL_WORK, kernel, parallel_kernel, zero_of
from ..activations import SOFTMAX, activate
from .layout import batch_view, layer_params


@kernel
def weighted_input(z, W, b, a_prev):
    """z^l_nj = Σ_k w^l_jk a^{l−1}_nk + b^l_j.

    z (nb, n_l) output; W (n_l, n_{l−1}); b (n_l,); a_prev (nb, n_{l−1}).
    Loop order: examples four at a time, then j, then k: the four rows a^{l−1}_n stay in the
    fastest cache while every row j of W streams past once, and each w_jk loaded serves four
    examples (register blocking; the contiguous k innermost). Blocks of examples are
    independent, so :data:`weighted_input_parallel` spreads them over the cores.
    """
    nb = z.shape[0]
    n4 = nb - nb % 4
    for blk in prange(n4 // 4):
        n = 4 * blk                        # examples n, n+1, n+2, n+3 of the batch
        for j in range(z.shape[1]):        # neuron j of layer l
            acc0 = b[j]
            acc1 = b[j]
            acc2 = b[j]
            acc3 = b[j]
            for k in range(W.shape[1]):    # neuron k of layer l−1
                w = W[j, k]
                acc0 += w * a_prev[n, k]
                acc1 += w * a_prev[n + 1, k]
                acc2 += w * a_prev[n + 2, k]
                acc3 += w * a_prev[n + 3, k]
            z[n, j] = acc0
            z[n + 1, j] = acc1
            z[n + 2, j] = acc2
            z[n + 3, j] = acc3
    for n in range(n4, nb):                # the last nb mod 4 examples, one at a time
        for j in range(z.shape[1]):
            acc = b[j]
            for k in range(W.shape[1]):
                acc += W[j, k] * a_prev[n, k]
            z[n, j] = acc


weighted_input_parallel = parallel_kernel(weighted_input, "weighted_input_parallel")


@kernel
def activate_layer(a, z, act):
    """a^l_nj = σ(z^l_nj); for softmax a_nj = e^{z_nj − m_n} / Σ_i e^{z_ni − m_n}, m_n = max_i z_ni.

    a, z (nb, n_l). Subtracting the row maximum m_n keeps every exponent ≤ 0 (no overflow).
    """
    if act == SOFTMAX:
        for n in range(z.shape[0]):
            m = z[n, 0]
            for j in range(1, z.shape[1]):
                if z[n, j] > m:
                    m = z[n, j]
            total = zero_of(m)
            for j in range(z.shape[1]):
                e = np.exp(z[n, j] - m)
                a[n, j] = e
                total += e
            for j in range(z.shape[1]):
                a[n, j] = a[n, j] / total
    else:
        for n in range(z.shape[0]):
            for j in range(z.shape[1]):
                a[n, j] = activate(act, z[n, j])


@kernel
def feedforward(theta, sizes, acts, has_bias, zeros, zbuf, abuf, B, nb):
    """a^l = σ(z^l), z^l = W^l a^{l−1} + b^l for l = 1..L, for the nb examples already in a^0.

    ``abuf``/``zbuf``: layer-major batch buffers of capacity B (see layout.py). A layer with at
    least PARALLEL_WORK multiply-adds per batch computes its neurons on all cores.
    """
    for l in range(1, sizes.shape[0]):
        W, b = layer_params(theta, sizes, has_bias, zeros, l)
        a_prev = batch_view(abuf, B, sizes, l - 1, nb)
        z = batch_view(zbuf, B, sizes, l, nb)
        a = batch_view(abuf, B, sizes, l, nb)
        if nb * W.shape[0] * W.shape[1] >= PARALLEL_WORK:
            weighted_input_parallel(z, W, b, a_prev)
        else:
            weighted_input(z, W, b, a_prev)
        activate_layer(a, z, acts[l - 1])


@kernel
def predict(out, theta, X, sizes, acts, has_bias, chunk):
    """out_n = a^L(x_n) for every row of X (N, n_0), ``chunk`` rows at a time. out (N, n_L)."""
    N = X.shape[0]
    L = sizes.shape[0] - 1
    total = 0
    for i in range(sizes.shape[0]):
        total += sizes[i]
    zeros = np.zeros(np.max(sizes), dtype=theta.dtype)
    zbuf = np.empty(chunk * total, dtype=theta.dtype)
    abuf = np.empty(chunk * total, dtype=theta.dtype)
    for start in range(0, N, chunk):
        nb = min(chunk, N - start)
        a0 = batch_view(abuf, chunk, sizes, 0, nb)
        for n in range(nb):
            for k in range(X.shape[1]):
                a0[n, k] = X[start + n, k]
        feedforward(theta, sizes, acts, has_bias, zeros, zbuf, abuf, chunk, nb)
        aL = batch_view(abuf, chunk, sizes, L, nb)
        for n in range(nb):
            for j in range(aL.shape[1]):
                out[start + n, j] = aL[n, j]
