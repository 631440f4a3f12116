"""The :class:`Network`: its parameters, and the forward and backward passes through a backend."""
from __future__ import annotations

import copy
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from . import validation as v
from .activations import ACTIVATIONS, ALIASES
from .backends import BACKENDS, Spec
from .kernels.layout import Layout
from .kernels.loss import ARGMAX, NO_ACCURACY, THRESHOLD
from .losses import LOSSES
from .options import TrainingOptions, sample_weights

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


_REBUILD = ("make a new network instead, e.g. Network.from_weights(net.weights, net.biases, activation=..., "
            "output_activation=..., loss=..., dtype=...)")


class _Fixed:
    """A network attribute that θ and the compiled kernels were built for: readable, never assignable.

    ``net.activation = "relu"`` used to change the repr and the saved file while the kernels kept
    computing sigmoid; every such attribute is now one of these, and assigning it raises an
    AttributeError that names it (the one mechanism for "visible state is computed state").
    """

    def __set_name__(self, owner, name):
        self.name = name
        self.slot = "_" + name

    def __get__(self, net, owner=None):
        if net is None:
            return self
        value = getattr(net, self.slot)
        return _FixedList(value, f"{type(net).__name__}.{self.name}") if isinstance(value, tuple) else value

    def __set__(self, net, value):
        raise AttributeError(f"{type(net).__name__}.{self.name} is read-only (it is {getattr(net, self.slot)!r}, "
                             f"and the parameters and kernels were built for it); {_REBUILD}")

    def __delete__(self, net):
        self.__set__(net, None)


class _FixedList(list):
    """A list handed out by a network (``sizes``, ``weights``, ``biases``) whose length and entries cannot
    be changed through it. Reading, comparing (``net.sizes == [3, 2, 1]``) and copying work as for a list."""

    def __init__(self, items, what):
        super().__init__(items)
        self._what = what

    def _refuse(self, *args, **kwargs):
        raise TypeError(f"{self._what} cannot be changed in place (it describes the network the kernels "
                        f"compute); {_REBUILD}")

    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse
    append = extend = insert = pop = remove = clear = sort = reverse = _refuse

    def __reduce__(self):  # pickles and copies as a plain list
        return (list, (list(self),))


