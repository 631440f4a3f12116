"""The NumPy twin of :mod:`loopnet.kernels.ensemble`: every member at once, with batched matrix products.

Arrays carry the member index first: W^l (M, n_l, n_{l−1}), b^l (M, n_l), z^l and a^l (M, nb, n_l),
and ``@`` multiplies member by member (NumPy's batched matmul). Same arguments and same meaning
as the kernels; the tests assert they agree to ~1e-12 in float64.

| kernel (member m innermost) | twin (member first) |
|---|---|
| ``weighted_input`` z_njm = Σ_k w_jkm a_nkm + b_jm | ``a_prev @ W.transpose(0, 2, 1) + b[:, None, :]`` |
| ``output_error`` (BP1) | ``2·scale·(a − y) * σ'(z)`` … per member |
| ``hidden_error`` (BP2) | ``(delta @ W) * σ'(z)`` |
| ``bias_gradient`` (BP3) | ``delta.sum(axis=1)`` |
| ``weight_gradient`` (BP4) | ``delta.transpose(0, 2, 1) @ a_prev`` |
| ``sgd_update`` / ``adam_update`` / ``add_weight_decay`` | the same update on (M, P) with η, μ, λ/n as columns |
| ``train_members`` | the same epoch loop, batch by batch, all members in each step |
"""
from __future__ import annotations

import numpy as np

from .activations import BY_CODE, SIGMOID, SOFTMAX
from .jit import python_version
from .kernels.layout import Layout
from .kernels.training import SGD
from .losses import CROSS_ENTROPY, SSE, loss_scale

_loss_scale = python_version(loss_scale)


def layer_params(theta, sizes, has_bias, l):
    """(W^l (M, n_l, n_{l−1}), b^l (M, n_l) or None) as views into θ (M, P) (:class:`loopnet.kernels.layout.Layout`)."""
    return Layout(sizes, has_bias).layer(theta, l)


def feedforward(theta, X, sizes, acts, has_bias):
    """zs[l], activations[l] (M, nb, n_l) for l = 0..L; X (M, nb, n_0)."""
    zs, activations = [None], [X]
    for l in range(1, len(sizes)):
        W, b = layer_params(theta, sizes, has_bias, l)
        z = activations[-1] @ W.transpose(0, 2, 1)
        if b is not None:
            z = z + b[:, None, :]
        zs.append(z)
        activations.append(BY_CODE[int(acts[l - 1])].numpy_forward(z))
    return zs, activations


def softplus(z):
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


def loss_terms(a, z, y, act, loss):
    """Σ_n Σ_j e(a_njm, z_njm, y_njm) per member (M,), in float64."""
    a, z, y = (np.asarray(v, dtype=np.float64) for v in (a, z, y))
    if loss == CROSS_ENTROPY and act == SOFTMAX:
        c = z.max(axis=2, keepdims=True)
        lse = c + np.log(np.exp(z - c).sum(axis=2, keepdims=True))
        return np.sum(y * (lse - z), axis=(1, 2))
    if loss == CROSS_ENTROPY:
        return np.sum(softplus(z) - y * z, axis=(1, 2))
    return np.sum((a - y) ** 2, axis=(1, 2))


def output_error(a, z, y, act, loss, scale):
    """BP1 for every member (the outputs of an example are the last axis)."""
    scale = a.dtype.type(scale)
    if loss == CROSS_ENTROPY:
        if act == SOFTMAX:
            return scale * (a * y.sum(axis=2, keepdims=True) - y)
        return scale * (a - y)
    g = (scale + scale) * (a - y)
    if act == SOFTMAX:
        return a * (g - (g * a).sum(axis=2, keepdims=True))
    return g * BY_CODE[int(act)].numpy_derivative(z, a)


