"""save/load: bit-identical round trips, atomic writes, and clear errors for every bad file."""
import os
import signal
import subprocess
import sys
import textwrap
import time
import zipfile

import numpy as np
import pytest

import loopnet as ln
import loopnet.writing as writing
from loopnet import io as lio

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def trained(dtype="float64", bias=True, **kw):
    net = ln.Network([4, 5, 3], seed=1, dtype=dtype, bias=bias, **kw)
    rng = np.random.default_rng(0)
    X, Y = rng.random((20, 4)), np.eye(3)[rng.integers(0, 3, 20)]
    net.fit(X, Y, epochs=2, lr=1.0, batch_size=7)
    return net, X


# ---------------------------------------------------------------------------------------------
# Round trips
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("bias", [True, False])
def test_round_trip_is_bit_identical(tmp_path, dtype, bias):
    net, X = trained(dtype, bias)
    path = tmp_path / "model.npz"
    net.save(path)
    back = ln.load(path)
    assert back.sizes == net.sizes and back.dtype == net.dtype and back.has_bias == bias
    assert (back.activation, back.output_activation, back.loss_name) == \
        (net.activation, net.output_activation, net.loss_name)
    assert back.params.tobytes() == net.params.tobytes()
    assert back.forward(X).tobytes() == net.forward(X).tobytes()
    np.testing.assert_array_equal(back.predict(X), net.predict(X))
    if not bias:
        assert back.biases is None


def test_round_trip_keeps_activations_and_loss(tmp_path):
    net = ln.Network([3, 4, 2], activation="tanh", output_activation="softmax", loss="cross_entropy", seed=3)
    net.save(str(tmp_path / "m.npz"))
    back = ln.load(str(tmp_path / "m.npz"), backend="numpy")
    assert (back.activation, back.output_activation, back.loss_name, back.backend) == \
        ("tanh", "softmax", "cross_entropy", "numpy")
    X = np.random.default_rng(0).random((5, 3))
    net.backend = "numpy"  # backends may differ in the last bit; the same backend must not
    assert back.forward(X).tobytes() == net.forward(X).tobytes()


def test_saved_file_gets_ordinary_permissions(tmp_path):
    net, _ = trained()
    path = tmp_path / "m.npz"
    old = os.umask(0o022)
    try:
        net.save(path)
    finally:
        os.umask(old)
    assert os.stat(path).st_mode & 0o777 == 0o644   # not mkstemp's 0o600


def test_load_rejects_an_unknown_backend_by_name(tmp_path):
    net, _ = trained()
    net.save(tmp_path / "m.npz")
    with pytest.raises(ValueError, match="backend"):
        ln.load(tmp_path / "m.npz", backend="gpu")


