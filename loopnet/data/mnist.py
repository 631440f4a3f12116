"""MNIST from files you already have: the four IDX files, or Nielsen's mnist.pkl.gz (a pickle: only with
permission, as it can run code)."""
import gzip
import math
import os
import pickle
import struct
import zlib

import numpy as np

from .labels import _one_hot

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
