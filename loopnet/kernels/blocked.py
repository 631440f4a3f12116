"""The speed layer: register-blocked versions of the three sums, each reproducing a component kernel.

The component kernels in forward.py and backward.py are the reference: one loop per index of
their equation, in the equation's order. The three sums that carry almost all the work are
rewritten here so that each value loaded from memory is used several times (register
blocking, as in BLIS's micro-kernels): a tile of four examples × four neurons keeps sixteen
partial sums in registers, and each pass over the contiguous index loads eight numbers for
sixteen multiply-adds instead of two for one.

| blocked kernel | reproduces | how the sum is reordered |
|---|---|---|
| :func:`weighted_input_blocked` | ``forward.weighted_input`` z_nj = Σ_k w_jk a_nk + b_j | tiles of 4 n × 4 j; k innermost (AVX-512, NEON) |
| :func:`weighted_input_blocked_2x4` | ``forward.weighted_input`` | tiles of 2 n × 4 j; k innermost (AVX2, SSE: 16 vector registers) |
| :func:`hidden_error_blocked` | ``backward.hidden_error`` (BP2) δ_nj = (Σ_k w_kj δ'_nk) σ'(z_nj) | tiles of 4 n × 4 k; j innermost, the sum over k accumulated into δ_n· |
| :func:`weight_gradient_blocked` | ``backward.weight_gradient`` (BP4) ∂L/∂w_jk = Σ_n δ_nj a_nk | tiles of 4 j × 4 n; k innermost |

Each has a ``_parallel`` copy whose ``prange`` spreads independent tiles over the cores (each
tile writes its own outputs, in a fixed order: bitwise the serial result). The ``*_fast``
kernels choose by a layer's multiply-adds per batch, N·n_l·n_{l−1} (measured with
``python3 bench/blocking_threshold.py``, best of 5 in a compiled loop, on the 2-core AMD EPYC):

| sum | component kernel below | blocked from | parallel from | why |
|---|---|---|---|---|
| z = Wa + b | 4,096, or N < 4 | 4,096 with N ≥ 4 | PARALLEL_WORK (4e6) | a tile of 4 examples repeats a lone example 4 times (0.3–0.7× at N = 1); the plain loop already runs the contiguous k innermost, so below ~4e3 the tiles' edges cost more than they save (0.86× at 10×10×30, 1.3–2.9× from 7,680 up) |
| BP2, BP4 | 1,024 | 1,024 | PARALLEL_WORK (4e6) | their component loops sum over a strided index (k of W^{l+1}[k, j]; n of δ[n, j]): blocking is 2.5–50× faster from 1,200 up, and 0.4–0.9× on the gates' 2–3-neuron layers |

``speedups.SPEEDUPS`` is the table the ``loops`` backend applies to the kernel tree (see :func:`loopnet.jit.variant`); the ``python`` and ``plain``
backends run the component kernels as written. tests/test_blocked.py asserts every blocked kernel
equals its component kernel on every remainder of the block size.

Only the order of additions differs from the component kernels (and fastmath's ``reassoc`` lets
LLVM reorder those anyway), so results agree to rounding: ~1e-15 relative in float64.
"""
import functools

import numpy as np
from numba import prange

from ..jit import PARALLEL_WORK, kernel, parallel_kernel, target, zero_of
from ..activations import derivative
from .backward import hidden_error, weight_gradient
from .forward import weighted_input
from .layout import batch_buffers, batch_view, layer_params
from .microkernel import pack_layers, weighted_input_packed
from .vexp import activate_layer_vexp


