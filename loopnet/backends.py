"""The backends, one set of answers.

| name | what runs | use it for |
|---|---|---|
| ``loops`` | the kernels of :mod:`loopnet.kernels` compiled by numba, with the three big sums swapped for the speed layer's (:data:`loopnet.kernels.speedups.SPEEDUPS`: register-blocked sums, on all cores for large layers, and a vectorised exp) | speed (the default) |
| ``plain`` | the component kernels exactly as written (one loop per index of each equation), compiled by numba | seeing what compiling the derivation's loops alone buys; the benchmark row between ``numpy`` and ``loops`` |
| ``numpy`` | :mod:`loopnet.twin`, the same equations vectorised with matrix products | the twin the tests compare against; the benchmark baseline |
| ``python`` | the component kernels exactly as written, uncompiled (:func:`loopnet.jit.python_version`) | stepping through the loops with a debugger; tiny networks only |

A backend is an object with ``predict``, ``gradients``, ``train_epochs`` and ``sgd_update``;
:class:`loopnet.Network` picks one by name from :data:`BACKENDS`.
"""
from __future__ import annotations

import functools
import sys
import time
import types
from dataclasses import dataclass

import numba
import numpy as np
from numba.core.registry import CPUDispatcher

from . import twin
from .jit import PARALLEL_WORK, python_version, variant
from .jit.cache import is_cached
from .jit.trees import swap_tree
from .kernels import backward, blocked, forward, loss, optimizers, speedups, training

PREDICT_CHUNK = 256  # rows per pass of the compiled forward pass (keeps its buffers in cache)


@dataclass(frozen=True)
class Spec:
    """What the kernels need to know about a network besides θ."""
    sizes: np.ndarray   # (L+1,) int64
    acts: np.ndarray    # (L,) int64 activation codes, layer 1..L
    has_bias: bool
    loss: int


# About how long each tree takes to compile from nothing, per dtype (seconds on the 2-core AMD EPYC the
# benchmarks run on, measured with bench/compile_times.py; a tree shares the kernels it has in common
# with one compiled before it). Only for the message a first use prints.
COMPILE_SECONDS = {"component": 8, "blocked": 12, "parallel": 20}
_ANNOUNCED: set = set()   # (tree, dtype) already announced in this process


def _work(spec, rows):
    """What picks a tree: the largest layer's multiply-adds for ``rows`` examples, rows × max_l n_l n_{l−1}."""
    return 0 if spec is None else int(rows) * _largest_layer(np.ascontiguousarray(spec.sizes, dtype=np.int64).tobytes())


@functools.lru_cache(maxsize=1024)
def _largest_layer(sizes_bytes):
    """max_l n_l n_{l−1} of the sizes whose int64 bytes these are (worked out once per net: every call asks)."""
    sizes = np.frombuffer(sizes_bytes, dtype=np.int64)
    return max(int(sizes[l]) * int(sizes[l - 1]) for l in range(1, len(sizes)))


def _weights(sw, theta, X):
    """The sample weights s_n (N,) in θ's dtype; ones when none are given (checked by the caller)."""
    return np.ones(X.shape[0], dtype=theta.dtype) if sw is None else sw


def compile_notice(tree, dtype, out=None):
    """The line printed (on stderr) before a tree of kernels is compiled from nothing in this process."""
    from . import jit
    where = f"cached in {numba_cache_dir()}" if jit.CACHE else "no writable cache directory: compiled in every process"
    if jit.shipped.REASON.startswith("the shipped"):    # a wheel's compiled kernels exist but do not fit: say why
        where += f" ({jit.shipped.REASON})"
    line = f"loopnet: compiling the {tree} kernels for {dtype} — first use only, about {COMPILE_SECONDS.get(tree, 10)} s; {where}"
    bars = sys.modules.get("tqdm.std")
    if out is None and bars is not None and getattr(bars.tqdm, "_instances", None):
        bars.tqdm.write(line, file=sys.stderr)          # above a progress bar, not through its line
    else:
        print(line, file=out or sys.stderr, flush=True)


def numba_cache_dir():
    import numba
    return numba.config.CACHE_DIR


