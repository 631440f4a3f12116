"""What each kernel costs to compile: numba's own compile events, per kernel, with an empty cache.

    python3 bench/compile_times.py                 # the OR gate's default fit, then digits-sized, then big
    python3 bench/compile_times.py --dtype float32

Runs, in this fresh process with a private empty numba cache, the calls a user makes first (a
default fit of the 2-2-1 OR gate; then a 64-30-10 net as on digits; then a layer past the parallel
threshold), and records numba's ``numba:compile`` events. Each kernel's *own* time is its compile
time minus the time spent compiling the kernels it calls (compiled first, nested inside it).
Prints one table per step, largest first. docs/benchmarks.md lists a run's output.
"""
import argparse
import os
import sys
import tempfile
import time

os.environ["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(prefix="loopnet-compile-times-")

import numba.core.event as ev  # noqa: E402
import numpy as np  # noqa: E402


class Recorder(ev.Listener):
    """Own compile seconds per kernel: each event's duration minus its nested events' durations."""

    def __init__(self):
        self.stack = []
        self.own = {}

    def on_start(self, event):
        self.stack.append([event.data["dispatcher"].py_func.__qualname__, time.perf_counter(), 0.0])

    def on_end(self, event):
        name, t0, children = self.stack.pop()
        took = time.perf_counter() - t0
        self.own[name] = self.own.get(name, 0.0) + took - children
        if self.stack:
            self.stack[-1][2] += took


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dtype", default="float64", choices=["float64", "float32"])
    args = p.parse_args(argv)
    t = time.perf_counter()
    import loopnet as ln
    from loopnet.datasets import logic_gate
    print(f"import loopnet: {time.perf_counter() - t:.2f} s (numba cache: {os.environ['NUMBA_CACHE_DIR']})")
    rng = np.random.default_rng(0)
    steps = [
        ("OR gate 2-2-1, Network.fit defaults", lambda: ln.Network([2, 2, 1], dtype=args.dtype).fit(
            *logic_gate("or"), epochs=10, batch_size=4)),
        ("64-30-10, mini-batches of 10 (blocked kernels)", lambda: ln.Network([64, 30, 10], dtype=args.dtype).fit(
            rng.random((100, 64)), np.eye(10)[rng.integers(0, 10, 100)], epochs=1, batch_size=10)),
        ("256-256-10, mini-batches of 64 (parallel kernels)", lambda: ln.Network([256, 256, 10], dtype=args.dtype).fit(
            rng.random((128, 256)), np.eye(10)[rng.integers(0, 10, 128)], epochs=1, batch_size=64)),
        ("Adam on the OR gate", lambda: ln.Network([2, 2, 1], dtype=args.dtype).fit(
            *logic_gate("or"), epochs=10, batch_size=4, optimizer="adam")),
    ]
    total = 0.0
    for title, run in steps:
        rec = Recorder()
        with ev.install_listener("numba:compile", rec):
            t = time.perf_counter()
            run()
            took = time.perf_counter() - t
        total += took
        print(f"\n## {title}: {took:.2f} s wall, {sum(rec.own.values()):.2f} s compiling {len(rec.own)} kernels")
        print("| kernel | own compile (s) |\n|---|---|")
        for name, own in sorted(rec.own.items(), key=lambda kv: -kv[1]):
            print(f"| {name} | {own:.2f} |")
    print(f"\nall steps: {total:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
