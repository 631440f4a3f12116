"""PyTorch, ONNX and scikit-learn in and out (loopnet.interop): same numbers on both sides."""
import itertools
import warnings

import numpy as np
import pytest

import loopnet as ln
from loopnet import datasets, interop

CASES = [  # (hidden activation, output activation, sizes)
    ("sigmoid", "sigmoid", [3, 4, 2]),
    ("tanh", "softmax", [3, 5, 4, 3]),
    ("relu", "identity", [3, 4, 1]),
    ("identity", "tanh", [3, 2]),
    ("sigmoid", "relu", [3, 6, 6, 2]),
]
TOL = {"float64": 1e-12, "float32": 1e-6}


def _X(dtype, n=9):
    return np.random.default_rng(5).standard_normal((n, 3)).astype(dtype)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("act,out,sizes", CASES)
@pytest.mark.parametrize("bias", [True, False])
def test_torch_round_trip(act, out, sizes, dtype, bias):
    torch = pytest.importorskip("torch")
    net = ln.Network(sizes, activation=act, output_activation=out, bias=bias, seed=2, dtype=dtype)
    seq = net.to_torch()
    assert isinstance(seq, torch.nn.Sequential) and len(seq) == 2 * (len(sizes) - 1)
    assert [type(m).__name__ for m in seq][1::2] == [interop.RENDERINGS[a].torch
                                                    for a in [act] * (len(sizes) - 2) + [out]]
    X = _X(dtype)
    with torch.no_grad():
        a_torch = seq(torch.from_numpy(X)).numpy()
    assert a_torch.dtype == np.dtype(dtype)
    np.testing.assert_allclose(a_torch, net.forward(X), rtol=0, atol=TOL[dtype])
    back = ln.Network.from_torch(seq, loss=net.loss_name)
    assert (back.sizes, back.activation, back.output_activation, back.has_bias, back.dtype) == \
        (net.sizes, net.activation if len(sizes) > 2 else "sigmoid", net.output_activation, bias, net.dtype)
    np.testing.assert_array_equal(back.params, net.params)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("act,out,sizes", CASES)
@pytest.mark.parametrize("bias", [True, False])
def test_onnx_runs_in_onnxruntime_and_equals_forward(act, out, sizes, dtype, bias, tmp_path):
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    net = ln.Network(sizes, activation=act, output_activation=out, bias=bias, seed=3, dtype=dtype)
    path = net.to_onnx(tmp_path / "net.onnx")
    X = _X(dtype, n=17)
    a = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"X": X})[0]
    assert a.dtype == np.dtype(dtype) and a.shape == (17, sizes[-1])
    np.testing.assert_allclose(a, net.forward(X), rtol=0, atol=TOL[dtype])


def test_onnx_of_a_trained_network(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    X, Y = datasets.logic_gate("xor")
    net = ln.Network([2, 3, 1], seed=0)
    net.fit(X, Y, epochs=3000, lr=3.0, batch_size=None, shuffle=False)
    a = ort.InferenceSession(str(net.to_onnx(tmp_path / "xor.onnx"))).run(None, {"X": X})[0]
    assert ((a[:, 0] >= 0.5).astype(int) == [0, 1, 1, 0]).all()
    np.testing.assert_allclose(a, net.forward(X), rtol=0, atol=1e-12)


def test_to_onnx_bad_directory(tmp_path):
    pytest.importorskip("onnx")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        ln.Network([2, 1]).to_onnx(tmp_path / "no" / "such.onnx")


def test_from_torch_single_linear_and_trailing_softmax():
    torch = pytest.importorskip("torch")
    nn = torch.nn
    lin = nn.Linear(3, 2).double()
    net = ln.Network.from_torch(lin)
    assert net.sizes == [3, 2] and net.output_activation == "identity"
    seq = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 3), nn.Softmax(dim=1))
    net = ln.Network.from_torch(seq, loss="cross_entropy")
    assert (net.activation, net.output_activation, net.dtype) == ("relu", "softmax", np.float32)
    X = np.random.default_rng(0).standard_normal((6, 4)).astype(np.float32)
    with torch.no_grad():
        np.testing.assert_allclose(seq(torch.from_numpy(X)).numpy(), net.forward(X), atol=1e-6)


