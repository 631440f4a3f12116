"""The :class:`Network`: its parameters, and the forward and backward passes through a backend."""
from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from . import validation as v
from .activations import ACTIVATIONS, ALIASES
from .backends import BACKENDS, Spec
from .kernels.layout import split_params
from .kernels.loss import ARGMAX, NO_ACCURACY, THRESHOLD
from .losses import LOSSES

if TYPE_CHECKING:  # pragma: no cover
    from .training import History

INITS = {
    # name: (weight draw given (rng, n_out, n_in), bias draw given (rng, n_out)), as in the table of Network
    "scaled": (lambda rng, o, i: rng.standard_normal((o, i)) / np.sqrt(i), lambda rng, o: rng.standard_normal(o)),
    "normal": (lambda rng, o, i: rng.standard_normal((o, i)), lambda rng, o: rng.standard_normal(o)),
    "xavier": (lambda rng, o, i: rng.uniform(-np.sqrt(6.0 / (i + o)), np.sqrt(6.0 / (i + o)), (o, i)),
               lambda rng, o: np.zeros(o)),
    "he": (lambda rng, o, i: rng.standard_normal((o, i)) * np.sqrt(2.0 / i), lambda rng, o: np.zeros(o)),
}


@dataclass
class Gradients:
    """∂L/∂θ for one batch: ``loss`` (float), ``dW`` (list shaped like weights), ``db`` (like biases or None),
    and ``flat`` (the same numbers in θ's flat layout)."""
    loss: float
    dW: list
    db: list | None
    flat: np.ndarray


