"""The decorators every kernel uses: :func:`kernel` (serial) and :func:`parallel_kernel` (prange on all cores),
with the one set of numba options from :mod:`loopnet.jit.flags`, and scalar helpers that keep a float32 kernel float32."""
from __future__ import annotations

import types

import numba
from numba.extending import overload

from .cache import CACHE, _self_healing
from .flags import BOUNDSCHECK, ERROR_MODEL, FASTMATH
from . import threads  # noqa: F401  (the threading layer starts before any parallel kernel is compiled)


_KERNELS: set = set()   # every kernel's Python function (what variant() looks for when the JIT is off)


def kernel(fn):
    """Compile ``fn`` with loopnet's one set of numba options."""
    _KERNELS.add(fn)
    compiled = _self_healing(numba.njit(cache=CACHE, fastmath=set(FASTMATH), boundscheck=BOUNDSCHECK or None,
                                        error_model=ERROR_MODEL)(fn))
    if compiled is not fn:
        # pdb's ``b hidden_error`` looks for ``__code__``: give it the Python function's, which is also what
        # the python backend runs, so a breakpoint by kernel name stops in the uncompiled loops
        compiled.__code__ = fn.__code__
    return compiled


def parallel_kernel(fn, name):
    """A second compiled version of the kernel ``fn`` whose ``prange`` loops run on all cores.

    Same source, same options as :func:`kernel`, plus ``parallel=True``. The copy is named
    ``name`` so its numba cache files do not collide with the serial version's. Compiled
    serially (or uncompiled) the same ``prange`` is a plain ``range``, so both versions give
    bitwise the same numbers: each prange iteration writes its own outputs, in a fixed order.
    """
    py = _plain(fn)
    if jit_disabled():
        return py
    twin = types.FunctionType(py.__code__, py.__globals__, name, py.__defaults__, py.__closure__)
    twin.__qualname__ = name
    twin.__module__ = py.__module__
    twin.__doc__ = py.__doc__
    return _self_healing(numba.njit(cache=CACHE, fastmath=set(FASTMATH), boundscheck=BOUNDSCHECK or None,
                                    error_model=ERROR_MODEL, parallel=True)(twin))


def _plain(fn):
    return getattr(fn, "py_func", fn)


def one_of(x):
    """The number 1 in the type of the scalar ``x``.

    Inside a float32 kernel a bare literal (``1 - a``) silently promotes the whole expression to
    float64; writing ``one_of(a) - a`` keeps every scalar in the array's dtype.
    """
    return type(x)(1)


def zero_of(x):
    """The number 0 in the type of the scalar ``x`` (see :func:`one_of`)."""
    return type(x)(0)


@overload(one_of)
def _one_of(x):
    if isinstance(x, numba.types.Float):
        nbtype = x

        def impl(x):
            return nbtype(1)

        return impl


@overload(zero_of)
def _zero_of(x):
    if isinstance(x, numba.types.Float):
        nbtype = x

        def impl(x):
            return nbtype(0)

        return impl


def cast_like(value, like):
    """``value`` converted to the scalar type of ``like`` (a float32 kernel stays float32)."""
    return type(like)(value)


@overload(cast_like)
def _cast_like(value, like):
    if isinstance(like, numba.types.Float):
        nbtype = like

        def impl(value, like):
            return nbtype(value)

        return impl


def jit_disabled() -> bool:
    return bool(numba.config.DISABLE_JIT)
