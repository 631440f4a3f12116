"""e^x and σ(z) that vectorise: a polynomial after range reduction, branch-free.

numba's ``np.exp`` on a scalar is a call into libm, so a loop over e^{x_i} runs one value at a
time (no SVML in this llvmlite build). :func:`vexp` is plain arithmetic that LLVM turns into SIMD
code inside a loop (four float64 per AVX instruction):

    e^x = 2^k · e^r,   k = ⌊x log₂e + ½⌋,   r = x − k ln2 ∈ [−ln2/2, ln2/2]

| step | how | why |
|---|---|---|
| clamp | x to [−746, 710] (float32: [−104, 89]; NaN passes through, and comes back at the end) | beyond these e^x is 0 or ∞ anyway; keeps k small |
| r | x − k·ln2_hi − k·ln2_lo (Cody–Waite: ln2_hi has 32 significant bits, float32 9, so k·ln2_hi is exact) | r keeps its full precision |
| e^r | Taylor series to r¹³ by Horner (float32: to r⁷) | remainder < 2.5e-16 relative (float32: 5e-9) |
| 2^k | two factors 2^{⌊k/2⌋} · 2^{k−⌊k/2⌋}, each built from its exponent bits | both factors stay normal numbers, so results down to the subnormal 2^{−1074} and up to the overflow to ∞ come out right |

float32 arguments take the same steps (:func:`exp_steps`, one source for both types) in float32
arithmetic, with the float32 constants of ``STEPS_32`` and ``POLY_32`` (:func:`exp32`: eight lanes per AVX
instruction where float64 has four, and no conversions): ln2_hi with 9 significant bits, the
Taylor series to r⁷ by Horner (Estrin's shorter chain is faster but up to 3 ulp off), 2^k from float32
exponent bits (docs/benchmarks.md has the timings).

Accuracy (tests/test_vexp.py, against ``np.exp`` over the whole range): a few ulp in float64
and float32, exactly 0 / ∞ / NaN where ``np.exp`` gives them.

The same source runs uncompiled (``NUMBA_DISABLE_JIT=1`` or ``.py_func``): :func:`pow2` is then
``np.ldexp`` (of a float32 1 for float32), and numba compiles its overload, a bit cast of the exponent field.
"""
import numpy as np
from llvmlite import ir
from numba import types as nbtypes
from numba.extending import intrinsic, overload

from ..jit import kernel, cast_like
from ..activations import SIGMOID, SOFTMAX
from .forward import activate_layer

LOG2E = 1.4426950408889634
LN2_HI = 0.693147180369123816490       # ln 2 rounded to 32 significant bits: k · LN2_HI is exact for |k| < 2^21
LN2_LO = 1.90821492927058770002e-10    # ln 2 − LN2_HI
X_MAX = 710.0                          # e^710 > max float64: ∞
X_MIN = -746.0                         # e^−746 < ½ · 2^−1074: 0

# float32: e^x overflows above 88.72 and rounds to 0 below −103.97 (half of the smallest subnormal, 2^−150)
LN2_HI_32 = 0.693359375                # ln 2 to 9 significant bits: k · LN2_HI_32 is exact in float32 for |k| < 2^15
LN2_LO_32 = -2.12194440e-4             # ln 2 − LN2_HI_32
X_MAX_32 = 89.0
X_MIN_32 = -104.0

# 1/i! for i = 13 … 0, highest power first (Horner)
_C = [1.0 / 6227020800.0, 1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0, 1.0 / 362880.0,
      1.0 / 40320.0, 1.0 / 5040.0, 1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0]

# Each float type's steps, as constants of that type (so float32 is computed in float32 throughout):
# (x_max, x_min, log₂e, ln2_hi, ln2_lo, 0, ½) and the polynomial's coefficients, highest power first.
#
# | type | clamp | ln2_hi | polynomial | 2^k from |
# |---|---|---|---|---|
# | float64 | [−746, 710] | 32 significant bits | Taylor to r¹³ | int64 exponent bits |
# | float32 | [−104, 89] | 9 significant bits | Taylor to r⁷ (truncation < 5e-9, under ½ ulp) | int32 exponent bits |
STEPS_64 = tuple(np.float64(c) for c in (X_MAX, X_MIN, LOG2E, LN2_HI, LN2_LO, 0.0, 0.5))
POLY_64 = tuple(np.float64(c) for c in _C)
STEPS_32 = tuple(np.float32(c) for c in (X_MAX_32, X_MIN_32, LOG2E, LN2_HI_32, LN2_LO_32, 0.0, 0.5))
POLY_32 = tuple(np.float32(c) for c in _C[6:])


def pow2(k, like):
    """2^k in the float type of ``like``, for an integer k whose power is a normal number of that type
    (float64: −1022 … 1023; float32: −126 … 127)."""
    return np.ldexp(np.float32(1.0) if is_float32(like) else 1.0, int(k))


@intrinsic
def _bits_to_float(typingctx, bits):
    """The float whose IEEE bits are ``bits``: float64 from an int64, float32 from an int32 (an LLVM bitcast:
    free, and vectorises)."""
    width = {nbtypes.int64: (nbtypes.float64, ir.DoubleType()), nbtypes.int32: (nbtypes.float32, ir.FloatType())}
    if bits not in width:
        return None
    result, llvm_type = width[bits]

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], llvm_type)

    return result(bits), codegen


@overload(pow2)
def _pow2(k, like):
    if like == nbtypes.float32:
        def impl(k, like):
            # the exponent field of a float32 is bits 23..30, biased by 127
            return _bits_to_float(np.int32((np.int32(k) + np.int32(127)) << np.int32(23)))   # numba sums int32s as int64
        return impl

    def impl(k, like):
        # the exponent field of a float64 is bits 52..62, biased by 1023
        return _bits_to_float(np.int64((np.int64(k) + np.int64(1023)) << np.int64(52)))
    return impl


