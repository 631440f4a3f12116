"""Backpropagation, Nielsen's four equations BP1–BP4, one kernel each, plus the pass over layers.

The loss scale (1/N, 1/(N n_L), ½ …) is folded into δ^L once (BP1), so BP3 and BP4 are plain
sums over the examples of the batch.
"""
import numpy as np

from numba import prange

from .._numba import PARALLEL_WORK, kernel, cast_like, parallel_kernel, zero_of
from ..activations import SIGMOID, SOFTMAX, derivative
from ..losses import CROSS_ENTROPY, loss_scale
from .forward import feedforward
from .layout import batch_buffers, batch_view, layer_params
from .loss import loss_terms


@kernel
def output_error(delta, a, z, y, act, loss, scale):
    """BP1: δ^L_nj = ∂L/∂a^L_nj · σ'(z^L_nj), with ∂L/∂a_nj = 2·scale·(a_nj − y_nj) (squared losses).

    Forward, this was: a^L = σ(z^L), L = scale · Σ_n Σ_j (a_nj − y_nj)², so the chain rule gives
    the line above. Softmax couples the outputs of one example, so for it BP1 is the
    Jacobian-vector product δ_nj = a_nj (g_nj − Σ_i g_ni a_ni), g = ∂L/∂a.
    Cross-entropy, differentiated through σ in one step (its σ' cancels):
    sigmoid δ_nj = scale·(a_nj − y_nj); softmax δ_nj = scale·(a_nj Σ_i y_ni − y_nj).
    delta, a, z, y: (nb, n_L).
    """
    if loss == CROSS_ENTROPY:
        for n in range(a.shape[0]):
            if act == SOFTMAX:
                ysum = zero_of(scale)
                for j in range(a.shape[1]):
                    ysum += y[n, j]
                for j in range(a.shape[1]):
                    delta[n, j] = scale * (a[n, j] * ysum - y[n, j])
            else:
                for j in range(a.shape[1]):
                    delta[n, j] = scale * (a[n, j] - y[n, j])
        return
    two_scale = scale + scale
    for n in range(a.shape[0]):
        if act == SOFTMAX:
            ga = zero_of(scale)            # Σ_i g_ni a_ni
            for i in range(a.shape[1]):
                ga += two_scale * (a[n, i] - y[n, i]) * a[n, i]
            for j in range(a.shape[1]):
                g = two_scale * (a[n, j] - y[n, j])
                delta[n, j] = a[n, j] * (g - ga)
        else:
            for j in range(a.shape[1]):
                g = two_scale * (a[n, j] - y[n, j])
                delta[n, j] = g * derivative(act, z[n, j], a[n, j])


