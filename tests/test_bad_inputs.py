"""The bad-input catalogue: every input a user can type that is wrong gets a clear exception.

One row per case: (id, the call, the exception type, a regex the message must match: it names the
argument and the problem). The table runs with warnings as errors, on the compiled backend; one
test reruns the whole table in a subprocess whose kernels are compiled with bounds checks
(LOOPNET_BOUNDSCHECK=1), where an out-of-range index would raise IndexError instead of reading
memory: no row may get as far as a kernel with inconsistent shapes.
"""
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import warnings

import numpy as np
import pytest

import loopnet as ln
from loopnet.writing import OutputPathError
from loopnet.datasets import one_hot

Network = ln.Network
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

_rng = np.random.default_rng(0)
X = _rng.random((6, 3))          # 6 examples, n_0 = 3
Y = _rng.random((6, 1))          # n_L = 1, values in [0, 1)
Y2 = one_hot([0, 1, 0, 1, 1, 0], 2)


def net(**kw):
    return Network([3, 2, 1], seed=0, **kw)


def with_(arr, index, value):
    out = np.array(arr, dtype=float)
    out[index] = value
    return out


def ro_array(a):
    a = np.array(a, dtype=float)
    a.flags.writeable = False
    return a


# fmt: off
CATALOGUE = [
    # --- weights and biases handed to from_weights ---------------------------------------------
    ("seed 2-2-1 weights [[0.3, 0.4], [0.1]]", lambda: Network.from_weights([[0.3, 0.4], [0.1]]),
     ValueError, r"weights\[0\] \(W of layer 1\) has shape \(2,\).*must be 2-D.*\(n_1, n_0\)"),
    ("weights: consecutive shapes disagree", lambda: Network.from_weights([np.ones((2, 3)), np.ones((1, 3))]),
     ValueError, r"weights\[1\].*shape \(1, 3\).*must have shape \(1, 2\)"),
    ("weights: 3-D array", lambda: Network.from_weights([np.ones((2, 3, 1))]),
     ValueError, r"weights\[0\].*shape \(2, 3, 1\).*2-D"),
    ("weights: one ndarray instead of a list", lambda: Network.from_weights(np.ones((2, 3))),
     TypeError, r"weights must be a list.*one array of shape \(2, 3\)"),
    ("weights: empty list", lambda: Network.from_weights([]),
     TypeError, r"weights must be a non-empty list"),
    ("weights: ragged rows", lambda: Network.from_weights([[[1, 2], [3]], [[1, 2]]]),
     ValueError, r"weights\[0\] is ragged"),
    ("weights: zero-width layer", lambda: Network.from_weights([np.zeros((0, 3)), np.zeros((1, 0))]),
     ValueError, r"weights\[0\].*shape \(0, 3\).*at least one neuron"),
    ("weights: NaN", lambda: Network.from_weights([with_(np.ones((2, 3)), (1, 2), np.nan), np.ones((1, 2))]),
     ValueError, r"weights\[0\] contains NaN or Inf.*\[1, 2\]"),
    ("weights: Inf", lambda: Network.from_weights([np.ones((2, 3)), with_(np.ones((1, 2)), (0, 0), -np.inf)]),
     ValueError, r"weights\[1\] contains NaN or Inf"),
    ("weights: strings", lambda: Network.from_weights([[["a", "b"]]]),
     TypeError, r"weights\[0\] must hold numbers"),
    ("weights: object array with None", lambda: Network.from_weights([np.array([[1.0, None]], dtype=object)]),
     TypeError, r"weights\[0\] must hold numbers.*None"),
    ("weights: complex", lambda: Network.from_weights([np.ones((1, 2), complex)]),
     TypeError, r"weights\[0\] must hold real numbers"),
    ("weights: beyond float32", lambda: Network.from_weights([[[1e39, 1.0]]], dtype="float32"),
     ValueError, r"weights\[0\] holds 1e\+39.*beyond the range of float32"),
    ("biases: one too few", lambda: Network.from_weights([np.ones((2, 3)), np.ones((1, 2))], [np.zeros(2)]),
     ValueError, r"biases must be a list of 2 vectors.*got 1 entries"),
    ("biases: wrong length (seed 2-2-1 style b=[0.1] for 2 neurons)",
     lambda: Network.from_weights([np.ones((2, 2)), np.ones((1, 2))], [[0.1], [0.2]]),
     ValueError, r"biases\[0\] \(b of layer 1\) has shape \(1,\).*n_1 = 2.*\(2,\)"),
    ("biases: one ndarray instead of a list", lambda: Network.from_weights([np.ones((1, 3))], np.zeros((1, 1))),
     TypeError, r"biases must be a list of 1 vectors.*one array of shape \(1, 1\)"),
    ("biases: NaN", lambda: Network.from_weights([np.ones((1, 3))], [[np.nan]]),
     ValueError, r"biases\[0\] contains NaN or Inf"),
    # --- sizes and names ---------------------------------------------------------------------------
    ("sizes: zero-width hidden layer", lambda: Network([3, 0, 1]), ValueError, r"sizes\[1\] = 0.*at least one neuron"),
    ("sizes: negative width", lambda: Network([3, -2, 1]), ValueError, r"sizes\[1\] = -2"),
    ("sizes: one layer only", lambda: Network([3]), ValueError, r"sizes=\[3\] needs at least two layers"),
    ("sizes: float width", lambda: Network([3.0, 2, 1]), TypeError, r"sizes\[0\] = 3.0 is not an integer"),
    ("sizes: a string", lambda: Network("321"), TypeError, r"sizes must be a list of layer widths"),
    ("unknown activation", lambda: net(activation="swish"), ValueError, r"activation='swish' is not a known.*'sigmoid'"),
    ("unknown output_activation", lambda: net(output_activation="gelu"), ValueError, r"output_activation='gelu' is not a known"),
    ("unknown loss", lambda: net(loss="hinge"), ValueError, r"loss='hinge' is not a known loss.*'mse'"),
    ("unknown init", lambda: net(init="zeros"), ValueError, r"init='zeros' is not a known init"),
    ("unknown backend", lambda: net(backend="gpu"), ValueError, r"backend='gpu' is not a known backend.*'loops'"),
    ("unknown dtype", lambda: net(dtype="float16"), ValueError, r"dtype='float16' is not supported.*'float64' or 'float32'"),
    ("integer dtype", lambda: net(dtype=int), ValueError, r"dtype=.*int.* is not supported"),
    ("unknown optimizer", lambda: net().fit(X, Y, batch_size=2, optimizer="rmsprop"),
     ValueError, r"optimizer='rmsprop' is not a known optimizer.*'sgd'"),
    ("softmax in a hidden layer", lambda: Network([3, 2, 2], activation="softmax", output_activation="softmax"),
     ValueError, r"activation='softmax' cannot be used in hidden layers"),
    ("softmax with one output", lambda: net(output_activation="softmax"), ValueError, r"softmax.*needs at least 2 outputs"),
    ("cross_entropy with a tanh output", lambda: net(output_activation="tanh", loss="cross_entropy"),
     ValueError, r"loss='cross_entropy' needs outputs in \(0, 1\).*not 'tanh'"),
    # --- data ------------------------------------------------------------------------------------------
    ("X: too many columns", lambda: net().forward(np.ones((5, 4))), ValueError, r"X has shape \(5, 4\).*n_0 = 3"),
    ("X: transposed", lambda: net().forward(np.ones((3, 5))), ValueError, r"X has shape \(3, 5\).*transpose"),
    ("X: one example of the wrong length", lambda: net().forward([1.0, 2.0]), ValueError, r"X has shape \(2,\).*n_0 = 3"),
    ("X: 3-D", lambda: net().forward(np.ones((2, 3, 1))), ValueError, r"X has shape \(2, 3, 1\) \(3-D\)"),
    ("X: a scalar", lambda: net().forward(3.0), ValueError, r"X has shape \(\) \(0-D\)"),
    ("X: None", lambda: net().forward(None), TypeError, r"X must hold numbers; got None"),
    ("X: ragged rows", lambda: net().forward([[1, 2, 3], [1, 2]]), ValueError, r"X is ragged"),
    ("X: empty batch (0, 3)", lambda: net().fit(np.empty((0, 3)), np.empty((0, 1))), ValueError, r"X is empty"),
    ("X: empty list", lambda: net().forward([]), ValueError, r"X has shape \(0,\)"),
    ("X: NaN", lambda: net().forward(with_(X, (2, 1), np.nan)), ValueError, r"X contains NaN or Inf \(first at index \[2, 1\]"),
    ("X: Inf in fit", lambda: net().fit(with_(X, (4, 0), np.inf), Y, batch_size=2), ValueError, r"X contains NaN or Inf"),
    ("X: strings", lambda: net().forward([["a", "b", "c"]]), TypeError, r"X must hold numbers, got dtype <U1"),
    ("X: object array with None", lambda: net().forward(np.array([[1, None, 3]], dtype=object)),
     TypeError, r"X must hold numbers.*None at index \[0, 1\]"),
    ("X: dict", lambda: net().forward({"a": 1}), TypeError, r"X must hold numbers.*Python objects"),
    ("X: complex", lambda: net().forward(np.ones((2, 3), complex)), TypeError, r"X must hold real numbers"),
    ("X: datetime", lambda: net().forward(np.zeros((2, 3), "datetime64[s]")), TypeError, r"X must hold numbers"),
    ("X: beyond float32", lambda: net(dtype="float32").forward([[1e39, 0.0, 0.0]]),
     ValueError, r"X holds 1e\+39 \(at index \[0, 0\]\), beyond the range of float32"),
    ("Y: too many columns", lambda: net().gradients(X, np.ones((6, 2))), ValueError, r"Y has shape \(6, 2\).*n_L = 1"),
    ("Y: too few rows", lambda: net().gradients(X, np.ones((5, 1))), ValueError, r"Y has 5 rows but X has 6"),
    ("Y: 1-D, wrong length", lambda: net().fit(X, np.ones(4), batch_size=2), ValueError, r"Y has 4 rows but X has 6"),
    ("Y: NaN", lambda: net().fit(X, with_(Y, (0, 0), np.nan), batch_size=2), ValueError, r"Y contains NaN or Inf"),
    ("Y: Inf", lambda: net().loss(X, with_(Y, (5, 0), np.inf)), ValueError, r"Y contains NaN or Inf.*\[5, 0\]"),
    ("Y: beyond float32", lambda: net(dtype="float32").loss(X, with_(Y, (0, 0), -1e40)),
     ValueError, r"Y holds -1e\+40.*float32"),
    ("labels: class numbers for 2 outputs", lambda: Network([3, 2, 2], output_activation="softmax").fit(X, [0, 1, 2, 1, 0, 1]),
     ValueError, r"Y has shape \(6,\).*n_L = 2.*one_hot"),
    ("labels: outside 0..n_classes-1", lambda: one_hot([0, 3], n_classes=3), ValueError, r"labels contains 3.*0 \.\. 2"),
    ("labels: negative", lambda: one_hot([0, -1], n_classes=2), ValueError, r"labels contains -1"),
    ("labels: one-hot row with a 2 (cross_entropy)",
     lambda: Network([3, 2, 2], output_activation="softmax", loss="cross_entropy").evaluate(X, 2 * Y2),
     ValueError, r"Y has values in \[0, 2\].*cross_entropy.*\[0, 1\]"),
    ("cross_entropy targets > 1", lambda: net(loss="cross_entropy").fit(X, 3 * Y, batch_size=2),
     ValueError, r"Y has values in .*loss='cross_entropy' needs targets in \[0, 1\]"),
    ("cross_entropy targets < 0", lambda: net(loss="cross_entropy").gradients(X, -Y),
     ValueError, r"Y has values in \[-.*cross_entropy"),
    ("validation_data: not a pair", lambda: net().fit(X, Y, batch_size=2, validation_data=(X,)),
     ValueError, r"validation_data must be a pair"),
    ("validation_data: NaN", lambda: net().fit(X, Y, batch_size=2, validation_data=(with_(X, (0, 0), np.nan), Y)),
     ValueError, r"validation_data\[0\] contains NaN"),
    # --- training options ----------------------------------------------------------------------
    ("lr = 0", lambda: net().fit(X, Y, lr=0, batch_size=2), ValueError, r"lr must be a finite number > 0, got 0"),
    ("lr < 0", lambda: net().fit(X, Y, lr=-1.0, batch_size=2), ValueError, r"lr must be a finite number > 0, got -1"),
    ("lr NaN", lambda: net().fit(X, Y, lr=float("nan"), batch_size=2), ValueError, r"lr must be a finite.*nan"),
    ("lr Inf", lambda: net().fit(X, Y, lr=float("inf"), batch_size=2), ValueError, r"lr must be a finite.*inf"),
    ("lr a string", lambda: net().fit(X, Y, lr="0.1", batch_size=2), TypeError, r"lr must be a number, got '0.1'"),
    ("step lr = 0", lambda: net().step(X, Y, lr=0), ValueError, r"lr must be a finite number > 0"),
    ("batch_size 0", lambda: net().fit(X, Y, batch_size=0), ValueError, r"batch_size must be an integer ≥ 1 .*N = 6.*got 0"),
    ("batch_size a word", lambda: net().fit(X, Y, batch_size="big"), ValueError, r"batch_size .*'auto'.*got 'big'"),
    ("batch_size float", lambda: net().fit(X, Y, batch_size=2.5), ValueError, r"batch_size .*got 2.5"),
    ("epochs < 0", lambda: net().fit(X, Y, epochs=-1, batch_size=2), ValueError, r"epochs must be an integer ≥ 0, got -1"),
    ("epochs float", lambda: net().fit(X, Y, epochs=1.5, batch_size=2), ValueError, r"epochs must be an integer.*1.5"),
    ("momentum = 1", lambda: net().fit(X, Y, batch_size=2, momentum=1), ValueError, r"momentum must be in \[0, 1\)"),
    ("momentum NaN", lambda: net().fit(X, Y, batch_size=2, momentum=float("nan")), ValueError, r"momentum must be a finite"),
    ("params: wrong length", lambda: setattr(net(), "params", np.ones(3)), ValueError, r"params has shape \(3,\), expected \(11,\)"),
    ("params: NaN", lambda: setattr(net(), "params", np.full(11, np.nan)), ValueError, r"params contains NaN"),
    ("params: beyond float32", lambda: setattr(net(dtype="float32"), "params", np.full(11, 1e39)),
     ValueError, r"params holds 1e\+39.*float32"),
    # --- files -------------------------------------------------------------------------------------
    ("save into a missing directory", lambda: net().save("/nonexistent-dir/x.npz"),
     FileNotFoundError, r"/nonexistent-dir.*does not exist"),
    ("load a missing file", lambda: ln.load("/nonexistent-dir/x.npz"), FileNotFoundError, r"no model file at"),
    # --- state that cannot drift ----------------------------------------------------------------
    ("assign sizes", lambda: setattr(net(), "sizes", [2, 2, 1]), AttributeError, r"Network\.sizes is read-only"),
    ("mutate sizes in place", lambda: net().sizes.__setitem__(0, 2), TypeError, r"Network\.sizes cannot be changed in place"),
    ("append to sizes", lambda: net().sizes.append(4), TypeError, r"Network\.sizes cannot be changed"),
    ("assign activation", lambda: setattr(net(), "activation", "relu"), AttributeError, r"Network\.activation is read-only.*'sigmoid'"),
    ("assign output_activation", lambda: setattr(net(), "output_activation", "identity"), AttributeError, r"Network\.output_activation is read-only"),
    ("assign loss_name", lambda: setattr(net(), "loss_name", "mse"), AttributeError, r"Network\.loss_name is read-only"),
    ("assign dtype", lambda: setattr(net(), "dtype", np.float32), AttributeError, r"Network\.dtype is read-only"),
    ("assign has_bias", lambda: setattr(net(), "has_bias", False), AttributeError, r"Network\.has_bias is read-only"),
    ("delete activation", lambda: delattr(net(), "activation"), AttributeError, r"Network\.activation is read-only"),
    ("weights[0] = (7, 7) array", lambda: net().weights.__setitem__(0, np.zeros((7, 7))),
     ValueError, r"weights\[0\] has shape \(2, 3\) and keeps it; got an array of shape \(7, 7\)"),
    ("weights[0] = NaN", lambda: net().weights.__setitem__(0, np.full((2, 3), np.nan)), ValueError, r"weights\[0\] contains NaN"),
    ("weights[0] beyond float32", lambda: net(dtype="float32").weights.__setitem__(0, np.full((2, 3), 1e39)),
     ValueError, r"weights\[0\] holds 1e\+39.*float32"),
    ("weights[5]", lambda: net().weights.__setitem__(5, np.zeros((2, 3))), IndexError, r"weights\[5\].*indices 0\.\.1"),
    ("weights[True]", lambda: net().weights.__setitem__(True, np.zeros((1, 2))), IndexError, r"weights\[True\]"),
    ("biases[0] wrong length", lambda: net().biases.__setitem__(0, [1.0]), ValueError, r"biases\[0\] has shape \(2,\) and keeps it"),
    ("weights list too short", lambda: setattr(net(), "weights", [np.zeros((2, 3))]),
     ValueError, r"Network\.weights = \.\.\. needs a list of 2 arrays"),
    ("weights: one array", lambda: setattr(net(), "weights", np.zeros((2, 3))), ValueError, r"one array of shape \(2, 3\)"),
    ("biases on a bias-free network", lambda: setattr(net(bias=False), "biases", [np.zeros(2), np.zeros(1)]),
     AttributeError, r"this network has no biases"),
    ("remove a layer from weights", lambda: net().weights.pop(), TypeError, r"weights cannot be changed in place"),
    # --- hyper-parameters in the network's dtype, all-or-nothing updates ------------------------------------
    ("lr rounds to 0 in float32", lambda: net(dtype="float32").fit(X, Y, lr=1e-46, batch_size=2),
     ValueError, r"lr=1e-46 rounds to 0 in float32"),
    ("lr beyond float32", lambda: net(dtype="float32").fit(X, Y, lr=1e39, batch_size=2),
     ValueError, r"lr=1e\+39 is beyond the range of float32"),
    ("step lr rounds to 0 in float32", lambda: net(dtype="float32").step(X, Y, lr=1e-50), ValueError, r"lr=1e-50 rounds to 0 in float32"),
    ("beta1 rounds to 1 in float32", lambda: net(dtype="float32").fit(X, Y, optimizer="adam", beta1=0.99999999, batch_size=2),
     ValueError, r"beta1=0\.99999999 rounds to 1 in float32"),
    ("beta2 rounds to 1 in float32", lambda: net(dtype="float32").fit(X, Y, optimizer="adam", beta2=1 - 1e-9, batch_size=2),
     ValueError, r"beta2=.* rounds to 1 in float32"),
    ("eps rounds to 0 in float32", lambda: net(dtype="float32").fit(X, Y, optimizer="adam", eps=1e-46, batch_size=2),
     ValueError, r"eps=1e-46 rounds to 0 in float32"),
    ("momentum rounds to 1 in float32", lambda: net(dtype="float32").fit(X, Y, momentum=1 - 1e-9, batch_size=2),
     ValueError, r"momentum=.* rounds to 1 in float32"),
    ("momentum > 1", lambda: net().fit(X, Y, momentum=1.5, batch_size=2), ValueError, r"momentum must be in \[0, 1\)"),
    ("step that overflows the weights", lambda: net(activation="identity", loss="sse").step(X * 1e5, Y, lr=1e300),
     ln.TrainingDiverged, r"the step made weights NaN or infinite.*unchanged"),
    # --- files ----------------------------------------------------------------------------------
    ("save to an empty path", lambda: net().save(""), OutputPathError, r"cannot write '': the path is empty"),
    ("save to /dev/null", lambda: net().save("/dev/null"), OutputPathError, r"'/dev/null': it is a character device, not a regular file"),
    ("save to a directory", lambda: net().save(tempfile.gettempdir()), IsADirectoryError, r"is a directory; give a file name"),
    ("load /dev/null", lambda: ln.load("/dev/null"), ln.ModelFileError, r"'/dev/null' is a character device, not a model file"),
    ("load a directory", lambda: ln.load(tempfile.gettempdir()), IsADirectoryError, r"is a directory, not a model file"),
    # --- memory -------------------------------------------------------------------------------------
    ("sizes too big for memory", lambda: Network([3, 100_000_000_000, 2]),
     MemoryError, r"Network\(sizes=\[3, 100000000000, 2\]\) with 600,000,000,002 parameters would need [\d.,]+ TiB"),
    ("sizes beyond int64", lambda: Network([2 ** 40, 2 ** 40]), MemoryError, r"parameters would need [\d.,]+ (EiB|ZiB)"),
    ("gradients of a batch too big for memory",
     lambda: Network([1, 2_000_000, 1]).gradients(np.zeros((1_000_000, 1)), np.zeros((1_000_000, 1))),
     MemoryError, r"gradients \(1,000,000 examples through sizes \[1, 2000000, 1\]\) would need"),
]
# fmt: on


