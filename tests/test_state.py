"""A network's visible state is its computed state; every update is all or nothing; a second Ctrl-C
abandons a long epoch within about a piece on every backend."""
import copy
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import loopnet as ln
from loopnet import training
from loopnet.kernels import optimizers

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BACKENDS = ["loops", "numpy", "python"]
rng = np.random.default_rng(0)
X = rng.random((8, 3))
Y = rng.random((8, 1))


def net(**kw):
    return ln.Network([3, 2, 1], seed=0, **kw)


# ---- read-only description ------------------------------------------------------------------------
@pytest.mark.parametrize("attr, value", [
    ("sizes", [2, 2, 1]), ("activation", "relu"), ("output_activation", "identity"), ("loss_name", "mse"),
    ("dtype", np.float32), ("has_bias", False), ("init", "he"), ("seed", 3),
])
def test_description_cannot_be_assigned(attr, value):
    n = net()
    before = (repr(n), n.params.copy(), n.forward(X))
    with pytest.raises(AttributeError, match=rf"Network\.{attr} is read-only"):
        setattr(n, attr, value)
    with pytest.raises(AttributeError, match=rf"Network\.{attr} is read-only"):
        delattr(n, attr)
    assert repr(n) == before[0] and np.array_equal(n.params, before[1]) and np.array_equal(n.forward(X), before[2])


@pytest.mark.parametrize("mutate", [
    lambda s: s.__setitem__(0, 2), lambda s: s.append(4), lambda s: s.pop(), lambda s: s.sort(),
    lambda s: s.reverse(), lambda s: s.__delitem__(0), lambda s: s.extend([1]), lambda s: s.insert(0, 1),
    lambda s: s.clear(), lambda s: s.remove(3),
])
def test_sizes_list_cannot_be_mutated(mutate):
    n = net()
    with pytest.raises(TypeError, match=r"Network\.sizes cannot be changed in place"):
        mutate(n.sizes)
    assert n.sizes == [3, 2, 1] and n.forward(X).shape == (8, 1)


def test_sizes_reads_like_a_list_and_copies_to_a_plain_one():
    s = net().sizes
    assert s == [3, 2, 1] and list(s) == [3, 2, 1] and s[-1] == 1 and len(s) == 3
    mine = list(s)
    mine[0] = 9                            # a caller's own copy is theirs
    assert net().sizes == [3, 2, 1]
    assert type(pickle.loads(pickle.dumps(s))) is list and copy.copy(s) == [3, 2, 1]


# ---- weights and biases: views, and checked assignment ------------------------------------------
def test_assigning_a_layer_reaches_theta_forward_and_save(tmp_path):
    n = net()
    W = np.arange(6.0).reshape(2, 3) / 10
    n.weights[0] = W
    n.biases[1] = [0.25]
    assert np.array_equal(n.params[:6], W.ravel()) and n.params[-1] == 0.25
    m = ln.Network.from_weights([W, n.weights[1]], [n.biases[0], [0.25]])
    assert np.array_equal(n.forward(X), m.forward(X))
    n.save(tmp_path / "n.npz")
    assert np.array_equal(ln.load(tmp_path / "n.npz").weights[0], W)


def test_in_place_writes_into_views_keep_working():
    n = net()
    n.weights[1][0, 1] = 7.0
    n.biases[0][:] = 0
    n.params[0] = -1.0
    assert n.params[6 + 2 + 1] == 7.0 and np.all(n.biases[0] == 0) and n.weights[0][0, 0] == -1.0


