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

Hyper-parameters keep loopnet's names (``lr``, ``epochs``, ``l2``, ``batch_size``); what
MLPClassifier/MLPRegressor also offer behaves as there:

| MLP | here |
|---|---|
| ``learning_rate_init``, ``max_iter``, ``alpha`` | ``lr``, ``epochs``, ``l2`` (Nielsen's λ/(2n) Σ w²) |
| ``learning_rate``: ``constant``, ``invscaling`` (η_t = lr / (t + 1)^power_t, t = samples seen), ``adaptive`` (η ÷ 5 each time ``n_iter_no_change`` epochs in a row fail to improve by ``tol``; stops below 1e-6) | same, with ``optimizer='sgd'`` (Adam ignores them, as in scikit-learn) |
| ``batch_size='auto'`` = min(200, N) | same; an integer is clipped to N |
| ``activation='logistic'`` | same as ``'sigmoid'`` |
| ``warm_start``, ``partial_fit`` | same (``partial_fit`` = one epoch, optimizer memory kept; ``classes`` on the first call of the classifier) |
| ``fit(X, y, sample_weight=)`` | s_n in the loss: a weight of 2 is that row twice |
| ``ConvergenceWarning`` when ``max_iter`` is hit | when ``epochs`` is hit without the stopping rule firing (not with ``tol=None``) |
| multilabel ``y`` (N, K) of 0/1 | K sigmoid outputs (a ``'softmax'`` output becomes ``'sigmoid'``), ``predict`` thresholds at ½ |
| ``loss_``, ``t_``, ``n_layers_``, ``n_outputs_``, ``out_activation_`` | same (``out_activation_`` in scikit-learn's names: ``logistic``, ``softmax``, ``identity``, ...) |

The stopping rules are scikit-learn's MLP rules: with ``early_stopping=False`` training stops when the training
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
import types
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, column_or_1d, validate_data

from .interop import RENDERINGS
from .network import Network
from .options import TrainingOptions

LEARNING_RATES = ("constant", "invscaling", "adaptive")  # scikit-learn's MLP schedules (sgd only)

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
    """What the two estimators share: one ``__init__`` (the classifier's defaults; the regressor's
    differ in three, see :func:`_with_defaults`), the checks and the training loop."""
    _score_name = "score"

    def __init__(self, hidden_layer_sizes=(30,), activation="sigmoid", output_activation="softmax",
                 loss="cross_entropy", optimizer="sgd", lr=0.5, momentum=0.0, l2=0.0, batch_size=10, epochs=100,
                 shuffle=True, random_state=None, backend="loops", dtype="float64", init="scaled",
                 early_stopping=False, validation_fraction=0.1, n_iter_no_change=10, tol=1e-4, verbose=False,
                 warm_start=False, learning_rate="constant", power_t=0.5):
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
        self.warm_start = warm_start
        self.learning_rate = learning_rate
        self.power_t = power_t


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

    def _check_params(self, n_samples, sample_weight=None):
        """The training options for ``n_samples`` examples, checked once as for :meth:`Network.fit`
        (:class:`loopnet.options.TrainingOptions`, in the estimator's dtype), and the estimator's own."""
        for name in ("epochs", "n_iter_no_change"):
            val = getattr(self, name)
            if isinstance(val, bool) or not isinstance(val, numbers.Integral) or val < 1:
                raise ValueError(f"{name} must be an integer ≥ 1, got {val!r}")
        if self.learning_rate not in LEARNING_RATES:
            raise ValueError(f"learning_rate must be one of {LEARNING_RATES}, got {self.learning_rate!r}")
        if not isinstance(self.power_t, numbers.Real) or isinstance(self.power_t, bool) or not self.power_t >= 0:
            raise ValueError(f"power_t must be a number ≥ 0, got {self.power_t!r}")
        if not (isinstance(self.validation_fraction, numbers.Real) and 0 < self.validation_fraction < 1):
            raise ValueError(f"validation_fraction must be a number in (0, 1), got {self.validation_fraction!r}")
        if self.tol is not None and (not isinstance(self.tol, numbers.Real) or self.tol < 0):
            raise ValueError(f"tol must be a number ≥ 0 or None, got {self.tol!r}")
        return TrainingOptions.build(n_samples, self.dtype, epochs=int(self.epochs), lr=self.lr,
                                     batch_size=self.batch_size, shuffle=self.shuffle, optimizer=self.optimizer,
                                     momentum=self.momentum, l2=self.l2, sample_weight=sample_weight)

    # ---- fitting -----------------------------------------------------------------------------
    def _output_activation(self):
        return self.output_activation

    def _network(self, n_in, n_out, seed):
        return Network([n_in, *self._hidden(), n_out], activation=self.activation,
                       output_activation=self._output_activation(), loss=self.loss, init=self.init, seed=seed,
                       dtype=self.dtype, backend=self.backend)

    def _as_array(self, X):
        X = np.ascontiguousarray(X, dtype=np.dtype(self.dtype) if isinstance(self.dtype, str) else self.dtype)
        return X if X.flags.writeable else X.copy()  # numba compiles read-only arrays separately

    def _fit_network(self, X, Y, y_score, sample_weight=None, incremental=False):
        """Train ``self.network_`` on X (N, n_0), Y (N, n_L); ``y_score`` are the targets used for scores.

        One compiled call per epoch (``Network.fit(epochs=1)``) with the shuffling Generator and the
        optimizer's memory carried from epoch to epoch, so the epochs are exactly those of one long
        call; between epochs Python applies scikit-learn's learning-rate schedule and stopping rules.
        ``incremental`` (partial_fit): one epoch, continuing the network, optimizer and schedule.
        """
        n = X.shape[0]
        self._check_params(n, sample_weight)   # every parameter checked before anything changes
        reset = not hasattr(self, "network_") or (not incremental and not self.warm_start)
        if not reset:
            sizes = [X.shape[1], *self._hidden(), Y.shape[1]]
            if self.network_.sizes != sizes:
                raise ValueError(f"{'partial_fit' if incremental else 'warm_start'} continues the network "
                                 f"{self.network_.sizes}, but these data and hidden_layer_sizes need {sizes}")
        if reset:
            seed = _seed(self.random_state)
            self._rng = np.random.default_rng(seed)      # shuffling; continued across epochs and calls
            self._split_seed = seed
            self.network_ = self._network(X.shape[1], Y.shape[1], seed)
            self.loss_curve_ = []
            self.t_ = 0
            self.n_iter_ = 0
            self.best_loss_ = np.inf
            self._no_improvement_count = 0
            self._opt_state = None
            self._lr = float(self.lr)
            self.validation_scores_ = [] if (self.early_stopping and not incremental) else None
            self.best_validation_score_ = -np.inf if (self.early_stopping and not incremental) else None
        if not incremental:  # fit (also with warm_start) starts a fresh optimizer and schedule, as MLP* do
            self._opt_state = None
            self._lr = float(self.lr)
            self._no_improvement_count = 0
        net = self.network_
        early = self.early_stopping and not incremental   # scikit-learn: no early stopping in partial_fit
        sw = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        if early:
            stratify = y_score if self._stratify and np.ndim(y_score) == 1 else None
            parts = train_test_split(X, Y, y_score, *([sw] if sw is not None else []),
                                     test_size=self.validation_fraction, random_state=self._split_seed,
                                     stratify=stratify)
            X, Xv, Y, _, _, yv = parts[:6]
            if sw is not None:
                sw = parts[6]
            if Xv.shape[0] < 2:
                raise ValueError(f"validation_fraction={self.validation_fraction!r} of {n} examples leaves "
                                 f"{Xv.shape[0]} for validation; early_stopping needs at least 2")
            if self.validation_scores_ is None:
                self.validation_scores_, self.best_validation_score_ = [], -np.inf
        batch_size = self._check_params(X.shape[0], sw).batch_size
        best_params = net.params.copy()
        sgd = self.optimizer == "sgd"
        tol = 0.0 if self.tol is None else self.tol
        stopped = False
        with one_thread_in_workers():
            for _ in range(1 if incremental else int(self.epochs)):
                hist = net.fit(X, Y, epochs=1, lr=self._lr, batch_size=batch_size, shuffle=self.shuffle,
                               seed=self._rng, optimizer=self.optimizer, momentum=self.momentum, l2=self.l2,
                               optimizer_state=self._opt_state, sample_weight=sw)
                self._opt_state = hist.optimizer_state
                if hist.interrupted or not hist.loss:
                    break
                loss = hist.loss[-1]
                self.n_iter_ += 1
                self.t_ += X.shape[0]
                self.loss_ = loss
                self.loss_curve_.append(loss)
                if self.verbose:
                    print(f"Iteration {self.n_iter_}, loss = {loss:.8f}")
                if sgd and self.learning_rate == "invscaling":
                    self._lr = float(self.lr) / (self.t_ + 1) ** self.power_t
                if early:
                    score = self._score_outputs(net.forward(Xv), yv)
                    self.validation_scores_.append(score)
                    self._no_improvement_count = (self._no_improvement_count + 1
                                                  if score < self.best_validation_score_ + tol else 0)
                    if score > self.best_validation_score_:
                        self.best_validation_score_ = score
                        best_params = net.params.copy()
                else:
                    self._no_improvement_count = (self._no_improvement_count + 1
                                                  if loss > self.best_loss_ - tol else 0)
                self.best_loss_ = min(self.best_loss_, loss)
                if incremental:
                    break
                if self._no_improvement_count > self.n_iter_no_change:
                    if sgd and self.learning_rate == "adaptive" and self._lr > 1e-6:
                        self._lr /= 5.0
                        self._no_improvement_count = 0
                        if self.verbose:
                            print(f"Setting learning rate to {self._lr:f}")
                    elif self.tol is not None:
                        stopped = True
                        break
        if early:
            net.params = best_params
        if not incremental and not stopped and self.tol is not None:
            warnings.warn(f"loopnet: the most epochs ({self.epochs}) were run and the optimization has not "
                          f"converged yet (the stopping rule did not fire); raise epochs or lr, or pass tol=None "
                          f"to always run all epochs", ConvergenceWarning)
        self.history_ = hist
        self.coefs_ = [W.T.copy() for W in net.weights]
        self.intercepts_ = [b.copy() for b in net.biases] if net.has_bias else []
        self.n_layers_ = len(net.sizes)
        self.n_outputs_ = net.sizes[-1]
        self.out_activation_ = RENDERINGS[net.output_activation].sklearn
        return self

    def _forward(self, X):
        check_is_fitted(self, "network_")
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        return self.network_.forward(self._as_array(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags


def _with_defaults(**changes):
    """``_LoopNetBase.__init__`` with other defaults: the same code, so both estimators store their
    parameters alike (scikit-learn reads the parameter names and defaults off its signature)."""
    base = _LoopNetBase.__init__
    names = base.__code__.co_varnames[1:base.__code__.co_argcount]
    defaults = dict(zip(names, base.__defaults__))
    unknown = set(changes) - set(defaults)
    if unknown:
        raise TypeError(f"no parameters {sorted(unknown)}")
    defaults.update(changes)
    init = types.FunctionType(base.__code__, base.__globals__, "__init__", tuple(defaults[n] for n in names))
    init.__qualname__ = base.__qualname__
    init.__doc__ = base.__doc__
    return init


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
    batch_size : int, 'auto' or None, default 10 (clipped to the number of examples; 'auto' = min(200, N);
        None = full batch)
    epochs : int, default 100 (the most epochs; see the stopping rules in the module docstring)
    shuffle : bool, default True
    random_state : int, RandomState or None (an int is loopnet's seed: weights and shuffling)
    backend : {'loops', 'numpy', 'python'}, default 'loops'
    dtype : {'float64', 'float32'}, default 'float64'
    init : {'scaled', 'normal', 'xavier', 'he'}, default 'scaled'
    early_stopping, validation_fraction, n_iter_no_change, tol, verbose, warm_start : as in MLPClassifier
    learning_rate : {'constant', 'invscaling', 'adaptive'}, default 'constant'; power_t : float, default 0.5
        scikit-learn's schedules for sgd (see the module docstring)

    Attributes
    ----------
    classes_ : (K,) the labels; ``predict`` returns them.
    coefs_ : list of L arrays; ``coefs_[i]`` has shape (n_i, n_{i+1}) (scikit-learn's layout),
        the transpose of loopnet's ``network_.weights[i]`` (n_{i+1}, n_i).
    intercepts_ : list of L arrays (n_{i+1},).
    loss_curve_ : training loss per epoch; ``n_iter_`` : epochs run; ``n_features_in_``;
    validation_scores_ : accuracy on the held-out part per epoch (early_stopping) or None;
    network_ : the trained :class:`loopnet.Network`; ``history_`` the :class:`loopnet.History` of its last epoch.
    loss_ : the last epoch's training loss; ``t_`` : training examples seen; ``n_layers_`` : L + 1;
    ``n_outputs_`` : n_L; ``out_activation_`` : the output activation in scikit-learn's names.
    """

    _stratify = True

    def fit(self, X, y, sample_weight=None):
        """Train on X (N, n_features) and labels y (N,) or a multilabel indicator y (N, K) of 0/1;
        ``sample_weight`` (N,) weights each example's loss. Returns self."""
        return self._fit_classes(X, y, sample_weight, incremental=False)

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One epoch over (X, y), continuing the network, the optimizer and the learning-rate schedule.
        The first call needs ``classes`` (every label that will ever be seen), as MLPClassifier does."""
        return self._fit_classes(X, y, sample_weight, incremental=True, classes=classes)

    def _fit_classes(self, X, y, sample_weight, incremental, classes=None):
        first = not incremental or not hasattr(self, "network_")
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32], multi_output=True, reset=first)
        multilabel = type_of_target(y) == "multilabel-indicator"
        if y.ndim == 2 and not multilabel:
            if y.shape[1] != 1:
                raise ValueError(f"y has shape {y.shape}: a classifier takes labels (N,) or a multilabel "
                                 f"indicator matrix (N, K) of 0 and 1")
            y = column_or_1d(y, warn=True)   # a column of labels: DataConversionWarning, as scikit-learn
        check_classification_targets(y)
        if self.output_activation not in ("softmax", "sigmoid", "logistic"):
            raise ValueError(f"output_activation={self.output_activation!r}: a classifier needs outputs read as "
                             f"class probabilities; choose 'softmax' or 'sigmoid'")
        sw = None if sample_weight is None else _check_sample_weight(sample_weight, X)
        if first:
            self._multilabel = multilabel
            if multilabel:
                self.classes_ = np.arange(y.shape[1])
            elif incremental:
                if classes is None:
                    raise ValueError("classes must be passed on the first call to partial_fit (every label "
                                     "that will be seen, e.g. classes=np.unique(y_all))")
                self.classes_ = np.unique(classes)
            else:
                self.classes_ = np.unique(y)
            if not multilabel and self.classes_.size < 2:
                raise ValueError(f"y has only one class ({self.classes_[0]!r}); a classifier needs at least 2 "
                                 f"classes")
        elif multilabel != self._multilabel or (multilabel and y.shape[1] != self.classes_.size):
            raise ValueError("partial_fit: y is not of the kind (labels or a multilabel matrix of the same width) "
                             "the first call had")
        if multilabel:
            Y = np.ascontiguousarray(y, dtype=np.dtype(self.dtype))   # (N, K) of 0/1
            return self._fit_network(self._as_array(X), Y, Y, sw, incremental)
        unknown = np.setdiff1d(np.unique(y), self.classes_)
        if unknown.size:
            raise ValueError(f"y has labels {unknown.tolist()[:5]} that are not in classes {self.classes_.tolist()}")
        idx = np.searchsorted(self.classes_, y)
        Y = np.eye(self.classes_.size, dtype=np.dtype(self.dtype))[idx]  # (N, K) one-hot
        return self._fit_network(self._as_array(X), Y, idx, sw, incremental)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags

    def _output_activation(self):
        if getattr(self, "_multilabel", False) and self.output_activation == "softmax":
            return "sigmoid"   # one independent probability per label
        return self.output_activation

    def _score_outputs(self, A, idx):
        if np.ndim(idx) == 2:   # multilabel: subset accuracy, as scikit-learn scores it
            return float(np.mean(np.all((A >= 0.5) == (idx >= 0.5), axis=1)))
        return float(np.mean(np.argmax(A, axis=1) == idx))

    def predict_proba(self, X):
        """(N, K) class probabilities: the softmax outputs, or sigmoid outputs normalised to sum to 1;
        multilabel: each label's own probability (the sigmoid outputs)."""
        A = np.asarray(self._forward(X), dtype=np.float64)
        if self._multilabel:
            return A
        if self.network_.output_activation != "softmax":
            A = A / np.maximum(A.sum(axis=1, keepdims=True), np.finfo(np.float64).tiny)
        return A

    def predict_log_proba(self, X):
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """The label of the largest output per row; multilabel: (N, K) of 0/1, each output ≥ ½."""
        A = self._forward(X)
        if self._multilabel:
            return (A >= 0.5).astype(np.int64)
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

    __init__ = _with_defaults(output_activation="identity", loss="quadratic", lr=0.1)

    def fit(self, X, y, sample_weight=None):
        """Train on X (N, n_features) and targets y (N,) or (N, n_outputs), ``sample_weight`` (N,)
        weighting each example's loss; returns self."""
        return self._fit_values(X, y, sample_weight, incremental=False)

    def partial_fit(self, X, y, sample_weight=None):
        """One epoch over (X, y), continuing the network, the optimizer and the learning-rate schedule."""
        return self._fit_values(X, y, sample_weight, incremental=True)

    def _fit_values(self, X, y, sample_weight, incremental):
        first = not incremental or not hasattr(self, "network_")
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32], multi_output=True, y_numeric=True,
                             reset=first)
        if first:
            self._y_1d = y.ndim == 1
        sw = None if sample_weight is None else _check_sample_weight(sample_weight, X)
        Y = self._as_array(y.reshape(-1, 1) if y.ndim == 1 else y)
        return self._fit_network(self._as_array(X), Y, Y, sw, incremental)

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
