"""The engine: three backends, one set of answers, and finite differences as the judge."""
import itertools
import warnings

import numpy as np
import pytest

import loopnet as ln
from loopnet import twin
from loopnet.activations import ACTIVATIONS
from loopnet.kernels import backward, forward
from loopnet.kernels.layout import batch_view

HIDDEN = ["sigmoid", "tanh", "relu", "identity"]
OUTPUT = HIDDEN + ["softmax"]
LOSSES = ["mse", "quadratic", "sse", "cross_entropy"]
COMBOS = [(h, o, l) for h, o, l in itertools.product(HIDDEN, OUTPUT, LOSSES)
          if not (l == "cross_entropy" and o not in ("sigmoid", "softmax"))]


def data(net, n, seed, classes=False):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, net.sizes[0]))
    if net.loss_name == "cross_entropy" and net.output_activation == "softmax" or classes:
        Y = np.eye(net.sizes[-1])[rng.integers(0, net.sizes[-1], n)]
    elif net.loss_name == "cross_entropy":
        Y = rng.random((n, net.sizes[-1]))
    else:
        Y = rng.normal(size=(n, net.sizes[-1]))
    return X, Y


def on(net, backend):
    other = net.copy()
    other.backend = backend
    return other


@pytest.mark.parametrize("hidden,output,loss", COMBOS)
@pytest.mark.parametrize("bias", [True, False])
def test_backends_agree_on_every_combination(hidden, output, loss, bias):
    rng = np.random.default_rng(hash((hidden, output, loss, bias)) % 2**32)
    sizes = [int(rng.integers(1, 6))] + [int(rng.integers(1, 7)) for _ in range(int(rng.integers(0, 3)))] \
        + [int(rng.integers(2, 5))]
    net = ln.Network(sizes, activation=hidden, output_activation=output, loss=loss, bias=bias, seed=3)
    X, Y = data(net, int(rng.integers(1, 9)), 4)
    results = {b: (on(net, b).forward(X), on(net, b).gradients(X, Y)) for b in ("loops", "numpy", "python")}
    A, g = results["numpy"]
    for b in ("loops", "python"):
        A2, g2 = results[b]
        np.testing.assert_allclose(A2, A, rtol=1e-12, atol=1e-12)
        assert abs(g2.loss - g.loss) <= 1e-12 * max(1.0, abs(g.loss))
        np.testing.assert_allclose(g2.flat, g.flat, rtol=1e-11, atol=1e-12)
        assert len(g2.dW) == len(net.weights)
        assert (g2.db is None) == (not bias)


@pytest.mark.parametrize("hidden,output,loss", COMBOS)
def test_gradients_match_central_differences(hidden, output, loss):
    net = ln.Network([3, 4, 3, 2], activation=hidden, output_activation=output, loss=loss, seed=7)
    X, Y = data(net, 5, 8)
    # ReLU kinks: z exactly 0 has probability 0 with continuous random data
    assert ln.gradcheck(net, X, Y) < 1e-6
    assert ln.gradcheck(on(net, "numpy"), X, Y) < 1e-6


def test_public_api_shapes_and_meanings():
    net = ln.Network([3, 2, 1], activation="sigmoid", output_activation=None, loss="quadratic", bias=True,
                     init="scaled", seed=0, dtype="float64", backend="loops")
    assert net.sizes == [3, 2, 1]
    assert [w.shape for w in net.weights] == [(2, 3), (1, 2)]
    assert [b.shape for b in net.biases] == [(2,), (1,)]
    assert net.output_activation == "sigmoid"
    assert net.forward([0.0, 1.0, 2.0]).shape == (1,)
    assert net.forward(np.zeros((5, 3))).shape == (5, 1)
    X, Y = np.random.default_rng(0).random((4, 3)), np.random.default_rng(1).random((4, 1))
    g = net.gradients(X, Y)
    assert [d.shape for d in g.dW] == [(2, 3), (1, 2)] and [d.shape for d in g.db] == [(2,), (1,)]
    before = [w.copy() for w in net.weights] + [b.copy() for b in net.biases]
    loss = net.step(X, Y, 0.5)
    assert loss == pytest.approx(g.loss, rel=1e-15)
    after = net.weights + net.biases
    for old, new, d in zip(before, after, g.dW + g.db):
        np.testing.assert_allclose(new, old - 0.5 * d, rtol=1e-15, atol=1e-17)
    assert net.loss(X, Y) < loss


def test_from_weights_copies_and_reads_sizes():
    W1 = np.array([[0.4, 0.5, 0.3], [0.2, 0.7, 0.1]])
    W1.setflags(write=False)
    net = ln.Network.from_weights([W1, [[0.1, 0.2]]], loss="mse")
    assert net.sizes == [3, 2, 1] and net.biases is None
    net.step([[0, 1, 2]], [[1]], 0.1)
    assert W1[0, 1] == 0.5  # the caller's array is untouched


def test_params_is_one_flat_vector_viewed_by_weights():
    net = ln.Network([2, 3, 2], seed=1)
    assert net.params.size == 2 * 3 + 3 + 3 * 2 + 2
    net.weights[1][0, 2] = 42.0
    assert 42.0 in net.params


