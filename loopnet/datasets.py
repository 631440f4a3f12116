"""Small data sets for loopnet, and helpers to shape and split them.

Every loader returns ``(X, Y)`` in the house notation: one example per row.

=========  ==============  ====================================================
name       shape           meaning
=========  ==============  ====================================================
``X``      ``(N, n_0)``    inputs, float64, C-contiguous; row ``n`` is a^0 of
                           example ``n``
``Y``      ``(N, n_L)``    targets, float64, always 2-D (a single output is a
                           column ``(N, 1)``, never a flat ``(N,)``)
labels     ``(N,)``        int64 class numbers 0 .. n_classes-1, where asked for
=========  ==============  ====================================================

For example, the XOR gate is four examples of two inputs and one output::

    >>> X, Y = logic_gate("xor")
    >>> X.shape, Y.shape
    ((4, 2), (4, 1))
    >>> Y.ravel().tolist()
    [0.0, 1.0, 1.0, 0.0]

and the 8x8 digits are 1797 examples of 64 pixels and 10 one-hot outputs::

    >>> X, Y = load_digits()                  # needs scikit-learn  # doctest: +SKIP
    >>> X.shape, Y.shape                                            # doctest: +SKIP
    ((1797, 64), (1797, 10))

Nothing here downloads anything. The MNIST loaders read files you already have
(``load_mnist`` for the four IDX files from Yann LeCun's page or a mirror,
``load_mnist_pkl`` for ``mnist.pkl.gz`` from Michael Nielsen's repository);
``synthetic_classification`` makes MNIST-sized data on the spot for benchmarks.

This module imports only the standard library and NumPy; scikit-learn is
imported inside ``load_digits`` and nowhere else.
"""

import gzip
import math
import numbers
import os
import pickle
import struct
import zlib

import numpy as np

__all__ = [
    "GATES",
    "logic_gate",
    "seed_data",
    "load_digits",
    "one_hot",
    "labels_from_one_hot",
    "train_test_split",
    "load_idx",
    "load_mnist",
    "load_mnist_pkl",
    "synthetic_classification",
    "load_csv",
    "load_npz",
    "Preprocessing",
    "SCALINGS",
]


# ---------------------------------------------------------------------------
# Logic gates and the worked examples
# ---------------------------------------------------------------------------

# Truth tables, one output per row of _GATE_INPUTS. Choices are tables: adding
# a gate is adding one entry here (and one line to its test).
_GATE_INPUTS = ((0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0))
_GATE_OUTPUTS = {
    "and": (0.0, 0.0, 0.0, 1.0),
    "or": (0.0, 1.0, 1.0, 1.0),
    "xor": (0.0, 1.0, 1.0, 0.0),
    "nand": (1.0, 1.0, 1.0, 0.0),
}

GATES = tuple(_GATE_OUTPUTS)
"""Names accepted by :func:`logic_gate`: ``("and", "or", "xor", "nand")``."""


def logic_gate(name):
    """Truth table of a two-input logic gate as ``(X, Y)``.

    ``X`` is always the four input pairs in binary counting order, shape
    ``(4, 2)``; ``Y`` is the gate's output for each row, shape ``(4, 1)``::

        >>> X, Y = logic_gate("XOR")          # name is case-insensitive
        >>> X.tolist()
        [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
        >>> Y.tolist()
        [[0.0], [1.0], [1.0], [0.0]]

    XOR is the classic gate a single neuron cannot learn (its two classes
    are not linearly separable) and a 2-2-1 network can.

    Parameters
    ----------
    name : str
        One of :data:`GATES`: ``"and"``, ``"or"``, ``"xor"``, ``"nand"``.

    Returns
    -------
    X : ndarray, float64, shape (4, 2)
    Y : ndarray, float64, shape (4, 1)
    """
    if not isinstance(name, str):
        raise TypeError(
            f"logic_gate: name must be a string, one of {GATES}; "
            f"got {type(name).__name__} {name!r}"
        )
    key = name.lower()
    if key not in _GATE_OUTPUTS:
        raise ValueError(
            f"logic_gate: unknown name {name!r}; valid names are "
            f"{', '.join(GATES)} (case-insensitive)"
        )
    X = np.array(_GATE_INPUTS, dtype=np.float64)  # (4, 2)
    Y = np.array(_GATE_OUTPUTS[key], dtype=np.float64).reshape(4, 1)  # (4, 1)
    return X, Y


