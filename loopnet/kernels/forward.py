"""The forward pass: z^l = W^l a^{l−1} + b^l, then a^l = σ(z^l), layer after layer."""
import numpy as np

from numba import prange

from .._numba import PARALLEL_WORK, kernel, parallel_kernel, zero_of
from ..activations import SOFTMAX, activate
from .layout import batch_buffers, batch_view, layer_params


@kernel
def weighted_input(z, W, b, a_prev):
    """z^l_nj = Σ_k w^l_jk a^{l−1}_nk + b^l_j.

    z (nb, n_l) output; W (n_l, n_{l−1}); b (n_l,); a_prev (nb, n_{l−1}).
    Loop order: a tile of four examples × four neurons, then k: each pass over the contiguous k
    loads four rows of a^{l−1} and four rows of W and does sixteen multiply-adds with them
    (register blocking: 8 loads per 16 FMAs instead of 5 per 4). The last tile of a batch (or of
    a layer) whose size is not a multiple of four repeats its last example (neuron): the repeat
    is computed and written again with the same value. Blocks of examples are independent, so
    :data:`weighted_input_parallel` spreads them over the cores.
    """
    nb = z.shape[0]
    n_l = z.shape[1]
    last_n = nb - 1
    last_j = n_l - 1
    for blk in prange((nb + 3) // 4):
        n0 = 4 * blk                       # examples n0..n3 of the batch
        n1 = min(n0 + 1, last_n)
        n2 = min(n0 + 2, last_n)
        n3 = min(n0 + 3, last_n)
        for j0 in range(0, n_l, 4):        # neurons j0..j3 of layer l
            j1 = min(j0 + 1, last_j)
            j2 = min(j0 + 2, last_j)
            j3 = min(j0 + 3, last_j)
            z00 = b[j0]; z10 = b[j0]; z20 = b[j0]; z30 = b[j0]    # z_{n_i j_m} is z<i><m>
            z01 = b[j1]; z11 = b[j1]; z21 = b[j1]; z31 = b[j1]
            z02 = b[j2]; z12 = b[j2]; z22 = b[j2]; z32 = b[j2]
            z03 = b[j3]; z13 = b[j3]; z23 = b[j3]; z33 = b[j3]
            for k in range(W.shape[1]):    # neuron k of layer l−1
                w0 = W[j0, k]; w1 = W[j1, k]; w2 = W[j2, k]; w3 = W[j3, k]
                x0 = a_prev[n0, k]; x1 = a_prev[n1, k]; x2 = a_prev[n2, k]; x3 = a_prev[n3, k]
                z00 += w0 * x0; z10 += w0 * x1; z20 += w0 * x2; z30 += w0 * x3
                z01 += w1 * x0; z11 += w1 * x1; z21 += w1 * x2; z31 += w1 * x3
                z02 += w2 * x0; z12 += w2 * x1; z22 += w2 * x2; z32 += w2 * x3
                z03 += w3 * x0; z13 += w3 * x1; z23 += w3 * x2; z33 += w3 * x3
            z[n0, j0] = z00; z[n1, j0] = z10; z[n2, j0] = z20; z[n3, j0] = z30
            z[n0, j1] = z01; z[n1, j1] = z11; z[n2, j1] = z21; z[n3, j1] = z31
            z[n0, j2] = z02; z[n1, j2] = z12; z[n2, j2] = z22; z[n3, j2] = z32
            z[n0, j3] = z03; z[n1, j3] = z13; z[n2, j3] = z23; z[n3, j3] = z33


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
def feedforward(theta, a0, sizes, acts, has_bias, zeros, zbuf, abuf, B, nb):
    """a^l = σ(z^l), z^l = W^l a^{l−1} + b^l for l = 1..L, for the nb examples a^0 = a0 (nb, n_0).

    ``abuf``/``zbuf``: layer-major batch buffers of capacity B (see layout.py) for layers 1..L;
    a0 is read where it is (rows of X, or the gathered mini-batch), never copied. A layer with at
    least PARALLEL_WORK multiply-adds per batch computes its neurons on all cores.
    """
    a_prev = a0
    for l in range(1, sizes.shape[0]):
        W, b = layer_params(theta, sizes, has_bias, zeros, l)
        z = batch_view(zbuf, B, sizes, l, nb)
        a = batch_view(abuf, B, sizes, l, nb)
        if nb * W.shape[0] * W.shape[1] >= PARALLEL_WORK:
            weighted_input_parallel(z, W, b, a_prev)
        else:
            weighted_input(z, W, b, a_prev)
        activate_layer(a, z, acts[l - 1])
        a_prev = a                         # a^l feeds layer l+1 (one view per layer: each costs ~25 ns)


@kernel
def predict(out, theta, X, sizes, acts, has_bias, chunk):
    """out_n = a^L(x_n) for every row of X (N, n_0), ``chunk`` rows at a time. out (N, n_L)."""
    N = X.shape[0]
    L = sizes.shape[0] - 1
    zeros, zbuf, abuf = batch_buffers(theta, sizes, chunk)
    for start in range(0, N, chunk):
        nb = min(chunk, N - start)
        feedforward(theta, X[start:start + nb], sizes, acts, has_bias, zeros, zbuf, abuf, chunk, nb)
        aL = batch_view(abuf, chunk, sizes, L, nb)
        for n in range(nb):
            for j in range(aL.shape[1]):
                out[start + n, j] = aL[n, j]
