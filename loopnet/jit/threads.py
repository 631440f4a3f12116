"""Which numba threading layer runs the prange loops, started once at import."""
from __future__ import annotations

import os

import numba

from .settings import keep

# Which threading layer runs the prange loops. numba's default order (tbb, omp, workqueue) picks GNU
# OpenMP on Linux when TBB is not installed, and GNU OpenMP does not survive fork(): a fork-started
# worker (multiprocessing's default on Linux before Python 3.14, joblib's "multiprocessing" backend)
# that reaches a parallel kernel after the parent used one is killed ("fork() called from a process
# already using GNU OpenMP, this is unsafe") and Pool.map never returns. "forksafe" asks numba for a
# layer that survives fork:
#
# | installed | layer | thread-safe | fork-safe | W6 (784-256-256-10, batches of 64), 6000 examples, 2 cores |
# |---|---|---|---|---|
# | ``tbb`` (a dependency of loopnet on x86-64) | tbb | yes | yes | 0.152 s (GNU OpenMP: 0.152 s) |
# | no tbb (other platforms) | workqueue | no, but every kernel holds the GIL, so two Python threads never run one at once | yes | 0.275 s: no faster than one thread (0.271 s); its start-up per parallel region eats the gain |
#
# (W6: the best of 3 one-epoch fits of 6000 examples in one process, NUMBA_THREADING_LAYER set to each.)
#
# A layer the user chose (NUMBA_THREADING_LAYER set in the environment) is kept.
THREADING_LAYER_CHOSEN_BY_USER = "NUMBA_THREADING_LAYER" in os.environ
if not THREADING_LAYER_CHOSEN_BY_USER:
    keep("THREADING_LAYER", "forksafe")      # kept across numba's config reload (see settings)

# Start numba's threading layer now. A cached serial kernel that calls a parallel one (see
# parallel_kernel) is loaded from the cache without numba noticing that it needs the threading
# layer, whose symbols (allocate_sched, do_scheduling, ...) are only registered when the layer starts:
# without this line the second process to use such a cache crashes (segfault or "Symbol not found").
numba.get_num_threads()
