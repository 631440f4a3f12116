"""The compiled per-component kernels: one kernel per equation, the equation in its docstring.

| file | equations |
|---|---|
| ``layout.py`` | where W^l, b^l and the per-layer batch buffers live inside flat arrays |
| ``forward.py`` | z^l = W^l a^{l-1} + b^l and a^l = σ(z^l) |
| ``loss.py`` | L and the accuracy count |
| ``backward.py`` | BP1 δ^L, BP2 δ^l, BP3 ∂L/∂b^l, BP4 ∂L/∂W^l, and backprop over all layers |
| ``optimizers.py`` | SGD (with momentum), Adam, L2 weight decay |
| ``training.py`` | whole epochs of mini-batch training in one compiled call |

Inside these files there is no matrix product: each equation is the loop over its indices.
The NumPy twin of every kernel is in :mod:`loopnet.twin`.
"""
