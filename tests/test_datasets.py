"""Tests for loopnet.datasets: every loader, every error path, on tiny files."""

import gzip
import pickle
import struct
import sys
import types

import numpy as np
import pytest

from loopnet import datasets as ds


def _float_rows(*arrays):
    """Assert the house conventions: float64, C-contiguous, 2-D."""
    for a in arrays:
        assert a.dtype == np.float64
        assert a.flags.c_contiguous
        assert a.ndim == 2


# ---------------------------------------------------------------------------
# logic gates
# ---------------------------------------------------------------------------

_TRUTH = {
    "and": lambda p, q: p and q,
    "or": lambda p, q: p or q,
    "xor": lambda p, q: p != q,
    "nand": lambda p, q: not (p and q),
}


def test_gates_table_lists_every_gate():
    assert ds.GATES == ("and", "or", "xor", "nand")
    assert set(ds.GATES) == set(_TRUTH)


@pytest.mark.parametrize("name", ds.GATES)
def test_logic_gate_truth_table(name):
    X, Y = ds.logic_gate(name)
    _float_rows(X, Y)
    assert X.shape == (4, 2) and Y.shape == (4, 1)
    assert X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    for (p, q), (y,) in zip(X.astype(bool).tolist(), Y.tolist()):
        assert y == float(_TRUTH[name](p, q))


def test_logic_gate_case_insensitive_and_fresh_arrays():
    X, Y = ds.logic_gate("XoR")
    assert Y.ravel().tolist() == [0.0, 1.0, 1.0, 0.0]
    Y[:] = 7.0  # mutating a result must not change the next call
    assert ds.logic_gate("xor")[1].ravel().tolist() == [0.0, 1.0, 1.0, 0.0]


def test_logic_gate_unknown_name_lists_valid_names():
    with pytest.raises(ValueError) as err:
        ds.logic_gate("nor")
    msg = str(err.value)
    assert "'nor'" in msg
    for g in ds.GATES:
        assert g in msg


def test_logic_gate_non_string():
    with pytest.raises(TypeError, match="name must be a string"):
        ds.logic_gate(1)


# ---------------------------------------------------------------------------
# seed_data
# ---------------------------------------------------------------------------


def _fake_worked_examples(monkeypatch, X, Y):
    mod = types.ModuleType("loopnet.worked_examples")
    mod.get = lambda name: types.SimpleNamespace(X=X, Y=Y)
    monkeypatch.setitem(sys.modules, "loopnet.worked_examples", mod)


def test_seed_data_converts_nested_tuples(monkeypatch):
    _fake_worked_examples(monkeypatch, ((1, 0, 1),), ((1,),))
    X, Y = ds.seed_data("by-hand-3-2-1")
    _float_rows(X, Y)
    assert X.tolist() == [[1.0, 0.0, 1.0]] and Y.tolist() == [[1.0]]


def test_seed_data_rejects_flat_entries(monkeypatch):
    _fake_worked_examples(monkeypatch, ((0, 0), (0, 1)), (0, 1))
    with pytest.raises(ValueError, match=r"Y of shape \(2,\)"):
        ds.seed_data("or-gate-2-2-1")


@pytest.mark.parametrize(
    "name", ["by-hand-3-2-1", "or-gate-2-2-1", "step-by-step-3-4-1", "mazur-2-2-2"]
)
def test_seed_data_real_examples(name):
    pytest.importorskip("loopnet.worked_examples")
    X, Y = ds.seed_data(name)
    _float_rows(X, Y)
    n_0, n_L = int(name.split("-")[-3]), int(name.split("-")[-1])
    assert X.shape[0] == Y.shape[0] >= 1
    assert X.shape[1] == n_0 and Y.shape[1] == n_L


# ---------------------------------------------------------------------------
# one_hot / labels_from_one_hot
# ---------------------------------------------------------------------------


def test_one_hot_basic_and_inverse():
    Y = ds.one_hot([2, 0, 1])
    assert Y.dtype == np.float64 and Y.shape == (3, 3)
    assert Y.tolist() == [[0, 0, 1], [1, 0, 0], [0, 1, 0]]
    labels = ds.labels_from_one_hot(Y)
    assert labels.dtype == np.int64 and labels.tolist() == [2, 0, 1]


