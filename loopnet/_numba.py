"""Numba in one place: the decorator every kernel uses, its flags, and the cache fallback.

Every compiled kernel in loopnet is decorated with :func:`kernel`, so the compilation
settings live here and nowhere else (STYLE.md, "Numba in one place"):

| setting | value | why |
|---|---|---|
| ``cache`` | ``True`` unless no cache directory is writable | compiled code is reused across processes |
| ``fastmath`` | ``{"reassoc", "contract"}`` | lets LLVM vectorise the Σ_k reductions and fuse multiply-adds; keeps NaN/Inf semantics so divergence checks still work (never ``fastmath=True``) |
| ``error_model`` | ``"numpy"`` | x/0 gives ±inf or NaN (IEEE, as the numpy twin does) instead of raising ZeroDivisionError from inside a kernel halfway through an update: every backend reports a bad step the same way, as non-finite numbers the Python layer checks |
| ``boundscheck`` | ``LOOPNET_BOUNDSCHECK=1`` turns it on | the debug mode the reliability tests run: an out-of-range index raises IndexError instead of reading garbage |

The same kernel source also runs uncompiled: :func:`python_version` rebuilds a kernel as a
plain Python function whose calls to other kernels are plain Python too, so a learner can set
a breakpoint inside the per-component loops (the ``python`` backend). :func:`variant` compiles
the same source with some callees swapped: the ``loops`` backend is the kernel tree with the
component kernels swapped for the speed layer's (kernels/speedups.py, its ``SPEEDUPS`` table).
"""
from __future__ import annotations

import hashlib
import os
import stat
import tempfile
import types
import warnings

import numba
from numba.core.caching import FunctionCache
from numba.core.registry import CPUDispatcher
from numba.extending import overload

FASTMATH = frozenset({"reassoc", "contract"})
# Multiply-adds per batch and layer from which a kernel runs its prange loop on all cores
# (below it, starting the threads costs more than they save; measured in bench/).
# A plain constant: numba freezes globals into the compiled (and cached) code.
PARALLEL_WORK = 4_000_000
ERROR_MODEL = "numpy"
BOUNDSCHECK = os.environ.get("LOOPNET_BOUNDSCHECK", "0") not in ("", "0")


def _writable(path: str) -> bool:
    try:
        os.makedirs(path, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=path, prefix=".loopnet-probe-", delete=True)
        probe.close()
        return True
    except OSError:
        return False


def _private(path: str) -> bool:
    """Create ``path`` (mode 0700) if missing; True if it is then a real directory (not a symlink) owned by
    this user, writable by nobody else, and writable by us.

    A cache outside HOME lives in a shared directory (/tmp). numba's cache index is a pickle, so a cache
    directory another local user created, or can write to, would let them plant code that this process
    unpickles and runs: such a directory is never used.
    """
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    except OSError:
        return False
    try:
        st = os.lstat(path)
    except OSError:
        return False
    uid = os.getuid() if hasattr(os, "getuid") else st.st_uid
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != uid or st.st_mode & 0o022:
        return False
    return _writable(path)


def _fresh_private_cache(digest: str):
    """A new private directory (mkdtemp: 0700, a name nobody could have guessed) for this process's cache."""
    try:
        return os.path.join(tempfile.mkdtemp(prefix=f"loopnet-{os.getuid() if hasattr(os, 'getuid') else 'user'}-"),
                            f"numba-{digest}")
    except OSError:
        return None


def _source_digest() -> str:
    """A hash of every file that holds kernels, of numba's version and of the compile flags.

    numba checks a cached function against its own file only; a kernel that calls kernels from
    other files (train_epochs calls backpropagate, which calls BP1–BP4) would keep running stale
    code after those files change (an upgrade, a git pull). Naming the cache directory after this
    digest makes any change to any kernel source start a fresh cache.
    """
    package = os.path.dirname(os.path.abspath(__file__))
    h = hashlib.sha256(f"{numba.__version__}|{sorted(FASTMATH)}|{BOUNDSCHECK}|{PARALLEL_WORK}|{ERROR_MODEL}".encode())
    for sub in ("", "kernels"):
        folder = os.path.join(package, sub)
        for name in sorted(os.listdir(folder)):
            if name.endswith(".py"):
                with open(os.path.join(folder, name), "rb") as f:
                    h.update(name.encode() + b"\0" + f.read())
    return h.hexdigest()[:16]


