"""Backpropagation, Nielsen's four equations BP1–BP4, one kernel each, plus the pass over layers.

The loss scale (1/N, 1/(N n_L), ½ …) is folded into δ^L once (BP1), so BP3 and BP4 are plain
sums over the examples of the batch.
"""
import numpy as np

from ..jit import kernel, cast_like, zero_of
from ..activations import SOFTMAX, derivative
from ..losses import CROSS_ENTROPY, loss_scale
from .forward import feedforward
from .layout import batch_buffers, batch_view, layer_params
from .loss import loss_terms


@kernel
def output_error(delta, a, z, y, sw, act, loss, scale):
    """BP1: δ^L_nj = ∂L/∂a^L_nj · σ'(z^L_nj), with ∂L/∂a_nj = 2·scale·s_n·(a_nj − y_nj) (squared losses).

    Forward, this was: a^L = σ(z^L), L = scale · Σ_n s_n Σ_j (a_nj − y_nj)² (s_n = sw[n], the
    sample weight of example n), so the chain rule gives the line above; every δ^L_n carries s_n,
    and BP2–BP4 (component and blocked) pass it on unchanged. Softmax couples the outputs of one example, so for it BP1 is the
    Jacobian-vector product δ_nj = a_nj (g_nj − Σ_i g_ni a_ni), g = ∂L/∂a.
    Cross-entropy, differentiated through σ in one step (its σ' cancels):
    sigmoid δ_nj = scale·s_n·(a_nj − y_nj); softmax δ_nj = scale·s_n·(a_nj Σ_i y_ni − y_nj).
    delta, a, z, y: (nb, n_L); sw: (nb,).
    """
    if loss == CROSS_ENTROPY:
        for n in range(a.shape[0]):
            scale_n = scale * sw[n]
            if act == SOFTMAX:
                ysum = zero_of(scale)
                for j in range(a.shape[1]):
                    ysum += y[n, j]
                for j in range(a.shape[1]):
                    delta[n, j] = scale_n * (a[n, j] * ysum - y[n, j])
            else:
                for j in range(a.shape[1]):
                    delta[n, j] = scale_n * (a[n, j] - y[n, j])
        return
    for n in range(a.shape[0]):
        two_scale = (scale + scale) * sw[n]
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
    """BP2: δ^l_nj = (Σ_k w^{l+1}_kj δ^{l+1}_nk) · σ'(z^l_nj).

    Forward, this was: z^{l+1}_nk = Σ_j w^{l+1}_kj a^l_nj + b^{l+1}_k and a^l_nj = σ(z^l_nj), so
    ∂L/∂a^l_nj = Σ_k ∂L/∂z^{l+1}_nk · w^{l+1}_kj, and the chain rule through σ gives the line above.
    As in Nielsen's BP2, j is a neuron of layer l and k a neuron of layer l+1 (the layer the error
    comes back from); n is an example of the batch.
    delta, z, a (N, n_l); W_next (n_{l+1}, n_l); delta_next (N, n_{l+1}).
    The speed layer's version of this sum is :func:`loopnet.kernels.blocked.hidden_error_blocked`.
    """
    for n in range(delta.shape[0]):                  # example n of the batch
        for j in range(delta.shape[1]):              # neuron j of layer l
            acc = zero_of(delta[n, j])
            for k in range(W_next.shape[0]):         # neuron k of layer l+1
                acc += W_next[k, j] * delta_next[n, k]           # Σ_k w_kj δ_nk
            delta[n, j] = acc * derivative(act, z[n, j], a[n, j])


@kernel
def bias_gradient(db, delta):
    """BP3: ∂L/∂b^l_j = Σ_n δ^l_nj.   db (n_l,); delta (N, n_l).

    Forward, this was: z^l_nj = Σ_k w^l_jk a^{l−1}_nk + b^l_j, so ∂z_nj/∂b_j = 1.
    """
    for j in range(db.shape[0]):                     # neuron j of layer l
        acc = zero_of(db[j])
        for n in range(delta.shape[0]):              # example n of the batch
            acc += delta[n, j]                                   # Σ_n δ_nj
        db[j] = acc