def test_one_hot_n_classes_dtype_and_empty():
    Y = ds.one_hot(np.array([1], dtype=np.uint8), n_classes=4, dtype=np.float32)
    assert Y.dtype == np.float32 and Y.tolist() == [[0, 1, 0, 0]]
    assert ds.one_hot([], n_classes=3).shape == (0, 3)
    with pytest.raises(ValueError, match="empty.*pass n_classes"):
        ds.one_hot([])


@pytest.mark.parametrize(
    "labels, n_classes, pieces",
    [
        ([0.0, 1.0], None, ["labels", "integers", "float64"]),
        ([True, False], None, ["labels", "integers", "bool"]),
        ([0, -1, 2], 3, ["labels", "-1", "index 1", "0 .. 2"]),
        ([0, 5, 2], 3, ["labels", "5", "index 1", "0 .. 2", "n_classes=3"]),
        ([[0], [1]], None, ["labels", "1-D", "(2, 1)", "ravel"]),
        ([0, 1], 0, ["n_classes", "positive"]),
        ([0, 1], 2.5, ["n_classes", "2.5"]),
    ],
)
def test_one_hot_errors(labels, n_classes, pieces):
    with pytest.raises(ValueError) as err:
        ds.one_hot(labels, n_classes=n_classes)
    for piece in pieces:
        assert piece in str(err.value)


def test_labels_from_one_hot_takes_argmax_and_validates():
    assert ds.labels_from_one_hot([[0.1, 0.7, 0.2], [0.9, 0.0, 0.1]]).tolist() == [1, 0]
    with pytest.raises(ValueError, match=r"2-D.*\(3,\)"):
        ds.labels_from_one_hot([0, 1, 2])
    with pytest.raises(ValueError, match=r"\(3, 0\)"):
        ds.labels_from_one_hot(np.zeros((3, 0)))


# ---------------------------------------------------------------------------
# train_test_split
# ---------------------------------------------------------------------------


def _numbered(N, n_out=2):
    """X whose row n is [n, n], Y whose row n is [n, -n]: pairs are checkable."""
    X = np.repeat(np.arange(N, dtype=np.float64)[:, None], 2, axis=1)
    Y = np.stack([np.arange(N), -np.arange(N)], axis=1).astype(np.float64)[:, :n_out]
    return X, Y


def test_split_shapes_pairing_and_partition():
    X, Y = _numbered(10)
    X_tr, X_te, Y_tr, Y_te = ds.train_test_split(X, Y)
    assert X_tr.shape == (8, 2) and X_te.shape == (2, 2)
    assert Y_tr.shape == (8, 2) and Y_te.shape == (2, 2)
    _float_rows(X_tr, X_te, Y_tr, Y_te)
    np.testing.assert_array_equal(X_tr[:, 0], Y_tr[:, 0])  # rows stay paired
    np.testing.assert_array_equal(X_te[:, 0], Y_te[:, 0])
    ids = np.concatenate([X_tr[:, 0], X_te[:, 0]])
    assert sorted(ids.tolist()) == list(range(10))  # a partition, no repeats
    assert ids.tolist() != list(range(10))  # shuffled


