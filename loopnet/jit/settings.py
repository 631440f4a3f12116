"""loopnet's numba settings, kept: numba's config reload cannot undo them.

numba re-reads every ``NUMBA_*`` environment variable before each compile whenever one of them changed
since the last read, and then resets *all* of its settings from the environment, including those loopnet
set at import (the cache directory, the threading layer, the CPU level the kernels are built for). A
process that set any ``NUMBA_*`` variable after ``import loopnet`` would then cache later kernels outside
the source-digest directory (and could load stale code from there) or key them under the wrong CPU.
:func:`keep` records a setting; the reload is wrapped so that every kept setting is applied again
right after numba applied the environment.
"""
from __future__ import annotations

from numba.core import config

KEPT: dict[str, object] = {}


def keep(name: str, value) -> None:
    """Set ``numba.config.<name>`` to ``value`` now and after every reload of numba's config."""
    KEPT[name] = value
    setattr(config, name, value)


def _apply() -> None:
    for name, value in KEPT.items():
        setattr(config, name, value)


def _wrap_reload() -> None:
    reloader = getattr(config, "_env_reloader", None)
    if reloader is not None and hasattr(reloader, "process_environ"):
        if getattr(reloader.process_environ, "_loopnet", False):
            return
        process = reloader.process_environ

        def process_environ(environ):
            process(environ)
            _apply()

        process_environ._loopnet = True   # type: ignore[attr-defined]
        reloader.process_environ = process_environ
    else:                                  # another numba: wrap the public entry point instead
        reload = config.reload_config
        if getattr(reload, "_loopnet", False):
            return

        def reload_config():
            reload()
            _apply()

        reload_config._loopnet = True      # type: ignore[attr-defined]
        config.reload_config = reload_config


_wrap_reload()