class LoopBackend:
    """Runs a tree of the kernels of :mod:`loopnet.kernels` (compiled, or their uncompiled twins).

    ``trees(work)`` gives ``(name, kernels)`` for a call whose largest layer does ``work``
    multiply-adds per batch (rows × n_l × n_{l−1}); numba compiles a tree on its first call, so a
    backend that picks a smaller tree for smaller work compiles only what the run uses. The first
    call of a kernel for a dtype in a process compiles it, or loads it from numba's cache; when
    there is nothing cached to load, :func:`compile_notice` says so first, and the seconds spent are
    added to ``compile_seconds`` (fit takes them out of the progress bar's rate).
    """

    def __init__(self, name: str, trees):
        self.name = name
        self.trees = trees
        self.compile_seconds = 0.0
        self._ready: set[tuple[int, str]] = set()   # (kernel id, dtype char) ready in this process

    def _run(self, spec, rows, op, dtype, *args):
        """``op`` of the tree for this network and batch, called with ``args`` (compiled first if need be)."""
        tree, kernels = self.trees(_work(spec, rows))
        fn = getattr(kernels, op)
        key = (id(fn), dtype.char)
        if key not in self._ready and isinstance(fn, CPUDispatcher):
            sig = tuple(numba.typeof(a) for a in args)
            if sig not in fn.overloads:
                cached = is_cached(fn, sig)
                if not cached and (tree, dtype.name) not in _ANNOUNCED:
                    _ANNOUNCED.add((tree, dtype.name))
                    compile_notice(tree, dtype.name)
                t = time.perf_counter()
                fn.compile(sig)
                self.compile_seconds += time.perf_counter() - t
            self._ready.add(key)
        return fn(*args)

    def predict(self, theta, X, spec):
        out = np.empty((X.shape[0], int(spec.sizes[-1])), dtype=theta.dtype)
        if hasattr(self.trees(_work(spec, X.shape[0]))[1], "predict_rows"):   # the speed layer's trees
            rows, runs = blocked.predict_plan(spec.sizes, theta.dtype.itemsize, X.shape[0], numba.get_num_threads())
            self._run(spec, X.shape[0], "predict_rows", theta.dtype, out, theta, X, spec.sizes, spec.acts,
                      spec.has_bias, rows, runs)
            return out
        chunk = min(PREDICT_CHUNK, X.shape[0])                 # buffers sized to the work
        self._run(spec, chunk, "predict", theta.dtype, out, theta, X, spec.sizes, spec.acts, spec.has_bias, chunk)
        return out

    def evaluate(self, theta, X, Y, spec, task, sw=None):
        chunk = min(PREDICT_CHUNK, X.shape[0])
        value, correct = self._run(spec, chunk, "evaluate", theta.dtype, theta, X, Y, _weights(sw, theta, X),
                                   spec.sizes, spec.acts, spec.has_bias, spec.loss, task, chunk)
        return float(value), int(correct)

    def gradients(self, theta, X, Y, spec, sw=None):
        grad = np.zeros_like(theta)
        value = self._run(spec, X.shape[0], "gradients", theta.dtype,
                          grad, theta, X, Y, _weights(sw, theta, X), spec.sizes, spec.acts, spec.has_bias, spec.loss)
        return float(value), grad

    def train_epochs(self, theta, X, Y, orders, spec, batch_size, optimizer, hyper, state, step, task,
                     epoch_loss, epoch_correct, sw=None):
        return int(self._run(spec, min(batch_size, X.shape[0]), TRAIN_EPOCHS[optimizer], theta.dtype,
                             theta, X, Y, _weights(sw, theta, X), orders, spec.sizes, spec.acts, spec.has_bias,
                             spec.loss, batch_size, optimizer, hyper, state, step, task, epoch_loss, epoch_correct))

    def sgd_update(self, theta, grad, lr):
        self._run(None, 0, "sgd_update", theta.dtype,                # no sums: the component kernel
                  theta, grad, grad[:0], theta.dtype.type(lr), theta.dtype.type(0))


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


# optimizer → the trees' epoch kernel for it: training.train_epochs, compiled without the other optimizer's
# update (training.LEFT_OUT)
TRAIN_EPOCHS = {training.SGD: "train_epochs_sgd", training.ADAM: "train_epochs_adam"}
# The kernels as written: what the python backend runs (the one train_epochs a learner steps into)
_SOURCE = types.SimpleNamespace(
    predict=forward.predict, gradients=backward.gradients, evaluate=loss.evaluate,
    sgd_update=optimizers.sgd_update, **{op: training.train_epochs for op in TRAIN_EPOCHS.values()},
)

