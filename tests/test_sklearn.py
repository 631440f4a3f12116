"""loopnet.sklearn: scikit-learn's own estimator checks, Pipeline/GridSearchCV, and one epoch against MLPRegressor."""
import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import loopnet as ln
from loopnet.sklearn import LoopNetClassifier, LoopNetRegressor, in_worker


# No check needs to be skipped: every check of scikit-learn 1.9 passes. Two skip themselves
# (check_array_api_input without SCIPY_ARRAY_API, *_data_not_an_array without pandas).
# The sample-weight equivalence check (weight k == the row k times) holds for full-batch gradient
# descent only: shuffled mini-batches of repeated rows are other mini-batches. scikit-learn runs
# that check on its own MLPClassifier with solver="lbfgs" (full batch) for the same reason
# (PER_ESTIMATOR_CHECK_PARAMS); here it runs with batch_size=None, every other check on the defaults.
PER_CHECK_PARAMS = {"check_sample_weight_equivalence_on_dense_data": dict(batch_size=None)}


@parametrize_with_checks([LoopNetClassifier(), LoopNetRegressor()], expected_failed_checks=lambda est: {})
def test_sklearn_compatible(estimator, check):
    name = getattr(check, "func", check).__name__
    if name in PER_CHECK_PARAMS:
        estimator = clone(estimator).set_params(**PER_CHECK_PARAMS[name])
    check(estimator)


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return X, np.array(["setosa", "versicolor", "virginica"])[y]


def test_classifier_takes_string_labels_and_exposes_sklearn_layout(iris):
    X, y = iris
    clf = LoopNetClassifier(hidden_layer_sizes=(7,), epochs=60, random_state=0).fit(StandardScaler().fit_transform(X), y)
    assert list(clf.classes_) == ["setosa", "versicolor", "virginica"]
    assert clf.n_features_in_ == 4
    # sklearn layout: coefs_[i] is (n_in, n_out) = loopnet's W.T
    assert [c.shape for c in clf.coefs_] == [(4, 7), (7, 3)]
    for c, W, b, i in zip(clf.coefs_, clf.network_.weights, clf.network_.biases, clf.intercepts_):
        np.testing.assert_array_equal(c, W.T)
        np.testing.assert_array_equal(i, b)
    assert clf.network_.sizes == [4, 7, 3]
    assert len(clf.loss_curve_) == clf.n_iter_ <= 60
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]
    proba = clf.predict_proba(StandardScaler().fit_transform(X))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert clf.score(StandardScaler().fit_transform(X), y) > 0.9


def test_binary_labels_and_sigmoid_outputs():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 2))
    y = np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")
    clf = LoopNetClassifier(hidden_layer_sizes=(4,), output_activation="sigmoid", loss="quadratic", lr=2.0,
                            random_state=1, tol=None, epochs=40).fit(X, y)
    assert clf.n_iter_ == 40  # tol=None runs every epoch
    assert clf.coefs_[-1].shape == (4, 2)  # one output per class, also for two classes
    assert clf.score(X, y) > 0.9
    np.testing.assert_allclose(clf.predict_proba(X).sum(axis=1), 1.0)


def test_stops_when_loss_stalls_like_mlp():
    X, y = make_regression(80, 3, noise=0.0, random_state=0)
    y = (y - y.mean()) / y.std()
    reg = LoopNetRegressor(epochs=500, tol=1e9, n_iter_no_change=3, random_state=0).fit(X, y)
    # sklearn's rule: epoch 1 improves on best_loss_ = ∞; with an enormous tol no later epoch counts as an
    # improvement, and training stops once more than n_iter_no_change epochs in a row did not improve: 1 + 4
    assert reg.n_iter_ == 5


def test_early_stopping_keeps_best_validation_weights(iris):
    X, y = iris
    X = StandardScaler().fit_transform(X)
    clf = LoopNetClassifier(early_stopping=True, validation_fraction=0.2, n_iter_no_change=5, epochs=200,
                            random_state=0).fit(X, y)
    assert len(clf.validation_scores_) == clf.n_iter_ < 200
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    # the network holds the weights of the best epoch, not of the last one
    Xtr, Xv, ytr, yv = __import__("sklearn.model_selection", fromlist=["x"]).train_test_split(
        X, y, test_size=0.2, random_state=0, stratify=np.unique(y, return_inverse=True)[1])
    assert clf.score(Xv, yv) == clf.best_validation_score_


def test_regressor_multioutput_and_pickle():
    X, Y = make_regression(100, 4, n_targets=2, random_state=0)
    Y = Y / Y.std(axis=0)
    reg = LoopNetRegressor(hidden_layer_sizes=(8,), epochs=50, random_state=0).fit(X, Y)
    assert reg.predict(X).shape == (100, 2)
    assert reg.score(X, Y) > 0.8
    again = pickle.loads(pickle.dumps(reg))
    np.testing.assert_array_equal(again.predict(X), reg.predict(X))


def test_pipeline_and_gridsearch(iris):
    X, y = iris
    pipe = make_pipeline(StandardScaler(), LoopNetClassifier(epochs=30, random_state=0))
    grid = GridSearchCV(pipe, {"loopnetclassifier__hidden_layer_sizes": [(3,), (10,)],
                               "loopnetclassifier__lr": [0.1, 1.0]}, cv=3)
    grid.fit(X, y)
    assert grid.best_score_ > 0.85
    assert set(grid.best_params_) == {"loopnetclassifier__hidden_layer_sizes", "loopnetclassifier__lr"}
    assert grid.predict(X[:5]).dtype.kind == "U"


