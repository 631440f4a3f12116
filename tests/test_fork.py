"""loopnet inside fork-started workers: parallel kernels run before a fork do not kill the children.

The parent imports loopnet and runs a layer big enough for the parallel kernels
(N · n_l · n_{l−1} ≥ PARALLEL_WORK) before forking, which is what killed the workers when numba's
threading layer was GNU OpenMP. Each case runs in a subprocess with a time limit: a hang is a failure,
not a stuck test run.
"""
import os
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# 128 examples × 200 × 200 = 5.1e6 multiply-adds per batch ≥ PARALLEL_WORK (4e6): the prange kernels run
PRELUDE = """
    import multiprocessing as mp
    import numpy as np
    import loopnet as ln
    from loopnet.jit import PARALLEL_WORK
    assert 128 * 200 * 200 >= PARALLEL_WORK

    def work(seed):
        net = ln.Network([200, 200, 2], seed=seed)
        X = np.random.default_rng(seed).standard_normal((128, 200))
        Y = np.eye(2)[np.arange(128) % 2]
        net.fit(X, Y, epochs=1, lr=0.1, batch_size=128)
        return float(net.forward(X).sum())

    parent = [work(s) for s in (1, 2)]   # the parent starts the threading layer's threads
"""


def run(body, timeout=240, **extra):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("NUMBA_THREADING_LAYER", None)
    env.update(extra)
    code = textwrap.dedent(PRELUDE) + textwrap.dedent(body)
    try:
        proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the fork-started workers did not finish within {timeout} s (hang)")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "unsafe" not in proc.stderr
    return proc.stdout


def test_threading_layer_is_fork_safe():
    out = run("""
        import numba
        print(numba.threading_layer())
    """)
    assert out.split()[-1] in ("tbb", "workqueue")


def test_plain_fork_pool_after_parallel_kernels_in_the_parent():
    out = run("""
        with mp.get_context("fork").Pool(2) as pool:
            child = pool.map(work, [1, 2])
        assert child == parent, (child, parent)   # same seeds, same numbers, in workers as in the parent
        print("ok")
    """)
    assert out.split()[-1] == "ok"


def test_sklearn_fit_under_joblib_multiprocessing_fork():
    pytest.importorskip("sklearn")
    out = run("""
        import joblib
        from sklearn.model_selection import cross_val_score
        from loopnet.sklearn import LoopNetClassifier
        rng = np.random.default_rng(0)
        X = rng.standard_normal((256, 200))
        y = (X[:, 0] > 0).astype(int)
        clf = LoopNetClassifier(hidden_layer_sizes=(200,), epochs=2, batch_size=128, random_state=0)
        clf.fit(X, y)                                  # the parent runs the parallel kernels first
        mp.set_start_method("fork", force=True)       # joblib's multiprocessing backend: mp's default context
        with joblib.parallel_backend("multiprocessing", n_jobs=2):
            scores = cross_val_score(clf, X, y, cv=2)
        assert len(scores) == 2 and all(0 <= s <= 1 for s in scores)
        print("ok")
    """)
    assert out.split()[-1] == "ok"
