"""The numba cache: a directory outside HOME is private, and a damaged entry is
compiled again instead of failing every call. Each case runs in a subprocess (the cache directory is
chosen once, at import) with a time limit."""
import glob
import json
import os
import stat
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
UID = os.getuid()
WHERE = ("import json, os, stat, numba, loopnet.jit as m; d = numba.config.CACHE_DIR; "
         "print(json.dumps(dict(cache=m.CACHE, dir=d, modes=[stat.S_IMODE(os.lstat(p).st_mode) for p in (d, os.path.dirname(d))], "
         "uid=os.stat(d).st_uid)))")


def run(code, tmp_path, timeout=180, **extra):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + str(tmp_path) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("NUMBA_CACHE_DIR", None)
    env.update({k: str(v) for k, v in extra.items()})
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, capture_output=True, text=True,
                          timeout=timeout, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def where(tmp_path):
    """Where loopnet puts its cache when HOME's cache directory cannot be created (XDG_CACHE_HOME under /proc)."""
    tmp = tmp_path / "tmp"
    tmp.mkdir(exist_ok=True)
    proc = run(WHERE, tmp_path, TMPDIR=tmp, XDG_CACHE_HOME="/proc/loopnet-cannot-write-here")
    return json.loads(proc.stdout.splitlines()[-1]), tmp


def mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_cache_outside_home_is_created_private(tmp_path):
    res, tmp = where(tmp_path)
    shared = tmp / f"loopnet-{UID}"
    assert res["cache"] and res["dir"].startswith(str(shared) + os.sep)
    assert mode(shared) == 0o700 and mode(res["dir"]) == 0o700
    assert os.stat(res["dir"]).st_uid == UID
    again, _ = where(tmp_path)
    assert again["dir"] == res["dir"]                     # the private directory is reused across processes


def _hostile(shared, how):
    if how == "world-writable":
        shared.mkdir()
        os.chmod(shared, 0o777)
    elif how == "group-writable":
        shared.mkdir()
        os.chmod(shared, 0o770)
    elif how == "someone else's":
        if os.getuid() != 0:
            pytest.skip("needs root to make a directory owned by another user")
        shared.mkdir(mode=0o700)
        os.chown(shared, 65534, 65534)
    elif how == "a symlink":
        (shared.parent / "elsewhere").mkdir(mode=0o700)
        shared.symlink_to(shared.parent / "elsewhere")
    elif how == "a file":
        shared.write_text("not a directory")


@pytest.mark.parametrize("how", ["world-writable", "group-writable", "someone else's", "a symlink", "a file"])
def test_a_shared_cache_directory_that_is_not_private_is_never_used(tmp_path, how):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    shared = tmp / f"loopnet-{UID}"
    _hostile(shared, how)
    res, _ = where(tmp_path)
    assert res["cache"]
    assert not res["dir"].startswith(str(shared) + os.sep)           # not the planted one
    fresh = os.path.dirname(res["dir"])
    assert os.path.basename(fresh).startswith(f"loopnet-{UID}-") and os.path.dirname(fresh) == str(tmp)
    assert res["modes"] == [0o700, 0o700] and res["uid"] == UID          # (seen by the process that used it)
    assert not os.path.exists(fresh)                                   # a one-process cache is removed at exit


KERNEL_MODULE = '''
from loopnet.jit import kernel

@kernel
def double_sum(x):
    total = 0.0
    for i in range(x.shape[0]):
        total += 2.0 * x[i]
    return total
'''
CALL = """
    import warnings, numpy as np
    warnings.simplefilter("always")
    import healme
    s = healme.double_sum.stats
    print(healme.double_sum(np.arange(4.0)), sum(s.cache_hits.values()), sum(s.cache_misses.values()))
"""


