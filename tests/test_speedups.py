"""Every entry of the speed layer's table reproduces the component kernel it replaces.

The blocked sums are tested shape by shape in tests/test_blocked.py; here, the table itself and the
vectorised activation (vexp.activate_layer_vexp for forward.activate_layer).
"""
import numpy as np
import pytest

from loopnet.activations import ACTIVATIONS
from loopnet.kernels import forward, speedups, vexp

Z = np.concatenate([np.linspace(-50, 50, 41), [-800.0, -745.5, -40.0, -1e-300, 0.0, 1e-300, 40.0, 709.0, 800.0]])


def test_every_component_kernel_has_one_replacement_that_names_it():
    for component, replacement in speedups.SPEEDUPS.items():
        doc = (getattr(replacement, "py_func", replacement).__doc__ or "") + " ".join(
            (getattr(v, "py_func", v).__doc__ or "") for v in vars(getattr(replacement, "py_func", replacement)).values()
            if callable(v))
        assert component.__name__ in getattr(replacement, "py_func", replacement).__code__.co_names or \
            f"kernels.{component.__module__.split('.')[-1]}.{component.__name__}" in doc


@pytest.mark.parametrize("act", ["sigmoid", "softmax", "tanh", "relu", "identity"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_activate_layer_vexp_reproduces_activate_layer(act, dtype):
    code = ACTIVATIONS[act].code
    rng = np.random.default_rng(0)
    for N, n in [(1, 1), (3, 5), (7, 10), (64, 30)]:
        z = np.ascontiguousarray(rng.choice(Z, size=(N, n)) if act != "softmax" else rng.normal(0, 20, (N, n)),
                                 dtype=dtype)
        with np.errstate(over="ignore"):
            z = z.astype(dtype)
        ref, out = np.empty_like(z), np.empty_like(z)
        forward.activate_layer(ref, z, code)
        vexp.activate_layer_vexp(out, z, code)
        ulp = np.spacing(np.abs(ref).astype(dtype))
        assert np.all(np.abs(out - ref) <= 4 * ulp + np.finfo(dtype).tiny), (act, dtype, N, n)
