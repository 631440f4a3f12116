"""Where numba keeps loopnet's compiled kernels, and the checks that make that place safe to read.

numba's cache index is a pickle: a cache directory someone else can write to would let them run code
in this process. Every directory is checked (a real directory, owned by this user, writable by no one
else) before use, whichever way it was chosen, and so is every directory below it that numba writes
into; one that fails the check is never read (a warning says so, and a private directory is used
instead). The cache is named after a digest of every kernel source, so an upgraded kernel never meets
stale machine code; the setting is kept across numba's config reloads (:mod:`loopnet.jit.settings`).

In front of this cache sits the read-only cache of kernels shipped compiled with the package
(:mod:`loopnet.jit.shipped`): a kernel found there is loaded from there, anything else compiles and is
cached here.
"""
from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import stat
import tempfile
import warnings

import numba
from numba.core import config
from numba.core.caching import (CompileResultCacheImpl, FunctionCache, IndexDataCacheFile, NullCache,
                                UserProvidedCacheLocator)

from . import shipped
from .flags import BOUNDSCHECK, ERROR_MODEL, FASTMATH, PARALLEL_WORK
from .settings import keep


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
    """A new private directory (mkdtemp: 0700, a name nobody could have guessed) for this process's cache,
    removed when the process ends."""
    try:
        top = tempfile.mkdtemp(prefix=f"loopnet-{os.getuid() if hasattr(os, 'getuid') else 'user'}-")
    except OSError:
        return None
    atexit.register(shutil.rmtree, top, True)
    return os.path.join(top, f"numba-{digest}")


def _private_tree(root: str, path: str) -> bool:
    """``_private`` for ``root`` and every directory from it down to ``path`` (created 0700 where missing)."""
    parts = os.path.relpath(path, root).split(os.sep)
    here = root
    for part in [""] + [p for p in parts if p not in ("", ".")]:
        here = os.path.join(here, part) if part else here
        if here not in _CHECKED:
            if not _private(here):
                return False
            _CHECKED.add(here)
    return True


_CHECKED: set = set()   # directories that passed the check in this process


def _refuse(path: str) -> None:
    warnings.warn(f"loopnet: not using the kernel cache directory {path!r}: it is not a directory of this user's "
                  f"that no one else can write to (numba's cache holds pickles, which run code when loaded); "
                  f"using a private directory instead. Fix its owner and mode (chmod 700), or set "
                  f"XDG_CACHE_HOME or NUMBA_CACHE_DIR to a directory of your own", RuntimeWarning, stacklevel=3)


def _fallback(digest: str, uid) -> str | None:
    """``<tmp>/loopnet-<uid>/numba-<digest>`` when private (reused across processes), else a fresh mkdtemp."""
    shared = os.path.join(tempfile.gettempdir(), f"loopnet-{uid}")
    path = os.path.join(shared, f"numba-{digest}")
    if _private(shared) and _private(path):
        return path
    path = _fresh_private_cache(digest)
    if path is None or not _private(path):
        return None
    return path


def _source_digest() -> str:
    """A hash of every file that holds kernels, of numba's version and of the compile flags.

    numba checks a cached function against its own file only; a kernel that calls kernels from
    other files (train_epochs calls backpropagate, which calls BP1–BP4) would keep running stale
    code after those files change (an upgrade, a git pull). Naming the cache directory after this
    digest makes any change to any kernel source start a fresh cache.
    """
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    h = hashlib.sha256(f"{numba.__version__}|{sorted(FASTMATH)}|{BOUNDSCHECK}|{PARALLEL_WORK}|{ERROR_MODEL}".encode())
    for sub in ("", "kernels", "jit"):
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
    | a fresh ``mkdtemp`` directory (0700), removed at exit | ``<tmp>/loopnet-<uid>`` exists but belongs to someone else, is writable by others, is a symlink or is not writable |
    | the ``<tmp>`` fallbacks, with a warning | the directory chosen above (``loopnet-<digest>``, or ``loopnet`` and ``numba-<digest>``) exists but fails the same check |
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
    if shipped.BUILD_DIR:                 # the build: compile into the level's directory
        os.makedirs(shipped.BUILD_DIR, mode=0o700, exist_ok=True)
        keep("CACHE_DIR", shipped.BUILD_DIR)
        return True
    if numba.config.CACHE_DIR:  # the user chose (NUMBA_CACHE_DIR)
        top = numba.config.CACHE_DIR
        path = check = os.path.join(top, f"loopnet-{digest}")
        try:
            os.makedirs(top, exist_ok=True)
        except OSError:
            return False
        if not _writable(top):
            return False
    else:
        xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        check = os.path.join(xdg, "loopnet")
        path = os.path.join(check, f"numba-{digest}")
        if not _writable(xdg):            # HOME is read-only: a private directory under <tmp>
            path = None
    if path is not None and not _private_tree(check, path):   # from the first directory that is loopnet's
        _refuse(path)
        path = None
    if path is None:
        path = _fallback(digest, uid)
        if path is None:
            return False
    _CHECKED.add(path)
    keep("CACHE_DIR", path)
    return True


