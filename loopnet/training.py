"""Training: mini-batch gradient descent, whole epochs inside one compiled call.

Semantics (exactly; the tests hold the code to them):

* An epoch: if ``shuffle``, permute the examples with ``numpy.random.default_rng(seed)`` (one
  generator for the whole run, one permutation per epoch); cut them in order into mini-batches of
  ``batch_size`` (the last may be smaller; ``None`` means the whole set: full-batch gradient
  descent); for each mini-batch take one step with the gradient of the loss over that mini-batch.
* ``optimizer="sgd"``, momentum μ: v ← μ v − η g; w ← w + v (μ = 0 is plain SGD).
  ``optimizer="adam"``: Kingma & Ba with bias correction (``beta1``, ``beta2``, ``eps``).
* ``l2`` λ (Nielsen's network2): the cost gains λ/(2n) Σ w² over the weights, n the number of
  training examples, so each step adds (λ/n) w to the weight gradient.

``History.loss[e]`` is the training loss accumulated over epoch e's mini-batches, each taken
just before its step (mean losses weighted by batch size; ``sse`` summed), as Keras and
scikit-learn report it: it costs no extra pass over the data. ``History.accuracy`` is counted the
same way. Validation metrics are computed after the epoch with the epoch's final weights.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field

import numpy as np

from .kernels.loss import NO_ACCURACY
from .kernels.training import ADAM
from .losses import SSE
from .options import OPTIMIZERS, TrainingOptions, batch_size_for  # noqa: F401 (re-exported)
from .sigint import SigintScope
WORK_PER_CALL = 2e7  # multiply-adds per compiled call when epochs are batched together
# An epoch of more than this many multiply-adds is run as pieces of whole mini-batches, one compiled call
# per piece: Python gets control back between pieces, so a second Ctrl-C abandons the epoch within about a
# piece instead of after the whole epoch. The first piece holds about WORK_PER_CALL multiply-adds; from then
# on each piece is sized from the measured time of the one before to last about PIECE_SECONDS (a call has a
# cost of its own, so pieces sized by work alone made such epochs slower than one call: the measurements are
# in docs/benchmarks.md, "Measurements behind the constants").
SPLIT_EPOCH_WORK = 4 * WORK_PER_CALL
PIECE_SECONDS = 0.05
PIECE_GROWTH = 8        # a piece is at most this many times the one before (and at least 1/this)


class TrainingDiverged(FloatingPointError):
    """The loss or a weight became NaN or infinite; the network was put back as it was before the
    update (the epoch for :meth:`Network.fit`, the step for :meth:`Network.step`). ``history`` holds the
    epochs that finished (None for ``step``)."""

    def __init__(self, message, history=None):
        super().__init__(message)
        self.history = history


@dataclass
class OptimizerState:
    """The optimizer's memory between calls of :func:`fit`: SGD's velocities v (n_params,) or Adam's
    moments m and v (2 n_params,), and the number of steps taken. Pass ``history.optimizer_state``
    back as ``fit(..., optimizer_state=...)`` to continue training as if it had not stopped
    (scikit-learn's ``partial_fit``); it is updated in place."""
    optimizer: str
    values: np.ndarray
    step: np.ndarray


@dataclass
class History:
    """Per-epoch record of :meth:`Network.fit`: one value per finished epoch."""
    loss: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    accuracy: list = field(default_factory=list)
    val_accuracy: list = field(default_factory=list)
    seconds: list = field(default_factory=list)
    interrupted: bool = False
    optimizer_state: OptimizerState | None = None

    @property
    def epochs(self):
        return len(self.loss)

    def plot(self, path=None, ax=None):
        """Training/validation curves (matplotlib); see :func:`loopnet.plotting.plot_history`."""
        from .plotting import plot_history
        return plot_history(self, path=path, ax=ax)

    def __repr__(self):
        last = f", last loss {self.loss[-1]:.6g}" if self.loss else ""
        return f"History({self.epochs} epochs{last})"


def _progress(enabled, epochs):
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=epochs, unit="epoch", leave=True)


class _CtrlC(SigintScope):
    """Ctrl-C during :func:`fit`: the first press asks training to stop after the epoch running
    now (so the network and the history stay consistent); a second press while an epoch is being
    computed abandons that epoch at once, putting the weights back to where it started.

    Installed only in the main thread and only over Python's default SIGINT handler; elsewhere a
    KeyboardInterrupt still abandons the running epoch the same way.
    """

    def __init__(self):
        self.requested = False
        self.computing = False

    def _handler(self, signum, frame):
        if self.requested and self.computing:
            raise KeyboardInterrupt
        if not self.requested:
            self.requested = True
            try:
                sys.stderr.write("\nloopnet: stopping after this epoch (press Ctrl-C again to stop now)\n")
                sys.stderr.flush()
            except (OSError, ValueError):
                pass