def _bad_torch():
    import torch.nn as nn
    return [
        (nn.Conv1d(1, 1, 1), TypeError, r"module must be a torch.nn.Sequential .*got Conv1d"),
        (nn.Sequential(nn.Linear(2, 2), nn.Dropout(), nn.Linear(2, 1)), ValueError,
         r"module\[1\] is Dropout; from_torch reads Linear layers"),
        (nn.Sequential(nn.Sigmoid(), nn.Linear(2, 1)), ValueError, r"module\[0\] is Sigmoid before any Linear"),
        (nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Tanh()), ValueError, r"module\[2\] is Tanh right after Sigmoid"),
        (nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 1)), ValueError,
         r"different activations \['sigmoid', 'tanh'\]"),
        (nn.Sequential(nn.Linear(2, 2), nn.Softmax(dim=-1), nn.Linear(2, 1)), ValueError, r"Softmax is allowed after the last"),
        (nn.Sequential(nn.Linear(2, 3), nn.Softmax(dim=0)), ValueError, r"Softmax\(dim=0\)"),
        (nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1, bias=False)), ValueError, r"some Linear layers have biases"),
        (nn.Sequential(nn.Linear(2, 2), nn.Linear(3, 1)), ValueError, r"layer 2 takes 3 inputs but layer 1 gives 2"),
        (nn.Sequential(nn.Linear(2, 2).half()), ValueError, r"float32 or all float64, got \['torch.float16'\]"),
        (nn.Sequential(), ValueError, r"no Linear layer"),
    ]


def test_from_torch_clear_errors():
    pytest.importorskip("torch")
    for module, exc, message in _bad_torch():
        with pytest.raises(exc, match=message):
            ln.Network.from_torch(module)


def test_missing_extra_names_it(monkeypatch):
    import builtins
    real = builtins.__import__

    def no_torch(name, *args, **kwargs):
        if name == "torch" or name.startswith("torch."):
            raise ImportError("no torch")
        return real(name, *args, **kwargs)
    monkeypatch.delitem(__import__("sys").modules, "torch", raising=False)
    monkeypatch.setattr(builtins, "__import__", no_torch)
    real_module = __import__("importlib").import_module

    def no_torch_module(name, package=None):   # loopnet's lazy attributes import relative names too
        if name == "torch" or name.startswith("torch."):
            raise ImportError("no torch")
        return real_module(name, package)
    monkeypatch.setattr("importlib.import_module", no_torch_module)
    with pytest.raises(ImportError, match=r"needs torch \(pip install 'loopnet-backprop\[torch\]'\)"):
        ln.Network([2, 1]).to_torch()


# ---- scikit-learn's fitted MLPs ---------------------------------------------------------------
def _fit_quietly(est, X, y):
    from sklearn.exceptions import ConvergenceWarning
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y)


@pytest.mark.parametrize("kind,act", itertools.product(["multiclass", "binary", "multilabel", "regression"],
                                                        ["logistic", "tanh", "relu", "identity"]))
