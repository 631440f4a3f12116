"""``loopnet compile``: fill numba's cache with loopnet's kernels ahead of time."""
from __future__ import annotations

import sys

from ..data_specs import _dtypes
from ..parser import _Help


def add_parser(sub):
    c = sub.add_parser("compile", help="fill numba's cache with loopnet's kernels ahead of time",
                       description="Compile the loops backend's kernels (or load them if cached) so that no later "
                       "process waits for it: for a container image, a CI cache or a cluster's workers. By default "
                       "the component and blocked kernels (every network without a layer of 4e6 multiply-adds per "
                       "batch); --all adds the parallel ones.", formatter_class=_Help)
    c.add_argument("--dtype", type=_dtypes, default="float64", metavar="DTYPES",
                   help="comma-separated: float64, float32 or both")
    c.add_argument("--all", action="store_true", help="also the parallel kernels (layers of 4e6 multiply-adds or more)")
    return c


def run(args):
    from ...precompile import DEFAULT_TREES, PROBES, compile_kernels
    dtypes = args.dtype if isinstance(args.dtype, list) else [args.dtype]
    compile_kernels(dtypes, tuple(PROBES) if args.all else DEFAULT_TREES, out=sys.stdout)
    return 0