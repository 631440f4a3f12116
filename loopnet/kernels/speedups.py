"""The speed layer's table: which component kernel the ``loops`` backend runs something else in place of.

The kernel tree as written (forward.py, backward.py, training.py) calls the component kernels,
one loop per index of each equation. The ``loops`` backend is that same tree compiled with the
swaps below (:func:`loopnet.jit.variant`); the ``plain`` and ``python`` backends run it as written.

| component kernel | replaced by | the trick | where it lives |
|---|---|---|---|
| ``forward.weighted_input`` (z = Wa + b) | ``blocked.weighted_input_fast`` | register tiles shaped by the machine's vector registers (2 × 4 on AVX2/SSE, 4 × 4 on AVX-512/NEON: ``blocked.FORWARD_TILE``) above 4,096 multiply-adds per batch (N ≥ 4); all cores from 4e6 | blocked.py |
| ``backward.hidden_error`` (BP2) | ``blocked.hidden_error_fast`` | 4 × 4 register tiles above 1,024; all cores from 4e6 | blocked.py |
| ``backward.weight_gradient`` (BP4) | ``blocked.weight_gradient_fast`` | 4 × 4 register tiles above 1,024; all cores from 4e6 | blocked.py |
| ``forward.activate_layer`` (a = σ(z)) | ``vexp.activate_layer_vexp`` | a polynomial e^x that vectorises, in place of libm's scalar exp | vexp.py |

``SERIAL`` is applied on top when no layer reaches PARALLEL_WORK, so such runs never compile the
parallel copies. tests/test_blocked.py and tests/test_vexp.py assert each replacement reproduces its
component kernel.
"""
from . import backward, blocked, forward, vexp

SPEEDUPS = {
    forward.weighted_input: blocked.weighted_input_fast,
    backward.hidden_error: blocked.hidden_error_fast,
    backward.weight_gradient: blocked.weight_gradient_fast,
    forward.activate_layer: vexp.activate_layer_vexp,
}
SERIAL = {
    # the forward tile chosen for this machine (blocked.FORWARD_TILE): the one weighted_input_fast calls, so
    # that every swap of the table matches a kernel of the tree (jit.swap_tree refuses one that does not)
    blocked.weighted_input_tiled_parallel: blocked.weighted_input_tiled,
    blocked.hidden_error_blocked_parallel: blocked.hidden_error_blocked,
    blocked.weight_gradient_blocked_parallel: blocked.weight_gradient_blocked,
}
SMALLEST_BLOCK_WORK = min(blocked.FORWARD_BLOCK_WORK, blocked.BACKWARD_BLOCK_WORK)
