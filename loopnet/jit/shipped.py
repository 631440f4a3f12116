"""The kernels that ship compiled: which CPU level of them this process uses.

A wheel carries numba's cache for the kernel trees a default run uses, built once per CPU level
(``loopnet/_compiled/<level>/``, made by the build backend, see ``loopnet.precompile.ship``). At import
the best level this CPU runs is chosen; loopnet's kernels are then built for that level in this
process (numba's CPU name and features), so the shipped entries' keys match and they load instead of
compiling, and anything not shipped (the parallel tree, another signature) compiles for that same
level into the user's cache. Every process on one machine therefore runs the same machine code,
shipped or compiled. A process whose numba, Python or CPU matches no shipped level compiles for its
own CPU, as without a shipped cache.

| level | the CPU needs (LLVM's names) | rank |
|---|---|---|
| ``x86-64-v4`` | x86-64-v3's, and avx512f, avx512bw, avx512cd, avx512dq, avx512vl | 4 |
| ``x86-64-v3`` | x86-64-v2's (sse3, ssse3, sse4.1, sse4.2, popcnt, cx16, sahf), and avx, avx2, bmi, bmi2, f16c, fma, lzcnt, movbe, xsave | 3 |
| the build host's CPU (``LOOPNET_BUILD_LEVELS=host``) | exactly the build host's features | 10 |

numba has one CPU setting per process: while a level is in use, other numba code in the process is
built for that level too (portable code, at most a few percent slower than code for this exact CPU).
If numba compiled anything before loopnet was imported, its setting is fixed and no level is used.

Where bits may differ: code for two levels may order a vectorised sum differently (wider vectors
on x86-64-v4, fastmath reassociation), so two machines of different levels can differ in the last
bits (float64: ~1e-15 relative). On one machine every process uses one level.

| variable | effect |
|---|---|
| ``LOOPNET_KERNELS=host`` | ignore the shipped kernels; compile for this CPU (numba's default) |
| ``LOOPNET_SHIPPED_DIR=DIR`` | read the levels from DIR instead of the package's ``_compiled`` |
| ``NUMBA_CPU_NAME`` / ``NUMBA_CPU_FEATURES`` set | the user chose a CPU: no shipped level |
| ``LOOPNET_BUILD_LEVEL=L`` + ``LOOPNET_BUILD_DIR=DIR`` | (the build) compile level L into DIR |
"""
from __future__ import annotations

import json
import os
import sys

import numba

from .settings import keep

V2 = {"sse3", "ssse3", "sse4.1", "sse4.2", "popcnt", "cx16", "sahf"}
V3 = V2 | {"avx", "avx2", "bmi", "bmi2", "f16c", "fma", "lzcnt", "movbe", "xsave"}
V4 = V3 | {"avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"}
# portable level → (features the CPU needs, rank: the highest usable rank wins)
PORTABLE = {"x86-64-v3": (V3, 3), "x86-64-v4": (V4, 4)}
HOST_RANK = 10
MANIFEST = "level.json"

PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

LEVEL: str | None = None        # the shipped level in use
LEVEL_DIR: str | None = None    # its directory (read-only)
REASON = ""                     # why no level is used, when none is
BUILD_DIR: str | None = None    # set while the build compiles a level: the cache goes there


def python_tag() -> str:
    return f"{sys.version_info[0]}.{sys.version_info[1]}"


def host_features() -> set[str]:
    """The features this CPU has, by LLVM's names."""
    import llvmlite.binding as ll
    return {name for name, on in ll.get_host_cpu_features().items() if on}


def host_level() -> dict:
    """The manifest of a level built for this CPU exactly (numba's defaults)."""
    import llvmlite.binding as ll
    from numba.core.codegen import get_host_cpu_features
    return dict(cpu_name=ll.get_host_cpu_name(), cpu_features=get_host_cpu_features(),
                requires=sorted(host_features()), rank=HOST_RANK)


def manifest(level: str) -> dict:
    """What the build writes next to a level's cache: the code settings and what a process needs to use it."""
    import llvmlite.binding as ll
    if level == "host":
        m = host_level()
    else:
        features, rank = PORTABLE[level]
        # CPU features "" (not numba's default, the host's features): LLVM takes them from the CPU name
        m = dict(cpu_name=level, cpu_features="", requires=sorted(features), rank=rank)
    return dict(m, numba=numba.__version__, python=python_tag(), triple=ll.get_process_triple())


def _codegen_started() -> bool:
    """True once numba built its CPU target (its code settings are then fixed for this process)."""
    from numba.core.registry import cpu_target
    return "_toplevel_target_context" in vars(cpu_target)


def _use(m: dict) -> None:
    keep("CPU_NAME", m["cpu_name"])
    keep("CPU_FEATURES", m["cpu_features"])


def _choose() -> None:
    global LEVEL, LEVEL_DIR, REASON, BUILD_DIR
    if numba.config.DISABLE_JIT:
        REASON = "NUMBA_DISABLE_JIT is set"
        return
    build = os.environ.get("LOOPNET_BUILD_LEVEL")
    if build:
        BUILD_DIR = os.environ["LOOPNET_BUILD_DIR"]
        _use(manifest(build))
        return
    if os.environ.get("LOOPNET_KERNELS", "") == "host":
        REASON = "LOOPNET_KERNELS=host"
        return
    if "NUMBA_CPU_NAME" in os.environ or "NUMBA_CPU_FEATURES" in os.environ:
        REASON = "NUMBA_CPU_NAME / NUMBA_CPU_FEATURES chose the CPU"
        return
    root = os.environ.get("LOOPNET_SHIPPED_DIR") or os.path.join(PACKAGE_DIR, "_compiled")
    try:
        names = sorted(os.listdir(root))
    except OSError:
        REASON = "no compiled kernels in this installation"
        return
    import llvmlite.binding as ll
    have, best, why = host_features(), None, []
    for name in names:
        try:
            with open(os.path.join(root, name, MANIFEST), encoding="utf-8") as f:
                m = json.load(f)
        except (OSError, ValueError):
            continue
        mismatch = [f"{key} {m.get(key)} (here {here})" for key, here in
                    (("numba", numba.__version__), ("python", python_tag()), ("triple", ll.get_process_triple()))
                    if m.get(key) != here]
        lacking = sorted(set(m.get("requires", ())) - have)
        if mismatch or lacking:
            why.append(f"{name}: " + ", ".join(mismatch + ([f"this CPU lacks {', '.join(lacking)}"] if lacking else [])))
        elif best is None or m["rank"] > best[1]["rank"]:
            best = (name, m)
    if best is None:
        REASON = "the shipped kernels do not fit this process: " + "; ".join(why or ["none found"])
        return
    if _codegen_started():
        REASON = "numba compiled code before loopnet was imported (its CPU settings are fixed)"
        return
    LEVEL, LEVEL_DIR = best[0], os.path.join(root, best[0])
    _use(best[1])


_choose()
