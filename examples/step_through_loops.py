"""Stop inside BP2's sum (``hidden_error``) for one example and one neuron, and watch it add up.

The ``python`` backend runs the component kernels exactly as written, uncompiled, with their own
file and line numbers. ``ln.step_into`` runs one gradient on it under pdb, stopped at the line of
the kernel's sum when the loop variables have the values you give. Interactively::

    >>> import loopnet as ln
    >>> net = ln.Network.from_weights([[[0.4, 0.5, 0.3], [0.2, 0.7, 0.1]], [[0.1, 0.2]]], loss="mse")
    >>> ln.step_into("hidden_error", net, [[0, 1, 2]], [[1]], n=0, j=1)
    (Pdb) p n, j, k, acc                        # example n, neuron j of layer 1, neuron k of layer 2
    (Pdb) p W_next[k, j], delta_next[n, k]      # w^(2)_{k,j} and δ^(2)_k
    (Pdb) n                                     # run the line: acc += w_kj δ_k
    (Pdb) p acc
    (Pdb) c

This script types those commands for you (pdb reads them from a string instead of the keyboard)
and then compares the sum with ``ln.explain``'s ∂L/∂a^(1)_2. Run it from any directory:
``python3 examples/step_through_loops.py``. Indices in code are 0-based: j = 1 is the derivation's
neuron 2.
"""
import io

import loopnet as ln

COMMANDS = """p ('at', n, j, k, acc)
p ('factors', W_next[k, j], delta_next[n, k])
n
p ('after', acc)
c
"""


def main():
    # the 3-2-1 blog post's network (seed 001): W1, W2, no biases, L = (y − ŷ)², x = (0, 1, 2), y = 1
    net = ln.Network.from_weights([[[0.4, 0.5, 0.3], [0.2, 0.7, 0.1]], [[0.1, 0.2]]], loss="mse")
    g = ln.step_into("hidden_error", net, [[0.0, 1.0, 2.0]], [[1.0]], n=0, j=1, stdin=io.StringIO(COMMANDS))
    d = ln.explain(net, [0, 1, 2], [1])
    print(f"explain: dL/da1[2] = {d.value('dL/da1[2]'):.7f} (the sum above), "
          f"delta1[2] = {d.value('delta1[2]'):.7f}, dL/dW1[2,3] = {d.value('dL/dW1[2,3]'):.7f}")
    print(f"the stepped run's dL/dW1[2,3] = {g.dW[0][1, 2]:.7f}")
    return g


if __name__ == "__main__":
    main()
