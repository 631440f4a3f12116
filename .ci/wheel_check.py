"""The wheel leg of CI: run by the python of a fresh venv into which the built wheel (with the cli
extra) was installed, from a directory outside the clone.

Each run is a fresh process with its own empty HOME (so an empty user cache):

| run | what it shows |
|---|---|
| OR-gate fit, float64 and float32, defaults (+ predict, gradients), and a 256-256-10 fit with batches of 64 and a forward over 2,048 rows (the parallel tree) | compiles zero kernels: all come from the wheel |
| the same with LOOPNET_KERNELS=host | compiles for this CPU (today's first run); same numbers to 1e-12 (float64) |
| ``loopnet train --data digits`` from the wheel, then again (warm) | no compile notice |
| ``loopnet train --data digits`` with LOOPNET_KERNELS=host | the cold time the wheel saves |

Exit status 1 when a kernel was compiled on the shipped path or the numbers differ; times are printed
(performance is measured, not asserted).
"""
import json
import os
import subprocess
import sys
import tempfile
import time

FIT = r"""
import gc, json, sys
import numpy as np
import loopnet as ln
import loopnet.jit
from loopnet import datasets
from numba.core.registry import CPUDispatcher
X, Y = datasets.logic_gate("or")
out = {"file": ln.__file__, "level": ln.jit.shipped.LEVEL}
PARALLEL = sys.argv[1:] == ["parallel"]
for dtype in ("float64", "float32"):
    if PARALLEL:   # the parallel tree: a 256-256-10 net with mini-batches of 64, inference over a data set
        rng = np.random.default_rng(0)
        Xb, Yb = rng.random((128, 256)), np.eye(10)[rng.integers(0, 10, 128)]
        big = ln.Network([256, 256, 10], seed=0, dtype=dtype)
        big.fit(Xb, Yb, epochs=1, batch_size=64)
        out[dtype] = [big.params.astype(float).tolist(), big.forward(rng.random((2048, 256))).tolist(), 0.0]
        continue
    net = ln.Network([2, 2, 1], seed=0, dtype=dtype)
    net.fit(X, Y)
    g = net.gradients(X, Y)
    out[dtype] = [net.params.astype(float).tolist(), net.predict(X).tolist(), float(g.loss)]
stats = [d.stats for d in gc.get_objects() if isinstance(d, CPUDispatcher)]
out["compiled"] = sum(sum(s.cache_misses.values()) for s in stats)
out["loaded"] = sum(sum(s.cache_hits.values()) for s in stats)
print(json.dumps(out))
"""


def run(argv, home, **env):
    os.makedirs(home, exist_ok=True)
    full = {k: v for k, v in os.environ.items() if not k.startswith(("LOOPNET_", "NUMBA_", "XDG_"))}
    full.update(HOME=home, **env)
    t = time.perf_counter()
    proc = subprocess.run(argv, env=full, capture_output=True, text=True, timeout=900, cwd=home)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        sys.exit(f"wheel check: {' '.join(argv)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc, wall


def compare(a, b, failures, what):
    """Shipped (a) against host-compiled (b) numbers: float64 to 1e-12, float32 to 1e-4 (relative to the scale)."""
    import numpy as np
    for dtype, tol in (("float64", 1e-12), ("float32", 1e-4)):
        for name, x, y in zip(("params", "predict", "loss"), a[dtype], b[dtype]):
            x, y = np.asarray(x, float), np.asarray(y, float)
            diff = float(np.max(np.abs(x - y))) if x.size else 0.0
            print(f"wheel check: {what}, {dtype} {name}: shipped vs host code differ by at most {diff:.3g}"
                  f"{' (bitwise equal)' if np.array_equal(x, y) else ''}")
            if not diff <= tol * max(1.0, float(np.max(np.abs(y))) if y.size else 1.0):
                failures.append(f"{what}: {dtype} {name} differ by {diff} > {tol}")


def main():
    tmp = tempfile.mkdtemp(prefix="loopnet-wheel-check-")
    py = sys.executable
    failures = []

    shipped, t_or = run([py, "-c", FIT], os.path.join(tmp, "home-shipped"))
    a = json.loads(shipped.stdout.splitlines()[-1])
    print(f"wheel check: loopnet from {a['file']}; CPU level used: {a['level']}")
    print(f"wheel check: OR-gate fits (float64 + float32), cold process from the wheel: {t_or:.2f} s wall, "
          f"{a['compiled']} kernels compiled, {a['loaded']} loaded")
    if "site-packages" not in a["file"]:
        failures.append(f"loopnet was imported from {a['file']}, not from the installed wheel")
    if a["level"] is None:
        failures.append("no shipped CPU level matched this machine")
    if a["compiled"] != 0 or "compiling" in shipped.stderr:
        failures.append(f"{a['compiled']} kernels compiled on the shipped path:\n{shipped.stderr[-2000:]}")

    host, t_host = run([py, "-c", FIT], os.path.join(tmp, "home-host"), LOOPNET_KERNELS="host")
    b = json.loads(host.stdout.splitlines()[-1])
    print(f"wheel check: the same, compiled for this CPU (LOOPNET_KERNELS=host): {t_host:.2f} s wall, "
          f"{b['compiled']} kernels compiled")
    compare(a, b, failures, "OR gate")

    par, t_par = run([py, "-c", FIT, "parallel"], os.path.join(tmp, "home-parallel"))
    c = json.loads(par.stdout.splitlines()[-1])
    print(f"wheel check: the parallel tree (256-256-10, batches of 64; forward over 2,048 rows), cold process from "
          f"the wheel: {t_par:.2f} s wall, {c['compiled']} kernels compiled, {c['loaded']} loaded")
    if c["compiled"] != 0 or "compiling" in par.stderr:
        failures.append(f"{c['compiled']} kernels of the parallel tree compiled on the shipped path:\n"
                        f"{par.stderr[-2000:]}")
    hpar, t_hpar = run([py, "-c", FIT, "parallel"], os.path.join(tmp, "home-parallel-host"), LOOPNET_KERNELS="host")
    print(f"wheel check: the same, compiled for this CPU: {t_hpar:.2f} s wall")
    compare(c, json.loads(hpar.stdout.splitlines()[-1]), failures, "parallel tree")

    loopnet = os.path.join(os.path.dirname(py), "loopnet")
    digits = [loopnet, "train", "--data", "digits", "--sizes", "64,30,10", "--epochs", "30",
              "--save", os.path.join(tmp, "digits.npz")]
    home = os.path.join(tmp, "home-digits")
    cold, t_cold = run(digits, home)
    warm, t_warm = run(digits, home)
    hcold, t_hcold = run(digits, os.path.join(tmp, "home-digits-host"), LOOPNET_KERNELS="host")
    print(f"wheel check: loopnet train --data digits: from the wheel {t_cold:.2f} s cold, {t_warm:.2f} s warm; "
          f"compiled for this CPU (empty cache) {t_hcold:.2f} s")
    if "compiling" in cold.stderr:
        failures.append(f"digits from the wheel compiled:\n{cold.stderr[-2000:]}")
    if "compiling" not in hcold.stderr:
        failures.append("LOOPNET_KERNELS=host with an empty cache printed no compile notice")
    if failures:
        sys.exit("wheel check FAILED:\n- " + "\n- ".join(failures))
    print("wheel check: passed")


if __name__ == "__main__":
    main()
