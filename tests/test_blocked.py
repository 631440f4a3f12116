"""The speed layer reproduces the derivation: every blocked kernel equals the component kernel it names.

kernels/blocked.py tiles each sum 4 × 4 (examples × neurons); the ragged edges are where a blocked
kernel can go wrong, so the shapes below cover every remainder of 4 on every axis (the batch N,
n_l and n_{l−1}), serial and parallel, float64 and float32; then whole networks on the ``loops``
backend (which runs the blocked kernels above their thresholds) equal the ``plain`` backend (the
component kernels as written) and the NumPy twin, with and without biases, across the blocking and
the parallel thresholds; and the ``python`` backend never executes a line of blocked.py.
"""
import itertools
import sys

import numpy as np
import pytest

import loopnet as ln
from loopnet.jit import PARALLEL_WORK, jit_disabled
from loopnet.activations import ACTIVATIONS
from loopnet.kernels import backward, blocked, forward, speedups

# every remainder mod 4 on each axis: 1..4 and 5..8 cover 1, 2, 3, 0 twice (one full tile + a ragged one)
AXIS = [1, 2, 3, 4, 5, 6, 7, 8]
SHAPES = [(N, n_l, n_prev) for N, n_l, n_prev in itertools.product(AXIS, AXIS, AXIS)
          if (N + n_l + n_prev) % 3 == 0 or 1 in (N, n_l, n_prev)] + [(13, 17, 19), (64, 30, 10), (9, 4, 1)]
TOL = {"float64": dict(rtol=1e-12, atol=1e-13), "float32": dict(rtol=2e-5, atol=2e-6)}


def arrays(rng, dtype, *shapes):
    return [np.ascontiguousarray(rng.standard_normal(s), dtype=dtype) for s in shapes]


def remainders_covered():
    seen = {axis: {s[axis] % 4 for s in SHAPES} for axis in range(3)}
    return all(v == {0, 1, 2, 3} for v in seen.values())


def test_shapes_cover_every_remainder_on_every_axis():
    assert remainders_covered()
    # and each pair of remainders (a ragged batch tile with a ragged neuron tile, ...)
    for a, b in itertools.combinations(range(3), 2):
        assert {(s[a] % 4, s[b] % 4) for s in SHAPES} == set(itertools.product(range(4), repeat=2))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("parallel", [False, True])
@pytest.mark.parametrize("tile", sorted(blocked.FORWARD_TILES))
def test_weighted_input_blocked_equals_component(dtype, parallel, tile):
    """Every forward tile of the per-ISA table (2 × 4, 4 × 4), whichever this machine picks."""
    fn = blocked.FORWARD_TILES[tile][1 if parallel else 0]
    rng = np.random.default_rng(0)
    for N, n_l, n_prev in SHAPES:
        W, b, a_prev = arrays(rng, dtype, (n_l, n_prev), (n_l,), (N, n_prev))
        z_ref, z = np.full((N, n_l), np.nan, dtype), np.full((N, n_l), np.nan, dtype)
        forward.weighted_input(z_ref, W, b, a_prev)
        fn(z, W, b, a_prev)
        np.testing.assert_allclose(z, z_ref, **TOL[dtype], err_msg=f"shape N={N}, n_l={n_l}, n_l-1={n_prev}")


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("parallel", [False, True])
@pytest.mark.parametrize("act", ["sigmoid", "tanh", "relu", "identity"])
def test_hidden_error_blocked_equals_component(dtype, parallel, act):
    fn = blocked.hidden_error_blocked_parallel if parallel else blocked.hidden_error_blocked
    code = ACTIVATIONS[act].code
    rng = np.random.default_rng(1)
    for N, n_l, n_next in SHAPES:              # here the third axis is n_{l+1}
        W_next, delta_next, z = arrays(rng, dtype, (n_next, n_l), (N, n_next), (N, n_l))
        a = np.ascontiguousarray(ACTIVATIONS[act].numpy_forward(z), dtype=dtype)
        ref, out = np.full((N, n_l), np.nan, dtype), np.full((N, n_l), np.nan, dtype)
        backward.hidden_error(ref, W_next, delta_next, z, a, code)
        fn(out, W_next, delta_next, z, a, code)
        np.testing.assert_allclose(out, ref, **TOL[dtype], err_msg=f"shape N={N}, n_l={n_l}, n_l+1={n_next}")


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("parallel", [False, True])
def test_weight_gradient_blocked_equals_component(dtype, parallel):
    fn = blocked.weight_gradient_blocked_parallel if parallel else blocked.weight_gradient_blocked
    rng = np.random.default_rng(2)
    for N, n_l, n_prev in SHAPES:
        delta, a_prev = arrays(rng, dtype, (N, n_l), (N, n_prev))
        ref, out = np.full((n_l, n_prev), np.nan, dtype), np.full((n_l, n_prev), np.nan, dtype)
        backward.weight_gradient(ref, delta, a_prev)
        fn(out, delta, a_prev)
        np.testing.assert_allclose(out, ref, **TOL[dtype], err_msg=f"shape N={N}, n_l={n_l}, n_l-1={n_prev}")


