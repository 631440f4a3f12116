"""scikit-learn parity of LoopNetClassifier / LoopNetRegressor: partial_fit, warm_start,
sample_weight, learning-rate schedules, batch_size='auto', 'logistic', ConvergenceWarning,
multilabel targets and MLP's fitted attributes — each against its MLP meaning."""
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

import loopnet as ln
from loopnet.sklearn import LoopNetClassifier, LoopNetRegressor


def blobs(N=60, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(N) % 3
    X = rng.standard_normal((N, 4)) * 0.5 + np.eye(3, 4)[y] * 2
    return X, y


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fn(*args, **kwargs)


def test_fit_equals_one_long_network_fit():
    """Epoch-by-epoch training with the Generator and optimizer memory carried = one Network.fit call."""
    X, y = blobs()
    clf = LoopNetClassifier(hidden_layer_sizes=(5,), epochs=12, tol=None, random_state=3, momentum=0.5,
                            batch_size=7).fit(X, y)
    net = ln.Network([4, 5, 3], output_activation="softmax", loss="cross_entropy", seed=3)
    hist = net.fit(X, np.eye(3)[y], epochs=12, lr=0.5, batch_size=7, seed=3, momentum=0.5)
    np.testing.assert_array_equal(clf.network_.params, net.params)
    np.testing.assert_array_equal(clf.loss_curve_, hist.loss)


def test_partial_fit_epochs_equal_fit():
    X, y = blobs()
    full = LoopNetClassifier(hidden_layer_sizes=(5,), epochs=6, tol=None, random_state=1, optimizer="adam",
                             lr=0.01).fit(X, y)
    part = LoopNetClassifier(hidden_layer_sizes=(5,), random_state=1, optimizer="adam", lr=0.01)
    for _ in range(6):
        part.partial_fit(X, y, classes=[0, 1, 2])
    np.testing.assert_array_equal(part.network_.params, full.network_.params)
    assert part.n_iter_ == 6 and part.t_ == 6 * len(X) == full.t_
    with pytest.raises(ValueError, match="classes must be passed on the first call to partial_fit"):
        LoopNetClassifier().partial_fit(X, y)
    with pytest.raises(ValueError, match=r"labels \[7\] that are not in classes \[0, 1, 2\]"):
        part.partial_fit(X[:3], np.array([0, 1, 7]))
    reg = LoopNetRegressor(hidden_layer_sizes=(3,), random_state=0)
    reg.partial_fit(X, X[:, 0]).partial_fit(X, X[:, 0])
    assert reg.n_iter_ == 2 and reg.predict(X).shape == (60,)


def test_warm_start_continues_and_cold_start_restarts():
    X, y = blobs()
    a = LoopNetClassifier(hidden_layer_sizes=(5,), epochs=4, tol=None, random_state=0, warm_start=True)
    a.fit(X, y)
    after4 = a.network_.params.copy()
    a.fit(X, y)
    assert a.n_iter_ == 8 and len(a.loss_curve_) == 8 and not np.array_equal(a.network_.params, after4)
    cold = LoopNetClassifier(hidden_layer_sizes=(5,), epochs=4, tol=None, random_state=0).fit(X, y).fit(X, y)
    np.testing.assert_array_equal(cold.network_.params, after4)
    with pytest.raises(ValueError, match=r"warm_start continues the network \[4, 5, 3\]"):
        a.set_params(hidden_layer_sizes=(6,)).fit(X, y)


def test_invscaling_follows_eta_over_t_plus_one_to_the_power_t():
    X, y = blobs()
    clf = LoopNetClassifier(hidden_layer_sizes=(5,), epochs=3, tol=None, random_state=2, learning_rate="invscaling",
                            power_t=0.5, lr=1.0, shuffle=False, batch_size=None).fit(X, y)
    net = ln.Network([4, 5, 3], output_activation="softmax", loss="cross_entropy", seed=2)
    Y = np.eye(3)[y]
    lr, t = 1.0, 0
    for _ in range(3):   # scikit-learn: after each epoch η = η_0 / (t + 1)^power_t, t = samples seen
        net.fit(X, Y, epochs=1, lr=lr, batch_size=None, shuffle=False)
        t += len(X)
        lr = 1.0 / (t + 1) ** 0.5
    np.testing.assert_allclose(clf.network_.params, net.params, rtol=0, atol=1e-12)


def test_adaptive_divides_lr_by_five_instead_of_stopping():
    X, y = blobs()
    kw = dict(hidden_layer_sizes=(5,), epochs=40, random_state=0, tol=10.0, n_iter_no_change=2)
    const = quiet(LoopNetClassifier(**kw).fit, X, y)
    # tol 10: epoch 1 improves on best_loss_ = inf, epochs 2, 3, 4 do not: 3 > n_iter_no_change stops at 4
    assert const.n_iter_ == 4
    adapt = quiet(LoopNetClassifier(learning_rate="adaptive", **kw).fit, X, y)
    # adaptive: η ÷ 5 instead at epochs 4, 7, ..., 28 (0.5 / 5^8 = 1.3e-6 > 1e-6 is still divided);
    # at epoch 31 η = 0.5 / 5^9 = 2.6e-7 ≤ 1e-6 and training stops, as MLP's SGD does
    assert adapt._lr == pytest.approx(0.5 / 5 ** 9, rel=1e-12)
    assert adapt.n_iter_ == 31


def test_convergence_warning_only_when_the_cap_is_hit():
    X, y = blobs()
    with pytest.warns(ConvergenceWarning, match=r"the most epochs \(3\) were run"):
        LoopNetClassifier(hidden_layer_sizes=(5,), epochs=3, random_state=0).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        LoopNetClassifier(hidden_layer_sizes=(5,), epochs=3, random_state=0, tol=None).fit(X, y)
        LoopNetClassifier(hidden_layer_sizes=(5,), epochs=50, random_state=0, tol=10.0).fit(X, y)


def test_sample_weight_two_equals_row_twice_full_batch():
    X, y = blobs(30)
    sw = np.random.default_rng(0).integers(0, 4, 30)
    kw = dict(hidden_layer_sizes=(5,), epochs=20, tol=None, random_state=0, batch_size=None, shuffle=False)
    a = LoopNetClassifier(**kw).fit(X, y, sample_weight=sw)
    b = LoopNetClassifier(**kw).fit(np.repeat(X, sw, axis=0), np.repeat(y, sw))
    np.testing.assert_allclose(a.network_.params, b.network_.params, rtol=0, atol=1e-12)
    r1 = LoopNetRegressor(**kw).fit(X, X[:, 1], sample_weight=sw)
    r2 = LoopNetRegressor(**kw).fit(np.repeat(X, sw, axis=0), np.repeat(X[:, 1], sw))
    np.testing.assert_allclose(r1.predict(X), r2.predict(X), rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="sample_weight"):
        LoopNetClassifier(**kw).fit(X, y, sample_weight=np.ones(29))


def test_multilabel_targets():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((80, 3))
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] > 0, X[:, 0] + X[:, 2] > 0]).astype(int)
    clf = quiet(LoopNetClassifier(hidden_layer_sizes=(8,), epochs=200, random_state=0, lr=2.0).fit, X, Y)
    assert clf.network_.output_activation == "sigmoid" and clf.out_activation_ == "logistic"
    assert clf.classes_.tolist() == [0, 1, 2] and clf.n_outputs_ == 3
    P = clf.predict(X)
    assert P.shape == (80, 3) and set(np.unique(P)) <= {0, 1}
    assert clf.score(X, Y) > 0.8                      # subset accuracy
    np.testing.assert_allclose(clf.predict_proba(X), clf.network_.forward(X))
    mlp = quiet(MLPClassifier(hidden_layer_sizes=(8,), max_iter=50, random_state=0).fit, X, Y)
    assert mlp.predict(X).shape == P.shape           # the same kind of answer as MLPClassifier's


def test_fitted_attributes_and_logistic_and_auto_batch():
    X, y = blobs()
    clf = quiet(LoopNetClassifier(hidden_layer_sizes=(5, 4), activation="logistic", batch_size="auto",
                                  epochs=5, random_state=0).fit, X, y)
    assert clf.network_.activation == "sigmoid"
    assert (clf.n_layers_, clf.n_outputs_, clf.out_activation_) == (4, 3, "softmax")
    assert clf.loss_ == clf.loss_curve_[-1] and clf.t_ == 5 * 60
    reg = quiet(LoopNetRegressor(hidden_layer_sizes=(3,), epochs=2, random_state=0).fit, X, X[:, :2])
    assert (reg.n_layers_, reg.n_outputs_, reg.out_activation_) == (3, 2, "identity")
    for bad, message in [(dict(learning_rate="optimal"), "learning_rate must be one of"),
                         (dict(power_t=-1), "power_t must be a number ≥ 0"),
                         (dict(batch_size="big"), "batch_size must be an integer ≥ 1 .* 'auto'")]:
        with pytest.raises(ValueError, match=message):
            LoopNetClassifier(**bad).fit(X, y)