class _PrivateLocator(UserProvidedCacheLocator):
    """numba's locator for ``config.CACHE_DIR``, with two changes: a kernel of the loopnet package is cached
    under its path inside the package (``loopnet/kernels``), not under a hash of where the package is
    installed (so the shipped cache, built elsewhere, has the same layout); and every directory it
    creates is created 0700 and checked like the cache directory itself."""

    def __init__(self, py_func, py_file):
        super().__init__(py_func, py_file)
        self.package_path = _package_path(py_file)
        if self.package_path is not None:
            self._cache_path = os.path.join(config.CACHE_DIR, self.package_path)

    def ensure_cache_path(self):
        path = self.get_cache_path()
        root = config.CACHE_DIR
        if os.path.commonpath([root, path]) != os.path.normpath(root) or not _private_tree(root, path):
            raise OSError(f"loopnet: {path} is not a private directory")


def _package_path(py_file: str) -> str | None:
    """``loopnet/<sub>`` for a file of the loopnet package, else None."""
    folder = os.path.dirname(os.path.abspath(py_file))
    rel = os.path.relpath(folder, shipped.PACKAGE_DIR)
    if rel == os.curdir:
        return "loopnet"
    if rel.startswith(os.pardir) or os.path.isabs(rel):
        return None
    return os.path.join("loopnet", rel)


class _CacheImpl(CompileResultCacheImpl):
    _locator_classes = [_PrivateLocator, *CompileResultCacheImpl._locator_classes]


class _SelfHealingCache(FunctionCache):
    """numba's per-function cache, with loopnet's locator (:class:`_PrivateLocator`), the shipped kernels
    read first (read-only), and a damaged entry (a truncated or corrupt index or data file:
    UnpicklingError, EOFError, ...) treated as a cache miss: the entry's index is removed, the kernel is
    compiled again and the entry rewritten. Without this every call of the kernel raised the unpickling
    error, with no word of where the cache is. The index reader itself is made safe too, for callers
    that ask the cache file whether an entry exists (a damaged index reads as empty)."""

    _impl_class = _CacheImpl

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
        self._shipped = None
        where = getattr(self._impl.locator, "package_path", None)
        if shipped.LEVEL_DIR and where is not None:
            self._shipped = IndexDataCacheFile(cache_path=os.path.join(shipped.LEVEL_DIR, where),
                                               filename_base=self._impl.filename_base,
                                               source_stamp=self._impl.locator.get_source_stamp())

    def _shipped_entry(self, key):
        """The shipped data for ``key``, or None (an unreadable shipped file is a miss, said once)."""
        try:
            return self._shipped.load(key)
        except Exception as exc:
            warnings.warn(f"loopnet: a compiled kernel shipped with loopnet ({self._shipped._index_path!r}) "
                          f"was unreadable ({type(exc).__name__}: {exc}); it is compiled instead. Reinstalling "
                          f"loopnet restores it", RuntimeWarning, stacklevel=3)
            self._shipped = None
            return None

    def has(self, sig, codegen) -> bool:
        """Whether loading ``sig`` needs no compiling (shipped, or in the user's cache)."""
        key = self._index_key(sig, codegen)
        if self._shipped is not None:
            try:
                if key in self._shipped._load_index():
                    return True
            except Exception:
                pass
        return key in self._cache_file._load_index()

    def load_overload(self, sig, target_context):
        if self._shipped is not None and self._enabled:
            target_context.refresh()
            data = self._shipped_entry(self._index_key(sig, target_context.codegen()))
            if data is not None:
                try:
                    return self._impl.rebuild(target_context, data)
                except Exception:
                    self._shipped = None
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


def is_cached(dispatcher, sig) -> bool:
    """Whether ``dispatcher`` can load ``sig`` without compiling (from the shipped kernels or the cache)."""
    cache = getattr(dispatcher, "_cache", None)
    if isinstance(cache, _SelfHealingCache):
        return cache.has(sig, dispatcher.targetctx.codegen())
    if cache is None or isinstance(cache, NullCache):
        return False
    return cache._index_key(sig, dispatcher.targetctx.codegen()) in cache._cache_file._load_index()


def _self_healing(dispatcher):
    """``dispatcher`` with its cache replaced by :class:`_SelfHealingCache` (when caching is on)."""
    if isinstance(getattr(dispatcher, "_cache", None), FunctionCache):
        dispatcher._cache = _SelfHealingCache(dispatcher.py_func)
    return dispatcher


CACHE = _choose_cache()
