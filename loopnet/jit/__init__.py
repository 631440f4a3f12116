"""Numba in one place (STYLE.md, "Numba in one place").

| module | what it holds |
|---|---|
| ``flags`` | the compile flags (fastmath, error model, bounds checks, the parallel threshold); imports nothing heavy |
| ``settings`` | ``keep``: loopnet's numba settings, applied again after numba reloads its config |
| ``shipped`` | which CPU level of the kernels shipped compiled this process uses (and builds for) |
| ``cache`` | where compiled kernels are cached and the safety checks on that directory; the shipped layer in front |
| ``threads`` | which threading layer runs the prange loops (TBB loaded from the ``tbb`` package's own files, so a venv gets it too) |
| ``target`` | the CPU numba compiles for: vector width and registers, L2 size (the speed layer's tiles follow it) |
| ``decorators`` | ``kernel`` and ``parallel_kernel``, the decorators every kernel uses; ``one_of``/``zero_of``/``cast_like`` |
| ``uncompiled`` | ``python_version``: a kernel tree as plain Python, for pdb and the ``python`` backend |
| ``trees`` | ``variant``: a kernel tree with callees swapped (the speed layer) |

The same kernel source also runs uncompiled: :func:`python_version` rebuilds a kernel as a plain Python
function whose calls to other kernels are plain Python too, so a learner can set a breakpoint inside the
per-component loops. :func:`variant` compiles the same source with some callees swapped.
"""
from __future__ import annotations

from .flags import BOUNDSCHECK, ERROR_MODEL, FASTMATH, PARALLEL_WORK
from . import shipped, settings  # noqa: F401  (shipped first: it sets the CPU level before anything compiles)
from .cache import CACHE
from .decorators import cast_like, jit_disabled, kernel, one_of, parallel_kernel, zero_of
from .uncompiled import python_version
from .trees import variant

__all__ = ["kernel", "parallel_kernel", "variant", "one_of", "zero_of", "cast_like", "python_version", "jit_disabled",
           "FASTMATH", "PARALLEL_WORK", "CACHE", "BOUNDSCHECK", "ERROR_MODEL"]