def is_float32(x):
    """Whether x is a float32 scalar (a compile-time constant in compiled code)."""
    return isinstance(x, np.float32)


@overload(is_float32)
def _is_float32(x):
    answer = x == nbtypes.float32

    def impl(x):
        return answer
    return impl


@kernel
def horner(r, coeffs):
    """Σ_i coeffs[i] r^{n−i} (coefficients highest power first): p ← p·r + c, one multiply-add a step.
    With POLY_64, e^r ≈ Σ_{i=0}^{13} r^i / i! for |r| ≤ ln2/2 (relative error < 2.5e-16)."""
    p = coeffs[0]
    for i in range(1, len(coeffs)):
        p = p * r + coeffs[i]
    return p


@kernel
def exp_steps(x, steps, poly):
    """e^x = 2^k e^r for x of either float type, with that type's STEPS_* and POLY_* (the module docstring)."""
    x_max, x_min, log2e, ln2_hi, ln2_lo, zero, half = steps
    xc = x if x < x_max else x_max           # selects, not branches; NaN fails both tests and stays NaN
    xc = xc if xc > x_min else x_min
    xs = xc if xc == xc else zero            # NaN: compute e^0, then hand NaN back below
    kf = np.floor(xs * log2e + half)
    r = (xs - kf * ln2_hi) - kf * ln2_lo
    p = horner(r, poly)
    k = np.int32(kf)                         # float64 −1077 … 1025: an int32 conversion vectorises (AVX2 has no int64 one)
    k1 = k >> np.int32(1)                    # ⌊k/2⌋
    y = p * pow2(k1, x) * pow2(k - k1, x)    # 2^k as two normal factors (subnormal results, overflow to ∞)
    return y if x == x else x


@kernel
def exp64(x):
    """e^x in float64 for a float64 x."""
    return exp_steps(x, STEPS_64, POLY_64)


@kernel
def exp32(x):
    """e^x in float32 arithmetic for a float32 x."""
    return exp_steps(x, STEPS_32, POLY_32)


@kernel
def vexp(x):
    """e^x for a float64 or float32 scalar x, in x's type, accurate to a few ulp, branch-free.

    >>> vexp(1.0)
    2.718281828459045
    """
    if is_float32(x):
        return cast_like(exp32(x), x)
    return cast_like(exp64(np.float64(x)), x)


@kernel
def vsigmoid(z):
    """σ(z) = 1 / (1 + e^{−z}), the same formula as :func:`loopnet.activations.sigmoid` with
    :func:`vexp` for e^{−|z|}: σ(|z|) = 1 / (1 + e^{−|z|}), and e^{−|z|} σ(|z|) for z < 0. A select."""
    one = cast_like(1.0, z)
    e = vexp(-abs(z))
    s = np.true_divide(one, one + e)         # np.true_divide: IEEE division, no ZeroDivisionError check (which stops SIMD)
    return s if z >= 0 else e * s


def vexp_array(x):
    """Elementwise :func:`vexp` of an array (a NumPy-level helper for tests and the twin)."""
    x = np.asarray(x)
    return _vexp_loop(np.ascontiguousarray(x).ravel(), np.empty(x.size, dtype=x.dtype)).reshape(x.shape)


@kernel
def _vexp_loop(x, out):
    """out_i = e^{x_i}: the loop LLVM vectorises."""
    for i in range(x.shape[0]):
        out[i] = vexp(x[i])
    return out


@kernel
def _vsigmoid_loop(z, out):
    """out_i = σ(z_i)."""
    for i in range(z.shape[0]):
        out[i] = vsigmoid(z[i])
    return out


def vsigmoid_array(z):
    """Elementwise :func:`vsigmoid` of an array."""
    z = np.asarray(z)
    return _vsigmoid_loop(np.ascontiguousarray(z).ravel(), np.empty(z.size, dtype=z.dtype)).reshape(z.shape)


# ---- the speed layer's activation: reproduces forward.activate_layer ---------------------------------

@kernel
def activate_layer_vexp(a, z, act):
    """Reproduces :func:`loopnet.kernels.forward.activate_layer` (a^l_nj = σ(z^l_nj); softmax per row)
    with :func:`vexp` in place of ``np.exp``, so the loop over j runs on SIMD lanes.

    Sigmoid: :func:`vsigmoid`, the same select as :func:`loopnet.activations.sigmoid`, over the (C-contiguous)
    block as one run of N · n_l values. Softmax: the
    same max-shifted exponentials and sum. Other activations have no exponential: the component kernel.
    a, z (N, n_l). Agrees with the component kernel to a few ulp (vexp's accuracy).
    """
    if act == SIGMOID:                       # elementwise: one loop over the block's rows end to end, so the
        zf = z.reshape(z.size)               # SIMD loop leaves one scalar remainder per block, not one per row
        af = a.reshape(a.size)               # (30 neurons: 7 vectors of 4 and 2 scalar exps, each as slow as a vector)
        for i in range(zf.shape[0]):
            af[i] = vsigmoid(zf[i])
    elif act == SOFTMAX:
        for n in range(z.shape[0]):
            m = z[n, 0]
            for j in range(1, z.shape[1]):
                m = max(m, z[n, j])
            total = z[n, 0] * 0
            for j in range(z.shape[1]):
                e = vexp(z[n, j] - m)
                a[n, j] = e
                total += e
            for j in range(z.shape[1]):
                a[n, j] = a[n, j] / total
    else:
        activate_layer(a, z, act)
