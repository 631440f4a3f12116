"""scikit-learn estimators over :meth:`loopnet.Network.fit`.

>>> from sklearn.datasets import load_iris
>>> from loopnet.sklearn import LoopNetClassifier
>>> X, y = load_iris(return_X_y=True)
>>> clf = LoopNetClassifier(hidden_layer_sizes=(10,), epochs=50, random_state=0).fit(X / 8, y)
>>> clf.predict(X[:3] / 8).tolist(), [c.shape for c in clf.coefs_]
([0, 0, 0], [(4, 10), (10, 3)])

Two layouts meet here. loopnet stores W of layer l as ``(n_l, n_{l-1})`` (Nielsen's order, row j =
weights *into* neuron j); scikit-learn's ``coefs_[i]`` is ``(n_in, n_out)``. So
``coefs_[i] == network_.weights[i].T`` and ``intercepts_[i] == network_.biases[i]`` (copies taken
at the end of ``fit``; ``network_`` is the trained :class:`loopnet.Network` itself).

Hyper-parameters keep loopnet's names (``lr``, ``epochs``, ``l2``, ``batch_size``); the stopping
rules are scikit-learn's MLP rules: with ``early_stopping=False`` training stops when the training
loss has not improved by ``tol`` for ``n_iter_no_change`` epochs in a row; with
``early_stopping=True`` a stratified ``validation_fraction`` is held out, scored after each
epoch (accuracy for the classifier, R² for the regressor, stored in ``validation_scores_``), and
the weights of the best epoch are restored at the end. ``tol=None`` always runs all ``epochs``.

Inside a joblib (loky) or Dask worker, ``fit`` limits BLAS pools (threadpoolctl) and numba's
threads to one per worker, so a sweep over many workers does not oversubscribe the cores; see
docs/scaling.md.
"""
from __future__ import annotations

import contextlib
import numbers
import sys

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .network import Network

__all__ = ["LoopNetClassifier", "LoopNetRegressor"]


def in_worker() -> bool:
    """True inside a Dask worker's task or a child process (joblib's loky / multiprocessing workers)."""
    dist = sys.modules.get("distributed")
    if dist is not None:
        try:
            dist.get_worker()
            return True
        except ValueError:
            pass
    import multiprocessing
    return multiprocessing.parent_process() is not None


@contextlib.contextmanager
def one_thread_in_workers():
    """Inside a worker: BLAS pools and numba's parallel layer limited to 1 thread; else nothing."""
    if not in_worker():
        yield
        return
    with contextlib.ExitStack() as stack:
        try:
            from threadpoolctl import threadpool_limits
            stack.enter_context(threadpool_limits(limits=1))
        except ImportError:  # threadpoolctl comes with scikit-learn; be safe anyway
            pass
        try:
            import numba
            before = numba.get_num_threads()
            numba.set_num_threads(1)
            stack.callback(numba.set_num_threads, before)
        except Exception:  # noqa: BLE001 - a threading layer that cannot start must not stop training
            pass
        yield


def _seed(random_state):
    """An int seed for loopnet from scikit-learn's random_state (an int is used as it is)."""
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        return int(random_state)
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