@pytest.mark.parametrize("index, value, exc, pattern", [
    (0, np.zeros((7, 7)), ValueError, r"weights\[0\] has shape \(2, 3\) and keeps it; got an array of shape \(7, 7\)"),
    (0, np.zeros((3, 2)), ValueError, r"weights\[0\] has shape \(2, 3\).*\(3, 2\)"),
    (1, [[np.nan, 0]], ValueError, r"weights\[1\] contains NaN"),
    (1, [["a", "b"]], TypeError, r"weights\[1\] must hold numbers"),
    (5, np.zeros((2, 3)), IndexError, r"weights\[5\].*indices 0\.\.1"),
    ("0", np.zeros((2, 3)), IndexError, r"weights\['0'\]"),
])
def test_bad_layer_assignment_is_refused_and_changes_nothing(index, value, exc, pattern):
    n = net()
    before = n.params.copy()
    with pytest.raises(exc, match=pattern):
        n.weights[index] = value
    assert np.array_equal(n.params, before)


def test_float32_layer_assignment_checks_the_range():
    n = net(dtype="float32")
    with pytest.raises(ValueError, match=r"weights\[0\] holds 1e\+39.*float32"):
        n.weights[0] = np.full((2, 3), 1e39)


def test_whole_list_assignment_is_all_or_nothing():
    n = net()
    before = n.params.copy()
    good0 = np.ones((2, 3))
    with pytest.raises(ValueError, match=r"weights\[1\] has shape \(1, 2\)"):
        n.weights = [good0, np.ones((2, 2))]           # layer 0 fine, layer 1 wrong: neither lands
    assert np.array_equal(n.params, before)
    n.weights = [good0, np.ones((1, 2))]
    assert np.all(n.weights[0] == 1) and np.all(n.weights[1] == 1)
    with pytest.raises(ValueError, match=r"Network\.weights = \.\.\. needs a list of 2 arrays"):
        n.weights = [good0]
    with pytest.raises(AttributeError, match=r"no biases"):
        ln.Network([3, 2, 1], bias=False).biases = [np.zeros(2), np.zeros(1)]


def test_views_handed_out_cannot_reshape_the_network():
    n = net()
    w = n.weights[0]
    w.shape = (3, 2)                       # the caller's own view object
    p = n.params
    p.shape = (1, 11)
    assert n.weights[0].shape == (2, 3) and n.params.shape == (11,)
    assert n.forward(X).shape == (8, 1)


def test_copy_shares_nothing_mutable():
    a = net()
    b = a.copy()
    b.weights[0][0, 0] = 42.0
    b._spec.sizes[0] = 99                  # even the kernels' private description is its own
    assert a.weights[0][0, 0] != 42.0 and a._spec.sizes[0] == 3
    assert a.sizes == [3, 2, 1] and a.forward(X).shape == (8, 1)


def test_old_pickles_with_plain_attributes_still_load():
    n = net()
    state = n.__getstate__()
    old = {k.lstrip("_") if k in ("_sizes", "_activation", "_dtype") else k: v for k, v in state.items()}
    old["sizes"] = list(old["sizes"])
    old["_weights"] = ["stale"]
    m = ln.Network.__new__(ln.Network)
    m.__setstate__(old)
    assert m.sizes == [3, 2, 1] and np.array_equal(m.forward(X), n.forward(X))


# ---- all-or-nothing updates ------------------------------------------------------------------------
@pytest.mark.parametrize("backend", BACKENDS)
def test_step_that_would_overflow_is_not_taken(backend):
    n = net(backend=backend, activation="identity", loss="sse")
    before = n.params.copy()
    with pytest.raises(ln.TrainingDiverged, match=r"NaN or infinite.*lr=1e\+300.*unchanged"):
        n.step(X * 1e5, Y, lr=1e300)
    assert np.array_equal(n.params, before)
    assert np.isfinite(n.step(X, Y, lr=0.1))          # and the network still trains


@pytest.mark.parametrize("call", ["fit", "step"])
@pytest.mark.parametrize("kwargs, pattern", [
    (dict(lr=1e-46), r"lr=1e-46 rounds to 0 in float32"),
    (dict(lr=1e39), r"lr=1e\+39 is beyond the range of float32"),
    (dict(lr=1e-300), r"lr=1e-300 rounds to 0 in float32"),
])
def test_hyper_parameters_are_checked_in_the_network_dtype(call, kwargs, pattern):
    n = net(dtype="float32")
    before = n.params.copy()
    with pytest.raises(ValueError, match=pattern):
        if call == "fit":
            n.fit(X, Y, epochs=1, batch_size=4, **kwargs)
        else:
            n.step(X, Y, **kwargs)
    assert np.array_equal(n.params, before)
    net(dtype="float64").fit(X, Y, epochs=1, batch_size=4, lr=1e-300)     # fine in float64


