"""The NumPy twin: the same equations as the kernels, vectorised over the batch with matrix products.

Every kernel in :mod:`loopnet.kernels` has its twin here, with the same name and the same
meaning; the tests assert that they agree to ~1e-12 in float64, and the benchmarks use this
module as the baseline the loops must beat. Arrays are returned rather than written in place.

| kernel | twin |
|---|---|
| ``forward.weighted_input`` | ``z = a_prev @ W.T + b`` |
| ``forward.activate_layer`` | ``ACTIVATIONS[...].numpy_forward(z)`` |
| ``loss.loss_terms`` | vectorised e(a, z, y) summed |
| ``backward.output_error`` (BP1) | ``2·scale·(a − y) * σ'(z)`` … |
| ``backward.hidden_error`` (BP2) | ``(delta_next @ W_next) * σ'(z)`` |
| ``backward.bias_gradient`` (BP3) | ``delta.sum(axis=0)`` |
| ``backward.weight_gradient`` (BP4) | ``delta.T @ a_prev`` |
| ``optimizers.*`` | the same update on whole vectors |
| ``training.train_epochs`` | the same epoch loop, batch by batch |
| ``ensemble.train_members``, ``ensemble.forward_members`` | :func:`train_members`, :func:`forward_members`: every member in each matrix product |

A leading member axis is handled by the same functions: the equations index examples and neurons
from the end (``axis=-2`` is n, ``axis=-1`` is j), so θ (M, P), a batch (M, nb, n_l) and sample
weights (M, nb) give every member of an :class:`loopnet.Ensemble` at once (``@`` multiplies member
by member, NumPy's batched matmul), and θ (P,), (nb, n_l), (nb,) one network.
"""
from __future__ import annotations

import numpy as np

from .activations import BY_CODE, SIGMOID, SOFTMAX
from .jit import python_version
from .losses import CROSS_ENTROPY, SSE, loss_scale
from .kernels.layout import Layout
from .kernels.loss import ARGMAX, THRESHOLD
from .kernels.training import SGD


_loss_scale = python_version(loss_scale)


def layer_params(theta, sizes, has_bias, l):
    """(W^l, b^l or None) as views into theta (:class:`loopnet.kernels.layout.Layout`)."""
    return Layout.of(sizes, has_bias).layer(theta, l)


def weighted_input(W, b, a_prev):
    """z^l = a^{l−1} W^T + b  (rows are examples; W (…, n_l, n_{l−1}), b (…, n_l))."""
    z = a_prev @ W.swapaxes(-1, -2)
    if b is not None:
        z += b[..., None, :]
    return z


def activate_layer(z, act):
    return BY_CODE[int(act)].numpy_forward(z)


def feedforward(theta, X, sizes, acts, has_bias):
    """Lists zs[l], activations[l] for l = 0..L (zs[0] is None, activations[0] is X)."""
    zs, activations = [None], [X]
    for l in range(1, len(sizes)):
        W, b = layer_params(theta, sizes, has_bias, l)
        z = weighted_input(W, b, activations[-1])
        zs.append(z)
        activations.append(activate_layer(z, acts[l - 1]))
    return zs, activations


def predict(theta, X, sizes, acts, has_bias):
    return feedforward(theta, X, sizes, acts, has_bias)[1][-1]


def softplus(z):
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


def loss_terms(a, z, y, sw, act, loss):
    """Σ_n s_n Σ_j e(a_nj, z_nj, y_nj) (see kernels/loss.py), in float64; sw (N,) the sample weights.
    With a member axis (a (M, N, n_L), sw (M, N)): one sum per member, (M,)."""
    a, z, y = (np.asarray(v, dtype=np.float64) for v in (a, z, y))
    s = np.asarray(sw, dtype=np.float64)[..., None]
    if loss == CROSS_ENTROPY and act == SOFTMAX:
        m = z.max(axis=-1, keepdims=True)
        lse = m + np.log(np.exp(z - m).sum(axis=-1, keepdims=True))
        terms = s * (y * (lse - z))
    elif loss == CROSS_ENTROPY and act == SIGMOID:
        terms = s * (softplus(z) - y * z)
    else:
        terms = s * (a - y) ** 2
    return float(np.sum(terms)) if terms.ndim == 2 else np.sum(terms, axis=(-2, -1))


def count_correct(a, y, task):
    if task == ARGMAX:
        return int(np.sum(a.argmax(axis=1) == y.argmax(axis=1)))
    if task == THRESHOLD:
        return int(np.sum(np.all((a >= 0.5) == (y >= 0.5), axis=1)))
    return 0


