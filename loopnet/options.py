"""The training options, validated once, in the network's dtype.

:meth:`loopnet.Network.fit`, :meth:`loopnet.Ensemble.fit`, the scikit-learn estimators and the
command line all build one :class:`TrainingOptions` with :meth:`TrainingOptions.build`, so an
option means the same and is refused with the same message wherever it is given:

| option | accepted | held as |
|---|---|---|
| ``epochs`` | an integer ≥ 0 | int |
| ``lr`` η | a number > 0 that the dtype holds (not rounding to 0 or inf) | float (ensemble: (M,) array) |
| ``batch_size`` | an integer ≥ 1 (clipped to N), ``None`` (N), ``"auto"`` (min(200, N)) | int, 1 ≤ b ≤ N |
| ``shuffle`` | True or False | bool |
| ``seed`` | an integer ≥ 0, None or a ``numpy.random.Generator`` (continued); ensemble: also one integer per member | as given |
| ``optimizer`` | ``"sgd"`` or ``"adam"`` | name |
| ``momentum`` μ, ``beta1`` β₁, ``beta2`` β₂ | in [0, 1), not rounding to 1 in the dtype | float (momentum per member in an ensemble) |
| ``l2`` λ | a number ≥ 0; λ/N must not round to 0 in the dtype | float (ensemble: (M,) array) |
| ``eps`` ε | a number > 0 the dtype holds | float |
| ``sample_weight`` s_n | one finite number ≥ 0 per example (or one for all), not all 0, that the dtype holds | (N,) array in the dtype, or None |

Checking in float64 and then casting let ``lr=1e-46`` become 0 in a float32 network (training that
does nothing): every number is checked as the kernels will hold it.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from . import validation as v
from .kernels.training import ADAM, SGD

OPTIMIZERS = {"sgd": SGD, "adam": ADAM}


def batch_size_for(batch_size, N):
    """The mini-batch size used on N examples (the rule of every entry point).

    | ``batch_size`` | mini-batches of |
    |---|---|
    | an integer b ≥ 1 | min(b, N): a size larger than the data set is clipped to N (full batches) |
    | ``None`` | N (full-batch gradient descent) |
    | ``"auto"`` | min(200, N) (scikit-learn's MLP rule) |

    >>> batch_size_for(10, 4), batch_size_for(None, 4), batch_size_for("auto", 1000)
    (4, 4, 200)
    """
    if batch_size is None:
        return N
    if isinstance(batch_size, str) and batch_size == "auto":
        return min(200, N)
    if isinstance(batch_size, (bool, np.bool_)) or not isinstance(batch_size, numbers.Integral) or batch_size < 1:
        raise ValueError(f"batch_size must be an integer ≥ 1 (clipped to the number of examples N = {N}), "
                         f"None for full batches or 'auto' for min(200, N), got {batch_size!r}")
    return int(min(batch_size, N))


def sample_weights(sample_weight, N, dtype, arg="sample_weight"):
    """s_n (N,) in ``dtype``, or None: finite, ≥ 0, held by the dtype, not all 0.

    A weight of 2 on a row counts it twice. One number is a weight for every row."""
    if sample_weight is None:
        return None
    try:
        sw = np.array(sample_weight, dtype=np.float64)     # a copy: the caller's array is never aliased
    except (TypeError, ValueError):
        raise ValueError(f"{arg} must be numbers, one per example, got {sample_weight!r:.60}") from None
    if sw.ndim == 0:
        sw = np.full(N, float(sw))
    if sw.shape != (N,):
        raise ValueError(f"{arg} has shape {sw.shape}; expected ({N},), one weight per example (row of X)")
    if not np.all(np.isfinite(sw)) or np.any(sw < 0):
        bad = int(np.flatnonzero(~np.isfinite(sw) | (sw < 0))[0])
        raise ValueError(f"{arg}[{bad}] is {sw[bad]}; sample weights must be finite numbers ≥ 0")
    v.check_fits(sw, dtype, arg)
    held = np.ascontiguousarray(sw, dtype=dtype)
    if not np.any(held > 0):
        raise ValueError(f"{arg} is all zeros (in {np.dtype(dtype).name}); at least one example must have a "
                         f"weight > 0")
    return held


def _shuffle(value):
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise TypeError(f"shuffle must be True or False, got {value!r}")


def _seed(seed, members):
    """``seed`` checked: what ``numpy.random.default_rng`` takes (an int ≥ 0, None, a Generator); with
    ``members`` M, also a sequence of M integers ≥ 0 (one shuffling generator per member)."""
    if members is not None and not isinstance(seed, (numbers.Integral, np.random.Generator, type(None))):
        if isinstance(seed, (str, bytes)) or not hasattr(seed, "__len__"):
            raise TypeError(f"seed must be one integer (all members shuffle alike) or one integer per member "
                            f"(length M = {members}), got {seed!r}")
        seeds = list(seed)
        if len(seeds) != members:
            raise ValueError(f"seed has {len(seeds)} values but the ensemble has M = {members} members: give "
                             f"one integer for all, or exactly {members}, one per member")
        for i, s in enumerate(seeds):
            _seed(s, None)
            if s is None or isinstance(s, np.random.Generator):
                raise TypeError(f"seed[{i}] = {s!r}: per-member seeds must be integers ≥ 0")
        return [int(s) for s in seeds]
    if isinstance(seed, (bool, np.bool_)):
        raise TypeError(f"seed must be an integer ≥ 0, None or a numpy.random.Generator, got {seed!r}")
    if isinstance(seed, numbers.Integral):
        if seed < 0:
            raise ValueError(f"seed must be an integer ≥ 0, got {seed!r}")
        return int(seed)
    if seed is None or isinstance(seed, (np.random.Generator, np.random.SeedSequence, np.random.BitGenerator)):
        return seed
    try:
        np.random.default_rng(seed)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"seed must be an integer ≥ 0, None or a numpy.random.Generator, got {seed!r} "
                        f"({exc})") from None
    return seed


def _per_member(value, arg, M, dtype, allow_zero, below_one=False):
    """A hyper-parameter as an (M,) array in ``dtype``: one number for all members, or one per member,
    each checked by :func:`loopnet.validation.hyper_parameter` in the dtype."""
    if isinstance(value, (numbers.Real, np.number)) and not isinstance(value, (bool, np.bool_)):
        values = [value]
    else:
        arr = np.asarray(value) if not isinstance(value, (str, bytes)) else None
        if arr is None or arr.ndim != 1:
            shape = "a string" if arr is None else f"shape {arr.shape}"
            raise ValueError(f"{arg} must be one number or one number per member (length M = {M}), got {shape}")
        if arr.shape[0] != M:
            raise ValueError(f"{arg} has {arr.shape[0]} values but the ensemble has M = {M} members: give one "
                             f"number for all, or exactly {M}, one per member")
        values = arr.tolist()
    checked = [v.hyper_parameter(x, arg if len(values) == 1 else f"{arg}[{i}]", dtype, allow_zero=allow_zero,
                                 below_one=below_one) for i, x in enumerate(values)]
    return np.ascontiguousarray(np.broadcast_to(np.asarray(checked, dtype=dtype), (M,)))


@dataclass(frozen=True, eq=False)
class TrainingOptions:
    """Every training option, checked (see the module's table); build one with :meth:`build`.

    ``lr``, ``momentum`` and ``l2`` are floats for a network and (M,) arrays for an ensemble of M
    members (``members=M``); ``batch_size`` is already the size used on the ``n_examples`` rows.
    """
    n_examples: int
    dtype: np.dtype
    epochs: int
    lr: float | np.ndarray
    batch_size: int
    shuffle: bool
    seed: object
    optimizer: str
    momentum: float | np.ndarray
    l2: float | np.ndarray
    beta1: float
    beta2: float
    eps: float
    sample_weight: np.ndarray | None
    members: int | None = None

    @classmethod
    def build(cls, n_examples, dtype, *, epochs=30, lr=3.0, batch_size=10, shuffle=True, seed=0, optimizer="sgd",
              momentum=0.0, l2=0.0, beta1=0.9, beta2=0.999, eps=1e-8, sample_weight=None, members=None):
        """The options for training on ``n_examples`` rows in a network of ``dtype`` (M ``members``:
        an ensemble, whose ``lr``, ``momentum``, ``l2`` may be one number per member)."""
        N = int(n_examples)
        dt = v.dtype_of(dtype)
        if isinstance(epochs, (bool, np.bool_)) or not isinstance(epochs, numbers.Integral) or epochs < 0:
            raise ValueError(f"epochs must be an integer ≥ 0, got {epochs!r}")
        v.choice(optimizer, OPTIMIZERS, "optimizer")
        batch = batch_size_for(batch_size, N)
        if members is None:
            lr = v.hyper_parameter(lr, "lr", dt)
            momentum = v.hyper_parameter(momentum, "momentum", dt, allow_zero=True, below_one=True)
            l2 = v.hyper_parameter(l2, "l2", dt, allow_zero=True)
            decays = [l2]
        else:
            lr = _per_member(lr, "lr", members, dt, allow_zero=False)
            momentum = _per_member(momentum, "momentum", members, dt, allow_zero=True, below_one=True)
            l2 = _per_member(l2, "l2", members, np.float64, allow_zero=True)
            for i, lam in enumerate(l2):
                v.hyper_parameter(lam, "l2" if np.ndim(l2) == 0 else f"l2[{i}]", dt, allow_zero=True)
            decays = l2.tolist()
        for lam in decays:
            if lam:   # λ/N is what the kernels hold
                v.hyper_parameter(lam / N, f"l2/N (l2={lam:g} over N={N} examples)", dt)
        beta1 = v.hyper_parameter(beta1, "beta1", dt, allow_zero=True, below_one=True)
        beta2 = v.hyper_parameter(beta2, "beta2", dt, allow_zero=True, below_one=True)
        eps = v.hyper_parameter(eps, "eps", dt)
        return cls(N, dt, int(epochs), lr, batch, _shuffle(shuffle), _seed(seed, members), optimizer, momentum, l2,
                   beta1, beta2, eps, sample_weights(sample_weight, N, dt), members)

    @property
    def optimizer_code(self) -> int:
        """The kernels' code for the optimizer (``SGD`` or ``ADAM`` of :mod:`loopnet.kernels.training`)."""
        return OPTIMIZERS[self.optimizer]

    @property
    def decay(self):
        """λ/N in the dtype (the weight decay each step adds, Nielsen's network2); (M,) for an ensemble."""
        return np.asarray(np.asarray(self.l2, dtype=np.float64) / self.n_examples, dtype=self.dtype)

    def hyper(self) -> np.ndarray:
        """[η, μ, β₁, β₂, ε, λ/N] in the dtype: what :func:`loopnet.kernels.training.train_epochs` takes."""
        return np.array([self.lr, self.momentum, self.beta1, self.beta2, self.eps, float(self.decay)], dtype=self.dtype)

    def generators(self):
        """The shuffling generators: one (``numpy.random.default_rng(seed)``; a Generator is continued),
        or for an ensemble with one seed per member, one per member."""
        if isinstance(self.seed, list):
            return [np.random.default_rng(s) for s in self.seed]
        return [np.random.default_rng(self.seed)]
