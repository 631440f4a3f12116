"""numba's compile flags for every loopnet kernel: one setting each, in one import-light module.

| setting | value | why |
|---|---|---|
| ``fastmath`` | ``{"reassoc", "contract"}`` | lets LLVM vectorise the Σ_k reductions and fuse multiply-adds; keeps NaN/Inf semantics so divergence checks still work (never ``fastmath=True``) |
| ``error_model`` | ``"numpy"`` | x/0 gives ±inf or NaN (IEEE, as the numpy twin does) instead of raising ZeroDivisionError from inside a kernel halfway through an update: every backend reports a bad step the same way, as non-finite numbers the Python layer checks |
| ``boundscheck`` | ``LOOPNET_BOUNDSCHECK=1`` turns it on | the debug mode the reliability tests run: an out-of-range index raises IndexError instead of reading garbage |
| ``PARALLEL_WORK`` | multiply-adds per batch and layer | from here a kernel runs its prange loop on all cores |
"""
from __future__ import annotations

import os

FASTMATH = frozenset({"reassoc", "contract"})
# Multiply-adds per batch and layer from which a kernel runs its prange loop on all cores
# (below it, starting the threads costs more than they save; measured in bench/).
# A plain constant: numba freezes globals into the compiled (and cached) code.
PARALLEL_WORK = 4_000_000
ERROR_MODEL = "numpy"
BOUNDSCHECK = os.environ.get("LOOPNET_BOUNDSCHECK", "0") not in ("", "0")
