"""Property-based tests: for random networks and data, the three backends agree, the gradients
agree with finite differences, and fit is a deterministic function of its seed.

Every example draws an architecture (1–5 weight layers, widths 1–64), a hidden activation, an
output activation and a loss that are valid together, a batch of 1–200 examples, float64 or
float32, with or without biases. Profiles live in conftest.py (``LOOPNET_HYPOTHESIS_PROFILE``).

Tolerances, per dtype (a difference is measured against the largest magnitude of the reference
array, so an entry that is itself the result of cancellation is not held to a relative bound it
cannot meet):

* float64: 1e-9. The loops and the matrix products sum the same terms in different orders;
  each sum has at most 200 (batch) or 64 (width) terms, so the reordering error is at most about
  200 · 2.2e-16 ≈ 4e-14 of the sum of magnitudes per layer, amplified by at most a few units per
  layer over 5 layers for these scaled initialisations; 1e-9 leaves 4 orders of margin and still
  catches any indexing or formula mistake (those are O(1)).
* float32: 2e-3. The same bound with ε = 1.2e-7 is ≈ 2.4e-5 per layer; the numpy twin also
  accumulates the loss in float64 while the kernels compute (a − y)² in float32, and a sigmoid saturating in float32 loses relative precision in
  1 − a. 2e-3 is still 500× below an O(1) mistake.
* python (the kernels uncompiled) against loops: the same code in the same order; differences
  come only from numba's ``fastmath={"reassoc", "contract"}`` (fused multiply-adds, reordered
  sums), so the float64 tolerance above applies. It runs on small cases only (it is slow).

ReLU is continuous, so a, z and L agree even when a z sits on the kink; its derivative is not,
so float32 gradients are compared only for smooth activations (in float32 a z within ~1e-7 of 0
can round to different signs in the two backends and flip σ'(z)).
"""
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import loopnet as ln
from loopnet import twin

HIDDEN = ["sigmoid", "tanh", "relu", "identity"]
OUTPUTS = ["sigmoid", "tanh", "relu", "identity", "softmax"]
SQUARED = ["mse", "quadratic", "sse"]
TOL = {np.dtype(np.float64): 1e-9, np.dtype(np.float32): 2e-3}
PYTHON_WORK = 6000  # N · n_params at most, for the slow uncompiled backend


def share(fraction):
    """A fraction of the profile's example budget, for the costlier properties (see conftest.py)."""
    return settings(max_examples=max(5, int(settings.default.max_examples * fraction)))


@st.composite
def configs(draw, max_layers=5, max_width=64, min_n=1, max_n=200, dtypes=("float64", "float32")):
    n_layers = draw(st.integers(1, max_layers))
    sizes = draw(st.lists(st.integers(1, max_width), min_size=n_layers + 1, max_size=n_layers + 1))
    hidden = draw(st.sampled_from(HIDDEN))
    if sizes[-1] < 2:
        output = draw(st.sampled_from([o for o in OUTPUTS if o != "softmax"]))
    else:
        output = draw(st.sampled_from(OUTPUTS))
    losses = SQUARED + (["cross_entropy"] if output in ("sigmoid", "softmax") else [])
    loss = draw(st.sampled_from(losses))
    return dict(sizes=sizes, activation=hidden, output_activation=output, loss=loss,
                bias=draw(st.booleans()), dtype=draw(st.sampled_from(dtypes)),
                seed=draw(st.integers(0, 2**32 - 1)), n=draw(st.integers(min_n, max_n)))


def make(cfg, backend="loops"):
    return ln.Network(cfg["sizes"], activation=cfg["activation"], output_activation=cfg["output_activation"],
                      loss=cfg["loss"], bias=cfg["bias"], dtype=cfg["dtype"], seed=cfg["seed"], backend=backend)


def data(cfg):
    rng = np.random.default_rng(cfg["seed"] + 1)
    n, n_in, n_out = cfg["n"], cfg["sizes"][0], cfg["sizes"][-1]
    X = rng.standard_normal((n, n_in))
    if cfg["loss"] == "cross_entropy" and cfg["output_activation"] == "softmax":
        Y = np.eye(n_out)[rng.integers(0, n_out, n)]          # one-hot rows
    elif cfg["loss"] == "cross_entropy":
        Y = rng.uniform(0, 1, (n, n_out))                     # probabilities
    else:
        Y = rng.standard_normal((n, n_out))
    return X.astype(cfg["dtype"]), Y.astype(cfg["dtype"])


