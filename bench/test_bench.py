"""loopnet benchmarks: the table of implementations (impls.py) × the table of workloads below.

Run:  python3 -m pytest bench --benchmark-json=results.json     (all; ~10 min on 2 cores)
      python3 -m pytest bench --quick                            (a subset; < 2 min)
then: python3 -m loopnet.bench report results.json --out bench/results/

Each benchmark is its own pytest-benchmark group "<workload> <operation> <dtype>", so the
implementations print side by side. The JIT is warmed (and every implementation run once)
before timing; after timing every benchmark checks its answer: forward passes and gradients
equal the NumPy twin's, one epoch of loops/python training gives the twin's weights, and
baselines' weights stay finite and move.

``extra_info`` of each benchmark says how to read its time: ``per_unit`` is the number of
operations one timed call performs (K epochs of a tiny network per call: per_unit = K; 6000 of
W4–W6's 60000 examples: per_unit = 0.1), and ``flops_per_unit`` counts 2·n_in·n_out per layer per
example forward and three times that for gradients and training.
"""
from __future__ import annotations

import time

import numpy as np
import pytest

import loopnet as ln
from loopnet.datasets import logic_gate, seed_data

from impls import available, make

# id: (sizes, examples in the data set, mini-batch, examples timed per train_epoch call)
WORKLOADS = {
    "W1": ([2, 2, 1], 4, 4, 4),
    "W2": ([3, 4, 1], 4, 4, 4),
    "W3": ([64, 30, 10], 1797, 10, 1797),
    "W4": ([784, 30, 10], 60000, 10, 6000),
    "W5": ([784, 100, 10], 60000, 10, 6000),
    "W6": ([784, 256, 256, 10], 60000, 64, 6000),
}
IMPLS = ["loops", "plain", "numpy", "python", "nielsen", "torch", "jax", "sklearn"]
OPERATIONS = ["forward", "predict", "gradients", "train_epoch"]
# ``predict``: inference over a data set (digits' 1,797 rows; 10,000 rows of MNIST's size), the peers as
# their users predict: a jitted JAX forward, PyTorch's nn.Sequential under inference_mode on its default threads
PREDICT_ROWS = {"W3": 1797, "W4": 10000, "W5": 10000, "W6": 10000}
PREDICT_IMPLS = ("loops", "plain", "numpy", "torch", "jax")
DTYPES = ["float64", "float32"]
TINY = ("W1", "W2")
# epochs per timed call for the tiny workloads, so one call takes milliseconds, not microseconds
EPOCHS_PER_CALL = {"loops": 20000, "plain": 20000, "numpy": 500, "python": 20, "nielsen": 500, "torch": 100, "jax": 20000, "sklearn": 50}


def wanted(impl, wid, op, dtype, quick):
    if impl in ("torch", "jax", "sklearn") and not available(impl):
        return False
    if impl == "python" and (wid not in ("W1", "W2", "W3") or (wid == "W3" and op == "train_epoch")):
        return False  # the uncompiled loops: tiny workloads only (a W3 epoch takes ~10 s)
    if impl == "sklearn" and op != "train_epoch":
        return False  # sklearn has no public forward-with-given-weights or gradient call
    if impl in ("nielsen", "sklearn") and dtype == "float32":
        return False
    if op == "predict" and (wid not in PREDICT_ROWS or impl not in PREDICT_IMPLS):
        return False
    if quick:   # inference W3–W6 and training W1/W3/W4 against the peers, both dtypes: the targets' rows
        if op == "predict":
            return impl in ("loops", "numpy", "torch", "jax")
        return op == "train_epoch" and wid in ("W1", "W3", "W4") and impl in ("loops", "numpy", "jax")
    return True


def pytest_generate_tests(metafunc):
    if "case" not in metafunc.fixturenames:
        return
    quick = metafunc.config.getoption("quick")
    cases = [(wid, op, dtype, impl) for wid in WORKLOADS for op in OPERATIONS for dtype in DTYPES for impl in IMPLS
             if wanted(impl, wid, op, dtype, quick)]
    metafunc.parametrize("case", cases, ids=["-".join(c) for c in cases])


def dataset(wid, dtype, timed=None):
    sizes, N, _, default = WORKLOADS[wid]
    timed = timed or default
    if wid == "W1":
        X, Y = logic_gate("or")
    elif wid == "W2":
        X, Y = seed_data("step-by-step-3-4-1")
    else:   # synthetic: the speed of these loops does not depend on the values
        rng = np.random.default_rng(1)
        X = rng.random((timed, sizes[0]))
        Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], timed)]
    return np.ascontiguousarray(X, dtype=dtype), np.ascontiguousarray(Y, dtype=dtype)


def cores_used(impl, sizes, B, op="train_epoch"):
    """Cores the loops backend computes on: all of numba's threads once a layer reaches PARALLEL_WORK
    (predict: as many as blocked.predict_plan gives the data set runs)."""
    import numba
    from loopnet.jit import PARALLEL_WORK
    from loopnet.kernels import blocked
    if impl != "loops":
        return 1
    if op == "predict":
        _, runs = blocked.predict_plan(sizes, 8, B, numba.get_num_threads())
        return min(runs, numba.get_num_threads())
    work = B * max(sizes[l] * sizes[l - 1] for l in range(1, len(sizes)))
    return numba.get_num_threads() if work >= PARALLEL_WORK else 1


