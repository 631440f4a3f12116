"""The :class:`Ensemble`: M independent networks of one layout, trained in one compiled call.

    >>> import loopnet as ln
    >>> from loopnet import datasets
    >>> X, Y = datasets.logic_gate("xor")
    >>> ens = ln.Ensemble([2, 2, 1], seeds=range(100))      # 100 members, θ (100, 9)
    >>> curves = ens.fit(X, Y, epochs=2000, lr=3.0, batch_size=None, shuffle=False)   # (100, 2000)
    >>> stuck = (curves[:, -1] >= 0.01).mean()               # the fraction of 2-2-1 nets stuck on XOR

Member i is ``Network(sizes, seed=seeds[i], ...)``, and ``ens.fit(X, Y, ...)`` leaves it exactly
where ``Network(sizes, seed=seeds[i], ...).fit(X, Y, ...)`` would (to rounding: the kernels add in
another order, and their exp is :func:`loopnet.kernels.vexp.vexp`), with that member's own η, μ, λ
when ``lr``, ``momentum`` or ``l2`` are arrays. Shuffles:

| ``fit(seed=...)`` | member i's epoch orders |
|---|---|
| an integer s (default 0) | those of ``Network.fit(seed=s)``: every member sees the same order |
| one integer per member | those of ``Network.fit(seed=seed[i])`` |

Backends: ``loops`` (the kernels of :mod:`loopnet.kernels.ensemble`, blocks of members on all
cores), ``numpy`` (:mod:`loopnet.twin` with a member axis, batched matrix products), ``python`` (the loop
kernels uncompiled).
"""
from __future__ import annotations

import numbers
import warnings

import numpy as np

from . import validation as v
from .jit import python_version
from .jit.trees import swap_tree
from .kernels import ensemble as kern, speedups
from .kernels.layout import Layout
from .kernels.loss import ARGMAX, NO_ACCURACY
from .network import INITS, Network
from .kernels.training import ADAM
from .options import TrainingOptions, sample_weights

FORMAT = "loopnet-ensemble"
VERSION = 2          # 2: with the manifest of loopnet.io (version 1 files still load)
ORDERS_BYTES = 64 * 2 ** 20          # at most this much of shuffle orders per compiled call
PREDICT_CHUNK = 256                  # rows per pass of the forward kernel (as Network's)
BLOCK_BYTES = 256 * 2 ** 10          # a kernel block's θ, state and batch buffers: about an L2 cache
BLOCK_WORK = 10_000                  # multiply-adds per member and batch below which blocks of members pay
                                     # (2-2-1: 36 → blocks; 64-30-10 × 10: 22,600 → member after member, the
                                     # blocked single-network kernels; measured in docs/benchmarks.md)
VOTES = ("mean", "majority")


class MembersDiverged(RuntimeWarning):
    """Some members' loss became NaN or infinite during :meth:`Ensemble.fit`; they were stopped."""


class _Backend:
    """The three ways to run the ensemble kernels, one table (as :data:`loopnet.BACKENDS`).

    | kernel | runs | chosen when (:func:`use_blocks`) |
    |---|---|---|
    | ``train_members`` | blocks of members, the member index innermost (SIMD across members) | small networks: n_params × batch_size < ``BLOCK_WORK`` |
    | ``train_each`` | ``training.train_epochs`` per member (bitwise ``Network.fit``) | bigger ones: one member already fills the vector units |

    Either runs its members (or blocks) on all cores when there is more than one.
    """

    def __init__(self, name, train, train_parallel, each, forward, forward_parallel):
        self.name = name
        self._train, self._train_parallel = train, train_parallel
        self._each = each                   # work → (serial, parallel) train_each for that size of network
        self._forward, self._forward_parallel = forward, forward_parallel

    def train(self, blocks, sw, *args):
        """``train_members`` (blocks) or ``train_each`` with sample weights sw (1 or M, N); args are
        train_members' (θ, X, Y, orders, …, lanes)."""
        M = args[0].shape[0]                             # args[0]: θ (M, P)
        if blocks:
            self._run(self._train, self._train_parallel, M > args[-1], args[:3] + (sw,) + args[3:])  # args[-1]: lanes
        else:
            sizes, batch = args[4], int(args[8])         # the largest layer's multiply-adds per batch
            work = batch * max(int(sizes[l]) * int(sizes[l - 1]) for l in range(1, len(sizes)))
            serial, parallel = self._each(work)
            self._run(serial, parallel, M > 1, args[:3] + (sw,) + args[3:-1])

    def forward(self, *args):
        self._run(self._forward, self._forward_parallel, args[2].shape[0] > args[-1], args)  # args[2]: θ

    @staticmethod
    def _run(serial, parallel, several, args):
        fn = parallel if several else serial            # one block (or member): no threads to start
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            fn(*args)