def test_gridsearch_on_loky_equals_serial(iris):
    X, y = iris
    X = StandardScaler().fit_transform(X)
    grid = {"hidden_layer_sizes": [(3,), (6,)], "lr": [0.2, 1.0]}
    est = LoopNetClassifier(epochs=20, random_state=0, tol=None)
    serial = GridSearchCV(est, grid, cv=3).fit(X, y)
    loky = GridSearchCV(clone(est), grid, cv=3, n_jobs=2).fit(X, y)
    np.testing.assert_array_equal(loky.cv_results_["mean_test_score"], serial.cv_results_["mean_test_score"])
    assert not in_worker()  # this test process is not a worker; fit does not limit threads here


@pytest.mark.parametrize("bad, message", [
    ({"hidden_layer_sizes": (3, 0)}, "hidden_layer_sizes"),
    ({"hidden_layer_sizes": "30"}, "hidden_layer_sizes"),
    ({"epochs": 0}, "epochs must be an integer ≥ 1, got 0"),
    ({"batch_size": 0}, "batch_size"),
    ({"validation_fraction": 1.5}, "validation_fraction"),
    ({"output_activation": "identity"}, "output_activation='identity'"),
    ({"activation": "swish"}, "activation='swish'"),
    ({"lr": -1.0}, "lr must be"),
])
def test_bad_parameters_are_named(iris, bad, message):
    X, y = iris
    with pytest.raises(ValueError, match=message):
        LoopNetClassifier(**bad).fit(X, y)


def test_one_class_is_refused():
    with pytest.raises(ValueError, match="only one class"):
        LoopNetClassifier().fit([[0.0], [1.0]], ["a", "a"])


@pytest.mark.parametrize("loss", ["quadratic", "mse"])
def test_one_epoch_matches_mlpregressor(loss):
    """Same start, same SGD epoch, same weights as scikit-learn's MLPRegressor (to 1e-12).

    Loss scaling. sklearn's ``squared_loss`` (neural_network/_base.py) reports
    ½ · mean over samples *and* outputs of (a − y)², but its backprop sets δ^L = a − y and
    divides the summed gradients by the batch size N_b only (``_compute_loss_grad``: ``/= sw_sum``).
    So its gradient is that of L = 1/(2 N_b) Σ_n Σ_j (a_nj − y_nj)², which is loopnet's
    ``quadratic`` exactly: same lr. loopnet's ``mse`` = 1/(N_b n_out) Σ Σ (a − y)² is
    ``quadratic`` × 2/n_out, so it takes lr_sklearn · n_out / 2. The reported losses differ by
    the same factors: sklearn's loss_curve_ = quadratic / n_out = mse / 2.
    """
    rng = np.random.default_rng(3)
    N, n_in, n_hidden, n_out, b, lr = 23, 4, 5, 2, 5, 0.05  # 23 = 4 batches of 5 and one of 3
    X = rng.standard_normal((N, n_in))
    Y = np.column_stack([np.sin(X[:, 0]) + X[:, 1], X[:, 2] * X[:, 3]])
    seed = 7
    start = ln.Network([n_in, n_hidden, n_out], activation="sigmoid", output_activation="identity",
                       loss=loss, init="scaled", seed=seed)  # what LoopNetRegressor(random_state=seed) starts from

    ours = LoopNetRegressor(hidden_layer_sizes=(n_hidden,), activation="sigmoid", loss=loss,
                            lr=lr if loss == "quadratic" else lr * n_out / 2, batch_size=b, epochs=1,
                            shuffle=False, tol=None, random_state=seed).fit(X, Y)

    mlp = MLPRegressor(hidden_layer_sizes=(n_hidden,), activation="logistic", solver="sgd", learning_rate="constant",
                       learning_rate_init=lr, momentum=0.0, nesterovs_momentum=False, alpha=0.0, shuffle=False,
                       batch_size=b, max_iter=1, warm_start=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(X, Y)  # allocates coefs_; with warm_start=True the next fit continues from whatever they hold
        mlp.coefs_ = [W.T.copy() for W in start.weights]  # sklearn's (n_in, n_out) layout
        mlp.intercepts_ = [b_.copy() for b_ in start.biases]
        mlp.fit(X, Y)  # one epoch from our start (fresh SGD optimizer, no momentum)

    assert mlp.n_iter_ == ours.n_iter_ == 1
    moved = max(np.abs(c - W.T).max() for c, W in zip(ours.coefs_, start.weights))
    assert moved > 1e-3  # the epoch did change the weights
    for c_ours, c_mlp in zip(ours.coefs_ + ours.intercepts_, mlp.coefs_ + mlp.intercepts_):
        np.testing.assert_allclose(c_ours, c_mlp, rtol=0, atol=1e-12)
    factor = n_out if loss == "quadratic" else 2  # loopnet's epoch loss / sklearn's
    # (with warm_start sklearn appends to loss_curve_: [-1] is the epoch from our start)
    assert ours.loss_curve_[0] / factor == pytest.approx(mlp.loss_curve_[-1], rel=1e-12)
