"""loopnet.options: every training option checked once, in the network's dtype, for Network.fit,
Ensemble.fit and the estimators alike; the drifts between those entry points pinned as tests."""
import numpy as np
import pytest

import loopnet as ln
from loopnet import datasets
from loopnet.options import TrainingOptions, batch_size_for

X, Y = datasets.logic_gate("xor")


def test_build_holds_the_checked_values():
    o = TrainingOptions.build(4, "float32", epochs=3, lr=0.5, batch_size=10, l2=0.4, sample_weight=[1, 2, 0, 1])
    assert (o.epochs, o.batch_size, o.optimizer, o.shuffle) == (3, 4, "sgd", True)   # batch clipped to N
    assert o.sample_weight.dtype == np.float32 and o.sample_weight.tolist() == [1, 2, 0, 1]
    assert o.hyper().dtype == np.float32 and o.hyper()[5] == np.float32(0.1)         # λ/N
    assert batch_size_for("auto", 1000) == 200 and batch_size_for(None, 7) == 7


@pytest.mark.parametrize("kwargs, pattern", [
    (dict(lr=1e-46), "rounds to 0 in float32"),
    (dict(lr=1e39), "beyond the range of float32"),
    (dict(momentum=0.99999999), "rounds to 1 in float32"),
    (dict(l2=2e-45), "l2/N"),
    (dict(eps=1e-50), "rounds to 0"),
    (dict(batch_size=0), "batch_size"),
    (dict(epochs=-1), "epochs"),
    (dict(optimizer="rmsprop"), "optimizer"),
    (dict(shuffle="yes"), "shuffle"),
    (dict(seed=-3), "seed"),
    (dict(sample_weight=[0, 0, 0, 0]), "all zeros"),
    (dict(sample_weight=[1e-46, 0, 0, 0]), "all zeros"),
    (dict(sample_weight=[1, -1, 0, 0]), "≥ 0"),
    (dict(sample_weight=[1e39, 1, 1, 1]), "beyond the range of float32"),
])
def test_every_entry_point_refuses_alike(kwargs, pattern):
    """Network.fit and Ensemble.fit refuse the same bad option with the same message (float32 checks included)."""
    for fit in (ln.Network([2, 2, 1], dtype="float32", backend="numpy").fit,
                ln.Ensemble([2, 2, 1], seeds=range(2), dtype="float32", backend="numpy").fit):
        with pytest.raises((ValueError, TypeError), match=pattern):
            fit(X, Y, **{"epochs": 1, **kwargs})


def test_sample_weights_are_copied():
    sw = np.ones(4)
    o = TrainingOptions.build(4, "float64", sample_weight=sw)
    sw[0] = 7.0
    assert o.sample_weight[0] == 1.0


@pytest.mark.parametrize("backend", ["numpy", "python"])
def test_ensemble_defaults_train_xor(backend):
    """Ensemble([2, 2, 1]).fit(X, Y) with its defaults: batch_size=10 is clipped to N = 4, as for Network."""
    ens = ln.Ensemble([2, 2, 1], seeds=range(2), backend=backend)
    curves = ens.fit(X, Y, epochs=3)
    net = ln.Network([2, 2, 1], seed=1, backend=backend)
    hist = net.fit(X, Y, epochs=3)
    np.testing.assert_allclose(curves[1], hist.loss, rtol=1e-10)
    np.testing.assert_allclose(ens.params[1], net.params, rtol=1e-10)


@pytest.mark.parametrize("backend", ["numpy", "python"])
def test_ensemble_sample_weights_are_network_fits(backend):
    sw = np.array([1.0, 2.0, 0.0, 1.0])
    ens = ln.Ensemble([2, 2, 1], seeds=range(2), backend=backend)
    ens.fit(X, Y, epochs=4, batch_size=2, sample_weight=sw)
    for m in range(2):
        net = ln.Network([2, 2, 1], seed=m, backend=backend)
        net.fit(X, Y, epochs=4, batch_size=2, sample_weight=sw)
        np.testing.assert_allclose(ens.params[m], net.params, rtol=1e-10)
    per_member = np.stack([sw, np.ones(4)])
    ens2 = ln.Ensemble([2, 2, 1], seeds=range(2), backend=backend)
    ens2.fit(X, Y, epochs=4, batch_size=2, sample_weight=per_member)
    np.testing.assert_allclose(ens2.params[0], ens.params[0], rtol=1e-10)
    plain = ln.Network([2, 2, 1], seed=1, backend=backend)
    plain.fit(X, Y, epochs=4, batch_size=2)
    np.testing.assert_allclose(ens2.params[1], plain.params, rtol=1e-10)


