"""Labels and targets: one-hot rows and back, and the labels read from a file turned into targets (one output
per class, in the order of ``classes``: output j is label ``classes[j]``)."""
import numbers

import numpy as np


def _parse_number(text):
    try:
        value = float(text)
    except ValueError:
        return None
    return value


def _is_int(text):
    try:
        int(text)
        return True
    except ValueError:
        return False


# ---------------------------------------------------------------------------
# Labels <-> one-hot
# ---------------------------------------------------------------------------


def _as_label_array(labels, argname, func):
    """Check ``labels`` is 1-D integers; return it as an int64 ndarray."""
    arr = np.asarray(labels)
    if arr.ndim != 1:
        hint = " (for a column of labels use labels.ravel())" if (
            arr.ndim == 2 and arr.shape[1] == 1) else ""
        raise ValueError(
            f"{func}: {argname} must be 1-D, one class number per example; "
            f"got shape {arr.shape}{hint}"
        )
    if arr.size == 0:
        return arr.astype(np.int64)
    if arr.dtype.kind not in "iu":
        raise ValueError(
            f"{func}: {argname} must be integers (class numbers), got dtype "
            f"{arr.dtype}; if the values are whole numbers convert with "
            f"{argname}.astype(int)"
        )
    return arr.astype(np.int64, copy=False)


def one_hot(labels, n_classes=None, dtype=float):
    """Class numbers to one-hot rows.

    ``labels`` of shape ``(N,)`` with values in ``0 .. n_classes-1`` becomes
    ``Y`` of shape ``(N, n_classes)`` with ``Y[n, labels[n]] = 1`` and zeros
    elsewhere::

        >>> one_hot([2, 0, 1]).tolist()
        [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
        >>> one_hot([1], n_classes=4).tolist()
        [[0.0, 1.0, 0.0, 0.0]]

    Parameters
    ----------
    labels : array-like of int, shape (N,)
    n_classes : int, optional
        Number of columns. Default ``max(labels) + 1``; give it explicitly
        when a batch may not contain the largest class (MNIST: 10).
    dtype : dtype, default float (float64)

    Returns
    -------
    Y : ndarray, shape (N, n_classes), C-contiguous

    :func:`labels_from_one_hot` is the inverse.
    """
    arr = _as_label_array(labels, "labels", "one_hot")
    if n_classes is None:
        if arr.size == 0:
            raise ValueError(
                "one_hot: labels is empty, so n_classes cannot be inferred; "
                "pass n_classes"
            )
        n_classes = int(arr.max()) + 1
    else:
        if isinstance(n_classes, bool) or not isinstance(n_classes, numbers.Integral):
            raise ValueError(
                f"one_hot: n_classes must be a positive integer, got {n_classes!r}"
            )
        n_classes = int(n_classes)
        if n_classes < 1:
            raise ValueError(
                f"one_hot: n_classes must be a positive integer, got {n_classes}"
            )
    if arr.size:
        i_min = int(arr.argmin())
        if arr[i_min] < 0:
            raise ValueError(
                f"one_hot: labels contains {int(arr[i_min])} (at index {i_min}); "
                f"valid labels are 0 .. {n_classes - 1} (n_classes={n_classes})"
            )
        i_max = int(arr.argmax())
        if arr[i_max] >= n_classes:
            raise ValueError(
                f"one_hot: labels contains {int(arr[i_max])} (at index {i_max}); "
                f"valid labels are 0 .. {n_classes - 1} (n_classes={n_classes})"
            )
    Y = np.zeros((arr.shape[0], n_classes), dtype=dtype)  # (N, n_classes)
    Y[np.arange(arr.shape[0]), arr] = 1
    return Y


# Loaders take a parameter called ``one_hot`` that shadows the function.
_one_hot = one_hot


def labels_from_one_hot(Y):
    """Class number of each row: the column of its largest entry.

    Works for exact one-hot targets and for network outputs alike (the
    prediction is the most active output neuron)::

        >>> labels_from_one_hot([[0, 0, 1], [0.7, 0.2, 0.1]]).tolist()
        [2, 0]

    Parameters
    ----------
    Y : array-like, shape (N, n_classes)

    Returns
    -------
    labels : ndarray, int64, shape (N,)
    """
    arr = np.asarray(Y)
    if arr.ndim != 2:
        raise ValueError(
            f"labels_from_one_hot: Y must be 2-D, shape (N, n_classes), one "
            f"row per example; got shape {arr.shape}"
        )
    if arr.shape[1] == 0:
        raise ValueError(
            f"labels_from_one_hot: Y has shape {arr.shape}; it needs at least "
            "one column"
        )
    return np.argmax(arr, axis=1).astype(np.int64)



def targets_from_labels(labels, task="auto", classes=None, where="labels"):
    """Labels as read from a file → ``(Y, classes)``.

    | ``task`` | Y | classes |
    |---|---|---|
    | ``classification`` | one-hot (N, K) | the sorted distinct labels (or the given ``classes``; an unknown label is an error) |
    | ``regression`` | the numbers, (N, 1) or (N, n_L) | None |
    | ``auto`` | classification when every label is an integer or is not a number, else regression | |
    """
    arr = np.asarray(labels)
    if task == "auto":
        if arr.dtype.kind in "iub" or (arr.dtype.kind in "US" and
                                       not all(_parse_number(str(s)) is not None for s in arr.ravel())):
            task = "classification"
        elif arr.dtype.kind in "US" and all(_is_int(str(s)) for s in arr.ravel()):
            task = "classification"
        elif arr.dtype.kind == "f" and arr.ndim == 1 and np.all(arr == np.round(arr)):
            task = "classification"
        else:
            task = "regression"
    if task == "regression":
        try:
            Y = np.asarray(arr, dtype=np.float64)
        except ValueError:
            raise ValueError(f"{where}: regression targets must be numbers, got e.g. {arr.ravel()[0]!r}") from None
        return (Y.reshape(-1, 1) if Y.ndim == 1 else Y), None
    if arr.ndim != 1:
        raise ValueError(f"{where}: class labels must be one per example (N,), got shape {arr.shape}")
    if arr.dtype.kind in "US":
        arr = np.array([str(s) for s in arr])
        if all(_is_int(s) for s in arr):
            arr = arr.astype(np.int64)
    if arr.dtype.kind == "f":
        arr = arr.astype(np.int64)
    if classes is None:
        classes = np.unique(arr)
        if classes.size < 2:
            raise ValueError(f"{where}: only one class ({classes[0]!r}) in the data; classification needs at least 2")
    classes = np.asarray(classes)
    if classes.dtype.kind in "US" and arr.dtype.kind in "iu":
        arr = arr.astype(str)
    index = {c: i for i, c in enumerate(classes.tolist())}
    unknown = [c for c in np.unique(arr).tolist() if c not in index]
    if unknown:
        raise ValueError(f"{where}: labels {unknown[:5]} are not among the model's classes {classes.tolist()}")
    idx = np.array([index[c] for c in arr.tolist()], dtype=np.int64)
    return one_hot(idx, n_classes=len(classes)), classes