@pytest.mark.parametrize("kwargs, pattern", [
    (dict(optimizer="adam", beta1=0.99999999), r"beta1=0\.99999999 rounds to 1 in float32.*1 − beta1 would be 0"),
    (dict(optimizer="adam", beta2=1 - 1e-9), r"beta2=.* rounds to 1 in float32"),
    (dict(optimizer="adam", eps=1e-50), r"eps=1e-50 rounds to 0 in float32"),
    (dict(momentum=1 - 1e-10), r"momentum=.* rounds to 1 in float32"),
    (dict(l2=5e-45), r"l2/N \(l2=5.6\d*e-45 over N=8 examples\)=.* rounds to 0 in float32"),
])
def test_adam_and_momentum_hyper_parameters_in_float32(kwargs, pattern):
    n = net(dtype="float32")
    before = n.params.copy()
    with pytest.raises(ValueError, match=pattern):
        n.fit(X, Y, epochs=1, batch_size=4, **kwargs)
    assert np.array_equal(n.params, before)


@pytest.mark.parametrize("compiled", [True, False])
def test_no_kernel_raises_zero_division(compiled):
    """β₁ = 1 (1 − β₁^t = 0) and ε = 0 with a zero gradient: 0/0 inside Adam. The kernel gives NaN (IEEE)
    and leaves the judgement to the Python layer, compiled or not."""
    from loopnet.jit import python_version
    adam = optimizers.adam_update if compiled else python_version(optimizers.adam_update)
    theta, grad = np.ones(4), np.zeros(4)
    m, v = np.zeros(4), np.zeros(4)
    with np.errstate(all="ignore"):
        adam(theta, grad, m, v, 0.1, 1.0, 0.999, 0.0, 1)
    assert np.all(np.isnan(theta))


# ---- Ctrl-C: a second press abandons a long epoch on every backend -----------------------------
class Presses:
    """A backend that sends this process SIGINT at the start of the given compiled calls."""

    def __init__(self, inner, at):
        self.inner, self.at, self.calls = inner, at, 0

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def train_epochs(self, *args):
        self.calls += 1
        if self.calls in self.at:
            os.kill(os.getpid(), signal.SIGINT)
        return self.inner.train_epochs(*args)


def _long_epoch(monkeypatch, backend, growth=1):
    """Thresholds made small so a 200-example epoch is long: pieces of 2 mini-batches of 10 (growth=1
    keeps every piece that size; else each is sized from the time of the one before)."""
    monkeypatch.setattr(training, "WORK_PER_CALL", 3.0 * 20 * 13)     # 20 rows of a 3-3-1 net (13 numbers)
    monkeypatch.setattr(training, "SPLIT_EPOCH_WORK", 3.0 * 100 * 13)
    monkeypatch.setattr(training, "PIECE_GROWTH", growth)
    Xl = np.random.default_rng(1).random((200, 3))
    return ln.Network([3, 3, 1], seed=0, backend=backend), Xl, Xl[:, :1]


@pytest.mark.parametrize("growth", [1, 8])
@pytest.mark.parametrize("backend", BACKENDS)
def test_long_epochs_in_pieces_give_the_same_training(monkeypatch, backend, growth):
    whole, Xl, Yl = _long_epoch(monkeypatch, backend, growth)
    pieces = whole.copy()
    for optimizer in ("sgd", "adam"):
        for l2 in (0.0, 0.5):
            kw = dict(epochs=3, lr=0.5, batch_size=10, optimizer=optimizer, l2=l2, momentum=0.0)
            h_pieces = pieces.fit(Xl, Yl, **kw)
            with monkeypatch.context() as m:
                m.setattr(training, "SPLIT_EPOCH_WORK", 1e30)
                h_whole = whole.fit(Xl, Yl, **kw)
            assert np.array_equal(pieces.params, whole.params)       # the same updates, bit for bit
            np.testing.assert_allclose(h_pieces.loss, h_whole.loss, rtol=1e-12)


