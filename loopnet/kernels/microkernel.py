"""The speed layer's micro-kernel for z = W a + b over many examples: explicit vector code, as in BLIS.

Reproduces :func:`loopnet.kernels.forward.weighted_input`, z^l_nj = Σ_k w^l_jk a^{l−1}_nk + b^l_j, for a
block of examples at a time. numba's loop vectoriser only vectorises innermost loops, so the register
tiles of blocked.py hold dot products (a vector of k per partial sum, added up across lanes at the end).
The faster shape, the one every BLAS uses, keeps a vector of *neurons* j per partial sum: for each k, one
vector of NR weights w_{j..j+NR−1, k} is loaded once and multiplied by each of MR broadcast inputs
a_{n, k}, with one fused multiply-add per (example, vector). LLVM does not find that shape in loops, so
:func:`gemm_tile` writes it in LLVM's own vector types through numba's ``@intrinsic``: MR vector sums of
NR lanes stay in registers from the first k to the last, and a type wider than the machine's vectors is
split by LLVM into the machine's registers (a row of 8 doubles is two AVX2 registers, one AVX-512).

For that, W^l is first copied into *panels* (:func:`pack_panels`): panel p holds the NR neurons
j = p·NR … p·NR + NR − 1 with k outermost, P[p, k, 0:NR] = w_{p·NR.., k}, the last panel padded with
zeros. The sum over k is taken in stretches of KC (the panel's stretch, KC · NR numbers, stays in L1;
the examples' stretch in L2), the first stretch starting from 0 and the next ones from the partial sums.

| (vector bytes, vector registers) | ISA | MR examples × NR neurons (NR = panel bytes / itemsize) | sums + loads in registers | measured |
|---|---|---|---|---|
| (32, 16) | AVX2 | 6 × 64 bytes (6 × 8 float64, 6 × 16 float32) | 12 + 3 of 16 | yes: faster than the 2 × 4 tile of blocked.py on W3–W6's layers, and than 4 × 8, 8 × 8, 4 × 12 and 3 × 16 |
| (16, 16) | SSE (x86-64 baseline) | 6 × 32 bytes | 12 + 3 of 16 | no: AVX2's shape at half the width |
| (64, 32) | AVX-512 | 8 × 128 bytes | 16 + 3 of 32 | no: no AVX-512 machine at hand |
| (16, 32) | NEON / ASIMD (aarch64) | 6 × 64 bytes | 24 + 5 of 32 | no: no aarch64 machine at hand |

KC = 256, chosen against the whole k at once and against 128. The measurements: docs/benchmarks.md,
"Third round: a vector micro-kernel for inference".

:func:`gemm_tile` also runs uncompiled (``NUMBA_DISABLE_JIT=1``, the python backend's debugger), as the
plain loops it stands for. tests/test_microkernel.py proves the micro-kernel equal to
``forward.weighted_input`` on every remainder of MR, NR and KC, in both dtypes, compiled and not.
"""
import numpy as np
from llvmlite import ir
from numba import types as nbtypes
from numba.core import cgutils
from numba.extending import intrinsic, overload

from ..jit import kernel, target, zero_of
from .layout import layer_params

# (vector bytes, vector registers) → (MR: examples per tile, panel bytes: NR · itemsize); the table above
TILE_BY_TARGET = {(32, 16): (6, 64), (16, 16): (6, 32), (64, 32): (8, 128), (16, 32): (6, 64)}
MR, PANEL_BYTES = TILE_BY_TARGET.get((target.VECTOR_BYTES, target.VECTOR_REGISTERS), (6, 32))
KC = 256
PACKED_WORK = 4_096      # multiply-adds per block of examples from which a layer runs here (:func:`packs_layer`)


def panel_width(x):
    """NR, the neurons of one panel, for the float type of the array ``x`` (64 bytes of them on AVX2)."""
    return PANEL_BYTES // np.dtype(x.dtype).itemsize


@overload(panel_width)
def _panel_width(x):
    width = PANEL_BYTES * 8 // x.dtype.bitwidth

    def impl(x):
        return width
    return impl


def gemm_tile(m, C, c0, ldc, A, a0, lda, ka, P, p0, ldp, kc, first):
    """C[c0 + i·ldc + j] (+)= Σ_{k<kc} A[a0 + i·lda + k·ka] · P[p0 + k·ldp + j] for i < m ≤ MR, j < NR: a tile of m rows i
    × NR columns j (NR = :func:`panel_width`), over a stretch of kc terms k; ``first`` starts the sums from 0, else
    from C. P's NR numbers at each k are contiguous (a panel, or a row of a matrix); A's are read one at a time.

    C, A, P are one-dimensional (flat, C-ordered) arrays of one float type. Compiled, the body is
    :func:`_gemm_tile_code`'s vector code; this plain version is the same sum in the same order of k.
    """
    NR = panel_width(P)
    for i in range(m):
        for j in range(NR):
            acc = zero_of(C[0]) if first else C[c0 + i * ldc + j]
            for k in range(kc):
                acc += A[a0 + i * lda + k * ka] * P[p0 + k * ldp + j]
            C[c0 + i * ldc + j] = acc


