"""``python -m loopnet.bench run``: every implementation of the benchmark table in its own process.

On a machine with few cores, implementations that share one process also share its thread pools:
numba's (TBB), OpenBLAS's, PyTorch's (OpenMP) and XLA's each keep threads alive, and some of them
spin for a while after their work, on the cores the next implementation times. Measured on the
2-core EPYC (docs/benchmarks.md): the loops backend's W6 forward over 10,000 rows took 190 ms with
every peer loaded in the same process and 108 ms alone. A user's program runs one of them; so does
each process here.

| step | what runs |
|---|---|
| one process per implementation | ``python -m pytest <bench>/test_bench.py -k <impl>`` (plus ``--quick`` and any extra pytest arguments), each writing its own pytest-benchmark JSON |
| one process for the ensemble table | ``<bench>/test_bench_ensemble.py`` (its rows compare Ensemble layouts, not libraries) |
| rounds (``--rounds R``) | the processes above R times over, alternating (loops, numpy, …, loops, numpy, …), so that a slow minute of a shared machine falls on one round of every implementation rather than on all of one |
| merge | one JSON: the first process's machine description (the loops process: threading layer, tiles, peaks) and every benchmark once, from the round with its lowest median ("best median"), each marked with its process, its round and every round's median |

The merged file is what ``python -m loopnet.bench report`` reads; ratios are still taken within one run
of this command, on one machine, minutes apart. On a virtual machine whose neighbours come and go the
same call can take 1.4× longer from one minute to the next (docs/benchmarks.md); alternating rounds and
keeping each benchmark's best median is how the issue that asked for these targets measured them.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

from .report import ORDER


def run(out, bench_dir="bench", impls=ORDER, quick=False, extra=(), ensemble=True, rounds=1):
    """Run the benchmark table implementation by implementation, ``rounds`` times over (the table above); write
    the merged JSON to ``out``."""
    if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 1:
        raise ValueError(f"rounds: {rounds!r} given; expected a whole number of rounds, 1 or more")
    if not os.path.isfile(os.path.join(bench_dir, "test_bench.py")):
        raise FileNotFoundError(f"bench_dir: {bench_dir!r} has no test_bench.py; run from a loopnet source tree "
                                "(the benchmarks are not installed with the package) or pass --bench DIR")
    unknown = [impl for impl in impls if impl not in ORDER]
    if unknown or not impls:
        raise ValueError(f"impls: {', '.join(map(repr, unknown)) or 'none'} given; expected one or more of {', '.join(ORDER)}")
    jobs = [(impl, [os.path.join(bench_dir, "test_bench.py"), "-k", impl]) for impl in impls]
    if ensemble:
        jobs.append(("ensemble", [os.path.join(bench_dir, "test_bench_ensemble.py")]))
    merged, best, medians = None, {}, {}   # best: each benchmark's round with the lowest median; medians: every round's
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(rounds):
            for name, args in jobs:
                path = os.path.join(tmp, f"{name}-{r}.json")
                cmd = [sys.executable, "-m", "pytest", *args, "-q", "-p", "no:cacheprovider",
                       f"--benchmark-json={path}", *(["--quick"] if quick else []), *extra]
                print(f"loopnet bench run (round {r + 1} of {rounds}):", " ".join(cmd), file=sys.stderr, flush=True)
                code = subprocess.call(cmd)
                if code not in (0, 5):    # 5: pytest collected nothing (an implementation not installed, or not in --quick)
                    raise RuntimeError(f"the {name} benchmarks failed (pytest exit code {code}): {' '.join(cmd)}")
                if not os.path.exists(path):
                    continue
                with open(path, encoding="utf-8") as f:
                    data = json.load(f)
                if merged is None:        # the first process's machine description (the loops process)
                    merged = data
                for b in data["benchmarks"]:
                    key = b["fullname"]
                    b.setdefault("extra_info", {}).update(process=name, round=r + 1)
                    medians.setdefault(key, []).append(b["stats"]["median"])
                    if key not in best or b["stats"]["median"] < best[key]["stats"]["median"]:
                        best[key] = b
    if merged is None:
        raise RuntimeError("no benchmark ran")
    for key, b in best.items():
        b["extra_info"]["round_medians"] = medians[key]
    merged["benchmarks"] = list(best.values())
    merged["machine_info"].setdefault("loopnet", {})["processes"] = "one per implementation (python -m loopnet.bench run)"
    merged["machine_info"]["loopnet"]["rounds"] = (f"{rounds}, alternating; each benchmark's best median"
                                                   if rounds > 1 else "1")
    from ..writing import write_text
    write_text(out, json.dumps(merged, indent=1), argname="out")
    print(f"loopnet bench run: {len(merged['benchmarks'])} benchmarks in {out}", file=sys.stderr)
    return out
