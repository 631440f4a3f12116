"""Which numba threading layer runs the prange loops, started once at import.

numba's TBB layer is an extension module (``numba.np.ufunc.tbbpool``) linked against ``libtbb.so.12``
with no path to it: the ``tbb`` wheel puts the library in ``<prefix>/lib`` (a venv's, the user site's
or conda's), which the loader searches only when that prefix happens to be on its path (the system
Python's ``/usr/local/lib``). In a virtual environment the import failed silently and every parallel
kernel ran on ``workqueue`` (W6's epoch 235 ms instead of 133 ms in float64 on a 2-core Xeon).
:func:`load_tbb` finds the library among the ``tbb`` package's own files and loads it (RTLD_GLOBAL)
before numba starts its threading layer, so the extension's dependency is already resolved; when the
layer that starts is not TBB anyway, one line on stderr says so and why.
"""
from __future__ import annotations

import ctypes
import os
import sys

import numba

from .settings import keep

# Which threading layer runs the prange loops. numba's default order (tbb, omp, workqueue) picks GNU
# OpenMP on Linux when TBB is not installed, and GNU OpenMP does not survive fork(): a fork-started
# worker (multiprocessing's default on Linux before Python 3.14, joblib's "multiprocessing" backend)
# that reaches a parallel kernel after the parent used one is killed ("fork() called from a process
# already using GNU OpenMP, this is unsafe") and Pool.map never returns. "forksafe" asks numba for a
# layer that survives fork:
#
# | installed | layer | thread-safe | fork-safe | W6 (784-256-256-10, batches of 64), 6000 examples, 2 cores |
# |---|---|---|---|---|
# | ``tbb`` (a dependency of loopnet on x86-64) | tbb | yes | yes | 0.152 s (GNU OpenMP: 0.152 s) |
# | no tbb (other platforms) | workqueue | no, but every kernel holds the GIL, so two Python threads never run one at once | yes | 0.275 s: no faster than one thread (0.271 s); its start-up per parallel region eats the gain |
#
# (W6: the best of 3 one-epoch fits of 6000 examples in one process, NUMBA_THREADING_LAYER set to each.)
#
# A layer the user chose (NUMBA_THREADING_LAYER set in the environment) is kept.
THREADING_LAYER_CHOSEN_BY_USER = "NUMBA_THREADING_LAYER" in os.environ
if not THREADING_LAYER_CHOSEN_BY_USER:
    keep("THREADING_LAYER", "forksafe")      # kept across numba's config reload (see settings)

# The name of the TBB runtime numba's tbbpool links against, per platform (its major version, 12, is
# the oneTBB ABI numba >= 0.57 builds against).
TBB_LIBRARY = {"linux": "libtbb.so.12", "darwin": "libtbb.12.dylib", "win32": "tbb12.dll"}


def tbb_library_path() -> str | None:
    """Where the installed ``tbb`` package keeps the TBB runtime, from the package's own file list; None if
    the package is not installed or lists no such file."""
    import importlib.metadata as metadata
    name = TBB_LIBRARY.get(sys.platform)
    if name is None:
        return None
    try:
        dist = metadata.distribution("tbb")
    except metadata.PackageNotFoundError:
        return None
    for f in dist.files or ():
        if f.name == name:
            path = os.path.realpath(str(dist.locate_file(f)))
            if os.path.exists(path):
                return path
    return None


def load_tbb() -> tuple[str | None, str]:
    """Load the TBB runtime of the ``tbb`` package into the process (RTLD_GLOBAL, so numba's tbbpool finds
    its symbols). Returns (the path loaded or None, why not)."""
    path = tbb_library_path()
    if path is None:
        return None, "the tbb package is not installed (pip install tbb; wheels exist for x86-64)"
    try:
        ctypes.CDLL(path, mode=getattr(ctypes, "RTLD_GLOBAL", 0))
    except OSError as exc:
        return None, f"{path} did not load: {exc}"
    return path, ""


TBB_PATH, _WHY_NOT = (None, "NUMBA_THREADING_LAYER is set") if THREADING_LAYER_CHOSEN_BY_USER else load_tbb()

# Start numba's threading layer now. A cached serial kernel that calls a parallel one (see
# parallel_kernel) is loaded from the cache without numba noticing that it needs the threading
# layer, whose symbols (allocate_sched, do_scheduling, ...) are only registered when the layer starts:
# without this line the second process to use such a cache crashes (segfault or "Symbol not found").
numba.get_num_threads()


def threading_layer() -> str:
    """The layer numba started ('tbb', 'omp' or 'workqueue')."""
    try:
        return numba.threading_layer()
    except ValueError:            # not started (NUMBA_DISABLE_JIT and the like)
        return "none"


LAYER = threading_layer()
FALLBACK = ""                     # why the layer is not TBB ("" when it is, or when the user chose it)
if LAYER != "tbb" and not THREADING_LAYER_CHOSEN_BY_USER and LAYER != "none":
    if not _WHY_NOT:
        try:
            import numba.np.ufunc.tbbpool  # noqa: F401  (to learn why numba passed it over)
            _WHY_NOT = "numba chose another layer"
        except ImportError as exc:
            _WHY_NOT = f"numba's tbbpool did not import: {exc}"
    FALLBACK = _WHY_NOT
    print(f"loopnet: parallel kernels run on numba's {LAYER} threading layer, not tbb ({FALLBACK}); "
          f"large layers train about 1.8x slower", file=sys.stderr, flush=True)
