"""Files that cannot be clobbered, archives that cannot make load allocate, sizes that cannot exhaust
memory. Hang and crash cases run in subprocesses with time limits."""
import io
import os
import pickle
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pytest

import loopnet as ln
from loopnet import backends
from loopnet import io as lio

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))


def net():
    return ln.Network([3, 2, 1], seed=0)


def cli(*args, timeout=180, cwd=None):
    return subprocess.run([sys.executable, "-m", "loopnet", *args], capture_output=True, text=True, env=ENV,
                          timeout=timeout, cwd=cwd)


def one_line_exit_2(proc, *needles):
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


# ---- save writes only regular files, through symlinks --------------------------------------------
def test_save_writes_through_a_symlink_to_its_target(tmp_path):
    target = tmp_path / "models" / "current.npz"
    target.parent.mkdir()
    net().save(target)
    link = tmp_path / "latest.npz"
    link.symlink_to(target)
    chain = tmp_path / "chain.npz"
    chain.symlink_to(link)
    other = ln.Network([3, 2, 1], seed=7)
    other.save(chain)
    assert link.is_symlink() and chain.is_symlink() and not target.is_symlink()
    assert np.array_equal(ln.load(target).params, other.params)       # the target is current, not stale
    assert np.array_equal(ln.load(link).params, other.params)
    assert sorted(p.name for p in target.parent.iterdir()) == ["current.npz"]   # no temp file left


def test_save_through_a_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "model.npz"
    link.symlink_to(tmp_path / "new.npz")
    net().save(link)
    assert link.is_symlink() and (tmp_path / "new.npz").is_file()


def test_save_refuses_a_symlink_cycle(tmp_path):
    a, b = tmp_path / "a.npz", tmp_path / "b.npz"
    a.symlink_to(b)
    b.symlink_to(a)
    with pytest.raises(OSError, match=r"cannot write .*a\.npz"):
        net().save(a)


def test_save_refuses_a_fifo_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.npz"
    os.mkfifo(fifo)
    code = f"import loopnet as ln; ln.Network([3, 2, 1]).save({str(fifo)!r})"
    proc = subprocess.run([sys.executable, "-c", code], env=ENV, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "is a FIFO (named pipe), not a regular file" in proc.stderr, proc.stderr[-2000:]
    assert (tmp_path / "pipe.npz").is_fifo() and os.listdir(tmp_path) == ["pipe.npz"]


@pytest.mark.parametrize("device", ["/dev/null", "/dev/zero"])
def test_save_refuses_devices_directly_and_through_a_symlink(tmp_path, device):
    if not os.path.exists(device):
        pytest.skip(f"no {device}")
    with pytest.raises(ValueError, match=r"is a character device, not a regular file"):
        net().save(device)
    link = tmp_path / "m.npz"
    link.symlink_to(device)
    with pytest.raises(ValueError, match=rf"m\.npz.*character device.*the symlink leads to .*{device}"):
        net().save(link)


def test_save_refuses_a_directory_and_the_empty_path(tmp_path):
    with pytest.raises(IsADirectoryError, match=r"is a directory"):
        net().save(tmp_path)
    with pytest.raises(ValueError, match=r"the path is empty"):
        net().save("")


# ---- load reads only what it knows, checked before reading ----------------------------------------
def _npy_header_only(shape, dtype="<f8"):
    """The bytes of a .npy header declaring ``shape`` (no data: what a zip bomb's member would start with)."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": dtype, "fortran_order": False, "shape": shape})
    return buf.getvalue()          # write_array_header_1_0 writes the magic string too


def _with_member(src, dst, name, data, replace=False):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            if not (replace and item.filename == name):
                zout.writestr(item, zin.read(item))
        zout.writestr(name, data)


def save_v1(network, path):
    """A format-1 model file (no manifest), as loopnet wrote before version 2: np.savez of the members."""
    fields = dict(format=np.array("loopnet"), version=np.array(1, dtype=np.int64),
                  sizes=np.array(network.sizes, dtype=np.int64), activation=np.array(network.activation),
                  output_activation=np.array(network.output_activation), loss=np.array(network.loss_name),
                  dtype=np.array(network.dtype.name), has_bias=np.array(network.has_bias), params=network.params)
    np.savez(path, **fields)


@pytest.fixture
def saved(tmp_path):
    """A version-1 file: the per-member checks below hold for files without a manifest too (a version-2
    file's manifest refuses these edits earlier; see tests/test_io_v2.py)."""
    path = tmp_path / "good.npz"
    save_v1(net(), path)
    return path


def test_unknown_members_are_never_read(saved, tmp_path, monkeypatch):
    bad = tmp_path / "extra.npz"
    _with_member(saved, bad, "junk.npy", _npy_header_only((10 ** 9,)))          # declares 8 GB
    _with_member(bad, tmp_path / "extra2.npz", "evil.npy", pickle.dumps(object()))
    opened = []
    real_open = zipfile.ZipFile.open
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda self, name, *a, **k: (
        opened.append(getattr(name, "filename", name)), real_open(self, name, *a, **k))[1])
    loaded = ln.load(tmp_path / "extra2.npz")
    assert np.array_equal(loaded.params, net().params)
    assert not {"junk.npy", "evil.npy"} & set(opened)


def test_params_declaring_more_than_the_sizes_allow_are_not_read(saved, tmp_path):
    bad = tmp_path / "bomb.npz"
    _with_member(saved, bad, "params.npy", _npy_header_only((10 ** 9,)), replace=True)
    with pytest.raises(ln.ModelFileError, match=r"member 'params' declares shape \(1000000000,\), expected the 11 "
                                                r"numbers that sizes \[3, 2, 1\] need; it was not read"):
        ln.load(bad)


def test_a_member_longer_than_its_header_declares_is_refused(saved, tmp_path):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, net().params)
    bad = tmp_path / "long.npz"
    _with_member(saved, bad, "params.npy", buf.getvalue() + b"\0" * 10 ** 6, replace=True)
    with pytest.raises(ln.ModelFileError, match=r"member 'params' is \d+ bytes but its header declares \d+"):
        ln.load(bad)


