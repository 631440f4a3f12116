"""The micro-kernel reproduces z = W a + b: every tile shape of its per-ISA table, every remainder of MR, NR and KC.

kernels/microkernel.py writes the forward sum as explicit vector code (BLIS's broadcast form: MR examples ×
NR neurons per tile, the sum over k in stretches of KC). Its edges are where it can go wrong: the last
tile of examples (N mod MR), the zero-padded last panel of neurons (n_l mod NR) and the last stretch of
inputs (n_{l−1} mod KC). Each is covered here against the component kernel ``forward.weighted_input``,
in both dtypes; the same tests run uncompiled in CI's NUMBA_DISABLE_JIT leg, on the plain-loop twin.
"""
import itertools

import numpy as np
import pytest
from numba import njit

import loopnet as ln
from loopnet.jit import jit_disabled
from loopnet.kernels import blocked, forward, microkernel as mk

TOL = {"float64": dict(rtol=1e-12, atol=1e-13), "float32": dict(rtol=2e-5, atol=2e-6)}
MR = mk.MR


def nr(dtype):
    return mk.PANEL_BYTES // np.dtype(dtype).itemsize


def shapes(dtype):
    """(N, n_l, n_{l−1}) with every remainder of MR in N and of NR in n_l, and n_{l−1} around KC and 2·KC."""
    NR = nr(dtype)
    Ns = list(range(1, MR + 1)) + [2 * MR + 1]
    n_ls = sorted({1, NR - 1, NR, NR + 1, 2 * NR + 3} - {0})
    n_prevs = [1, 3, mk.KC - 1, mk.KC, mk.KC + 1, 2 * mk.KC + 5] if not jit_disabled() else [1, 3, mk.KC + 1]
    # every N with every n_l; the long n_{l−1} with a few of them (each costs N·n_l·n_{l−1})
    out = [(N, n_l, k) for N, n_l in itertools.product(Ns, n_ls) for k in n_prevs[:2]]
    out += [(N, n_l, k) for N, n_l in ((MR + 1, NR + 1), (MR, NR), (1, 2 * NR + 3)) for k in n_prevs[2:]]
    return out


