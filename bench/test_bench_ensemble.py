"""Ensemble benchmarks: the implementations of impls_ensemble.py × the workloads below.

Run:  python3 -m pytest bench/test_bench_ensemble.py --benchmark-json=ensemble.json
      (about 2 minutes on 2 cores; ``--quick`` runs E1 only, without the NumPy twin)

| workload | members | network | data | training |
|---|---|---|---|---|
| E1 | 10,000 | 2-2-1 | XOR (4 examples) | 2,000 full-batch epochs, lr 3, no shuffle |
| E2 | 100 | 64-30-10 | scikit-learn's digits (1,797 examples) | 30 epochs, mini-batches of 10, lr 3, shuffled |

Sigmoid everywhere, quadratic loss, plain SGD. One pytest-benchmark group per workload, so the
implementations print side by side; ``extra_info["per_unit"]`` is the fraction of the workload
one timed call does (the sequential baseline trains only some of the members: divide its time
by per_unit). Every implementation is warmed up (JIT) before timing, and after timing its
weights are checked against the NumPy twin's: loops to 1e-9, JAX to 1e-6 (the float64 sums of
another library, after thousands of steps), the sequential fits to 1e-9.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pytest

import loopnet as ln
from loopnet.datasets import load_digits, logic_gate

from impls_ensemble import available, make


@dataclass
class Workload:
    sizes: list
    members: int
    epochs: int
    lr: float
    batch_size: int
    shuffle: bool
    data: str
    sequential_members: int   # how many members the sequential baseline trains per timed call

    @property
    def X(self):
        return self._data()[0]

    @property
    def Y(self):
        return self._data()[1]

    def _data(self):
        if not hasattr(self, "_xy"):
            X, Y = logic_gate("xor") if self.data == "xor" else load_digits()
            self._xy = (np.ascontiguousarray(X, dtype=np.float64), np.ascontiguousarray(Y, dtype=np.float64))
        return self._xy


WORKLOADS = {
    "E1": Workload([2, 2, 1], 10_000, 2_000, 3.0, 4, False, "xor", 100),
    "E2": Workload([64, 30, 10], 100, 30, 3.0, 10, True, "digits", 100),
}
IMPLS = ["ensemble-loops", "ensemble-numpy", "jax-vmap", "sequential"]


def wanted(impl, wid, quick):
    if not available(impl):
        return False
    if quick:
        return wid == "E1" and impl != "ensemble-numpy"
    return True


def pytest_generate_tests(metafunc):
    if "case" not in metafunc.fixturenames:
        return
    quick = metafunc.config.getoption("quick")
    cases = [(wid, impl) for wid in WORKLOADS for impl in IMPLS if wanted(impl, wid, quick)]
    metafunc.parametrize("case", cases, ids=["-".join(c) for c in cases])


_TWIN = {}


def twin_params(wid):
    """θ (M, P) of the NumPy twin after the workload (computed once per session)."""
    if wid not in _TWIN:
        it = make("ensemble-numpy", WORKLOADS[wid])
        it.train()
        _TWIN[wid] = it.params().copy()
    return _TWIN[wid]


def test_bench_ensemble(benchmark, case):
    wid, impl = case
    w = WORKLOADS[wid]
    it = make(impl, w)
    benchmark.group = f"{wid} ensemble train"
    members = it.members_timed if impl == "sequential" else w.members
    benchmark.extra_info.update(impl=impl, workload=wid, sizes=w.sizes, members=w.members, epochs=w.epochs,
                                batch_size=w.batch_size, per_unit=members / w.members,
                                unit=f"{w.members} members × {w.epochs} epochs")
    it.train()                                   # warm: compile (JIT) and allocate
    t = time.perf_counter()
    it.train()
    once = time.perf_counter() - t
    rounds = int(min(5, max(2, 5.0 / max(once, 1e-6))))
    benchmark.pedantic(it.train, rounds=rounds, iterations=1, warmup_rounds=0)
    got = it.params()
    assert got.shape == (members, ln.Ensemble(w.sizes, seeds=[0]).n_params) and np.all(np.isfinite(got))
    if impl == "ensemble-numpy":
        return
    tol = dict(rtol=1e-6, atol=1e-6) if impl == "jax-vmap" else dict(rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(got, twin_params(wid)[:members], **tol)
