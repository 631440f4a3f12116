"""loopnet's build backend: setuptools' own, plus the kernels compiled into the wheel.

``python -m build``, ``pip wheel .`` and ``pip install .`` build a wheel through :func:`build_wheel`:
setuptools builds it, then the default kernel trees (both dtypes; see ``loopnet/precompile.py``) are
compiled once per CPU level, each level in its own process (``python -m loopnet.precompile`` with
``LOOPNET_BUILD_LEVEL`` set, see ``loopnet/jit/shipped.py``), and added to the wheel under
``loopnet/_compiled/<level>/``. An editable install and the sdist carry no compiled kernels (an editable
install compiles on first use, into the user's cache).

| ``LOOPNET_BUILD_LEVELS`` (environment) or ``--config-settings levels=...`` | the wheel carries |
|---|---|
| ``x86-64-v3,x86-64-v4`` (the default) | code for any x86-64 CPU with AVX2 (v3) and with AVX-512 (v4) |
| ``host`` | code for the building machine's CPU only (a local install; one level, half the build time) |
| ``none`` | no compiled kernels (every process compiles on first use) |

The compiled code is for the Python minor version and the numba version the build ran with; a process
with another Python or numba, or a CPU below every level carried, compiles on first use as before.
Non-x86-64 builds carry none.
"""
from __future__ import annotations

import base64
import hashlib
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile

from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F401,F403  (build_sdist, build_editable, prepare_metadata_..., ...)

DEFAULT_LEVELS = "x86-64-v3,x86-64-v4"
# what the build processes import: loopnet's own runtime dependencies (the compile runs loopnet)
COMPILE_REQUIRES = ["numpy>=1.24", "numba>=0.59"]


def _levels(config_settings) -> list[str]:
    text = (config_settings or {}).get("levels") or os.environ.get("LOOPNET_BUILD_LEVELS") or DEFAULT_LEVELS
    if text.strip().lower() in ("none", "0", ""):
        return []
    if platform.machine().lower() not in ("x86_64", "amd64") and text != "host":
        print(f"loopnet build: no compiled kernels for {platform.machine()} (levels {text} are x86-64)", file=sys.stderr)
        return []
    return [level.strip() for level in text.split(",") if level.strip()]


def get_requires_for_build_wheel(config_settings=None):
    extra = COMPILE_REQUIRES if _levels(config_settings) else []
    return list(_setuptools.get_requires_for_build_wheel(config_settings)) + extra


def _compile(levels, out):
    """Compile every level into ``out/<level>``, the levels in parallel processes; return {level: seconds}."""
    src = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    procs = {}
    for level in levels:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("NUMBA_", "LOOPNET_"))}
        home = tempfile.mkdtemp(prefix="loopnet-build-home-")
        env.update(PYTHONPATH=src, LOOPNET_BUILD_LEVEL=level, LOOPNET_BUILD_DIR=os.path.join(out, level),
                   HOME=home, XDG_CACHE_HOME=os.path.join(home, ".cache"))
        log = open(os.path.join(out, f"{level}.log"), "w+")
        procs[level] = (subprocess.Popen([sys.executable, "-m", "loopnet.precompile"], env=env, cwd=home,
                                         stdout=log, stderr=subprocess.STDOUT), log, time.perf_counter(), home)
    seconds = {}
    for level, (proc, log, t0, home) in procs.items():
        rc = proc.wait()
        seconds[level] = time.perf_counter() - t0
        log.seek(0)
        text = log.read()
        log.close()
        shutil.rmtree(home, ignore_errors=True)
        if rc != 0:
            raise RuntimeError(f"loopnet build: compiling the kernels for {level} failed:\n{text[-4000:]}")
        print(f"loopnet build: {level} compiled in {seconds[level]:.0f} s", file=sys.stderr)
    return seconds


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def _add_to_wheel(wheel: str, out: str, levels) -> int:
    """Append ``out/<level>/**`` to the wheel as ``loopnet/_compiled/<level>/**`` and rewrite its RECORD."""
    added = []
    for level in levels:
        root = os.path.join(out, level)
        for folder, _, files in os.walk(root):
            for name in sorted(files):
                if name.endswith((".nbi", ".nbc")) or name == "level.json":
                    path = os.path.join(folder, name)
                    rel = os.path.relpath(path, root).replace(os.sep, "/")
                    added.append((f"loopnet/_compiled/{level}/{rel}", path))
    for level in levels:
        if not any(arc.startswith(f"loopnet/_compiled/{level}/") and arc.endswith(".nbc") for arc, _ in added):
            raise RuntimeError(f"loopnet build: compiling for {level} left no kernels in {os.path.join(out, level)}")
    tmp = wheel + ".tmp"
    with zipfile.ZipFile(wheel) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        record_name = next(n for n in zin.namelist() if n.endswith(".dist-info/RECORD"))
        record = zin.read(record_name).decode().splitlines()
        for info in zin.infolist():
            if info.filename != record_name:
                zout.writestr(info, zin.read(info.filename))
        for arcname, path in added:
            with open(path, "rb") as f:
                data = f.read()
            zout.writestr(zipfile.ZipInfo(arcname, date_time=(2020, 1, 1, 0, 0, 0)), data,
                          compress_type=zipfile.ZIP_DEFLATED)
            record.insert(len(record) - 1, _record_line(arcname, data))
        zout.writestr(record_name, "\n".join(record) + "\n")
    os.replace(tmp, wheel)
    return len(added)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    name = _setuptools.build_wheel(wheel_directory, config_settings, metadata_directory)
    levels = _levels(config_settings)
    if not levels:
        return name
    out = tempfile.mkdtemp(prefix="loopnet-kernels-")
    try:
        _compile(levels, out)
        n = _add_to_wheel(os.path.join(wheel_directory, name), out, levels)
        print(f"loopnet build: {n} compiled-kernel files for {', '.join(levels)} added to {name}", file=sys.stderr)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return name