class _ParamList(_FixedList):
    """``net.weights`` / ``net.biases``: views into θ. ``weights[i] = array`` copies the array into the view
    after checking its shape, range and finiteness (the shape cannot change); writes into the views
    (``weights[i][j, k] = 0.5``) go straight to θ."""

    def __init__(self, views, what, dtype):
        super().__init__(views, what)
        self._dtype = dtype

    def __setitem__(self, index, value):
        if isinstance(index, slice):
            targets = range(len(self))[index]
            values = [np.array(x) if isinstance(x, np.ndarray) else x for x in value]   # read every source first
            if len(values) != len(targets):
                raise ValueError(f"{self._what}[{index.start}:{index.stop}] = ... got {len(values)} arrays for "
                                 f"{len(targets)} layers; the number of layers cannot change")
            for i, val in zip(targets, values):
                self[i] = val
            return
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not -len(self) <= index < len(self):
            raise IndexError(f"{self._what}[{index!r}]: the network has {len(self)} layers with parameters, "
                             f"indices 0..{len(self) - 1}")
        i = int(index) % len(self)
        view = list.__getitem__(self, i)
        arg = f"{self._what}[{i}]"
        arr = v._numeric_array(value, arg)
        if arr.shape != view.shape:
            raise ValueError(f"{arg} has shape {view.shape} and keeps it; got an array of shape {arr.shape}. "
                             f"A layer of another size is another network: {_REBUILD}")
        v.check_fits(arr, self._dtype, arg)
        arr = np.asarray(arr, dtype=self._dtype)
        v.check_finite(arr, arg)
        view[...] = arr


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

    What you see is what is computed: ``sizes``, ``activation``, ``output_activation``, ``loss_name``,
    ``dtype``, ``has_bias``, ``init`` and ``seed`` are read-only (assigning one raises an AttributeError
    naming it); ``weights``, ``biases`` and ``params`` are views into θ that can be written in place,
    or assigned whole arrays of the same shapes (checked); ``backend`` can be switched by name.
    """

    sizes = _Fixed()
    dtype = _Fixed()
    activation = _Fixed()
    output_activation = _Fixed()
    loss_name = _Fixed()
    has_bias = _Fixed()
    init = _Fixed()
    seed = _Fixed()

    def __init__(self, sizes: Sequence[int], activation: str = "sigmoid", output_activation: str | None = None,
                 loss: str = "quadratic", bias: bool = True, init: str = "scaled", seed: int | None = 0,
                 dtype: str | np.dtype = "float64", backend: str = "loops") -> None:
        sizes = v.check_sizes(sizes)
        dt = v.dtype_of(dtype)
        draw_w, draw_b = v.choice(init, INITS, "init")
        n = Layout(sizes, bias).n_params
        widest = max(sizes[l] * sizes[l - 1] for l in range(1, len(sizes)))
        # θ in its dtype, plus the float64 draws of one layer and their concatenation on the way
        v.check_memory(n * dt.itemsize + (n + widest) * 8, f"Network(sizes={sizes}) with {n:,} parameters")
        rng = np.random.default_rng(seed)
        Ws, bs = [], []
        for l in range(1, len(sizes)):
            Ws.append(draw_w(rng, sizes[l], sizes[l - 1]))
            if bias:
                bs.append(draw_b(rng, sizes[l]))
        self._build(sizes, Ws, bs if bias else None, dt, activation, output_activation, loss, backend)
        self._init, self._seed = init, seed

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
        net._init, net._seed = "given", None
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
        self._sizes = tuple(int(n) for n in sizes)
        self._dtype = np.dtype(dtype)
        self._activation = hidden.name
        self._output_activation = output.name
        self._loss_name = lossdef.name
        self._has_bias = bs is not None
        acts = [hidden.code] * (len(sizes) - 2) + [output.code]
        self._spec = Spec(np.asarray(sizes, dtype=np.int64), np.asarray(acts, dtype=np.int64),
                          self._has_bias, lossdef.code)
        self._theta = self._layout.join(Ws, bs, self.dtype)
        self.preprocessing = None  # a loopnet.datasets.Preprocessing the inputs need (set by the CLI; saved)

    # ---- parameters -----------------------------------------------------------------
    # Views are made afresh on every access (L reshapes, well under a microsecond each): nothing a caller
    # does to one (``w.shape = ...``, ``w.dtype = ...``) can change what the next caller or a kernel sees.
    @property
    def weights(self) -> list[np.ndarray]:
        """List of L arrays; weights[i] is W of layer i+1, shape (n_{i+1}, n_i). Views into :attr:`params`:
        ``net.weights[0][1, 2] = 0.5`` and ``net.weights[0] = W`` (same shape) change the network."""
        Ws, _ = self._layout.split(self._theta)
        return _ParamList(Ws, "weights", self._dtype)

    @weights.setter
    def weights(self, values):
        self._set_layers("weights", values)

    @property
    def biases(self) -> list[np.ndarray] | None:
        """List of L arrays of shape (n_{i+1},) (views into :attr:`params`), or None for a network without biases."""
        if not self._has_bias:
            return None
        _, bs = self._layout.split(self._theta)
        return _ParamList(bs, "biases", self._dtype)

    @biases.setter
    def biases(self, values):
        if not self._has_bias:
            raise AttributeError(f"Network.biases: this network has no biases (bias=False), so there is nothing to "
                                 f"set; {_REBUILD}")
        self._set_layers("biases", values)

    def _set_layers(self, name, values):
        current = getattr(self, name)
        if isinstance(values, np.ndarray) or not hasattr(values, "__len__") or len(values) != len(current):
            got = (f"one array of shape {values.shape}" if isinstance(values, np.ndarray)
                   else f"{len(values)} entries" if hasattr(values, "__len__") else type(values).__name__)
            raise ValueError(f"Network.{name} = ... needs a list of {len(current)} arrays with shapes "
                             f"{[a.shape for a in current]}; got {got}")
        # every source read (copied) before any target is written: the sources may be views of θ
        # (``net.weights = [net.weights[1], net.weights[0]]``)
        values = [np.array(x) if isinstance(x, np.ndarray) else x for x in values]
        before = self._theta.copy()
        try:
            for i, val in enumerate(values):
                current[i] = val
        except BaseException:
            self._theta[...] = before   # all layers or none
            raise

    @property
    def _layout(self) -> Layout:
        """Where each W^l and b^l sits in θ (made on access, like the views: never stale)."""
        return Layout(self._sizes, self._has_bias)

    @property
    def params(self) -> np.ndarray:
        """All parameters as one flat vector θ (layer by layer: W^l row by row, then b^l). A view: writing it changes the network."""
        return self._theta[:]

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
        if self.output_activation == "softmax" or (self.output_activation == "sigmoid" and self._sizes[-1] > 1):
            return "classes"
        if self.output_activation == "sigmoid":
            return "binary"
        return "values"

    def __getstate__(self):
        # the backend by name (not its compiled functions); weights/biases are views made on access
        state = dict(self.__dict__)
        state["_backend"] = self._backend.name
        return state

    def __setstate__(self, state):
        state = dict(state)
        for stale in ("_weights", "_biases"):      # pickles from before the views were made on access
            state.pop(stale, None)
        for name in ("sizes", "dtype", "activation", "output_activation", "loss_name", "has_bias", "init", "seed"):
            if name in state:
                state["_" + name] = state.pop(name)
        state["_sizes"] = tuple(int(n) for n in state["_sizes"])
        self.__dict__.update(state)
        self._backend = BACKENDS[state["_backend"]]

    def copy(self) -> Network:
        """An independent network: θ and the kernels' description are copied, nothing mutable is shared."""
        net = Network.__new__(Network)
        net.__dict__.update(self.__dict__)
        net._theta = self._theta.copy()
        net._spec = Spec(self._spec.sizes.copy(), self._spec.acts.copy(), self._spec.has_bias, self._spec.loss)
        net.preprocessing = copy.deepcopy(getattr(self, "preprocessing", None))
        return net

    def __repr__(self):
        return (f"Network({list(self._sizes)}, activation={self.activation!r}, output_activation={self.output_activation!r}, "
                f"loss={self.loss_name!r}, bias={self._has_bias}, dtype={self.dtype.name!r}, backend={self.backend!r})")

    # ---- computing ----------------------------------------------------------------------
    def _inputs(self, X, arg="X"):
        return v.as_inputs(X, self._sizes[0], self.dtype, arg)

    def _data(self, X, Y, xarg="X", yarg="Y"):
        Xa, single = self._inputs(X, xarg)
        Ya = v.as_targets(Y, Xa.shape[0], self._sizes[-1], self.dtype, single, yarg)
        if self.loss_name == "cross_entropy" and (Ya.min() < 0 or Ya.max() > 1):
            raise ValueError(f"{yarg} has values in [{Ya.min():g}, {Ya.max():g}] but loss='cross_entropy' needs "
                             f"targets in [0, 1] (probabilities or one-hot rows)")
        return Xa, Ya, single

    def forward(self, X: ArrayLike) -> np.ndarray:
        """a^L for X (N, n_0) → (N, n_L), or for one example (n_0,) → (n_L,)."""
        Xa, single = self._inputs(X)
        A = self._backend.predict(self._theta, Xa, self._spec)
        return A[0] if single else A

    def _check_batch_memory(self, rows, what):
        """z, a and δ for ``rows`` examples through every layer, and a gradient as large as θ."""
        need = (3 * rows * sum(self._sizes) + 2 * self.n_params) * self._dtype.itemsize
        v.check_memory(need, f"{what} ({rows:,} examples through sizes {list(self._sizes)})")

    def gradients(self, X: ArrayLike, Y: ArrayLike, sample_weight: ArrayLike | None = None) -> Gradients:
        """∂L/∂W and ∂L/∂b of the loss over the batch (X, Y), without changing the network.
        ``sample_weight`` (N,): L = scale(Σ s_n) · Σ_n s_n e_n, so a weight of 2 is the row twice."""
        Xa, Ya, _ = self._data(X, Y)
        self._check_batch_memory(Xa.shape[0], "gradients")
        sw = sample_weights(sample_weight, Xa.shape[0], self._dtype)
        value, flat = self._backend.gradients(self._theta, Xa, Ya, self._spec, sw)
        return self._unflatten(value, flat)

    def _unflatten(self, value, flat):
        dW, db = self._layout.split(flat)
        return Gradients(float(value), dW, db, flat)

    def loss(self, X: ArrayLike, Y: ArrayLike, sample_weight: ArrayLike | None = None) -> float:
        """L over (X, Y) with the current parameters (weighted by ``sample_weight``, see :meth:`gradients`)."""
        Xa, Ya, _ = self._data(X, Y)
        sw = sample_weights(sample_weight, Xa.shape[0], self._dtype)
        return self._backend.evaluate(self._theta, Xa, Ya, self._spec, NO_ACCURACY, sw)[0]

    def _loss_value(self, Xa, Ya):
        return self._backend.evaluate(self._theta, Xa, Ya, self._spec, NO_ACCURACY)[0]

    def step(self, X: ArrayLike, Y: ArrayLike, lr: float) -> float:
        """One gradient-descent step on the batch: W ← W − lr · ∂L/∂W (and b likewise). Returns L before it.

        All or nothing, as an epoch of :meth:`fit`: if the loss, the gradient or any new weight is NaN or
        infinite, θ is put back and :class:`~loopnet.TrainingDiverged` is raised."""
        from .training import TrainingDiverged
        lr = v.hyper_parameter(lr, "lr", self._dtype)
        Xa, Ya, _ = self._data(X, Y)
        self._check_batch_memory(Xa.shape[0], "step")
        value, flat = self._backend.gradients(self._theta, Xa, Ya, self._spec)
        if not np.isfinite(value) or not np.all(np.isfinite(flat)):
            raise TrainingDiverged(f"the loss or its gradient is not finite (L = {value}); the step was not taken "
                                   f"and the network is unchanged")
        before = self._theta.copy()
        self._backend.sgd_update(self._theta, flat, lr)
        if not np.all(np.isfinite(self._theta)):
            self._theta[...] = before
            raise TrainingDiverged(f"the step made weights NaN or infinite (lr={lr:g} is too large for these "
                                   f"gradients); the network is unchanged. Try a smaller lr.")
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
        sw = sample_weights(sample_weight, Xa.shape[0], self._dtype)
        value, correct = self._backend.evaluate(self._theta, Xa, Ya, self._spec, task, sw)
        return value, (None if task == NO_ACCURACY else correct / Xa.shape[0])

    # ---- training and files (see training.py and io.py) ---------------------------------
    def fit(self, X: ArrayLike, Y: ArrayLike, epochs: int = 30, lr: float = 3.0,
            batch_size: int | str | None = 10, shuffle: bool = True, seed: Any = 0, optimizer: str = "sgd",
            momentum: float = 0.0, l2: float = 0.0, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
            validation_data: tuple | None = None, progress: bool = False, callback: Any = None,
            optimizer_state: Any = None, sample_weight: ArrayLike | None = None,
            options: TrainingOptions | None = None) -> History:
        """Mini-batch gradient descent on X (N, n_0), Y (N, n_L); returns a :class:`~loopnet.History`.

        The training options (``epochs`` … ``sample_weight``) are those of
        :class:`loopnet.options.TrainingOptions` (checked there, in this network's dtype);
        ``options=`` passes an already built one instead (its other arguments are then ignored).
        ``validation_data`` (X_val, Y_val) is scored after every epoch; ``callback(epoch, history)``
        returning True stops; ``optimizer_state`` continues an earlier fit. See
        :func:`loopnet.training.fit` for what an epoch is, divergence and Ctrl-C.
        """
        from . import training
        Xa, Ya, _ = self._data(X, Y)
        if options is None:
            options = TrainingOptions.build(
                Xa.shape[0], self._dtype, epochs=epochs, lr=lr, batch_size=batch_size, shuffle=shuffle, seed=seed,
                optimizer=optimizer, momentum=momentum, l2=l2, beta1=beta1, beta2=beta2, eps=eps,
                sample_weight=sample_weight)
        elif not isinstance(options, TrainingOptions) or options.members is not None or \
                options.n_examples != Xa.shape[0] or options.dtype != self._dtype:
            raise ValueError(f"options must be TrainingOptions.build({Xa.shape[0]}, {self._dtype.name!r}, ...) for "
                             f"these {Xa.shape[0]} examples and this {self._dtype.name} network, got {options!r:.120}")
        self._check_batch_memory(options.batch_size, "fit's mini-batch buffers")
        val = None
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                raise ValueError("validation_data must be a pair (X_val, Y_val)")
            Xv, Yv, _ = self._data(validation_data[0], validation_data[1], "validation_data[0]", "validation_data[1]")
            val = (Xv, Yv, self._task_code(Yv))
        return training.fit(self._theta, Xa, Ya, self._spec, self._backend, options, task=self._task_code(Ya),
                            validation=val, progress=progress, callback=callback, optimizer_state=optimizer_state)

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