def _choose_cache() -> bool:
    """Point numba's cache at a directory keyed by the kernels' sources; return whether to cache.

    | where | when |
    |---|---|
    | ``$NUMBA_CACHE_DIR/loopnet-<digest>`` | the user set NUMBA_CACHE_DIR (e.g. a directory shared by Dask workers) |
    | ``$XDG_CACHE_HOME`` or ``~/.cache`` + ``/loopnet/numba-<digest>`` | by default |
    | ``<tmp>/loopnet-<uid>/numba-<digest>`` | HOME is not writable; both directories 0700, owned by this user and writable by no one else |
    | a fresh ``mkdtemp`` directory (0700) | ``<tmp>/loopnet-<uid>`` exists but belongs to someone else, is writable by others, is a symlink or is not writable |
    | no cache (compile in every process) | nothing is writable |

    A bounds-checked build (LOOPNET_BOUNDSCHECK=1) has its own digest, so checked and unchecked
    code never share a cache. Without some writable directory numba would refuse to decorate
    a ``cache=True`` function, which would break ``import loopnet``.
    """
    if os.environ.get("NUMBA_DISABLE_JIT", "0") not in ("", "0"):
        return False
    try:
        digest = _source_digest()
    except OSError:
        return False
    uid = os.getuid() if hasattr(os, "getuid") else "user"
    if numba.config.CACHE_DIR:  # the user chose (NUMBA_CACHE_DIR)
        path = os.path.join(numba.config.CACHE_DIR, f"loopnet-{digest}")
        if not _writable(path):
            return False
    else:
        xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        path = os.path.join(xdg, "loopnet", f"numba-{digest}")
        if not _writable(path):           # HOME is read-only: a private directory under <tmp>
            shared = os.path.join(tempfile.gettempdir(), f"loopnet-{uid}")
            path = os.path.join(shared, f"numba-{digest}")
            if not (_private(shared) and _private(path)):
                path = _fresh_private_cache(digest)
                if path is None or not _private(path):
                    return False
    numba.config.CACHE_DIR = path
    return True


class _SelfHealingCache(FunctionCache):
    """numba's per-function cache, except that a damaged entry (a truncated or corrupt index or data
    file: UnpicklingError, EOFError, ...) is a cache miss: the entry's index is removed, the kernel is
    compiled again and the entry rewritten. Without this every call of the kernel raised the unpickling
    error, with no word of where the cache is. The index reader itself is made safe too, for callers
    that ask the cache file whether an entry exists (a damaged index reads as empty)."""

    def __init__(self, py_func):
        super().__init__(py_func)
        read_index = self._cache_file._load_index

        def load_index():
            try:
                return read_index()
            except Exception as exc:
                self._discard(exc)
                return {}

        self._cache_file._load_index = load_index

    def load_overload(self, sig, target_context):
        try:
            return super().load_overload(sig, target_context)
        except Exception as exc:
            self._discard(exc)
            return None

    def save_overload(self, sig, data):
        try:
            super().save_overload(sig, data)
        except Exception as exc:   # the compiled code still runs; only the next process recompiles
            self._discard(exc)

    def _discard(self, exc):
        index = self._cache_file._index_path
        try:
            os.unlink(index)
        except FileNotFoundError:
            pass
        except OSError:
            pass
        warnings.warn(f"loopnet: the numba cache entry {index!r} was unreadable or unwritable "
                      f"({type(exc).__name__}: {exc}); the kernel was compiled afresh. If this repeats, delete the "
                      f"cache directory {numba.config.CACHE_DIR!r} (it is rebuilt on the next run)",
                      RuntimeWarning, stacklevel=2)


def _self_healing(dispatcher):
    """``dispatcher`` with its cache replaced by :class:`_SelfHealingCache` (when caching is on)."""
    if isinstance(getattr(dispatcher, "_cache", None), FunctionCache):
        dispatcher._cache = _SelfHealingCache(dispatcher.py_func)
    return dispatcher


CACHE = _choose_cache()

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
    numba.config.THREADING_LAYER = "forksafe"

# Start numba's threading layer now. A cached serial kernel that calls a parallel one (see
# parallel_kernel) is loaded from the cache without numba noticing that it needs the threading
# layer, whose symbols (allocate_sched, do_scheduling, ...) are only registered when the layer starts:
# without this line the second process to use such a cache crashes (segfault or "Symbol not found").
numba.get_num_threads()


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


_python_versions: dict[int, types.FunctionType] = {}
_python_globals: dict[str, dict] = {}


def _plain(fn):
    return getattr(fn, "py_func", fn)


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


__all__ = ["kernel", "parallel_kernel", "variant", "one_of", "zero_of", "cast_like", "python_version", "FASTMATH",
           "PARALLEL_WORK", "CACHE", "BOUNDSCHECK"]
