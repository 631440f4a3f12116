"""Exercises: the lesson with quantities blanked, an answer key, grading by check(); text, Markdown, LaTeX
(a worksheet and its key compile), and ``loopnet exercise``'s run function."""
import argparse
import io
import re
import shutil
import subprocess

import pytest

import loopnet as ln
from loopnet.explain import exercise_example
from loopnet.explain.cli import add_exercise_parser, run_exercise


def net_321():
    # the 3-2-1 blog post's network (loopnet.worked_examples "by-hand-3-2-1")
    return ln.Network.from_weights([[[0.4, 0.5, 0.3], [0.2, 0.7, 0.1]], [[0.1, 0.2]]], loss="mse")


def test_backward_exercise_blanks_the_backward_pass_and_leaks_none_of_it():
    ex = ln.exercise(net_321(), [0, 1, 2], [1], lr=0.1)
    names = [n for _, n in ex.questions]
    assert names[0] == "delta2[1]" and "dL/dW1[2,3]" in names and "new W1[2,3]" in names and "new L" in names
    assert "z1[1]" not in names and "sigma'(z2[1])" not in names     # the forward pass and σ' are given
    sheet = str(ex)
    body = sheet.split("\nYour answers\n")[0]
    for name, v in ex.answers().items():
        if v != 0 and not name.startswith("new "):      # (a weight whose gradient is 0 keeps its value)
            assert ex.d.fmt(v, 4).replace("-", "−") not in body, name
    assert "[?1]" in body and "Fill in each [?k]" in body and "Gradient check" not in body
    key = ex.to_text(key=True)
    assert "−0.2203" in key.split("\nAnswers\n")[1]


def test_grading_names_the_mistake():
    ex = ln.exercise(net_321(), [0, 1, 2], [1], lr=0.1)
    d = ex.d
    forgot = d.value("dL/da2[1]") * d.value("a1[1]")               # ∂L/∂w⁽²⁾₁,₁ with σ' forgotten
    rep = ex.check({"delta2[1]": -0.2203, "?6": float(f"{forgot:.4g}"), "new W1[2,3]": "0.1018"})
    rows = {r.name: r for r in rep.rows}
    assert rows["delta2[1]"].ok and rows["new W1[2,3]"].ok
    assert not rows["dL/dW2[1,1]"].ok and rows["dL/dW2[1,1]"].mistake == "sp_forgot"
    assert not ex.check({"dL/dW1[1,2]": 0}).ok


def test_presets_and_bad_hide():
    ex = ln.exercise(net_321(), [0, 1, 2], [1], hide="forward")
    assert {n for _, n in ex.questions} >= {"z1[1]", "a1[2]", "z2[1]", "a2[1]", "L"}
    assert all(not n.startswith("delta") for _, n in ex.questions)
    ex = ln.exercise(net_321(), [0, 1, 2], [1], hide=["dL/dW1[2,3]"])
    assert [n for _, n in ex.questions] == ["dL/dW1[2,3]"]
    with pytest.raises(ValueError, match="hide must be one of"):
        ln.exercise(net_321(), [0, 1, 2], [1], hide="sideways")
    with pytest.raises(KeyError, match="did you mean W1\\[2,3\\]"):
        ln.exercise(net_321(), [0, 1, 2], [1], hide=["dL/dW1[3,2]"])


def test_batch_exercise_in_markdown():
    X = [[0, 0], [0, 1], [1, 0], [1, 1]]
    or_net = ln.Network.from_weights([[[0.27660583, 1.00106314], [0.34017727, 0.74990392]],
                                      [[1.095244, -0.22719165]]], [[1, 1], [1]])   # the OR-gate question's net
    ex = ln.exercise(or_net, X, [0, 1, 1, 1], lr=3.0)
    md = ex._repr_markdown_()
    assert r"\boxed{\,?_{1}\,}" in md and "| \\[?1\\] |" in md
    assert ex.check({"dL/db2[1]": ex.answers()["dL/db2[1]"]}).ok


def _pdflatex(tex, tmp, name):
    engine = shutil.which("pdflatex")
    if engine is None:
        pytest.skip("pdflatex not installed")
    (tmp / f"{name}.tex").write_text(tex)
    r = subprocess.run([engine, "-interaction=nonstopmode", "-halt-on-error", f"{name}.tex"], cwd=tmp,
                       capture_output=True, timeout=300)
    log = (tmp / f"{name}.log").read_text(errors="replace")
    bad = [m.group(0) for m in re.finditer(r"Overfull \\hbox \((\d+\.\d+)pt too", log) if float(m.group(1)) > 5]
    return r.returncode, bad


def test_latex_worksheet_and_key_compile(tmp_path):
    ex = exercise_example("by-hand-3-2-1")
    for key in (False, True):
        rc, bad = _pdflatex(ex.to_latex(key=key), tmp_path, f"sheet{int(key)}")
        assert rc == 0 and not bad, bad


def test_cli_worksheet_key_and_answers(tmp_path):
    parser = argparse.ArgumentParser()
    add_exercise_parser(parser.add_subparsers(dest="command"))

    def run(*argv):
        out, err = io.StringIO(), io.StringIO()
        code = run_exercise(parser.parse_args(["exercise", *argv]), out, err)
        return code, out.getvalue(), err.getvalue()

    code, out, _ = run("--example", "by-hand-3-2-1")
    assert code == 0 and "[?1]" in out and "Your answers" in out
    code, out, _ = run("--example", "by-hand-3-2-1", "--key")
    assert code == 0 and "Answers" in out and "−0.2203" in out
    code, out, _ = run("--example", "by-hand-3-2-1", "--answers", "delta2[1]=-0.2203;dL/dW1[2,3]=0.0068")
    assert code == 0 and "1 mismatch" in out and "sign is flipped" in out
    code, _, _ = run("--example", "by-hand-3-2-1", "--format", "latex", "--out", str(tmp_path / "w.tex"))
    assert code == 0 and (tmp_path / "w.tex").read_text().startswith("\\documentclass")
    code, _, err = run("--example", "nope")
    assert code == 2 and err.count("\n") == 1 and "by-hand-3-2-1" in err