def test_fast_kernels_pick_every_version_and_agree():
    """The dispatchers of the loops backend give the component kernel's numbers below, between and above
    both thresholds (component, blocked, parallel)."""
    rng = np.random.default_rng(3)
    big = int(np.ceil(np.sqrt(PARALLEL_WORK / 64))) + 1        # 64 · big · big ≥ PARALLEL_WORK
    for N, n_l, n_prev in [(3, 2, 2), (1, 40, 40), (8, 30, 20), (64, big, big)]:
        W, b, a_prev = arrays(rng, "float64", (n_l, n_prev), (n_l,), (N, n_prev))
        z_ref, z = np.empty((N, n_l)), np.empty((N, n_l))
        forward.weighted_input(z_ref, W, b, a_prev)
        blocked.weighted_input_fast(z, W, b, a_prev)
        np.testing.assert_allclose(z, z_ref, **TOL["float64"])
        delta, dW, dW_ref = arrays(rng, "float64", (N, n_l), (n_l, n_prev), (n_l, n_prev))
        backward.weight_gradient(dW_ref, delta, a_prev)
        blocked.weight_gradient_fast(dW, delta, a_prev)
        np.testing.assert_allclose(dW, dW_ref, **TOL["float64"])
        zl = rng.standard_normal((N, n_prev))
        al = 1 / (1 + np.exp(-zl))
        d_ref, d = np.empty((N, n_prev)), np.empty((N, n_prev))
        backward.hidden_error(d_ref, W, delta, zl, al, ACTIVATIONS["sigmoid"].code)
        blocked.hidden_error_fast(d, W, delta, zl, al, ACTIVATIONS["sigmoid"].code)
        np.testing.assert_allclose(d, d_ref, **TOL["float64"])


def test_every_target_has_a_forward_tile_and_the_tile_reproduces_the_component():
    for key, tile in blocked.FORWARD_TILE_BY_TARGET.items():
        serial, parallel = blocked.FORWARD_TILES[tile]
        assert "Reproduces :func:`loopnet.kernels.forward.weighted_input`" in serial.__doc__
    assert blocked.weighted_input_tiled is blocked.FORWARD_TILES[blocked.FORWARD_TILE][0]
    # runs without parallel copies never compile them: SERIAL swaps this machine's tile (the one the tree calls;
    # a swap of the other would match nothing, which the tree builder refuses)
    assert speedups.SERIAL.get(blocked.weighted_input_tiled_parallel) is blocked.weighted_input_tiled


def test_speedups_table_names_the_component_kernel_each_reproduces():
    for component, fast in speedups.SPEEDUPS.items():
        if component.__name__ == "activate_layer":
            continue                          # vexp's, tests/test_vexp.py
        name = component.__name__
        assert name in getattr(fast, "py_func", fast).__code__.co_names        # the dispatcher falls back to it
        blocked_kernel = getattr(blocked, f"{name}_blocked")
        assert f"Reproduces :func:`loopnet.kernels.{component.__module__.split('.')[-1]}.{name}`" in blocked_kernel.__doc__
        assert f"loopnet.kernels.blocked.{name}_blocked" in component.__doc__


NETS = [
    # (sizes, batch): gates and tiny nets (component kernels only), digits-sized (blocked), and one whose
    # first layer crosses PARALLEL_WORK (64 · 256 · 256 ≥ 4e6: the parallel kernels)
    ([2, 2, 1], 4), ([4, 5, 3, 2], 7), ([64, 30, 10], 10), ([37, 13, 6, 3], 11), ([256, 256, 9], 64),
]


