"""Fill numba's cache ahead of time: ``loopnet compile`` (and :func:`compile_kernels`).

A first use compiles the kernels it needs (seconds to tens of seconds, see ``COMPILE_SECONDS`` in
:mod:`loopnet.backends`); numba caches them on disk, so every later process loads them in a
fraction of a second. Run this once where the cache should be filled before anyone waits on it:
a container image, a CI cache, the workers of a Dask cluster (``client.run(compile_kernels)``).

| tree | reached by | compiled by default |
|---|---|---|
| ``component`` | every layer below the speed layer's thresholds (the logic gates, tiny nets) | yes |
| ``blocked`` | a layer of 1,024 to 4e6 multiply-adds per batch (digits, MNIST with mini-batches of 10) | yes |
| ``parallel`` | a layer of 4e6 multiply-adds per batch or more (784-256 with mini-batches of 64), and inference over a data set | with ``--all`` (a wheel carries all three) |

Each tree is compiled by running every operation on it once (fit with SGD and Adam, forward,
loss and accuracy, gradients, step) on a small network whose largest layer reaches that tree.

The build of a wheel (the ``build_backend`` directory of the source tree) runs ``python -m
loopnet.precompile`` once per CPU level with ``LOOPNET_BUILD_LEVEL`` and ``LOOPNET_BUILD_DIR`` set
(:mod:`loopnet.jit.shipped`): :func:`ship` compiles the same operations for that level into that
directory without running the compiled code (the build host may lack the level's instructions; the
operations run on the uncompiled kernels instead), and writes the level's manifest beside them.
"""
from __future__ import annotations

import json
import os
import sys
import time
import types

import numpy as np

# tree: (sizes, batch) whose largest layer lands in that tree (see backends._loops_tree)
PROBES = {
    "component": ([2, 2, 1], 4),
    "blocked": ([64, 32, 10], 10),
    "parallel": ([256, 256, 10], 64),
}
DEFAULT_TREES = ("component", "blocked")
SHIPPED_TREES = ("component", "blocked", "parallel")   # what a wheel carries: every tree a default run may reach


def compile_kernels(dtypes=("float64",), trees=DEFAULT_TREES, out=None):
    """Compile (or load from the cache) the ``loops`` backend's kernel trees for each dtype.

    Returns ``{(tree, dtype): seconds}``. Safe to run again: what is cached is only loaded.
    """
    import numba

    from . import jit
    from .network import Network
    from .validation import choice, dtype_of
    out = out or sys.stderr
    trees = [choice(t, PROBES, "trees") and t for t in trees]
    dtypes = [dtype_of(d).name for d in dtypes]
    times = {}
    for dtype in dtypes:
        for tree in trees:
            sizes, batch = PROBES[tree]
            rng = np.random.default_rng(0)
            X = rng.random((batch, sizes[0]))
            Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], batch)]
            t = time.perf_counter()
            for optimizer in ("sgd", "adam"):
                net = Network(sizes, dtype=dtype)
                net.fit(X, Y, epochs=1, batch_size=batch, optimizer=optimizer)
            net.forward(X)           # on the blocked and parallel trees: predict_rows (blocked.predict_plan)
            net.evaluate(X, Y)
            net.step(X, Y, lr=0.1)
            times[tree, dtype] = time.perf_counter() - t
            print(f"loopnet compile: {tree} kernels for {dtype}: {times[tree, dtype]:.1f} s", file=out)
    where = numba.config.CACHE_DIR if jit.CACHE else "nowhere (no writable cache directory)"
    print(f"loopnet compile: cached in {where}", file=out)
    return times


def ship(dtypes=("float64", "float32"), trees=SHIPPED_TREES, out=None):
    """Compile the default trees for the build's CPU level into the build directory, running nothing compiled.

    Every kernel call of :func:`compile_kernels` compiles the compiled kernel for the call's argument types
    and then runs the uncompiled kernel (the ``python`` backend's) for the result the next step needs.
    """
    import numba

    from .backends import _PYTHON, BACKENDS
    from .jit import python_version
    from .kernels import blocked
    from .jit import shipped
    if not shipped.BUILD_DIR:
        raise RuntimeError("ship() compiles for the build: set LOOPNET_BUILD_LEVEL and LOOPNET_BUILD_DIR")
    backend = BACKENDS["loops"]
    choose = backend.trees

    def compile_only(work):
        name, kernels = choose(work)

        def op(op_name):
            compiled, plain = getattr(kernels, op_name), getattr(_PYTHON, op_name, None)
            if plain is None:   # an operation of the speed layer alone (predict_rows): its own uncompiled copy
                plain = python_version(getattr(blocked, op_name))

            def run(*args):
                compiled.compile(tuple(numba.typeof(a) for a in args))
                return plain(*args)
            return run
        return name, types.SimpleNamespace(**{op_name: op(op_name) for op_name in vars(kernels)})

    backend.trees = compile_only
    try:
        times = compile_kernels(dtypes, trees, out=out)
    finally:
        backend.trees = choose
    level = os.environ["LOOPNET_BUILD_LEVEL"]
    with open(os.path.join(shipped.BUILD_DIR, shipped.MANIFEST), "w", encoding="utf-8") as f:
        json.dump(dict(shipped.manifest(level), trees=list(trees), dtypes=list(dtypes)), f, indent=1)
    return times


if __name__ == "__main__":
    ship()