def test_shapes_cover_every_remainder():
    for dtype in ("float64", "float32"):
        s = shapes(dtype)
        assert {N % MR for N, _, _ in s} == set(range(MR))
        assert {n_l % nr(dtype) for _, n_l, _ in s} >= {0, 1, nr(dtype) - 1}
        assert {k % mk.KC for _, _, k in s} >= {0, 1, mk.KC - 1} or jit_disabled()


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_pack_panels_lays_out_w_by_panel_then_k_then_neuron(dtype):
    rng = np.random.default_rng(1)
    NR = nr(dtype)
    W = rng.standard_normal((2 * NR + 3, 5)).astype(dtype)
    size = mk.panels_size(W.shape[0], W.shape[1], np.empty(0, dtype))
    assert size == 3 * NR * 5
    P = np.full(size + 4, np.nan, dtype)
    mk.pack_panels(P, 4, W)                     # at an offset: the first four numbers are left alone
    assert np.isnan(P[:4]).all()
    panels = P[4:].reshape(3, 5, NR)
    for p, k, j in itertools.product(range(3), range(5), range(NR)):
        row = p * NR + j
        assert panels[p, k, j] == (W[row, k] if row < W.shape[0] else 0)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_weighted_input_packed_equals_component(dtype):
    rng = np.random.default_rng(2)
    for N, n_l, n_prev in shapes(dtype):
        W = rng.standard_normal((n_l, n_prev)).astype(dtype)
        b = rng.standard_normal(n_l).astype(dtype)
        a_prev = rng.standard_normal((N, n_prev)).astype(dtype)
        P = np.empty(mk.panels_size(n_l, n_prev, b) + 3, dtype)
        mk.pack_panels(P, 3, W)
        zp = np.full(N * -(-n_l // nr(dtype)) * nr(dtype), np.nan, dtype)
        z_ref, z = np.full((N, n_l), np.nan, dtype), np.full((N, n_l), np.nan, dtype)
        forward.weighted_input(z_ref, W, b, a_prev)
        mk.weighted_input_packed(z, zp, P, 3, b, a_prev)
        # two orders of one sum of n_{l−1} + 1 terms differ by at most ~(n_{l−1} + 1)·u·Σ|terms| (u: unit roundoff)
        bound = (n_prev + 1) * np.finfo(dtype).eps * (np.abs(a_prev) @ np.abs(W).T + np.abs(b))
        assert np.all(np.abs(z - z_ref) <= bound), f"N={N}, n_l={n_l}, n_l-1={n_prev}"


def _tile_reference(m, C, c0, ldc, A, a0, lda, ka, P, p0, ldp, kc, first, NR):
    out = C.copy()
    for i, j in itertools.product(range(m), range(NR)):
        start = 0.0 if first else float(C[c0 + i * ldc + j])
        out[c0 + i * ldc + j] = start + sum(float(A[a0 + i * lda + k * ka]) * float(P[p0 + k * ldp + j]) for k in range(kc))
    return out


@pytest.mark.skipif(jit_disabled(), reason="the vector code exists only compiled")
@pytest.mark.parametrize("target", sorted(mk.TILE_BY_TARGET))
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_every_tile_shape_of_the_table_computes_its_sums(target, dtype):
    """Each row of the per-ISA table compiles here (LLVM splits wider vectors into this machine's registers) and
    computes the tile's sums for every m ≤ MR, from zero and from the partial sums, leaving the rest of C alone."""
    mr, panel_bytes = mk.TILE_BY_TARGET[target]
    tile = mk.tile_intrinsic(mr, panel_bytes)

    @njit
    def run(m, C, c0, ldc, A, a0, lda, ka, P, p0, ldp, kc, first):
        tile(m, C, c0, ldc, A, a0, lda, ka, P, p0, ldp, kc, first)

    NR = panel_bytes // np.dtype(dtype).itemsize
    rng = np.random.default_rng(3)
    kc, ldc = 7, NR + 2
    for (lda, ka, ldp), m, first in itertools.product(((kc, 1, NR), (1, mr + 1, NR + 3)), range(1, mr + 1), (True, False)):
        # row-major A with panels of P (the forward), and A read down its columns with P's rows strided (BP4)
        A = rng.standard_normal(2 + mr * lda + kc * ka).astype(dtype)
        P = rng.standard_normal(1 + kc * ldp).astype(dtype)
        C = rng.standard_normal(5 + mr * ldc).astype(dtype)
        expected = _tile_reference(m, C, 5, ldc, A, 2, lda, ka, P, 1, ldp, kc, first, NR)
        run(m, C, 5, ldc, A, 2, lda, ka, P, 1, ldp, kc, first)
        np.testing.assert_allclose(C, expected, **TOL[dtype], err_msg=f"m={m} first={first}")


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_gemm_tile_compiled_equals_its_plain_loops(dtype):
    """The machine's tile, compiled, against :func:`gemm_tile` run as the Python it is written in."""
    NR = nr(dtype)

    @njit
    def run(m, C, c0, ldc, A, a0, lda, ka, P, p0, ldp, kc, first):
        mk.gemm_tile(m, C, c0, ldc, A, a0, lda, ka, P, p0, ldp, kc, first)

    rng = np.random.default_rng(4)
    kc, lda, ldc = 11, 13, NR + 1
    A = rng.standard_normal(MR * lda).astype(dtype)
    P = rng.standard_normal(kc * NR).astype(dtype)
    for m, first in itertools.product(range(1, MR + 1), (True, False)):
        C0 = rng.standard_normal(MR * ldc).astype(dtype)
        C_plain, C_compiled = C0.copy(), C0.copy()
        mk.gemm_tile(m, C_plain, 0, ldc, A, 0, lda, 1, P, 0, NR, kc, first)
        run(m, C_compiled, 0, ldc, A, 0, lda, 1, P, 0, NR, kc, first)
        np.testing.assert_allclose(C_compiled, C_plain, **TOL[dtype], err_msg=f"m={m} first={first}")


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_pack_layers_packs_the_layers_worth_it(dtype):
    net = ln.Network([64, 30, 1], dtype=dtype, seed=0)
    theta, spec = net._theta, net._spec
    rows = 100
    P, offsets, widest = mk.pack_layers(theta, spec.sizes, spec.has_bias, rows)
    assert offsets[1] == 0 and offsets[2] == -1          # 100·30·64 ≥ PACKED_WORK > 100·1·30
    assert widest == -(-30 // nr(dtype)) * nr(dtype)
    W1 = net.weights[0]
    assert P.shape[0] == mk.panels_size(30, 64, theta)
    np.testing.assert_array_equal(P.reshape(-1, 64, nr(dtype))[0, :, :min(30, nr(dtype))], W1[:nr(dtype)].T)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_predict_rows_through_the_micro_kernel_equals_component_predict(dtype):
    """Whole nets whose layers pass PACKED_WORK, row blocks with every remainder of MR, 1–3 runs: predict_rows
    gives forward.predict's numbers."""
    rng = np.random.default_rng(5)
    for sizes, output in (([40, 2 * nr(dtype) + 1, 3], "softmax"), ([300, 20, 7], "sigmoid")):
        net = ln.Network(sizes, output_activation=output, dtype=dtype, seed=1)
        theta, spec = net._theta, net._spec
        for rows in (MR + 1, 4 * MR):
            assert mk.packs_layer(rows, sizes[1], sizes[0])
            for N in (1, rows - 1, 2 * rows + 3):
                X = rng.standard_normal((N, sizes[0])).astype(dtype)
                ref = np.full((N, sizes[-1]), np.nan, dtype)
                forward.predict(ref, theta, X, spec.sizes, spec.acts, spec.has_bias, min(3, N))
                for runs in (1, 2, 3):
                    out = np.full_like(ref, np.nan)
                    blocked.predict_rows(out, theta, X, spec.sizes, spec.acts, spec.has_bias, rows,
                                         min(runs, -(-N // rows)))
                    np.testing.assert_allclose(out, ref, **TOL[dtype], err_msg=f"{sizes} rows={rows} N={N} runs={runs}")