@pytest.mark.parametrize("sizes,N", NETS)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_loops_backend_equals_plain_and_twin(sizes, N, bias, dtype):
    if jit_disabled() and N * sizes[0] * sizes[1] >= PARALLEL_WORK:
        pytest.skip("uncompiled, a 4e6 multiply-add layer takes ~20 s; test_fast_kernels_* covers that branch")
    rng = np.random.default_rng(len(sizes) + N)
    X = rng.random((N, sizes[0]))
    Y = rng.random((N, sizes[-1]))
    nets = {b: ln.Network(sizes, bias=bias, dtype=dtype, backend=b, seed=5) for b in ("loops", "plain", "numpy")}
    g = {b: net.gradients(X, Y) for b, net in nets.items()}
    f = {b: net.forward(X) for b, net in nets.items()}
    tol = TOL[dtype] if dtype == "float32" else dict(rtol=1e-11, atol=1e-13)
    for b in ("loops", "plain"):
        np.testing.assert_allclose(f[b], f["numpy"], **tol)
        np.testing.assert_allclose(g[b].flat, g["numpy"].flat, **tol)
    # one epoch of mini-batch training: loops (blocked) == plain (component)
    for net in (nets["loops"], nets["plain"]):
        net.fit(X, Y, epochs=2, lr=0.5, batch_size=max(1, N // 2), seed=1)
    np.testing.assert_allclose(nets["loops"].params, nets["plain"].params, **tol)


@pytest.mark.parametrize("sizes,N", [([3, 2, 1], 1), ([2, 2, 1], 4), ([4, 5, 3, 2], 7)])
def test_python_backend_executes_no_line_of_a_blocked_kernel(sizes, N):
    """The 3-2-1 post's single example, the OR gate's batch of 4, a 4-5-3-2 net with a batch of 7."""
    rng = np.random.default_rng(0)
    X, Y = rng.random((N, sizes[0])), rng.random((N, sizes[-1]))
    net = ln.Network(sizes, backend="python")
    files = set()

    def tracer(frame, event, arg):
        files.add(frame.f_code.co_filename)
        return None

    sys.settrace(tracer)
    try:
        net.gradients(X, Y)
        net.forward(X)
        net.fit(X, Y, epochs=1, batch_size=N, lr=0.1)
    finally:
        sys.settrace(None)
    assert any(f.endswith("backward.py") for f in files)      # the tracer saw the kernels run
    assert not any(f == blocked.__file__ or f.endswith("blocked.py") for f in files)


# ---- inference over a data set: predict_rows reproduces forward.predict ------------------------------
ROWS_NETS = [([5, 7, 3], "sigmoid", "sigmoid"), ([6, 9, 4, 3], "tanh", "softmax"), ([3, 5, 2], "relu", "identity")]


def _network_arrays(sizes, hidden, output, bias, dtype, seed):
    net = ln.Network(sizes, activation=hidden, output_activation=output, bias=bias, dtype=dtype, seed=seed)
    return net._theta, net._spec


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("parallel", [False, True])
@pytest.mark.parametrize("tile", sorted(blocked.FORWARD_TILES))
def test_predict_rows_equals_component_predict(dtype, parallel, tile):
    """Every remainder of the row block (rows = 1, 4, 5 and 8; N = 1 .. 2·rows + 3), 1–3 runs, each forward tile
    forced in turn, hidden and output activations including softmax, with and without biases:
    predict_rows gives forward.predict's numbers (the component kernels z = Wa + b and a = σ(z))."""
    fn = blocked.predict_rows_parallel if parallel else blocked.predict_rows
    serial, par = blocked.FORWARD_TILES[tile]
    fn = jit_variant(fn, {blocked.weighted_input_tiled: serial}, f"tile{tile}")
    rng = np.random.default_rng(7)
    for (sizes, hidden, output), bias in itertools.product(ROWS_NETS, (True, False)):
        theta, spec = _network_arrays(sizes, hidden, output, bias, dtype, seed=len(sizes))
        for rows in (1, 4, 5, 8):
            for N in range(1, 2 * rows + 4):
                X = np.ascontiguousarray(rng.standard_normal((N, sizes[0])), dtype=dtype)
                ref = np.full((N, sizes[-1]), np.nan, dtype)
                forward.predict(ref, theta, X, spec.sizes, spec.acts, spec.has_bias, min(3, N))
                for runs in (1, 2, 3):
                    out = np.full((N, sizes[-1]), np.nan, dtype)
                    fn(out, theta, X, spec.sizes, spec.acts, spec.has_bias, rows, min(runs, -(-N // rows)))
                    np.testing.assert_allclose(out, ref, **TOL[dtype],
                                               err_msg=f"{sizes} {hidden}/{output} bias={bias} rows={rows} N={N} runs={runs}")


def jit_variant(fn, swaps, suffix):
    from loopnet.jit import variant
    return variant(fn, swaps, suffix)


@pytest.mark.parametrize("sizes", [[2, 2, 1], [64, 30, 10], [784, 30, 10], [784, 256, 256, 10], [1, 4_000_000, 1]])
@pytest.mark.parametrize("itemsize", [4, 8])
@pytest.mark.parametrize("threads", [1, 2, 16])
def test_predict_plan_rows_and_runs(sizes, itemsize, threads):
    """predict_plan's rules hold for every data-set size: a block has at least one row and at most N (and at most
    predict_block's), whole blocks of 4 where there is room, the runs' buffers within PREDICT_BUFFER_BYTES, one
    run below PREDICT_PARALLEL_WORK, never more runs than blocks or 4 per thread."""
    per_row = sum(a * b for a, b in zip(sizes, sizes[1:]))
    row_bytes = 2 * itemsize * sum(sizes)
    for N in (1, 3, 4, 7, 20, 47, 300, 1797, 10_000, 60_000):
        rows, runs = blocked.predict_plan(sizes, itemsize, N, threads)
        assert 1 <= rows <= min(N, blocked.predict_block(sizes, itemsize)), (N, rows)
        assert rows % 4 == 0 or rows == N or rows * row_bytes * 2 > blocked.PREDICT_BUFFER_BYTES, (N, rows)
        assert runs * rows * row_bytes <= max(blocked.PREDICT_BUFFER_BYTES, rows * row_bytes)
        assert 1 <= runs <= min(-(-N // rows), 4 * threads)
        if N * per_row < blocked.PREDICT_PARALLEL_WORK:
            assert runs == 1
    assert blocked.predict_plan([64, 30, 10], 8, 1797, 2, l2_bytes=512 * 1024) == (112, 8)   # the docstring's example
    assert blocked.predict_plan([1, 4_000_000, 1], 8, 1, 2) == (1, 1)     # one example through a very wide layer


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_loops_forward_on_small_data_sets_equals_plain_and_twin(dtype):
    """From one example to a few hundred, the loops backend's forward (predict_rows over predict_plan's blocks,
    on one core or all) gives the component kernels' and the twin's numbers."""
    sizes = [64, 30, 10]
    rng = np.random.default_rng(9)
    nets = {b: ln.Network(sizes, dtype=dtype, backend=b, seed=4) for b in ("loops", "plain", "numpy")}
    for N in (1, 2, 5, 16, 47, 48, 300):
        X = rng.random((N, sizes[0]))
        f = {b: net.forward(X) for b, net in nets.items()}
        np.testing.assert_allclose(f["loops"], f["plain"], **TOL[dtype], err_msg=f"N={N}")
        np.testing.assert_allclose(f["loops"], f["numpy"], **TOL[dtype], err_msg=f"N={N}")


def test_predict_block_fits_half_the_l2():
    # W6 in float64 with a 512 KiB L2: 256 KiB / (8 · (784 + 2·256)) = 25.3 → 24 rows (a multiple of 4)
    assert blocked.predict_block([784, 256, 256, 10], 8, 512 * 1024) == 24
    assert blocked.predict_block([2, 2, 1], 8, 512 * 1024) == 256          # capped
    assert blocked.predict_block([100000, 10], 8, 512 * 1024) == 8         # at least 8


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_loops_forward_over_a_data_set_equals_plain_and_twin(dtype):
    """2,100 rows of a digits-sized net: 2,100 · (64·30 + 30·10) ≥ PARALLEL_WORK, so the loops backend's
    forward runs predict_rows over row blocks."""
    sizes = [64, 30, 10]
    N = 2100
    assert N * (64 * 30 + 30 * 10) >= PARALLEL_WORK
    X = np.random.default_rng(8).random((N, sizes[0]))
    nets = {b: ln.Network(sizes, dtype=dtype, backend=b, seed=3, output_activation="softmax", loss="cross_entropy") for b in ("loops", "plain", "numpy")}
    f = {b: net.forward(X) for b, net in nets.items()}
    for b in ("loops", "plain"):
        np.testing.assert_allclose(f[b], f["numpy"], **TOL[dtype])
    np.testing.assert_allclose(f["loops"], f["plain"], **TOL[dtype])
