"""Kernel trees with callees swapped: the speed layer applied to the component kernels' tree."""
from __future__ import annotations

import types

import numba
from numba.core.registry import CPUDispatcher

from .cache import CACHE, _self_healing
from .decorators import _KERNELS, _plain


_variants: dict[tuple[str, int], object] = {}


def _is_kernel(value) -> bool:
    return isinstance(value, CPUDispatcher) or (isinstance(value, types.FunctionType) and value in _KERNELS)


def variant(fn, swaps, suffix):
    """The kernel ``fn`` with every call to a kernel in ``swaps`` going to ``swaps[kernel]`` instead.

    The kernel tree as written calls the component kernels (``train_epochs`` → ``backpropagate`` →
    ``hidden_error``); ``variant(train_epochs, SPEEDUPS, "fast")`` is the same source compiled with
    ``hidden_error`` replaced by ``hidden_error_fast`` wherever it is called, however deep. Only the
    kernels on a path to a swapped one are rebuilt (as copies named ``<name>__<suffix>``, so their
    numba cache files do not collide with the originals'); the others are shared. The replacements are
    used as they are (a replacement may itself call the kernel it replaces). With NUMBA_DISABLE_JIT
    the copies are plain Python, like every kernel.
    """
    if not _is_kernel(fn):
        return fn
    key = (suffix, id(fn))
    if key in _variants:
        return _variants[key]
    py = _plain(fn)
    changed = {}
    for name in py.__code__.co_names:
        value = py.__globals__.get(name)
        if not _is_kernel(value):
            continue
        new = swaps[value] if value in swaps else variant(value, swaps, suffix)
        if new is not value:
            changed[name] = new
    if not changed:
        result = fn
    else:
        g = dict(py.__globals__)
        g.update(changed)
        name = f"{py.__name__}__{suffix}"
        twin = types.FunctionType(py.__code__, g, name, py.__defaults__, py.__closure__)
        twin.__qualname__ = name
        twin.__module__ = py.__module__
        twin.__doc__ = py.__doc__
        if isinstance(fn, CPUDispatcher):
            options = {k: v for k, v in fn.targetoptions.items() if k != "nopython"}
            result = _self_healing(numba.njit(cache=CACHE, **options)(twin))
        else:
            _KERNELS.add(twin)
            result = twin
    _variants[key] = result
    return result