@pytest.mark.parametrize("init", ["scaled", "normal", "xavier", "he"])
def test_inits_are_seeded_and_scaled(init):
    a = ln.Network([200, 100, 10], init=init, seed=5)
    b = ln.Network([200, 100, 10], init=init, seed=5, backend="numpy")
    c = ln.Network([200, 100, 10], init=init, seed=6)
    np.testing.assert_array_equal(a.params, b.params)
    assert not np.array_equal(a.params, c.params)
    std = a.weights[0].std()
    expected = {"scaled": 1 / np.sqrt(200), "normal": 1.0, "xavier": np.sqrt(2 / 300), "he": np.sqrt(2 / 200)}[init]
    assert std == pytest.approx(expected, rel=0.05)


def test_float32_keeps_float32_and_agrees_with_float64():
    n64 = ln.Network([5, 8, 3], output_activation="softmax", loss="cross_entropy", seed=2)
    n32 = ln.Network([5, 8, 3], output_activation="softmax", loss="cross_entropy", seed=2, dtype="float32")
    X, Y = data(n64, 16, 3)
    g64, g32 = n64.gradients(X, Y), n32.gradients(X, Y)
    assert n32.forward(X).dtype == np.float32 and g32.flat.dtype == np.float32
    np.testing.assert_allclose(g32.flat, g64.flat, rtol=1e-4, atol=1e-6)
    g32n = on(n32, "numpy").gradients(X, Y)
    np.testing.assert_allclose(g32.flat, g32n.flat, rtol=1e-5, atol=1e-6)


def test_stable_for_huge_pre_activations():
    for act, out, loss in [("sigmoid", "sigmoid", "cross_entropy"), ("tanh", "softmax", "cross_entropy"),
                           ("relu", "sigmoid", "mse")]:
        for dtype in ("float64", "float32"):
            net = ln.Network([2, 3, 2], activation=act, output_activation=out, loss=loss, seed=0, dtype=dtype)
            net.params[:] = 1e4 * np.sign(net.params)
            X = np.array([[1.0, -1.0], [-1.0, 1.0]])
            Y = np.array([[1.0, 0.0], [0.0, 1.0]])
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                for b in ("loops", "numpy"):
                    other = on(net, b)
                    A = other.forward(X)
                    g = other.gradients(X, Y)
                    assert np.all(np.isfinite(A)) and np.isfinite(g.loss) and np.all(np.isfinite(g.flat))


def test_each_kernel_equals_its_twin():
    """One kernel per equation, each against the vectorised line it stands for."""
    rng = np.random.default_rng(0)
    nb, n_in, n_out = 5, 4, 3
    W, b, a_prev = rng.normal(size=(n_out, n_in)), rng.normal(size=n_out), rng.normal(size=(nb, n_in))
    z = np.empty((nb, n_out))
    forward.weighted_input(z, W, b, a_prev)
    np.testing.assert_allclose(z, twin.weighted_input(W, b, a_prev), rtol=1e-14)
    for name, act in ACTIVATIONS.items():
        a = np.empty_like(z)
        forward.activate_layer(a, z, act.code)
        np.testing.assert_allclose(a, twin.activate_layer(z, act.code), rtol=1e-14)
        if name != "softmax":
            delta_next, W_next = rng.normal(size=(nb, 2)), rng.normal(size=(2, n_out))
            d = np.empty_like(z)
            backward.hidden_error(d, W_next, delta_next, z, a, act.code)
            np.testing.assert_allclose(d, twin.hidden_error(W_next, delta_next, z, a, act.code), rtol=1e-13)
    delta = rng.normal(size=(nb, n_out))
    dW, db = np.empty((n_out, n_in)), np.empty(n_out)
    backward.weight_gradient(dW, delta, a_prev)
    backward.bias_gradient(db, delta)
    np.testing.assert_allclose(dW, twin.weight_gradient(delta, a_prev), rtol=1e-13)
    np.testing.assert_allclose(db, twin.bias_gradient(delta), rtol=1e-13)
    y = rng.random((nb, n_out))
    for act in ("sigmoid", "softmax", "tanh"):
        code = ACTIVATIONS[act].code
        a = twin.activate_layer(z, code)
        for loss in range(4):
            if loss == 3 and act == "tanh":
                continue
            d = np.empty_like(z)
            sw = rng.random(nb) * 3                      # sample weights s_n
            backward.output_error(d, a, z, y, sw, code, loss, 0.25)
            np.testing.assert_allclose(d, twin.output_error(a, z, y, sw, code, loss, 0.25), rtol=1e-13)


def test_python_backend_runs_the_kernel_source_uncompiled():
    from loopnet.backends import BACKENDS
    tree, k = BACKENDS["python"].trees(10 ** 9)      # whatever the size: the component kernels, uncompiled
    assert tree == "component"
    assert k.gradients.__code__ is backward.gradients.py_func.__code__ if hasattr(backward.gradients, "py_func") \
        else True
    assert not hasattr(k.gradients, "py_func")  # a plain Python function, not a numba dispatcher
    # its callees are plain Python too, so a debugger can step all the way into the loops
    assert not hasattr(k.gradients.__globals__["backpropagate"], "py_func")


def test_batch_view_layout():
    sizes = np.array([3, 2, 4], dtype=np.int64)
    buf = np.arange(5 * 9, dtype=np.float64)
    v = batch_view(buf, 5, sizes, 2, 3)
    assert v.shape == (3, 4) and v[0, 0] == 5 * (3 + 2)
