"""Splitting examples into a training and a test part (optionally stratified by class)."""
import numbers

import numpy as np

from .labels import _as_label_array

# ---------------------------------------------------------------------------
# Splitting
# ---------------------------------------------------------------------------


def _n_test(test_size, N):
    """Number of test examples for ``test_size`` out of ``N``."""
    if isinstance(test_size, bool):
        raise ValueError(f"train_test_split: test_size must be a number, got {test_size!r}")
    if isinstance(test_size, numbers.Integral):
        n_test = int(test_size)
        if not 1 <= n_test <= N - 1:
            raise ValueError(
                f"train_test_split: test_size={n_test} examples is out of range; "
                f"with N={N} examples an integer test_size must be in "
                f"[1, {N - 1}] so both parts are non-empty"
            )
        return n_test
    if isinstance(test_size, numbers.Real):
        frac = float(test_size)
        if not 0.0 < frac < 1.0:
            raise ValueError(
                f"train_test_split: test_size={test_size!r} as a fraction must "
                "be strictly between 0 and 1 (or give an integer count)"
            )
        n_test = int(np.ceil(frac * N))
        if not 1 <= n_test <= N - 1:
            raise ValueError(
                f"train_test_split: test_size={test_size!r} of N={N} examples "
                f"gives {n_test} test examples; need between 1 and {N - 1}"
            )
        return n_test
    raise ValueError(
        f"train_test_split: test_size must be a float in (0, 1) or an int, "
        f"got {type(test_size).__name__} {test_size!r}"
    )


def _stratify_classes(Y):
    """Class number per example, for stratifying: argmax of rows, or Y itself."""
    if Y.ndim == 1:
        return _as_label_array(Y, "Y", "train_test_split (stratify=True)")
    if Y.ndim == 2 and Y.shape[1] == 1:
        # one output column (e.g. a logic gate): its values are the classes
        col = Y[:, 0]
        if col.dtype.kind not in "iub" and not np.all(col == np.round(col)):
            raise ValueError(
                "train_test_split (stratify=True): Y has one column of "
                "non-integer values, so it has no classes to stratify by"
            )
        return col.astype(np.int64)
    if Y.ndim == 2:
        return np.argmax(Y, axis=1)
    raise ValueError(
        f"train_test_split (stratify=True): Y must be (N,) labels or (N, n_out) "
        f"targets, got shape {Y.shape}"
    )


def train_test_split(X, Y, test_size=0.2, seed=0, stratify=False):
    """Shuffle the examples and split them into a training and a test part.

    Rows of ``X`` and ``Y`` stay paired. For 100 examples and the default
    ``test_size=0.2``::

        >>> X, Y = synthetic_classification(100, 4, 3)
        >>> X_tr, X_te, Y_tr, Y_te = train_test_split(X, Y)
        >>> X_tr.shape, X_te.shape, Y_tr.shape, Y_te.shape
        ((80, 4), (20, 4), (80, 3), (20, 3))

    Parameters
    ----------
    X : array-like, shape (N, n_0)
    Y : array-like, shape (N, n_L), or (N,) labels
    test_size : float in (0, 1) or int in [1, N-1]
        A float is the fraction of examples for testing, rounded up
        (0.2 of 10 is 2); an int is the number of test examples.
    seed : int, default 0
        Seed for ``numpy.random.default_rng``; the same seed gives the same
        split. ``None`` gives a fresh random split each call.
    stratify : bool, default False
        If True, each class keeps (as nearly as whole numbers allow) its
        share in both parts. Classes are ``argmax`` of each row of a 2-D
        ``Y``, the values themselves for 1-D integer ``Y`` or a single
        0/1 column ``(N, 1)``. A class with a single example goes wholly
        to one side.

    Returns
    -------
    X_train : ndarray, shape (N - n_test, n_0)
    X_test : ndarray, shape (n_test, n_0)
    Y_train : ndarray, shape (N - n_test, ...) like Y
    Y_test : ndarray, shape (n_test, ...) like Y

    Arrays keep the dtype of the input and are C-contiguous copies.
    """
    X = np.asarray(X)
    Y = np.asarray(Y)
    if X.ndim == 0 or Y.ndim == 0:
        raise ValueError(
            f"train_test_split: X and Y need one example per row; got X of "
            f"shape {X.shape} and Y of shape {Y.shape}"
        )
    if X.shape[0] != Y.shape[0]:
        raise ValueError(
            f"train_test_split: X has {X.shape[0]} examples (rows) but Y has "
            f"{Y.shape[0]}; they must have the same length "
            f"(X shape {X.shape}, Y shape {Y.shape})"
        )
    N = X.shape[0]
    if N < 2:
        raise ValueError(
            f"train_test_split: need at least 2 examples to split, got N={N}"
        )
    n_test = _n_test(test_size, N)
    rng = np.random.default_rng(seed)
    perm = rng.permutation(N)

    if not stratify:
        test_idx, train_idx = perm[:n_test], perm[n_test:]
    else:
        classes = _stratify_classes(Y)[perm]  # class of each shuffled example
        values, counts = np.unique(classes, return_counts=True)
        # Largest-remainder rounding: each class gets floor(share) test
        # examples, then the leftover go to the largest fractional parts,
        # so the counts add up to exactly n_test.
        share = counts * (n_test / N)
        k = np.floor(share).astype(np.int64)
        leftover = n_test - int(k.sum())
        if leftover > 0:
            order = np.argsort(-(share - k), kind="stable")
            k[order[:leftover]] += 1
        test_parts, train_parts = [], []
        for value, k_c in zip(values, k):
            members = perm[classes == value]  # already in shuffled order
            test_parts.append(members[:k_c])
            train_parts.append(members[k_c:])
        # mix the classes again so batches taken in order are not sorted by class
        test_idx = rng.permutation(np.concatenate(test_parts))
        train_idx = rng.permutation(np.concatenate(train_parts))

    return (
        np.ascontiguousarray(X[train_idx]),
        np.ascontiguousarray(X[test_idx]),
        np.ascontiguousarray(Y[train_idx]),
        np.ascontiguousarray(Y[test_idx]),
    )
