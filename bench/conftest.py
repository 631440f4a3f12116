"""Benchmark options, and the machine description written into ``--benchmark-json``.

``python3 -m pytest bench`` runs the whole table; ``--quick`` a subset: inference over a data set on
W3–W6 (loops, numpy, torch, jax) and training epochs on W1, W3, W4 (loops, numpy, jax), both dtypes. The JSON's ``machine_info`` gains the CPU model,
library versions, the BLAS in use (threadpoolctl), and the peak reference: the GFLOP/s of a
large NumPy matrix product, single-threaded and on all cores, float64 and float32.
"""
from __future__ import annotations

import os
import platform
import subprocess
import time

import numpy as np


def pytest_addoption(parser):
    parser.addoption("--quick", action="store_true", default=False,
                     help="loopnet benchmarks: a subset (predict W3-W6, train W1/W3/W4; both dtypes; the JAX and "
                          "PyTorch peers) for a short run")


def cpu_model():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return platform.processor()
    fields = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
    return " ".join(fields.get("Model name", platform.processor()).split())


def matmul_peak(dtype, threads, n=2000, repeats=3):
    """GFLOP/s (2n³ per product) of the best of ``repeats`` n×n NumPy products on ``threads`` BLAS threads."""
    from threadpoolctl import threadpool_limits
    rng = np.random.default_rng(0)
    a = rng.random((n, n)).astype(dtype)
    b = rng.random((n, n)).astype(dtype)
    with threadpool_limits(limits=threads, user_api="blas"):
        a @ b
        best = float("inf")
        for _ in range(repeats):
            t = time.perf_counter()
            a @ b
            best = min(best, time.perf_counter() - t)
    return 2.0 * n ** 3 / best / 1e9


def install_mode():
    """How the loopnet being measured is installed: the environment (venv, conda, system Python) and the
    install (editable, regular, or imported from a source tree), e.g. "venv, editable"."""
    import importlib.metadata as metadata
    import json
    import sys
    where = ("venv" if sys.prefix != sys.base_prefix else
             "conda" if os.path.exists(os.path.join(sys.prefix, "conda-meta")) else "system Python")
    # every record of the distribution on sys.path: a source tree's own *.egg-info (on the path when the
    # bench runs from the tree) has no direct_url.json and must not hide pip's record in site-packages
    records = [d for d in metadata.distributions() if (d.metadata["Name"] or "").lower() == "loopnet-backprop"]
    directs = [json.loads(d.read_text("direct_url.json")) for d in records if d.read_text("direct_url.json")]
    if directs:
        how = "editable" if directs[0].get("dir_info", {}).get("editable") else "installed"
    elif records:
        how = "installed"
    else:
        how = "not installed: imported from the source tree"
    import loopnet
    return f"{where} ({sys.prefix}), {how}; loopnet imported from {os.path.dirname(loopnet.__file__)}"


def threading_info():
    """The numba threading layer after a parallel kernel ran, and the target the tiles were chosen for."""
    import numba
    import numpy as np
    from loopnet.jit import target, threads
    from loopnet.kernels import blocked
    z = np.empty((8, 8))
    blocked.weighted_input_blocked_parallel(z, np.ones((8, 8)), np.zeros(8), np.ones((8, 8)))
    return {"threading_layer": numba.threading_layer(), "tbb_library": threads.TBB_PATH,
            "threading_fallback": threads.FALLBACK, "target": target.describe(), "forward_tile": blocked.FORWARD_TILE}


def pytest_benchmark_update_machine_info(config, machine_info):
    import numba
    from threadpoolctl import threadpool_info
    cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()
    except OSError:
        load = None
    info = {
        "install": install_mode(),
        **threading_info(),
        "load_average": load,
        "cpu_model": cpu_model(),
        "cores": cores,
        "numpy": np.__version__,
        "numba": numba.__version__,
        "numba_threads": numba.config.NUMBA_NUM_THREADS,
        "blas": [{k: d.get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
                 for d in threadpool_info() if d.get("user_api") == "blas"],
        "env": {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_NUM_THREADS",
                                               "NUMBA_NUM_THREADS")},
        "peak_gflops": {f"{dt}_{label}": round(matmul_peak(dt, t), 2)
                        for dt in ("float64", "float32") for label, t in (("1core", 1), ("all", cores))},
    }
    try:
        import torch
        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
    except ImportError:
        pass
    try:
        import sklearn
        info["sklearn"] = sklearn.__version__
    except ImportError:
        pass
    machine_info["loopnet"] = info