def evaluate(theta, X, Y, sw, sizes, acts, has_bias, loss, task):
    """(L, number correct) over all of X, Y with sample weights sw (N,)."""
    zs, activations = feedforward(theta, X, sizes, acts, has_bias)
    L = len(sizes) - 1
    value = _loss_scale(loss, float(np.sum(sw, dtype=np.float64)), sizes[L]) * \
        loss_terms(activations[L], zs[L], Y, sw, acts[L - 1], loss)
    return value, count_correct(activations[L], Y, task)


def output_error(a, z, y, sw, act, loss, scale):
    """BP1, vectorised (see kernels/backward.py): every row n carries its sample weight s_n.
    With a member axis, ``scale`` is one number per member (M,)."""
    scale = np.asarray(scale, dtype=a.dtype)[..., None, None] if np.ndim(scale) else a.dtype.type(scale)
    s = np.asarray(sw, dtype=a.dtype)[..., None]
    if loss == CROSS_ENTROPY:
        if act == SOFTMAX:
            return (scale * s) * (a * y.sum(axis=-1, keepdims=True) - y)
        return (scale * s) * (a - y)
    g = ((scale + scale) * s) * (a - y)
    if act == SOFTMAX:
        return a * (g - (g * a).sum(axis=-1, keepdims=True))
    return g * BY_CODE[int(act)].numpy_derivative(z, a)


def hidden_error(W_next, delta_next, z, a, act):
    """BP2: δ^l = (δ^{l+1} W^{l+1}) ⊙ σ'(z^l)  (rows are examples)."""
    return (delta_next @ W_next) * BY_CODE[int(act)].numpy_derivative(z, a)


def bias_gradient(delta):
    """BP3: ∂L/∂b^l = Σ_n δ^l_n."""
    return delta.sum(axis=-2)


def weight_gradient(delta, a_prev):
    """BP4: ∂L/∂W^l = (δ^l)^T a^{l−1}, shape (…, n_l, n_{l−1})."""
    return delta.swapaxes(-1, -2) @ a_prev


def backpropagate(grad, theta, X, Y, sw, sizes, acts, has_bias, loss):
    """Fills grad (same layout as theta) with ∂L/∂θ for the batch X, Y, sample weights sw; returns L."""
    return _backpropagate(grad, theta, X, Y, sw, sizes, acts, has_bias, loss)[0]


def _backpropagate(grad, theta, X, Y, sw, sizes, acts, has_bias, loss):
    L = len(sizes) - 1
    zs, activations = feedforward(theta, X, sizes, acts, has_bias)
    total = np.sum(sw, axis=-1, dtype=np.float64)                     # N = Σ_n s_n (one per member)
    scale = _loss_scale(loss, float(total) if np.ndim(total) == 0 else total, sizes[L])
    if np.ndim(scale) == 0 and np.ndim(total):                        # sse: ½ for every member
        scale = np.full(total.shape, scale)
    value = scale * loss_terms(activations[L], zs[L], Y, sw, acts[L - 1], loss)
    delta = output_error(activations[L], zs[L], Y, sw, acts[L - 1], loss, scale)
    for l in range(L, 0, -1):
        dW, db = layer_params(grad, sizes, has_bias, l)
        dW[...] = weight_gradient(delta, activations[l - 1])
        if has_bias:
            db[...] = bias_gradient(delta)
        if l > 1:
            W, _ = layer_params(theta, sizes, has_bias, l)
            delta = hidden_error(W, delta, zs[l - 1], activations[l - 1], acts[l - 2])
    return value, activations[L]


def sgd_update(theta, grad, velocity, lr, momentum):
    if momentum == 0:
        theta -= lr * grad
    else:
        velocity *= momentum
        velocity -= lr * grad
        theta += velocity


def adam_update(theta, grad, m, v, lr, beta1, beta2, eps, t):
    one = theta.dtype.type(1)
    c1 = theta.dtype.type(1.0 - float(beta1) ** t)
    c2 = theta.dtype.type(1.0 - float(beta2) ** t)
    m[...] = beta1 * m + (one - beta1) * grad
    v[...] = beta2 * v + (one - beta2) * grad * grad
    theta -= lr * (m / c1) / (np.sqrt(v / c2) + eps)


def add_weight_decay(grad, theta, sizes, has_bias, decay):
    for l in range(1, len(sizes)):
        W, _ = layer_params(theta, sizes, has_bias, l)
        dW, _ = layer_params(grad, sizes, has_bias, l)
        dW += decay * W


