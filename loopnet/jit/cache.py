"""Where numba keeps loopnet's compiled kernels, and the checks that make that place safe to read.

numba's cache index is a pickle: a cache directory someone else can write to would let them run code
in this process. Every directory is checked (owner, mode, not a link) before use, and is named after a
digest of every kernel source, so an upgraded kernel never meets stale machine code.
"""
from __future__ import annotations

import hashlib
import os
import stat
import tempfile
import warnings

import numba
from numba.core.caching import FunctionCache

from .flags import BOUNDSCHECK, ERROR_MODEL, FASTMATH, PARALLEL_WORK


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
