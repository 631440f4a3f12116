"""The ``loopnet`` command end to end: real processes for train/explain, --help without numba,
one-line errors with exit code 2 for wrong flags and missing or bad data files."""
import gzip
import json
import os
import re
import signal
import struct
import subprocess
import sys

import numpy as np
import pytest

import loopnet as ln
from loopnet import cli

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))


def run(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "loopnet", *args], capture_output=True, text=True, env=ENV,
                          timeout=timeout)


def one_line_error(proc, *fragments):
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr and "error:" in lines[0]
    for f in fragments:
        assert f in lines[0], lines[0]
    return lines[0]


# ---------------------------------------------------------------------------------------------
# --help is fast: nothing heavy imported
# ---------------------------------------------------------------------------------------------
def test_building_the_parser_and_printing_help_does_not_import_numba():
    code = ("import sys, contextlib, io\n"
            "from loopnet.cli import build_parser\n"
            "p = build_parser()\n"
            "for argv in (['--help'], ['train', '--help'], ['explain', '--help']):\n"
            "    with contextlib.redirect_stdout(io.StringIO()):\n"
            "        try: p.parse_args(argv)\n"
            "        except SystemExit: pass\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('numba', 'numpy', 'matplotlib', 'sklearn')))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


@pytest.mark.parametrize("argv", [["--help"], ["train", "--help"], ["explain", "--help"]])
def test_python_m_loopnet_help_imports_no_numba(argv):
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "loopnet", *argv], capture_output=True,
                          text=True, env=ENV, timeout=60)
    assert proc.returncode == 0
    assert "usage: loopnet" in proc.stdout
    imported = [line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if "|" in line]
    assert "loopnet.cli" in imported
    assert not [m for m in imported if m.split(".")[0] in ("numba", "numpy")]


def test_version():
    proc = run("--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"loopnet {ln.__version__}"


def test_choices_match_the_tables():
    from loopnet.activations import ACTIVATIONS
    from loopnet.backends import BACKENDS
    from loopnet.losses import LOSSES
    from loopnet.network import INITS
    from loopnet.training import OPTIMIZERS
    from loopnet import datasets
    hidden = {name for name, a in ACTIVATIONS.items() if a.hidden_ok}
    assert set(cli.ACTIVATION_NAMES) == hidden
    assert set(cli.OUTPUT_ACTIVATION_NAMES) == set(ACTIVATIONS)
    assert set(cli.LOSS_NAMES) == set(LOSSES)
    assert set(cli.BACKEND_NAMES) == set(BACKENDS)
    assert set(cli.INIT_NAMES) == set(INITS)
    assert set(cli.OPTIMIZER_NAMES) == set(OPTIMIZERS)
    assert set(cli.GATE_NAMES) == set(datasets.GATES)


# ---------------------------------------------------------------------------------------------
# loopnet train, end to end
# ---------------------------------------------------------------------------------------------
def test_train_xor_saves_and_plots(tmp_path):
    model, plot = tmp_path / "xor.npz", tmp_path / "xor.png"
    proc = run("train", "--data", "xor", "--save", str(model), "--plot", str(plot), "--no-progress")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "network 2-3-1 sigmoid/sigmoid" in out and "batch full, 3000 epochs" in out
    assert re.search(r"^epoch 3000/3000  loss \d\.\d+  acc 1\.0000", out, re.M)
    assert "trained 3000 epochs" in out and "time per epoch" in out
    assert "training accuracy 1.0000 (4/4)" in out
    net = ln.load(model)
    np.testing.assert_array_equal(net.predict([[0, 0], [0, 1], [1, 0], [1, 1]]), [0, 1, 1, 0])
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_train_digits_defaults_reach_95_percent(tmp_path):
    pytest.importorskip("sklearn", reason="--data digits needs scikit-learn")
    model, plot = tmp_path / "digits.npz", tmp_path / "digits.png"
    proc = run("train", "--data", "digits", "--save", str(model), "--plot", str(plot))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "digits: 1293 training, 144 validation, 360 test" in out      # validation is not the test part
    assert "network 64-30-10" in out and "lr 3, batch 10, 30 epochs" in out
    epoch_lines = re.findall(r"^epoch +(\d+)/30  loss \S+  acc \S+  val_loss \S+  val_acc (\S+)", out, re.M)
    assert [int(e) for e, _ in epoch_lines] == list(range(1, 31))
    acc = float(re.search(r"^test accuracy (\S+) \((\d+)/360\)", out, re.M).group(1))
    assert acc >= 0.95
    assert plot.stat().st_size > 1000 and ln.load(model).sizes == [64, 30, 10]
    # evaluate scores the recorded test part by default: the same number as train's final line
    ev = run("evaluate", "--model", str(model), "--data", "digits")
    assert ev.returncode == 0 and f"accuracy {acc:.4f}" in ev.stdout and "360 test examples held out" in ev.stdout


def test_train_same_accuracy_on_numpy_backend_in_process(capsys):
    pytest.importorskip("sklearn")
    accs = {}
    for backend in ("loops", "numpy"):
        assert cli.main(["train", "--data", "digits", "--epochs", "5", "--backend", backend, "--no-progress"]) == 0
        out = capsys.readouterr().out
        accs[backend] = re.search(r"^test accuracy (\S+)", out, re.M).group(1)
    assert accs["loops"] == accs["numpy"]


def write_idx(path, array):
    codes = {np.uint8: 0x08}
    header = struct.pack(">BBBB", 0, 0, codes[array.dtype.type], array.ndim)
    header += b"".join(struct.pack(">I", d) for d in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.tobytes())


def test_train_on_tiny_mnist_idx_files(tmp_path):
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 60), ("t10k", 20)):
        labels = (np.arange(n) % 10).astype(np.uint8)
        images = rng.integers(0, 40, (n, 28, 28)).astype(np.uint8)
        images[np.arange(n), labels, :] = 255      # a learnable stripe: row = label
        write_idx(tmp_path / f"{prefix}-images-idx3-ubyte.gz", images)
        write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte.gz", labels)
    proc = run("train", "--data", f"mnist-idx:{tmp_path}", "--epochs", "3", "--sizes", "784,10,10", "--no-progress")
    assert proc.returncode == 0, proc.stderr
    assert "54 training, 6 validation, 20 test (the t10k files)" in proc.stdout
    assert re.search(r"^test accuracy \S+ \(\d+/20\)", proc.stdout, re.M)


