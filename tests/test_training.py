"""fit(): its exact semantics (against Nielsen's network.py written out below), the optimizers,
L2, shuffling, the three backends, divergence, Ctrl-C, and the convergence targets."""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import loopnet as ln
from loopnet.datasets import load_digits, logic_gate, train_test_split

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# ---------------------------------------------------------------------------------------------
# Nielsen's network.py (neural-networks-and-deep-learning, src/network.py), transcribed: column
# vectors x (n_0, 1), biases (n_l, 1), one example at a time. Only three changes: Python 3 range,
# no random.shuffle in SGD (fit's shuffle=False order), and the data passed in as given.
# ---------------------------------------------------------------------------------------------
def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z):
    return sigmoid(z) * (1 - sigmoid(z))


class NielsenNetwork:
    def __init__(self, weights, biases):
        self.num_layers = len(weights) + 1
        self.weights = [np.array(w, dtype=np.float64) for w in weights]
        self.biases = [np.array(b, dtype=np.float64).reshape(-1, 1) for b in biases]

    def SGD(self, training_data, epochs, mini_batch_size, eta):
        n = len(training_data)
        for j in range(epochs):
            # random.shuffle(training_data)  -- fit(shuffle=False) keeps the order
            mini_batches = [training_data[k:k + mini_batch_size] for k in range(0, n, mini_batch_size)]
            for mini_batch in mini_batches:
                self.update_mini_batch(mini_batch, eta)

    def update_mini_batch(self, mini_batch, eta):
        nabla_b, nabla_w = self.mini_batch_gradient(mini_batch)
        self.weights = [w - (eta / len(mini_batch)) * nw for w, nw in zip(self.weights, nabla_w)]
        self.biases = [b - (eta / len(mini_batch)) * nb for b, nb in zip(self.biases, nabla_b)]

    def mini_batch_gradient(self, mini_batch):
        """The Σ over the mini-batch of update_mini_batch, split out so the optimizer tests reuse it."""
        nabla_b = [np.zeros(b.shape) for b in self.biases]
        nabla_w = [np.zeros(w.shape) for w in self.weights]
        for x, y in mini_batch:
            delta_nabla_b, delta_nabla_w = self.backprop(x, y)
            nabla_b = [nb + dnb for nb, dnb in zip(nabla_b, delta_nabla_b)]
            nabla_w = [nw + dnw for nw, dnw in zip(nabla_w, delta_nabla_w)]
        return nabla_b, nabla_w

    def backprop(self, x, y):
        nabla_b = [np.zeros(b.shape) for b in self.biases]
        nabla_w = [np.zeros(w.shape) for w in self.weights]
        activation = x
        activations = [x]
        zs = []
        for b, w in zip(self.biases, self.weights):
            z = np.dot(w, activation) + b
            zs.append(z)
            activation = sigmoid(z)
            activations.append(activation)
        delta = self.cost_derivative(activations[-1], y) * sigmoid_prime(zs[-1])
        nabla_b[-1] = delta
        nabla_w[-1] = np.dot(delta, activations[-2].transpose())
        for l in range(2, self.num_layers):
            z = zs[-l]
            sp = sigmoid_prime(z)
            delta = np.dot(self.weights[-l + 1].transpose(), delta) * sp
            nabla_b[-l] = delta
            nabla_w[-l] = np.dot(delta, activations[-l - 1].transpose())
        return (nabla_b, nabla_w)

    def cost_derivative(self, output_activations, y):
        return output_activations - y


def nielsen_data(X, Y, order=None):
    order = range(len(X)) if order is None else order
    return [(X[i].reshape(-1, 1), Y[i].reshape(-1, 1)) for i in order]


def max_diff(net, ref):
    dw = max(np.abs(w - rw).max() for w, rw in zip(net.weights, ref.weights))
    db = max(np.abs(b - rb.ravel()).max() for b, rb in zip(net.biases, ref.biases))
    return max(dw, db)


def regression_data(N=23, n_in=5, n_out=3, seed=1):
    rng = np.random.default_rng(seed)
    return rng.random((N, n_in)), rng.random((N, n_out))


def start(backend="loops", sizes=(5, 4, 3, 3), **kw):
    """A sigmoid network with N(0, 1) weights (network.py's init) and a Nielsen twin of it."""
    net = ln.Network(list(sizes), seed=2, init="normal", backend=backend, **kw)
    return net, NielsenNetwork([w.copy() for w in net.weights], [b.copy() for b in net.biases])