@kernel
def hidden_error(delta, W_next, delta_next, z, a, act):
    """BP2: δ^l_nk = (Σ_j w^{l+1}_jk δ^{l+1}_nj) · σ'(z^l_nk).

    Forward, this was: z^{l+1}_nj = Σ_k w^{l+1}_jk a^l_nk + b_j, a^l_nk = σ(z^l_nk).
    delta, z, a (nb, n_l); W_next (n_{l+1}, n_l); delta_next (nb, n_{l+1}).
    Loop order: a tile of four examples n × four neurons j of layer l+1, then the contiguous k:
    each pass loads four rows of W and four rows of δ^l and does sixteen multiply-adds
    (register blocking: 8 loads per 16 FMAs; the sum over j is accumulated into delta[n, :]).
    The last n_{l+1} mod 4 neurons j go one at a time, and the last nb mod 4 examples one at a
    time (four rows j still share each δ_nk). Blocks of examples are independent, so
    :data:`hidden_error_parallel` spreads them over the cores.
    """
    nb = delta.shape[0]
    n_l = delta.shape[1]
    n_next = W_next.shape[0]
    j4 = n_next - n_next % 4
    for blk in prange((nb + 3) // 4):
        n = 4 * blk                        # examples n..n+3 of the batch
        for i in range(n, min(n + 4, nb)):
            for k in range(n_l):
                delta[i, k] = zero_of(delta[i, k])
        if n + 4 <= nb:
            for j in range(0, j4, 4):      # neurons j..j+3 of layer l+1
                d00 = delta_next[n, j]; d01 = delta_next[n, j + 1]; d02 = delta_next[n, j + 2]; d03 = delta_next[n, j + 3]
                d10 = delta_next[n + 1, j]; d11 = delta_next[n + 1, j + 1]; d12 = delta_next[n + 1, j + 2]; d13 = delta_next[n + 1, j + 3]
                d20 = delta_next[n + 2, j]; d21 = delta_next[n + 2, j + 1]; d22 = delta_next[n + 2, j + 2]; d23 = delta_next[n + 2, j + 3]
                d30 = delta_next[n + 3, j]; d31 = delta_next[n + 3, j + 1]; d32 = delta_next[n + 3, j + 2]; d33 = delta_next[n + 3, j + 3]
                for k in range(n_l):       # neuron k of layer l
                    w0 = W_next[j, k]; w1 = W_next[j + 1, k]; w2 = W_next[j + 2, k]; w3 = W_next[j + 3, k]
                    delta[n, k] += w0 * d00 + w1 * d01 + w2 * d02 + w3 * d03
                    delta[n + 1, k] += w0 * d10 + w1 * d11 + w2 * d12 + w3 * d13
                    delta[n + 2, k] += w0 * d20 + w1 * d21 + w2 * d22 + w3 * d23
                    delta[n + 3, k] += w0 * d30 + w1 * d31 + w2 * d32 + w3 * d33
            for j in range(j4, n_next):    # the last n_{l+1} mod 4 neurons, one at a time
                d0 = delta_next[n, j]; d1 = delta_next[n + 1, j]; d2 = delta_next[n + 2, j]; d3 = delta_next[n + 3, j]
                for k in range(n_l):
                    w = W_next[j, k]
                    delta[n, k] += w * d0
                    delta[n + 1, k] += w * d1
                    delta[n + 2, k] += w * d2
                    delta[n + 3, k] += w * d3
        else:                              # the last nb mod 4 examples, one at a time
            for i in range(n, nb):
                for j in range(0, j4, 4):
                    d0 = delta_next[i, j]; d1 = delta_next[i, j + 1]; d2 = delta_next[i, j + 2]; d3 = delta_next[i, j + 3]
                    for k in range(n_l):
                        delta[i, k] += W_next[j, k] * d0 + W_next[j + 1, k] * d1 + W_next[j + 2, k] * d2 + W_next[j + 3, k] * d3
                for j in range(j4, n_next):
                    d = delta_next[i, j]
                    for k in range(n_l):
                        delta[i, k] += W_next[j, k] * d
        for i in range(n, min(n + 4, nb)):
            for k in range(n_l):
                delta[i, k] = delta[i, k] * derivative(act, z[i, k], a[i, k])


hidden_error_parallel = parallel_kernel(hidden_error, "hidden_error_parallel")


@kernel
def bias_gradient(db, delta):
    """BP3: ∂L/∂b^l_j = Σ_n δ^l_nj.   db (n_l,); delta (nb, n_l)."""
    for j in range(db.shape[0]):
        db[j] = zero_of(db[j])
    for n in range(delta.shape[0]):
        for j in range(db.shape[0]):
            db[j] += delta[n, j]


@kernel
def weight_gradient(dW, delta, a_prev):
    """BP4: ∂L/∂w^l_jk = Σ_n δ^l_nj a^{l−1}_nk.   dW (n_l, n_{l−1}); delta (nb, n_l); a_prev (nb, n_{l−1}).

    Forward, this was: z^l_nj = Σ_k w^l_jk a^{l−1}_nk + b_j, so ∂z_nj/∂w_jk = a_nk.
    Loop order: a tile of four neurons j × four examples n, then the contiguous k: each pass
    loads four rows of a^{l−1} and four rows of dW and does sixteen multiply-adds (register
    blocking: 8 loads per 16 FMAs); the first tile of examples sets the rows, the others add to
    them. The last nb mod 4 examples go one at a time (four rows j still share each a_nk), and a
    last group of fewer than four neurons goes row by row.
    Groups of four rows j are independent, so :data:`weight_gradient_parallel` spreads them
    over the cores.
    """
    nb = delta.shape[0]
    n_l = dW.shape[0]
    n4 = nb - nb % 4
    for jt in prange((n_l + 3) // 4):
        j0 = 4 * jt                        # neurons j0..j0+3 of layer l
        if j0 + 4 > n_l or n4 == 0:        # rows not set by a first tile of four examples
            for j in range(j0, min(j0 + 4, n_l)):
                for k in range(dW.shape[1]):
                    dW[j, k] = zero_of(dW[j, k])
        if j0 + 4 <= n_l:
            for n in range(0, n4, 4):
                d00 = delta[n, j0]; d10 = delta[n + 1, j0]; d20 = delta[n + 2, j0]; d30 = delta[n + 3, j0]
                d01 = delta[n, j0 + 1]; d11 = delta[n + 1, j0 + 1]; d21 = delta[n + 2, j0 + 1]; d31 = delta[n + 3, j0 + 1]
                d02 = delta[n, j0 + 2]; d12 = delta[n + 1, j0 + 2]; d22 = delta[n + 2, j0 + 2]; d32 = delta[n + 3, j0 + 2]
                d03 = delta[n, j0 + 3]; d13 = delta[n + 1, j0 + 3]; d23 = delta[n + 2, j0 + 3]; d33 = delta[n + 3, j0 + 3]
                if n == 0:                 # the first four examples set the four rows (no zeroing pass)
                    for k in range(dW.shape[1]):    # neuron k of layer l−1
                        x0 = a_prev[n, k]; x1 = a_prev[n + 1, k]; x2 = a_prev[n + 2, k]; x3 = a_prev[n + 3, k]
                        dW[j0, k] = d00 * x0 + d10 * x1 + d20 * x2 + d30 * x3
                        dW[j0 + 1, k] = d01 * x0 + d11 * x1 + d21 * x2 + d31 * x3
                        dW[j0 + 2, k] = d02 * x0 + d12 * x1 + d22 * x2 + d32 * x3
                        dW[j0 + 3, k] = d03 * x0 + d13 * x1 + d23 * x2 + d33 * x3
                else:
                    for k in range(dW.shape[1]):
                        x0 = a_prev[n, k]; x1 = a_prev[n + 1, k]; x2 = a_prev[n + 2, k]; x3 = a_prev[n + 3, k]
                        dW[j0, k] += d00 * x0 + d10 * x1 + d20 * x2 + d30 * x3
                        dW[j0 + 1, k] += d01 * x0 + d11 * x1 + d21 * x2 + d31 * x3
                        dW[j0 + 2, k] += d02 * x0 + d12 * x1 + d22 * x2 + d32 * x3
                        dW[j0 + 3, k] += d03 * x0 + d13 * x1 + d23 * x2 + d33 * x3
            for n in range(n4, nb):        # the last nb mod 4 examples, one at a time
                d0 = delta[n, j0]; d1 = delta[n, j0 + 1]; d2 = delta[n, j0 + 2]; d3 = delta[n, j0 + 3]
                for k in range(dW.shape[1]):
                    x = a_prev[n, k]
                    dW[j0, k] += d0 * x
                    dW[j0 + 1, k] += d1 * x
                    dW[j0 + 2, k] += d2 * x
                    dW[j0 + 3, k] += d3 * x
        else:                              # the last n_l mod 4 neurons, row by row
            for j in range(j0, n_l):
                for n in range(0, n4, 4):
                    d0 = delta[n, j]; d1 = delta[n + 1, j]; d2 = delta[n + 2, j]; d3 = delta[n + 3, j]
                    for k in range(dW.shape[1]):
                        dW[j, k] += d0 * a_prev[n, k] + d1 * a_prev[n + 1, k] + d2 * a_prev[n + 2, k] + d3 * a_prev[n + 3, k]
                for n in range(n4, nb):
                    d = delta[n, j]
                    for k in range(dW.shape[1]):
                        dW[j, k] += d * a_prev[n, k]


weight_gradient_parallel = parallel_kernel(weight_gradient, "weight_gradient_parallel")


@kernel
def backpropagate(grad, theta, a0, y, sizes, acts, has_bias, loss, zeros, zbuf, abuf, dbuf, B, nb):
    """∂L/∂θ for the nb examples a^0 = a0 (nb, n_0) with targets y (nb, n_L).

    Runs the forward pass, then BP1 for layer L, and for l = L..1 BP4/BP3 (the gradient of
    layer l) and, below the top layer, BP2 (δ^{l−1}). A layer with at least PARALLEL_WORK
    multiply-adds per batch runs BP2/BP4 on all cores. Writes the gradient into ``grad`` (same
    layout as theta); returns L for the batch.
    """
    L = sizes.shape[0] - 1
    feedforward(theta, a0, sizes, acts, has_bias, zeros, zbuf, abuf, B, nb)
    a_L = batch_view(abuf, B, sizes, L, nb)
    z_L = batch_view(zbuf, B, sizes, L, nb)
    scale = loss_scale(loss, nb, sizes[L])
    value = scale * loss_terms(a_L, z_L, y, acts[L - 1], loss)
    delta = batch_view(dbuf, B, sizes, L, nb)
    output_error(delta, a_L, z_L, y, acts[L - 1], loss, cast_like(scale, theta[0]))
    # Layer by layer from L down to 1: as soon as δ^l is known, BP4/BP3 give layer l's gradient
    # and BP2 gives δ^{l−1}; the views of δ^l and a^{l−1} serve both (a view costs ~25 ns).
    for l in range(L, 0, -1):
        a_prev = batch_view(abuf, B, sizes, l - 1, nb) if l > 1 else a0
        dW, db = layer_params(grad, sizes, has_bias, zeros, l)
        if nb * dW.shape[0] * dW.shape[1] >= PARALLEL_WORK:
            weight_gradient_parallel(dW, delta, a_prev)
        else:
            weight_gradient(dW, delta, a_prev)
        if has_bias:
            bias_gradient(db, delta)
        if l > 1:
            W, _ = layer_params(theta, sizes, has_bias, zeros, l)
            delta_prev = batch_view(dbuf, B, sizes, l - 1, nb)
            z_prev = batch_view(zbuf, B, sizes, l - 1, nb)
            if nb * W.shape[0] * W.shape[1] >= PARALLEL_WORK:
                hidden_error_parallel(delta_prev, W, delta, z_prev, a_prev, acts[l - 2])
            else:
                hidden_error(delta_prev, W, delta, z_prev, a_prev, acts[l - 2])
            delta = delta_prev
    return value


@kernel
def gradients(grad, theta, X, Y, sizes, acts, has_bias, loss):
    """∂L/∂θ over the whole batch X (N, n_0), Y (N, n_L) into ``grad``; returns L."""
    N = X.shape[0]
    zeros, zbuf, abuf = batch_buffers(theta, sizes, N)
    dbuf = np.empty_like(abuf)
    return backpropagate(grad, theta, X, Y, sizes, acts, has_bias, loss, zeros, zbuf, abuf, dbuf, N, N)
