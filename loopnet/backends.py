"""The backends, one set of answers.

| name | what runs | use it for |
|---|---|---|
| ``loops`` | the kernels of :mod:`loopnet.kernels` compiled by numba, with the three big sums swapped for the speed layer's (:data:`loopnet.kernels.blocked.SPEEDUPS`: register-blocked, and on all cores for large layers) | speed (the default) |
| ``plain`` | the component kernels exactly as written (one loop per index of each equation), compiled by numba | seeing what compiling the derivation's loops alone buys; the benchmark row between ``numpy`` and ``loops`` |
| ``numpy`` | :mod:`loopnet.twin`, the same equations vectorised with matrix products | the twin the tests compare against; the benchmark baseline |
| ``python`` | the component kernels exactly as written, uncompiled (:func:`loopnet._numba.python_version`) | stepping through the loops with a debugger; tiny networks only |

A backend is an object with ``predict``, ``gradients``, ``train_epochs`` and ``sgd_update``;
:class:`loopnet.Network` picks one by name from :data:`BACKENDS`.
"""
from __future__ import annotations

import functools
import types
from dataclasses import dataclass

import numpy as np

from . import twin
from ._numba import python_version, variant
from .kernels import backward, blocked, forward, loss, optimizers, training

PREDICT_CHUNK = 256  # rows per pass of the compiled forward pass (keeps its buffers in cache)


@dataclass(frozen=True)
class Spec:
    """What the kernels need to know about a network besides θ."""
    sizes: np.ndarray   # (L+1,) int64
    acts: np.ndarray    # (L,) int64 activation codes, layer 1..L
    has_bias: bool
    loss: int


def _weights(sw, theta, X):
    """The sample weights s_n (N,) in θ's dtype; ones when none are given (checked by the caller)."""
    return np.ones(X.shape[0], dtype=theta.dtype) if sw is None else sw


class LoopBackend:
    """Runs the kernels of :mod:`loopnet.kernels` (compiled, or their uncompiled twins)."""

    def __init__(self, name: str, k: types.SimpleNamespace):
        self.name = name
        self.k = k

    def predict(self, theta, X, spec):
        out = np.empty((X.shape[0], int(spec.sizes[-1])), dtype=theta.dtype)
        self.k.predict(out, theta, X, spec.sizes, spec.acts, spec.has_bias, PREDICT_CHUNK)
        return out

    def evaluate(self, theta, X, Y, spec, task, sw=None):
        sw = _weights(sw, theta, X)
        value, correct = self.k.evaluate(theta, X, Y, sw, spec.sizes, spec.acts, spec.has_bias, spec.loss, task,
                                         PREDICT_CHUNK)
        return float(value), int(correct)

    def gradients(self, theta, X, Y, spec, sw=None):
        grad = np.zeros_like(theta)
        value = self.k.gradients(grad, theta, X, Y, _weights(sw, theta, X), spec.sizes, spec.acts, spec.has_bias,
                                 spec.loss)
        return float(value), grad

    def train_epochs(self, theta, X, Y, orders, spec, batch_size, optimizer, hyper, state, step, task,
                     epoch_loss, epoch_correct, sw=None):
        return int(self.k.train_epochs(theta, X, Y, _weights(sw, theta, X), orders, spec.sizes, spec.acts, spec.has_bias, spec.loss,
                                       batch_size, optimizer, hyper, state, step, task, epoch_loss, epoch_correct))

    def sgd_update(self, theta, grad, lr):
        self.k.sgd_update(theta, grad, grad[:0], theta.dtype.type(lr), theta.dtype.type(0))


class NumpyBackend:
    """Runs :mod:`loopnet.twin`."""

    name = "numpy"

    def predict(self, theta, X, spec):
        return twin.predict(theta, X, spec.sizes, spec.acts, spec.has_bias)

    def evaluate(self, theta, X, Y, spec, task, sw=None):
        value, correct = twin.evaluate(theta, X, Y, _weights(sw, theta, X), spec.sizes, spec.acts, spec.has_bias, spec.loss, task)
        return float(value), int(correct)

    def gradients(self, theta, X, Y, spec, sw=None):
        grad = np.zeros_like(theta)
        value = twin.backpropagate(grad, theta, X, Y, _weights(sw, theta, X), spec.sizes, spec.acts, spec.has_bias, spec.loss)
        return float(value), grad

    def train_epochs(self, theta, X, Y, orders, spec, batch_size, optimizer, hyper, state, step, task,
                     epoch_loss, epoch_correct, sw=None):
        return int(twin.train_epochs(theta, X, Y, _weights(sw, theta, X), orders, spec.sizes, spec.acts, spec.has_bias, spec.loss,
                                     batch_size, optimizer, hyper, state, step, task, epoch_loss, epoch_correct))

    def sgd_update(self, theta, grad, lr):
        twin.sgd_update(theta, grad, None, theta.dtype.type(lr), 0)


def _ieee(method):
    """``method`` with NumPy's floating-point warnings off. Overflow to ±inf and NaN are the IEEE
    results the compiled kernels give silently; the callers check for them (fit raises
    TrainingDiverged, step FloatingPointError), so the numpy twin and the uncompiled kernels
    must not print (or, under ``-W error``, raise) RuntimeWarnings for the same numbers."""
    @functools.wraps(method)
    def quiet(*args, **kwargs):
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            return method(*args, **kwargs)
    return quiet


for _cls in (LoopBackend, NumpyBackend):
    for _name in ("predict", "evaluate", "gradients", "train_epochs", "sgd_update"):
        setattr(_cls, _name, _ieee(getattr(_cls, _name)))


_AS_WRITTEN = types.SimpleNamespace(
    predict=forward.predict, gradients=backward.gradients, evaluate=loss.evaluate,
    train_epochs=training.train_epochs, sgd_update=optimizers.sgd_update,
)


def _kernels(make):
    return types.SimpleNamespace(**{name: make(fn) for name, fn in vars(_AS_WRITTEN).items()})


BACKENDS = {
    "loops": LoopBackend("loops", _kernels(lambda fn: variant(fn, blocked.SPEEDUPS, "fast"))),
    "plain": LoopBackend("plain", _AS_WRITTEN),
    "numpy": NumpyBackend(),
    "python": LoopBackend("python", _kernels(python_version)),
}
