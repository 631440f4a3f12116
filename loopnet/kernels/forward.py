"""The forward pass: z^l = W^l a^{l−1} + b^l, then a^l = σ(z^l), layer after layer."""
import numpy as np

from ..jit import kernel, zero_of
from ..activations import SOFTMAX, activate
from .layout import batch_buffers, batch_view, layer_params


@kernel
def weighted_input(z, W, b, a_prev):
    """z^l_nj = Σ_k w^l_jk a^{l−1}_nk + b^l_j.

    z (N, n_l) output; W (n_l, n_{l−1}); b (n_l,); a_prev (N, n_{l−1}).
    n is an example of the batch, j a neuron of layer l, k a neuron of layer l−1.
    The speed layer's version of this sum is :func:`loopnet.kernels.blocked.weighted_input_blocked`.
    """
    for n in range(z.shape[0]):              # example n of the batch
        for j in range(W.shape[0]):          # neuron j of layer l
            acc = b[j]
            for k in range(W.shape[1]):      # neuron k of layer l−1
                acc += W[j, k] * a_prev[n, k]            # Σ_k w_jk a_nk
            z[n, j] = acc


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
    a0 is read where it is (rows of X, or the gathered mini-batch), never copied.
    """
    a_prev = a0
    for l in range(1, sizes.shape[0]):
        W, b = layer_params(theta, sizes, has_bias, zeros, l)
        z = batch_view(zbuf, B, sizes, l, nb)
        a = batch_view(abuf, B, sizes, l, nb)
        weighted_input(z, W, b, a_prev)
        activate_layer(a, z, acts[l - 1])
        a_prev = a                         # a^l feeds layer l+1 (one view per layer: each costs ~25 ns)


@kernel
def predict(out, theta, X, sizes, acts, has_bias, chunk):
    """out_n = a^L(x_n) for every row of X (N, n_0), ``chunk`` rows at a time. out (N, n_L).
    The speed layer's version over a whole data set is :func:`loopnet.kernels.blocked.predict_rows`."""
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
