"""Ensemble: loops == numpy == M separate Network fits, divergence per member, files, bad input."""
import os

import numpy as np
import pytest

import loopnet as ln
from loopnet import datasets
from loopnet.ensemble import MembersDiverged, block_lanes, draw_params
from loopnet.io import ModelFileError

XOR = datasets.logic_gate("xor")


def small_data(n=13, n_in=3, n_out=2, seed=0, classes=False):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, n_in))
    if classes:
        return X, np.eye(n_out)[rng.integers(0, n_out, n)]
    return X, rng.uniform(0.1, 0.9, (n, n_out))


def separate_fits(sizes, seeds, X, Y, net_kw, fit_kw, per_member=()):
    """θ (M, P) and loss curves (M, epochs) of one Network.fit per member."""
    thetas, curves = [], []
    for i, s in enumerate(seeds):
        net = ln.Network(sizes, seed=s, **net_kw)
        kw = {k: (v[i] if k in per_member else v) for k, v in fit_kw.items()}
        Xi, Yi = (X[i], Y[i]) if np.ndim(X) == 3 else (X, Y)
        hist = net.fit(Xi, Yi, **kw)
        thetas.append(net.params.copy())
        curves.append(hist.loss)
    return np.array(thetas), np.array(curves)


# (net kwargs, fit kwargs, names of fit kwargs given per member); 11 members: two blocks of 8, the last padded
CASES = {
    "sgd-full-batch": (dict(), dict(epochs=300, lr=3.0, batch_size=None, shuffle=False), ()),
    "shuffled-minibatches": (dict(), dict(epochs=150, lr=2.0, batch_size=4, shuffle=True, seed=3), ()),
    "momentum": (dict(activation="tanh", output_activation="sigmoid"),
                 dict(epochs=150, lr=0.2, batch_size=5, momentum=0.9, seed=1), ()),
    "adam": (dict(activation="relu", output_activation="identity", loss="mse"),
             dict(epochs=150, lr=0.01, batch_size=4, optimizer="adam"), ()),
    "l2": (dict(output_activation="softmax", loss="cross_entropy"),
           dict(epochs=150, lr=0.5, batch_size=6, l2=0.3), ()),
    "per-member-hyper": (dict(), dict(epochs=150, lr=np.linspace(0.5, 4.0, 11), momentum=np.linspace(0, 0.5, 11),
                                      l2=np.linspace(0, 1, 11), batch_size=4), ("lr", "momentum", "l2")),
    "per-member-shuffle-seeds": (dict(bias=False, loss="sse"), dict(epochs=100, lr=0.3, batch_size=3,
                                                                   seed=list(range(100, 111))), ("seed",)),
    "sigmoid-cross-entropy-xavier": (dict(loss="cross_entropy", init="xavier"),
                                     dict(epochs=150, lr=1.0, batch_size=5), ()),
}


def case_data(name):
    if name == "l2":
        return small_data(classes=True)
    return small_data()


@pytest.mark.parametrize("name", sorted(CASES))
def test_members_equal_separate_fits_and_twin(name):
    net_kw, fit_kw, per_member = CASES[name]
    X, Y = case_data(name)
    seeds = list(range(20, 31))
    want_theta, want_curves = separate_fits([3, 4, 2], seeds, X, Y, net_kw, fit_kw, per_member)
    results = {}
    for backend in ("loops", "numpy"):
        ens = ln.Ensemble([3, 4, 2], seeds=seeds, backend=backend, **net_kw)
        curves = ens.fit(X, Y, **fit_kw)
        assert curves.shape == (11, fit_kw["epochs"]) and not ens.diverged.any()
        np.testing.assert_allclose(ens.params, want_theta, rtol=0, atol=1e-10)
        np.testing.assert_allclose(curves, want_curves, rtol=1e-10, atol=1e-12)
        results[backend] = ens.params.copy()
    np.testing.assert_allclose(results["loops"], results["numpy"], rtol=0, atol=1e-10)