def test_from_sklearn_equals_predict_proba(kind, act):
    pytest.importorskip("sklearn")
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 4))
    y = {"multiclass": rng.integers(0, 3, 40), "binary": rng.integers(0, 2, 40),
         "multilabel": rng.integers(0, 2, (40, 3)), "regression": rng.standard_normal((40, 2))}[kind]
    cls = MLPRegressor if kind == "regression" else MLPClassifier
    mlp = _fit_quietly(cls(hidden_layer_sizes=(5, 4), activation=act, max_iter=20, random_state=0), X, y)
    net = ln.Network.from_sklearn(mlp)
    assert net.sizes == [4, 5, 4, mlp.n_outputs_]
    expected = mlp.predict(X) if kind == "regression" else mlp.predict_proba(X)
    got = net.forward(X)
    if kind == "binary":
        got = np.hstack([1 - got, got])
    np.testing.assert_allclose(got.reshape(expected.shape), expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("out,sizes", [("softmax", [4, 5, 3]), ("softmax", [4, 5, 2]), ("sigmoid", [4, 5, 1]),
                                       ("sigmoid", [4, 5, 3]), ("identity", [4, 5, 2])])
@pytest.mark.parametrize("act", ["sigmoid", "tanh", "relu"])
def test_to_sklearn_predicts_like_the_network(out, sizes, act):
    pytest.importorskip("sklearn")
    net = ln.Network(sizes, activation=act, output_activation=out, seed=4)
    X = np.random.default_rng(1).standard_normal((30, 4))
    mlp = net.to_sklearn()
    A = net.forward(X)
    if out == "identity":
        np.testing.assert_allclose(mlp.predict(X).reshape(A.shape), A, rtol=0, atol=1e-12)
        return
    P = mlp.predict_proba(X)
    if sizes[-1] == 1:
        np.testing.assert_allclose(P[:, 1], A[:, 0], atol=1e-12)
        assert (mlp.predict(X) == net.predict(X)).all()
    elif out == "softmax":
        np.testing.assert_allclose(P, A, atol=1e-12)       # K = 2: one logistic unit on z_1 − z_0
        assert (mlp.predict(X) == net.predict(X)).all()
    else:                                                   # multilabel: one probability per label
        np.testing.assert_allclose(P, A, atol=1e-12)
        assert (mlp.predict(X) == (A >= 0.5)).all()
    back = ln.Network.from_sklearn(mlp)
    if not (out == "softmax" and sizes[-1] == 2):
        np.testing.assert_allclose(back.forward(X), A, atol=1e-12)


def test_to_sklearn_classes_and_errors():
    pytest.importorskip("sklearn")
    net = ln.Network([2, 3, 3], output_activation="softmax", seed=0)
    mlp = net.to_sklearn(classes=["a", "b", "c"])
    X = np.random.default_rng(2).standard_normal((8, 2))
    assert (mlp.predict(X) == np.array(["a", "b", "c"])[net.predict(X)]).all()
    with pytest.raises(ValueError, match=r"classes \[0, 1\] \(shape \(2,\)\): this network's outputs need 3 distinct labels"):
        net.to_sklearn(classes=[0, 1])
    with pytest.raises(ValueError, match="needs a network with biases"):
        ln.Network([2, 1], bias=False).to_sklearn()
    with pytest.raises(ValueError, match="output_activation 'tanh' has no scikit-learn"):
        ln.Network([2, 2], activation="tanh").to_sklearn()
    from sklearn.neural_network import MLPClassifier
    with pytest.raises(ValueError, match="needs a fitted MLPClassifier .* no coefs_"):
        ln.Network.from_sklearn(MLPClassifier())


# ---- one mapping from outputs to labels, through every conversion -------------------------------------
LABELLED = [([3, 4, 1], "sigmoid", ["yes", "no"]), ([3, 4, 1], "sigmoid", [1, 0]),
            ([3, 4, 2], "softmax", ["yes", "no"]), ([3, 4, 3], "softmax", ["c", "a", "b"]),
            ([3, 4, 4], "softmax", [3, 0, 2, 1]), ([3, 4, 3], "softmax", ["a", "b", "c"])]


@pytest.mark.parametrize("sizes,out,classes", LABELLED)
def test_output_j_is_label_classes_j_in_sklearn_and_back(sizes, out, classes, tmp_path):
    """Output j of the network is label classes[j]: scikit-learn keeps its labels sorted, so to_sklearn
    reorders (or, for two labels, flips) the output layer to match; from_sklearn records classes_ on the model,
    and a saved model keeps them."""
    pytest.importorskip("sklearn")
    from loopnet.interop import from_sklearn, to_sklearn
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, sizes[0])) * 3
    net = ln.Network(sizes, output_activation=out, loss="cross_entropy", seed=3)
    net.weights = [rng.normal(size=W.shape) * 2 for W in net.weights]
    net.biases = [rng.normal(size=b.shape) for b in net.biases]
    want = np.asarray(classes)[net.predict(X)]
    assert len(set(want.tolist())) > 1                     # the test can tell labels apart
    mlp = to_sklearn(net, classes=classes)
    assert (mlp.predict(X) == want).all()
    back = from_sklearn(mlp)
    assert (np.asarray(back.preprocessing.classes)[back.predict(X)] == want).all()
    back.save(tmp_path / "m.npz")
    again = ln.load(tmp_path / "m.npz")
    assert (np.asarray(again.preprocessing.classes)[again.predict(X)] == want).all()
    assert (to_sklearn(again).predict(X) == want).all()    # the recorded labels are the default


def test_to_sklearn_refuses_repeated_labels():
    pytest.importorskip("sklearn")
    from loopnet.interop import to_sklearn
    with pytest.raises(ValueError, match="3 distinct labels"):
        to_sklearn(ln.Network([2, 3, 3], output_activation="softmax", loss="cross_entropy"), classes=["a", "a", "b"])