def use_blocks(n_params, batch_size):
    """Whether :meth:`Ensemble.fit` trains blocks of members (member index innermost) rather than
    member after member with the single-network kernel (see :class:`_Backend`)."""
    return n_params * batch_size < BLOCK_WORK


def block_lanes(M, n_params, batch, sizes, threads=None):
    """How many members a kernel block holds (the member loop's length; see kernels/ensemble.py).

    A block keeps per member about 5 P numbers (θ, ∂L/∂θ, optimizer state, the epoch's backup)
    and 3 B Σ_l n_l (z, a, δ of a batch); ``lanes`` fills ~256 KB with them, between 32 and 512,
    a multiple of 32 (LLVM runs the member loop 32 at a time: four AVX-512 vectors of float64; a
    shorter loop runs scalar), and no wider than needed to give every thread a block.
    """
    import numba
    threads = threads or numba.get_num_threads()
    per_member = 8 * (5 * n_params + 3 * batch * sum(sizes))
    lanes = max(32, min(512, (BLOCK_BYTES // per_member) // 32 * 32))
    share = -(-M // max(threads, 1))                    # members per thread, rounded up
    return int(max(32, min(lanes, -(-share // 32) * 32)))


def _numpy_forward(out, value, theta, X, Y, sizes, acts, has_bias, loss, chunk, lanes):
    from . import twin
    twin.forward_members(out, value, theta, X, Y, sizes, acts, has_bias, loss)


def _numpy_train(*args):
    from . import twin
    twin.train_members(*args[:-1])       # all but lanes


def _numpy_each(theta, X, Y, sw, orders, sizes, acts, has_bias, loss, batch_size, optimizer,
                lr, momentum, decay, betas, state, step, epoch_loss, stopped, first_epoch):
    """train_each on the numpy backend: :func:`loopnet.twin.train_epochs` member after member."""
    from . import twin
    E = orders.shape[1]
    for m in range(theta.shape[0]):
        if stopped[m] >= 0:
            epoch_loss[:, m] = np.nan
            continue
        pick = (lambda a: a[m] if a.shape[0] > 1 else a[0])
        hyper = np.array([lr[m], momentum[m], betas[0], betas[1], betas[2], decay[m]], dtype=theta.dtype)
        losses, correct = np.empty(E), np.zeros(E, dtype=np.int64)
        done = twin.train_epochs(theta[m], pick(X), pick(Y), pick(sw), pick(orders), sizes, acts, has_bias, loss,
                                 batch_size, optimizer, hyper, state[m], step[m:m + 1], 0, losses, correct)
        epoch_loss[:, m] = np.where(np.arange(E) < done, losses, np.nan)
        if done < E:
            stopped[m] = first_epoch + done


def _python(fn):
    return lambda *args: python_version(fn)(*args)


def _loops_each(work):
    """train_each as :class:`loopnet.Network` would train one member of this size on the loops backend: the
    same kernel tree (component kernels for small layers, the speed layer above its thresholds), always
    with the serial sums inside (the members themselves are what runs on all cores). Same numbers as
    ``Network.fit``, bit for bit: the parallel sums a single network may use write what the serial ones do."""
    from .backends import _loops_tree
    if _loops_tree(work)[0] == "component":
        return kern.train_each, kern.train_each_parallel
    members = {"train_each": kern.train_each, "train_each_parallel": kern.train_each_parallel}
    fast = swap_tree(swap_tree(members, speedups.SPEEDUPS, "fast"), speedups.SERIAL, "serial")
    return fast["train_each"], fast["train_each_parallel"]


BACKENDS = {
    "loops": _Backend("loops", kern.train_members, kern.train_members_parallel, _loops_each,
                      kern.forward_members, kern.forward_members_parallel),
    "numpy": _Backend("numpy", _numpy_train, _numpy_train, lambda work: (_numpy_each, _numpy_each),
                      _numpy_forward, _numpy_forward),
    "python": _Backend("python", _python(kern.train_members), _python(kern.train_members),
                       lambda work: (_python(kern.train_each), _python(kern.train_each)),
                       _python(kern.forward_members), _python(kern.forward_members)),
}


def _check_seeds(seeds, arg, allow_duplicates):
    """Seeds as a list of non-negative ints (numpy.random.default_rng's domain)."""
    if isinstance(seeds, (numbers.Integral, str, bytes)) or not hasattr(seeds, "__len__"):
        raise TypeError(f"{arg} must be a sequence of integer seeds, one per member (e.g. range(10)), got {seeds!r}")
    out = []
    for i, s in enumerate(seeds):
        if isinstance(s, (bool, np.bool_)) or not isinstance(s, numbers.Integral):
            raise TypeError(f"{arg}[{i}] = {s!r} is not an integer; each member's seed must be an integer ≥ 0")
        if s < 0:
            raise ValueError(f"{arg}[{i}] = {s} is negative; seeds must be integers ≥ 0")
        out.append(int(s))
    if not out:
        raise ValueError(f"{arg} is empty: an ensemble needs at least one member")
    if not allow_duplicates:
        first = {}
        for i, s in enumerate(out):
            if s in first:
                raise ValueError(f"{arg} has the seed {s} twice (members {first[s]} and {i}): those members would start "
                                 f"identical. Give distinct seeds, or pass allow_duplicates=True to start several "
                                 f"members from one initialisation (e.g. a learning-rate sweep)")
            first[s] = i
    return out


def draw_params(sizes, init, seed, bias, dtype):
    """θ of ``Network(sizes, init=init, seed=seed, bias=bias)``: the same draws in the same order."""
    draw_w, draw_b = INITS[init]
    rng = np.random.default_rng(seed)
    Ws, bs = [], []
    for l in range(1, len(sizes)):
        Ws.append(draw_w(rng, sizes[l], sizes[l - 1]))
        if bias:
            bs.append(draw_b(rng, sizes[l]))
    return Layout(sizes, bias).join(Ws, bs if bias else None, dtype)


class Ensemble:
    """M independent networks of one layout, their parameters in one (M, P) array.

    ``Ensemble([2, 2, 1], seeds=range(1000))`` holds 1000 networks 2-2-1; member i is initialised
    as ``Network([2, 2, 1], seed=seeds[i])`` would be. Every other argument means what it means
    for :class:`loopnet.Network`. Seeds must be distinct unless ``allow_duplicates=True`` (for a
    sweep of learning rates from one initialisation, say).

    | attribute | what |
    |---|---|
    | ``params`` | θ (M, P), row i = member i's flat parameter vector (a view: writing it changes the members) |
    | ``history`` | the last :meth:`fit`'s loss curves, (M, epochs); NaN from the epoch a member diverged |
    | ``diverged`` | (M,) bool: members stopped by a non-finite loss in the last fit |
    | ``diverged_epoch`` | (M,) int: the epoch (0-based) in which each stopped member diverged, −1 for the others |
    | ``seeds`` | the members' seeds |
    """

    def __init__(self, sizes, seeds=range(10), activation="sigmoid", output_activation=None, loss="quadratic",
                 bias=True, init="scaled", dtype="float64", backend="loops", allow_duplicates=False):
        seeds = _check_seeds(seeds, "seeds", allow_duplicates)
        # member 0 as a Network: every shared argument is checked (with Network's messages) once
        self._proto = Network(sizes, activation=activation, output_activation=output_activation, loss=loss,
                              bias=bias, init=init, seed=seeds[0], dtype=dtype, backend="loops")
        self._backend = v.choice(backend, BACKENDS, "backend")
        p = self._proto
        self._theta = np.empty((len(seeds), p.n_params), dtype=p.dtype)
        for i, s in enumerate(seeds):
            self._theta[i] = draw_params(p.sizes, init, s, bias, p.dtype)
        self.seeds = seeds
        self.init = init
        self._reset_history(0)

    def _reset_history(self, epochs):
        # stored epoch-major (the kernels write an epoch's losses of all members side by side);
        # history is its (M, epochs) transpose, a view
        self._curves = np.empty((epochs, len(self)))   # the kernels write every entry
        self.history = self._curves.T
        self.diverged_epoch = np.full(len(self), -1, dtype=np.int64)

    # ---- what it is ------------------------------------------------------------------------------
    def __len__(self):
        return self._theta.shape[0]

    @property
    def sizes(self):
        return list(self._proto.sizes)

    @property
    def dtype(self):
        return self._proto.dtype

    @property
    def params(self):
        """θ (M, P): row i is member i's parameters in :attr:`Network.params`'s layout. A view."""
        return self._theta

    @property
    def n_params(self):
        return self._proto.n_params

    @property
    def backend(self):
        return self._backend.name

    @backend.setter
    def backend(self, name):
        self._backend = v.choice(name, BACKENDS, "backend")

    @property
    def diverged(self):
        return self.diverged_epoch >= 0

    @property
    def task(self):
        return self._proto.task

    def __repr__(self):
        p = self._proto
        return (f"Ensemble({p.sizes}, {len(self)} members, activation={p.activation!r}, "
                f"output_activation={p.output_activation!r}, loss={p.loss_name!r}, bias={p.has_bias}, "
                f"dtype={p.dtype.name!r}, backend={self.backend!r})")

    def __getitem__(self, i):
        """Member i as a :class:`Network` (a copy: changing it does not change the ensemble)."""
        if isinstance(i, (bool, np.bool_)) or not isinstance(i, numbers.Integral):
            raise TypeError(f"ensemble index must be an integer member number, got {i!r}")
        M = len(self)
        if not -M <= i < M:
            raise IndexError(f"member {i} does not exist: the ensemble has M = {M} members (0 … {M - 1})")
        net = self._proto.copy()
        net._theta[...] = self._theta[i]
        net.backend = self.backend
        net._seed = self.seeds[i]            # the description is read-only to users; this member was drawn with it
        return net

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __getstate__(self):
        # the backend by name (not its compiled functions); history is a view of _curves
        state = {k: val for k, val in self.__dict__.items() if k != "history"}
        state["_backend"] = self._backend.name
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._backend = BACKENDS[state["_backend"]]
        self.history = self._curves.T

    @classmethod
    def concatenate(cls, parts):
        """One ensemble from several of one layout, members in the order given (e.g. slices of the
        members trained on different Dask workers; see docs/scaling.md)."""
        parts = list(parts)
        if not parts or not all(isinstance(p, cls) for p in parts):
            raise TypeError("concatenate needs a non-empty list of Ensembles")
        first = parts[0]
        for i, p in enumerate(parts[1:], 1):
            for what in ("sizes", "activation", "output_activation", "loss_name", "has_bias", "dtype"):
                a, b = getattr(first._proto, what), getattr(p._proto, what)
                if a != b:
                    raise ValueError(f"parts[{i}] has {what} = {b!r} but parts[0] has {a!r}: only ensembles of "
                                     f"one layout can be concatenated")
            if p._curves.shape[0] != first._curves.shape[0]:
                raise ValueError(f"parts[{i}] was trained for {p._curves.shape[0]} epochs but parts[0] for "
                                 f"{first._curves.shape[0]}: their loss curves cannot be joined")
        ens = cls.__new__(cls)
        ens.__dict__.update(first.__dict__)
        ens._theta = np.concatenate([p._theta for p in parts])
        ens.seeds = [s for p in parts for s in p.seeds]
        ens._curves = np.concatenate([p._curves for p in parts], axis=1)
        ens.history = ens._curves.T
        ens.diverged_epoch = np.concatenate([p.diverged_epoch for p in parts])
        return ens

    # ---- data ----------------------------------------------------------------------------------
    def _data(self, X, Y, targets=True):
        """(X3, Y3, single): data as (1 or M, N, n) arrays; per-member data has M on its first axis."""
        M = len(self)
        p = self._proto
        Xarr = np.asarray(X) if not isinstance(X, np.ndarray) else X
        per_member = getattr(Xarr, "ndim", 0) == 3
        if targets:
            Yarr = np.asarray(Y) if not isinstance(Y, np.ndarray) else Y
            if per_member != (getattr(Yarr, "ndim", 0) == 3) and not (per_member and Yarr.ndim == 2 and p.sizes[-1] == 1
                                                                      and Yarr.shape[0] == M):
                raise ValueError(f"X has shape {Xarr.shape} and Y has shape {Yarr.shape}: give both for all members "
                                 f"(X (N, n_0), Y (N, n_L)) or both per member (X (M, N, n_0), Y (M, N, n_L), M = {M})")
        if not per_member:
            if targets:
                Xa, Ya, single = p._data(X, Y)
                return Xa[None], Ya[None], single
            Xa, single = p._inputs(X)
            return Xa[None], None, single
        if Xarr.shape[0] != M:
            raise ValueError(f"X has shape {Xarr.shape}: per-member data must have the number of members "
                             f"M = {M} on its first axis, (M, N, n_0) = ({M}, N, {p.sizes[0]})")
        N = Xarr.shape[1]
        if targets:
            if Yarr.shape[0] != M:
                raise ValueError(f"Y has shape {Yarr.shape}: per-member targets must have the number of members "
                                 f"M = {M} on its first axis, (M, N, n_L) = ({M}, {N}, {p.sizes[-1]})")
            if Yarr.shape[1] != N:
                raise ValueError(f"Y has shape {Yarr.shape} but X has shape {Xarr.shape}: member i's targets Y[i] "
                                 f"need one row per example of X[i] ({N})")
            Xa, Ya, _ = p._data(Xarr.reshape((M * N,) + Xarr.shape[2:]), Yarr.reshape((M * N,) + Yarr.shape[2:]))
            return Xa.reshape(M, N, -1), Ya.reshape(M, N, -1), False
        Xa, _ = p._inputs(Xarr.reshape((M * N,) + Xarr.shape[2:]))
        return Xa.reshape(M, N, -1), None, False

    # ---- computing -----------------------------------------------------------------------------
    def _forward(self, X3, Y3):
        M, L = len(self), self._proto.sizes[-1]
        out = np.empty((M, X3.shape[1], L), dtype=self.dtype)
        value = np.full(M, np.nan)
        Yk = Y3 if Y3 is not None else np.empty((1, 0, L), dtype=self.dtype)
        s = self._proto._spec
        chunk = min(PREDICT_CHUNK, X3.shape[1])
        lanes = block_lanes(M, self.n_params, chunk, self._proto.sizes)
        self._backend.forward(out, value, self._theta, X3, Yk, s.sizes, s.acts, s.has_bias, s.loss, chunk, lanes)
        return out, value

    def forward(self, X):
        """a^L of every member: X (N, n_0) → (M, N, n_L); X (n_0,) → (M, n_L); X (M, N, n_0) per member."""
        X3, _, single = self._data(X, None, targets=False)
        out, _ = self._forward(X3, None)
        return out[:, 0] if single else out

    def loss(self, X, Y):
        """Each member's loss L over (X, Y), shape (M,)."""
        X3, Y3, _ = self._data(X, Y)
        return self._forward(X3, Y3)[1]

    def predict(self, X, vote="mean"):
        """The ensemble's prediction per row of X.

        | task (as :attr:`Network.task`) | ``vote="mean"`` (default) | ``vote="majority"`` |
        |---|---|---|
        | ``classes`` (argmax) | argmax of the members' mean output | the class most members predict (ties: the smallest) |
        | ``binary`` (a ≥ ½) | mean output ≥ ½ | more than half of the members predict 1 |
        | ``values`` | the members' mean output | — (ValueError) |
        """
        if vote not in VOTES:
            raise ValueError(f"vote={vote!r} is not a known vote; choose one of: {', '.join(map(repr, VOTES))}")
        A = self.forward(X)                       # (M, N, n_L) or (M, n_L)
        task = self.task
        if task == "values":
            if vote == "majority":
                raise ValueError("vote='majority' needs class outputs (softmax, or sigmoid); this ensemble "
                                 "outputs values: use vote='mean'")
            return A.mean(axis=0)
        if vote == "mean":
            mean = A.mean(axis=0)
            return np.argmax(mean, axis=-1) if task == "classes" else (mean[..., 0] >= 0.5).astype(np.int64)
        if task == "binary":
            return (2 * (A[..., 0] >= 0.5).sum(axis=0) > len(self)).astype(np.int64)
        labels = np.argmax(A, axis=-1)            # (M, N) or (M,)
        counts = np.stack([(labels == c).sum(axis=0) for c in range(A.shape[-1])], axis=-1)
        return np.argmax(counts, axis=-1)

    # ---- training ------------------------------------------------------------------------------
    def _sample_weight(self, sample_weight, N):
        """s_n as a (1, N) array for all members or (M, N) one row per member, in the dtype; None if None."""
        if sample_weight is None:
            return None
        M = len(self)
        if np.ndim(sample_weight) == 2:
            rows = np.asarray(sample_weight)
            if rows.shape[0] != M:
                raise ValueError(f"sample_weight has shape {rows.shape}: per-member weights must be (M, N) = "
                                 f"({M}, {N}), one row per member")
            return np.stack([sample_weights(rows[i], N, self.dtype, f"sample_weight[{i}]") for i in range(M)])
        return sample_weights(sample_weight, N, self.dtype)[None]

    def fit(self, X, Y, epochs=30, lr=3.0, batch_size=10, shuffle=True, seed=0, optimizer="sgd", momentum=0.0,
            l2=0.0, beta1=0.9, beta2=0.999, eps=1e-8, sample_weight=None):
        """Train every member on (X, Y) as :meth:`Network.fit` would; return :attr:`history` (M, epochs).

        X (N, n_0), Y (N, n_L) for all members, or X (M, N, n_0), Y (M, N, n_L) one data set per
        member (bootstrap ensembles). Every option is checked as for :meth:`Network.fit`
        (:class:`loopnet.options.TrainingOptions`, in the ensemble's dtype; ``batch_size`` is clipped
        to N). ``lr``, ``momentum`` and ``l2``: one number, or one per member (a sweep in one call).
        ``seed``: one integer (all members shuffle as ``Network.fit(seed=seed)``) or one per member.
        ``sample_weight``: (N,) for every member, or (M, N) one row per member, as in :meth:`Network.fit`.
        A member whose loss or weights become NaN or infinite is stopped with its
        weights from the start of that epoch (:attr:`diverged`, :attr:`diverged_epoch`; its curve is
        NaN from there) and a :class:`MembersDiverged` warning names it; the others train on.
        """
        M = len(self)
        p = self._proto
        X3, Y3, _ = self._data(X, Y)
        N = X3.shape[1]
        o = TrainingOptions.build(N, p.dtype, epochs=epochs, lr=lr, batch_size=batch_size, shuffle=shuffle,
                                  seed=seed, optimizer=optimizer, momentum=momentum, l2=l2, beta1=beta1,
                                  beta2=beta2, eps=eps, members=M)
        sw = self._sample_weight(sample_weight, N)
        epochs, batch_size, opt = o.epochs, o.batch_size, o.optimizer_code
        lr_m, mom_m, decay_m = o.lr, o.momentum, np.ascontiguousarray(o.decay)
        rngs = o.generators()
        betas = np.array([o.beta1, o.beta2, o.eps], dtype=p.dtype)
        state = np.zeros((M, 2 * p.n_params if opt == ADAM else p.n_params), dtype=p.dtype)
        step = np.zeros(M, dtype=np.int64)
        self._reset_history(epochs)
        stopped = self.diverged_epoch                 # −1: training; filled in by the kernels
        n_orders = len(rngs) if o.shuffle else 1
        chunk = int(max(1, min(max(epochs, 1), ORDERS_BYTES // (8 * N * n_orders))))
        s = p._spec
        lanes = block_lanes(M, p.n_params, int(batch_size), p.sizes)
        blocks = use_blocks(p.n_params, int(batch_size))
        if sw is None:
            sw = np.ones((1, N), dtype=p.dtype)
        done = 0
        while done < epochs:
            n = min(chunk, epochs - done)
            if o.shuffle:   # row e of each generator's draw is exactly rng.permutation(N) for epoch e (as Network.fit)
                orders = np.stack([r.permuted(np.tile(np.arange(N, dtype=np.int64), (n, 1)), axis=1) for r in rngs])
            else:
                orders = np.broadcast_to(np.arange(N, dtype=np.int64), (1, n, N)).copy()
            self._backend.train(blocks, sw, self._theta, X3, Y3, orders, s.sizes, s.acts, s.has_bias, s.loss, int(batch_size),
                                opt, lr_m, mom_m, decay_m, betas, state, step, self._curves[done:done + n], stopped, done, lanes)
            done += n
        if self.diverged.any():
            idx = np.flatnonzero(self.diverged)
            shown = ", ".join(f"{i} (epoch {self.diverged_epoch[i] + 1}, lr={lr_m[i]:g})" for i in idx[:10])
            more = f" and {idx.size - 10} more" if idx.size > 10 else ""
            warnings.warn(f"{idx.size} of {M} members diverged (loss NaN or infinite) and were stopped with their "
                          f"weights from the start of that epoch: members {shown}{more}. The others trained on; "
                          f"see ens.diverged. The likely cause is a learning rate too large for them.",
                          MembersDiverged, stacklevel=2)
        return self.history

    # ---- files -----------------------------------------------------------------------------------
    def save(self, path):
        """Write the ensemble to ``path`` (.npz) atomically, as :func:`loopnet.io.save` writes a network."""
        from .io import atomic_savez
        p = self._proto
        atomic_savez(path, dict(
            format=np.array(FORMAT), version=np.array(VERSION, dtype=np.int64),
            sizes=np.array(p.sizes, dtype=np.int64), activation=np.array(p.activation),
            output_activation=np.array(p.output_activation), loss=np.array(p.loss_name),
            dtype=np.array(p.dtype.name), has_bias=np.array(p.has_bias), init=np.array(self.init),
            seeds=np.array(self.seeds, dtype=np.int64), params=self._theta.copy(),
            history=self.history, diverged_epoch=self.diverged_epoch))

    @classmethod
    def load(cls, path, backend="loops"):
        """Read an ensemble written by :meth:`save`; :class:`loopnet.ModelFileError` for anything else."""
        from .io import ENSEMBLE_FIELDS, ModelFileError, read_archive
        v.choice(backend, BACKENDS, "backend")
        fields, entries = read_archive(path, ENSEMBLE_FIELDS)
        if "format" not in fields or fields["format"].shape != () or str(fields["format"]) != FORMAT:
            found = str(fields["format"]) if "format" in fields and fields["format"].shape == () else None
            hint = " (it is a single network: use loopnet.load)" if found == "loopnet" else ""
            raise ModelFileError(f"{path!r} is not a loopnet ensemble file{hint}; its entries are {entries}")
        try:
            version = int(fields["version"])
            if version not in (1, VERSION):
                raise ModelFileError(f"{path!r} has ensemble format version {version}; this loopnet reads "
                                     f"version {VERSION}")
            seeds = [int(s) for s in fields["seeds"]]
            ens = cls(sizes=[int(s) for s in fields["sizes"]], seeds=seeds, activation=str(fields["activation"]),
                      output_activation=str(fields["output_activation"]), loss=str(fields["loss"]),
                      bias=bool(fields["has_bias"]), init=str(fields["init"]), dtype=str(fields["dtype"]),
                      backend=backend, allow_duplicates=True)
            params = np.asarray(fields["params"])
            if params.shape != ens._theta.shape or params.dtype != ens.dtype:
                raise ValueError(f"params is {params.dtype} {params.shape}, the layout needs {ens.dtype} "
                                 f"{ens._theta.shape}")
            ens._theta[...] = params
            ens._curves = np.ascontiguousarray(np.asarray(fields["history"], dtype=np.float64).T)
            ens.history = ens._curves.T
            ens.diverged_epoch = np.asarray(fields["diverged_epoch"], dtype=np.int64)
            if ens.history.shape[0] != len(ens) or ens.diverged_epoch.shape != (len(ens),):
                raise ValueError("history or diverged_epoch does not have one row per member")
        except ModelFileError:
            raise
        except (KeyError, ValueError, TypeError) as exc:
            raise ModelFileError(f"{path!r} is a damaged loopnet ensemble file: {exc}") from None
        return ens