@pytest.mark.parametrize("make_call, exc, pattern", [row[1:] for row in CATALOGUE], ids=[row[0] for row in CATALOGUE])
def test_catalogue(make_call, exc, pattern):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(exc, match=pattern) as info:
            make_call()
    # the exact type, not merely a subclass that happens to match (e.g. TrainingDiverged)
    assert type(info.value) is exc


def test_catalogue_ids_are_unique():
    ids = [row[0] for row in CATALOGUE]
    assert len(ids) == len(set(ids))


def test_read_only_weights_work_and_stay_untouched():
    W = [ro_array(np.full((2, 3), 0.5)), ro_array([[0.1, -0.2]])]
    b = [ro_array([0.0, 0.1]), ro_array([0.2])]
    before = [a.copy() for a in W + b]
    n = Network.from_weights(W, b)
    assert all(w.flags.writeable for w in n.weights)  # the network owns writable copies
    n.fit(X, Y, epochs=3, lr=1.0, batch_size=2)
    n.step(X, Y, lr=0.5)
    n.weights[0][0, 0] = 7.0
    for a, old in zip(W + b, before):
        assert np.array_equal(a, old) and not a.flags.writeable
    assert not np.array_equal(n.weights[1], W[1])  # training did change the network's copy


def test_read_only_data_is_accepted_and_untouched():
    Xr, Yr = ro_array(X), ro_array(Y)
    n = net()
    n.fit(Xr, Yr, epochs=2, batch_size=3)
    assert np.array_equal(Xr, X) and np.array_equal(Yr, Y)


