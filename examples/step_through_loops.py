"""Stop inside the per-component loops of BP2 (``hidden_error``) and look at j, k and the partial sum.

The ``python`` backend runs the very same kernel source as the compiled one (the functions of
loopnet/kernels/*.py, uncompiled, same file and line numbers), so a debugger can stop on any
line of a kernel. Interactively you would type::

    >>> import loopnet as ln, pdb
    >>> net = ln.Network.from_weights([[[0.4, 0.5, 0.3], [0.2, 0.7, 0.1]], [[0.1, 0.2]]], loss="mse",
    ...                               backend="python")      # or: net.backend = "python"
    >>> pdb.run("net.gradients([[0, 1, 2]], [[1]])")
    (Pdb) b loopnet/kernels/backward.py:LINE    # LINE: the `delta[.., k] += W_next[j, k] * d` line
    (Pdb) c
    (Pdb) p j, k, delta
    (Pdb) c

This script does the same without a keyboard: it uses :mod:`bdb`, the debugger framework pdb is
built on, sets a breakpoint on every line of ``hidden_error`` that accumulates
``W_next[j, k] * ...`` into ``delta`` (found by reading the kernel's source, so it keeps working
when the kernel is reorganised), and at each stop prints the loop variables and the row of
``delta`` being summed. Run it: ``python3 examples/step_through_loops.py``.
"""
import bdb
import inspect

import numpy as np

import loopnet as ln
from loopnet._numba import python_version
from loopnet.kernels import backward


def accumulate_lines(fn):
    """(file, [line numbers]) of the lines of kernel ``fn`` that add W_next[j, k]·δ into delta."""
    py = python_version(fn)
    lines, first = inspect.getsourcelines(py)
    hits = [first + i for i, text in enumerate(lines)
            if "+=" in text and "W_next[j, k]" in text and "delta" in text.split("+=")[0]]
    if not hits:  # a reorganised kernel: fall back to any accumulation into delta
        hits = [first + i for i, text in enumerate(lines) if "+=" in text and "delta" in text.split("+=")[0]]
    return py.__code__.co_filename, hits


class LoopWatcher(bdb.Bdb):
    """Stops at the breakpoints and prints the local loop variables (what `p j, k, delta` shows in pdb)."""

    def __init__(self, limit=8):
        super().__init__()
        self.stops = []
        self.limit = limit

    def user_line(self, frame):
        if self.break_here(frame):
            loc = frame.f_locals
            loops = {v: loc[v] for v in ("n", "i", "j", "k") if v in loc and isinstance(loc[v], (int, np.integer))}
            delta = np.array(loc["delta"]) if "delta" in loc else None
            self.stops.append((frame.f_lineno, loops, delta))
            if len(self.stops) <= self.limit:
                where = ", ".join(f"{v} = {x}" for v, x in loops.items())
                row = "" if delta is None else f"   delta (partial sums Σ_j w_jk δ_j so far) = {np.array2string(delta, precision=6)}"
                print(f"stopped at backward.py:{frame.f_lineno} in hidden_error: {where}{row}")
            self.set_continue()


def main():
    net = ln.Network.from_weights([[[0.4, 0.5, 0.3], [0.2, 0.7, 0.1]], [[0.1, 0.2]]], loss="mse",
                                  backend="python")
    filename, lines = accumulate_lines(backward.hidden_error)
    print(f"breakpoints: {filename}:{lines}  (pdb: b {filename}:{lines[0]})")
    print("loop variables are 0-based in code: j = 0 is neuron 1 (the derivation's index 1)")
    watcher = LoopWatcher()
    for line in lines:
        watcher.set_break(filename, line)
    g = watcher.runcall(net.gradients, [[0.0, 1.0, 2.0]], [[1.0]])
    watcher.clear_all_breaks()
    # the last stop's partial sums, before σ' multiplies them in, are ∂L/∂a^(1)_k = Σ_j w^(2)_jk δ^(2)_j
    print(f"{len(watcher.stops)} stops; final dL/dW1 from the same run:\n{g.dW[0]}")
    d = ln.explain(net, [0, 1, 2], [1])
    print(f"compare: explain says dL/da1[1] = {d.value('dL/da1[1]'):.6f}, dL/da1[2] = {d.value('dL/da1[2]'):.6f}")
    return watcher


if __name__ == "__main__":
    main()
