"""The machine numba compiles for: its vector width, its vector registers, its caches.

numba compiles for the host CPU (or for ``NUMBA_CPU_NAME``/``NUMBA_CPU_FEATURES`` when set); llvmlite
reports the features LLVM sees. The speed layer's register tiles are chosen from these (see
:mod:`loopnet.kernels.blocked`), so the choice is made on the machine the kernels are built on, not by
the author's machine.

| features | vector | bytes | vector registers | doubles / floats per vector |
|---|---|---|---|---|
| ``avx512f`` | zmm | 64 | 32 | 8 / 16 |
| ``avx2`` (or ``avx``) | ymm | 32 | 16 | 4 / 8 |
| ``sse2`` … ``sse4.2`` (x86-64 baseline) | xmm | 16 | 16 | 2 / 4 |
| ``neon`` / ``asimd`` (aarch64: Apple silicon, Graviton) | q | 16 | 32 | 2 / 4 |
"""
from __future__ import annotations

import os
import platform


def cpu_features() -> set[str]:
    """The CPU features numba compiles with: NUMBA_CPU_FEATURES if set ("+avx2,-avx512f,…"), else the host's."""
    from numba.core import config
    if config.CPU_FEATURES:
        return {f[1:] for f in config.CPU_FEATURES.split(",") if f.startswith("+")}
    import llvmlite.binding as llvm
    try:
        return {name for name, on in llvm.get_host_cpu_features().items() if on}
    except RuntimeError:          # llvmlite cannot read them on this platform
        return set()


def cpu_name() -> str:
    """LLVM's name for the CPU numba compiles for ('znver3', 'sapphirerapids', 'apple-m1', …)."""
    from numba.core import config
    if config.CPU_NAME:
        return config.CPU_NAME
    import llvmlite.binding as llvm
    return llvm.get_host_cpu_name()


def vector_shape(features: set[str], machine: str) -> tuple[int, int]:
    """(vector bytes, vector registers) for these features (the table above)."""
    if "avx512f" in features:
        return 64, 32
    if "avx2" in features or "avx" in features:
        return 32, 16
    if machine in ("aarch64", "arm64") or "neon" in features or "asimd" in features:
        return 16, 32
    return 16, 16


def cache_bytes(level: int) -> int:
    """The size of one core's L<level> data cache in bytes, 0 if the system does not say."""
    name = {1: "SC_LEVEL1_DCACHE_SIZE", 2: "SC_LEVEL2_CACHE_SIZE", 3: "SC_LEVEL3_CACHE_SIZE"}[level]
    try:
        size = os.sysconf(name)
    except (ValueError, OSError, AttributeError):
        size = 0
    if size and size > 0:
        return int(size)
    base = "/sys/devices/system/cpu/cpu0/cache"
    try:
        for index in sorted(os.listdir(base)):
            d = os.path.join(base, index)
            with open(os.path.join(d, "level")) as f:
                if int(f.read()) != level:
                    continue
            with open(os.path.join(d, "type")) as f:
                if f.read().strip() == "Instruction":
                    continue
            with open(os.path.join(d, "size")) as f:
                text = f.read().strip()
            unit = {"K": 1024, "M": 1024 ** 2}.get(text[-1], 1)
            return int(text.rstrip("KM")) * unit
    except (OSError, ValueError):
        pass
    return 0


MACHINE = platform.machine().lower()
FEATURES = cpu_features()
CPU_NAME = cpu_name()
VECTOR_BYTES, VECTOR_REGISTERS = vector_shape(FEATURES, MACHINE)
L2_BYTES = cache_bytes(2) or 512 * 1024        # 512 KiB when unknown (the smallest of current x86 and Arm cores)
VECTOR_EXTENSIONS = sorted(f for f in FEATURES if f in ("sse4.2", "avx", "avx2", "fma", "avx512f", "avx512vl",
                                                        "avx512bw", "avx512vnni", "amx-tile", "neon", "asimd", "sve", "sve2"))


def describe() -> dict:
    """What the bench report prints about the target."""
    return {"machine": MACHINE, "llvm_cpu": CPU_NAME, "vector_bytes": VECTOR_BYTES,
            "vector_registers": VECTOR_REGISTERS, "vector_extensions": VECTOR_EXTENSIONS, "l2_bytes": L2_BYTES}