# ---------------------------------------------------------------------------------------------
# Exact semantics
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("backend", ["loops", "numpy"])
@pytest.mark.parametrize("batch_size", [5, 1, 23])  # 23 = 4·5 + 3: the last mini-batch is smaller
def test_fit_equals_nielsen_network_py(backend, batch_size):
    X, Y = regression_data()
    net, ref = start(backend)
    before = max_diff(net, ref)
    net.fit(X, Y, epochs=4, lr=3.0, batch_size=batch_size, shuffle=False, optimizer="sgd")
    ref.SGD(nielsen_data(X, Y), 4, batch_size, 3.0)
    assert before == 0
    assert net.loss_name == "quadratic"
    assert max_diff(net, ref) < 1e-12
    # and it moved: a fit that did nothing would fail here
    assert max(np.abs(w - w0).max() for w, w0 in zip(ref.weights, start(backend)[1].weights)) > 1e-2


def test_python_backend_equals_nielsen_on_a_tiny_net():
    X, Y = regression_data(N=7, n_in=3, n_out=2)
    net, ref = start("python", sizes=(3, 2, 2))
    net.fit(X, Y, epochs=2, lr=3.0, batch_size=3, shuffle=False)
    ref.SGD(nielsen_data(X, Y), 2, 3, 3.0)
    assert max_diff(net, ref) < 1e-12


def test_shuffle_is_one_default_rng_permutation_per_epoch():
    # the documented order: rng = default_rng(seed); epoch e visits rng.permutation(N)
    X, Y = regression_data()
    net, ref = start()
    net.fit(X, Y, epochs=3, lr=3.0, batch_size=4, shuffle=True, seed=7)
    rng = np.random.default_rng(7)
    for _ in range(3):
        ref.SGD(nielsen_data(X, Y, rng.permutation(len(X))), 1, 4, 3.0)
    assert max_diff(net, ref) < 1e-12


def test_batch_size_none_is_full_batch_gradient_descent():
    X, Y = regression_data()
    net, ref = start()
    net.fit(X, Y, epochs=5, lr=2.0, batch_size=None, shuffle=False)
    ref.SGD(nielsen_data(X, Y), 5, len(X), 2.0)
    assert max_diff(net, ref) < 1e-12
    # the same as batch_size=N, and shuffling a full batch changes only the order of the sums
    net2, _ = start()
    net2.fit(X, Y, epochs=5, lr=2.0, batch_size=len(X), shuffle=False)
    np.testing.assert_array_equal(net2.params, net.params)
    net3, _ = start()
    net3.fit(X, Y, epochs=5, lr=2.0, batch_size=None, shuffle=True, seed=3)
    np.testing.assert_allclose(net3.params, net.params, rtol=0, atol=1e-13)


# ---------------------------------------------------------------------------------------------
# Optimizers and L2, against hand-coded loops over the same gradients
# ---------------------------------------------------------------------------------------------
def flat_gradient(ref, batch):
    """Mean gradient over the mini-batch (Nielsen's Σ / m), in fit's flat layout (W row by row, then b)."""
    nb, nw = ref.mini_batch_gradient(batch)
    m = len(batch)
    return np.concatenate([p for w, b in zip(nw, nb) for p in (w.ravel() / m, b.ravel() / m)])


def flat_params(ref):
    return np.concatenate([p for w, b in zip(ref.weights, ref.biases) for p in (w.ravel(), b.ravel())])


def set_flat(ref, theta):
    off = 0
    for l in range(len(ref.weights)):
        o, i = ref.weights[l].shape
        ref.weights[l] = theta[off:off + o * i].reshape(o, i).copy()
        off += o * i
        ref.biases[l] = theta[off:off + o].reshape(o, 1).copy()
        off += o


def batches(data, size):
    return [data[k:k + size] for k in range(0, len(data), size)]


@pytest.mark.parametrize("backend", ["loops", "numpy"])
def test_momentum_matches_hand_coded_loop(backend):
    X, Y = regression_data()
    net, ref = start(backend)
    net.fit(X, Y, epochs=3, lr=0.5, batch_size=5, shuffle=False, momentum=0.9)
    theta, velocity, mu, lr = flat_params(ref), np.zeros(net.n_params), 0.9, 0.5
    for _ in range(3):
        for batch in batches(nielsen_data(X, Y), 5):
            set_flat(ref, theta)
            velocity = mu * velocity - lr * flat_gradient(ref, batch)   # v ← μ v − η g
            theta = theta + velocity                                       # w ← w + v
    np.testing.assert_allclose(net.params, theta, rtol=0, atol=1e-12)
    # momentum changed the result (against plain SGD with the same lr)
    plain, _ = start(backend)
    plain.fit(X, Y, epochs=3, lr=0.5, batch_size=5, shuffle=False)
    assert np.abs(plain.params - net.params).max() > 1e-3