@kernel
def weighted_input_blocked(z, W, b, a_prev):
    """Reproduces :func:`loopnet.kernels.forward.weighted_input`: z^l_nj = Σ_k w^l_jk a^{l−1}_nk + b^l_j.

    z (N, n_l); W (n_l, n_{l−1}); b (n_l,); a_prev (N, n_{l−1}).
    Reordered: a tile of four examples n × four neurons j, then the contiguous k. Each pass over k
    loads four rows of a^{l−1} and four rows of W and does sixteen multiply-adds with them. The
    tiles of neurons are the outer (and the parallel) loop: their four rows of W stay in cache
    while the batch's rows of a^{l−1} pass them (W of a 784-256 layer, 1.6 MB in float64, is larger
    than a core's L2; with the examples outer it was read again from L3 for every tile of four
    examples, and W6's epoch took 14% longer in float64, 7% in float32). The
    last tile of a batch (or of a layer) whose size is not a multiple of four repeats its last
    example (neuron): the repeat is computed and written again with the same value.
    """
    N = z.shape[0]
    n_l = z.shape[1]
    last_n = N - 1
    last_j = n_l - 1
    for jt in prange((n_l + 3) // 4):
        j0 = 4 * jt                        # neurons j0..j3 of layer l
        j1 = min(j0 + 1, last_j)
        j2 = min(j0 + 2, last_j)
        j3 = min(j0 + 3, last_j)
        for n0 in range(0, N, 4):          # examples n0..n3 of the batch
            n1 = min(n0 + 1, last_n)
            n2 = min(n0 + 2, last_n)
            n3 = min(n0 + 3, last_n)
            z00 = b[j0]; z10 = b[j0]; z20 = b[j0]; z30 = b[j0]    # z_{n_i j_m} is z<i><m>
            z01 = b[j1]; z11 = b[j1]; z21 = b[j1]; z31 = b[j1]
            z02 = b[j2]; z12 = b[j2]; z22 = b[j2]; z32 = b[j2]
            z03 = b[j3]; z13 = b[j3]; z23 = b[j3]; z33 = b[j3]
            for k in range(W.shape[1]):    # neuron k of layer l−1
                w0 = W[j0, k]; w1 = W[j1, k]; w2 = W[j2, k]; w3 = W[j3, k]
                x0 = a_prev[n0, k]; x1 = a_prev[n1, k]; x2 = a_prev[n2, k]; x3 = a_prev[n3, k]
                z00 += w0 * x0; z10 += w0 * x1; z20 += w0 * x2; z30 += w0 * x3
                z01 += w1 * x0; z11 += w1 * x1; z21 += w1 * x2; z31 += w1 * x3
                z02 += w2 * x0; z12 += w2 * x1; z22 += w2 * x2; z32 += w2 * x3
                z03 += w3 * x0; z13 += w3 * x1; z23 += w3 * x2; z33 += w3 * x3
            z[n0, j0] = z00; z[n1, j0] = z10; z[n2, j0] = z20; z[n3, j0] = z30
            z[n0, j1] = z01; z[n1, j1] = z11; z[n2, j1] = z21; z[n3, j1] = z31
            z[n0, j2] = z02; z[n1, j2] = z12; z[n2, j2] = z22; z[n3, j2] = z32
            z[n0, j3] = z03; z[n1, j3] = z13; z[n2, j3] = z23; z[n3, j3] = z33


@kernel
def weighted_input_blocked_2x4(z, W, b, a_prev):
    """Reproduces :func:`loopnet.kernels.forward.weighted_input`: z^l_nj = Σ_k w^l_jk a^{l−1}_nk + b^l_j.

    z (N, n_l); W (n_l, n_{l−1}); b (n_l,); a_prev (N, n_{l−1}).
    The tile of :func:`weighted_input_blocked` with two examples instead of four: two examples n × four
    neurons j, then the contiguous k. LLVM vectorises the k loop, so each partial sum z<i><m> is a
    vector register: eight of them and six loaded vectors fit the sixteen registers of AVX2 and SSE,
    where the sixteen sums of the 4 × 4 tile spill to the stack. Same order of loops otherwise (neuron
    tiles outer and parallel); a ragged last tile repeats its last example (neuron).
    """
    N = z.shape[0]
    n_l = z.shape[1]
    last_n = N - 1
    last_j = n_l - 1
    for jt in prange((n_l + 3) // 4):
        j0 = 4 * jt                        # neurons j0..j3 of layer l
        j1 = min(j0 + 1, last_j)
        j2 = min(j0 + 2, last_j)
        j3 = min(j0 + 3, last_j)
        for n0 in range(0, N, 2):          # examples n0, n1 of the batch
            n1 = min(n0 + 1, last_n)
            z00 = b[j0]; z10 = b[j0]       # z_{n_i j_m} is z<i><m>
            z01 = b[j1]; z11 = b[j1]
            z02 = b[j2]; z12 = b[j2]
            z03 = b[j3]; z13 = b[j3]
            for k in range(W.shape[1]):    # neuron k of layer l−1
                w0 = W[j0, k]; w1 = W[j1, k]; w2 = W[j2, k]; w3 = W[j3, k]
                x0 = a_prev[n0, k]; x1 = a_prev[n1, k]
                z00 += w0 * x0; z10 += w0 * x1
                z01 += w1 * x0; z11 += w1 * x1
                z02 += w2 * x0; z12 += w2 * x1
                z03 += w3 * x0; z13 += w3 * x1
            z[n0, j0] = z00; z[n1, j0] = z10
            z[n0, j1] = z01; z[n1, j1] = z11
            z[n0, j2] = z02; z[n1, j2] = z12
            z[n0, j3] = z03; z[n1, j3] = z13


@kernel
def hidden_error_blocked(delta, W_next, delta_next, z, a, act):
    """Reproduces :func:`loopnet.kernels.backward.hidden_error`, BP2:
    δ^l_nj = (Σ_k w^{l+1}_kj δ^{l+1}_nk) · σ'(z^l_nj)   (j of layer l, k of layer l+1).

    delta, z, a (N, n_l); W_next (n_{l+1}, n_l); delta_next (N, n_{l+1}).
    Reordered: the sum over k is accumulated into the row δ^l_n· (zeroed first), a tile of four
    examples n × four neurons k of layer l+1 at a time, with the contiguous j innermost: each pass
    over j loads four rows of W^{l+1} and four rows of δ^l and does sixteen multiply-adds. The
    last n_{l+1} mod 4 neurons k go one at a time, the last N mod 4 examples one at a time (four
    rows k still share each δ_nj). Then each δ_nj is multiplied by σ'(z_nj).
    """
    N = delta.shape[0]
    n_l = delta.shape[1]
    n_next = W_next.shape[0]
    k4 = n_next - n_next % 4
    for blk in prange((N + 3) // 4):
        n = 4 * blk                        # examples n..n+3 of the batch
        for i in range(n, min(n + 4, N)):
            for j in range(n_l):
                delta[i, j] = zero_of(delta[i, j])
        if n + 4 <= N:
            for k in range(0, k4, 4):      # neurons k..k+3 of layer l+1
                d00 = delta_next[n, k]; d01 = delta_next[n, k + 1]; d02 = delta_next[n, k + 2]; d03 = delta_next[n, k + 3]
                d10 = delta_next[n + 1, k]; d11 = delta_next[n + 1, k + 1]; d12 = delta_next[n + 1, k + 2]; d13 = delta_next[n + 1, k + 3]
                d20 = delta_next[n + 2, k]; d21 = delta_next[n + 2, k + 1]; d22 = delta_next[n + 2, k + 2]; d23 = delta_next[n + 2, k + 3]
                d30 = delta_next[n + 3, k]; d31 = delta_next[n + 3, k + 1]; d32 = delta_next[n + 3, k + 2]; d33 = delta_next[n + 3, k + 3]
                for j in range(n_l):       # neuron j of layer l
                    w0 = W_next[k, j]; w1 = W_next[k + 1, j]; w2 = W_next[k + 2, j]; w3 = W_next[k + 3, j]
                    delta[n, j] += w0 * d00 + w1 * d01 + w2 * d02 + w3 * d03
                    delta[n + 1, j] += w0 * d10 + w1 * d11 + w2 * d12 + w3 * d13
                    delta[n + 2, j] += w0 * d20 + w1 * d21 + w2 * d22 + w3 * d23
                    delta[n + 3, j] += w0 * d30 + w1 * d31 + w2 * d32 + w3 * d33
            for k in range(k4, n_next):    # the last n_{l+1} mod 4 neurons, one at a time
                d0 = delta_next[n, k]; d1 = delta_next[n + 1, k]; d2 = delta_next[n + 2, k]; d3 = delta_next[n + 3, k]
                for j in range(n_l):
                    w = W_next[k, j]
                    delta[n, j] += w * d0
                    delta[n + 1, j] += w * d1
                    delta[n + 2, j] += w * d2
                    delta[n + 3, j] += w * d3
        else:                              # the last N mod 4 examples, one at a time
            for i in range(n, N):
                for k in range(0, k4, 4):
                    d0 = delta_next[i, k]; d1 = delta_next[i, k + 1]; d2 = delta_next[i, k + 2]; d3 = delta_next[i, k + 3]
                    for j in range(n_l):
                        delta[i, j] += W_next[k, j] * d0 + W_next[k + 1, j] * d1 + W_next[k + 2, j] * d2 + W_next[k + 3, j] * d3
                for k in range(k4, n_next):
                    d = delta_next[i, k]
                    for j in range(n_l):
                        delta[i, j] += W_next[k, j] * d
        for i in range(n, min(n + 4, N)):
            for j in range(n_l):
                delta[i, j] = delta[i, j] * derivative(act, z[i, j], a[i, j])


@kernel
def weight_gradient_blocked(dW, delta, a_prev):
    """Reproduces :func:`loopnet.kernels.backward.weight_gradient`, BP4: ∂L/∂w^l_jk = Σ_n δ^l_nj a^{l−1}_nk.

    dW (n_l, n_{l−1}); delta (N, n_l); a_prev (N, n_{l−1}).
    Reordered: a tile of four neurons j × four examples n, then the contiguous k: each pass loads
    four rows of a^{l−1} and four rows of dW and does sixteen multiply-adds; the first tile of
    examples sets the rows, the others add to them. The last N mod 4 examples go one at a time
    (four rows j still share each a_nk), and a last group of fewer than four neurons row by row.
    """
    N = delta.shape[0]
    n_l = dW.shape[0]
    n4 = N - N % 4
    for jt in prange((n_l + 3) // 4):
        j0 = 4 * jt                        # neurons j0..j0+3 of layer l
        if j0 + 4 > n_l or n4 == 0:        # rows not set by a first tile of four examples
            for j in range(j0, min(j0 + 4, n_l)):
                for k in range(dW.shape[1]):
                    dW[j, k] = zero_of(dW[j, k])
        if j0 + 4 <= n_l:
            for n in range(0, n4, 4):      # examples n..n+3 of the batch
                d00 = delta[n, j0]; d10 = delta[n + 1, j0]; d20 = delta[n + 2, j0]; d30 = delta[n + 3, j0]
                d01 = delta[n, j0 + 1]; d11 = delta[n + 1, j0 + 1]; d21 = delta[n + 2, j0 + 1]; d31 = delta[n + 3, j0 + 1]
                d02 = delta[n, j0 + 2]; d12 = delta[n + 1, j0 + 2]; d22 = delta[n + 2, j0 + 2]; d32 = delta[n + 3, j0 + 2]
                d03 = delta[n, j0 + 3]; d13 = delta[n + 1, j0 + 3]; d23 = delta[n + 2, j0 + 3]; d33 = delta[n + 3, j0 + 3]
                if n == 0:                 # the first four examples set the four rows (no zeroing pass)
                    for k in range(dW.shape[1]):    # neuron k of layer l−1
                        x0 = a_prev[n, k]; x1 = a_prev[n + 1, k]; x2 = a_prev[n + 2, k]; x3 = a_prev[n + 3, k]
                        dW[j0, k] = d00 * x0 + d10 * x1 + d20 * x2 + d30 * x3
                        dW[j0 + 1, k] = d01 * x0 + d11 * x1 + d21 * x2 + d31 * x3
                        dW[j0 + 2, k] = d02 * x0 + d12 * x1 + d22 * x2 + d32 * x3
                        dW[j0 + 3, k] = d03 * x0 + d13 * x1 + d23 * x2 + d33 * x3
                else:
                    for k in range(dW.shape[1]):
                        x0 = a_prev[n, k]; x1 = a_prev[n + 1, k]; x2 = a_prev[n + 2, k]; x3 = a_prev[n + 3, k]
                        dW[j0, k] += d00 * x0 + d10 * x1 + d20 * x2 + d30 * x3
                        dW[j0 + 1, k] += d01 * x0 + d11 * x1 + d21 * x2 + d31 * x3
                        dW[j0 + 2, k] += d02 * x0 + d12 * x1 + d22 * x2 + d32 * x3
                        dW[j0 + 3, k] += d03 * x0 + d13 * x1 + d23 * x2 + d33 * x3
            for n in range(n4, N):         # the last N mod 4 examples, one at a time
                d0 = delta[n, j0]; d1 = delta[n, j0 + 1]; d2 = delta[n, j0 + 2]; d3 = delta[n, j0 + 3]
                for k in range(dW.shape[1]):
                    x = a_prev[n, k]
                    dW[j0, k] += d0 * x
                    dW[j0 + 1, k] += d1 * x
                    dW[j0 + 2, k] += d2 * x
                    dW[j0 + 3, k] += d3 * x
        else:                              # the last n_l mod 4 neurons, row by row
            for j in range(j0, n_l):
                for n in range(0, n4, 4):
                    d0 = delta[n, j]; d1 = delta[n + 1, j]; d2 = delta[n + 2, j]; d3 = delta[n + 3, j]
                    for k in range(dW.shape[1]):
                        dW[j, k] += d0 * a_prev[n, k] + d1 * a_prev[n + 1, k] + d2 * a_prev[n + 2, k] + d3 * a_prev[n + 3, k]
                for n in range(n4, N):
                    d = delta[n, j]
                    for k in range(dW.shape[1]):
                        dW[j, k] += d * a_prev[n, k]


weighted_input_blocked_parallel = parallel_kernel(weighted_input_blocked, "weighted_input_blocked_parallel")
weighted_input_blocked_2x4_parallel = parallel_kernel(weighted_input_blocked_2x4, "weighted_input_blocked_2x4_parallel")
hidden_error_blocked_parallel = parallel_kernel(hidden_error_blocked, "hidden_error_blocked_parallel")
weight_gradient_blocked_parallel = parallel_kernel(weight_gradient_blocked, "weight_gradient_blocked_parallel")


# ---- which tile: by the vector registers of the machine the kernels are built on ------------------
# LLVM vectorises the contiguous k loop, so each partial sum of a tile is one vector register and each
# load another; a tile whose sums and loads exceed the registers spills to the stack every k.
#
# | (vector bytes, registers) | ISA | forward tile (examples × neurons) | sums + loads | measured |
# |---|---|---|---|---|
# | (16, 16) | SSE (x86-64 baseline) | 2 × 4 | 8 + 6 | as AVX2 (same 16 registers) |
# | (32, 16) | AVX2 | 2 × 4 | 8 + 6 | 1.2–1.9x the 4 × 4 tile (serial, 6 layer shapes of W3–W6, both dtypes; 2-core AMD EPYC, loaded); on one core as fast as OpenBLAS's a·Wᵀ (float64 31–35 GFLOP/s vs 26–36, float32 45–83 vs 46–72) |
# | (64, 32) | AVX-512 | 4 × 4 | 16 + 8 | fits 32 registers |
# | (16, 32) | NEON / ASIMD (aarch64) | 4 × 4 | 16 + 8 | fits 32 registers |
#
# (measured 2026-12-03 with each tile kernel called directly, best of 5; the 4 × 4 rows are not
# measured here: no AVX-512 or aarch64 machine was at hand.) tests/test_blocked.py proves every tile
# equal to forward.weighted_input whatever this machine picks.
FORWARD_TILES = {"2x4": (weighted_input_blocked_2x4, weighted_input_blocked_2x4_parallel),
                 "4x4": (weighted_input_blocked, weighted_input_blocked_parallel)}
FORWARD_TILE_BY_TARGET = {(16, 16): "2x4", (32, 16): "2x4", (64, 32): "4x4", (16, 32): "4x4"}
FORWARD_TILE = FORWARD_TILE_BY_TARGET.get((target.VECTOR_BYTES, target.VECTOR_REGISTERS), "2x4")
weighted_input_tiled, weighted_input_tiled_parallel = FORWARD_TILES[FORWARD_TILE]
# BP2 and BP4 keep their 4 × 4 tiles on every target. Tiles of 2 × 4 for them (eight held δ values
# instead of sixteen) were written, proven equal and measured on the AVX2 EPYC (serial, best of 5,
# loaded machine, 2026-12-03): 0.66–0.89× the 4 × 4 speed on W6's 64 × 256 × 784 and 64 × 256 × 256
# layers, 0.9–1.14× on mini-batches of 10; the 4 × 4 tile's reuse of each loaded row of W^{l+1} (BP2)
# or a^{l−1} (BP4) by four examples (neurons) outweighs its spills there, so they were not kept.


# ---- inference over a data set: the whole forward pass per block of rows, blocks spread over the cores ----
@kernel
def predict_rows(out, theta, X, sizes, acts, has_bias, rows, runs):
    """Reproduces :func:`loopnet.kernels.forward.predict`: out_n = a^L(x_n) for every row of X (N, n_0), where
    a^l = σ(z^l) (``forward.activate_layer``, here its vectorised twin ``vexp.activate_layer_vexp``) and
    z^l = W^l a^{l−1} + b^l (``forward.weighted_input``, here the vector micro-kernel
    ``microkernel.weighted_input_packed`` on W^l packed once per call, for the layers where a block reaches
    ``microkernel.PACKED_WORK`` multiply-adds, else ``forward.weighted_input`` as written: a block never exceeds
    ``rows`` examples, so below PACKED_WORK it is also below the register tile's FORWARD_BLOCK_WORK).

    out (N, n_L). Reordered over the examples only: X is cut into blocks of ``rows`` rows, and ``runs``
    consecutive stretches of blocks go to the cores (one ``prange``, one parallel region for the whole
    data set). A block goes through every layer before the next block starts, so its z^l and a^l
    (rows · Σ_l n_l numbers, sized by the caller to half the L2 cache) stay in cache from one layer
    to the next; each stretch has its own buffers. Each example's numbers are computed exactly as by
    ``forward.predict`` with the same kernels, so the result does not depend on ``rows`` or ``runs``.
    """
    N = X.shape[0]
    L = sizes.shape[0] - 1
    blocks = (N + rows - 1) // rows
    P, offsets, widest = pack_layers(theta, sizes, has_bias, rows)   # W^l as the micro-kernel's panels
    for r in prange(runs):
        first = r * blocks // runs         # blocks first..last-1 of the data set
        last = (r + 1) * blocks // runs
        zeros, zbuf, abuf = batch_buffers(theta, sizes, rows)
        zp = np.empty(rows * widest, dtype=theta.dtype)
        for blk in range(first, last):
            start = blk * rows
            nb = min(rows, N - start)
            a_prev = X[start:start + nb]
            for l in range(1, L + 1):
                W, b = layer_params(theta, sizes, has_bias, zeros, l)
                z = batch_view(zbuf, rows, sizes, l, nb)
                a = batch_view(abuf, rows, sizes, l, nb)
                if offsets[l] >= 0:                        # z^l = W^l a^{l−1} + b^l
                    weighted_input_packed(z, zp, P, offsets[l], b, a_prev)
                else:
                    weighted_input(z, W, b, a_prev)
                activate_layer_vexp(a, z, acts[l - 1])     # a^l = σ(z^l)
                a_prev = a
            for n in range(nb):
                for j in range(a_prev.shape[1]):
                    out[start + n, j] = a_prev[n, j]


predict_rows_parallel = parallel_kernel(predict_rows, "predict_rows_parallel")


def predict_block(sizes, itemsize, l2_bytes=None):
    """The largest row block of :func:`predict_rows`: a block's a^{l−1}, z^l and a^l of its widest layer in half
    the L2 cache (so they stay there from one layer to the next), a multiple of 4 from 8 to 256.
    Example: W6 (784-256-256-10) in float64 with a 512 KiB L2: 256 KiB / (8 · (784 + 2·256)) → 24 rows."""
    l2 = target.L2_BYTES if l2_bytes is None else l2_bytes
    widest = max(int(sizes[l - 1]) + 2 * int(sizes[l]) for l in range(1, len(sizes)))
    rows = (l2 // 2) // (itemsize * widest)
    return int(min(256, max(8, rows - rows % 4)))


# How :func:`predict_rows` is run over N examples (the measurements: docs/benchmarks.md, "Measurements behind
# the constants"):
#
# | choice | rule | why |
# |---|---|---|
# | rows per block | on all cores: N / (8 · threads), at least :data:`PREDICT_BLOCK_WORK` multiply-adds and 8 rows; on one core: :func:`predict_block`'s; at most :func:`predict_block` and N | enough blocks to keep every core busy to the end, each big enough to amortise its start; on one core as few blocks as the cache allows, since each block reads every W^l again (784-100-10 over 10 rows as 8 + 2: W^1 from L3 twice) |
# | blocks on all cores | from :data:`PREDICT_PARALLEL_WORK` multiply-adds over the data set | below it one fork/join of the thread team costs more than the second core saves |
PREDICT_BLOCK_WORK = 30_000
PREDICT_PARALLEL_WORK = 100_000
PREDICT_BUFFER_BYTES = 64 * 2 ** 20   # z and a of every run's block, at most (a very wide layer gets fewer rows)


def predict_plan(sizes, itemsize, N, threads, l2_bytes=None):
    """(rows per block, runs) for :func:`predict_rows` over N examples on ``threads`` threads (the table above):
    never more rows than N, and the runs' buffers (runs · rows · 2 Σ_{l=0}^{L} n_l numbers) within PREDICT_BUFFER_BYTES.
    Example: 64-30-10 (2,220 multiply-adds per example) over 1,797 rows on 2 threads → (112, 8).
    Remembered per (sizes, itemsize, N, threads, L2): a forward over one row is ~5 µs of compiled work, and
    working the plan out again took longer than that."""
    return _predict_plan(np.ascontiguousarray(sizes, dtype=np.int64).tobytes(), int(itemsize), int(N), int(threads),
                         target.L2_BYTES if l2_bytes is None else int(l2_bytes))


@functools.lru_cache(maxsize=4096)
def _predict_plan(sizes_bytes, itemsize, N, threads, l2_bytes):
    sizes = np.frombuffer(sizes_bytes, dtype=np.int64)
    per_row = sum(int(sizes[l]) * int(sizes[l - 1]) for l in range(1, len(sizes)))
    row_bytes = 2 * itemsize * sum(int(n) for n in sizes)   # layout.batch_buffers: z and a, B · Σ_l n_l each
    parallel = N * per_row >= PREDICT_PARALLEL_WORK
    rows = predict_block(sizes, itemsize, l2_bytes)  # one core: blocks as large as the cache allows (each block
    if parallel:                                     # reads every W^l once more)
        fewest = max(8, -(-PREDICT_BLOCK_WORK // per_row))
        rows = min(rows, max(fewest + -fewest % 4, N // (8 * threads)))
        rows -= rows % 4
    rows = max(1, min(rows, N, PREDICT_BUFFER_BYTES // row_bytes))
    runs = min(-(-N // rows), 4 * threads) if parallel else 1
    return rows, max(1, min(runs, PREDICT_BUFFER_BYTES // (rows * row_bytes)))


# ---- which version runs: by the layer's multiply-adds per batch (the module docstring's table) -------
FORWARD_BLOCK_WORK = 4_096
BACKWARD_BLOCK_WORK = 1_024


@kernel
def weighted_input_fast(z, W, b, a_prev):
    """z^l = W^l a^{l−1} + b^l by the fastest of the component, blocked and parallel kernels for this size
    (blocked: the tile FORWARD_TILE chosen for this machine's vector registers)."""
    work = z.shape[0] * W.shape[0] * W.shape[1]
    if work >= PARALLEL_WORK:
        weighted_input_tiled_parallel(z, W, b, a_prev)
    elif work >= FORWARD_BLOCK_WORK and z.shape[0] >= 4:
        weighted_input_tiled(z, W, b, a_prev)
    else:
        weighted_input(z, W, b, a_prev)


@kernel
def hidden_error_fast(delta, W_next, delta_next, z, a, act):
    """BP2 by the fastest of the component, blocked and parallel kernels for this size."""
    work = delta.shape[0] * W_next.shape[0] * W_next.shape[1]
    if work >= PARALLEL_WORK:
        hidden_error_blocked_parallel(delta, W_next, delta_next, z, a, act)
    elif work >= BACKWARD_BLOCK_WORK:
        hidden_error_blocked(delta, W_next, delta_next, z, a, act)
    else:
        hidden_error(delta, W_next, delta_next, z, a, act)


@kernel
def weight_gradient_fast(dW, delta, a_prev):
    """BP4 by the fastest of the component, blocked and parallel kernels for this size."""
    work = delta.shape[0] * dW.shape[0] * dW.shape[1]
    if work >= PARALLEL_WORK:
        weight_gradient_blocked_parallel(dW, delta, a_prev)
    elif work >= BACKWARD_BLOCK_WORK:
        weight_gradient_blocked(dW, delta, a_prev)
    else:
        weight_gradient(dW, delta, a_prev)