def test_pickled_members_are_refused_without_suggesting_unsafe_loading(saved, tmp_path):
    bad = tmp_path / "pickled.npz"
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.array([object()] * 11, dtype=object), allow_pickle=True)
    _with_member(saved, bad, "params.npy", buf.getvalue(), replace=True)
    with pytest.raises(ln.ModelFileError, match=r"member 'params' holds Python objects") as info:
        ln.load(bad)
    assert "allow_pickle" not in str(info.value)


def test_sizes_too_big_for_memory_are_refused_before_reading(saved, tmp_path):
    huge = [100_000, 100_000, 100_000]             # 2e10 parameters: 160 GB
    n = 2 * 100_000 * 100_000 + 200_000
    bad = tmp_path / "huge.npz"
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.array(huge, dtype=np.int64))
    _with_member(saved, tmp_path / "step.npz", "sizes.npy", buf.getvalue(), replace=True)
    _with_member(tmp_path / "step.npz", bad, "params.npy", _npy_header_only((n,)), replace=True)
    with pytest.raises((MemoryError, ln.ModelFileError), match=r"20,000,200,000 parameters would need|is \d+ bytes"):
        ln.load(bad)


def test_load_refuses_a_fifo_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.npz"
    os.mkfifo(fifo)
    code = f"import loopnet as ln; ln.load({str(fifo)!r})"
    proc = subprocess.run([sys.executable, "-c", code], env=ENV, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "is a FIFO (named pipe), not a model file" in proc.stderr, proc.stderr[-2000:]


# ---- memory: buffers sized to the work, impossible sizes refused before allocating --------------
def test_forward_and_evaluate_buffers_are_sized_to_the_batch(monkeypatch):
    seen = []   # the chunk (rows per buffer) handed to the compiled predict / evaluate: their last argument
    b = backends.BACKENDS["loops"]
    if hasattr(b, "_run"):     # backends that pick a kernel tree per call
        real_run = b._run
        monkeypatch.setattr(b, "_run", lambda spec, rows, op, dtype, *a: (
            seen.append(a[-1]) if op in ("predict", "evaluate") else seen.append(a[-2]) if op == "predict_rows"
            else None, real_run(spec, rows, op, dtype, *a))[1])
    else:
        for name in ("predict", "evaluate"):
            real = getattr(b.k, name)
            monkeypatch.setattr(b.k, name, lambda *a, _real=real: (seen.append(a[-1]), _real(*a))[1])
    n = net()
    n.forward([0.1, 0.2, 0.3])
    n.evaluate(np.ones((3, 3)), np.ones((3, 1)))
    n.forward(np.ones((1000, 3)))
    n.forward(np.ones((20, 3)))
    # 1,000 rows: the speed layer's row blocks of 256 (blocked.predict_plan, capped by predict_block);
    # 20 rows: the component forward's chunk of 20. Never more rows than given.
    assert seen == [1, 3, 256, 20]


WIDE_FORWARD = """
    import resource, numpy as np
    import loopnet as ln
    net = ln.Network([1, 4_000_000, 1], seed=0)       # θ: 12e6 numbers, 96 MB
    resource.setrlimit(resource.RLIMIT_AS, (resource.getrlimit(resource.RLIMIT_AS)[0]
                       if False else _limit, resource.RLIM_INFINITY))
    print(float(net.forward([0.5])[0]), float(net.evaluate([[0.5]], [[1.0]])[0]), flush=True)
"""


@pytest.mark.slow
def test_one_example_through_a_very_wide_layer_fits_in_little_memory():
    """256-row buffers for a 4e6-neuron layer would be 2 × 8 GB; one row's are 64 MB. The address space
    is capped at what the process uses + 1 GB, so the old allocation fails and the new one fits."""
    code = textwrap.dedent(WIDE_FORWARD).replace(
        "(resource.getrlimit(resource.RLIMIT_AS)[0]\n                       if False else _limit,",
        "(_limit,")
    code = code.replace("import loopnet as ln\n", "import loopnet as ln\n"
                        "vm = int(open('/proc/self/statm').read().split()[0]) * resource.getpagesize()\n"
                        "_limit = vm + 2**30 + 300 * 2**20\n", 1)
    if not os.path.exists("/proc/self/statm"):
        pytest.skip("needs /proc/self/statm")
    proc = subprocess.run([sys.executable, "-c", code], env=ENV, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    a, loss = map(float, proc.stdout.split())
    assert 0 < a < 1 and loss >= 0


@pytest.mark.parametrize("sizes, pattern", [
    ([3, 100_000_000_000, 2], r"Network\(sizes=\[3, 100000000000, 2\]\) with 600,000,000,002 parameters would need "
                               r"[\d.,]+ TiB of memory; this machine has"),
    ([10 ** 7, 10 ** 7], r"with 100,000,010,000,000 parameters would need [\d.,]+ PiB"),
])
def test_impossible_sizes_are_refused_before_allocating(sizes, pattern):
    with pytest.raises(MemoryError, match=pattern):
        ln.Network(sizes)


def test_gradients_of_a_batch_too_big_for_memory_are_refused_before_allocating():
    n = ln.Network([1, 2_000_000, 1], seed=0)
    X = np.broadcast_to(np.float64(0.5), (1_000_000, 1))     # 8 bytes of data, 1e6 rows
    with pytest.raises(MemoryError, match=r"gradients \(1,000,000 examples through sizes \[1, 2000000, 1\]\) would "
                                          r"need [\d.,]+ TiB"):
        n.gradients(X, X)
    with pytest.raises(MemoryError, match=r"fit's mini-batch buffers \(1,000,000 examples"):
        n.fit(X, X, epochs=1, batch_size=None)


# ---- the CLI: one path for one output, pickles only when asked, memory errors in one line --------
def test_cli_refuses_one_path_for_model_and_plot(tmp_path):
    pytest.importorskip("matplotlib")
    one_line_exit_2(cli("train", "--data", "xor", "--epochs", "1", "--save", str(tmp_path / "same.png"),
                        "--plot", str(tmp_path / "same.png")), "--save and --plot name the same file")
    (tmp_path / "alias.png").symlink_to(tmp_path / "same.png")
    one_line_exit_2(cli("train", "--data", "xor", "--epochs", "1", "--save", str(tmp_path / "same.png"),
                        "--plot", str(tmp_path / "alias.png")), "the plot would overwrite the model")
    assert not (tmp_path / "same.png").exists()


@pytest.mark.parametrize("flag", ["--save", "--plot"])
@pytest.mark.parametrize("value, needle", [("", "the path is empty"), ("   ", "the path is empty"),
                                           ("/dev/null", "not a regular file")])
def test_cli_refuses_empty_and_special_output_paths(flag, value, needle):
    one_line_exit_2(cli("train", "--data", "xor", "--epochs", "1", flag, value), needle)


def test_cli_refuses_a_fifo_output(tmp_path):
    os.mkfifo(tmp_path / "p.npz")
    one_line_exit_2(cli("train", "--data", "xor", "--epochs", "1", "--save", str(tmp_path / "p.npz"), timeout=60),
                    "not a regular file")


class _Plant:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_cli_unpickles_only_with_allow_pickle(tmp_path):
    marker = tmp_path / "code-ran"
    evil = tmp_path / "mnist.pkl"
    evil.write_bytes(pickle.dumps(_Plant(str(marker))))
    one_line_exit_2(cli("train", "--data", f"mnist-pkl:{evil}", "--epochs", "1"), "--allow-pickle",
                    "runs whatever code")
    assert not marker.exists()                       # refused before anything was unpickled
    proc = cli("train", "--data", f"mnist-pkl:{evil}", "--epochs", "1", "--allow-pickle")
    assert proc.returncode == 2 and marker.exists()  # with the flag the file is trusted (and then rejected)
    assert "can run code" in cli("train", "--help").stdout.replace("\n", " ").replace("  ", " ") or \
        "runs whatever" in " ".join(cli("train", "--help").stdout.split())


@pytest.mark.parametrize("args, needle", [
    (["--data", "synthetic:1000000000000,784,10"], "out of memory"),
    (["--data", "xor", "--sizes", "2,100000000000,1"], "with 400,000,000,001 parameters would need"),
])
def test_cli_turns_impossible_sizes_into_one_line_and_exit_2(args, needle):
    one_line_exit_2(cli("train", *args, "--epochs", "1"), needle)