@pytest.mark.parametrize("backend", ["loops", "numpy"])
def test_adam_first_step_by_hand(backend):
    # At t = 1: m = (1−β₁) g, v = (1−β₂) g², m̂ = g, v̂ = g², so Δθ = −η g / (|g| + ε).
    X, Y = regression_data()
    net, ref = start(backend)
    g = flat_gradient(ref, nielsen_data(X, Y))
    theta0 = net.params.copy()
    net.fit(X, Y, epochs=1, lr=0.01, batch_size=None, optimizer="adam", eps=1e-8)
    expected = theta0 - 0.01 * g / (np.abs(g) + 1e-8)
    np.testing.assert_allclose(net.params, expected, rtol=0, atol=1e-14)
    # every parameter whose gradient is not tiny moved by almost exactly η
    big = np.abs(g) > 1e-4
    np.testing.assert_allclose(np.abs(net.params - theta0)[big], 0.01, rtol=1e-3)


@pytest.mark.parametrize("backend", ["loops", "numpy"])
def test_adam_several_steps_match_hand_coded_loop(backend):
    X, Y = regression_data()
    net, ref = start(backend)
    lr, b1, b2, eps = 0.05, 0.8, 0.99, 1e-7
    net.fit(X, Y, epochs=2, lr=lr, batch_size=6, shuffle=False, optimizer="adam", beta1=b1, beta2=b2, eps=eps)
    theta, m, v, t = flat_params(ref), np.zeros(net.n_params), np.zeros(net.n_params), 0
    for _ in range(2):  # t keeps counting across epochs
        for batch in batches(nielsen_data(X, Y), 6):
            set_flat(ref, theta)
            g = flat_gradient(ref, batch)
            t += 1
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
            theta = theta - lr * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps)
    assert t == 8
    np.testing.assert_allclose(net.params, theta, rtol=0, atol=1e-12)


@pytest.mark.parametrize("backend", ["loops", "numpy"])
def test_l2_adds_lambda_over_n_times_w_to_weight_gradients_only(backend):
    X, Y = regression_data()
    N, lam, lr = len(X), 4.0, 0.7
    net, ref = start(backend)
    net.fit(X, Y, epochs=2, lr=lr, batch_size=5, shuffle=False, l2=lam)
    theta = flat_params(ref)
    is_weight = np.concatenate([np.full(p.size, flag) for w, b in zip(ref.weights, ref.biases)
                                for p, flag in ((w, True), (b, False))])
    for _ in range(2):
        for batch in batches(nielsen_data(X, Y), 5):
            set_flat(ref, theta)
            g = flat_gradient(ref, batch) + np.where(is_weight, lam / N * theta, 0.0)  # n = N, not the batch
            theta = theta - lr * g
    np.testing.assert_allclose(net.params, theta, rtol=0, atol=1e-12)


def test_l2_leaves_biases_alone_when_the_loss_gradient_is_zero():
    # identity net, targets equal to its outputs: ∂L/∂θ = 0, so only the decay acts
    net = ln.Network.from_weights([[[0.5, -2.0]]], [[0.25]], activation="identity", loss="quadratic")
    X = np.array([[1.0, 2.0], [0.0, 1.0], [3.0, 1.0]])
    Y = net.forward(X)
    net.fit(X, Y, epochs=1, lr=0.1, batch_size=None, l2=3.0)
    # w ← w − η (λ/n) w = w (1 − 0.1 · 3/3) = 0.9 w; b unchanged
    np.testing.assert_allclose(net.weights[0], [[0.45, -1.8]], rtol=0, atol=1e-15)
    assert net.biases[0][0] == 0.25


# ---------------------------------------------------------------------------------------------
# Reproducibility and backends
# ---------------------------------------------------------------------------------------------
def test_same_seed_same_weights_different_seed_different():
    X, Y = regression_data(N=40)
    runs = {}
    for seed in (0, 0, 1):
        net, _ = start()
        net.fit(X, Y, epochs=3, lr=1.0, batch_size=4, shuffle=True, seed=seed)
        runs.setdefault(seed, []).append(net.params.copy())
    np.testing.assert_array_equal(runs[0][0], runs[0][1])
    assert np.abs(runs[0][0] - runs[1][0]).max() > 1e-6


