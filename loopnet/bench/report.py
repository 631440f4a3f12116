"""Turn a pytest-benchmark JSON file into ``report.md`` (tables) and ``speedup.png`` (chart).

Times are medians, scaled to the unit each benchmark states in its ``extra_info``: seconds per
call divided by ``per_unit`` (a call of K epochs of a tiny network counts K epochs; a call over
6000 of W4's 60000 examples counts 0.1 epoch). Ratios are implementation time / loops time, so
a ratio above 1 means loops is that many times faster. GFLOP/s counts 2·n_in·n_out per layer
per example forward and three times that for gradients and training; "% peak" divides by the
single-core float64/float32 NumPy matrix-product rate measured in the same run (× cores used).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

ORDER = ["loops", "plain", "numpy", "python", "nielsen", "torch", "jax", "sklearn"]
OPS = ["forward", "predict", "gradients", "train_epoch"]

COLD = """
import time; t0 = time.perf_counter()
import numpy as np, loopnet as ln
X = np.array([[0, 0], [0, 1], [1, 0], [1, 1.]]); Y = np.array([[0], [1], [1], [1.]])
net = ln.Network([2, 2, 1], seed=0)
t1 = time.perf_counter()
net.fit(X, Y, epochs=1000, lr=3.0, batch_size=4)
t2 = time.perf_counter()
print(t1 - t0, t2 - t1, net.evaluate(X, Y)[1])
"""


def load(data):
    """(machine info, {(workload, operation, dtype, impl): median per unit}) from a pytest-benchmark JSON."""
    rows = {}
    for b in data["benchmarks"]:
        e = b.get("extra_info", {})
        if "impl" not in e or "operation" not in e:   # the ensemble benchmarks: see ensemble_table
            continue
        per_unit = e.get("per_unit", 1.0)
        rows[(e["workload"], e["operation"], e["dtype"], e["impl"])] = dict(
            seconds=b["stats"]["median"] / per_unit, flops=e.get("flops_per_unit", 0.0), info=e)
    return data.get("machine_info", {}), rows


def fmt_time(s):
    for unit, f in (("s", 1.0), ("ms", 1e3), ("µs", 1e6)):
        if s * f >= 1:
            return f"{s * f:.3g} {unit}"
    return f"{s * 1e9:.3g} ns"


def cold_start(runs=3):
    """Whole-process wall seconds, median of ``runs`` each: the OR-gate fit (import, build, 1000 epochs)
    and ``loopnet train --data digits`` (to its last line), each with an empty numba cache (a new one
    per run: everything compiles) and with a warm one. Returns {(what, cache): (median, [runs])}."""
    import statistics

    def wall(args, env):
        t = time.perf_counter()
        out = subprocess.run(args, capture_output=True, text=True, env=env, timeout=900)
        took = time.perf_counter() - t
        if out.returncode != 0:
            raise RuntimeError(out.stderr)
        return took

    cases = {"OR-gate fit (python -c)": [sys.executable, "-c", COLD],
             "loopnet train --data digits": [sys.executable, "-m", "loopnet", "train", "--data", "digits",
                                             "--no-progress"]}
    result = {}
    for what, args in cases.items():
        cold, warm = [], []
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as cache:
                env = dict(os.environ, NUMBA_CACHE_DIR=cache)
                cold.append(wall(args, env))       # empty cache: compiles
                warm.append(wall(args, env))       # the same cache, now filled
        result[what, "empty"] = (statistics.median(cold), cold)
        result[what, "warm"] = (statistics.median(warm), warm)
    return result


def ensemble_table(data):
    """The ensemble benchmarks (bench/test_bench_ensemble.py): seconds per whole workload (median), and
    each implementation's time over ensemble-loops'."""
    rows = {}
    for b in data["benchmarks"]:
        e = b.get("extra_info", {})
        if "members" in e and "impl" in e:
            rows[e["workload"], e["impl"]] = (b["stats"]["median"] / e.get("per_unit", 1.0), e)
    if not rows:
        return ""
    impls = list(dict.fromkeys(k[1] for k in rows))
    out = ["| workload | " + " | ".join(impls) + " |", "|" + "---|" * (1 + len(impls))]
    for wid in sorted({k[0] for k in rows}):
        base = rows.get((wid, "ensemble-loops"))
        e = next(v[1] for k, v in rows.items() if k[0] == wid)
        cells = []
        for i in impls:
            r = rows.get((wid, i))
            cells.append("—" if r is None else fmt_time(r[0]) + ("" if base is None or i == "ensemble-loops"
                                                                 else f" ({r[0] / base[0]:.3g}×)"))
        out.append(f"| {wid}: {e['members']:,} × {'-'.join(map(str, e['sizes']))}, {e['unit']} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def table(machine, rows):
    info = machine.get("loopnet", {})
    peak = info.get("peak_gflops", {})
    impls = [i for i in ORDER if any(k[3] == i for k in rows)]
    lines = ["| workload | operation | dtype | " + " | ".join(impls) + " | loops GFLOP/s (% of 1-core peak) |",
             "|" + "---|" * (4 + len(impls))]
    keys = sorted({k[:3] for k in rows}, key=lambda k: (k[0], OPS.index(k[1]), k[2] != "float64"))
    for wid, op, dt in keys:
        base = rows.get((wid, op, dt, "loops"))
        cells = []
        for i in impls:
            r = rows.get((wid, op, dt, i))
            if r is None:
                cells.append("—")
            elif i == "loops" or base is None:
                cells.append(fmt_time(r["seconds"]))
            else:
                cells.append(f"{fmt_time(r['seconds'])} ({r['seconds'] / base['seconds']:.3g}×)")
        gf = ""
        if base is not None and base["flops"]:
            g = base["flops"] / base["seconds"] / 1e9
            p = peak.get(f"{dt}_1core")
            gf = f"{g:.3g}" + (f" ({100 * g / p:.0f}%)" if p else "")
        lines.append(f"| {wid} | {op} | {dt} | " + " | ".join(cells) + f" | {gf} |")
    return "\n".join(lines)


TARGETS = [  # (workload, against, factor): loops must be `factor` times faster than `against` (train_epoch, float64)
    ("W1", "numpy", 50), ("W1", "nielsen", 200), ("W2", "numpy", 50), ("W2", "nielsen", 200),
    ("W3", "numpy", 5), ("W4", "numpy", 2), ("W4", "nielsen", 12), ("W4", "torch", 5),
    ("W5", "numpy", 1.5), ("W6", "numpy", 1.0),
]


def targets(machine, rows):
    peak = machine.get("loopnet", {}).get("peak_gflops", {})
    out = ["| target (loops vs; train_epoch unless named) | measured | met |", "|---|---|---|"]
    for wid, other, factor in TARGETS:
        a, b = rows.get((wid, "train_epoch", "float64", "loops")), rows.get((wid, "train_epoch", "float64", other))
        if a and b:
            r = b["seconds"] / a["seconds"]
            out.append(f"| {wid} ≥ {factor}× faster than {other} | {r:.3g}× | {'yes' if r >= factor else 'no'} |")
    for wid in ("W4", "W6"):
        for dt in ("float32",):
            a, b = rows.get((wid, "train_epoch", dt, "loops")), rows.get((wid, "train_epoch", dt, "numpy"))
            a64, b64 = rows.get((wid, "train_epoch", "float64", "loops")), rows.get((wid, "train_epoch", "float64", "numpy"))
            if a and b and a64 and b64:
                r, r64 = b["seconds"] / a["seconds"], b64["seconds"] / a64["seconds"]
                out.append(f"| {wid} float32 ratio ≥ float64 ratio ({r64:.3g}×) | {r:.3g}× | {'yes' if r >= r64 else 'no'} |")
    for wid in ("W1", "W2", "W3", "W4", "W5", "W6"):     # issue 12: ahead of JAX everywhere
        for dt in ("float64", "float32"):
            a, b = rows.get((wid, "train_epoch", dt, "loops")), rows.get((wid, "train_epoch", dt, "jax"))
            if a and b:
                r = b["seconds"] / a["seconds"]
                out.append(f"| {wid} {dt} ≥ 1.25× faster than jax | {r:.3g}× | {'yes' if r >= 1.25 else 'no'} |")
    for wid in ("W4", "W5", "W6"):
        for dt in ("float64", "float32"):
            a = rows.get((wid, "train_epoch", dt, "loops"))
            p = peak.get(f"{dt}_1core")
            if a and p:
                cores = a["info"].get("cores_used", 1)
                frac = a["flops"] / a["seconds"] / 1e9 / p / cores
                goal = 0.75 if wid in ("W5", "W6") else 0.5
                out.append(f"| {wid} {dt} ≥ {goal:.0%} of the 1-core peak ({p:.3g} GFLOP/s) per core used "
                           f"({cores}) | {100 * frac:.0f}% | {'yes' if frac >= goal else 'no'} |")
    for wid in ("W3", "W4", "W5", "W6"):     # inference over a data set
        for dt in ("float64", "float32"):
            a = rows.get((wid, "predict", dt, "loops"))
            if not a:
                continue
            for peer, goal in (("jax", 1.25), ("torch", 1.0)):
                b = rows.get((wid, "predict", dt, peer))
                if b:
                    r = b["seconds"] / a["seconds"]
                    threads = f", {b['info']['threads']} threads" if "threads" in b["info"] else ""
                    out.append(f"| predict {wid} {dt} ≥ {goal:g}× faster than {peer}{threads} | {r:.3g}× | "
                               f"{'yes' if r >= goal else 'no'} |")
            p = peak.get(f"{dt}_1core")
            if p and wid != "W3":
                cores = a["info"].get("cores_used", 1)
                frac = a["flops"] / a["seconds"] / 1e9 / p / cores
                out.append(f"| predict {wid} {dt} ≥ 75% of the 1-core peak ({p:.3g} GFLOP/s) per core used ({cores}) "
                           f"| {100 * frac:.0f}% | {'yes' if frac >= 0.75 else 'no'} |")
    return "\n".join(out)


def chart(rows, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    wids = sorted({k[0] for k in rows if k[1] == "train_epoch" and k[2] == "float64"})
    impls = [i for i in ORDER if i != "numpy" and any(k[3] == i and k[1] == "train_epoch" for k in rows)]
    fig, ax = plt.subplots(figsize=(9, 4.5))
    width = 0.8 / max(len(impls), 1)
    for n, i in enumerate(impls):
        xs, ys = [], []
        for w, wid in enumerate(wids):
            a, b = rows.get((wid, "train_epoch", "float64", i)), rows.get((wid, "train_epoch", "float64", "numpy"))
            if a and b:
                xs.append(w + (n - (len(impls) - 1) / 2) * width)
                ys.append(b["seconds"] / a["seconds"])
        ax.bar(xs, ys, width, label=i)
    ax.axhline(1.0, color="k", lw=0.8)
    ax.set_yscale("log")
    ax.set_xticks(range(len(wids)), wids)
    ax.set_ylabel("speed-up over numpy (numpy time / time), log")
    ax.set_title("train_epoch, float64: speed-up over loopnet's NumPy twin")
    ax.legend()
    fig.tight_layout()
    from ..writing import write_file
    write_file(path, lambda f: fig.savefig(f, format="png", dpi=110))
    plt.close(fig)


def machine_text(machine):
    info = machine.get("loopnet", {})
    peak = info.get("peak_gflops", {})
    t = info.get("target", {})
    return "\n".join([
        f"- CPU: {info.get('cpu_model', machine.get('cpu', {}).get('brand_raw', '?'))}, {info.get('cores', '?')} cores"
        f" (LLVM: {t.get('llvm_cpu', '?')}); vector extensions: {', '.join(t.get('vector_extensions', [])) or '?'}"
        f" ({t.get('vector_bytes', '?')}-byte vectors, {t.get('vector_registers', '?')} registers: forward tile "
        f"{info.get('forward_tile', '?')}); L2 {t.get('l2_bytes', 0) // 1024} KiB per core",
        f"- numba threading layer: {info.get('threading_layer', '?')}"
        + (f" (fell back: {info['threading_fallback']})" if info.get("threading_fallback") else "")
        + (f", TBB from {info['tbb_library']}" if info.get("tbb_library") else ""),
        f"- install: {info.get('install', '?')}; load average during the run: {info.get('load_average', '?')}",
        f"- processes: {info.get('processes', 'one for every implementation')}; rounds: {info.get('rounds', '1')}",
        f"- Python {machine.get('python_version', '?')}, numpy {info.get('numpy', '?')}, numba {info.get('numba', '?')} "
        f"({info.get('numba_threads', '?')} threads), torch {info.get('torch', '—')} ({info.get('torch_threads', '?')} threads "
        f"in training: 1; in predict: torch's default), scikit-learn {info.get('sklearn', '—')}",
        f"- BLAS: {info.get('blas')}; environment: {info.get('env')}",
        "- NumPy matrix-product peak (2000×2000, GFLOP/s): " + ", ".join(f"{k} {v}" for k, v in peak.items()),
    ])


def main(results, out=".", cold_start=True):
    with open(results) as f:
        data = json.load(f)
    machine, rows = load(data)
    commit = data.get("commit_info") or {}
    run = f"run {data.get('datetime', '?')[:16].replace('T', ' ')} UTC"
    if commit.get("id"):
        run += f" on commit {commit['id'][:7]}" + (" with uncommitted changes" if commit.get("dirty") else "")
    os.makedirs(out, exist_ok=True)
    parts = ["# loopnet benchmarks", "", f"From `{os.path.basename(results)}` "
             f"({machine.get('loopnet', {}).get('cpu_model', '')}; {run}).",
             "", "## Machine", "", machine_text(machine), "",
             "## Medians (ratio = time / loops time: above 1 means loops is faster)", "",
             "Times are per operation: `forward` over the benchmark's batch, `predict` over a data set "
             "(W3 1,797 rows, W4–W6 10,000), `gradients` of one mini-batch, "
             "`train_epoch` per full epoch (W1/W2: K epochs per call ÷ K; W4–W6: 6000 of 60000 examples × 10).", "",
             table(machine, rows), "", "## Targets", "", targets(machine, rows), ""]
    ens = ensemble_table(data)
    if ens:
        parts += ["## Many networks at once (bench/test_bench_ensemble.py; ratio = time / ensemble-loops time)", "",
                  ens, ""]
    if cold_start:
        cold = globals()["cold_start"]()
        parts += ["## Cold start (whole processes, wall seconds incl. interpreter and import; median of 3)", "",
                  "Empty cache: a new NUMBA_CACHE_DIR per run, so every kernel the run uses compiles. Warm: the "
                  "same command again on the filled cache.", "",
                  "| command | empty cache | warm cache | runs (empty; warm) |", "|---|---|---|---|"]
        for what in dict.fromkeys(k[0] for k in cold):
            e, w = cold[what, "empty"], cold[what, "warm"]
            parts.append(f"| {what} | {e[0]:.2f} | {w[0]:.2f} | {', '.join(f'{x:.1f}' for x in e[1])}; "
                         f"{', '.join(f'{x:.2f}' for x in w[1])} |")
        parts.append("")
    chart(rows, os.path.join(out, "speedup.png"))
    parts += ["![speed-up over numpy](speedup.png)", ""]
    from ..writing import write_text
    write_text(os.path.join(out, "report.md"), "\n".join(parts), inputs={"the results file": results})
    print("\n".join(parts))
    return 0
