"""A first run compiles only what it uses, says so once, and `loopnet compile` fills the cache ahead of time."""
import os
import subprocess
import sys

import numpy as np
import pytest

import loopnet as ln
from loopnet.backends import BACKENDS, _loops_tree
from loopnet.kernels import blocked, speedups

FIT_OR = """
import numpy as np, loopnet as ln
from loopnet.kernels import blocked, speedups
X = np.array([[0, 0], [0, 1], [1, 0], [1, 1.]]); Y = np.array([[0], [1], [1], [1.]])
ln.Network([2, 2, 1], seed=0).fit(X, Y, epochs=5, batch_size=4)
speed = [blocked.weighted_input_blocked, blocked.hidden_error_blocked, blocked.weight_gradient_blocked,
         blocked.weighted_input_blocked_parallel, blocked.hidden_error_blocked_parallel,
         blocked.weight_gradient_blocked_parallel, blocked.weighted_input_fast]
print("SPEED-LAYER-SIGNATURES", sum(len(k.signatures) for k in speed))
from loopnet.kernels import optimizers
print("ADAM-SIGNATURES", len(optimizers.adam_update.signatures))
print("COMPILE-SECONDS", ln.BACKENDS["loops"].compile_seconds)
"""


def run(args, cache, **kw):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache))
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=600, env=env, **kw)


def test_first_fit_compiles_only_the_component_tree_and_says_so_once_then_loopnet_compile_fills_the_cache(tmp_path):
    cache = tmp_path / "cache"
    first = run(["-c", FIT_OR], cache)
    assert first.returncode == 0, first.stderr
    notices = [l for l in first.stderr.splitlines() if l.startswith("loopnet: compiling")]
    assert len(notices) == 1, first.stderr          # once, though fit also calls other kernels
    assert "component kernels for float64 — first use only, about" in notices[0]
    assert f"cached in {cache}" in notices[0]
    assert "SPEED-LAYER-SIGNATURES 0" in first.stdout        # no blocked or parallel code compiled
    assert "ADAM-SIGNATURES 0" in first.stdout               # nor the update of an optimizer it does not use
    assert float(first.stdout.split("COMPILE-SECONDS")[1].split()[0]) > 0
    # the same run again: loaded from the cache, nothing announced
    again = run(["-c", FIT_OR], cache)
    assert "loopnet: compiling" not in again.stderr, again.stderr
    # loopnet compile: every operation of the component and blocked trees (what the fit above cached is
    # loaded; the rest, e.g. predict and the blocked tree, is compiled)
    filled = run(["-m", "loopnet", "compile", "--dtype", "float64"], cache)
    assert filled.returncode == 0, filled.stderr
    assert "component kernels for float64:" in filled.stdout and "blocked kernels for float64:" in filled.stdout
    assert "loopnet: compiling the blocked kernels for float64" in filled.stderr
    assert "parallel" not in filled.stdout + filled.stderr
    assert f"cached in {cache}" in filled.stdout
    # a digits-sized fit in a new process now compiles nothing
    digits = run(["-c", "import numpy as np, loopnet as ln\nr = np.random.default_rng(0)\n"
                  "ln.Network([64, 30, 10]).fit(r.random((50, 64)), r.random((50, 10)), epochs=1, batch_size=10)\n"
                  "print('COMPILE-SECONDS', ln.BACKENDS['loops'].compile_seconds)"], cache)
    assert digits.returncode == 0 and "loopnet: compiling" not in digits.stderr, digits.stderr


def test_loopnet_compile_rejects_bad_dtypes(tmp_path):
    r = run(["-m", "loopnet", "compile", "--dtype", "float64,int8"], tmp_path)
    assert r.returncode == 2
    assert "expected a comma-separated list of float64, float32; got 'float64,int8'" in r.stderr


def test_trees_by_work():
    assert _loops_tree(speedups.SMALLEST_BLOCK_WORK - 1)[0] == "component"
    assert _loops_tree(speedups.SMALLEST_BLOCK_WORK)[0] == "blocked"
    assert _loops_tree(4_000_000)[0] == "parallel"
    # the blocked tree calls no parallel copy (read from the rebuilt functions' globals; tests/test_trees.py
    # checks every tree of the table)
    from loopnet.jit.trees import reaches
    fast = _loops_tree(5000)[1].gradients
    assert reaches(fast, blocked.weight_gradient_blocked)
    assert not reaches(fast, blocked.weight_gradient_blocked_parallel)


@pytest.mark.parametrize("make", [
    lambda X: X, lambda X: np.asfortranarray(X), lambda X: X.astype(">f8"), lambda X: X[:, ::1].copy(),
])
def test_inputs_of_any_layout_and_flags_reach_one_specialisation(make):
    """Read-only, Fortran-ordered and byte-swapped inputs are made uniform before a kernel sees them."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1.]])
    Y = np.array([[0], [1], [1], [1.]])
    Xv = make(X)
    Xv.flags.writeable = False
    net = ln.Network([2, 2, 1], seed=0)
    net.fit(Xv, Y, epochs=2, batch_size=4)
    net.forward(Xv)
    net.gradients(Xv, Y)
    tree = BACKENDS["loops"].trees(0)[1]
    for op in ("train_epochs_sgd", "predict", "gradients"):
        sigs = [s for s in getattr(tree, op).signatures if "float64" in str(s[0]) or "float64" in str(s[1])]
        assert len(sigs) == 1, (op, sigs)
