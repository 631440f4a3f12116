"""A sweep beyond one process: GridSearchCV through joblib's "dask" backend on a LocalCluster (loopback only)."""
import os

import numpy as np
import pytest

pytest.importorskip("dask", reason="dask is an optional extra: pip install 'dask[distributed]'")
distributed = pytest.importorskip("distributed", reason="dask.distributed is an optional extra")

import joblib  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.datasets import load_iris  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from loopnet.sklearn import LoopNetClassifier, in_worker, one_thread_in_workers  # noqa: E402


def probe(X, y):
    """Runs in a worker: fit once, report threads inside fit's limits and numba's cache counters."""
    import numba
    from threadpoolctl import threadpool_info

    import loopnet.jit
    from loopnet.backends import BACKENDS

    LoopNetClassifier(epochs=2, random_state=0, tol=None).fit(X, y)
    with one_thread_in_workers():
        numba_threads = numba.get_num_threads()
        blas_threads = [pool["num_threads"] for pool in threadpool_info()]
    stats = BACKENDS["loops"].trees(0)[1].train_epochs_sgd.stats   # the estimator's default optimizer is SGD
    return {"pid": os.getpid(), "in_worker": in_worker(), "numba_threads": numba_threads,
            "blas_threads": blas_threads, "cache": loopnet.jit.CACHE,
            "cache_misses": sum(stats.cache_misses.values()), "cache_hits": sum(stats.cache_hits.values())}


def test_gridsearch_on_dask_cluster_equals_serial():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    grid = {"hidden_layer_sizes": [(3,), (6,)], "lr": [0.2, 1.0]}
    est = LoopNetClassifier(epochs=20, random_state=0, tol=None)
    serial = GridSearchCV(est, grid, cv=3).fit(X, y)  # also puts the compiled kernels in numba's cache

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        with joblib.parallel_backend("dask"):
            on_dask = GridSearchCV(clone(est), grid, cv=3, n_jobs=-1).fit(X, y)
        # the workers' addresses straight from the scheduler: scheduler_info() returns the client's cached
        # identity, which its periodic refresh (asking for no per-worker details) can overwrite meanwhile
        client.wait_for_workers(2)
        workers = sorted(client.nthreads())
        assert len(workers) == 2, workers
        reports = client.gather([client.submit(probe, X, y, workers=[w], pure=False) for w in workers])

    np.testing.assert_array_equal(on_dask.cv_results_["mean_test_score"], serial.cv_results_["mean_test_score"])
    assert on_dask.best_params_ == serial.best_params_
    np.testing.assert_array_equal(on_dask.predict(X), serial.predict(X))

    assert len({r["pid"] for r in reports}) == 2 and os.getpid() not in {r["pid"] for r in reports}
    for r in reports:
        assert r["in_worker"]
        assert r["numba_threads"] == 1  # compiled prange kernels use one thread per worker
        assert all(n == 1 for n in r["blas_threads"])  # and so do BLAS pools (the numpy backend)
        if r["cache"]:  # numba loaded the kernels compiled by this process from its on-disk cache
            assert r["cache_misses"] == 0 and r["cache_hits"] > 0
