"""Kernel trees with callees swapped: the speed layer applied to the component kernels' tree."""
from __future__ import annotations

import types

import numba
from numba.core.registry import CPUDispatcher

from .cache import CACHE, _self_healing
from .decorators import _KERNELS, _plain


# (suffix, id of the kernel, ids of the swap table's pairs) → the rebuilt kernel: the same kernel with
# another table under the same suffix is another tree, never the memo of the first
_variants: dict[tuple, object] = {}


class SwapMatchedNothing(LookupError):
    """A swap of a kernel-tree table names a kernel that the tree never calls (it would do nothing)."""


def _is_kernel(value) -> bool:
    return isinstance(value, CPUDispatcher) or (isinstance(value, types.FunctionType) and value in _KERNELS)


def callees(fn) -> dict:
    """The kernels ``fn`` calls, by the global name it calls them by (read from the function's code
    and globals: what the compiled code will call, not what its name says)."""
    py = _plain(fn)
    return {name: py.__globals__[name] for name in py.__code__.co_names
            if _is_kernel(py.__globals__.get(name))}


def reaches(fn, target) -> bool:
    """Whether the kernel tree under ``fn`` calls ``target`` anywhere (``fn`` itself included)."""
    seen, todo = set(), [fn]
    while todo:
        f = todo.pop()
        if f is target:
            return True
        if id(f) in seen:
            continue
        seen.add(id(f))
        todo.extend(callees(f).values())
    return False


def variant(fn, swaps, suffix, strict=False):
    """The kernel ``fn`` with every call to a kernel in ``swaps`` going to ``swaps[kernel]`` instead.

    The kernel tree as written calls the component kernels (``train_epochs`` → ``backpropagate`` →
    ``hidden_error``); ``variant(train_epochs, SPEEDUPS, "fast")`` is the same source compiled with
    ``hidden_error`` replaced by ``hidden_error_fast`` wherever it is called, however deep. Only the
    kernels on a path to a swapped one are rebuilt (as copies named ``<name>__<suffix>``, so their
    numba cache files do not collide with the originals'); the others are shared. The replacements are
    used as they are (a replacement may itself call the kernel it replaces). With NUMBA_DISABLE_JIT
    the copies are plain Python, like every kernel.

    ``strict=True``: every kernel of ``swaps`` must be called somewhere in ``fn``'s tree, else
    :class:`SwapMatchedNothing` (a swap that matches nothing would silently change nothing). For a
    table applied to several kernels at once, see :func:`swap_tree`.
    """
    if strict:
        missing = [k for k in swaps if not reaches(fn, k)]
        if missing:
            raise SwapMatchedNothing(f"swapping into {_plain(fn).__name__} ({suffix!r}): it never calls "
                                     f"{', '.join(_plain(k).__name__ for k in missing)}")
    if not _is_kernel(fn):
        return fn
    key = (suffix, id(fn), tuple(sorted((id(k), id(r)) for k, r in swaps.items())))
    if key in _variants:
        return _variants[key]
    py = _plain(fn)
    changed = {}
    for name, value in callees(fn).items():
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


def swap_tree(kernels: dict, swaps, suffix) -> dict:
    """``{op: variant(fn, swaps, suffix)}`` for a whole tree (a backend's operations), refusing a table
    with a swap that no operation's tree calls (:class:`SwapMatchedNothing`)."""
    missing = [k for k in swaps if not any(reaches(fn, k) for fn in kernels.values())]
    if missing:
        raise SwapMatchedNothing(f"the {suffix!r} swaps of {', '.join(_plain(k).__name__ for k in missing)} "
                                 f"match no kernel of the tree ({', '.join(kernels)})")
    return {op: variant(fn, swaps, suffix) for op, fn in kernels.items()}