@pytest.mark.parametrize("backend", ["numpy", "python"])
def test_zero_weight_mini_batch_takes_no_step(backend):
    """A mini-batch whose weights are all 0 is skipped (no step, no loss), never a division by zero."""
    net = ln.Network([2, 2, 1], seed=0, backend=backend)
    half = ln.Network([2, 2, 1], seed=0, backend=backend)
    hist = net.fit(X, Y, epochs=2, batch_size=2, shuffle=False, sample_weight=[0, 0, 1, 1])
    ref = half.fit(X[2:], Y[2:], epochs=2, batch_size=2, shuffle=False)
    np.testing.assert_allclose(net.params, half.params, rtol=1e-12)
    np.testing.assert_allclose(hist.loss, ref.loss, rtol=1e-12)
    ens = ln.Ensemble([2, 2, 1], seeds=[0], backend=backend)
    ens.fit(X, Y, epochs=2, batch_size=2, shuffle=False, sample_weight=[0, 0, 1, 1])
    np.testing.assert_allclose(ens.params[0], net.params, rtol=1e-12)


def test_ensemble_refuses_all_zero_weights_clearly():
    with pytest.raises(ValueError, match="all zeros"):
        ln.Ensemble([2, 2, 1], seeds=range(2), backend="numpy").fit(X, Y, sample_weight=np.zeros((2, 4)))


def test_network_fit_takes_built_options():
    o = TrainingOptions.build(4, "float64", epochs=2, lr=1.0, batch_size=None, shuffle=False)
    a, b = ln.Network([2, 2, 1], backend="numpy"), ln.Network([2, 2, 1], backend="numpy")
    assert a.fit(X, Y, options=o).loss == b.fit(X, Y, epochs=2, lr=1.0, batch_size=None, shuffle=False).loss
    with pytest.raises(ValueError, match="options must be"):
        a.fit(X[:3], Y[:3], options=o)


def test_swapping_layers_reads_every_source_first():
    net = ln.Network([2, 2, 2, 1], backend="numpy")
    w0, w1 = net.weights[0].copy(), net.weights[1].copy()
    net.weights = [net.weights[1], net.weights[0], net.weights[2]]
    assert np.array_equal(net.weights[0], w1) and np.array_equal(net.weights[1], w0)
    b0, b1 = net.biases[0].copy(), net.biases[1].copy()
    net.biases[0:2] = [net.biases[1], net.biases[0]]
    assert np.array_equal(net.biases[0], b1) and np.array_equal(net.biases[1], b0)


def test_member_blocks_take_sample_weights_like_network_fit():
    """The member-innermost kernels (loops backend, small networks) weight the loss as Network.fit does,
    skip a member's all-zero mini-batch, and keep per-member weights apart."""
    from loopnet.ensemble import use_blocks
    assert use_blocks(9, 2)
    sw = np.stack([[1.0, 2.0, 0.0, 1.0], [0.0, 0.0, 1.0, 3.0]])
    for opt in ("sgd", "adam"):
        ens = ln.Ensemble([2, 2, 1], seeds=range(2))
        curves = ens.fit(X, Y, epochs=4, batch_size=2, shuffle=False, optimizer=opt, sample_weight=sw)
        for m in range(2):
            net = ln.Network([2, 2, 1], seed=m, backend="numpy")
            hist = net.fit(X, Y, epochs=4, batch_size=2, shuffle=False, optimizer=opt, sample_weight=sw[m])
            np.testing.assert_allclose(ens.params[m], net.params, rtol=1e-9)
            np.testing.assert_allclose(curves[m], hist.loss, rtol=1e-9)
