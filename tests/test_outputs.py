"""Every file loopnet writes goes through one writer (loopnet.writing): tested as a class, every command or
method that writes × every kind of bad target. Each case checks that the call refuses with a clear error naming
the argument, and that every input is byte-identical afterwards. A FIFO case runs the call in a thread with a
time limit, so a writer that opens the FIFO fails the test instead of hanging it."""
import json
import os
import threading

import numpy as np
import pytest

import loopnet as ln
from loopnet import cli
from loopnet.writing import OutputPathError, check_target, write_file


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("inputs")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 4))
    labels = np.array(["a", "b", "c", "d"] * 10)
    with open(d / "data.csv", "w") as f:
        f.write("f0,f1,f2,f3,label\n")
        for x, y in zip(X, labels):
            f.write(",".join(f"{v:.6f}" for v in x) + f",{y}\n")
    np.savez(d / "train.npz", X=X, y=np.arange(40) % 3)
    assert cli.main(["train", "--data", f"csv:{d / 'data.csv'}", "--epochs", "1", "--backend", "numpy",
                     "--save", str(d / "model.npz"), "--no-progress"]) == 0
    with open(d / "weights.json", "w") as f:
        json.dump([[[0.1, 0.2], [0.3, 0.4]], [[0.5, 0.6]]], f)
    with open(d / "results.json", "w") as f:
        f.write("{}")
    return d


def snapshot(d):
    return {p: open(os.path.join(d, p), "rb").read() for p in sorted(os.listdir(d))
            if os.path.isfile(os.path.join(d, p))}


def _cli(argv):
    try:
        code = cli.main(argv)
    except SystemExit as exc:  # refused while parsing (argparse's exit)
        code = exc.code
    if code != 2:
        raise AssertionError(f"exit code {code}, expected 2 (refused)")
    return None


# Each writer: (what it reads {name: file in the fixture}, the flag naming its output, run(target, d)).
# run raises for the API writers and returns the CLI's exit code for commands.
def _train(flag, data):
    def run(target, d):
        spec = f"csv:{d / 'data.csv'}" if data == "csv" else f"npz:{d / 'train.npz'}"
        return _cli(["train", "--data", spec, "--epochs", "1", "--backend", "numpy", "--no-progress",
                     flag, str(target)])
    return run


def _predict(suffix):
    def run(target, d):
        return _cli(["predict", "--model", str(d / "model.npz"), "--data", f"csv:{d / 'data.csv'}",
                     "--backend", "numpy", "--out", str(target)])
    return run


def _explain(target, d):
    return _cli(["explain", "--weights", str(d / "weights.json"), "--x", "1,2", "--y", "1", "--lr", "0.5",
                 "--out", str(target)])


def _exercise(target, d):
    return _cli(["exercise", "--weights", str(d / "weights.json"), "--x", "1,2", "--y", "1", "--out", str(target)])


def _playground(target, d):
    return _cli(["playground", "--sizes", "2-3-1", "--out", str(target)])


def _save(target, d):
    ln.Network([2, 2, 1], seed=0).save(target)


def _onnx(target, d):
    ln.Network([2, 2, 1], seed=0).to_onnx(target)


def _ensemble(target, d):
    ln.Ensemble([2, 2, 1], seeds=[0, 1]).save(target)


def _plot(target, d):
    net = ln.Network([2, 2, 1], seed=0, backend="numpy")
    hist = net.fit(np.zeros((4, 2)), np.zeros((4, 1)), epochs=2)
    from loopnet.plotting import plot_history
    plot_history(hist, target)


def _html(target, d):
    from loopnet.explain import explain_example
    explain_example("by-hand-3-2-1").to_html(target)


def _generic(target, d):
    write_file(target, lambda f: f.write(b"new"), inputs={"--results": str(d / "results.json")}, argname="--out")


