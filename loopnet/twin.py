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
    return Layout(sizes, has_bias).layer(theta, l)


def weighted_input(W, b, a_prev):
    """z^l = a^{l−1} W^T + b  (rows are examples)."""
    z = a_prev @ W.T
    if b is not None:
        z += b
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
    """Σ_n s_n Σ_j e(a_nj, z_nj, y_nj) (see kernels/loss.py), in float64; sw (N,) the sample weights."""
    a, z, y = (np.asarray(v, dtype=np.float64) for v in (a, z, y))
    s = np.asarray(sw, dtype=np.float64)[:, None]
    if loss == CROSS_ENTROPY and act == SOFTMAX:
        m = z.max(axis=1, keepdims=True)
        lse = m + np.log(np.exp(z - m).sum(axis=1, keepdims=True))
        return float(np.sum(s * (y * (lse - z))))
    if loss == CROSS_ENTROPY and act == SIGMOID:
        return float(np.sum(s * (softplus(z) - y * z)))
    return float(np.sum(s * (a - y) ** 2))


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
    """BP1, vectorised (see kernels/backward.py): every row n carries its sample weight s_n."""
    scale = a.dtype.type(scale)
    s = np.asarray(sw, dtype=a.dtype)[:, None]
    if loss == CROSS_ENTROPY:
        if act == SOFTMAX:
            return (scale * s) * (a * y.sum(axis=1, keepdims=True) - y)
        return (scale * s) * (a - y)
    g = ((scale + scale) * s) * (a - y)
    if act == SOFTMAX:
        return a * (g - (g * a).sum(axis=1, keepdims=True))
    return g * BY_CODE[int(act)].numpy_derivative(z, a)


def hidden_error(W_next, delta_next, z, a, act):
    """BP2: δ^l = (δ^{l+1} W^{l+1}) ⊙ σ'(z^l)  (rows are examples)."""
    return (delta_next @ W_next) * BY_CODE[int(act)].numpy_derivative(z, a)


def bias_gradient(delta):
    """BP3: ∂L/∂b^l = Σ_n δ^l_n."""
    return delta.sum(axis=0)


def weight_gradient(delta, a_prev):
    """BP4: ∂L/∂W^l = (δ^l)^T a^{l−1}, shape (n_l, n_{l−1})."""
    return delta.T @ a_prev


def backpropagate(grad, theta, X, Y, sw, sizes, acts, has_bias, loss):
    """Fills grad (same layout as theta) with ∂L/∂θ for the batch X, Y, sample weights sw; returns L."""
    return _backpropagate(grad, theta, X, Y, sw, sizes, acts, has_bias, loss)[0]


def _backpropagate(grad, theta, X, Y, sw, sizes, acts, has_bias, loss):
    L = len(sizes) - 1
    zs, activations = feedforward(theta, X, sizes, acts, has_bias)
    scale = _loss_scale(loss, float(np.sum(sw, dtype=np.float64)), sizes[L])   # N = Σ_n s_n
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
