"""The uncompiled twin of a kernel tree: the same source as plain Python, for a debugger and for the ``python`` backend."""
from __future__ import annotations

import types

from numba.core.registry import CPUDispatcher

from .decorators import _plain


_python_versions: dict[int, types.FunctionType] = {}
_python_globals: dict[str, dict] = {}


def python_version(fn):
    """The uncompiled twin of a kernel: same code object, so the same file and line numbers.

    Calls from inside the kernel to other kernels are redirected to their uncompiled versions
    too, so stepping with pdb goes all the way down into the loops.
    """
    py = _plain(fn)
    if not isinstance(py, types.FunctionType):
        return py
    key = id(py)
    if key in _python_versions:
        return _python_versions[key]
    modname = py.__module__
    g = _python_globals.get(modname)
    if g is None:
        g = dict(py.__globals__)
        _python_globals[modname] = g   # registered first: a kernel of this module reached again reuses g
        for name, value in list(g.items()):
            if isinstance(value, CPUDispatcher):
                g[name] = python_version(value)
    twin = types.FunctionType(py.__code__, g, py.__name__, py.__defaults__, py.__closure__)
    twin.__doc__ = py.__doc__
    twin.__qualname__ = py.__qualname__
    twin.__module__ = modname
    twin.__kwdefaults__ = py.__kwdefaults__
    _python_versions[key] = twin
    return twin
