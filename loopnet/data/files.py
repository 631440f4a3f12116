"""Your own data: CSV and NPZ files, read into inputs X and labels; every error names the file, the line
and the column."""
import math
import os

import numpy as np

from .labels import _is_int, _parse_number

# ---------------------------------------------------------------------------
# Your own data: CSV and NPZ files, and the preprocessing a model records
# ---------------------------------------------------------------------------


def _fail(path, message):
    raise ValueError(f"{path}: {message}")


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
