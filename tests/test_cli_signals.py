"""Ctrl-C during ``loopnet train --save``: the last good model is on disk before anything that can be
interrupted, whatever the number of presses. Real SIGINTs sent to a subprocess, at the moments that matter:
one press then another after "stopping" (during the save and the final evaluation), two and five presses
back to back during training."""
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import loopnet as ln

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""), PYTHONUNBUFFERED="1")


def start(path):
    return subprocess.Popen([sys.executable, "-m", "loopnet", "train", "--data", "synthetic:20000,40,5",
                             "--epochs", "100000", "--log-every", "1", "--backend", "numpy", "--save", str(path), "--no-progress"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV, cwd=ROOT)


def wait_for(proc, needle, times=1, timeout=120):
    t0 = time.time()
    seen = []
    while time.time() - t0 < timeout:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        if sum(needle in s for s in seen) >= times:
            return seen
    raise AssertionError(f"no {needle!r} in {''.join(seen)[-2000:]}")


@pytest.mark.parametrize("presses, gap", [(2, "after stopping"), (2, 0.0), (5, 0.0)])
def test_ctrl_c_never_loses_the_trained_model(tmp_path, presses, gap):
    path = tmp_path / "model.npz"
    proc = start(path)
    try:
        wait_for(proc, "/100000", times=2)          # two epochs done
        proc.send_signal(signal.SIGINT)
        if gap == "after stopping":  # the second press once training has stopped: saving or evaluating
            wait_for(proc, "interrupted after")     # printed just before the final evaluation
            proc.send_signal(signal.SIGINT)
        else:
            for _ in range(presses - 1):
                time.sleep(gap)
                proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=180)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, (proc.returncode, err[-2000:])
    assert "Traceback" not in err, err[-3000:]
    net = ln.load(path)                          # whole, loadable, and trained for at least two epochs
    assert net.sizes == [40, 30, 5] and net.data_split["data"] == "synthetic:20000,40,5"
    assert not np.array_equal(net.params, ln.Network([40, 30, 5], seed=0).params)