class _LoopNetBase(BaseEstimator):
    _score_name = "score"

    # ---- checks ----------------------------------------------------------------------------
    def _hidden(self):
        h = self.hidden_layer_sizes
        if isinstance(h, numbers.Integral) and not isinstance(h, bool):
            h = (h,)
        if not hasattr(h, "__iter__") or isinstance(h, str):
            _bad_hidden(self.hidden_layer_sizes)
        h = list(h)
        if not all(isinstance(n, numbers.Integral) and not isinstance(n, bool) and n >= 1 for n in h):
            _bad_hidden(self.hidden_layer_sizes)
        return [int(n) for n in h]

    def _check_params(self, n_samples):
        for name in ("epochs", "n_iter_no_change"):
            val = getattr(self, name)
            if isinstance(val, bool) or not isinstance(val, numbers.Integral) or val < 1:
                raise ValueError(f"{name} must be an integer ≥ 1, got {val!r}")
        bs = self.batch_size
        if bs is not None and (isinstance(bs, bool) or not isinstance(bs, numbers.Integral) or bs < 1):
            raise ValueError(f"batch_size must be an integer ≥ 1 or None (whole batches), got {bs!r}")
        if not (isinstance(self.validation_fraction, numbers.Real) and 0 < self.validation_fraction < 1):
            raise ValueError(f"validation_fraction must be a number in (0, 1), got {self.validation_fraction!r}")
        if self.tol is not None and (not isinstance(self.tol, numbers.Real) or self.tol < 0):
            raise ValueError(f"tol must be a number ≥ 0 or None, got {self.tol!r}")
        return n_samples if bs is None else min(int(bs), n_samples)

    # ---- fitting -----------------------------------------------------------------------------
    def _network(self, n_in, n_out, seed):
        return Network([n_in, *self._hidden(), n_out], activation=self.activation,
                       output_activation=self.output_activation, loss=self.loss, init=self.init, seed=seed,
                       dtype=self.dtype, backend=self.backend)

    def _as_array(self, X):
        X = np.ascontiguousarray(X, dtype=np.dtype(self.dtype) if isinstance(self.dtype, str) else self.dtype)
        return X if X.flags.writeable else X.copy()  # numba compiles read-only arrays separately

    def _fit_network(self, X, Y, y_score):
        """Train ``self.network_`` on X (N, n_0), Y (N, n_L); ``y_score`` are the targets used for scores."""
        n = X.shape[0]
        seed = _seed(self.random_state)
        if self.early_stopping:
            stratify = y_score if self._stratify else None
            X, Xv, Y, _, _, yv = train_test_split(X, Y, y_score, test_size=self.validation_fraction,
                                                  random_state=seed, stratify=stratify)
            if Xv.shape[0] < 2:
                raise ValueError(f"validation_fraction={self.validation_fraction!r} of {n} examples leaves "
                                 f"{Xv.shape[0]} for validation; early_stopping needs at least 2")
        batch_size = self._check_params(X.shape[0])
        net = self._network(X.shape[1], Y.shape[1], seed)
        self.loss_curve_ = []
        self.validation_scores_ = [] if self.early_stopping else None
        self.best_validation_score_ = -np.inf if self.early_stopping else None
        self.best_loss_ = np.inf
        best = {"params": net.params.copy(), "count": 0}

        def callback(epoch, hist):
            loss = hist.loss[-1]
            self.loss_curve_.append(loss)
            if self.verbose:
                print(f"epoch {epoch + 1}, loss = {loss:.8f}")
            tol = 0.0 if self.tol is None else self.tol
            if self.early_stopping:
                score = self._score_outputs(net.forward(Xv), yv)
                self.validation_scores_.append(score)
                best["count"] = best["count"] + 1 if score < self.best_validation_score_ + tol else 0
                if score > self.best_validation_score_:
                    self.best_validation_score_ = score
                    best["params"] = net.params.copy()
            else:
                best["count"] = best["count"] + 1 if loss > self.best_loss_ - tol else 0
            self.best_loss_ = min(self.best_loss_, loss)
            return self.tol is not None and best["count"] > self.n_iter_no_change

        with one_thread_in_workers():
            hist = net.fit(X, Y, epochs=int(self.epochs), lr=self.lr, batch_size=batch_size, shuffle=self.shuffle,
                           seed=seed, optimizer=self.optimizer, momentum=self.momentum, l2=self.l2,
                           callback=callback)
        if self.early_stopping:
            net.params = best["params"]
        self.network_ = net
        self.history_ = hist
        self.n_iter_ = hist.epochs
        self.coefs_ = [W.T.copy() for W in net.weights]
        self.intercepts_ = [b.copy() for b in net.biases]
        return self

    def _forward(self, X):
        check_is_fitted(self, "network_")
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        return self.network_.forward(self._as_array(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags


def _bad_hidden(value):
    raise ValueError(f"hidden_layer_sizes must be a tuple of integers ≥ 1 (one per hidden layer, e.g. (30,) or "
                     f"(64, 32)), got {value!r}")


class LoopNetClassifier(ClassifierMixin, _LoopNetBase):
    """A loopnet network as a scikit-learn classifier.

    Labels of any kind are accepted (``classes_`` holds them, sorted); inside, class k is the
    one-hot row e_k, so K classes give K output neurons (also for K = 2). With the defaults the
    output layer is softmax with cross-entropy; ``output_activation='sigmoid'`` with ``loss``
    ``'cross_entropy'`` or ``'quadratic'`` is Nielsen's network2 / network.py.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default (30,)
        Widths of the hidden layers: (30,) on 64 inputs and 10 classes is the network [64, 30, 10].
    activation : {'sigmoid', 'tanh', 'relu', 'identity'}, default 'sigmoid' (hidden layers)
    output_activation : {'softmax', 'sigmoid'}, default 'softmax'
    loss : {'cross_entropy', 'quadratic', 'mse', 'sse'}, default 'cross_entropy'
    optimizer : {'sgd', 'adam'}, default 'sgd'
    lr : float, default 0.5 (η)
    momentum : float in [0, 1), default 0 (sgd only)
    l2 : float, default 0 (λ: the cost gains λ/(2n) Σ w²)
    batch_size : int or None, default 10 (clipped to the number of examples; None = full batch)
    epochs : int, default 100 (the most epochs; see the stopping rules in the module docstring)
    shuffle : bool, default True
    random_state : int, RandomState or None (an int is loopnet's seed: weights and shuffling)
    backend : {'loops', 'numpy', 'python'}, default 'loops'
    dtype : {'float64', 'float32'}, default 'float64'
    init : {'scaled', 'normal', 'xavier', 'he'}, default 'scaled'
    early_stopping, validation_fraction, n_iter_no_change, tol, verbose : as in MLPClassifier

    Attributes
    ----------
    classes_ : (K,) the labels; ``predict`` returns them.
    coefs_ : list of L arrays; ``coefs_[i]`` has shape (n_i, n_{i+1}) (scikit-learn's layout),
        the transpose of loopnet's ``network_.weights[i]`` (n_{i+1}, n_i).
    intercepts_ : list of L arrays (n_{i+1},).
    loss_curve_ : training loss per epoch; ``n_iter_`` : epochs run; ``n_features_in_``;
    validation_scores_ : accuracy on the held-out part per epoch (early_stopping) or None;
    network_ : the trained :class:`loopnet.Network`; ``history_`` its :class:`loopnet.History`.
    """

    _stratify = True

    def __init__(self, hidden_layer_sizes=(30,), activation="sigmoid", output_activation="softmax",
                 loss="cross_entropy", optimizer="sgd", lr=0.5, momentum=0.0, l2=0.0, batch_size=10, epochs=100,
                 shuffle=True, random_state=None, backend="loops", dtype="float64", init="scaled",
                 early_stopping=False, validation_fraction=0.1, n_iter_no_change=10, tol=1e-4, verbose=False):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.output_activation = output_activation
        self.loss = loss
        self.optimizer = optimizer
        self.lr = lr
        self.momentum = momentum
        self.l2 = l2
        self.batch_size = batch_size
        self.epochs = epochs
        self.shuffle = shuffle
        self.random_state = random_state
        self.backend = backend
        self.dtype = dtype
        self.init = init
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.verbose = verbose

    def fit(self, X, y):
        """Train on X (N, n_features) and labels y (N,); returns self."""
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32])
        check_classification_targets(y)
        if self.output_activation not in ("softmax", "sigmoid"):
            raise ValueError(f"output_activation={self.output_activation!r}: a classifier needs outputs read as "
                             f"class probabilities; choose 'softmax' or 'sigmoid'")
        self.classes_, idx = np.unique(y, return_inverse=True)
        if self.classes_.size < 2:
            raise ValueError(f"y has only one class ({self.classes_[0]!r}); a classifier needs at least 2 classes")
        Y = np.eye(self.classes_.size, dtype=np.dtype(self.dtype))[idx]  # (N, K) one-hot
        return self._fit_network(self._as_array(X), Y, idx)

    def _score_outputs(self, A, idx):
        return float(np.mean(np.argmax(A, axis=1) == idx))

    def predict_proba(self, X):
        """(N, K) class probabilities: the softmax outputs, or sigmoid outputs normalised to sum to 1."""
        A = np.asarray(self._forward(X), dtype=np.float64)
        if self.network_.output_activation != "softmax":
            A = A / np.maximum(A.sum(axis=1, keepdims=True), np.finfo(np.float64).tiny)
        return A

    def predict_log_proba(self, X):
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """The label of the largest output per row."""
        A = self._forward(X)
        return self.classes_[np.argmax(A, axis=1)]