@overload(gemm_tile)
def _gemm_tile(m, C, c0, ldc, A, a0, lda, ka, P, p0, ldp, kc, first):
    def impl(m, C, c0, ldc, A, a0, lda, ka, P, p0, ldp, kc, first):
        _gemm_tile_ir(np.int64(m), C, np.int64(c0), np.int64(ldc), A, np.int64(a0), np.int64(lda), np.int64(ka),
                      P, np.int64(p0), np.int64(ldp), np.int64(kc), first)
    return impl


def tile_intrinsic(mr, panel_bytes):
    """The compiled body of :func:`gemm_tile` for tiles of up to ``mr`` rows × ``panel_bytes`` of columns (a row of the
    table above): an ``@intrinsic`` that branches on m to the vector code of :func:`_gemm_tile_code` for m rows."""
    @intrinsic
    def gemm_tile_ir(typingctx, m, C, c0, ldc, A, a0, lda, ka, P, p0, ldp, kc, first):
        arrays = (C, A, P)
        if not all(isinstance(x, nbtypes.Array) and x.ndim == 1 and x.layout == "C" for x in arrays):
            return None
        dtype = C.dtype
        if dtype not in (nbtypes.float64, nbtypes.float32) or A.dtype != dtype or P.dtype != dtype:
            return None
        nr = panel_bytes * 8 // dtype.bitwidth
        sig = nbtypes.void(m, C, c0, ldc, A, a0, lda, ka, P, p0, ldp, kc, first)

        def codegen(context, builder, signature, args):
            m_v, c, c0_v, ldc_v, a, a0_v, lda_v, ka_v, p, p0_v, ldp_v, kc_v, first_v = args
            data = [cgutils.create_struct_proxy(t)(context, builder, value=v).data
                    for t, v in ((signature.args[1], c), (signature.args[4], a), (signature.args[8], p))]
            cd = builder.gep(data[0], [c0_v])
            ad = builder.gep(data[1], [a0_v])
            pd = builder.gep(data[2], [p0_v])
            first_b = context.cast(builder, first_v, signature.args[12], nbtypes.boolean)
            done = builder.append_basic_block("gemm_tile.done")
            switch = builder.switch(m_v, done)
            for rows in range(1, mr + 1):
                block = builder.append_basic_block(f"gemm_tile.m{rows}")
                switch.add_case(ir.Constant(m_v.type, rows), block)
                builder.position_at_end(block)
                _gemm_tile_code(context, builder, dtype, nr, rows, cd, ldc_v, ad, lda_v, ka_v, pd, ldp_v, kc_v, first_b)
                builder.branch(done)
            builder.position_at_end(done)
            return context.get_dummy_value()

        return sig, codegen
    return gemm_tile_ir


_gemm_tile_ir = tile_intrinsic(MR, PANEL_BYTES)


def _gemm_tile_code(context, builder, dtype, nr, rows, cd, ldc, ad, lda, ka, pd, ldp, kc, first):
    """The vector code of :func:`gemm_tile` for ``rows`` rows: ``rows`` sums of type <NR x float> (LLVM splits them into
    the machine's vector registers), one vector load of P and one broadcast of A per row for each k."""
    T = context.get_value_type(dtype)
    V = ir.VectorType(T, nr)
    align = dtype.bitwidth // 8
    fma = cgutils.get_or_insert_function(builder.module, ir.FunctionType(V, [V, V, V]),
                                         f"llvm.fma.v{nr}f{dtype.bitwidth}")
    i64 = ldc.type
    rowp = [builder.bitcast(builder.gep(cd, [builder.mul(ir.Constant(i64, i), ldc)]), V.as_pointer()) for i in range(rows)]
    rowa = [builder.gep(ad, [builder.mul(ir.Constant(i64, i), lda)]) for i in range(rows)]
    sums = [cgutils.alloca_once(builder, V) for _ in range(rows)]     # promoted to registers by LLVM
    with builder.if_else(first) as (from_zero, from_c):
        with from_zero:
            for s in sums:
                builder.store(ir.Constant(V, [ir.Constant(T, 0.0)] * nr), s)
        with from_c:
            for s, row in zip(sums, rowp):
                builder.store(builder.load(row, align=align), s)
    lane0 = ir.Constant(ir.IntType(32), 0)
    broadcast = ir.Constant(ir.VectorType(ir.IntType(32), nr), [0] * nr)
    with cgutils.for_range(builder, kc) as loop:
        k = loop.index
        w = builder.load(builder.bitcast(builder.gep(pd, [builder.mul(k, ldp)]), V.as_pointer()), align=align)
        ak = builder.mul(k, ka)
        for i in range(rows):
            x = builder.load(builder.gep(rowa[i], [ak]))                          # A(i, k)
            xs = builder.shuffle_vector(builder.insert_element(ir.Constant(V, ir.Undefined), x, lane0),
                                        ir.Constant(V, ir.Undefined), broadcast)
            builder.store(builder.call(fma, [xs, w, builder.load(sums[i])]), sums[i])
    for s, row in zip(sums, rowp):
        builder.store(builder.load(s), row, align=align)