def test_a_damaged_cache_entry_is_compiled_again(tmp_path):
    (tmp_path / "healme.py").write_text(KERNEL_MODULE)
    cache = tmp_path / "cache"
    first = run(CALL, tmp_path, NUMBA_CACHE_DIR=cache)
    assert first.stdout.split()[0] == "12.0"
    index = glob.glob(str(cache / "**" / "healme.double_sum*.nbi"), recursive=True)
    data = glob.glob(str(cache / "**" / "healme.double_sum*.nbc"), recursive=True)
    assert len(index) == 1 and len(data) == 1
    hit = run(CALL, tmp_path, NUMBA_CACHE_DIR=cache)
    assert hit.stdout.split() == ["12.0", "1", "0"]                 # an intact entry is loaded

    for damaged, how in ((index[0], "truncate"), (data[0], "garble")):
        with open(damaged, "r+b") as f:
            if how == "truncate":
                f.truncate(os.path.getsize(damaged) // 2)
            else:
                f.write(b"\x80\x05garbage" * 8)
        healed = run(CALL, tmp_path, NUMBA_CACHE_DIR=cache)
        assert healed.stdout.split()[0] == "12.0", healed.stderr
        assert "compiled afresh" in healed.stderr and str(cache) in healed.stderr   # says where the cache is
        again = run(CALL, tmp_path, NUMBA_CACHE_DIR=cache)
        assert again.stdout.split() == ["12.0", "1", "0"], again.stderr        # rewritten whole: a hit again
        assert "compiled afresh" not in again.stderr


FIT = """
    import json, warnings, numpy as np, loopnet as ln
    warnings.simplefilter("always")
    rng = np.random.default_rng(0)
    X = rng.random((40, 3)); Y = (X.sum(axis=1, keepdims=True) > 1.5).astype(float)
    net = ln.Network([3, 4, 1], seed=0)
    net.fit(X, Y, epochs=5, lr=2.0, batch_size=10)
    print(json.dumps(dict(params=net.params.tolist(), out=net.forward(X[:3]).tolist())))
"""
FULL = os.environ.get("LOOPNET_FAULTS_FULL", "0") not in ("", "0")


@pytest.mark.slow
@pytest.mark.skipif(not FULL, reason="compiles every kernel twice from an empty cache (2-4 min on 2 busy cores); "
                                     ".ci/run sets LOOPNET_FAULTS_FULL=1 to run it")
def test_loopnet_kernels_survive_a_damaged_cache(tmp_path):
    cache = tmp_path / "cache"
    first = json.loads(run(FIT, tmp_path, timeout=900, NUMBA_CACHE_DIR=cache).stdout.splitlines()[-1])
    index = sorted(glob.glob(str(cache / "**" / "*.nbi"), recursive=True))
    data = sorted(glob.glob(str(cache / "**" / "*.nbc"), recursive=True))
    assert index and data
    for path in index[::2]:                       # every other index truncated ...
        with open(path, "r+b") as f:
            f.truncate(3)
    for path in data[1::2]:                       # ... and every other data file garbled
        with open(path, "wb") as f:
            f.write(b"\x80\x05not a pickle")
    healed = run(FIT, tmp_path, timeout=900, NUMBA_CACHE_DIR=cache)
    assert json.loads(healed.stdout.splitlines()[-1]) == first
    assert "compiled afresh" in healed.stderr and str(cache) in healed.stderr


# ---- every cache directory is checked, whoever chose it (issue 25, class 4) ----------------------------
EVIL = "import os, pickle, sys\nclass Evil:\n    def __reduce__(self):\n        return (open, (sys.argv[1], 'w'))\n"


def _plant(tree, marker):
    """Replace every index under ``tree`` by a pickle that, when loaded, creates ``marker``."""
    import numba
    code = EVIL + "import numba\nfor p in sys.argv[2:]:\n    open(p, 'wb').write(pickle.dumps(numba.__version__) + pickle.dumps(Evil()))\n"
    index = glob.glob(str(tree / "**" / "*.nbi"), recursive=True)
    assert index
    subprocess.run([sys.executable, "-c", code, str(marker), *index], check=True)
    del numba


@pytest.mark.parametrize("chosen_by", ["XDG_CACHE_HOME", "NUMBA_CACHE_DIR"])
@pytest.mark.parametrize("how", ["world-writable", "group-writable", "someone else's"])
def test_a_planted_pickle_in_a_cache_directory_others_can_write_is_never_loaded(tmp_path, chosen_by, how):
    if how == "someone else's" and os.getuid() != 0:
        pytest.skip("needs root to give a directory to another user")
    (tmp_path / "healme.py").write_text(KERNEL_MODULE)
    base = tmp_path / "cache"
    first = run(CALL, tmp_path, **{chosen_by: base, "TMPDIR": tmp_path})
    assert first.stdout.split()[0] == "12.0" and "not using" not in first.stderr
    ours = base / "loopnet" if chosen_by == "XDG_CACHE_HOME" else next(base.glob("loopnet-*"))
    marker = tmp_path / "planted-code-ran"
    _plant(ours, marker)
    for folder, dirs, files in os.walk(ours):
        for name in [folder] + [os.path.join(folder, f) for f in files]:
            if how == "someone else's":
                os.chown(name, 65534, 65534)
            else:
                os.chmod(name, 0o777 if how == "world-writable" else 0o770)
    again = run(CALL, tmp_path, **{chosen_by: base, "TMPDIR": tmp_path})
    assert not marker.exists(), "a pickle planted in a cache directory others can write was loaded"
    assert again.stdout.split()[0] == "12.0"
    assert "not using the kernel cache directory" in again.stderr and "private directory" in again.stderr


RELOAD = """
    import glob, json, os, numpy as np, numba, loopnet.jit as m
    before = dict(dir=numba.config.CACHE_DIR, layer=numba.config.THREADING_LAYER)
    os.environ["NUMBA_OPT"] = "3"            # any NUMBA_* change: numba reloads its config at the next compile
    numba.njit(lambda x: x + 1)(1)           # that compile
    import healme                            # a kernel decorated after the reload ...
    healme.double_sum(np.arange(4.0))        # ... and compiled
    after = dict(dir=numba.config.CACHE_DIR, layer=numba.config.THREADING_LAYER)
    print(json.dumps(dict(before=before, after=after, index=glob.glob(os.path.join(before["dir"], "**", "healme*.nbi"),
                                                                      recursive=True))))
"""


def test_loopnet_settings_survive_numba_reloading_its_config(tmp_path):
    (tmp_path / "healme.py").write_text(KERNEL_MODULE)
    res = json.loads(run(RELOAD, tmp_path, NUMBA_CACHE_DIR=tmp_path / "cache").stdout.splitlines()[-1])
    assert res["after"] == res["before"] and res["before"]["layer"] == "forksafe"
    assert os.path.basename(res["before"]["dir"]).startswith("loopnet-")
    assert len(res["index"]) == 1                 # cached inside loopnet's source-digest directory


def test_compile_notice_goes_above_a_progress_bar(monkeypatch, capsys):
    import io
    tqdm = pytest.importorskip("tqdm.std")
    from loopnet.backends import compile_notice
    written = []
    monkeypatch.setattr(tqdm.tqdm, "write", classmethod(lambda cls, s, file=None, end="\n", nolock=False:
                                                        written.append(s)))
    with tqdm.tqdm(total=2, file=io.StringIO()):
        compile_notice("component", "float64")
    assert len(written) == 1 and "compiling the component kernels for float64" in written[0]
    compile_notice("blocked", "float32")            # no bar: a plain line on stderr
    assert len(written) == 1 and "compiling the blocked kernels for float32" in capsys.readouterr().err


def test_progress_bar_time_leaves_out_compiling_in_training_and_validation(monkeypatch):
    """Compiling (timed by the backend) in the epoch kernel and in the first validation moves the bar's
    start forward by as much: the bar's rate and ETA are those of the computing alone."""
    import io
    import time
    import numpy as np
    import loopnet as ln
    from loopnet import training
    tqdm = pytest.importorskip("tqdm.std")
    bars = []
    monkeypatch.setattr(training, "_progress",
                        lambda enabled, epochs: bars.append(tqdm.tqdm(total=epochs, file=io.StringIO())) or bars[-1])
    net = ln.Network([2, 2, 1], seed=0)
    backend = net._backend
    for name, seconds in (("train_epochs", 50.0), ("evaluate", 100.0)):
        real = getattr(backend, name)

        def slow_compile(*args, _real=real, _seconds=seconds, **kwargs):   # as if this call had compiled
            backend.compile_seconds += _seconds
            return _real(*args, **kwargs)
        monkeypatch.setattr(backend, name, slow_compile)
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
    Y = np.array([[0], [1], [1], [1]], float)
    t0 = time.time()
    net.fit(X, Y, epochs=1, batch_size=4, validation_data=(X, Y), progress=True)
    assert bars[0].start_t >= t0 + 150           # both compiles left out of the bar's elapsed time
