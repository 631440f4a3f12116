"""Sample weights go into the loss inside the kernels (BP1 and the loss kernel; BP2–BP4, component
and blocked, pass them on through δ) and the NumPy twin: a weight of 2 on a row is that row twice."""
import numpy as np
import pytest

from loopnet import Network

COMBOS = [  # (hidden, output, loss)
    ("sigmoid", "sigmoid", "quadratic"), ("tanh", "identity", "mse"), ("relu", "identity", "sse"),
    ("sigmoid", "sigmoid", "cross_entropy"), ("tanh", "softmax", "cross_entropy"), ("sigmoid", "softmax", "mse"),
]
BACKENDS = ["loops", "plain", "numpy"]


def data(N, n_in, n_out, seed=0, classes=False):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, n_in))
    if classes:
        Y = np.eye(n_out)[rng.integers(0, n_out, N)]
    else:
        Y = rng.random((N, n_out))
    return X, Y


def doubled(X, Y, counts):
    rows = np.repeat(np.arange(len(X)), counts)
    return X[rows], Y[rows]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("act,out,loss", COMBOS)
@pytest.mark.parametrize("sizes", [[3, 4, 2], [20, 16, 8]])  # the second reaches the blocked kernels' tiles
def test_weight_two_equals_the_row_twice(backend, act, out, loss, sizes):
    N = 37
    X, Y = data(N, sizes[0], sizes[-1], classes=(out == "softmax"))
    counts = np.random.default_rng(1).integers(0, 4, N)      # 0, 1, 2 or 3 copies of each row
    counts[0] = 1
    net = Network(sizes, activation=act, output_activation=out, loss=loss, seed=3, backend=backend)
    g_w = net.gradients(X, Y, sample_weight=counts)
    g_d = net.gradients(*doubled(X, Y, counts))
    assert abs(g_w.loss - g_d.loss) <= 1e-12 * max(1.0, abs(g_d.loss))
    np.testing.assert_allclose(g_w.flat, g_d.flat, rtol=0, atol=1e-12)
    np.testing.assert_allclose(net.loss(X, Y, sample_weight=counts), g_d.loss, rtol=1e-12)
    assert net.evaluate(X, Y, sample_weight=counts)[0] == pytest.approx(g_d.loss, rel=1e-12)


def test_weights_through_the_parallel_blocked_kernels():
    """BP4 of layer 1 is 200 examples × 200 × 100 = 4e6 multiply-adds: the prange blocked kernel."""
    X, Y = data(200, 100, 4, seed=8)
    counts = np.random.default_rng(9).integers(0, 3, 200)
    net = Network([100, 200, 4], seed=1)
    g_w = net.gradients(X, Y, sample_weight=counts)
    g_d = net.gradients(*doubled(X, Y, counts))
    np.testing.assert_allclose(g_w.flat, g_d.flat, rtol=0, atol=1e-12)
    np.testing.assert_allclose(g_w.flat, Network([100, 200, 4], seed=1, backend="numpy").gradients(
        X, Y, sample_weight=counts).flat, rtol=0, atol=1e-12)


@pytest.mark.parametrize("act,out,loss", COMBOS)
def test_fractional_weights_loops_equal_twin_and_finite_differences(act, out, loss):
    X, Y = data(23, 5, 3, seed=2, classes=(out == "softmax"))
    sw = np.random.default_rng(4).random(23) * 2.5
    nets = {b: Network([5, 6, 3], activation=act, output_activation=out, loss=loss, seed=5, backend=b)
            for b in BACKENDS}
    grads = {b: n.gradients(X, Y, sample_weight=sw) for b, n in nets.items()}
    for b in ("plain", "numpy"):
        np.testing.assert_allclose(grads[b].flat, grads["loops"].flat, rtol=0, atol=1e-12)
    net = nets["loops"]
    theta = net.params.copy()
    h = 1e-5
    for i in np.random.default_rng(6).choice(net.n_params, 8, replace=False):
        vals = []
        for step in (2, 1, -1, -2):
            net.params = theta + step * h * np.eye(net.n_params)[i]
            vals.append(net.loss(X, Y, sample_weight=sw))
        net.params = theta
        fd = (-vals[0] + 8 * vals[1] - 8 * vals[2] + vals[3]) / (12 * h)
        assert abs(fd - grads["loops"].flat[i]) <= 1e-6 * max(1e-3, abs(fd))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_full_batch_training_with_weights_equals_duplicated_rows(backend, optimizer):
    X, Y = data(15, 4, 2)
    counts = np.array([2, 1, 1, 3, 1, 0, 2, 1, 1, 1, 2, 1, 1, 1, 2])
    a = Network([4, 5, 2], seed=7, backend=backend)
    b = a.copy()
    ha = a.fit(X, Y, epochs=40, lr=0.5, batch_size=None, shuffle=False, optimizer=optimizer, sample_weight=counts)
    hb = b.fit(*doubled(X, Y, counts), epochs=40, lr=0.5, batch_size=None, shuffle=False, optimizer=optimizer)
    np.testing.assert_allclose(a.params, b.params, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ha.loss, hb.loss, rtol=1e-12)


def test_unit_weights_change_nothing_and_zero_weight_drops_the_row():
    X, Y = data(12, 3, 1)
    net = Network([3, 4, 1], seed=0)
    np.testing.assert_array_equal(net.gradients(X, Y, sample_weight=np.ones(12)).flat, net.gradients(X, Y).flat)
    sw = np.ones(12)
    sw[5] = 0
    keep = np.arange(12) != 5
    np.testing.assert_allclose(net.gradients(X, Y, sample_weight=sw).flat, net.gradients(X[keep], Y[keep]).flat,
                               rtol=0, atol=1e-15)
    a, b = net.copy(), net.copy()
    a.fit(X, Y, epochs=5, batch_size=4, shuffle=True, seed=3, sample_weight=np.ones(12))
    b.fit(X, Y, epochs=5, batch_size=4, shuffle=True, seed=3)
    np.testing.assert_array_equal(a.params, b.params)


@pytest.mark.parametrize("sw,message", [
    (np.ones(5), r"sample_weight has shape \(5,\); expected \(6,\), one weight per example"),
    (np.array([1, 1, -1, 1, 1, 1.0]), r"sample_weight\[2\] is -1.0; sample weights must be finite numbers ≥ 0"),
    (np.array([1, np.nan, 1, 1, 1, 1.0]), r"sample_weight\[1\] is nan"),
    (np.zeros(6), r"sample_weight is all zeros"),
    (["a"] * 6, r"sample_weight must be numbers"),
])
def test_bad_sample_weights(sw, message):
    X, Y = data(6, 3, 1)
    net = Network([3, 2, 1])
    for call in (lambda: net.fit(X, Y, epochs=1, sample_weight=sw), lambda: net.gradients(X, Y, sample_weight=sw)):
        with pytest.raises(ValueError, match=message):
            call()
