"""Stepping into the loops from anywhere: real pdb, scripted input, any working directory, any install."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import loopnet as ln
from loopnet import debug
from loopnet.kernels import backward, blocked

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = Path(ln.__file__).resolve().parent
# the 3-2-1 blog post's network (seed 001: W1 = [[0.4, 0.5, 0.3], [0.2, 0.7, 0.1]], W2 = [[0.1, 0.2]], no
# biases, L = (y − ŷ)², x = (0, 1, 2), y = 1); its δ^(2) = −0.2203449 (true value, see test_seeds.py)
NET = "ln.Network.from_weights([[[0.4, 0.5, 0.3], [0.2, 0.7, 0.1]], [[0.1, 0.2]]], loss='mse')"
DELTA2 = -0.22034491318204655


def run(code, stdin, cwd, env=None):
    return subprocess.run([sys.executable, "-c", code], input=stdin, capture_output=True, text=True, timeout=240,
                          cwd=cwd, env=env)


def test_step_into_stops_in_bp2_sum_for_the_given_example_and_neuron(tmp_path):
    """ln.step_into under real pdb, commands on stdin, run from a directory outside the project."""
    code = f"import loopnet as ln\nnet = {NET}\nln.step_into('hidden_error', net, [[0, 1, 2]], [[1]], n=0, j=1)\n"
    r = run(code, "p ('AT', n, j, k, acc)\np ('W', W_next[k, j])\nn\np ('AFTER', acc)\nc\n", tmp_path)
    assert r.returncode == 0, r.stderr
    assert "backward.py(69)hidden_error()" in r.stdout or "hidden_error()" in r.stdout
    assert "('AT', 0, 1, 0, np.float64(0.0))" in r.stdout, r.stdout
    assert "('W', np.float64(0.2))" in r.stdout
    after = float(r.stdout.split("('AFTER', np.float64(")[1].split(")")[0])
    assert after == pytest.approx(0.2 * DELTA2, rel=1e-12)     # w^(2)_{1,2} δ^(2)_1: the sum over k so far


def test_condition_picks_the_example_in_a_batch(tmp_path):
    """On the OR gate's batch of 4 through a 2-2-1 net, n=2, j=0 stops only there, once per k."""
    code = ("import loopnet as ln\nnet = ln.Network([2, 3, 2], seed=1)\n"
            "ln.step_into('hidden_error', net, [[0, 0], [0, 1], [1, 0], [1, 1]], [[0, 1], [1, 0], [1, 0], [1, 0]], "
            "n=2, j=0)\n")
    r = run(code, "p ('AT', n, j, k)\nc\np ('AT', n, j, k)\nc\n", tmp_path)
    assert r.returncode == 0, r.stderr
    assert "('AT', 2, 0, 0)" in r.stdout and "('AT', 2, 0, 1)" in r.stdout, r.stdout


def test_pdb_break_by_kernel_name_works(tmp_path):
    """`b hidden_error` in plain pdb (no helper) stops in the uncompiled kernel."""
    code = (f"import loopnet as ln, pdb\nfrom loopnet.kernels.backward import hidden_error\nnet = {NET}\n"
            "net.backend = 'python'\npdb.run('net.gradients([[0, 1, 2]], [[1]])')\n")
    r = run(code, "b hidden_error\nc\np ('IN', W_next.shape, delta_next.shape)\nc\n", tmp_path)
    assert "Breakpoint 1 at" in r.stdout, r.stdout + r.stderr
    assert "('IN', (1, 2), (1, 1))" in r.stdout, r.stdout + r.stderr


def test_pdb_break_by_absolute_line_from_breakpoint_at(tmp_path):
    # the path as the learner's own process sees it (the installed package), as the guide's recipe says
    where = run(["import loopnet.debug as d; print(*d.breakpoint_at('weight_gradient')[:2])"][0], "", tmp_path)
    filename, line = where.stdout.split()
    code = (f"import loopnet as ln, pdb\nnet = {NET}\nnet.backend = 'python'\n"
            "pdb.run('net.gradients([[0, 1, 2]], [[1]])')\n")
    r = run(code, f"b {filename}:{line}, j == 1 and k == 2\nc\np ('BP4', n, j, k)\nclear\ny\nc\n", tmp_path)
    assert "('BP4', 0, 1, 2)" in r.stdout, r.stdout + r.stderr


def test_step_into_from_a_non_editable_copy_of_the_package(tmp_path):
    """A plain (non-editable) install is the package directory somewhere on sys.path: copy it there."""
    site = tmp_path / "site"
    shutil.copytree(PACKAGE, site / "loopnet", ignore=shutil.ignore_patterns("__pycache__"))
    env = dict(os.environ, PYTHONPATH=str(site), NUMBA_CACHE_DIR=str(tmp_path / "cache"))
    code = (f"import loopnet as ln\nassert ln.__file__.startswith({str(site)!r}), ln.__file__\nnet = {NET}\n"
            "ln.step_into('bias_gradient', ln.Network([3, 2, 1], seed=0), [[0, 1, 2]], [[1]], j=1)\n")
    r = run(code, "p ('BP3', j, n, acc)\nc\n", tmp_path, env=env)
    assert r.returncode == 0, r.stderr
    assert str(site / "loopnet" / "kernels" / "backward.py") in r.stdout
    assert "('BP3', 1, 0, np.float64(0.0))" in r.stdout, r.stdout


def test_every_listed_kernel_has_a_stop_inside_it():
    for name, (fn, _) in debug.KERNELS.items():
        filename, line, funcname = debug.breakpoint_at(name)
        py = fn.py_func if hasattr(fn, "py_func") else fn
        assert filename == py.__code__.co_filename
        first, last = py.__code__.co_firstlineno, max(l for _, _, l in py.__code__.co_lines() if l)
        assert first <= line <= last, name
    # the sums are marked: BP2, BP3, BP4 and z = Wa + b stop on the line that adds a term
    for name in ("weighted_input", "hidden_error", "bias_gradient", "weight_gradient"):
        filename, line, funcname = debug.breakpoint_at(name)
        assert funcname is None and "+=" in Path(filename).read_text().splitlines()[line - 1]


def test_step_into_rejects_what_it_cannot_do():
    net = ln.Network([2, 2, 1])
    with pytest.raises(ValueError, match="blocked kernel of the speed layer.*hidden_error"):
        debug.breakpoint_at(blocked.hidden_error_blocked)
    with pytest.raises(ValueError, match="kernel must be one of .*got 'hiden_error'"):
        ln.step_into("hiden_error", net, [[0, 0]], [[0]])
    with pytest.raises(TypeError, match="n must be an int .*got 0.5"):
        ln.step_into("hidden_error", net, [[0, 0]], [[0]], n=0.5)
    assert debug.breakpoint_at(backward.hidden_error) == debug.breakpoint_at("hidden_error")


def test_example_script_runs_from_another_directory(tmp_path):
    r = subprocess.run([sys.executable, str(ROOT / "examples" / "step_through_loops.py")], capture_output=True,
                       text=True, timeout=240, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "('at', 0, 1, 0, np.float64(0.0))" in r.stdout
    assert "('after', np.float64(-0.0440689826" in r.stdout
    assert "dL/da1[2] = -0.0440690" in r.stdout