class Network:
    """A fully connected network with per-component backprop.

    ``Network([3, 2, 1])`` has 3 inputs (layer 0), a hidden layer of 2 neurons (layer 1) and one
    output (layer 2). ``weights[0]`` is W of layer 1, shape (2, 3): row j holds the weights into
    neuron j of layer 1, column k those from input k (Nielsen's order). Data is one example per row.

    | argument | choices |
    |---|---|
    | ``activation`` (hidden layers) | ``sigmoid``, ``tanh``, ``relu``, ``identity`` |
    | ``output_activation`` | the above or ``softmax``; ``None`` means the same as ``activation`` |
    | ``loss`` | ``mse``, ``quadratic``, ``sse``, ``cross_entropy`` (see :mod:`loopnet.losses`) |
    | ``init`` | ``scaled`` W ~ N(0, 1/n_in), b ~ N(0, 1) (Nielsen's network2); ``normal`` both N(0, 1) (network.py); ``xavier`` W ~ U(±√(6/(n_in+n_out))), b = 0; ``he`` W ~ N(0, 2/n_in), b = 0 |
    | ``dtype`` | ``float64``, ``float32`` |
    | ``backend`` | ``loops`` (compiled kernels with the speed layer), ``plain`` (the component kernels compiled as written), ``numpy`` (the vectorised twin), ``python`` (the component kernels uncompiled, for a debugger) |

    Draws come from ``numpy.random.default_rng(seed)``, layer by layer (W then b), so a seed gives
    the same network on every backend.
    """

    def __init__(self, sizes: Sequence[int], activation: str = "sigmoid", output_activation: str | None = None,
                 loss: str = "quadratic", bias: bool = True, init: str = "scaled", seed: int | None = 0,
                 dtype: str | np.dtype = "float64", backend: str = "loops") -> None:
        sizes = v.check_sizes(sizes)
        dt = v.dtype_of(dtype)
        draw_w, draw_b = v.choice(init, INITS, "init")
        rng = np.random.default_rng(seed)
        Ws, bs = [], []
        for l in range(1, len(sizes)):
            Ws.append(draw_w(rng, sizes[l], sizes[l - 1]))
            if bias:
                bs.append(draw_b(rng, sizes[l]))
        self._build(sizes, Ws, bs if bias else None, dt, activation, output_activation, loss, backend)
        self.init, self.seed = init, seed

    @classmethod
    def from_weights(cls, weights: Sequence[ArrayLike], biases: Sequence[ArrayLike] | None = None,
                     activation: str = "sigmoid", output_activation: str | None = None, loss: str = "quadratic",
                     backend: str = "loops", dtype: str | np.dtype | None = None) -> Network:
        """A network with the given weights (list of (n_l, n_{l−1}) arrays) and biases (list of (n_l,)
        arrays, or None for a network without biases). Sizes are read off the shapes; the arrays are copied.

        >>> net = Network.from_weights([[[0.4, 0.5, 0.3], [0.2, 0.7, 0.1]], [[0.1, 0.2]]])
        >>> net.sizes
        [3, 2, 1]
        """
        sizes, Ws, bs, dt = v.check_weights(weights, biases, dtype)
        net = cls.__new__(cls)
        net._build(sizes, Ws, bs, dt, activation, output_activation, loss, backend)
        net.init, net.seed = "given", None
        return net

    # ---- construction ---------------------------------------------------------------
    def _build(self, sizes, Ws, bs, dtype, activation, output_activation, loss, backend):
        activation = ALIASES.get(activation, activation) if isinstance(activation, str) else activation
        if isinstance(output_activation, str):
            output_activation = ALIASES.get(output_activation, output_activation)
        if not isinstance(activation, str) or activation not in ACTIVATIONS:
            names = [k for k, a in ACTIVATIONS.items() if a.hidden_ok or len(sizes) == 2]
            raise ValueError(f"activation={activation!r} is not a known activation; choose one of: "
                             f"{', '.join(map(repr, names))} ('logistic' is accepted for 'sigmoid')")
        hidden = ACTIVATIONS[activation]
        output = hidden if output_activation is None else v.choice(output_activation, ACTIVATIONS, "output_activation")
        if not hidden.hidden_ok and len(sizes) > 2:
            raise ValueError(f"activation={activation!r} cannot be used in hidden layers (softmax couples the "
                             f"neurons of a layer; it is for the output layer only: output_activation='softmax')")
        lossdef = v.choice(loss, LOSSES, "loss")
        if lossdef.needs_outputs is not None and output.name not in lossdef.needs_outputs:
            raise ValueError(f"loss={loss!r} needs outputs in (0, 1): use output_activation 'sigmoid' or 'softmax', "
                             f"not {output.name!r}")
        if output.name == "softmax" and sizes[-1] < 2:
            raise ValueError("output_activation='softmax' needs at least 2 outputs (with one output it is always 1); "
                             "use 'sigmoid' for a single output")
        self._backend = v.choice(backend, BACKENDS, "backend")
        self.sizes = list(sizes)
        self.dtype = np.dtype(dtype)
        self.activation = hidden.name
        self.output_activation = output.name
        self.loss_name = lossdef.name
        self.has_bias = bs is not None
        acts = [hidden.code] * (len(sizes) - 2) + [output.code]
        self._spec = Spec(np.asarray(sizes, dtype=np.int64), np.asarray(acts, dtype=np.int64),
                          self.has_bias, lossdef.code)
        parts = []
        for l in range(len(Ws)):
            parts.append(np.asarray(Ws[l], dtype=self.dtype).ravel())
            if bs is not None:
                parts.append(np.asarray(bs[l], dtype=self.dtype).ravel())
        self._theta = np.ascontiguousarray(np.concatenate(parts), dtype=self.dtype)
        self._views()
        self.preprocessing = None  # a loopnet.datasets.Preprocessing the inputs need (set by the CLI; saved)

    def _views(self):
        self._weights, self._biases = split_params(self._theta, self.sizes, self.has_bias)

    # ---- parameters -----------------------------------------------------------------
    @property
    def weights(self) -> list[np.ndarray]:
        """List of L arrays; weights[i] is W of layer i+1, shape (n_{i+1}, n_i). Views into :attr:`params`."""
        return self._weights

    @property
    def biases(self) -> list[np.ndarray] | None:
        """List of L arrays of shape (n_{i+1},), or None for a network without biases."""
        return self._biases

    @property
    def params(self) -> np.ndarray:
        """All parameters as one flat vector θ (layer by layer: W^l row by row, then b^l). A view: writing it changes the network."""
        return self._theta

    @params.setter
    def params(self, value):
        v.check_fits(np.asarray(value), self.dtype, "params")
        arr = np.asarray(value, dtype=self.dtype)
        if arr.shape != self._theta.shape:
            raise ValueError(f"params has shape {arr.shape}, expected {self._theta.shape}")
        v.check_finite(arr, "params")
        self._theta[...] = arr

    @property
    def n_params(self) -> int:
        return int(self._theta.size)

    @property
    def backend(self):
        return self._backend.name

    @backend.setter
    def backend(self, name):
        self._backend = v.choice(name, BACKENDS, "backend")

    @property
    def task(self) -> str:
        """How outputs are read as predictions: 'classes' (argmax), 'binary' (≥ ½) or 'values'."""
        if self.output_activation == "softmax" or (self.output_activation == "sigmoid" and self.sizes[-1] > 1):
            return "classes"
        if self.output_activation == "sigmoid":
            return "binary"
        return "values"

    def __getstate__(self):
        # the backend by name (not its compiled functions), and θ only: weights/biases are views into it
        state = {k: val for k, val in self.__dict__.items() if k not in ("_weights", "_biases")}
        state["_backend"] = self._backend.name
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._backend = BACKENDS[state["_backend"]]
        self._views()

    def copy(self) -> Network:
        net = Network.__new__(Network)
        net.__dict__.update(self.__dict__)
        net._theta = self._theta.copy()
        net._views()
        return net

    def __repr__(self):
        return (f"Network({self.sizes}, activation={self.activation!r}, output_activation={self.output_activation!r}, "
                f"loss={self.loss_name!r}, bias={self.has_bias}, dtype={self.dtype.name!r}, backend={self.backend!r})")

    # ---- computing ----------------------------------------------------------------------
    def _inputs(self, X, arg="X"):
        return v.as_inputs(X, self.sizes[0], self.dtype, arg)

    def _data(self, X, Y, xarg="X", yarg="Y"):
        Xa, single = self._inputs(X, xarg)
        Ya = v.as_targets(Y, Xa.shape[0], self.sizes[-1], self.dtype, single, yarg)
        if self.loss_name == "cross_entropy" and (Ya.min() < 0 or Ya.max() > 1):
            raise ValueError(f"{yarg} has values in [{Ya.min():g}, {Ya.max():g}] but loss='cross_entropy' needs "
                             f"targets in [0, 1] (probabilities or one-hot rows)")
        return Xa, Ya, single

    def _sample_weight(self, sample_weight, N, arg="sample_weight"):
        """s_n (N,) in θ's dtype, or None: finite, ≥ 0, not all 0. A weight of 2 on a row counts it twice."""
        if sample_weight is None:
            return None
        try:
            sw = np.asarray(sample_weight, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"{arg} must be numbers, one per example, got {sample_weight!r:.60}") from None
        if sw.ndim == 0:
            sw = np.full(N, float(sw))
        if sw.shape != (N,):
            raise ValueError(f"{arg} has shape {sw.shape}; expected ({N},), one weight per example (row of X)")
        if not np.all(np.isfinite(sw)) or np.any(sw < 0):
            bad = int(np.flatnonzero(~np.isfinite(sw) | (sw < 0))[0])
            raise ValueError(f"{arg}[{bad}] is {sw[bad]}; sample weights must be finite numbers ≥ 0")
        if not sw.sum() > 0:
            raise ValueError(f"{arg} is all zeros; at least one example must have a weight > 0")
        return np.ascontiguousarray(sw, dtype=self.dtype)

    def forward(self, X: ArrayLike) -> np.ndarray:
        """a^L for X (N, n_0) → (N, n_L), or for one example (n_0,) → (n_L,)."""
        Xa, single = self._inputs(X)
        A = self._backend.predict(self._theta, Xa, self._spec)
        return A[0] if single else A

    def gradients(self, X: ArrayLike, Y: ArrayLike, sample_weight: ArrayLike | None = None) -> Gradients:
        """∂L/∂W and ∂L/∂b of the loss over the batch (X, Y), without changing the network.
        ``sample_weight`` (N,): L = scale(Σ s_n) · Σ_n s_n e_n, so a weight of 2 is the row twice."""
        Xa, Ya, _ = self._data(X, Y)
        sw = self._sample_weight(sample_weight, Xa.shape[0])
        value, flat = self._backend.gradients(self._theta, Xa, Ya, self._spec, sw)
        return self._unflatten(value, flat)

    def _unflatten(self, value, flat):
        dW, db = split_params(flat, self.sizes, self.has_bias)
        return Gradients(float(value), dW, db, flat)

    def loss(self, X: ArrayLike, Y: ArrayLike, sample_weight: ArrayLike | None = None) -> float:
        """L over (X, Y) with the current parameters (weighted by ``sample_weight``, see :meth:`gradients`)."""
        Xa, Ya, _ = self._data(X, Y)
        sw = self._sample_weight(sample_weight, Xa.shape[0])
        return self._backend.evaluate(self._theta, Xa, Ya, self._spec, NO_ACCURACY, sw)[0]

    def _loss_value(self, Xa, Ya):
        return self._backend.evaluate(self._theta, Xa, Ya, self._spec, NO_ACCURACY)[0]

    def step(self, X: ArrayLike, Y: ArrayLike, lr: float) -> float:
        """One gradient-descent step on the batch: W ← W − lr · ∂L/∂W (and b likewise). Returns L before it."""
        lr = v.positive_number(lr, "lr")
        Xa, Ya, _ = self._data(X, Y)
        value, flat = self._backend.gradients(self._theta, Xa, Ya, self._spec)
        if not np.isfinite(value) or not np.all(np.isfinite(flat)):
            raise FloatingPointError(f"the loss or its gradient is not finite (L = {value}); the step was not taken")
        self._backend.sgd_update(self._theta, flat, lr)
        return float(value)

    # ---- reading outputs as predictions -------------------------------------------------
    def _task_code(self, Ya):
        if self.task == "classes" and np.all((Ya == 0) | (Ya == 1)) and np.all(Ya.sum(axis=1) == 1):
            return ARGMAX
        if self.task == "binary" and np.all((Ya == 0) | (Ya == 1)):
            return THRESHOLD
        return NO_ACCURACY

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Class index per row for classification outputs ('classes': argmax; 'binary': 1 if a ≥ ½),
        the output values otherwise (see :attr:`task`)."""
        A = self.forward(X)
        if self.task == "classes":
            return np.argmax(A, axis=-1)
        if self.task == "binary":
            return (A[..., 0] >= 0.5).astype(np.int64)
        return A

    def evaluate(self, X: ArrayLike, Y: ArrayLike,
                 sample_weight: ArrayLike | None = None) -> tuple[float, float | None]:
        """(loss, accuracy) on (X, Y); accuracy is None unless Y holds one-hot / 0-1 class targets.
        ``sample_weight`` weights the loss (see :meth:`gradients`); accuracy counts every row once."""
        Xa, Ya, _ = self._data(X, Y)
        task = self._task_code(Ya)
        sw = self._sample_weight(sample_weight, Xa.shape[0])
        value, correct = self._backend.evaluate(self._theta, Xa, Ya, self._spec, task, sw)
        return value, (None if task == NO_ACCURACY else correct / Xa.shape[0])

    # ---- training and files (see training.py and io.py) ---------------------------------
    def fit(self, X: ArrayLike, Y: ArrayLike, epochs: int = 30, lr: float = 3.0,
            batch_size: int | str | None = 10, **options: Any) -> History:
        """Mini-batch gradient descent; see :func:`loopnet.training.fit` for every option."""
        from .training import fit
        return fit(self, X, Y, epochs=epochs, lr=lr, batch_size=batch_size, **options)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the network to ``path`` (.npz) atomically; see :func:`loopnet.io.save`."""
        from .io import save
        save(self, path)

    # ---- other libraries (see interop.py) -----------------------------------------------
    def to_torch(self) -> Any:
        """An ``nn.Sequential`` of Linear + activation modules with these weights; see :func:`loopnet.interop.to_torch`."""
        from .interop import to_torch
        return to_torch(self)

    @classmethod
    def from_torch(cls, module: Any, loss: str = "quadratic", backend: str = "loops") -> Network:
        """A network from an ``nn.Sequential`` of Linear + activation modules; see :func:`loopnet.interop.from_torch`."""
        from .interop import from_torch
        return from_torch(module, loss=loss, backend=backend)

    def to_onnx(self, path: str | os.PathLike[str], opset: int = 17) -> str:
        """Write an ONNX model computing :meth:`forward`; see :func:`loopnet.interop.to_onnx`."""
        from .interop import to_onnx
        return to_onnx(self, path, opset=opset)

    def to_sklearn(self, classes: ArrayLike | None = None) -> Any:
        """A fitted MLPClassifier / MLPRegressor with these weights; see :func:`loopnet.interop.to_sklearn`."""
        from .interop import to_sklearn
        return to_sklearn(self, classes=classes)

    @classmethod
    def from_sklearn(cls, mlp: Any, backend: str = "loops") -> Network:
        """A network from a fitted MLPClassifier / MLPRegressor; see :func:`loopnet.interop.from_sklearn`."""
        from .interop import from_sklearn
        return from_sklearn(mlp, backend=backend)


