"""Your own data through the CLI and loopnet.datasets: csv:/npz: loaders, the preprocessing a model
file records, ``loopnet evaluate`` and ``loopnet predict``, and --help showing every default."""
import csv
import os
import subprocess
import sys

import numpy as np
import pytest

import loopnet as ln
from loopnet import cli, datasets

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))


def write_csv(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        if header:
            w.writerow(header)
        w.writerows(rows)
    return str(path)


def blobs(n=60, seed=0):
    """Three well separated classes in 2-D, far from the origin and at a large scale (so scaling matters)."""
    rng = np.random.default_rng(seed)
    centres = np.array([[100.0, 5000.0], [110.0, 5200.0], [90.0, 5400.0]])
    y = np.arange(n) % 3
    return centres[y] + rng.standard_normal((n, 2)) * [1.0, 20.0], np.array(["cat", "dog", "eel"])[y]


# ---- loaders -----------------------------------------------------------------------------------
def test_load_csv_header_label_by_name_and_index(tmp_path):
    p = write_csv(tmp_path / "d.csv", ["a", "label", "b"], [[1, "x", 2.5], [3, "y", -4]])
    X, labels, names = datasets.load_csv(p, label_column="label")
    assert X.tolist() == [[1.0, 2.5], [3.0, -4.0]] and labels.tolist() == ["x", "y"] and names == ["a", "b"]
    X2, labels2, _ = datasets.load_csv(p, label_column=1)
    assert (X2 == X).all() and (labels2 == labels).all()
    q = write_csv(tmp_path / "n.csv", None, [[1, 2, 0], [3, 4, 1]])
    X, labels, names = datasets.load_csv(q)                       # no header, label last
    assert X.tolist() == [[1, 2], [3, 4]] and labels.tolist() == ["0", "1"] and names == ["x0", "x1"]
    X, labels, _ = datasets.load_csv(q, features_only=True)
    assert X.shape == (2, 3) and labels is None


@pytest.mark.parametrize("content,kwargs,message", [
    ("", {}, r"is empty"),
    ("a,b,c\n", {}, r"has a header but no examples"),
    ("1,2,0\n3,4\n", {}, r"line 2 has 2 cells, the first row has 3"),
    ("a,b,y\n1,2,0\n3,oops,1\n", {}, r"line 3, column 1 \('b'\): 'oops' is not a finite number"),
    ("1,2,0\n3,inf,1\n", {}, r"line 2, column 1: 'inf' is not a finite number"),
    ("a,b,y\n1,2,0\n", {"label_column": "z"}, r"has no column named 'z' \(its columns are \['a', 'b', 'y'\]\)"),
    ("1,2,0\n", {"label_column": 3}, r"label column 3 does not exist: the file has 3 columns"),
    ("1\n2\n", {}, r"has 1 column; expected feature columns and a label column"),
])
def test_load_csv_errors_name_file_line_and_column(tmp_path, content, kwargs, message):
    p = tmp_path / "bad.csv"
    p.write_text(content)
    with pytest.raises(ValueError, match=message) as info:
        datasets.load_csv(p, **kwargs)
    assert "bad.csv" in str(info.value)


def test_load_csv_missing_and_binary(tmp_path):
    with pytest.raises(FileNotFoundError, match="no CSV file"):
        datasets.load_csv(tmp_path / "none.csv")
    (tmp_path / "b.csv").write_bytes(b"\xff\xfe\x00\x81\x00")
    with pytest.raises(ValueError, match="not a text CSV file"):
        datasets.load_csv(tmp_path / "b.csv")


def test_load_npz_and_its_errors(tmp_path):
    np.savez(tmp_path / "ok.npz", X=np.ones((3, 2)), y=np.array([0, 1, 0]))
    X, y = datasets.load_npz(tmp_path / "ok.npz")
    assert X.shape == (3, 2) and y.tolist() == [0, 1, 0]
    with pytest.raises(ValueError, match=r"has no array 'labels'; its arrays are \['X', 'y'\]"):
        datasets.load_npz(tmp_path / "ok.npz", y_key="labels")
    np.savez(tmp_path / "flat.npz", X=np.ones(3), y=np.ones(3))
    with pytest.raises(ValueError, match=r"X has shape \(3,\); expected \(N, n_features\)"):
        datasets.load_npz(tmp_path / "flat.npz")
    np.savez(tmp_path / "len.npz", X=np.ones((3, 2)), y=np.ones(4))
    with pytest.raises(ValueError, match=r"y has shape \(4,\); expected \(3,\) labels"):
        datasets.load_npz(tmp_path / "len.npz")
    np.savez(tmp_path / "nan.npz", X=np.array([[1.0, np.nan]]), y=np.ones(1))
    with pytest.raises(ValueError, match=r"X\[0, 1\] is nan"):
        datasets.load_npz(tmp_path / "nan.npz")
    np.savez(tmp_path / "obj.npz", X=np.array([[1, None]], dtype=object), y=np.ones(1))
    with pytest.raises(ValueError, match="object arrays|unpickling"):
        datasets.load_npz(tmp_path / "obj.npz")
    (tmp_path / "text.npz").write_text("hello")
    with pytest.raises(ValueError, match="is not an .npz archive"):
        datasets.load_npz(tmp_path / "text.npz")


def test_targets_from_labels_table():
    Y, classes = datasets.targets_from_labels(np.array(["b", "a", "b"]))
    assert classes.tolist() == ["a", "b"] and Y.tolist() == [[0, 1], [1, 0], [0, 1]]
    Y, classes = datasets.targets_from_labels(np.array(["3", "1"]))           # integers written as text
    assert classes.tolist() == [1, 3] and Y.tolist() == [[0, 1], [1, 0]]
    Y, classes = datasets.targets_from_labels(np.array(["0.5", "1.25"]))      # fractions: regression
    assert classes is None and Y.tolist() == [[0.5], [1.25]]
    with pytest.raises(ValueError, match=r"labels \['z'\] are not among the model's classes \['a', 'b'\]"):
        datasets.targets_from_labels(np.array(["a", "z"]), "classification", classes=np.array(["a", "b"]))
    with pytest.raises(ValueError, match="only one class"):
        datasets.targets_from_labels(np.array([1, 1]))


def test_preprocessing_fit_and_apply():
    X = np.array([[0.0, 10.0], [2.0, 30.0], [4.0, 20.0]])
    p = datasets.Preprocessing.fit(X, "minmax")
    assert p.apply(X).min(axis=0).tolist() == [0, 0] and p.apply(X).max(axis=0).tolist() == [1, 1]
    s = datasets.Preprocessing.fit(np.array([[1.0, 7.0], [3.0, 7.0]]), "standard")  # constant column: scale 1
    assert s.apply(np.array([[2.0, 7.0]])).tolist() == [[0.0, 0.0]]
    with pytest.raises(ValueError, match=r"model expects \(1, 2\) inputs"):
        s.apply(np.ones((1, 3)))
    with pytest.raises(ValueError, match="scaling='log'; choose one of"):
        datasets.Preprocessing.fit(X, "log")


# ---- the model file records the preprocessing -----------------------------------------------------
def test_model_file_round_trips_preprocessing(tmp_path):
    net = ln.Network([2, 3, 3], seed=0)
    net.preprocessing = datasets.Preprocessing([1.0, 2.0], [3.0, 4.0], np.array(["a", "b", "c"]), "standard")
    net.save(tmp_path / "m.npz")
    back = ln.load(tmp_path / "m.npz")
    assert back.preprocessing.name == "standard" and back.preprocessing.classes.tolist() == ["a", "b", "c"]
    assert back.preprocessing.offset.tolist() == [1, 2] and back.preprocessing.scale.tolist() == [3, 4]
    ln.Network([2, 1]).save(tmp_path / "plain.npz")
    assert ln.load(tmp_path / "plain.npz").preprocessing is None


# ---- train / evaluate / predict --------------------------------------------------------------------
def test_csv_train_evaluate_predict(tmp_path, capsys):
    X, labels = blobs()
    data = write_csv(tmp_path / "pets.csv", ["weight", "height", "kind"], [[*x, l] for x, l in zip(X, labels)])
    model = str(tmp_path / "pets.npz")
    assert cli.main(["train", "--data", f"csv:{data}", "--label-column", "kind", "--epochs", "60",
                     "--save", model, "--no-progress", "--log-every", "60"]) == 0
    out = capsys.readouterr().out
    assert "3 classes; inputs scaled: standard" in out
    net = ln.load(model)
    assert net.preprocessing.name == "standard" and net.preprocessing.classes.tolist() == ["cat", "dog", "eel"]
    assert cli.main(["evaluate", "--model", model, "--data", f"csv:{data}", "--label-column", "kind", "--whole"]) == 0
    out = capsys.readouterr().out
    assert "60 examples: loss" in out and "accuracy 1.0000 (60/60)" in out
    rows = [line.split() for line in out.splitlines()[-3:]]       # the confusion matrix
    assert rows == [["cat", "20", "0", "0"], ["dog", "0", "20", "0"], ["eel", "0", "0", "20"]]
    # predict on a file of inputs only (no label column), raw units: the model's scaling is applied
    new = write_csv(tmp_path / "new.csv", ["weight", "height"], X[:6].tolist())
    out_csv = str(tmp_path / "pred.csv")
    assert cli.main(["predict", "--model", model, "--data", f"csv:{new}", "--out", out_csv]) == 0
    with open(out_csv) as f:
        got = list(csv.reader(f))
    assert got[0] == ["prediction", "cat", "dog", "eel"] and [r[0] for r in got[1:]] == labels[:6].tolist()
    np.testing.assert_array_equal(np.array([r[1:] for r in got[1:]], dtype=float),
                                  net.forward(net.preprocessing.apply(X[:6])))
    out_npz = str(tmp_path / "pred.npz")
    assert cli.main(["predict", "--model", model, "--data", f"csv:{data}", "--label-column", "kind",
                     "--out", out_npz]) == 0
    with np.load(out_npz) as z:
        assert z["prediction"].tolist() == labels.tolist() and z["outputs"].shape == (60, 3)


def test_npz_regression_and_wrong_data(tmp_path, capsys):
    rng = np.random.default_rng(1)
    X = rng.uniform(0, 1000, (80, 3))
    y = X @ [0.001, -0.002, 0.0005]
    np.savez(tmp_path / "r.npz", inputs=X, target=y)
    model = str(tmp_path / "r_model.npz")
    args = ["--data", f"npz:{tmp_path / 'r.npz'}", "--x-key", "inputs", "--y-key", "target"]
    assert cli.main(["train", *args, "--output-activation", "identity", "--lr", "0.1", "--epochs", "30",
                     "--scale", "minmax", "--save", model, "--no-progress"]) == 0
    assert "regression, 1 output(s); inputs scaled: minmax" in capsys.readouterr().out
    assert cli.main(["evaluate", "--model", model, *args, "--whole"]) == 0
    out = capsys.readouterr().out
    assert "80 examples: loss" in out and "confusion" not in out
    np.savez(tmp_path / "wide.npz", inputs=np.ones((5, 4)), target=np.ones(5))
    assert cli.main(["evaluate", "--model", model, "--data", f"npz:{tmp_path / 'wide.npz'}", "--x-key", "inputs",
                     "--y-key", "target"]) == 2
    assert "the data has 4 input columns but the model takes 3 inputs" in capsys.readouterr().err


def test_digits_model_records_pixels_over_16_and_evaluate_applies_it(tmp_path, capsys):
    pytest.importorskip("sklearn")
    model = str(tmp_path / "digits.npz")
    assert cli.main(["train", "--data", "digits", "--epochs", "5", "--save", model, "--no-progress"]) == 0
    capsys.readouterr()
    net = ln.load(model)
    assert net.preprocessing.name == "digits pixels / 16"
    assert net.preprocessing.scale.tolist() == [16.0] * 64 and net.preprocessing.classes.tolist() == list(range(10))
    assert cli.main(["evaluate", "--model", model, "--data", "digits", "--whole"]) == 0
    out = capsys.readouterr().out
    X, Y = datasets.load_digits()                                 # scaled by the loader: what the model expects
    _, acc = net.evaluate(X, Y)
    assert f"accuracy {acc:.4f}" in out and "1797 examples" in out


def test_batch_size_larger_than_the_data_is_clipped(capsys):
    assert cli.main(["train", "--data", "xor", "--batch-size", "5", "--epochs", "3", "--no-progress"]) == 0
    assert "batch full" in capsys.readouterr().out


@pytest.mark.parametrize("argv,fragment", [
    (["train", "--data", "csv:/no/such.csv"], "csv: no file '/no/such.csv'"),
    (["train", "--data", "npz:"], "npz needs a path: npz:PATH"),
    (["evaluate", "--model", "/no/model.npz", "--data", "xor"], "no model file '/no/model.npz'"),
    (["predict", "--model", __file__, "--data", "xor"], "the following arguments are required: --out"),
])
def test_bad_arguments_one_line(argv, fragment, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and fragment in err[0], err


def test_bad_csv_through_the_cli_is_one_line(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("a,b,y\n1,2,0\n3,x,1\n")
    proc = subprocess.run([sys.executable, "-m", "loopnet", "train", "--data", f"csv:{p}"], capture_output=True,
                          text=True, env=ENV, timeout=300)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "line 3, column 1 ('b'): 'x' is not a finite number" in lines[0]


def test_help_shows_every_default_including_zero():
    parser = cli.build_parser()
    sub = parser._subparsers._group_actions[0].choices
    for name, p in sub.items():
        text = " ".join(p.format_help().split())
        for action in p._actions:
            if not action.option_strings or action.default is None or action.default is False:
                continue
            if action.default == "==SUPPRESS==":
                continue
            assert "default" in (action.help or "") or f"(default: {action.default})" in text, (name, action.dest)
    train = " ".join(sub["train"].format_help().split())
    for fragment in ["--momentum MOMENTUM momentum mu in [0, 1) for sgd (default: 0.0)", "(default: 0.0)",
                     "--seed SEED", "(default: 0)", "--scale {standard,minmax,none}"]:
        assert fragment in train, fragment


def test_predict_names_the_real_bad_cell_of_a_labelled_csv(tmp_path, capsys):
    rows = [[float(i), float(i % 3), "cat" if i % 2 else "dog"] for i in range(20)]
    data = write_csv(tmp_path / "pets.csv", ["w", "h", "kind"], rows)
    model = str(tmp_path / "m.npz")
    assert cli.main(["train", "--data", f"csv:{data}", "--label-column", "kind", "--epochs", "1", "--backend",
                     "numpy", "--save", model, "--no-progress"]) == 0
    lines = open(data).read().splitlines()
    lines[5] = "abc," + lines[5].split(",", 1)[1]          # line 6 of the file: a word where a number belongs
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n")
    capsys.readouterr()
    assert cli.main(["predict", "--model", model, "--data", f"csv:{bad}", "--label-column", "kind", "--out",
                     str(tmp_path / "p.csv"), "--backend", "numpy"]) == 2
    err = capsys.readouterr().err
    assert "line 6" in err and "'abc'" in err, err