@kernel
def panels_size(n_l, n_prev, P):
    """How many numbers W^l (n_l × n_prev) takes as panels of ``panel_width(P)`` neurons (the last one padded)."""
    NR = panel_width(P)
    return (n_l + NR - 1) // NR * NR * n_prev


@kernel
def pack_panels(P, p_off, W):
    """Copies W (n_l, n_{l−1}) into P[p_off:] as panels: P[p_off + (p·n_{l−1} + k)·NR + j] = w_{p·NR + j, k}, 0 past n_l."""
    NR = panel_width(P)
    n_l = W.shape[0]
    n_prev = W.shape[1]
    for p in range((n_l + NR - 1) // NR):
        base = p_off + p * n_prev * NR
        for k in range(n_prev):
            for j in range(NR):
                row = p * NR + j
                P[base + k * NR + j] = W[row, k] if row < n_l else zero_of(P[0])


@kernel
def weighted_input_packed(z, zp, P, p_off, b, a_prev):
    """Reproduces :func:`loopnet.kernels.forward.weighted_input`: z^l_nj = Σ_k w^l_jk a^{l−1}_nk + b^l_j.

    z (N, n_l); a_prev (N, n_{l−1}), C-ordered; b (n_l,); W^l as panels in P[p_off:] (:func:`pack_panels`);
    zp a flat scratch of at least N · (n_l rounded up to NR) numbers. Reordered: stretches of KC inputs k
    outermost, then panels of NR neurons j, then tiles of MR examples n (:func:`gemm_tile`, the last tile
    with the N mod MR examples left); the sums land in zp, then z_nj = zp_nj + b_j.
    Each example's sums are computed alike whatever the tile it falls in, so z does not depend on N's split.
    """
    N = z.shape[0]
    n_l = z.shape[1]
    n_prev = a_prev.shape[1]
    NR = panel_width(P)
    panels = (n_l + NR - 1) // NR
    ldc = panels * NR
    A = a_prev.reshape(N * n_prev)
    for k0 in range(0, n_prev, KC):
        kc = min(KC, n_prev - k0)
        for p in range(panels):
            for n0 in range(0, N, MR):
                gemm_tile(min(MR, N - n0), zp, n0 * ldc + p * NR, ldc, A, n0 * n_prev + k0, n_prev, 1,
                          P, p_off + (p * n_prev + k0) * NR, NR, kc, k0 == 0)
    for n in range(N):
        for j in range(n_l):
            z[n, j] = zp[n * ldc + j] + b[j]


@kernel
def pack_layers(theta, sizes, has_bias, rows):
    """(P, offsets, widest): the weights W^l of every layer that :func:`weighted_input_packed` runs for blocks of
    ``rows`` examples (:func:`packs_layer`) as panels in one array P, layer l's at P[offsets[l]:]
    (offsets[l] = −1 for a layer left to ``forward.weighted_input``), and the widest row of zp: n_l rounded
    up to NR, the largest over the packed layers."""
    L = sizes.shape[0] - 1
    offsets = np.full(L + 1, -1, dtype=np.int64)
    total = 0
    widest = 0
    probe = theta[:0]
    NR = panel_width(probe)
    for l in range(1, L + 1):
        if packs_layer(rows, sizes[l], sizes[l - 1]):
            offsets[l] = total
            total += panels_size(sizes[l], sizes[l - 1], probe)
            widest = max(widest, (sizes[l] + NR - 1) // NR * NR)
    P = np.empty(total, dtype=theta.dtype)
    zeros = np.zeros(1, dtype=theta.dtype)
    for l in range(1, L + 1):
        if offsets[l] >= 0:
            W, _ = layer_params(theta, sizes, has_bias, zeros, l)
            pack_panels(P, offsets[l], W)
    return P, offsets, widest


@kernel
def packs_layer(rows, n_l, n_prev):
    """Whether blocks of ``rows`` examples run layer n_prev → n_l through the micro-kernel: from PACKED_WORK
    multiply-adds per block, the register tile's own threshold (blocked.FORWARD_BLOCK_WORK); against never
    packing, small nets measured the same within the noise (docs/benchmarks.md, "Third round")."""
    return rows * n_l * n_prev >= PACKED_WORK