def test_loops_equal_numpy_to_1e12_and_python_backend():
    X, Y = small_data(classes=True)
    kw = dict(output_activation="softmax", loss="cross_entropy")
    fit = dict(epochs=5, lr=0.5, batch_size=4, momentum=0.5)
    out = {}
    for backend in ("loops", "numpy", "python"):
        ens = ln.Ensemble([3, 5, 2], seeds=range(3) if backend == "python" else range(9), backend=backend, **kw)
        ens.fit(X, Y, **fit)
        out[backend] = (ens.params[:3].copy(), ens.history[:3].copy(), ens.forward(X)[:3])
    for backend in ("numpy", "python"):
        for a, b in zip(out["loops"], out[backend]):
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


def test_xor_hundreds_of_epochs_equal_to_1e10():
    X, Y = XOR
    ens = ln.Ensemble([2, 2, 1], seeds=range(40))
    ens.fit(X, Y, epochs=1000, lr=3.0, batch_size=None, shuffle=False)
    want, _ = separate_fits([2, 2, 1], range(40), X, Y, {}, dict(epochs=1000, lr=3.0, batch_size=None, shuffle=False))
    np.testing.assert_allclose(ens.params, want, rtol=0, atol=1e-10)


def test_bootstrap_data_per_member():
    X, Y = small_data(n=12)
    rng = np.random.default_rng(5)
    idx = rng.integers(0, 12, (9, 12))
    Xb, Yb = X[idx], Y[idx]                     # (9, 12, 3), (9, 12, 2): one resample per member
    fit = dict(epochs=60, lr=1.0, batch_size=5, seed=2)
    want, want_curves = separate_fits([3, 4, 2], range(9), Xb, Yb, {}, fit)
    for backend in ("loops", "numpy"):
        ens = ln.Ensemble([3, 4, 2], seeds=range(9), backend=backend)
        ens.fit(Xb, Yb, **fit)
        np.testing.assert_allclose(ens.params, want, rtol=0, atol=1e-10)
        np.testing.assert_allclose(ens.history, want_curves, rtol=1e-10)
        np.testing.assert_allclose(ens.forward(Xb), np.array([ens[i].forward(Xb[i]) for i in range(9)]), atol=1e-14)