# ---------------------------------------------------------------------------------------------
# Atomic saves
# ---------------------------------------------------------------------------------------------
def test_failed_save_leaves_old_file_intact_and_no_temp_file(tmp_path, monkeypatch):
    old_net, X = trained()
    path = tmp_path / "model.npz"
    old_net.save(path)
    before = path.read_bytes()

    def broken_fsync(fd):  # the bytes were written; flushing them to disk fails, as a full disk would
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writing.os, "fsync", broken_fsync)
    new_net = ln.Network([4, 5, 3], seed=99)
    with pytest.raises(OSError, match="No space left"):
        new_net.save(path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["model.npz"]
    monkeypatch.undo()
    assert ln.load(path).forward(X).tobytes() == old_net.forward(X).tobytes()


def test_keyboard_interrupt_during_save_cleans_up(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"

    def interrupted(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(writing.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        ln.Network([2, 1]).save(path)
    assert os.listdir(tmp_path) == []


SAVE_LOOP = textwrap.dedent("""
    import sys
    import loopnet as ln
    nets = [ln.Network([30, 40, 10], seed=s) for s in (0, 1)]
    i = 0
    while True:
        nets[i % 2].save(sys.argv[1])
        i += 1
        if i == 3:
            print("saving", flush=True)
""")


def test_sigkill_during_save_loop_leaves_a_loadable_file(tmp_path):
    script = tmp_path / "save_loop.py"
    script.write_text(SAVE_LOOP)
    path = tmp_path / "model.npz"
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    expected = [ln.Network([30, 40, 10], seed=s).params for s in (0, 1)]
    for delay in (0.0, 0.013, 0.029):
        proc = subprocess.Popen([sys.executable, str(script), str(path)], stdout=subprocess.PIPE, env=env)
        try:
            assert proc.stdout.readline() == b"saving\n"
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == -signal.SIGKILL
        net = ln.load(path)  # whole: one of the two networks, never a mixture or a fragment
        assert any(np.array_equal(net.params, e) for e in expected)


# ---------------------------------------------------------------------------------------------
# Bad files
# ---------------------------------------------------------------------------------------------
@pytest.fixture
def saved(tmp_path):
    net, _ = trained()
    path = tmp_path / "good.npz"
    net.save(path)
    return path


@pytest.mark.parametrize("keep", [0.2, 0.5, 0.9, 0.99])
def test_truncated_file(saved, keep):
    data = saved.read_bytes()
    saved.write_bytes(data[:int(len(data) * keep)])
    with pytest.raises(lio.ModelFileError, match="not a loopnet model file|damaged") as info:
        ln.load(saved)
    assert str(saved) in str(info.value)


def test_random_bytes(tmp_path):
    path = tmp_path / "noise.npz"
    path.write_bytes(np.random.default_rng(0).bytes(5000))
    with pytest.raises(lio.ModelFileError, match="not a loopnet model file"):
        ln.load(path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.npz"
    path.write_bytes(b"")
    with pytest.raises(lio.ModelFileError):
        ln.load(path)


def test_foreign_npz(tmp_path):
    path = tmp_path / "foreign.npz"
    np.savez(path, weights=np.ones((3, 3)), format=np.array("something-else"))
    with pytest.raises(lio.ModelFileError, match="not a loopnet model.*entries are"):
        ln.load(path)
    np.savez(path, a=np.arange(3))
    with pytest.raises(lio.ModelFileError, match="no format='loopnet'"):
        ln.load(path)


def test_npy_and_pickle_files(tmp_path):
    npy = tmp_path / "array.npy"
    np.save(npy, np.arange(4.0))
    with pytest.raises(lio.ModelFileError, match="single NumPy array"):
        ln.load(npy)
    pkl = tmp_path / "object.npz"
    with open(pkl, "wb") as f:
        np.save(f, np.array([{"a": 1}], dtype=object))  # an object array: needs pickle to read
    with pytest.raises(lio.ModelFileError):
        ln.load(pkl)


def test_foreign_zip(tmp_path):
    path = tmp_path / "other.npz"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(lio.ModelFileError):
        ln.load(path)


def rewrite(path, **changes):
    """Edit members of a model file and write it with a matching manifest (as a tool that knows the format
    would): what load must then refuse is the content, not the checksums."""
    with np.load(path) as data:
        fields = {k: data[k] for k in data.files if k != "manifest.json"}
    fields.update(changes)
    with open(path, "wb") as f:
        f.write(lio.archive_bytes(fields))


def test_wrong_version(saved):
    rewrite(saved, version=np.array(lio.VERSION + 1))
    with pytest.raises(lio.ModelFileError, match=f"version {lio.VERSION + 1}.*reads version {lio.VERSION}"):
        ln.load(saved)


def test_unreadable_version(saved):
    rewrite(saved, version=np.array("one"))
    with pytest.raises(lio.ModelFileError, match="version"):
        ln.load(saved)


@pytest.mark.parametrize("changes,match", [
    (dict(params=np.zeros(5)), "need"),                             # wrong number of parameters
    (dict(params=np.zeros(43, dtype=np.float32)), "float32"),      # dtype disagrees with 'dtype'
    (dict(activation=np.array("swish")), "activation"),
    (dict(sizes=np.array([4, 0, 3])), "sizes"),
    (dict(params=np.full(43, np.nan)), "finite|NaN|nan"),
])
def test_damaged_fields(saved, changes, match):
    rewrite(saved, **changes)
    with pytest.raises(lio.ModelFileError, match=match):
        ln.load(saved)


def test_missing_field(saved):
    with np.load(saved) as data:
        fields = {k: data[k] for k in data.files if k not in ("params", "manifest.json")}
    with open(saved, "wb") as f:
        f.write(lio.archive_bytes(fields))
    with pytest.raises(lio.ModelFileError, match="damaged.*params"):
        ln.load(saved)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="no model file"):
        ln.load(tmp_path / "nothing.npz")
    with pytest.raises(IsADirectoryError):
        ln.load(tmp_path)
    net = ln.Network([2, 1])
    with pytest.raises(FileNotFoundError, match="does not exist"):
        net.save(tmp_path / "no" / "such" / "dir.npz")
    with pytest.raises(IsADirectoryError, match="directory"):
        net.save(tmp_path)


def test_permission_error_when_no_temp_file_can_be_made(tmp_path, monkeypatch):
    # the same path as a read-only directory, for when the tests run as root
    def refuse(**kw):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(writing.tempfile, "mkstemp", refuse)
    with pytest.raises(PermissionError, match=f"cannot write .*m.npz.*no permission .* directory"):
        ln.Network([2, 1]).save(tmp_path / "m.npz")


def test_read_only_directory_gives_a_clear_permission_error(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    os.chmod(ro, 0o555)
    try:
        if os.access(ro, os.W_OK):
            pytest.skip("running as a user (root) that can write to a read-only directory")
        with pytest.raises(PermissionError, match="no permission to create files in directory"):
            ln.Network([2, 1]).save(ro / "m.npz")
        assert os.listdir(ro) == []
    finally:
        os.chmod(ro, 0o755)
