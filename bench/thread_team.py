"""Mini-batches of 10 on every core: does numba's thread team beat one core on W4 and W5?

    python3 bench/thread_team.py [--examples 6000] [--rounds 5]

W4 (784-30-10) and W5 (784-100-10) train with mini-batches of 10: each layer's sum is 10·784·30 =
235,200 (W4) or 784,000 (W5) multiply-adds per batch, below PARALLEL_WORK, so the ``loops`` backend
runs them serially (the ``blocked`` tree). numba's threading layer (TBB or workqueue) keeps its
threads alive between calls: every ``prange`` hands its iterations to that persistent team and waits
for it (a fork and a join, about one barrier). Splitting each mini-batch's neurons over the team
therefore costs one fork/join per sum, five per mini-batch on a 2-layer net (z^1, z^2, BP2, BP4 of
both layers), where a hand-made team would need about one barrier per layer.

This script measures, in one process, alternating rounds, best of ``--rounds``:

1. the cost of one fork/join of the team: an empty ``prange`` over the threads, called 10,000 times
   from a compiled loop;
2. one epoch of ``Network.fit`` (SGD, mini-batches of 10, ``--examples`` examples) on the ``blocked``
   tree (one core, what ``loops`` runs) and on a ``team`` tree: the same kernels with the three sums
   swapped for their parallel blocked versions (kernels/blocked.py ``*_parallel``, each a proven
   reordering of its component kernel), so every sum of every mini-batch is split over the team.

It prints both epochs, their ratio, and the fork/join overhead per mini-batch as a share of the
one-core time per mini-batch: a team with one barrier per layer could save at most the rest.
"""
from __future__ import annotations

import argparse
import time
import types

import numba
import numpy as np

import loopnet as ln
from loopnet.backends import BACKENDS, tree
from loopnet.jit.trees import swap_tree
from loopnet.kernels import backward, blocked, forward, vexp

TEAM = {
    forward.weighted_input: blocked.weighted_input_tiled_parallel,
    backward.hidden_error: blocked.hidden_error_blocked_parallel,
    backward.weight_gradient: blocked.weight_gradient_blocked_parallel,
    forward.activate_layer: vexp.activate_layer_vexp,
}
NETS = {"W4": [784, 30, 10], "W5": [784, 100, 10]}
REGIONS_PER_BATCH = 5     # z^1, z^2, BP2 (layer 1), BP4 (layers 1 and 2)


@numba.njit(parallel=True)
def _fork_join(x):
    for i in numba.prange(x.shape[0]):
        x[i] += 1.0


@numba.njit
def _repeat_fork_join(x, reps):
    for _ in range(reps):
        _fork_join(x)


def fork_join_seconds(reps=10_000):
    x = np.zeros(numba.get_num_threads())
    _repeat_fork_join(x, 10)
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        _repeat_fork_join(x, reps)
        best = min(best, (time.perf_counter() - t) / reps)
    return best


def epoch_seconds(trees, sizes, dtype, X, Y, rounds):
    backend = BACKENDS["loops"]
    choose = backend.trees
    times = {name: float("inf") for name in trees}
    try:
        for r in range(rounds + 1):                    # round 0 compiles / loads
            for name, kernels in trees.items():
                backend.trees = lambda work, _k=kernels, _n=name: (_n, _k)
                net = ln.Network(sizes, seed=0, dtype=dtype)
                t = time.perf_counter()
                net.fit(X, Y, epochs=1, batch_size=10, lr=0.1, shuffle=False)
                if r:
                    times[name] = min(times[name], time.perf_counter() - t)
    finally:
        backend.trees = choose
    return times


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=6000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    fj = fork_join_seconds()
    print(f"threading layer {numba.threading_layer()}, {numba.get_num_threads()} threads; "
          f"one fork/join of the team: {fj * 1e6:.2f} µs")
    trees = {"blocked": tree("blocked"),
             "team": types.SimpleNamespace(**swap_tree(vars(tree("component")), TEAM, "team"))}
    rng = np.random.default_rng(0)
    print("| net | dtype | one core (blocked) | team (every sum on all cores) | one core / team | "
          "fork/joins per mini-batch, share of its one-core time |")
    print("|---|---|---|---|---|---|")
    for wid, sizes in NETS.items():
        for dtype in ("float64", "float32"):
            X = rng.random((args.examples, sizes[0])).astype(dtype)
            Y = np.eye(sizes[-1], dtype=dtype)[rng.integers(0, sizes[-1], args.examples)]
            t = epoch_seconds(trees, sizes, dtype, X, Y, args.rounds)
            per_batch = t["blocked"] / (args.examples / 10)
            share = REGIONS_PER_BATCH * fj / per_batch
            print(f"| {wid} | {dtype} | {t['blocked'] * 1e3:.1f} ms | {t['team'] * 1e3:.1f} ms | "
                  f"{t['blocked'] / t['team']:.2f}× | {share:.0%} |")


if __name__ == "__main__":
    main()