WRITERS = {
    "train --save (csv)": (["data.csv"], "--save", _train("--save", "csv")),
    "train --save (npz)": (["train.npz"], "--save", _train("--save", "npz")),
    "train --plot": (["data.csv"], "--plot", _train("--plot", "csv")),
    "predict --out .csv": (["model.npz", "data.csv"], "--out", _predict(".csv")),
    "predict --out .npz": (["data.csv", "model.npz"], "--out", _predict(".npz")),
    "explain --out": (["weights.json"], "--out", _explain),
    "exercise --out": (["weights.json"], "--out", _exercise),
    "playground --out": ([], None, _playground),
    "Network.save": ([], None, _save),
    "Network.to_onnx": ([], None, _onnx),
    "Ensemble.save": ([], None, _ensemble),
    "plot_history": ([], None, _plot),
    "Derivation.to_html": ([], None, _html),
    "write_file (bench report, any writer)": (["results.json"], "--out", _generic),
}

# Bad targets: each input by name, a hard link and a symlink to the first input, a FIFO, a directory.
TARGETS = ["input", "hard link", "symlink", "fifo", "directory"]


def cases():
    for name, (inputs, flag, run) in WRITERS.items():
        for kind in TARGETS:
            if kind == "input":
                for inp in inputs:
                    yield pytest.param(name, kind, inp, id=f"{name}-{inp}")
            elif kind in ("hard link", "symlink"):
                if inputs:
                    yield pytest.param(name, kind, inputs[0], id=f"{name}-{kind}")
            else:
                yield pytest.param(name, kind, None, id=f"{name}-{kind}")


def run_with_timeout(fn, seconds=120):
    result = {}

    def go():
        try:
            result["value"] = fn()
        except BaseException as exc:  # noqa: BLE001  (reported to the test)
            result["error"] = exc
    t = threading.Thread(target=go, daemon=True)
    t.start()
    t.join(seconds)
    return t.is_alive(), result


@pytest.mark.parametrize("writer, kind, inp", list(cases()))
def test_no_writer_destroys_an_input_or_writes_a_special_file(files, tmp_path, capsys, writer, kind, inp):
    _, flag, run = WRITERS[writer]
    if kind == "input":
        target = files / inp
    elif kind == "hard link":
        target = tmp_path / ("linked" + os.path.splitext(inp)[1])
        os.link(files / inp, target)
    elif kind == "symlink":
        target = tmp_path / ("alias" + os.path.splitext(inp)[1])
        target.symlink_to(files / inp)
    elif kind == "fifo":
        target = tmp_path / ("pipe" + (os.path.splitext(inp)[1] if inp else ".out"))
        os.mkfifo(target)
    else:
        target = tmp_path / "a-directory.npz"
        target.mkdir()
    before = snapshot(files)
    hung, result = run_with_timeout(lambda: run(target, files))
    if hung:  # unblock the writer stuck on the FIFO, then fail
        fd = os.open(target, os.O_RDONLY | os.O_NONBLOCK)
        os.close(fd)
        pytest.fail(f"{writer} blocked on {kind} {target}")
    assert snapshot(files) == before, f"{writer} changed an input"
    err = capsys.readouterr().err
    if "error" in result:  # an API writer: a clear exception
        exc = result["error"]
        assert isinstance(exc, (OutputPathError, IsADirectoryError)), repr(exc)
        message = str(exc)
    else:  # a command: exit code 2 (checked in _cli) and one line on stderr
        lines = [line for line in err.splitlines() if "error" in line]
        assert len(lines) == 1 and "Traceback" not in err, err
        message = lines[0]
    assert "cannot write" in message, message
    if flag:
        assert flag in message, message
    if kind in ("input", "hard link", "symlink"):
        assert "the same file as" in message and ("through a link" in message) == (kind != "input"), message
    elif kind == "fifo":
        assert "FIFO" in message and os.path.exists(target) and not os.path.isfile(target)
    else:
        assert "is a directory" in message and os.listdir(target) == []
    assert [p for p in os.listdir(tmp_path) if p.startswith(".loopnet-")] == []   # no temporary file left


def test_a_writer_keeps_the_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "keep.txt"
    target.write_bytes(b"old")

    def fail(f):
        f.write(b"half")
        raise RuntimeError("disk full")
    with pytest.raises(RuntimeError):
        write_file(target, fail)
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["keep.txt"]


def test_the_same_path_twice_is_fine_when_it_is_not_an_input(tmp_path):
    target = tmp_path / "out.txt"
    for text in (b"one", b"two"):
        write_file(target, lambda f, t=text: f.write(t), inputs={"--data": str(tmp_path / "other.csv")})
    assert target.read_bytes() == b"two"
    assert check_target(target) == os.path.realpath(target)