class _Clock:
    """Wall seconds since it was made, split into the backend's compiling (a first call compiles the
    kernels, or loads them) and the computing itself (the rest): timings of epochs and pieces leave
    compiling out. A backend with nothing to compile (numpy) has no ``compile_seconds``."""

    def __init__(self, backend):
        self.backend = backend
        self.compiled_before = self._compiled()
        self.t0 = time.perf_counter()

    def _compiled(self):
        return getattr(self.backend, "compile_seconds", 0.0)

    def compiling(self):
        return self._compiled() - self.compiled_before

    def computing(self):
        return time.perf_counter() - self.t0 - self.compiling()


def _epoch_in_pieces(backend, theta, spec, Xa, Ya, sw, order, batch_size, opt, hyper, state, step, task, pace,
                     losses, correct):
    """One epoch visiting the rows of X in ``order``, as compiled calls of whole mini-batches each, so
    the mini-batches and every update are those of one call (the training is the same, bit for bit).

    ``pace[0]`` is the number of rows of the next piece (a multiple of ``batch_size``); after each piece
    it is rescaled from the piece's measured time (compiling left out) so the next lasts about
    :data:`PIECE_SECONDS`, and the caller keeps it for the next epoch. Each piece is a one-epoch call
    whose order lists just that piece's rows (the kernel gathers them from X as it gathers any
    mini-batch: nothing is copied here); its loss, a (sample-weighted) mean over the piece, is weighted
    by the piece's share of the total sample weight, Σ_piece s_n / Σ s_n (piece size / N without
    weights; ``sse`` is summed). Returns 1, or 0 if a piece diverged (the caller puts θ back to the
    start of the epoch).
    """
    N = order.shape[0]
    B = int(batch_size)
    if sw is None:
        sw = np.ones(N, dtype=Xa.dtype)
    weight = float(sw.sum())
    piece_loss = np.zeros(1)
    piece_correct = np.zeros(1, dtype=np.int64)
    total, right = 0.0, 0
    start = 0
    while start < N:
        rows = pace[0]
        piece = np.ascontiguousarray(order[start:start + rows]).reshape(1, -1)
        clock = _Clock(backend)
        if not backend.train_epochs(theta, Xa, Ya, piece, spec, B, opt, hyper,
                                    state, step, task, piece_loss, piece_correct, sw):
            return 0
        seconds = clock.computing()
        total += piece_loss[0] if spec.loss == SSE else piece_loss[0] * float(sw[piece[0]].sum()) / weight
        right += int(piece_correct[0])
        start += piece.shape[1]
        if piece.shape[1] == rows and seconds > 0.0:
            scale = min(PIECE_GROWTH, max(1.0 / PIECE_GROWTH, PIECE_SECONDS / seconds))
            pace[0] = max(1, int(rows // B * scale)) * B
    losses[0] = total
    correct[0] = right
    return 1


def fit(theta, X, Y, spec, backend, options, task=NO_ACCURACY, validation=None, progress=False, callback=None,
        optimizer_state=None):
    """Train θ (P,) in place on X (N, n_0), Y (N, n_L); return a :class:`History`.

    Everything comes in checked: X and Y as the network's C-contiguous arrays, ``spec`` the
    :class:`loopnet.backends.Spec` of the network, ``backend`` one of :data:`loopnet.BACKENDS`,
    ``options`` a :class:`loopnet.options.TrainingOptions` (its sample weights, batch size, seed …),
    ``task`` how outputs count as correct (:mod:`loopnet.kernels.loss`), ``validation`` None or
    (X_val, Y_val, task_val). :meth:`loopnet.Network.fit` is the entry point that checks them.

    ``sample_weight`` (N,), s_n ≥ 0: each mini-batch's loss is scale(Σ_batch s_n) · Σ_n s_n e_n (the
    N of mse/quadratic/cross_entropy becomes Σ s_n), so a weight of 2 on a row equals the row twice;
    a mini-batch whose weights are all 0 takes no step.
    ``seed``: an int or a ``numpy.random.Generator`` (continued, so one call of 10 epochs shuffles as
    ten calls of 1 with the same Generator).

    ``callback(epoch, history)`` is called after every epoch; returning True stops training.
    A non-finite loss raises :class:`TrainingDiverged` naming the epoch, with the network put
    back to its weights at the start of that epoch. Ctrl-C stops training and returns the history
    so far with ``history.interrupted = True``: the first press lets the running epoch finish, a
    second one abandons it (on every backend within about :data:`PIECE_SECONDS`: long epochs run
    as pieces of whole mini-batches, see :data:`SPLIT_EPOCH_WORK`); either way the network holds the
    weights at the end of the last epoch in the history.
    """
    N = X.shape[0]
    P = theta.shape[0]
    dtype = theta.dtype
    sw = options.sample_weight
    epochs, lr, batch_size, optimizer = options.epochs, options.lr, options.batch_size, options.optimizer
    opt = options.optimizer_code
    val = validation
    hyper = options.hyper()
    size = 2 * P if opt == ADAM else P
    if optimizer_state is None:
        optimizer_state = OptimizerState(optimizer, np.zeros(size, dtype=dtype), np.zeros(1, dtype=np.int64))
    elif not isinstance(optimizer_state, OptimizerState) or optimizer_state.optimizer != optimizer or \
            optimizer_state.values.shape != (size,) or optimizer_state.values.dtype != dtype:
        raise ValueError(f"optimizer_state must be the OptimizerState of an earlier fit of this network with "
                         f"optimizer={optimizer!r} ({size} {dtype.name} values), got {optimizer_state!r:.80}")
    state, step = optimizer_state.values, optimizer_state.step
    rng = options.generators()[0]
    hist = History(optimizer_state=optimizer_state)
    # several epochs per compiled call when Python has nothing to do between them
    per_epoch_work = 3.0 * N * P
    chunk = 1
    if val is None and callback is None and not progress:
        chunk = int(max(1, min(epochs, WORK_PER_CALL // max(per_epoch_work, 1.0))))
    pace = None   # None: whole epochs per call; else [rows of the next compiled call] (see SPLIT_EPOCH_WORK)
    if per_epoch_work > SPLIT_EPOCH_WORK:
        chunk = 1
        batches = max(1, int(WORK_PER_CALL // (3.0 * batch_size * P)))
        if batches * int(batch_size) < N:
            pace = [batches * int(batch_size)]
    bar = _progress(progress, epochs)
    ctrl_c = _CtrlC()
    backup = np.empty(P + state.size, dtype=dtype)
    try:
        with ctrl_c:
            done = 0
            while done < epochs and not ctrl_c.requested:
                n = min(chunk, epochs - done)
                if options.shuffle:
                    # row e is exactly rng.permutation(N) for epoch e, drawn in one call
                    orders = rng.permuted(np.tile(np.arange(N, dtype=np.int64), (n, 1)), axis=1)
                else:
                    orders = np.broadcast_to(np.arange(N, dtype=np.int64), (n, N)).copy()
                losses = np.zeros(n)
                correct = np.zeros(n, dtype=np.int64)
                backup[:P] = theta
                backup[P:] = state
                step_before = int(step[0])
                clock = _Clock(backend)
                try:
                    ctrl_c.computing = True
                    with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported below
                        if pace is not None:
                            finished = _epoch_in_pieces(backend, theta, spec, X, Y, sw, orders[0], batch_size, opt,
                                                        hyper, state, step, task, pace, losses, correct)
                        else:
                            finished = backend.train_epochs(theta, X, Y, orders, spec, int(batch_size),
                                                            opt, hyper, state, step, task, losses, correct, sw)
                    if not finished:   # a diverged piece put back only its own start: back to the epoch's
                        theta[...] = backup[:P]
                        state[...] = backup[P:]
                        step[0] = step_before
                    ctrl_c.computing = False
                except KeyboardInterrupt:
                    # abandoned mid-computation: back to the weights of the last epoch in the history
                    ctrl_c.computing = False
                    theta[...] = backup[:P]
                    state[...] = backup[P:]
                    step[0] = step_before
                    raise
                # the progress bar's rate and ETA leave compiling out too
                compiling = clock.compiling()
                seconds = clock.computing() / max(finished, 1)
                if bar is not None and compiling > 0:
                    bar.start_t += compiling            # tqdm's elapsed time and its rate's last interval
                    bar.last_print_t += compiling
                hist.loss.extend(losses[:finished].tolist())
                hist.accuracy.extend([None] * finished if task == NO_ACCURACY else (correct[:finished] / N).tolist())
                hist.seconds.extend([seconds] * finished)
                if val is not None:  # chunk is 1 with validation data: these are the epoch's final weights
                    for _ in range(finished):
                        vl, vc = backend.evaluate(theta, val[0], val[1], spec, val[2])
                        hist.val_loss.append(vl)
                        hist.val_accuracy.append(None if val[2] == NO_ACCURACY else vc / val[0].shape[0])
                    late = clock.compiling() - compiling                # the first validation compiles too
                    if bar is not None and late > 0:
                        bar.start_t += late
                        bar.last_print_t += late
                done += finished
                if finished < n:
                    raise TrainingDiverged(
                        f"training diverged in epoch {done + 1}: the loss became NaN or infinite. The network "
                        f"keeps its weights from the start of that epoch. The likely cause is a learning rate too "
                        f"large for this network and data (lr={lr:g}); try a smaller lr.", hist)
                if bar is not None:
                    bar.update(finished)
                    postfix = {"loss": f"{hist.loss[-1]:.4g}"}
                    if hist.accuracy[-1] is not None:
                        postfix["acc"] = f"{hist.accuracy[-1]:.3f}"
                    if val is not None:
                        postfix["val_loss"] = f"{hist.val_loss[-1]:.4g}"
                    bar.set_postfix(postfix, refresh=False)  # update() refreshes at tqdm's own pace
                if callback is not None and callback(done - 1, hist):
                    break
            if ctrl_c.requested:
                hist.interrupted = True
    except KeyboardInterrupt:
        hist.interrupted = True
    finally:
        if bar is not None:
            bar.close()
    return hist