def close(got, ref, tol, what):
    got = np.asarray(got, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    assert np.all(np.isfinite(got)) and np.all(np.isfinite(ref)), what
    scale = max(1.0, float(np.max(np.abs(ref))) if ref.size else 1.0)
    err = float(np.max(np.abs(got - ref))) if ref.size else 0.0
    assert err <= tol * scale, f"{what}: max |difference| {err:.3g} > {tol:g} · {scale:.3g}"


def smooth(cfg):
    return "relu" not in (cfg["activation"], cfg["output_activation"])


@given(configs())
def test_loops_numpy_python_agree(cfg):
    X, Y = data(cfg)
    tol = TOL[np.dtype(cfg["dtype"])]
    nets = {b: make(cfg, b) for b in ("loops", "numpy")}
    if cfg["n"] * nets["loops"].n_params <= PYTHON_WORK:
        nets["python"] = make(cfg, "python")
    ref = nets["numpy"]
    a_ref, g_ref, l_ref = ref.forward(X), ref.gradients(X, Y), ref.loss(X, Y)
    assert a_ref.shape == (cfg["n"], cfg["sizes"][-1]) and a_ref.dtype == np.dtype(cfg["dtype"])
    for name, net in nets.items():
        a = net.forward(X)
        assert a.dtype == np.dtype(cfg["dtype"]) and a.shape == a_ref.shape
        close(a, a_ref, tol, f"{name} forward")
        close(net.loss(X, Y), l_ref, tol, f"{name} loss")
        g = net.gradients(X, Y)
        close(g.loss, l_ref, tol, f"{name} gradients().loss")
        assert g.flat.dtype == np.dtype(cfg["dtype"]) and g.flat.shape == (net.n_params,)
        if cfg["dtype"] == "float64" or smooth(cfg):
            close(g.flat, g_ref.flat, tol, f"{name} gradient")
    if "python" in nets:  # same source, compiled or not: only fastmath reordering between them
        close(nets["python"].gradients(X, Y).flat, nets["loops"].gradients(X, Y).flat,
              TOL[np.dtype(np.float64)] if cfg["dtype"] == "float64" else TOL[np.dtype(np.float32)],
              "python vs loops gradient")


def min_abs_z(net, X, kinked):
    """Smallest |z| over the layers whose activation is relu (∞ if none)."""
    zs, _ = twin.feedforward(net.params.astype(np.float64), np.asarray(X, np.float64), net._spec.sizes,
                             net._spec.acts, net.has_bias)
    out = np.inf
    for l in range(1, len(zs)):
        if kinked[l - 1]:
            out = min(out, float(np.min(np.abs(zs[l]))))
    return out


@share(0.75)
@given(configs(max_layers=3, max_width=6, max_n=12, dtypes=("float64",)))
def test_gradients_match_central_differences(cfg):
    """ln.gradcheck < 1e-6 in float64, away from ReLU kinks: the fourth-order difference moves z by
    at most 2h·Σ|a_prev| with h = 1e-4·max(1, |θ_i|), so we need |z| well above that."""
    X, Y = data(cfg)
    net = make(cfg)
    L = len(cfg["sizes"]) - 1
    kinked = [cfg["activation"] == "relu"] * (L - 1) + [cfg["output_activation"] == "relu"]
    if any(kinked):
        assume(min_abs_z(net, X, kinked) > 0.05)
    err = ln.gradcheck(net, X, Y)
    assert err < 1e-6, f"gradcheck {err:.3g} for {cfg}"


@share(0.5)
@given(configs(max_layers=3, max_width=16, max_n=60), st.integers(1, 60), st.sampled_from(["sgd", "adam"]),
       st.integers(0, 2**31 - 1))
def test_fit_is_deterministic_per_seed(cfg, batch_size, optimizer, seed):
    X, Y = data(cfg)
    batch_size = min(batch_size, cfg["n"])
    lr = 0.01 if optimizer == "adam" else 0.05
    runs = []
    for _ in range(2):
        net = make(cfg)
        try:
            hist = net.fit(X, Y, epochs=3, lr=lr, batch_size=batch_size, seed=seed, optimizer=optimizer)
        except ln.TrainingDiverged as exc:  # deep identity nets can diverge: then identically
            hist = exc.history
        runs.append((net.params.copy(), list(hist.loss)))
    assert np.array_equal(runs[0][0], runs[1][0]), "same seed, different weights"
    assert runs[0][1] == runs[1][1], "same seed, different loss history"
    assert np.all(np.isfinite(runs[0][0])) and all(np.isfinite(runs[0][1]))
    # the numpy twin trains to the same weights (float64: every step within reordering error)
    if cfg["dtype"] == "float64" and len(runs[0][1]) == 3:
        twin_net = make(cfg, "numpy")
        twin_net.fit(X, Y, epochs=3, lr=lr, batch_size=batch_size, seed=seed, optimizer=optimizer)
        close(runs[0][0], twin_net.params, 1e-7, "loops vs numpy weights after fit")


@share(0.5)
@given(configs(max_layers=2, max_width=8, min_n=4, max_n=40).filter(smooth))
def test_fit_seed_changes_the_order(cfg):
    """A different shuffle seed gives a different run (so the seed is really used), when there is
    more than one mini-batch and the gradients are not all zero."""
    X, Y = data(cfg)
    a, b = make(cfg), make(cfg)
    try:
        a.fit(X, Y, epochs=1, lr=0.01, batch_size=1, seed=1)
        b.fit(X, Y, epochs=1, lr=0.01, batch_size=1, seed=2)
    except ln.TrainingDiverged:
        assume(False)
    assert not np.array_equal(a.params, b.params)
