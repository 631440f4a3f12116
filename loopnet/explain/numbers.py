"""The engine's numbers for a derivation: one pass of a batch through the training kernels.

Nothing here is a second formula: every z, a, σ', δ, ∂L/∂W, ∂L/∂b comes out of a kernel of
``loopnet/kernels`` (or, on the ``python`` backend, the same kernel source run uncompiled):

| quantity | kernel |
|---|---|
| z^(l), a^(l) | ``forward.weighted_input``, ``forward.activate_layer`` |
| L and its terms | ``loss.loss_terms`` × ``losses.loss_scale`` |
| δ^(L) (BP1); ∂L/∂a^(L) | ``backward.output_error`` (for ∂L/∂a of a squared loss: run with the identity activation, σ' ≡ 1; cross-entropy, whose kernel differentiates through σ in one step: δ/σ' for sigmoid, −scale·y/a for softmax, shown as the factors of BP1) |
| δ^(l), ∂L/∂a^(l) (BP2) | ``backward.hidden_error`` (for ∂L/∂a: with the identity activation) |
| σ'(z) | ``activations.derivative`` |
| ∂L/∂b^(l) (BP3), ∂L/∂W^(l) (BP4) | ``backward.bias_gradient``, ``backward.weight_gradient``; the term of example n: the same kernel on row n |

Arrays are 0-based and in the kernels' layout: ``z[l]`` is (N, n_l), ``W[l]`` is (n_l, n_{l-1}).
"""
from __future__ import annotations

import numpy as np

from ..jit import python_version
from ..activations import IDENTITY, SIGMOID, SOFTMAX, derivative
from ..kernels import backward as _bw
from ..kernels import forward as _fw
from ..kernels import loss as _ls
from ..losses import CROSS_ENTROPY, loss_scale


def kernels(backend):
    """The kernel functions: compiled, or (backend 'python') their uncompiled twins."""
    names = {"weighted_input": _fw.weighted_input, "activate_layer": _fw.activate_layer,
             "output_error": _bw.output_error, "hidden_error": _bw.hidden_error,
             "bias_gradient": _bw.bias_gradient, "weight_gradient": _bw.weight_gradient,
             "loss_terms": _ls.loss_terms, "derivative": derivative}
    if backend == "python":
        return {k: python_version(f) for k, f in names.items()}
    return names