@kernel
def weight_gradient(dW, delta, a_prev):
    """BP4: ∂L/∂w^l_jk = Σ_n δ^l_nj a^{l−1}_nk.   dW (n_l, n_{l−1}); delta (N, n_l); a_prev (N, n_{l−1}).

    Forward, this was: z^l_nj = Σ_k w^l_jk a^{l−1}_nk + b^l_j, so ∂z_nj/∂w_jk = a_nk, and the loss
    adds up over the examples n of the batch (its scale is already in δ, see BP1).
    The speed layer's version of this sum is :func:`loopnet.kernels.blocked.weight_gradient_blocked`.
    """
    for j in range(dW.shape[0]):                     # neuron j of layer l
        for k in range(dW.shape[1]):                 # neuron k of layer l−1
            acc = zero_of(dW[j, k])
            for n in range(delta.shape[0]):          # example n of the batch
                acc += delta[n, j] * a_prev[n, k]                # Σ_n δ_nj a_nk
            dW[j, k] = acc


@kernel
def backpropagate(grad, theta, a0, y, sw, sizes, acts, has_bias, loss, zeros, zbuf, abuf, dbuf, B, nb):
    """∂L/∂θ for the nb examples a^0 = a0 (nb, n_0) with targets y (nb, n_L) and sample weights sw (nb,).

    Runs the forward pass, then BP1 for layer L, and for l = L..1 BP4/BP3 (the gradient of
    layer l) and, below the top layer, BP2 (δ^{l−1}). Writes the gradient into ``grad`` (same
    layout as theta); returns L for the batch.
    """
    L = sizes.shape[0] - 1
    feedforward(theta, a0, sizes, acts, has_bias, zeros, zbuf, abuf, B, nb)
    a_L = batch_view(abuf, B, sizes, L, nb)
    z_L = batch_view(zbuf, B, sizes, L, nb)
    total_weight = 0.0                                           # the N of the scale: Σ_n s_n
    for n in range(nb):
        total_weight += sw[n]
    scale = loss_scale(loss, total_weight, sizes[L])
    value = scale * loss_terms(a_L, z_L, y, sw, acts[L - 1], loss)
    delta = batch_view(dbuf, B, sizes, L, nb)
    output_error(delta, a_L, z_L, y, sw, acts[L - 1], loss, cast_like(scale, theta[0]))   # BP1
    # Layer by layer from L down to 1: as soon as δ^l is known, BP4/BP3 give layer l's gradient
    # and BP2 gives δ^{l−1}; the views of δ^l and a^{l−1} serve both (a view costs ~25 ns).
    for l in range(L, 0, -1):
        a_prev = batch_view(abuf, B, sizes, l - 1, nb) if l > 1 else a0
        dW, db = layer_params(grad, sizes, has_bias, zeros, l)
        weight_gradient(dW, delta, a_prev)                       # BP4
        if has_bias:
            bias_gradient(db, delta)                             # BP3
        if l > 1:
            W, _ = layer_params(theta, sizes, has_bias, zeros, l)
            delta_prev = batch_view(dbuf, B, sizes, l - 1, nb)
            z_prev = batch_view(zbuf, B, sizes, l - 1, nb)
            hidden_error(delta_prev, W, delta, z_prev, a_prev, acts[l - 2])   # BP2
            delta = delta_prev
    return value


@kernel
def gradients(grad, theta, X, Y, sw, sizes, acts, has_bias, loss):
    """∂L/∂θ over the whole batch X (N, n_0), Y (N, n_L), sample weights sw (N,) into ``grad``; returns L."""
    N = X.shape[0]
    zeros, zbuf, abuf = batch_buffers(theta, sizes, N)
    dbuf = np.empty_like(abuf)
    return backpropagate(grad, theta, X, Y, sw, sizes, acts, has_bias, loss, zeros, zbuf, abuf, dbuf, N, N)
