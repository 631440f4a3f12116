"""Central finite differences, the judge of every analytic gradient."""
from __future__ import annotations

import numpy as np


def numerical_gradient(net, X, Y, eps=1e-4):
    """∂L/∂θ_i ≈ [−L(θ+2h) + 8L(θ+h) − 8L(θ−h) + L(θ−2h)] / (12h), h = eps·max(1, |θ_i|), for every parameter
    (the fourth-order central difference: truncation error O(h⁴), so float64 round-off dominates).

    Computed in float64 on a copy, whatever the network's dtype; the network is not changed.
    """
    work = net.copy()
    if work.dtype != np.float64:
        from .network import Network
        work = Network.from_weights([w.astype(np.float64) for w in net.weights],
                                    None if net.biases is None else [b.astype(np.float64) for b in net.biases],
                                    activation=net.activation, output_activation=net.output_activation,
                                    loss=net.loss_name, backend=net.backend)
    Xa, Ya, _ = work._data(X, Y)
    theta = work.params
    out = np.empty(theta.size)
    for i in range(theta.size):
        old = theta[i]
        h = eps * max(1.0, abs(old))
        vals = []
        for step in (2, 1, -1, -2):
            theta[i] = old + step * h
            vals.append(work._loss_value(Xa, Ya))
        theta[i] = old
        # differences first: L(θ+h) − L(θ−h) is exactly 0 when θ_i has no effect on L
        out[i] = (8 * (vals[1] - vals[2]) - (vals[0] - vals[3])) / (12 * h)
    return out


def gradcheck(net, X, Y, eps=1e-4, floor=None):
    """Largest relative error between the analytic gradient g and central finite differences ĝ.

    relative error_i = |g_i − ĝ_i| / max(|g_i|, |ĝ_i|, floor). The finite differences resolve a
    component only to about 1e-16·|L|/h, so components smaller than ``floor`` (default
    1e-5·max(|L|, max_i |g_i|)) are compared against the floor instead of themselves; this also keeps
    exactly-zero components (an input x_k = 0 makes ∂L/∂w_jk = 0) from dividing by zero.
    Below 1e-6 means the analytic gradient is right; at a ReLU kink (z = 0 exactly) the
    derivative is not defined and no check can pass.
    """
    g = net.gradients(X, Y)
    analytic = g.flat.astype(np.float64)
    numeric = numerical_gradient(net, X, Y, eps)
    if floor is None:
        floor = 1e-5 * max(abs(g.loss), float(np.max(np.abs(analytic))), 1e-300)
    denom = np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), floor)
    return float(np.max(np.abs(analytic - numeric) / denom))