def flops_per_example(sizes):
    """Multiply-adds × 2 of one forward pass: Σ_l 2 n_{l−1} n_l."""
    return sum(2 * sizes[l - 1] * sizes[l] for l in range(1, len(sizes)))


def as_array(out):
    if isinstance(out, list):
        return np.concatenate([o.reshape(1, -1) for o in out])
    if hasattr(out, "detach"):
        return out.detach().numpy()
    return np.asarray(out)


def run(benchmark, fn):
    """Warm up, then time ``fn`` with enough iterations per round for µs-scale calls."""
    fn()
    t = time.perf_counter()
    fn()
    once = max(time.perf_counter() - t, 1e-7)
    iterations = max(1, int(2e-3 / once))
    rounds = int(min(30, max(3, 0.5 / (once * iterations))))
    return benchmark.pedantic(fn, rounds=rounds, iterations=iterations, warmup_rounds=0)


def tolerance(dtype):
    return dict(rtol=1e-9, atol=1e-12) if dtype == "float64" else dict(rtol=2e-3, atol=2e-5)


def test_bench(benchmark, case):
    wid, op, dtype, impl = case
    sizes, N, B, timed = WORKLOADS[wid]
    X, Y = dataset(wid, dtype, PREDICT_ROWS.get(wid) if op == "predict" else None)
    twin = make("numpy", sizes, B, dtype)
    it = make(impl, sizes, B, dtype)
    benchmark.group = f"{wid} {op} {dtype}"
    info = dict(impl=impl, workload=wid, operation=op, dtype=dtype, sizes=sizes, batch_size=B, examples=N,
                cores_used=cores_used(impl, sizes, X.shape[0] if op == "predict" else B, op))
    fpe = flops_per_example(sizes)
    if op == "predict":
        if hasattr(it, "default_threads"):
            it.default_threads()
            info.update(threads=_torch_threads())
        Xi, _ = it.prepare(X, Y)
        out = run(benchmark, lambda: it.predict(Xi))
        info.update(per_unit=1.0, unit=f"forward pass over a data set of {X.shape[0]} examples",
                    flops_per_unit=fpe * X.shape[0])
        benchmark.extra_info.update(info)
        np.testing.assert_allclose(as_array(out).reshape(X.shape[0], -1), twin.forward(X), **tolerance(dtype))
    elif op == "forward":
        Xi, _ = it.prepare(X, Y)
        out = run(benchmark, lambda: it.forward(Xi))
        info.update(per_unit=1.0, unit=f"forward pass over {X.shape[0]} examples", flops_per_unit=fpe * X.shape[0])
        benchmark.extra_info.update(info)
        np.testing.assert_allclose(as_array(out).reshape(X.shape[0], -1), twin.forward(X), **tolerance(dtype))
    elif op == "gradients":
        Xi, Yi = it.prepare(X[:B], Y[:B])
        g = run(benchmark, lambda: it.gradients(Xi, Yi))
        info.update(per_unit=1.0, unit=f"gradients of one mini-batch of {B}", flops_per_unit=3 * fpe * B)
        benchmark.extra_info.update(info)
        np.testing.assert_allclose(g, twin.gradients(X[:B], Y[:B]), **tolerance(dtype))
    else:
        Xi, Yi = it.prepare(X, Y)
        epochs = EPOCHS_PER_CALL[impl] if wid in TINY else 1
        start = it.params()
        benchmark.extra_info.update(info)
        run_train(benchmark, it, Xi, Yi, epochs)
        per_unit = epochs * timed / N      # epochs per timed call (a fraction for W4–W6)
        what = f"{epochs} epochs per call" if epochs > 1 else (
            "one epoch" if timed == N else f"{timed} of {N} examples per call, scaled to the epoch")
        benchmark.extra_info.update(per_unit=per_unit, unit=f"one epoch ({what})", flops_per_unit=3 * fpe * N)
        after = it.params()
        assert np.all(np.isfinite(after)) and not np.array_equal(after, start)
        if impl in ("loops", "plain", "python"):   # one epoch from the same start gives the twin's weights
            a, b = make(impl, sizes, B, dtype), make("numpy", sizes, B, dtype)
            n = min(X.shape[0], 200)
            a.train(*a.prepare(X[:n], Y[:n]), 1)
            b.train(*b.prepare(X[:n], Y[:n]), 1)
            np.testing.assert_allclose(a.params(), b.params(), **tolerance(dtype))


def run_train(benchmark, it, X, Y, epochs):
    it.train(X, Y, epochs)   # warm the JIT / allocator
    t = time.perf_counter()
    it.train(X, Y, epochs)
    once = time.perf_counter() - t
    rounds = int(min(10, max(3, 2.0 / max(once, 1e-6))))
    benchmark.pedantic(it.train, args=(X, Y, epochs), rounds=rounds, iterations=1, warmup_rounds=0)


def _torch_threads():
    import torch
    return torch.get_num_threads()