class Numbers:
    """z, a, σ', ∂L/∂a, δ, ∂L/∂W, ∂L/∂b for a batch X (N, n_0), Y (N, n_L) through ``net``."""

    def __init__(self, net, X, Y):
        k = self._k = kernels(net.backend)
        self.net = net
        dt = self.dtype = net.dtype
        s = self.sizes = list(net.sizes)
        self.L = L = len(s) - 1
        self.acts = [int(c) for c in net._spec.acts]  # activation code of layer l is acts[l-1]
        self.loss_code = int(net._spec.loss)
        self.X = np.ascontiguousarray(X, dtype=dt).reshape(-1, s[0])
        self.Y = np.ascontiguousarray(Y, dtype=dt).reshape(-1, s[-1])
        self.N = N = self.X.shape[0]
        self.W = [None] + [np.ascontiguousarray(W) for W in net.weights]
        self.b = [None] + ([np.ascontiguousarray(b) for b in net.biases] if net.has_bias
                           else [np.zeros(n, dtype=dt) for n in s[1:]])
        self.z = [None] * (L + 1)
        self.a = [self.X] + [None] * L
        for l in range(1, L + 1):  # forward pass, layer by layer
            self.z[l] = np.empty((N, s[l]), dtype=dt)
            self.a[l] = np.empty((N, s[l]), dtype=dt)
            k["weighted_input"](self.z[l], self.W[l], self.b[l], self.a[l - 1])
            k["activate_layer"](self.a[l], self.z[l], self.acts[l - 1])
        self.sp = [None] * (L + 1)
        for l in range(1, L + 1):
            if self.acts[l - 1] != SOFTMAX:
                self.sp[l] = np.array([[k["derivative"](self.acts[l - 1], self.z[l][n, j], self.a[l][n, j])
                                        for j in range(s[l])] for n in range(N)], dtype=dt)
        # the loss: scale · Σ_n Σ_j e_nj; terms[n, j] = scale · e_nj (softmax CE: one term per example)
        self.scale = loss_scale(self.loss_code, N, s[L])
        scale = dt.type(self.scale)
        lt = k["loss_terms"]
        ones = np.ones(N, dtype=dt)        # every example's sample weight s_n is 1 in a derivation
        self.loss = float(self.scale * lt(self.a[L], self.z[L], self.Y, ones, self.acts[L - 1], self.loss_code))
        self.softmax_ce = self.loss_code == CROSS_ENTROPY and self.acts[L - 1] == SOFTMAX
        if self.softmax_ce:
            self.terms = np.array([[self.scale * lt(self.a[L][n:n + 1], self.z[L][n:n + 1], self.Y[n:n + 1],
                                                    ones[n:n + 1], self.acts[L - 1], self.loss_code)] for n in range(N)])
        else:
            self.terms = np.array([[self.scale * lt(self.a[L][n:n + 1, j:j + 1], self.z[L][n:n + 1, j:j + 1],
                                                    self.Y[n:n + 1, j:j + 1], ones[n:n + 1], self.acts[L - 1],
                                                    self.loss_code)
                                    for j in range(s[L])] for n in range(N)])
        # BP1; ∂L/∂a^L is BP1 run with the identity activation (whose σ' is 1) for the squared losses
        self.delta = [None] * (L + 1)
        self.dLda = [None] * (L + 1)
        self.delta[L] = np.empty((N, s[L]), dtype=dt)
        k["output_error"](self.delta[L], self.a[L], self.z[L], self.Y, ones, self.acts[L - 1], self.loss_code, scale)
        if self.loss_code != CROSS_ENTROPY:
            self.dLda[L] = np.empty((N, s[L]), dtype=dt)
            k["output_error"](self.dLda[L], self.a[L], self.z[L], self.Y, ones, IDENTITY, self.loss_code, scale)
        elif self.acts[L - 1] == SIGMOID:  # σ' cancels in the kernel; undo it to show the factor
            self.dLda[L] = self.delta[L] / self.sp[L]
        else:  # softmax cross-entropy: ∂L/∂a_nj = −scale · y_nj / a_nj
            self.dLda[L] = -scale * self.Y / self.a[L]
        for l in range(L - 1, 0, -1):  # BP2, and ∂L/∂a^l = Σ_k w^{l+1}_kj δ^{l+1}_k (BP2 with σ' = 1)
            self.delta[l] = np.empty((N, s[l]), dtype=dt)
            self.dLda[l] = np.empty((N, s[l]), dtype=dt)
            k["hidden_error"](self.delta[l], self.W[l + 1], self.delta[l + 1], self.z[l], self.a[l], self.acts[l - 1])
            k["hidden_error"](self.dLda[l], self.W[l + 1], self.delta[l + 1], self.z[l], self.a[l], IDENTITY)
        # BP3, BP4 for the batch, and the term of each example (the same kernels on row n)
        self.dW = [None] * (L + 1)
        self.db = [None] * (L + 1)
        self.dW_n = [None] * (L + 1)   # dW_n[l][n] = δ^l_n (a^{l-1}_n)ᵀ, shape (N, n_l, n_{l-1})
        for l in range(1, L + 1):
            self.dW[l] = np.empty((s[l], s[l - 1]), dtype=dt)
            k["weight_gradient"](self.dW[l], self.delta[l], self.a[l - 1])
            self.dW_n[l] = np.empty((N, s[l], s[l - 1]), dtype=dt)
            for n in range(N):
                k["weight_gradient"](self.dW_n[l][n], self.delta[l][n:n + 1], self.a[l - 1][n:n + 1])
            if net.has_bias:
                self.db[l] = np.empty(s[l], dtype=dt)
                k["bias_gradient"](self.db[l], self.delta[l])

    def back_from(self, m, delta_m, lo, n=0):
        """δ^(l) for l = m−1 … lo of example n when δ^(m) is replaced by ``delta_m`` (BP2 by the kernel).

        Returns {layer: (1, n_l) array}; used for one output's share of ∂L/∂a and for the paths."""
        out = {m: delta_m}
        for l in range(m - 1, lo - 1, -1):
            d = np.empty((1, self.sizes[l]), dtype=self.dtype)
            self._k["hidden_error"](d, self.W[l + 1], out[l + 1], self.z[l][n:n + 1], self.a[l][n:n + 1],
                                    self.acts[l - 1])
            out[l] = d
        return out

    def dLda_from(self, l, delta_next, n=0):
        """Σ_k w^{l+1}_kj δ^{l+1}_k for a given δ^{l+1} (BP2 with the identity activation)."""
        d = np.empty((1, self.sizes[l]), dtype=self.dtype)
        self._k["hidden_error"](d, self.W[l + 1], delta_next, self.z[l][n:n + 1], self.a[l][n:n + 1], IDENTITY)
        return d