HUGE_CASES = [(act, out, loss) for act in ("sigmoid", "tanh", "relu", "identity")
              for out, loss in (("sigmoid", "cross_entropy"), ("softmax", "cross_entropy"), ("sigmoid", "quadratic"),
                                ("tanh", "sse"), ("identity", "mse"), ("relu", "mse"))]


@pytest.mark.parametrize("backend", ["loops", "numpy", "python"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_huge_inputs_give_finite_numbers_and_no_warning(backend, dtype):
    """|z| ~ 1e6: σ, softplus and softmax are written so that no exponent overflows."""
    Xh = np.array([[1e6, -1e6, 3e5], [-1e6, 1e6, 0.0]])
    Yh = np.array([[1.0, 0.0], [0.0, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for act, out, loss in HUGE_CASES:
            n = Network([3, 4, 2], activation=act, output_activation=out, loss=loss, dtype=dtype,
                        backend=backend, seed=1)
            a = n.forward(Xh)
            g = n.gradients(Xh, Yh)
            assert np.all(np.isfinite(a)), (act, out, loss)
            assert np.all(np.isfinite(g.flat)) and np.isfinite(g.loss) and np.isfinite(n.loss(Xh, Yh)), (act, out, loss)
            if out in ("sigmoid", "softmax", "tanh"):
                low = -1 if out == "tanh" else 0
                assert np.all((a >= low) & (a <= 1))
            if out == "softmax":
                np.testing.assert_allclose(a.sum(axis=1), 1, rtol=1e-6)


@pytest.mark.parametrize("backend", ["loops", "numpy", "python"])
def test_float32_overflow_is_reported_not_trained_on(backend):
    """Finite float32 data whose squared error overflows float32: no warning, no NaN weights;
    step refuses (FloatingPointError), fit raises TrainingDiverged with the weights unchanged."""
    n = Network([2, 2, 1], activation="identity", output_activation="identity", loss="mse",
                dtype="float32", backend=backend, seed=0)
    Xo, Yo = np.full((2, 2), 1e30, np.float32), np.zeros((2, 1), np.float32)
    before = n.params.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.all(np.isfinite(n.forward(Xo)))          # |a| ~ 1e29 still fits
        with pytest.raises(FloatingPointError, match=r"not finite.*the step was not taken"):
            n.step(Xo, Yo, lr=0.1)
        with pytest.raises(ln.TrainingDiverged, match=r"diverged in epoch 1.*smaller lr") as info:
            n.fit(Xo, Yo, epochs=3, lr=0.1, batch_size=1)
    assert info.value.history.epochs == 0
    assert np.array_equal(n.params, before)


BOUNDSCHECK_SCRIPT = textwrap.dedent("""
    import json, sys, warnings
    import numpy as np
    sys.path.insert(0, {tests!r})
    from loopnet import jit
    assert jit.BOUNDSCHECK, "LOOPNET_BOUNDSCHECK=1 was not read"

    @jit.kernel
    def past_the_end(a):
        return a[a.shape[0] + 2]

    try:
        past_the_end(np.zeros(3))
        checked = False
    except IndexError:
        checked = True
    import test_bad_inputs as t
    out = {{"checked": checked, "rows": {{}}}}
    for name, call, exc, pattern in t.CATALOGUE:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                call()
            got = None
        except BaseException as e:
            got = type(e).__name__
        out["rows"][name] = got
    # and the good paths still run, bounds-checked, on odd shapes (batch remainders, width 1)
    import loopnet as ln
    for sizes, bs in (([3, 1, 1], 4), ([1, 5, 2, 3], 3), ([4, 7], 1)):
        net = ln.Network(sizes, output_activation="softmax" if sizes[-1] > 1 else "sigmoid", seed=0)
        Xb = np.random.default_rng(0).random((9, sizes[0]))
        Yb = np.eye(sizes[-1])[np.arange(9) % sizes[-1]] if sizes[-1] > 1 else np.ones((9, 1))
        net.fit(Xb, Yb, epochs=2, batch_size=bs, lr=0.5)
        net.gradients(Xb, Yb); net.forward(Xb); net.evaluate(Xb, Yb)
        net.fit(Xb, Yb, epochs=1, batch_size=bs, optimizer="adam", lr=0.01, l2=0.1, validation_data=(Xb, Yb))
    print(json.dumps(out))
""")


def boundscheck_cache_dir():
    """A numba cache for bounds-checked code only, named by a hash of loopnet's source.

    Its own directory because numba's cache index does not record the boundscheck flag: a cache
    filled by a normal run would hand back unchecked machine code. Named by the source hash because
    numba checks only the timestamp of a kernel's own file, not of the kernels it calls. Compiling
    every kernel with bounds checks costs ~35 s of CPU once; later runs load it."""
    digest = hashlib.sha256()
    pkg = os.path.join(ROOT, "loopnet")
    for folder, _, files in sorted(os.walk(pkg)):
        for name in sorted(f for f in files if f.endswith(".py")):
            with open(os.path.join(folder, name), "rb") as f:
                digest.update(name.encode() + f.read())
    return os.path.join(tempfile.gettempdir(), f"loopnet-boundscheck-{digest.hexdigest()[:16]}")


@pytest.mark.slow
def test_catalogue_under_bounds_checked_kernels(tmp_path):
    """Every row raises the same exception with LOOPNET_BOUNDSCHECK=1 (never IndexError, never a crash),
    and training, gradients and evaluation on odd shapes run bounds-checked without an IndexError."""
    env = dict(os.environ, LOOPNET_BOUNDSCHECK="1", NUMBA_CACHE_DIR=boundscheck_cache_dir(),
               PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    script = tmp_path / "boundscheck_run.py"  # a file: numba caches only functions defined in files
    script.write_text(BOUNDSCHECK_SCRIPT.format(tests=os.path.join(ROOT, "tests")))
    proc = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"exit {proc.returncode} (negative = killed by a signal)\n{proc.stderr[-3000:]}"
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["checked"], "the debug mode did not turn on numba's bounds checks"
    expected = {name: exc.__name__ for name, _, exc, _ in CATALOGUE}
    assert out["rows"] == expected


def test_every_layout_of_inputs_reaches_the_kernels_as_one_plain_array(tmp_path):
    """Inputs that are already C-contiguous, writeable, native float64 ndarrays go straight to the kernels;
    every other layout (a subclass, Fortran order, a strided view, read-only, byte-swapped, another dtype,
    a memory map) is copied into that one layout first, and all give the same outputs."""
    from loopnet import validation
    n = net()
    base = np.ascontiguousarray(X)
    mm = np.lib.format.open_memmap(str(tmp_path / "x.npy"), mode="w+", dtype=np.float64, shape=X.shape)
    mm[:] = X
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)     # numpy's note on the matrix subclass
        matrix = np.asmatrix(X)
    layouts = {"plain": base, "matrix": matrix, "fortran": np.asfortranarray(X),
               "strided": np.repeat(X, 2, axis=0)[::2], "read-only": ro_array(X), "swapped": X.astype(">f8"),
               "float32": X.astype(np.float32), "memmap": mm, "list": X.tolist()}
    want = n.forward(base)
    for name, arr in layouts.items():
        got, single = validation.as_inputs(arr, 3, np.dtype(np.float64))
        assert type(got) is np.ndarray and got.flags.c_contiguous and got.flags.writeable, name
        assert got.dtype == np.float64 and got.dtype.isnative and not single, name
        assert (got is arr) == (name == "plain"), name
        tol = 1e-6 if name == "float32" else 0
        np.testing.assert_allclose(n.forward(arr), want, rtol=tol, atol=tol, err_msg=name)
