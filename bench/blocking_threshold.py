"""Where register blocking starts to pay: each of the three sums, component kernel vs blocked kernel.

    python3 bench/blocking_threshold.py

For layer shapes from the 2-2-1 gate to 784-wide layers and batch sizes 1–64, times the
component kernel (forward.weighted_input, backward.hidden_error, backward.weight_gradient) and
its blocked version (kernels/blocked.py, serial) inside a compiled loop (no Python call in the
timing), best of 5, and prints ns per call, the ratio component/blocked and the multiply-adds
N·n_l·n_{l−1}. FORWARD_BLOCK_WORK and BACKWARD_BLOCK_WORK in loopnet/kernels/blocked.py are
read off this table.
"""
import time

import numba
import numpy as np

from loopnet.activations import SIGMOID
from loopnet.kernels import backward, blocked, forward


@numba.njit
def _repeat_wi(f, reps, z, W, b, a):
    for _ in range(reps):
        f(z, W, b, a)


@numba.njit
def _repeat_he(f, reps, d, W, dn, z, a):
    for _ in range(reps):
        f(d, W, dn, z, a, SIGMOID)


@numba.njit
def _repeat_wg(f, reps, dW, d, a):
    for _ in range(reps):
        f(dW, d, a)


def best_ns(run, work):
    reps = max(1, int(2e6 / max(work, 1)))
    run(reps)
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        run(reps)
        best = min(best, (time.perf_counter() - t) / reps)
    return best * 1e9


def main():
    rng = np.random.default_rng(0)
    shapes = [(N, o, i) for N in (1, 4, 10, 64) for (o, i) in
              ((1, 2), (2, 2), (4, 3), (1, 4), (10, 30), (30, 64), (30, 784), (100, 784), (256, 256), (10, 256))]
    print(f"{'N':>3} {'n_l':>4} {'n_l-1':>5} {'work':>8} | {'z=Wa+b':>16} | {'BP2':>16} | {'BP4':>16}")
    print(f"{'':>24} | {'ns  plain/blk':>16} | {'ns  plain/blk':>16} | {'ns  plain/blk':>16}")
    rows = []
    for N, o, i in shapes:
        W = rng.standard_normal((o, i)); b = rng.standard_normal(o)
        a_prev = rng.random((N, i)); z = np.empty((N, o))
        # BP2 for layer l with n_l = i, n_{l+1} = o: W_next (o, i)
        d = np.empty((N, i)); dn = rng.standard_normal((N, o)); zl = rng.standard_normal((N, i)); al = rng.random((N, i))
        dW = np.empty((o, i)); delta = rng.standard_normal((N, o))
        work = N * o * i
        cells = []
        for rep, comp, blk, args in (
                (_repeat_wi, forward.weighted_input, blocked.weighted_input_blocked, (z, W, b, a_prev)),
                (_repeat_he, backward.hidden_error, blocked.hidden_error_blocked, (d, W, dn, zl, al)),
                (_repeat_wg, backward.weight_gradient, blocked.weight_gradient_blocked, (dW, delta, a_prev))):
            tc = best_ns(lambda r: rep(comp, r, *args), work)
            tb = best_ns(lambda r: rep(blk, r, *args), work)
            cells.append((tc, tc / tb))
        rows.append((work, cells))
        print(f"{N:>3} {o:>4} {i:>5} {work:>8} | " + " | ".join(f"{tc:8.0f} {r:6.2f}x" for tc, r in cells))
    for col, name in enumerate(("z=Wa+b", "BP2", "BP4")):
        slower = [w for w, c in rows if c[col][1] < 1.0]
        print(f"{name}: blocked slower than component at work = {sorted(slower)}")


if __name__ == "__main__":
    main()