@pytest.mark.parametrize("optimizer,extra", [("sgd", {"momentum": 0.5}), ("adam", {})])
def test_loops_numpy_python_train_the_same_weights(optimizer, extra):
    X, Y = regression_data(N=11, n_in=3, n_out=2)
    params = {}
    for backend in ("loops", "numpy", "python"):
        net = ln.Network([3, 3, 2], seed=5, backend=backend, loss="cross_entropy", output_activation="softmax")
        Yp = Y / Y.sum(axis=1, keepdims=True)
        h = net.fit(X, Yp, epochs=3, lr=0.3, batch_size=4, shuffle=True, seed=9, optimizer=optimizer,
                    l2=0.5, **extra)
        params[backend] = (net.params.copy(), h.loss)
    for backend in ("numpy", "python"):
        np.testing.assert_allclose(params[backend][0], params["loops"][0], rtol=0, atol=1e-12)
        np.testing.assert_allclose(params[backend][1], params["loops"][1], rtol=1e-12)


def test_float32_training_tracks_float64():
    X, Y = regression_data()
    n64, _ = start()
    n32 = ln.Network([5, 4, 3, 3], seed=2, init="normal", dtype="float32")
    n64.fit(X, Y, epochs=3, lr=3.0, batch_size=5, shuffle=False)
    n32.fit(X, Y, epochs=3, lr=3.0, batch_size=5, shuffle=False)
    assert n32.params.dtype == np.float32
    np.testing.assert_allclose(n32.params, n64.params, atol=1e-4)


def test_history_records_one_value_per_epoch_and_validation():
    X, Y = regression_data(N=30)
    Xtr, Xv, Ytr, Yv = X[:20], X[20:], Y[:20], Y[20:]
    net, _ = start()
    seen = []
    h = net.fit(Xtr, Ytr, epochs=4, lr=1.0, batch_size=6, validation_data=(Xv, Yv),
                callback=lambda e, hist: seen.append((e, hist.epochs)))
    assert seen == [(0, 1), (1, 2), (2, 3), (3, 4)]
    assert len(h.loss) == len(h.val_loss) == len(h.seconds) == 4
    assert h.accuracy == [None] * 4  # regression targets: no accuracy
    assert h.val_loss[-1] == pytest.approx(net.loss(Xv, Yv), rel=1e-12)
    assert not h.interrupted


def test_callback_returning_true_stops():
    X, Y = regression_data()
    net, _ = start()
    h = net.fit(X, Y, epochs=10, callback=lambda e, hist: e == 2)
    assert h.epochs == 3


# ---------------------------------------------------------------------------------------------
# Divergence
# ---------------------------------------------------------------------------------------------
def diverging():
    # a linear network on inputs of size ~10: each step multiplies the error by about |1 − η·100|
    rng = np.random.default_rng(0)
    X = rng.uniform(5, 15, (12, 4))
    Y = rng.standard_normal((12, 1))
    net = ln.Network([4, 3, 1], activation="identity", seed=0)
    return net, X, Y


@pytest.mark.parametrize("backend", ["loops", "numpy"])
@pytest.mark.parametrize("with_callback", [True, False])
def test_divergence_names_epoch_and_lr_and_restores_start_of_that_epoch(backend, with_callback):
    net, X, Y = diverging()
    net.backend = backend
    # find, without a callback, the epoch in which it diverges
    snapshots = [net.params.copy()]
    callback = (lambda e, h: snapshots.append(net.params.copy())) if with_callback else None
    with pytest.raises(ln.TrainingDiverged) as info:
        net.fit(X, Y, epochs=200, lr=0.05, batch_size=3, shuffle=True, seed=1, callback=callback)
    err = info.value
    k = err.history.epochs  # epochs that finished
    assert k >= 1, "pick data that diverges after at least one good epoch"
    assert f"epoch {k + 1}" in str(err) and "lr=0.05" in str(err) and "learning rate" in str(err)
    assert len(err.history.loss) == len(err.history.seconds) == k
    assert np.all(np.isfinite(err.history.loss))
    assert np.all(np.isfinite(net.params))
    # the weights at the start of the diverging epoch: replay k epochs on a fresh copy
    replay, X2, Y2 = diverging()
    replay.backend = backend
    replay.fit(X2, Y2, epochs=k, lr=0.05, batch_size=3, shuffle=True, seed=1)
    np.testing.assert_array_equal(net.params, replay.params)
    if with_callback:
        np.testing.assert_array_equal(net.params, snapshots[-1])
        assert len(snapshots) == k + 1


def test_sigmoid_with_huge_lr_stays_finite_or_raises_cleanly():
    X, Y = regression_data()
    net, _ = start()
    try:
        net.fit(X, Y, epochs=5, lr=1e300, batch_size=5)
    except ln.TrainingDiverged as err:
        assert "lr=1e+300" in str(err)
    assert np.all(np.isfinite(net.params))