def test_split_int_test_size_and_1d_labels():
    X = np.arange(20.0).reshape(10, 2)
    labels = np.arange(10) % 2
    X_tr, X_te, y_tr, y_te = ds.train_test_split(X, labels, test_size=3)
    assert X_te.shape == (3, 2) and y_te.shape == (3,) and y_tr.dtype == labels.dtype
    np.testing.assert_array_equal(y_te, (X_te[:, 0] // 2) % 2)


def test_split_float_test_size_rounds_up():
    X, Y = _numbered(10)
    assert ds.train_test_split(X, Y, test_size=0.11)[1].shape[0] == 2


def test_split_deterministic_per_seed():
    X, Y = _numbered(50)
    a = ds.train_test_split(X, Y, seed=3)
    b = ds.train_test_split(X, Y, seed=3)
    c = ds.train_test_split(X, Y, seed=4)
    for p, q in zip(a, b):
        np.testing.assert_array_equal(p, q)
    assert not np.array_equal(a[1], c[1])


def test_split_length_mismatch_names_both_lengths():
    with pytest.raises(ValueError) as err:
        ds.train_test_split(np.zeros((10, 2)), np.zeros((9, 1)))
    msg = str(err.value)
    assert "X has 10" in msg and "Y has 9" in msg


@pytest.mark.parametrize("test_size", [0.0, 1.0, 1.5, -0.1, 0, 10, -1])
def test_split_test_size_out_of_range(test_size):
    with pytest.raises(ValueError, match="test_size"):
        ds.train_test_split(*_numbered(10), test_size=test_size)


def test_split_int_range_is_stated():
    with pytest.raises(ValueError, match=r"\[1, 9\]"):
        ds.train_test_split(*_numbered(10), test_size=10)


@pytest.mark.parametrize("test_size", [True, "0.2", None])
def test_split_test_size_wrong_type(test_size):
    with pytest.raises(ValueError, match="test_size"):
        ds.train_test_split(*_numbered(10), test_size=test_size)


def test_split_needs_two_examples():
    with pytest.raises(ValueError, match="at least 2 examples.*N=1"):
        ds.train_test_split(np.zeros((1, 2)), np.zeros((1, 1)))


def test_split_scalar_input():
    with pytest.raises(ValueError, match="one example per row"):
        ds.train_test_split(np.float64(1.0), np.zeros(1))


def test_stratified_split_keeps_proportions_exactly():
    labels = np.repeat([0, 1, 2], [70, 20, 10])
    X = np.arange(100.0)[:, None]
    Y = ds.one_hot(labels)
    X_tr, X_te, Y_tr, Y_te = ds.train_test_split(X, Y, test_size=0.2, stratify=True, seed=1)
    assert np.bincount(ds.labels_from_one_hot(Y_te)).tolist() == [14, 4, 2]
    assert np.bincount(ds.labels_from_one_hot(Y_tr)).tolist() == [56, 16, 8]
    np.testing.assert_array_equal(labels[X_te[:, 0].astype(int)], ds.labels_from_one_hot(Y_te))
    # 1-D integer labels give the same counts
    _, _, y_tr, y_te = ds.train_test_split(X, labels, test_size=0.2, stratify=True)
    assert np.bincount(y_te).tolist() == [14, 4, 2]
    # and the test part is mixed, not sorted by class
    assert not np.all(np.diff(y_te) >= 0)


def test_stratified_split_rounding_adds_up():
    labels = np.repeat([0, 1, 2], 10)
    _, _, _, y_te = ds.train_test_split(np.zeros((30, 1)), labels, test_size=0.25, stratify=True)
    counts = np.bincount(y_te, minlength=3)
    assert counts.sum() == 8 and set(counts.tolist()) <= {2, 3}


def test_stratified_split_deterministic():
    X, Y = ds.synthetic_classification(60, 3, 3)
    a = ds.train_test_split(X, Y, stratify=True, seed=7)
    b = ds.train_test_split(X, Y, stratify=True, seed=7)
    for p, q in zip(a, b):
        np.testing.assert_array_equal(p, q)


def test_stratified_split_single_output_column():
    X = np.arange(20.0)[:, None]
    Y = (np.arange(20) < 5).astype(np.float64)[:, None]  # (20, 1): 5 ones, 15 zeros
    _, _, _, Y_te = ds.train_test_split(X, Y, test_size=0.2, stratify=True)
    assert Y_te.shape == (4, 1) and Y_te.sum() == 1.0
    with pytest.raises(ValueError, match="non-integer"):
        ds.train_test_split(X, Y * 0.5, stratify=True)


def test_stratified_split_rejects_float_labels():
    with pytest.raises(ValueError, match="Y must be integers"):
        ds.train_test_split(np.zeros((10, 1)), np.linspace(0, 1, 10), stratify=True)


# ---------------------------------------------------------------------------
# load_digits
# ---------------------------------------------------------------------------


def test_load_digits_shapes_and_range():
    pytest.importorskip("sklearn")
    X, Y = ds.load_digits()
    _float_rows(X, Y)
    assert X.shape == (1797, 64) and Y.shape == (1797, 10)
    assert X.min() == 0.0 and X.max() == 1.0
    np.testing.assert_array_equal(Y.sum(axis=1), 1.0)

    X16, labels = ds.load_digits(one_hot=False, scale=False)
    assert X16.max() == 16.0 and labels.shape == (1797,) and labels.dtype == np.int64
    np.testing.assert_array_equal(X16 / 16.0, X)

    X3, Y3, labels3 = ds.load_digits(return_labels=True)
    np.testing.assert_array_equal(ds.labels_from_one_hot(Y3), labels3)
    np.testing.assert_array_equal(labels3, labels)
    assert set(labels3.tolist()) == set(range(10))


def test_load_digits_without_sklearn(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError) as err:
        ds.load_digits()
    assert str(err.value) == "load_digits needs scikit-learn: pip install 'loopnet[sklearn]'"


def test_module_imports_only_numpy_and_stdlib():
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(ds))
    top = set()
    for node in tree.body:  # module level only; load_digits imports inside
        if isinstance(node, ast.Import):
            top |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            top.add((node.module or "").split(".")[0])
    assert top <= {"gzip", "math", "numbers", "os", "pickle", "struct", "zlib", "numpy"}


# ---------------------------------------------------------------------------
# IDX files
# ---------------------------------------------------------------------------

_CODES = {np.uint8: 0x08, np.int8: 0x09, np.int16: 0x0B, np.int32: 0x0C,
          np.float32: 0x0D, np.float64: 0x0E}


def _idx_bytes(arr):
    """IDX encoding of ``arr``: magic 00 00 type ndim, big-endian dims, data."""
    arr = np.asarray(arr)
    code = _CODES[arr.dtype.type]
    header = bytes([0, 0, code, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    return header + arr.astype(arr.dtype.newbyteorder(">")).tobytes()


def _write(path, payload, gz=False):
    path.write_bytes(gzip.compress(payload) if gz else payload)
    return path


@pytest.mark.parametrize("gz", [False, True])
def test_idx_round_trip_uint8(tmp_path, gz):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    # the name says nothing: gzip is detected by its magic bytes
    path = _write(tmp_path / ("data.gz" if not gz else "data.idx"), _idx_bytes(images), gz)
    out = ds.load_idx(path)
    assert out.dtype == np.uint8 and out.shape == (2, 3, 4)
    np.testing.assert_array_equal(out, images)
    out[0, 0, 0] = 9  # writable
    assert ds.load_idx(str(path)).shape == (2, 3, 4)  # str path too


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.float32, np.float64])
def test_idx_round_trip_other_types(tmp_path, dtype):
    arr = (np.arange(6) - 3).astype(dtype).reshape(3, 2) * 3
    out = ds.load_idx(_write(tmp_path / "a", _idx_bytes(arr)))
    assert out.dtype == np.dtype(dtype) and out.dtype.isnative
    np.testing.assert_array_equal(out, arr)


def test_idx_truncated_states_byte_counts(tmp_path):
    payload = _idx_bytes(np.zeros((5, 4), dtype=np.uint8))  # 20 data bytes
    for gz in (False, True):
        path = _write(tmp_path / f"t{gz}", payload[:-3], gz)
        with pytest.raises(ValueError) as err:
            ds.load_idx(path)
        msg = str(err.value)
        assert "truncated" in msg and "expected 20 bytes" in msg and "found 17 bytes" in msg


def test_idx_trailing_bytes(tmp_path):
    path = _write(tmp_path / "a", _idx_bytes(np.zeros(4, dtype=np.uint8)) + b"\x00")
    with pytest.raises(ValueError, match="trailing bytes.*expected 4 bytes.*found 5"):
        ds.load_idx(path)


def test_idx_bad_magic(tmp_path):
    payload = b"\x12\x34" + _idx_bytes(np.zeros(4, dtype=np.uint8))[2:]
    with pytest.raises(ValueError, match="bad magic number 0x1234"):
        ds.load_idx(_write(tmp_path / "a", payload))


def test_idx_unknown_type_code(tmp_path):
    payload = bytearray(_idx_bytes(np.zeros(4, dtype=np.uint8)))
    payload[2] = 0x0A
    with pytest.raises(ValueError, match="unknown IDX type code 0x0A.*0x08"):
        ds.load_idx(_write(tmp_path / "a", bytes(payload)))


def test_idx_too_short_and_truncated_header(tmp_path):
    with pytest.raises(ValueError, match="too short"):
        ds.load_idx(_write(tmp_path / "a", b"\x00\x00"))
    with pytest.raises(ValueError, match="3 dimensions.*16 header bytes.*10 bytes"):
        ds.load_idx(_write(tmp_path / "b", b"\x00\x00\x08\x03" + b"\x00" * 6))


def test_idx_corrupt_gzip(tmp_path):
    good = gzip.compress(_idx_bytes(np.zeros((50, 50), dtype=np.uint8)))
    for name, payload in [("cut", good[: len(good) // 2]), ("junk", b"\x1f\x8bjunk")]:
        with pytest.raises(ValueError, match="gzip magic"):
            ds.load_idx(_write(tmp_path / name, payload))


def test_idx_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        ds.load_idx(tmp_path / "nope")


# ---------------------------------------------------------------------------
# load_mnist (IDX files in a directory)
# ---------------------------------------------------------------------------


def _mnist_dir(tmp, prefix="train", n=5, n_labels=None, gz=False, dot=False, labels=None):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    images[0, 0, 0], images[0, 0, 1] = 0, 255
    if labels is None:
        labels = (np.arange(n if n_labels is None else n_labels) % 10).astype(np.uint8)
    sep = "." if dot else "-"
    ext = ".gz" if gz else ""
    _write(tmp / f"{prefix}-images{sep}idx3-ubyte{ext}", _idx_bytes(images), gz)
    label_bytes = _idx_bytes(np.asarray(labels, np.uint8))
    _write(tmp / f"{prefix}-labels{sep}idx1-ubyte{ext}", label_bytes, gz)
    return images, labels


def test_load_mnist_train_plain(tmp_path):
    images, labels = _mnist_dir(tmp_path)
    X, Y = ds.load_mnist(tmp_path)
    _float_rows(X, Y)
    assert X.shape == (5, 784) and Y.shape == (5, 10)
    assert X.min() == 0.0 and X.max() == 1.0
    np.testing.assert_allclose(X[3], images[3].ravel() / 255.0)  # row after row
    np.testing.assert_array_equal(ds.labels_from_one_hot(Y), labels)
    X2, y = ds.load_mnist(str(tmp_path), one_hot=False)
    assert y.dtype == np.int64 and y.tolist() == [0, 1, 2, 3, 4]
    np.testing.assert_array_equal(X2, X)


@pytest.mark.parametrize("kind", ["test", "t10k"])
def test_load_mnist_test_gz(tmp_path, kind):
    _mnist_dir(tmp_path, prefix="t10k", n=3, gz=True)
    X, Y = ds.load_mnist(tmp_path, kind=kind)
    assert X.shape == (3, 784) and Y.shape == (3, 10)


def test_load_mnist_dot_spelling(tmp_path):
    _mnist_dir(tmp_path, dot=True, n=2)
    X, Y = ds.load_mnist(tmp_path)
    assert X.shape == (2, 784)


def test_load_mnist_missing_files_lists_names(tmp_path):
    with pytest.raises(FileNotFoundError) as err:
        ds.load_mnist(tmp_path)
    msg = str(err.value)
    for name in ["train-images-idx3-ubyte", "train-images-idx3-ubyte.gz",
                 "train-images.idx3-ubyte", "train-images.idx3-ubyte.gz"]:
        assert name in msg
    assert str(tmp_path) in msg
    # images present, labels missing: the labels are what is reported
    _write(tmp_path / "t10k-images-idx3-ubyte", _idx_bytes(np.zeros((1, 28, 28), np.uint8)))
    with pytest.raises(FileNotFoundError, match="t10k-labels-idx1-ubyte"):
        ds.load_mnist(tmp_path, kind="test")


def test_load_mnist_count_mismatch(tmp_path):
    _mnist_dir(tmp_path, n=5, n_labels=4)
    with pytest.raises(ValueError, match="5 images.*4 labels"):
        ds.load_mnist(tmp_path)


def test_load_mnist_label_out_of_range(tmp_path):
    _mnist_dir(tmp_path, n=2, labels=[3, 10])
    for one_hot in (True, False):
        with pytest.raises(ValueError, match=r"3 \.\. 10.*MNIST labels are 0 \.\. 9"):
            ds.load_mnist(tmp_path, one_hot=one_hot)


def test_load_mnist_wrong_shapes(tmp_path):
    _write(tmp_path / "train-images-idx3-ubyte", _idx_bytes(np.zeros((2, 784), np.uint8)))
    _write(tmp_path / "train-labels-idx1-ubyte", _idx_bytes(np.zeros(2, np.uint8)))
    with pytest.raises(ValueError, match=r"shape \(2, 784\).*expected uint8 images"):
        ds.load_mnist(tmp_path)
    _write(tmp_path / "train-images-idx3-ubyte", _idx_bytes(np.zeros((2, 28, 28), np.uint8)))
    _write(tmp_path / "train-labels-idx1-ubyte", _idx_bytes(np.zeros((2, 1), np.uint8)))
    with pytest.raises(ValueError, match=r"shape \(2, 1\).*expected integer labels"):
        ds.load_mnist(tmp_path)


def test_load_mnist_bad_kind(tmp_path):
    with pytest.raises(ValueError, match="kind must be 'train' or 'test'.*'val'"):
        ds.load_mnist(tmp_path, kind="val")


# ---------------------------------------------------------------------------
# load_mnist_pkl (Nielsen's mnist.pkl.gz)
# ---------------------------------------------------------------------------


def _fake_pkl_data(sizes=(6, 3, 2)):
    rng = np.random.default_rng(1)
    return tuple(
        (rng.random((n, 784), dtype=np.float32), (np.arange(n) % 10).astype(np.int64))
        for n in sizes
    )


def _write_pkl(path, obj, gz=True):
    payload = pickle.dumps(obj, protocol=2)  # the protocol Nielsen's Python 2 used
    return _write(path, payload, gz)


def test_load_mnist_pkl_round_trip(tmp_path):
    data = _fake_pkl_data()
    path = _write_pkl(tmp_path / "mnist.pkl.gz", data)
    splits = ds.load_mnist_pkl(path)
    assert len(splits) == 3
    for (X, Y), (images, labels) in zip(splits, data):
        _float_rows(X, Y)
        assert X.shape == (len(labels), 784) and Y.shape == (len(labels), 10)
        np.testing.assert_array_equal(X, images.astype(np.float64))
        np.testing.assert_array_equal(ds.labels_from_one_hot(Y), labels)
    (_, y_tr), _, _ = ds.load_mnist_pkl(path, one_hot=False)
    assert y_tr.dtype == np.int64 and y_tr.tolist() == [0, 1, 2, 3, 4, 5]


def test_load_mnist_pkl_accepts_plain_pickle_and_lists(tmp_path):
    data = [list(pair) for pair in _fake_pkl_data((2, 1, 1))]
    splits = ds.load_mnist_pkl(_write_pkl(tmp_path / "plain.pkl", data, gz=False))
    assert [X.shape[0] for X, _ in splits] == [2, 1, 1]


def _swap(data, split, item, value):
    data = [list(p) for p in data]
    data[split][item] = value
    return tuple(tuple(p) for p in data)


@pytest.mark.parametrize(
    "obj, pieces",
    [
        ({"train": 1}, ["layout", "found dict"]),
        (_fake_pkl_data()[:2], ["found tuple of length 2"]),
        ((1, 2, 3), ["training part is int, not a pair"]),
        (_swap(_fake_pkl_data(), 1, 0, np.zeros(784)), ["validation images", "(784,)"]),
        (_swap(_fake_pkl_data(), 2, 1, np.zeros(2)), ["test labels", "float64"]),
        (_swap(_fake_pkl_data(), 0, 1, np.zeros(5, np.int64)), ["6 images but 5 labels"]),
        (_swap(_fake_pkl_data(), 1, 0, np.zeros((3, 10))), ["10 pixels per row", "784"]),
        (_swap(_fake_pkl_data(), 0, 1, np.arange(6) + 5), ["5 .. 10", "0 .. 9"]),
        (((["a"], [0]), 0, 0), ["training part is not numeric"]),
    ],
)
def test_load_mnist_pkl_foreign_structure(tmp_path, obj, pieces):
    path = _write_pkl(tmp_path / "x.pkl.gz", obj)
    with pytest.raises(ValueError) as err:
        ds.load_mnist_pkl(path)
    for piece in pieces:
        assert piece in str(err.value)


@pytest.mark.parametrize(
    "payload",
    [
        gzip.compress(b"this is not a pickle"),
        gzip.compress(pickle.dumps(_fake_pkl_data((1, 1, 1))))[:200],  # truncated
        b"\x1f\x8bgarbage",  # gzip magic, corrupt stream
        b"plain garbage",
        b"",
    ],
)
def test_load_mnist_pkl_corrupt_file(tmp_path, payload):
    path = _write(tmp_path / "mnist.pkl.gz", payload)
    with pytest.raises(ValueError, match="could not unpickle"):
        ds.load_mnist_pkl(path)


def test_load_mnist_pkl_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="never downloads"):
        ds.load_mnist_pkl(tmp_path / "mnist.pkl.gz")


# ---------------------------------------------------------------------------
# synthetic_classification
# ---------------------------------------------------------------------------


def test_synthetic_shapes_range_balance():
    X, Y = ds.synthetic_classification(103, 7, 4)
    _float_rows(X, Y)
    assert X.shape == (103, 7) and Y.shape == (103, 4)
    assert 0.0 <= X.min() and X.max() <= 1.0
    assert sorted(Y.sum(axis=0).tolist()) == [25, 26, 26, 26]
    X2, labels = ds.synthetic_classification(103, 7, 4, one_hot=False)
    assert labels.shape == (103,) and labels.dtype == np.int64
    np.testing.assert_array_equal(X2, X)
    np.testing.assert_array_equal(labels, ds.labels_from_one_hot(Y))


def test_synthetic_deterministic_per_seed():
    a = ds.synthetic_classification(50, 5, 3, seed=11)
    b = ds.synthetic_classification(50, 5, 3, seed=11)
    c = ds.synthetic_classification(50, 5, 3, seed=12)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


def test_synthetic_is_learnable():
    # nearest class mean, fitted on the training part, classifies the test part
    X, Y = ds.synthetic_classification(600, 20, 5, seed=2)
    X_tr, X_te, Y_tr, Y_te = ds.train_test_split(X, Y, stratify=True)
    means = (Y_tr.T @ X_tr) / Y_tr.sum(axis=0)[:, None]  # (5, 20)
    dist = ((X_te[:, None, :] - means[None, :, :]) ** 2).sum(axis=2)  # (N_test, 5)
    accuracy = np.mean(dist.argmin(axis=1) == ds.labels_from_one_hot(Y_te))
    assert accuracy > 0.9


@pytest.mark.parametrize(
    "args, argname",
    [
        ((0, 3, 2), "n_samples"),
        ((10, -1, 2), "n_features"),
        ((10, 3, 1), "n_classes"),
        ((10.0, 3, 2), "n_samples"),
        ((10, True, 2), "n_features"),
    ],
)
def test_synthetic_errors(args, argname):
    with pytest.raises(ValueError, match=f"{argname} must be an integer"):
        ds.synthetic_classification(*args)


def test_synthetic_mnist_sized():
    # its speed (typically 0.2-0.4 s) is the benchmarks' business, not a test's
    X, Y = ds.synthetic_classification(60000, 784, 10)
    assert X.shape == (60000, 784) and Y.shape == (60000, 10)