def test_train_synthetic_with_adam_float32_and_split_count():
    proc = run("train", "--data", "synthetic:300,8,3", "--optimizer", "adam", "--lr", "0.01", "--dtype", "float32",
               "--test-size", "50", "--epochs", "4", "--batch-size", "full", "--no-progress")
    assert proc.returncode == 0, proc.stderr
    assert "225 training, 25 validation, 50 test" in proc.stdout and "float32" in proc.stdout
    assert "batch full, 4 epochs" in proc.stdout


def test_divergence_is_one_line_exit_1():
    proc = run("train", "--data", "synthetic:200,5,3", "--activation", "identity", "--lr", "1e6",
               "--sizes", "5,4,3", "--epochs", "50", "--no-progress")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "diverged in epoch" in lines[0] and "lr=1e+06" in lines[0]


def test_ctrl_c_reports_and_saves_what_was_trained(tmp_path):
    model = tmp_path / "partial.npz"
    proc = subprocess.Popen([sys.executable, "-m", "loopnet", "train", "--data", "synthetic:4000,64,10",
                             "--epochs", "100000", "--backend", "numpy", "--save", str(model), "--no-progress",
                             "--log-every", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    try:
        while not proc.stdout.readline().startswith("epoch"):
            pass
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert re.search(r"^interrupted after \d+ epochs? in", out, re.M)
    assert re.search(r"^test accuracy", out, re.M) and "Traceback" not in err
    assert np.all(np.isfinite(ln.load(model).params))


# ---------------------------------------------------------------------------------------------
# Wrong flags and missing or bad files: one line, exit code 2
# ---------------------------------------------------------------------------------------------
def test_wrong_flag_in_a_real_process():
    one_line_error(run("train", "--epocs", "3"), "unrecognized arguments: --epocs")
    one_line_error(run("fly"), "invalid choice: 'fly'")
    one_line_error(run(), "required")


@pytest.mark.parametrize("argv,fragments", [
    (["train", "--data", "cifar"], ["'cifar' is not a data set"]),
    (["train", "--data", "mnist-idx:/no/such/dir"], ["no directory '/no/such/dir'"]),
    (["train", "--data", "mnist-pkl:/no/such/mnist.pkl.gz"], ["no file '/no/such/mnist.pkl.gz'"]),
    (["train", "--data", "mnist-idx"], ["needs a path"]),
    (["train", "--data", "synthetic:10,3"], ["not N,F,C"]),
    (["train", "--sizes", "64,x,10"], ["'64,x,10' is not a list"]),
    (["train", "--lr", "-1"], ["--lr", "must be > 0"]),
    (["train", "--lr", "nan"], ["--lr", "not a finite number"]),
    (["train", "--epochs", "2.5"], ["--epochs", "not an integer"]),
    (["train", "--batch-size", "0"], ["--batch-size"]),
    (["train", "--activation", "swish"], ["--activation", "invalid choice: 'swish'"]),
    (["train", "--test-size", "1.5"], ["--test-size", "strictly between 0 and 1"]),
    (["train", "--save", "/no/such/dir/m.npz"], ["--save", "does not exist"]),
    (["explain", "--format", "pdf"], ["--format", "invalid choice"]),
])
def test_bad_arguments_are_one_line_exit_2(argv, fragments, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("loopnet") and "error:" in lines[0], err
    for f in fragments:
        assert f in lines[0]


@pytest.mark.parametrize("argv,fragments", [
    (["train", "--data", "digits", "--sizes", "64,30,3"], ["--sizes 64,30,3 does not fit", "end with 10"]),
    (["train", "--data", "synthetic:20,3,2", "--test-size", "20"], ["--test-size 20 leaves no training"]),
    (["train", "--data", "xor", "--loss", "cross_entropy", "--output-activation", "relu"],
     ["cross_entropy", "sigmoid"]),
])
def test_inconsistent_arguments_are_one_line_exit_2(argv, fragments, capsys):
    if "digits" in argv:
        pytest.importorskip("sklearn")
    assert cli.main(argv + ["--no-progress"]) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("loopnet train: error:"), err
    for f in fragments:
        assert f in lines[0]


def test_empty_mnist_directory_and_corrupt_files(tmp_path):
    one_line_error(run("train", "--data", f"mnist-idx:{tmp_path}"), "train-images")
    bad = tmp_path / "mnist.pkl.gz"
    bad.write_bytes(b"\x1f\x8b not really gzip")
    one_line_error(run("train", "--data", f"mnist-pkl:{bad}"), str(bad))
    (tmp_path / "train-images-idx3-ubyte").write_bytes(b"\x00\x00\x08\x03\x00")
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(b"\x00\x00\x08\x01\x00\x00\x00\x02\x01\x02")
    one_line_error(run("train", "--data", f"mnist-idx:{tmp_path}"))


# ---------------------------------------------------------------------------------------------
# loopnet explain delegates to loopnet.explain.run_cli
# ---------------------------------------------------------------------------------------------
def test_explain_worked_example_in_a_real_process():
    from loopnet.worked_examples import EXAMPLES
    name = sorted(EXAMPLES)[0]
    proc = run("explain", "--example", name, "--format", "markdown")
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout) > 200


def test_explain_own_weights(tmp_path, capsys):
    (tmp_path / "w.json").write_text(json.dumps([[[0.4, 0.5, 0.3], [0.2, 0.7, 0.1]], [[0.1, 0.2]]]))
    (tmp_path / "b.json").write_text(json.dumps([[0.1, -0.1], [0.05]]))
    code = cli.main(["explain", "--weights", str(tmp_path / "w.json"), "--biases", str(tmp_path / "b.json"),
                     "--x", "0,1,2", "--y", "1", "--lr", "0.1", "--sizes", "3,2,1"])
    out = capsys.readouterr().out
    assert code == 0 and out


def test_explain_passes_the_namespace_through(monkeypatch):
    ex = sys.modules[ln.explain.__module__]   # the module (loopnet.explain, the attribute, is the function)
    seen = {}
    monkeypatch.setattr(ex, "run_cli", lambda args: seen.setdefault("args", args) and 7)
    assert cli.main(["explain", "--example", "e", "--x", "0,1,2", "--y", "1", "--lr", "0.5",
                     "--output-activation", "softmax", "--format", "latex"]) == 7
    a = seen["args"]
    assert (a.example, a.x, a.y, a.lr, a.output_activation, a.format) == ("e", "0,1,2", "1", 0.5, "softmax", "latex")
    assert a.weights is None and a.activation is None and a.loss is None


def test_explain_errors_are_one_line():
    one_line_error(run("explain", "--example", "no-such-example"), "no-such-example")
    one_line_error(run("explain", "--weights", "/no/such/w.json", "--x", "1", "--y", "1"), "/no/such/w.json")


def test_every_install_hint_installs_this_package_with_an_extra_it_has():
    """pip install 'loopnet[...]' would install an unrelated PyPI package: every hint comes from one table
    naming the distribution, and every extra in it exists in pyproject.toml."""
    import pathlib
    import tomllib

    from loopnet.constants import DISTRIBUTION, EXTRAS, install_hint
    project = tomllib.loads((pathlib.Path(ROOT) / "pyproject.toml").read_text())["project"]
    assert project["name"] == DISTRIBUTION
    assert set(EXTRAS) <= set(project["optional-dependencies"])
    assert install_hint("plot") == "pip install 'loopnet-backprop[plot]'"
    stale = [str(p) for p in (pathlib.Path(ROOT) / "loopnet").rglob("*.py") if "'loopnet[" in p.read_text()]
    assert stale == []