def train_epochs(theta, X, Y, sw, orders, sizes, acts, has_bias, loss, batch_size, optimizer,
                 hyper, state, step, task, epoch_loss, epoch_correct):
    """The twin of kernels.training.train_epochs: same arguments, same semantics."""
    N = orders.shape[1]                     # the rows an epoch (or a piece of one) visits
    P = theta.shape[0]
    grad = np.empty_like(theta)
    lr, momentum, beta1, beta2, eps, decay = hyper
    total_weight = float(np.sum(sw[orders[0]], dtype=np.float64))
    for e in range(orders.shape[0]):
        backup = theta.copy(), state.copy(), int(step[0])
        running, correct, finite = 0.0, 0, True
        for start in range(0, N, batch_size):
            rows = orders[e, start:start + batch_size]
            xb, yb, sb = X[rows], Y[rows], sw[rows]
            if not np.any(sb != 0):                 # every s_n = 0: no loss to descend, no step
                if task:
                    correct += count_correct(feedforward(theta, xb, sizes, acts, has_bias)[1][-1], yb, task)
                continue
            value, a_L = _backpropagate(grad, theta, xb, yb, sb, sizes, acts, has_bias, loss)
            if not np.isfinite(value):
                finite = False
                break
            if task:
                correct += count_correct(a_L, yb, task)
            running += value if loss == SSE else value * float(np.sum(sb, dtype=np.float64)) / total_weight
            if decay != 0:
                add_weight_decay(grad, theta, sizes, has_bias, decay)
            if optimizer == SGD:
                sgd_update(theta, grad, state[:P], lr, momentum)
            else:
                step[0] += 1
                adam_update(theta, grad, state[:P], state[P:], lr, beta1, beta2, eps, int(step[0]))
        if finite and not np.all(np.isfinite(theta)):
            finite = False
        if not finite:
            theta[...], state[...], step[0] = backup
            return e
        epoch_loss[e] = running
        epoch_correct[e] = correct
    return orders.shape[0]


# ---- an Ensemble's members, all at once: the functions above with a leading member axis ----------

def gather(src, orders, e, rows, M):
    """src[s_m, orders[o_m, e, rows]] for every member m: (M, len(rows), …); src (1 or M, N, …)."""
    idx = orders[:, e, rows]                             # (1 or M, nb)
    if src.shape[0] == 1 and orders.shape[0] == 1:
        return np.broadcast_to(src[0, idx[0]], (M,) + idx.shape[1:] + src.shape[2:])
    s = np.arange(M)[:, None] if src.shape[0] > 1 else np.zeros((M, 1), dtype=np.int64)
    return src[s, np.broadcast_to(idx, (M, idx.shape[1]))]


def train_members(theta, X, Y, sw, orders, sizes, acts, has_bias, loss, batch_size, optimizer,
                  lr, momentum, decay, betas, state, step, epoch_loss, stopped, first_epoch):
    """The same epochs as :func:`loopnet.kernels.ensemble.train_members`, all members in each matrix
    product (θ (M, P); X (1 or M, N, n_0); sw (1 or M, N); lr, momentum, decay (M,)). A member whose
    mini-batch weights are all 0 takes no step."""
    M, P = theta.shape
    N = X.shape[1]
    lr_c, mom_c, dec_c = lr[:, None], momentum[:, None], decay[:, None]
    beta1, beta2, eps = betas[0], betas[1], betas[2]
    one = theta.dtype.type(1)
    wmask = Layout.of(sizes, has_bias).weight_mask()
    grad = np.empty_like(theta)
    total = np.broadcast_to(np.sum(sw, axis=1, dtype=np.float64), (M,))     # Σ_n s_n per member
    for e in range(orders.shape[1]):
        backup, state_backup, step_backup = theta.copy(), state.copy(), step.copy()
        ok = np.ones(M, dtype=bool)
        running = np.zeros(M)
        for start in range(0, N, batch_size):
            rows = np.arange(start, min(start + batch_size, N))
            nb = rows.shape[0]
            wts = gather(sw[:, :, None], orders, e, rows, M)[:, :, 0]          # (M, nb)
            weight = np.sum(wts, axis=1, dtype=np.float64)
            take = weight > 0                                               # all 0: no step for that member
            with np.errstate(divide="ignore", invalid="ignore"):
                value = backpropagate(grad, theta, gather(X, orders, e, rows, M), gather(Y, orders, e, rows, M),
                                      wts, sizes, acts, has_bias, loss)
            value = np.where(take, value, 0.0)
            grad[~take] = 0
            ok &= np.isfinite(value)
            running += value if loss == SSE else value * weight / total
            held = theta[~take].copy(), state[~take].copy(), step[~take].copy()
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
            theta[~take], state[~take], step[~take] = held
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
        ones = np.ones(Ym.shape[:2])
        value[...] = _loss_scale(loss, X.shape[1], sizes[L]) * loss_terms(activations[L], zs[L], Ym, ones,
                                                                         acts[L - 1], loss)
