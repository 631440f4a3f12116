"""Kernels shipped compiled (loopnet.jit.shipped): which level a process picks, and that a shipped kernel,
the same kernel compiled here for the same level, and host-compiled code give the same numbers.
Each case runs in a fresh process (the level is chosen once, at import) with its own empty HOME."""
import json
import os
import platform
import shutil
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FULL = os.environ.get("LOOPNET_FAULTS_FULL", "0") not in ("", "0")
LEVEL = "import json, loopnet.jit as j; print(json.dumps(dict(level=j.shipped.LEVEL, reason=j.shipped.REASON)))"
FIT = """
    import gc, json, loopnet as ln, loopnet.jit
    from loopnet import datasets
    from numba.core.registry import CPUDispatcher
    X, Y = datasets.logic_gate("or")
    net = ln.Network([2, 2, 1], seed=0)
    net.fit(X, Y)
    g = net.gradients(X, Y)
    stats = [d.stats for d in gc.get_objects() if isinstance(d, CPUDispatcher)]
    print(json.dumps(dict(level=ln.jit.shipped.LEVEL, params=net.params.tolist(), dW=g.dW[0].tolist(),
                          predict=net.predict(X).tolist(), compiled=sum(sum(s.cache_misses.values()) for s in stats))))
"""

pytestmark = pytest.mark.skipif(platform.machine().lower() not in ("x86_64", "amd64"),
                                reason="the shipped levels are x86-64 levels")


def run(code, home, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOOPNET_", "NUMBA_", "XDG_"))}
    env.update(PYTHONPATH=ROOT, HOME=str(home), **{k: str(v) for k, v in extra.items()})
    os.makedirs(home, exist_ok=True)
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, capture_output=True, text=True,
                          timeout=900, cwd=home)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.splitlines()[-1]), proc.stderr


def manifest(level, **change):
    out = subprocess.run([sys.executable, "-c", f"import json, loopnet.jit.shipped as s; print(json.dumps(s.manifest({level!r})))"],
                         env=dict(os.environ, PYTHONPATH=ROOT), capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout), **change)


def fake_levels(root, **levels):
    for name, m in levels.items():
        os.makedirs(root / name)
        (root / name / "level.json").write_text(json.dumps(m))


def host_runs(level):
    out = subprocess.run([sys.executable, "-c", "import json, loopnet.jit.shipped as s; print(json.dumps(sorted(s.host_features())))"],
                         env=dict(os.environ, PYTHONPATH=ROOT), capture_output=True, text=True, check=True)
    return set(manifest(level)["requires"]) <= set(json.loads(out.stdout))


def test_the_best_level_this_process_can_use_is_chosen(tmp_path):
    if not host_runs("x86-64-v3"):
        pytest.skip("this CPU is below x86-64-v3")
    v3, v4 = manifest("x86-64-v3"), manifest("x86-64-v4")
    fake_levels(tmp_path / "ship", **{"x86-64-v3": v3, "x86-64-v4": v4})
    res, _ = run(LEVEL, tmp_path / "h", LOOPNET_SHIPPED_DIR=tmp_path / "ship")
    assert res["level"] == ("x86-64-v4" if host_runs("x86-64-v4") else "x86-64-v3")
    res, _ = run(LEVEL, tmp_path / "h", LOOPNET_SHIPPED_DIR=tmp_path / "ship", LOOPNET_KERNELS="host")
    assert res == dict(level=None, reason="LOOPNET_KERNELS=host")
    res, _ = run(LEVEL, tmp_path / "h", LOOPNET_SHIPPED_DIR=tmp_path / "ship", NUMBA_CPU_NAME="generic")
    assert res["level"] is None and "NUMBA_CPU_NAME" in res["reason"]


@pytest.mark.parametrize("change,said", [(dict(numba="0.1.0"), "numba 0.1.0"), (dict(python="2.7"), "python 2.7"),
                                         (dict(requires=["avx2", "no-such-feature"]), "lacks no-such-feature")])
def test_a_level_that_does_not_fit_is_not_used_and_the_reason_is_kept(tmp_path, change, said):
    fake_levels(tmp_path / "ship", **{"x86-64-v3": manifest("x86-64-v3", **change)})
    res, _ = run(LEVEL, tmp_path / "h", LOOPNET_SHIPPED_DIR=tmp_path / "ship")
    assert res["level"] is None and said in res["reason"]
    _, err = run("from loopnet.backends import compile_notice; compile_notice('component', 'float64'); print('{}')",
                 tmp_path / "h", LOOPNET_SHIPPED_DIR=tmp_path / "ship")
    assert "compiling the component kernels" in err and said in err   # the notice says why the wheel's kernels were not used


@pytest.mark.slow
@pytest.mark.skipif(not FULL, reason="compiles the component kernels three times (2-3 min on 2 busy cores); "
                                     ".ci/run sets LOOPNET_FAULTS_FULL=1 to run it")
def test_shipped_compiled_here_and_host_code_give_the_same_numbers(tmp_path):
    if not host_runs("x86-64-v3"):
        pytest.skip("this CPU is below x86-64-v3")
    ship = tmp_path / "ship"
    run("from loopnet import precompile; precompile.ship(dtypes=('float64',), trees=('component',)); print('{}')",
        tmp_path / "h0", LOOPNET_BUILD_LEVEL="x86-64-v3", LOOPNET_BUILD_DIR=ship / "x86-64-v3")
    shipped, err = run(FIT, tmp_path / "h1", LOOPNET_SHIPPED_DIR=ship)
    assert shipped["level"] == "x86-64-v3" and shipped["compiled"] == 0 and "compiling" not in err
    # the same level, nothing shipped but its manifest: compiled here, for that level
    bare = tmp_path / "bare" / "x86-64-v3"
    bare.mkdir(parents=True)
    shutil.copy(ship / "x86-64-v3" / "level.json", bare)
    here, err = run(FIT, tmp_path / "h2", LOOPNET_SHIPPED_DIR=bare.parent)
    assert here["level"] == "x86-64-v3" and here["compiled"] > 0 and "compiling" in err
    host, _ = run(FIT, tmp_path / "h3", LOOPNET_KERNELS="host")
    assert host["level"] is None and host["compiled"] > 0
    for key in ("params", "dW", "predict"):
        assert here[key] == shipped[key]                              # one level: the same code, bit for bit
        import numpy as np
        np.testing.assert_allclose(host[key], shipped[key], rtol=0, atol=1e-12)   # this CPU's own code