# ---------------------------------------------------------------------------------------------
# Ctrl-C: a real SIGINT to a real process
# ---------------------------------------------------------------------------------------------
CTRL_C_SCRIPT = textwrap.dedent("""
    import json, sys
    import numpy as np
    import loopnet as ln
    backend, presses = sys.argv[1], int(sys.argv[2])
    rng = np.random.default_rng(0)
    X = rng.random((N_ROWS, 64)); Y = np.eye(10)[rng.integers(0, 10, N_ROWS)]
    net = ln.Network([64, 64, 10], backend=backend, seed=0)
    snapshots = []
    def callback(epoch, hist):
        snapshots.append(net.params.copy())
        print("epoch", epoch, flush=True)
    hist = net.fit(X, Y, epochs=100000, lr=0.5, batch_size=10, callback=callback, progress=True,
                   validation_data=(X[:50], Y[:50]))
    print("RESULT " + json.dumps(dict(
        interrupted=hist.interrupted, epochs=hist.epochs,
        lengths=[len(hist.loss), len(hist.accuracy), len(hist.val_loss), len(hist.seconds)],
        finite=bool(np.all(np.isfinite(net.params))),
        equals_last_epoch=bool(np.array_equal(net.params, snapshots[-1])) if snapshots else None,
        snapshots=len(snapshots))), flush=True)
""")


@pytest.mark.parametrize("backend,rows,presses", [("loops", 3000, 1), ("numpy", 3000, 1), ("numpy", 20000, 2)])
def test_ctrl_c_returns_consistent_history_and_weights(backend, rows, presses, tmp_path):
    script = tmp_path / "ctrl_c.py"
    script.write_text(CTRL_C_SCRIPT.replace("N_ROWS", str(rows)))
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, str(script), backend, str(presses)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline()           # the first epoch finished: training is under way
        assert line.startswith("epoch 0"), line + proc.stderr.read()
        if presses == 2:
            proc.stdout.readline()
            time.sleep(0.05)                    # now inside an epoch (each takes ~0.5 s on numpy)
            proc.send_signal(signal.SIGINT)
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    result = json.loads(out.strip().splitlines()[-1].split("RESULT ", 1)[1])
    assert result["interrupted"] is True
    k = result["epochs"]
    assert k >= 1 and result["lengths"] == [k, k, k, k]
    assert result["finite"] and result["equals_last_epoch"]
    assert result["snapshots"] == k
    assert "Traceback" not in err


def test_fit_restores_the_sigint_handler():
    X, Y = regression_data()
    net, _ = start()
    before = signal.getsignal(signal.SIGINT)
    net.fit(X, Y, epochs=2)
    assert signal.getsignal(signal.SIGINT) is before


# ---------------------------------------------------------------------------------------------
# Convergence targets
# ---------------------------------------------------------------------------------------------
def test_xor_2_3_1_sigmoid_converges_from_a_fixed_seed():
    X, Y = logic_gate("xor")
    net = ln.Network([2, 3, 1], activation="sigmoid", seed=0)
    h = net.fit(X, Y, epochs=3000, lr=3.0, batch_size=None)
    np.testing.assert_array_equal(net.predict(X), [0, 1, 1, 0])
    assert h.loss[-1] < 0.01 < h.loss[0]
    assert h.accuracy[-1] == 1.0


# Settings for digits (also the CLI's defaults for --data digits): stratified 80/20 split with
# seed 0, 64-30-10 sigmoid, quadratic loss, lr 3.0, mini-batch 10, 30 epochs, init "scaled".
# Measured on 5 seeds (network and shuffle seed 0..4): 96.9–97.5 % held-out accuracy.
DIGITS = dict(epochs=30, lr=3.0, batch_size=10, seed=0)


def test_digits_64_30_10_reaches_95_percent_same_on_loops_and_numpy():
    pytest.importorskip("sklearn", reason="load_digits needs scikit-learn")
    X, Y = load_digits()
    Xtr, Xte, Ytr, Yte = train_test_split(X, Y, test_size=0.2, seed=0, stratify=True)
    acc, params = {}, {}
    for backend in ("loops", "numpy"):
        net = ln.Network([64, 30, 10], activation="sigmoid", loss="quadratic", seed=0, backend=backend)
        h = net.fit(Xtr, Ytr, validation_data=(Xte, Yte), **DIGITS)
        acc[backend] = net.evaluate(Xte, Yte)[1]
        assert h.val_accuracy[-1] == acc[backend]
        params[backend] = net.params.copy()
    assert acc["loops"] >= 0.95
    assert acc["loops"] == acc["numpy"]
    np.testing.assert_allclose(params["loops"], params["numpy"], rtol=0, atol=1e-9)