# Every compiled kernel tree, one row each: the tree it starts from and the swap table applied to
# it (loopnet.jit.swap_tree: a swap that matches no kernel of the tree is an error, not a no-op).
# tests/test_trees.py checks that each tree calls the kernels its row says.
#
# | tree | starts from | swaps (component kernel → replacement) | run by |
# |---|---|---|---|
# | ``component`` | the kernels as written; each ``train_epochs_<opt>`` from training.train_epochs | training.LEFT_OUT[opt]: the other optimizer's update → optimizers.left_out | ``plain``; ``loops`` below speedups.SMALLEST_BLOCK_WORK |
# | ``parallel`` | ``component`` | speedups.SPEEDUPS: the three big sums → blocked.*_fast (blocked, all cores from PARALLEL_WORK), σ → vexp; adds ``predict_rows`` (blocked.predict_rows_parallel: forward over a data set, row blocks on all cores from blocked.PREDICT_PARALLEL_WORK, z = Wa + b by microkernel.weighted_input_packed from microkernel.PACKED_WORK; the ``blocked`` tree shares it) | ``loops`` from PARALLEL_WORK; ``loops``' forward wherever a layer reaches speedups.SMALLEST_BLOCK_WORK |
# | ``blocked`` | ``parallel`` | speedups.SERIAL: the parallel blocked sums → their serial versions (the forward one: this machine's tile) | ``loops`` in between |
# | member trees | kernels/ensemble.py's ``train_each`` (``train_epochs`` per member) | as ``blocked`` (members run on all cores, their sums serial) | :class:`loopnet.Ensemble` on ``loops`` (ensemble._loops_each) |
#
# ``python`` runs ``_SOURCE`` uncompiled (jit.python_version); ``numpy`` runs loopnet.twin.
def _component():
    tree = dict(vars(_SOURCE))
    for opt, op in TRAIN_EPOCHS.items():
        tree[op] = variant(training.train_epochs, training.LEFT_OUT[opt], op.removeprefix("train_epochs_"),
                           strict=True)
    return types.SimpleNamespace(**tree)


TREES = {
    # name: (the tree it starts from, the swap table, the suffix of the rebuilt kernels' names,
    #        operations added after the swaps: a later row's swaps apply to them too)
    "parallel": ("component", speedups.SPEEDUPS, "fast",
                 {"predict_rows": blocked.predict_rows_parallel}),   # inference over a data set, its own prange
    "blocked": ("parallel", speedups.SERIAL, "serial", {}),
}
_AS_WRITTEN = _component()


@functools.lru_cache(maxsize=None)
def tree(name: str) -> types.SimpleNamespace:
    """The kernels of the tree ``name`` (a row of :data:`TREES`, or ``component``), built on first use."""
    if name == "component":
        return _AS_WRITTEN
    start, swaps, suffix, adds = TREES[name]
    return types.SimpleNamespace(**swap_tree(vars(tree(start)), swaps, suffix), **adds)


def _loops_tree(work):
    """| largest layer's multiply-adds per batch | tree | compiles |
    |---|---|---|
    | below speedups.SMALLEST_BLOCK_WORK | ``component``: the kernels as written (what every *_fast would pick) | no blocked or parallel code |
    | below PARALLEL_WORK | ``blocked``: SPEEDUPS then SERIAL | blocked kernels, no parallel copies |
    | from PARALLEL_WORK | ``parallel``: SPEEDUPS | all three versions of each sum |
    """
    if work < speedups.SMALLEST_BLOCK_WORK:
        return "component", _AS_WRITTEN
    if work < PARALLEL_WORK:
        return "blocked", tree("blocked")
    return "parallel", tree("parallel")


_PYTHON = types.SimpleNamespace(**{name: python_version(fn) for name, fn in vars(_SOURCE).items()})

BACKENDS = {
    "loops": LoopBackend("loops", _loops_tree),
    "plain": LoopBackend("plain", lambda work: ("component", _AS_WRITTEN)),
    "numpy": NumpyBackend(),
    "python": LoopBackend("python", lambda work: ("component", _PYTHON)),
}