def seed_data(name):
    """``(X, Y)`` of one of the project's hand-worked examples.

    The numbers live in :mod:`loopnet.worked_examples` (next to the
    arithmetic that checks them); this returns them as arrays in the house
    notation. The name spells out the layer sizes, so ``"mazur-2-2-2"``
    gives ``X`` of shape ``(N, 2)`` and ``Y`` of shape ``(N, 2)``::

        >>> X, Y = seed_data("or-gate-2-2-1")            # doctest: +SKIP
        >>> X.shape[1], Y.shape[1]                       # doctest: +SKIP
        (2, 1)

    Names: ``"by-hand-3-2-1"``, ``"or-gate-2-2-1"``,
    ``"step-by-step-3-4-1"``, ``"mazur-2-2-2"`` (unknown names are reported
    by ``worked_examples.get``).

    Returns
    -------
    X : ndarray, float64, shape (N, n_0)
    Y : ndarray, float64, shape (N, n_L)
    """
    from .worked_examples import get  # imported here: loaders stay independent

    ex = get(name)
    X = np.array(ex.X, dtype=np.float64)
    Y = np.array(ex.Y, dtype=np.float64)
    if X.ndim != 2 or Y.ndim != 2 or X.shape[0] != Y.shape[0]:
        raise ValueError(
            f"seed_data: worked example {name!r} has X of shape {X.shape} and "
            f"Y of shape {Y.shape}; expected (N, n_0) and (N, n_L), one "
            "example per row (the entry in loopnet.worked_examples needs "
            "nested tuples, one per example)"
        )
    return X, Y


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


# ---------------------------------------------------------------------------
# scikit-learn's digits
# ---------------------------------------------------------------------------


def load_digits(one_hot=True, scale=True, return_labels=False):
    """scikit-learn's bundled 8x8 handwritten digits (no download).

    1797 images of 8x8 = 64 pixels with integer intensities 0..16, one image
    per row, and their digits 0..9::

        >>> X, Y = load_digits()                  # doctest: +SKIP
        >>> X.shape, Y.shape, X.max()             # doctest: +SKIP
        ((1797, 64), (1797, 10), 1.0)

    Parameters
    ----------
    one_hot : bool, default True
        ``Y`` one-hot, shape ``(1797, 10)`` float64; else the labels,
        shape ``(1797,)`` int64.
    scale : bool, default True
        Divide pixels by 16 so ``X`` lies in [0, 1]; else keep 0..16.
    return_labels : bool, default False
        Also return the labels (1797,) int64 as a third value.

    Returns
    -------
    X, Y  or  X, Y, labels

    Needs scikit-learn (``pip install 'loopnet[sklearn]'``); raises
    ImportError saying so if it is missing.
    """
    try:
        from sklearn.datasets import load_digits as _sk_load_digits
    except ImportError as exc:
        raise ImportError(
            "load_digits needs scikit-learn: pip install 'loopnet[sklearn]'"
        ) from exc
    bunch = _sk_load_digits()
    X = np.ascontiguousarray(bunch.data, dtype=np.float64)  # (1797, 64), 0..16
    if scale:
        X /= 16.0
    labels = np.asarray(bunch.target, dtype=np.int64)  # (1797,)
    if one_hot:
        Y = _one_hot(labels, n_classes=10)
    else:
        Y = labels.copy()
    if return_labels:
        return X, Y, labels
    return X, Y


# ---------------------------------------------------------------------------
# IDX files and MNIST
# ---------------------------------------------------------------------------

# IDX header: bytes 0-1 are zero, byte 2 is the element type, byte 3 the
# number of dimensions; then one big-endian uint32 per dimension; then the
# data, big-endian, last index fastest (C order).
_IDX_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_GZIP_MAGIC = b"\x1f\x8b"