def test_float32_members_match_float32_fits():
    X, Y = XOR
    ens = ln.Ensemble([2, 3, 1], seeds=range(10), dtype="float32")
    ens.fit(X, Y, epochs=200, lr=3.0, batch_size=2, seed=4)
    want, _ = separate_fits([2, 3, 1], range(10), X, Y, dict(dtype="float32"), dict(epochs=200, lr=3.0, batch_size=2, seed=4))
    assert ens.params.dtype == np.float32
    np.testing.assert_allclose(ens.params, want, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("backend", ["loops", "numpy"])
def test_divergence_stops_only_that_member(backend):
    X, Y = small_data(n=10)
    lr = np.full(10, 0.05)
    lr[3] = lr[7] = 1e30                        # identity layers: these two members blow up
    kw = dict(activation="identity", loss="mse")
    ens = ln.Ensemble([3, 4, 2], seeds=range(10), backend=backend, **kw)
    with pytest.warns(MembersDiverged, match=r"2 of 10 members diverged.*members 3 \(epoch \d+, lr=1e\+30\), 7"):
        curves = ens.fit(X, Y, epochs=20, lr=lr, batch_size=5)
    assert ens.diverged.tolist() == [i in (3, 7) for i in range(10)]
    assert ens.diverged_epoch[0] == -1
    assert np.isnan(curves[3, ens.diverged_epoch[3]:]).all() and np.isfinite(curves[3, :ens.diverged_epoch[3]]).all()
    assert np.isfinite(curves[0]).all()
    for i in range(10):
        net = ln.Network([3, 4, 2], seed=i, **kw)
        if i in (3, 7):
            with pytest.raises(ln.TrainingDiverged) as exc:
                net.fit(X, Y, epochs=20, lr=lr[i], batch_size=5)
            assert ens.diverged_epoch[i] == exc.value.history.epochs      # the same epoch as the Network
            np.testing.assert_allclose(curves[i, :exc.value.history.epochs], exc.value.history.loss, rtol=1e-10)
        else:
            net.fit(X, Y, epochs=20, lr=lr[i], batch_size=5)
        np.testing.assert_allclose(ens.params[i], net.params, rtol=1e-12, atol=1e-12)   # diverged: the epoch's start
    ens.params[[3, 7]] = ens.params[0]             # weights of ~1e120 would diverge again: start them afresh
    ens.fit(X, Y, epochs=2, lr=0.01, batch_size=5)                                    # a new fit trains all again
    assert not ens.diverged.any()


def test_members_are_networks_and_init_matches():
    ens = ln.Ensemble([2, 3, 1], seeds=[5, 9, 2], init="he", bias=True)
    assert len(ens) == 3 and ens.params.shape == (3, ens.n_params) == (3, 13)
    for i, s in enumerate([5, 9, 2]):
        net = ln.Network([2, 3, 1], seed=s, init="he")
        np.testing.assert_array_equal(ens[i].params, net.params)
        np.testing.assert_array_equal(ens.params[i], draw_params([2, 3, 1], "he", s, True, np.float64))
        assert ens[i].seed == s
    member = ens[-1]
    member.params = np.zeros(13)                  # a copy: the ensemble does not change
    assert np.any(ens.params[2] != 0)
    assert [m.seed for m in ens] == [5, 9, 2]
    assert "3 members" in repr(ens)


def test_forward_loss_and_predict():
    X, Y = XOR
    ens = ln.Ensemble([2, 3, 1], seeds=range(12))
    ens.fit(X, Y, epochs=3000, lr=3.0, batch_size=None, shuffle=False)
    A = ens.forward(X)
    assert A.shape == (12, 4, 1)
    np.testing.assert_allclose(A[4], ens[4].forward(X), atol=1e-14)
    assert ens.forward(X[1]).shape == (12, 1)
    np.testing.assert_allclose(ens.loss(X, Y), [ens[i].loss(X, Y) for i in range(12)], rtol=1e-12)
    mean_pred = ens.predict(X)
    assert mean_pred.tolist() == ((A.mean(axis=0)[:, 0] >= 0.5).astype(int)).tolist()
    majority = ens.predict(X, vote="majority")
    assert majority.tolist() == (2 * (A[..., 0] >= 0.5).sum(axis=0) > 12).astype(int).tolist()
    # classes: mean probability vs majority of the members' argmax
    Xc, Yc = small_data(n=20, classes=True, n_out=3)
    clf = ln.Ensemble([3, 4, 3], seeds=range(5), output_activation="softmax", loss="cross_entropy")
    Ac = clf.forward(Xc)
    assert clf.predict(Xc).tolist() == Ac.mean(axis=0).argmax(axis=1).tolist()
    votes = np.stack([(Ac.argmax(axis=2) == c).sum(axis=0) for c in range(3)], axis=1)
    assert clf.predict(Xc, vote="majority").tolist() == votes.argmax(axis=1).tolist()
    reg = ln.Ensemble([3, 2, 2], seeds=range(4), output_activation="identity")
    np.testing.assert_allclose(reg.predict(Xc), reg.forward(Xc).mean(axis=0))
    with pytest.raises(ValueError, match="vote='majority' needs class outputs"):
        reg.predict(Xc, vote="majority")
    with pytest.raises(ValueError, match="vote='most' is not a known vote"):
        reg.predict(Xc, vote="most")


def test_save_load_round_trip_and_atomicity(tmp_path, monkeypatch):
    X, Y = XOR
    ens = ln.Ensemble([2, 2, 1], seeds=[3, 1, 4], dtype="float32", init="xavier")
    ens.fit(X, Y, epochs=10, lr=1.0, batch_size=2)
    path = tmp_path / "ens.npz"
    ens.save(path)
    back = ln.Ensemble.load(path)
    np.testing.assert_array_equal(back.params, ens.params)
    np.testing.assert_array_equal(back.history, ens.history)
    assert back.seeds == [3, 1, 4] and back.dtype == np.float32 and back.init == "xavier"
    np.testing.assert_array_equal(back.forward(X), ens.forward(X))
    # a failed save leaves the old file whole and no temporary file behind
    ens.params[...] = 0
    def boom(*a, **k):
        raise OSError("disk full")
    monkeypatch.setattr(np, "savez", boom)
    with pytest.raises(OSError, match="disk full"):
        ens.save(path)
    monkeypatch.undo()
    np.testing.assert_array_equal(ln.Ensemble.load(path).params, back.params)
    assert os.listdir(tmp_path) == ["ens.npz"]
    # each loader names the other when given the other's file
    net_path = tmp_path / "net.npz"
    ln.Network([2, 2, 1]).save(net_path)
    with pytest.raises(ModelFileError, match="single network: use loopnet.load"):
        ln.Ensemble.load(net_path)
    with pytest.raises(ModelFileError, match="it is an ensemble: use loopnet.Ensemble.load"):
        ln.load(path)
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(ModelFileError, match="not a loopnet model file"):
        ln.Ensemble.load(tmp_path / "bad.npz")
    with pytest.raises(FileNotFoundError):
        ln.Ensemble.load(tmp_path / "missing.npz")


BAD = [
    (dict(seeds=[1, 2, 1]), ValueError, r"seeds has the seed 1 twice \(members 0 and 2\).*allow_duplicates=True"),
    (dict(seeds=[1, 2.5]), TypeError, r"seeds\[1\] = 2.5 is not an integer"),
    (dict(seeds=5), TypeError, r"seeds must be a sequence of integer seeds, one per member \(e.g. range\(10\)\), got 5"),
    (dict(seeds=[]), ValueError, "seeds is empty"),
    (dict(seeds=[-1]), ValueError, r"seeds\[0\] = -1 is negative"),
    (dict(seeds=[0], activation="softsign"), ValueError, "activation='softsign' is not a known activation"),
    (dict(seeds=[0], backend="gpu"), ValueError, "backend='gpu' is not a known backend"),
]


@pytest.mark.parametrize("kwargs, exc, message", BAD)
def test_bad_construction(kwargs, exc, message):
    with pytest.raises(exc, match=message):
        ln.Ensemble([2, 2, 1], **kwargs)


def test_duplicate_seeds_allowed_for_sweeps():
    X, Y = XOR
    ens = ln.Ensemble([2, 2, 1], seeds=[7] * 3, allow_duplicates=True)
    np.testing.assert_array_equal(ens.params[0], ens.params[2])
    ens.fit(X, Y, epochs=50, lr=[0.5, 1.0, 2.0], batch_size=None)
    assert not np.array_equal(ens.params[0], ens.params[2])


FIT_BAD = [
    (dict(lr=[1.0, 2.0]), ValueError, r"lr has 2 values but the ensemble has M = 3 members"),
    (dict(lr=[1.0, -2.0, 1.0]), ValueError, r"lr\[1\] must be a finite number > 0, got -2.0"),
    (dict(momentum=[0.1, 1.0, 0.2]), ValueError, r"momentum\[1\] must be in \[0, 1\), got 1.0"),
    (dict(l2=[[1.0, 2.0, 3.0]]), ValueError, r"l2 must be one number or one number per member \(length M = 3\), got shape \(1, 3\)"),
    (dict(seed=[1, 2]), ValueError, r"seed has 2 values but the ensemble has M = 3 members"),
    (dict(seed=1.5), TypeError, r"seed must be one integer \(all members shuffle alike\) or one integer per member"),
    (dict(batch_size=0), ValueError, r"batch_size must be an integer ≥ 1 \(clipped to the number of examples N = 4\)"),
    (dict(epochs=-1), ValueError, r"epochs must be an integer ≥ 0, got -1"),
    (dict(optimizer="rmsprop"), ValueError, "optimizer='rmsprop' is not a known optimizer"),
]


@pytest.mark.parametrize("kwargs, exc, message", FIT_BAD)
def test_bad_fit_arguments(kwargs, exc, message):
    X, Y = XOR
    ens = ln.Ensemble([2, 2, 1], seeds=range(3))
    before = ens.params.copy()
    with pytest.raises(exc, match=message):
        ens.fit(X, Y, **{"epochs": 2, "batch_size": 2, **kwargs})
    np.testing.assert_array_equal(ens.params, before)


def test_bad_data():
    X, Y = XOR
    ens = ln.Ensemble([2, 2, 1], seeds=range(3))
    with pytest.raises(ValueError, match=r"X has shape \(2, 4, 2\): per-member data must have the number of members M = 3"):
        ens.fit(np.stack([X, X]), np.stack([Y, Y]))
    with pytest.raises(ValueError, match=r"Y has shape \(2, 4, 1\): per-member targets must have the number of members M = 3"):
        ens.fit(np.stack([X, X, X]), np.stack([Y, Y]))
    with pytest.raises(ValueError, match=r"give both for all members .* or both per member"):
        ens.fit(np.stack([X, X, X]), np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"X has shape \(4, 3\) but the network has n_0 = 2 inputs"):
        ens.fit(np.ones((4, 3)), Y)
    with pytest.raises(ValueError, match="X contains NaN"):
        ens.forward([[np.nan, 0.0]])
    with pytest.raises(IndexError, match=r"member 3 does not exist: the ensemble has M = 3 members \(0 … 2\)"):
        ens[3]
    with pytest.raises(TypeError, match="ensemble index must be an integer member number"):
        ens["a"]


def test_block_lanes_memory_and_threads():
    # tiny networks: wide blocks (hundreds of members share each per-batch call); big ones: narrow
    assert block_lanes(10_000, 9, 4, [2, 2, 1], threads=2) >= 256
    assert block_lanes(100, 2260, 10, [64, 30, 10], threads=2) == 32
    assert block_lanes(200, 9, 4, [2, 2, 1], threads=2) == 128         # every thread gets a block
    assert block_lanes(10_000, 9, 4, [2, 2, 1], threads=2) % 32 == 0


def test_xor_convergence_example_small(tmp_path):
    """examples/xor_convergence.py end to end in a small configuration (the full one: 6 × 10,000 nets)."""
    import importlib.util
    path = os.path.join(os.path.dirname(__file__), "..", "examples", "xor_convergence.py")
    spec = importlib.util.spec_from_file_location("xor_convergence", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    pytest.importorskip("matplotlib")
    final = example.main(["--members", "60", "--epochs", "400", "--plot", str(tmp_path / "xor.png")])
    assert sorted(final) == [(h, i) for h in (2, 3, 4) for i in ("scaled", "xavier")]
    assert all(v.shape == (60,) and np.all(v > 0) for v in final.values())
    # the member losses are those of separate networks trained the same way
    X, Y = XOR
    net = ln.Network([2, 3, 1], seed=7, init="xavier")
    net.fit(X, Y, epochs=400, lr=3.0, batch_size=None, shuffle=False)
    assert final[3, "xavier"][7] == pytest.approx(net.loss(X, Y), rel=1e-9)
    assert (tmp_path / "xor.png").stat().st_size > 10_000
    assert "| 2-2-1 |" in example.table(final)


def train_slice(lo, hi, X, Y, lrs):
    """Runs on a worker: members lo … hi−1, each with its own learning rate."""
    import loopnet
    ens = loopnet.Ensemble([2, 3, 1], seeds=range(lo, hi))
    ens.fit(X, Y, epochs=100, lr=lrs[lo:hi], batch_size=2, seed=1)
    return ens


def test_members_split_over_dask_workers_and_gathered_in_order():
    """docs/scaling.md: each worker trains a slice of the members; concatenate joins them in order."""
    distributed = pytest.importorskip("distributed")
    import pickle
    X, Y = XOR
    lrs = np.linspace(1.0, 4.0, 20)
    whole = train_slice(0, 20, X, Y, lrs)
    with distributed.Client(processes=False, n_workers=2, threads_per_worker=1, dashboard_address=None) as client:
        futures = [client.submit(train_slice, lo, lo + 5, X, Y, lrs, pure=False) for lo in range(0, 20, 5)]
        joined = ln.Ensemble.concatenate(client.gather(futures))
    np.testing.assert_array_equal(joined.params, whole.params)
    np.testing.assert_array_equal(joined.history, whole.history)
    assert joined.seeds == list(range(20)) and len(joined) == 20
    back = pickle.loads(pickle.dumps(joined))            # what a process-based worker sends back
    np.testing.assert_array_equal(back.params, joined.params)
    np.testing.assert_array_equal(back.forward(X), joined.forward(X))
    with pytest.raises(ValueError, match=r"parts\[1\] has sizes = \[2, 4, 1\] but parts\[0\] has \[2, 3, 1\]"):
        ln.Ensemble.concatenate([whole, ln.Ensemble([2, 4, 1], seeds=[0])])


@pytest.mark.parametrize("fit_kw, per_member", [
    (dict(epochs=6, lr=np.linspace(0.5, 3.0, 5), momentum=0.5, batch_size=12, seed=[3, 1, 4, 1, 5]), ("lr", "seed")),
    (dict(epochs=6, lr=0.01, optimizer="adam", l2=np.linspace(0, 2, 5), batch_size=12), ("l2",)),
])
def test_bigger_networks_train_member_after_member_bitwise(fit_kw, per_member):
    """n_params × batch_size ≥ BLOCK_WORK: each member runs the single-network kernel, so it is
    bitwise Network.fit; the members are spread over the cores."""
    from loopnet.ensemble import use_blocks
    X, Y = small_data(n=30, n_in=20, n_out=10, classes=True)
    ens = ln.Ensemble([20, 30, 10], seeds=range(5), output_activation="softmax", loss="cross_entropy")
    assert not use_blocks(ens.n_params, 12)
    ens.fit(X, Y, **fit_kw)
    want, curves = separate_fits([20, 30, 10], range(5), X, Y, dict(output_activation="softmax", loss="cross_entropy"),
                                 fit_kw, per_member)
    np.testing.assert_array_equal(ens.params, want)
    np.testing.assert_array_equal(ens.history, curves)
    twin = ln.Ensemble([20, 30, 10], seeds=range(5), output_activation="softmax", loss="cross_entropy", backend="numpy")
    twin.fit(X, Y, **fit_kw)
    np.testing.assert_allclose(twin.params, want, rtol=0, atol=1e-12)


def test_bigger_networks_divergence_per_member():
    X, Y = small_data(n=30, n_in=20, n_out=10)
    lr = np.array([0.01, 1e30, 0.01])
    ens = ln.Ensemble([20, 30, 10], seeds=range(3), activation="identity", loss="mse")
    with pytest.warns(MembersDiverged, match="1 of 3 members diverged"):
        ens.fit(X, Y, epochs=8, lr=lr, batch_size=12)
    assert ens.diverged.tolist() == [False, True, False]
    net = ln.Network([20, 30, 10], seed=1, activation="identity", loss="mse")
    with pytest.raises(ln.TrainingDiverged) as exc:
        net.fit(X, Y, epochs=8, lr=1e30, batch_size=12)
    assert ens.diverged_epoch[1] == exc.value.history.epochs
    np.testing.assert_array_equal(ens.params[1], net.params)
    assert np.isnan(ens.history[1, ens.diverged_epoch[1]:]).all()