class LoopNetRegressor(RegressorMixin, _LoopNetBase):
    """A loopnet network as a scikit-learn regressor (identity output, squared error).

    ``y`` may be (N,) or (N, n_outputs); ``predict`` returns the same shape. ``loss='quadratic'``
    (default) is L = 1/(2N) Σ_n Σ_j (a − y)², whose gradient is exactly scikit-learn's
    MLPRegressor's (see tests/test_sklearn.py::test_one_epoch_matches_mlpregressor);
    ``loss='mse'`` is 1/(N n_out) Σ Σ (a − y)², i.e. ``quadratic`` × 2/n_out.

    Parameters and attributes are those of :class:`LoopNetClassifier` (no ``classes_``;
    ``validation_scores_`` are R²), with defaults ``output_activation='identity'``,
    ``loss='quadratic'``, ``lr=0.1``.
    """

    _stratify = False

    def __init__(self, hidden_layer_sizes=(30,), activation="sigmoid", output_activation="identity",
                 loss="quadratic", optimizer="sgd", lr=0.1, momentum=0.0, l2=0.0, batch_size=10, epochs=100,
                 shuffle=True, random_state=None, backend="loops", dtype="float64", init="scaled",
                 early_stopping=False, validation_fraction=0.1, n_iter_no_change=10, tol=1e-4, verbose=False):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.output_activation = output_activation
        self.loss = loss
        self.optimizer = optimizer
        self.lr = lr
        self.momentum = momentum
        self.l2 = l2
        self.batch_size = batch_size
        self.epochs = epochs
        self.shuffle = shuffle
        self.random_state = random_state
        self.backend = backend
        self.dtype = dtype
        self.init = init
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.verbose = verbose

    def fit(self, X, y):
        """Train on X (N, n_features) and targets y (N,) or (N, n_outputs); returns self."""
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32], multi_output=True, y_numeric=True)
        self._y_1d = y.ndim == 1
        Y = self._as_array(y.reshape(-1, 1) if y.ndim == 1 else y)
        return self._fit_network(self._as_array(X), Y, Y)

    def _score_outputs(self, A, Y):
        return float(r2_score(Y, A))

    def predict(self, X):
        """(N,) predictions for a 1-D y at fit time, (N, n_outputs) otherwise."""
        A = np.asarray(self._forward(X), dtype=np.float64)
        return A[:, 0] if self._y_1d else A

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