def backpropagate(grad, theta, X, Y, sizes, acts, has_bias, loss):
    """Fills grad (M, P) with ∂L/∂θ of every member for its batch X (M, nb, n_0), Y (M, nb, n_L); returns L (M,)."""
    L = len(sizes) - 1
    zs, activations = feedforward(theta, X, sizes, acts, has_bias)
    scale = _loss_scale(loss, X.shape[1], sizes[L])
    value = scale * loss_terms(activations[L], zs[L], Y, acts[L - 1], loss)
    delta = output_error(activations[L], zs[L], Y, acts[L - 1], loss, scale)
    for l in range(L, 0, -1):
        dW, db = layer_params(grad, sizes, has_bias, l)
        dW[...] = delta.transpose(0, 2, 1) @ activations[l - 1]          # BP4
        if has_bias:
            db[...] = delta.sum(axis=1)                                  # BP3
        if l > 1:
            W, _ = layer_params(theta, sizes, has_bias, l)
            delta = (delta @ W) * BY_CODE[int(acts[l - 2])].numpy_derivative(zs[l - 1], activations[l - 1])  # BP2
    return value


def gather(src, orders, e, rows, M):
    """src[s_m, orders[o_m, e, rows]] for every member m: (M, len(rows), d)."""
    idx = orders[:, e, rows]                             # (1 or M, nb)
    if src.shape[0] == 1 and orders.shape[0] == 1:
        return np.broadcast_to(src[0, idx[0]], (M, idx.shape[1], src.shape[2]))
    s = np.arange(M)[:, None] if src.shape[0] > 1 else np.zeros((M, 1), dtype=np.int64)
    return src[s, np.broadcast_to(idx, (M, idx.shape[1]))]


def train_members(theta, X, Y, orders, sizes, acts, has_bias, loss, batch_size, optimizer,
                  lr, momentum, decay, betas, state, step, epoch_loss, stopped, first_epoch):
    """The same epochs as :func:`loopnet.kernels.ensemble.train_members`, all members in each matrix product."""
    M, P = theta.shape
    N = X.shape[1]
    lr_c, mom_c, dec_c = lr[:, None], momentum[:, None], decay[:, None]
    beta1, beta2, eps = betas[0], betas[1], betas[2]
    one = theta.dtype.type(1)
    wmask = Layout(sizes, has_bias).weight_mask()
    grad = np.empty_like(theta)
    for e in range(orders.shape[1]):
        backup, state_backup, step_backup = theta.copy(), state.copy(), step.copy()
        ok = np.ones(M, dtype=bool)
        running = np.zeros(M)
        for start in range(0, N, batch_size):
            rows = np.arange(start, min(start + batch_size, N))
            nb = rows.shape[0]
            value = backpropagate(grad, theta, gather(X, orders, e, rows, M), gather(Y, orders, e, rows, M),
                                  sizes, acts, has_bias, loss)
            ok &= np.isfinite(value)
            running += value if loss == SSE else value * nb / N
            grad[:, wmask] += dec_c * theta[:, wmask]
            if optimizer == SGD:
                velocity = state[:, :P]
                velocity[...] = mom_c * velocity - lr_c * grad
                theta += velocity
            else:
                step += 1
                m1, m2 = state[:, :P], state[:, P:2 * P]
                m1[...] = beta1 * m1 + (one - beta1) * grad
                m2[...] = beta2 * m2 + (one - beta2) * grad * grad
                c1 = (1.0 - float(beta1) ** step.astype(np.float64)).astype(theta.dtype)[:, None]
                c2 = (1.0 - float(beta2) ** step.astype(np.float64)).astype(theta.dtype)[:, None]
                theta -= lr_c * (m1 / c1) / (np.sqrt(m2 / c2) + eps)
        ok &= np.all(np.isfinite(theta), axis=1)
        newly = (stopped < 0) & ~ok
        stopped[newly] = first_epoch + e
        back = stopped >= 0
        theta[back], state[back], step[back] = backup[back], state_backup[back], step_backup[back]
        epoch_loss[e] = np.where(back, np.nan, running)


def forward_members(out, value, theta, X, Y, sizes, acts, has_bias, loss):
    """out (M, N, n_L) = a^L of every member for X (1 or M, N, n_0); with Y (N > 0) each member's L into value."""
    M = theta.shape[0]
    Xm = np.broadcast_to(X, (M,) + X.shape[1:])
    zs, activations = feedforward(theta, Xm, sizes, acts, has_bias)
    L = len(sizes) - 1
    out[...] = activations[L]
    if Y.shape[1] > 0:
        Ym = np.broadcast_to(Y, (M,) + Y.shape[1:])
        value[...] = _loss_scale(loss, X.shape[1], sizes[L]) * loss_terms(activations[L], zs[L], Ym, acts[L - 1], loss)