class Calls:
    """A backend wrapper that records the rows of every train_epochs call."""

    def __init__(self, inner):
        self.inner, self.rows = inner, []

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def train_epochs(self, *args):
        self.rows.append(args[3].shape[1])
        return self.inner.train_epochs(*args)


def test_pieces_are_sized_by_their_measured_time(monkeypatch):
    """Fast pieces grow (at most PIECE_GROWTH times a step) until one lasts about PIECE_SECONDS; a piece
    that took longer than that shrinks the next; every piece is whole mini-batches."""
    n, Xl, Yl = _long_epoch(monkeypatch, "loops", growth=8)
    n.fit(Xl, Yl, epochs=1, batch_size=10)                   # compiled
    n._backend = calls = Calls(n._backend)
    n.fit(Xl, Yl, epochs=1, lr=0.5, batch_size=10)
    first = calls.rows[0]                                    # a few rows: they take microseconds
    assert calls.rows == [first, 8 * first, 200 - 9 * first] and first % 10 == 0
    monkeypatch.setattr(training, "PIECE_SECONDS", 0.0)      # every piece "too slow": shrink to one batch
    calls.rows.clear()
    n.fit(Xl, Yl, epochs=1, lr=0.5, batch_size=10)
    assert calls.rows == [first] + [10] * ((200 - first) // 10)


@pytest.mark.parametrize("backend", BACKENDS)
def test_second_ctrl_c_abandons_the_epoch_within_a_piece(monkeypatch, backend):
    n, Xl, Yl = _long_epoch(monkeypatch, backend)
    start = n.params.copy()
    n._backend = presses = Presses(n._backend, at={2, 3})   # first press in piece 2, second in piece 3
    monkeypatch.setattr(signal, "getsignal", lambda s: signal.default_int_handler)   # as in a plain script
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        hist = n.fit(Xl, Yl, epochs=1, lr=0.5, batch_size=10)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert hist.interrupted and hist.epochs == 0
    assert presses.calls == 3 < 10            # 10 pieces of 20 rows; abandoned in the third
    assert np.array_equal(n.params, start)    # back to the start of the abandoned epoch


LONG_EPOCH = """
    import json, sys, time, numpy as np, loopnet as ln
    rng = np.random.default_rng(0)
    X = rng.random((800_000, 10)); Y = (X[:, :1] > 0.5).astype(float)
    net = ln.Network([10, 2000, 1], seed=0)
    net.fit(X[:20], Y[:20], epochs=1, batch_size=10)          # compile (or load) first
    start = net.params.copy()
    print("ready", flush=True)
    t0 = time.perf_counter()
    hist = net.fit(X, Y, epochs=1, lr=0.1, batch_size=10)     # ~6e10 multiply-adds: ~80 s whole on 2 shared cores
    print(json.dumps(dict(interrupted=hist.interrupted, epochs=hist.epochs, seconds=time.perf_counter() - t0,
                          same=bool(np.array_equal(net.params, start)))), flush=True)
"""


@pytest.mark.slow
def test_second_ctrl_c_abandons_a_compiled_epoch_in_a_real_process():
    import json
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(LONG_EPOCH)], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        # the whole epoch takes far longer than this limit: only abandoning it can finish in time
        out, err = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        pytest.fail("a second Ctrl-C did not abandon the compiled epoch")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err[-3000:]
    res = json.loads(out.strip().splitlines()[-1])
    assert res["interrupted"] and res["epochs"] == 0 and res["same"]
