"""The TBB threading layer is the one that runs, in an install like a user's.

In a plain virtual environment the ``tbb`` wheel's ``libtbb.so.12`` lies in ``<venv>/lib``, where the
loader does not look, and numba's TBB layer failed to import without a word (issue: parallel kernels
on ``workqueue``, 1.8x slower). loopnet.jit.threads loads the library from the tbb package's own file
list before numba starts its layer. The slow test below builds a fresh venv (not
``--system-site-packages``: the system Python's /usr/local/lib would hide the problem), installs
this checkout into it with pip, runs a parallel kernel there and asserts the layer is tbb.
"""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from loopnet.jit import threads

ROOT = Path(__file__).resolve().parents[1]

# runs inside the venv: a parallel kernel, then the layer it ran on
PROBE = textwrap.dedent("""
    import numpy as np, numba
    import loopnet
    from loopnet.jit import threads
    from loopnet.kernels import blocked
    z = np.empty((8, 8)); W = np.ones((8, 8)); b = np.zeros(8); a = np.ones((8, 8))
    blocked.weighted_input_blocked_parallel(z, W, b, a)
    assert (z == 8).all()
    print("layer", numba.threading_layer(), threads.TBB_PATH)
""")


def test_tbb_path_comes_from_the_tbb_package():
    path = threads.tbb_library_path()
    if path is None:
        pytest.skip("the tbb package is not installed here")
    assert os.path.basename(path).startswith(threads.TBB_LIBRARY[sys.platform].split(".")[0])
    assert os.path.exists(path)


def test_layer_is_tbb_here_when_tbb_is_installed():
    if threads.tbb_library_path() is None or threads.THREADING_LAYER_CHOSEN_BY_USER:
        pytest.skip("no tbb package, or NUMBA_THREADING_LAYER chosen by the user")
    assert threads.LAYER == "tbb"
    assert threads.FALLBACK == ""


def test_fallback_says_why_once(tmp_path):
    # a process where tbb cannot be found: the layer falls back and one stderr line says why
    env = dict(os.environ, PYTHONPATH=str(ROOT), NUMBA_CACHE_DIR=str(tmp_path / "cache"))
    env.pop("NUMBA_THREADING_LAYER", None)
    code = ("import loopnet.jit.threads as t\n"
            "t.tbb_library_path = lambda: None\n"   # what a platform without the tbb wheel sees
            "print(t.load_tbb())\n")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "tbb package is not installed" in out.stdout


def base_pythons():
    """The interpreters to build venvs from: this one, and the distribution's /usr/bin/python3. A pyenv
    Python carries a RUNPATH to its own lib/, where a system-wide ``pip install tbb`` put libtbb, so numba
    alone finds TBB in its venvs; the distribution's Python has no such path, so there numba alone
    falls back to workqueue (measured 2026-12-03 on the 2-core EPYC: workqueue alone, tbb with loopnet)."""
    found = [sys.executable]
    other = "/usr/bin/python3"
    if os.path.exists(other) and os.path.realpath(other) != os.path.realpath(sys.executable):
        version = subprocess.run([other, "-c", "import sys; print(sys.version_info >= (3, 10))"],
                                 capture_output=True, text=True).stdout.strip()
        if version == "True":
            found.append(other)
    return found


@pytest.mark.slow
@pytest.mark.parametrize("base", base_pythons())
def test_fresh_venv_runs_on_tbb(tmp_path, base):
    """python3 -m venv (no system site packages) + pip install -e <this checkout>: the layer is tbb."""
    if sys.platform != "linux" or os.uname().machine not in ("x86_64", "AMD64"):
        pytest.skip("the tbb wheel is a dependency on x86-64 only")
    venv = tmp_path / "venv"
    made = subprocess.run([base, "-m", "venv", str(venv)], capture_output=True, text=True, timeout=300)
    if made.returncode != 0:
        pytest.skip(f"{base} cannot make a venv: {made.stderr[-300:]}")
    py = venv / "bin" / "python"
    pip = subprocess.run([str(py), "-m", "pip", "install", "-q", "-e", str(ROOT)],
                         capture_output=True, text=True, timeout=1500)
    if pip.returncode != 0:
        pytest.skip(f"pip could not install into a fresh venv (no package index?): {pip.stderr[-500:]}")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "NUMBA_THREADING_LAYER", "LD_LIBRARY_PATH")}
    env["NUMBA_CACHE_DIR"] = str(tmp_path / "cache")
    libdir = venv / "lib"
    assert any(p.name.startswith("libtbb.so") for p in libdir.iterdir()), "the tbb wheel put no libtbb in <venv>/lib"
    # without loopnet, numba alone does not find it (the problem this fixes); printed, not asserted,
    # since a system with libtbb on the loader's path finds it anyway
    alone = subprocess.run([str(py), "-c", "import numba; numba.config.THREADING_LAYER='forksafe'; "
                            "numba.get_num_threads(); print(numba.threading_layer())"],
                           env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    print("numba alone in the venv:", alone.stdout.strip(), alone.stderr.strip()[-200:])
    run = subprocess.run([str(py), "-c", PROBE], env=env, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "layer tbb " in run.stdout, run.stdout + run.stderr
    assert str(venv) in run.stdout                           # loaded from the venv's own tbb package
    assert "not tbb" not in run.stderr
