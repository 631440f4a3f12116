"""vexp / vsigmoid against np.exp over the whole float range, the limits and NaN/±inf."""
import numpy as np
import pytest

from loopnet.activations import sigmoid
from loopnet.kernels.vexp import exp64, vexp, vexp_array, vsigmoid, vsigmoid_array


def plain(fn):
    """The kernel as plain Python (it already is one under NUMBA_DISABLE_JIT=1)."""
    return getattr(fn, "py_func", fn)

INT = {np.float64: np.int64, np.float32: np.int32}
# the largest and smallest x with a finite non-zero e^x, per dtype
LIMITS = {np.float64: (709.782712893384, -745.1332191019411), np.float32: (88.72283, -103.97208)}


def ulps(got, ref, dt):
    """Distance in units in the last place (adjacent floats differ by 1), ±0 equal."""
    g = np.asarray(got, dt).view(INT[dt]).astype(np.int64)
    r = np.asarray(ref, dt).view(INT[dt]).astype(np.int64)
    return np.abs(g - r)


def reference(x):
    with np.errstate(over="ignore", under="ignore"):
        return np.exp(x)


@pytest.mark.parametrize("dt", [np.float64, np.float32])
def test_vexp_few_ulp_over_whole_range(dt):
    rng = np.random.default_rng(0)
    hi, lo = LIMITS[dt]
    x = np.concatenate([rng.uniform(lo - 2, hi + 2, 400_000), rng.uniform(-1, 1, 100_000),
                        rng.uniform(-1e-6, 1e-6, 10_000),
                        np.linspace(lo - 40, lo + 40, 20_001)]).astype(dt)   # around underflow: subnormals
    got = vexp_array(x)
    assert got.dtype == dt
    u = ulps(got, reference(x), dt)
    # compiled, each multiply-add of the polynomial is one rounding (an FMA); run as plain Python, float32's
    # Horner rounds twice a step and may reach 3 ulp
    bound = 3 if dt is np.float32 and not hasattr(vexp, "py_func") else 2
    assert u.max() <= bound, (x[u.argmax()], got[u.argmax()], reference(x)[u.argmax()])


@pytest.mark.parametrize("dt", [np.float64, np.float32])
def test_vexp_limits_nan_and_inf(dt):
    hi, lo = LIMITS[dt]
    tiny = np.finfo(dt).smallest_subnormal
    x = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, hi, np.nextafter(dt(hi), dt(np.inf)), 1e4, 1e300 if dt is np.float64 else 3e38,
                  lo, lo - 1, -1e4, -1e300 if dt is np.float64 else -3e38], dtype=dt)
    got, ref = vexp_array(x), reference(x)
    assert np.isnan(got[0])
    np.testing.assert_array_equal(got[1:], ref[1:])        # ∞, 0, 1 and the overflow/underflow edges exactly
    assert np.isfinite(got[5]) and np.isinf(got[6])        # the last finite value and the first overflow
    assert got[9] >= tiny and got[10] == 0                 # the last non-zero (subnormal) value, then 0


def test_vexp_scalar_types_and_uncompiled_twin():
    assert ulps(vexp(1.0), np.e, np.float64) <= 1            # exact with FMA (compiled), 1 ulp without
    assert np.float32(vexp(np.float32(1.0))) == np.float32(np.e)   # correctly rounded (np.exp's float32 is 1 ulp off here)
    x = np.random.default_rng(1).uniform(-50, 50, 200)
    compiled = vexp_array(x)
    uncompiled = np.array([plain(vexp)(v) for v in x])          # the same source as plain Python
    assert ulps(uncompiled, compiled, np.float64).max() <= 1
    with np.errstate(over="ignore"):
        assert np.isnan(plain(exp64)(np.nan)) and plain(exp64)(np.inf) == np.inf
        assert plain(exp64)(-np.inf) == 0.0


@pytest.mark.parametrize("dt", [np.float64, np.float32])
def test_vsigmoid_matches_sigmoid(dt):
    z = np.concatenate([np.random.default_rng(2).uniform(-60, 60, 100_000),
                        [0.0, -0.0, 1e6, -1e6, np.inf, -np.inf, 745.0, -745.0, -800.0]]).astype(dt)
    got = vsigmoid_array(z)
    ref = np.array([sigmoid(v) for v in z], dtype=dt)
    assert got.dtype == dt
    assert ulps(got, ref, dt).max() <= 3
    assert got[-3] == 1.0 and got[-4] == 0.0 and np.isnan(vsigmoid_array(np.array([np.nan], dt))[0])
    assert vsigmoid(0.0) == 0.5 and plain(vsigmoid)(0.0) == 0.5