def _read_bytes(path, func):
    """All bytes of ``path``, gunzipped if it starts with the gzip magic."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == _GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise ValueError(
                f"{func}: {os.fspath(path)!r} starts with the gzip magic bytes "
                f"1f 8b but could not be decompressed (corrupt or truncated?): {exc}"
            ) from exc
    return data


def load_idx(path):
    """Read one IDX file (the format of the MNIST files) into an ndarray.

    An IDX file is a 4-byte magic number ``00 00 <type> <ndim>``, then
    ``ndim`` big-endian uint32 sizes, then the values in C order. The MNIST
    training images ``train-images-idx3-ubyte`` have magic ``00 00 08 03``
    (unsigned bytes, 3 dimensions) and sizes 60000, 28, 28::

        >>> images = load_idx("train-images-idx3-ubyte.gz")   # doctest: +SKIP
        >>> images.shape, images.dtype                         # doctest: +SKIP
        ((60000, 28, 28), dtype('uint8'))

    Gzipped files are recognised by their first two bytes (1f 8b), whatever
    the file is called. Type codes: 0x08 uint8, 0x09 int8, 0x0B int16,
    0x0C int32, 0x0D float32, 0x0E float64.

    Returns
    -------
    ndarray of the declared shape, in native byte order, writable.

    Raises
    ------
    ValueError
        Bad magic number, unknown type code, or data size different from
        what the header declares (the message gives both byte counts).
    """
    name = os.fspath(path)
    data = _read_bytes(path, "load_idx")
    if len(data) < 4:
        raise ValueError(
            f"load_idx: {name!r} has {len(data)} bytes, too short for the "
            "4-byte IDX magic number"
        )
    if data[0] != 0 or data[1] != 0:
        raise ValueError(
            f"load_idx: {name!r} has bad magic number 0x{data[:4].hex()}; an "
            "IDX file starts with two zero bytes, a type code and the number "
            "of dimensions (MNIST images: 0x00000803, labels: 0x00000801)"
        )
    code, ndim = data[2], data[3]
    if code not in _IDX_DTYPES:
        valid = ", ".join(f"0x{c:02X} ({d.name})" for c, d in _IDX_DTYPES.items())
        raise ValueError(
            f"load_idx: {name!r} has unknown IDX type code 0x{code:02X} in its "
            f"magic number 0x{data[:4].hex()}; valid codes are {valid}"
        )
    dtype = _IDX_DTYPES[code]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(
            f"load_idx: {name!r} is truncated: its header declares {ndim} "
            f"dimensions, needing {header} header bytes, but the file has "
            f"{len(data)} bytes"
        )
    shape = struct.unpack(f">{ndim}I", data[4:header])
    expected = math.prod(shape) * dtype.itemsize
    found = len(data) - header
    if found != expected:
        problem = "is truncated" if found < expected else "has trailing bytes"
        raise ValueError(
            f"load_idx: {name!r} {problem}: its header declares shape "
            f"{shape} of {dtype.name}, expected {expected} bytes of data, "
            f"found {found} bytes"
        )
    values = np.frombuffer(data, dtype=dtype, offset=header, count=expected // dtype.itemsize)
    return values.astype(dtype.newbyteorder("="), copy=True).reshape(shape)


_MNIST_PREFIX = {"train": "train", "test": "t10k", "t10k": "t10k"}


def _mnist_candidates(prefix, what, idx):
    """File names tried for one MNIST file, in order of preference."""
    stems = (f"{prefix}-{what}-{idx}-ubyte", f"{prefix}-{what}.{idx}-ubyte")
    return [stem + ext for stem in stems for ext in ("", ".gz")]


def _find_file(directory, names, func, what):
    for n in names:
        p = os.path.join(directory, n)
        if os.path.isfile(p):
            return p
    raise FileNotFoundError(
        f"{func}: no {what} file in directory {os.fspath(directory)!r}; looked "
        f"for {', '.join(names)}. loopnet never downloads: fetch the MNIST "
        "IDX files yourself and pass their directory"
    )


def load_mnist(directory, kind="train", one_hot=True):
    """MNIST from the four IDX files you already have on disk.

    Looks in ``directory`` for ``train-images-idx3-ubyte`` and
    ``train-labels-idx1-ubyte`` (``kind="train"``, 60000 examples) or
    ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte``
    (``kind="test"`` or ``"t10k"``, 10000 examples), each optionally
    ending in ``.gz``; the ``train-images.idx3-ubyte`` spelling is also
    accepted. Fashion-MNIST uses the same names and loads the same way::

        >>> X, Y = load_mnist("~/data/mnist")            # doctest: +SKIP
        >>> X.shape, Y.shape                             # doctest: +SKIP
        ((60000, 784), (60000, 10))

    Each 28x28 image becomes one row of 784 pixels, row after row, scaled
    from 0..255 to [0, 1].

    Returns
    -------
    X : ndarray, float64, shape (N, rows*cols) = (N, 784) for MNIST
    Y : ndarray, float64, shape (N, 10) if one_hot, else int64 labels (N,)

    Raises
    ------
    FileNotFoundError
        A file is missing; the message lists the names looked for.
    ValueError
        The files are not MNIST-shaped or their example counts differ.
    """
    if kind not in _MNIST_PREFIX:
        raise ValueError(
            f"load_mnist: kind must be 'train' or 'test' (alias 't10k'), got {kind!r}"
        )
    directory = os.path.expanduser(os.fspath(directory))
    prefix = _MNIST_PREFIX[kind]
    img_path = _find_file(
        directory, _mnist_candidates(prefix, "images", "idx3"), "load_mnist", f"{kind} images"
    )
    lab_path = _find_file(
        directory, _mnist_candidates(prefix, "labels", "idx1"), "load_mnist", f"{kind} labels"
    )
    images = load_idx(img_path)  # (N, 28, 28) uint8
    labels = load_idx(lab_path)  # (N,) uint8
    if images.ndim != 3 or images.dtype != np.uint8:
        raise ValueError(
            f"load_mnist: {img_path!r} holds {images.dtype} of shape "
            f"{images.shape}; expected uint8 images of shape (N, 28, 28)"
        )
    if labels.ndim != 1 or labels.dtype.kind not in "iu":
        raise ValueError(
            f"load_mnist: {lab_path!r} holds {labels.dtype} of shape "
            f"{labels.shape}; expected integer labels of shape (N,)"
        )
    if images.shape[0] != labels.shape[0]:
        raise ValueError(
            f"load_mnist: {img_path!r} has {images.shape[0]} images but "
            f"{lab_path!r} has {labels.shape[0]} labels; they must match"
        )
    N = images.shape[0]
    X = np.empty((N, images.shape[1] * images.shape[2]), dtype=np.float64)  # (N, 784)
    np.multiply(images.reshape(N, -1), 1.0 / 255.0, out=X)
    labels = labels.astype(np.int64)
    _check_digit_labels(labels, lab_path, "load_mnist")
    Y = _one_hot(labels, n_classes=10) if one_hot else labels
    return X, Y


def _check_digit_labels(labels, where, func):
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise ValueError(
            f"{func}: labels in {where!r} range over {int(labels.min())} .. "
            f"{int(labels.max())}; MNIST labels are 0 .. 9"
        )


def load_mnist_pkl(path, one_hot=True):
    """MNIST from Michael Nielsen's ``mnist.pkl.gz`` (his book's data file).

    The file is a gzipped pickle, written by Python 2, of three pairs
    ``(images, labels)``: training (50000), validation (10000) and test
    (10000) examples, images float32 of shape (n, 784) in [0, 1], labels
    int64 of shape (n,)::

        >>> (X_tr, Y_tr), (X_va, Y_va), (X_te, Y_te) = load_mnist_pkl(
        ...     "neural-networks-and-deep-learning/data/mnist.pkl.gz")  # doctest: +SKIP
        >>> X_tr.shape, Y_tr.shape                                     # doctest: +SKIP
        ((50000, 784), (50000, 10))

    .. warning::
       Unpickling can run arbitrary code stored in the file. Only load a
       ``mnist.pkl.gz`` you trust (for example one from Nielsen's own
       repository); never one from an unknown source.

    A plain (not gzipped) pickle of the same structure is accepted too;
    gzip is recognised by the file's first bytes, not its name.

    Returns
    -------
    ((X_train, Y_train), (X_val, Y_val), (X_test, Y_test))
        ``X`` float64 (n, 784); ``Y`` float64 one-hot (n, 10) if one_hot,
        else int64 labels (n,).

    Raises
    ------
    ValueError
        The file cannot be unpickled or does not have this structure.
    """
    name = os.fspath(path)
    try:
        raw = open(path, "rb")
    except FileNotFoundError as exc:
        raise FileNotFoundError(
            f"load_mnist_pkl: no file {name!r}. loopnet never downloads: "
            "mnist.pkl.gz is in the data/ folder of Michael Nielsen's "
            "neural-networks-and-deep-learning repository"
        ) from exc
    with raw:
        gz = raw.read(2) == _GZIP_MAGIC
        raw.seek(0)
        f = gzip.GzipFile(fileobj=raw, mode="rb") if gz else raw
        try:
            obj = pickle.load(f, encoding="latin1")
        except Exception as exc:  # corrupt/foreign files fail in many ways
            raise ValueError(
                f"load_mnist_pkl: could not unpickle {name!r} "
                f"({'gzipped' if gz else 'not gzipped'}): "
                f"{type(exc).__name__}: {exc}. Expected Nielsen's mnist.pkl.gz"
            ) from exc

    def bad(detail):
        return ValueError(
            f"load_mnist_pkl: {name!r} is not Nielsen's mnist.pkl.gz layout, "
            "a tuple of three (images (n, 784), labels (n,)) pairs for "
            f"training, validation and test: {detail}"
        )

    if not isinstance(obj, (tuple, list)) or len(obj) != 3:
        length = f" of length {len(obj)}" if isinstance(obj, (tuple, list)) else ""
        raise bad(f"found {type(obj).__name__}{length}")
    out = []
    width = None
    for split_name, split in zip(("training", "validation", "test"), obj):
        if not isinstance(split, (tuple, list)) or len(split) != 2:
            raise bad(f"the {split_name} part is {type(split).__name__}, not a pair")
        try:
            images = np.asarray(split[0], dtype=np.float64)
            labels = np.asarray(split[1])
        except (TypeError, ValueError) as exc:
            raise bad(f"the {split_name} part is not numeric arrays ({exc})") from exc
        if images.ndim != 2:
            raise bad(f"{split_name} images have shape {images.shape}, expected (n, 784)")
        if labels.ndim != 1 or (labels.size and labels.dtype.kind not in "iu"):
            raise bad(
                f"{split_name} labels are {labels.dtype} of shape {labels.shape}, "
                "expected integers of shape (n,)"
            )
        if images.shape[0] != labels.shape[0]:
            raise bad(
                f"{split_name} part has {images.shape[0]} images but "
                f"{labels.shape[0]} labels"
            )
        if width is not None and images.shape[1] != width:
            raise bad(
                f"{split_name} images have {images.shape[1]} pixels per row, "
                f"the training images {width}"
            )
        width = images.shape[1]
        labels = labels.astype(np.int64)
        _check_digit_labels(labels, name, "load_mnist_pkl")
        X = np.ascontiguousarray(images)
        Y = _one_hot(labels, n_classes=10) if one_hot else labels
        out.append((X, Y))
    return tuple(out)


# ---------------------------------------------------------------------------
# Synthetic data
# ---------------------------------------------------------------------------


def _positive_int(value, argname, minimum=1):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(
            f"synthetic_classification: {argname} must be an integer >= "
            f"{minimum}, got {value!r}"
        )
    return int(value)


def synthetic_classification(n_samples, n_features, n_classes, seed=0, one_hot=True):
    """Learnable random classes, any size, made on the spot (no download).

    Each class ``c`` has a random centre ``m_c`` in [0, 1]^n_features; each
    example is halfway between its class centre and uniform noise::

        x = 0.5 * m_c + 0.5 * u,     u uniform on {0, 1/255, ..., 1}

    so every value lies in [0, 1] (8-bit steps in the noise, like MNIST
    pixels) and the classes are separable for a small network. Classes are
    balanced (sizes differ by at most one) and shuffled. The same arguments
    always give the same arrays. An MNIST-sized stand-in::

        >>> X, Y = synthetic_classification(60000, 784, 10)   # doctest: +SKIP
        >>> X.shape, Y.shape                                  # doctest: +SKIP
        ((60000, 784), (60000, 10))

    Parameters
    ----------
    n_samples : int >= 1   (N)
    n_features : int >= 1  (n_0)
    n_classes : int >= 2   (n_L when one_hot)
    seed : int, default 0  (for ``numpy.random.default_rng``)
    one_hot : bool, default True

    Returns
    -------
    X : ndarray, float64, shape (n_samples, n_features), values in [0, 1]
    Y : ndarray, float64 one-hot (n_samples, n_classes), or int64 labels
        (n_samples,) if not one_hot
    """
    N = _positive_int(n_samples, "n_samples")
    F = _positive_int(n_features, "n_features")
    C = _positive_int(n_classes, "n_classes", minimum=2)
    rng = np.random.default_rng(seed)
    half_centres = 0.5 * rng.random((C, F))  # (C, F): 0.5 * m_c
    labels = rng.permutation(np.arange(N, dtype=np.int64) % C)  # (N,)
    # Random bytes are ~10x faster to draw than random float64s, which is
    # what makes 60000 x 784 take a fraction of a second.
    noise = np.frombuffer(rng.bytes(N * F), dtype=np.uint8).reshape(N, F)
    X = np.empty((N, F), dtype=np.float64)
    step = 4096  # rows per block: keeps temporaries small
    for s in range(0, N, step):
        e = min(s + step, N)
        np.multiply(noise[s:e], 0.5 / 255.0, out=X[s:e])
        X[s:e] += half_centres[labels[s:e]]
    if one_hot:
        return X, _one_hot(labels, n_classes=C)
    return X, labels


# ---------------------------------------------------------------------------
# Your own data: CSV and NPZ files, and the preprocessing a model records
# ---------------------------------------------------------------------------


def _fail(path, message):
    raise ValueError(f"{path}: {message}")


def _parse_number(text):
    try:
        value = float(text)
    except ValueError:
        return None
    return value


def load_csv(path, label_column=-1, delimiter=",", header=None, features_only=False):
    """Read a CSV file of examples, one per row: feature columns and one label column.

    ``label_column`` is a column index (0-based, negative from the end; default the last column)
    or a header name; ``header`` is True, False or None (None: the first row is a header when any
    of its cells is not a number). With ``features_only=True`` every column is a feature and the
    labels are None (files to predict on).

    Returns ``(X, labels, names)``: X (N, n_0) float64, labels (N,) as strings exactly as written
    (the caller decides whether they are classes or numbers, see :func:`targets_from_labels`),
    and the feature names (from the header, else ``x0, x1, ...``).

    Every problem is a ValueError naming the file, the line and the column: a missing file, an
    empty file, a row with another number of cells, a feature cell that is not a number, an
    unknown label column.
    """
    import csv

    path = os.fspath(os.path.expanduser(path))
    if not os.path.exists(path):
        raise FileNotFoundError(f"no CSV file {path!r}")
    if os.path.isdir(path):
        raise IsADirectoryError(f"{path!r} is a directory, not a CSV file")
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = [(i + 1, row) for i, row in enumerate(csv.reader(f, delimiter=delimiter)) if any(c.strip() for c in row)]
    except UnicodeDecodeError as exc:
        _fail(path, f"is not a text CSV file (not UTF-8: {exc.reason} at byte {exc.start})")
    except csv.Error as exc:
        _fail(path, f"is not a readable CSV file: {exc}")
    if not rows:
        _fail(path, "is empty: expected one example per row")
    if header is None:
        header = any(_parse_number(c) is None for c in rows[0][1])
    names = [c.strip() for c in rows[0][1]] if header else None
    data = rows[1:] if header else rows
    if not data:
        _fail(path, "has a header but no examples")
    width = len(rows[0][1])
    for line, row in data:
        if len(row) != width:
            _fail(path, f"line {line} has {len(row)} cells, the first row has {width}")
    if features_only:
        label = None
    else:
        if width < 2:
            _fail(path, f"has {width} column; expected feature columns and a label column")
        if isinstance(label_column, str) and not _is_int(label_column):
            if names is None or label_column not in names:
                _fail(path, f"has no column named {label_column!r} "
                      + (f"(its columns are {names})" if names else "(it has no header row)"))
            label = names.index(label_column)
        else:
            label = int(label_column)
            if not -width <= label < width:
                _fail(path, f"label column {label} does not exist: the file has {width} columns "
                      f"(0 .. {width - 1}, or -1 for the last)")
            label %= width
    feats = [j for j in range(width) if j != label]
    X = np.empty((len(data), len(feats)), dtype=np.float64)
    for n, (line, row) in enumerate(data):
        for i, j in enumerate(feats):
            value = _parse_number(row[j])
            if value is None or not math.isfinite(value):
                col = f"column {j}" + (f" ({names[j]!r})" if names else "")
                _fail(path, f"line {line}, {col}: {row[j]!r} is not a finite number (feature columns must be "
                      f"numbers; the label column is {label if label is not None else 'none'})")
            X[n, i] = value
    labels = None if label is None else np.array([row[label].strip() for _, row in data])
    feature_names = [names[j] for j in feats] if names else [f"x{i}" for i in range(len(feats))]
    return X, labels, feature_names


def _is_int(text):
    try:
        int(text)
        return True
    except ValueError:
        return False


def load_npz(path, x_key="X", y_key="y", features_only=False):
    """Read ``X`` (N, n_0) and labels or targets ``y`` ((N,) or (N, n_L)) from an ``.npz`` archive.

    Returns ``(X, y)`` (y None with ``features_only``). Errors name the file and what is wrong:
    no such file, not an archive, a missing key (listing the keys it has), wrong dimensions,
    mismatched lengths, non-numeric or non-finite X. Pickled object arrays are refused.
    """
    path = os.fspath(os.path.expanduser(path))
    if not os.path.exists(path):
        raise FileNotFoundError(f"no NPZ file {path!r}")
    with open(path, "rb") as f:
        magic = f.read(6)
    if magic[:4] != b"PK\x03\x04" and magic != b"\x93NUMPY":
        _fail(path, f"is not an .npz archive (it starts with {magic!r}; an .npz is a zip of .npy arrays)")
    try:
        archive = np.load(path, allow_pickle=False)
    except ValueError as exc:
        _fail(path, f"cannot be read without unpickling objects ({exc}); save plain numeric arrays")
    except Exception as exc:  # BadZipFile, OSError, EOFError
        _fail(path, f"is not an .npz archive: {type(exc).__name__}: {exc}")
    if not isinstance(archive, np.lib.npyio.NpzFile):
        _fail(path, "is a single .npy array, not an .npz archive of X and y")
    with archive:
        keys = sorted(archive.files)
        wanted = [x_key] if features_only else [x_key, y_key]
        for key in wanted:
            if key not in archive.files:
                _fail(path, f"has no array {key!r}; its arrays are {keys}")
        try:
            X = archive[x_key]
            y = None if features_only else archive[y_key]
        except ValueError as exc:
            _fail(path, f"holds object arrays ({exc}); save plain numeric arrays")
    if X.ndim != 2:
        _fail(path, f"{x_key} has shape {X.shape}; expected (N, n_features), one example per row")
    if X.dtype.kind not in "biuf":
        _fail(path, f"{x_key} has dtype {X.dtype}; expected numbers")
    X = np.ascontiguousarray(X, dtype=np.float64)
    if not np.all(np.isfinite(X)):
        n, j = np.argwhere(~np.isfinite(X))[0]
        _fail(path, f"{x_key}[{n}, {j}] is {X[n, j]}; features must be finite numbers")
    if y is not None:
        if y.ndim not in (1, 2) or y.shape[0] != X.shape[0]:
            _fail(path, f"{y_key} has shape {y.shape}; expected ({X.shape[0]},) labels or ({X.shape[0]}, n_outputs) "
                  f"targets, one row per row of {x_key}")
    return X, y


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


from .preprocessing import SCALINGS, Preprocessing  # noqa: E402  (re-exported)
