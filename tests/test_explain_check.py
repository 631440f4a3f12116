"""check() answers back: how a wrong number is wrong (each kind of slip planted and recognised, and the
3-2-1 post's printed numbers); index and shape hints; the CLI says which loss it used."""
import argparse
import io
import json

import numpy as np
import pytest

import loopnet as ln
from loopnet import worked_examples as we
from loopnet.explain import explain_example, run_cli


@pytest.fixture(scope="module")
def d321():
    return explain_example("by-hand-3-2-1")


@pytest.fixture(scope="module")
def dor():
    return explain_example("or-gate-2-2-1")


def diagnosis(d, name, given):
    rep = d.check({name: given})
    assert not rep.ok
    return rep.mismatches[0].diagnosis


def test_the_321_posts_printed_dL_dW1_explained(d321):
    # the blog post (seed 001_6bada1839e64f20f.txt) prints ∂L/∂W1 = [0 0.0015 0.0031; 0 0.0034 0.0068]
    for name, printed in [("dL/dW1[1,2]", 0.0015), ("dL/dW1[1,3]", 0.0031), ("dL/dW1[2,2]", 0.0034)]:
        why = diagnosis(d321, name, printed)
        assert why.startswith("the sign is flipped, and σ'(z2[1]) evaluated at z = 2.172 (10 × z2[1] = 0.2172: "
                              "the decimal point slipped)"), why
    why = diagnosis(d321, "sigma'(z2[1])", 0.092)                 # printed σ'(z⁽²⁾) = 0.092
    assert why.startswith("σ' evaluated at z = 2.172 (10 × z2[1]"), why
    why = diagnosis(d321, "z2[1]", 2.17)                           # printed inside σ'(2.17)
    assert why.startswith("the decimal point slipped: 10 × the true value"), why
    why = diagnosis(d321, "new W1[2,3]", 0.0993)                   # the update with that gradient
    assert "moved" not in why and "sign is flipped, and σ'(z2[1]) evaluated at z = 2.172" in why, why
    why = diagnosis(d321, "dL/dW2[1,2]", -0.156)                   # early rounding
    assert why.startswith("intermediate values rounded to 3 significant figures before being used"), why
    # the report of the published numbers carries the same diagnoses, and prints them
    rep = d321.published_report
    assert "How the mismatches are wrong:" in str(rep)
    assert all(r.diagnosis for r in rep.mismatches)
    assert max(len(line) for line in str(rep).splitlines()) <= 100


@pytest.mark.parametrize("factor, words", [(-1, "the sign is flipped: (y − a) written for (a − y)"),
                                           (2, "the ½ of the loss left out"), (0.5, "the 2 of d(a − y)²/da dropped"),
                                           (4, "Nielsen's per-example convention: δˣ = ∂Cₓ/∂z without the loss's 1/N"),
                                           (0.25, "divided by N twice"),
                                           (-2, "the sign is flipped and it is off by a factor of 2")])
def test_planted_factor_and_sign(dor, factor, words):
    true = dor.value("dL/dW1[1,2]")
    why = diagnosis(dor, "dL/dW1[1,2]", float(f"{true * factor:.6g}"))
    assert why.startswith(words), why


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_planted_missing_or_doubled_example_term(dor, n):
    true = dor.value("dL/dW2[1,1]")
    term = dor.value(f"example {n} dL/dW2[1,1]")
    why = diagnosis(dor, "dL/dW2[1,1]", float(f"{true - term:.6g}"))
    assert why.startswith(f"example {n}'s term δ·a left out of the sum over the batch"), why
    why = diagnosis(dor, "dL/dW2[1,1]", float(f"{true + term:.6g}"))
    assert why.startswith(f"one term of the sum is counted twice (example {n}'s δ·a)"), why


def test_planted_sigma_prime_slips(d321):
    # σ'(z) written as σ(z) = a
    why = diagnosis(d321, "sigma'(z1[1])", float(f"{d321.value('a1[1]'):.6g}"))
    assert why.startswith("σ(z) = a written where σ'(z)"), why
    # δ⁽¹⁾₂ with σ' taken at the other hidden neuron's z
    sp_other = d321.value("a1[1]") * (1 - d321.value("a1[1]"))
    wrong = d321.value("dL/da1[2]") * sp_other
    why = diagnosis(d321, "delta1[2]", float(f"{wrong:.6g}"))
    assert why.startswith("σ'(z1[2]) evaluated at z1[1] = 1.1 (another neuron's z)"), why


def test_no_known_slip_gives_the_ratio(d321):
    why = diagnosis(d321, "dL/dW2[1,1]", 0.37)
    assert "× the true value" in why and "no single slip" in why


def test_value_index_hint_to_then_from(d321):
    with pytest.raises(KeyError) as e:
        d321.value("W1[3,1]")
    msg = str(e.value)
    assert "did you mean W1[1,3]?" in msg and "to-then-from" in msg and "W1 has shape (2, 3)" in msg
    with pytest.raises(KeyError, match="did you mean W1\\[2,3\\]"):
        d321.value("dL/dW1[3,2]")


def test_from_weights_names_the_concrete_shapes_and_transposed():
    # the Q&A's first attempt (seed 000_ef3b8e7a798a861c.txt): w = [[0.3, 0.4], [0.1]], b = [[1, 1], [1]]
    with pytest.raises(ValueError) as e:
        ln.Network.from_weights([[0.3, 0.4], [0.1]], [[1, 1], [1]])
    assert "the weights must have shapes (2, 2), (1, 2)" in str(e.value)
    # the step-by-step post's weights as it stores them, (n_in, n_out): wij (3, 4), wjk (4, 1)
    W = [np.array(w).T for w in we.get("step-by-step-3-4-1").weights]
    with pytest.raises(ValueError, match=r"These weights are transposed: their shapes \(3, 4\), \(4, 1\)"):
        ln.Network.from_weights(W)
    assert ln.Network.from_weights([w.T for w in W]).sizes == [3, 4, 1]


# ---- CLI honesty ----------------------------------------------------------------------------------------
def _args(**kw):
    base = dict(example=None, sizes=None, weights=None, biases=None, x=None, y=None, lr=None, activation=None,
                output_activation=None, loss=None, format="text", focus=None, full=False, out=None,
                expand_paths=False)
    base.update(kw)
    return argparse.Namespace(**base)


def test_cli_says_which_loss_and_the_sources(tmp_path):
    w = tmp_path / "w.json"
    w.write_text(json.dumps([[[0.4, 0.5, 0.3], [0.2, 0.7, 0.1]], [[0.1, 0.2]]]))  # the 3-2-1 post's weights
    out, err = io.StringIO(), io.StringIO()
    assert run_cli(_args(sizes="3,2,1", weights=str(w), x="0,1,2", y="1", lr=0.1, full=True), out, err) == 0
    msg = err.getvalue()
    assert "loss: 'quadratic' (the default" in msg
    assert "these are the weights of --example by-hand-3-2-1, whose source uses 'mse'" in msg
    assert "pass --loss mse" in msg
    out2, err2 = io.StringIO(), io.StringIO()
    assert run_cli(_args(sizes="3,2,1", weights=str(w), x="0,1,2", y="1", lr=0.1, loss="mse",
                           full=True), out2, err2) == 0
    # ∂L/∂w⁽¹⁾₁,₂: the post's loss gives the true −0.0041286; quadratic (½ of mse here) halves every number
    assert "(the same)" in err2.getvalue() and d_line(out2.getvalue()).endswith("= −0.0041286")
    assert d_line(out.getvalue()).endswith("= −0.0020643")


def d_line(text, start="∂L/∂w⁽¹⁾₁,₂ = "):
    import re
    text = re.sub(r"\n {6}", " ", text)
    return next(line for line in text.splitlines() if line.strip().startswith(start)).rstrip()


def test_cli_example_with_another_lr_says_what_is_not_compared():
    out, err = io.StringIO(), io.StringIO()
    assert run_cli(_args(example="mazur-2-2-2", lr=0.1, full=True), out, err) == 0
    assert "lr 0.1 instead of the source's 0.5" in err.getvalue() and "not compared" in err.getvalue()
    text = out.getvalue()
    assert "η = lr = 0.1" in text
    table = text[text.index("Published numbers against loopnet"):]
    assert "new W2[1,1]" not in table and "dL/dW2[1,1]" in table  # after-step numbers are left out


def test_cli_batch_focus_html_out(tmp_path):
    w = tmp_path / "w.json"
    w.write_text(json.dumps([[[0.27660583, 1.00106314], [0.34017727, 0.74990392]], [[1.095244, -0.22719165]]]))
    b = tmp_path / "b.json"
    b.write_text(json.dumps([[1, 1], [1]]))
    out, err = io.StringIO(), io.StringIO()
    assert run_cli(_args(weights=str(w), biases=str(b), x="0,0;0,1;1,0;1,1", y="0;1;1;1", lr=3,
                         focus="dL/dW1[1,2]"), out, err) == 0
    text = out.getvalue()
    assert "a batch of N = 4 examples" in text and "Focused on" in text and "∂L/∂w⁽¹⁾₁,₂ = Σₙ" in text
    page = tmp_path / "or.html"
    out, err = io.StringIO(), io.StringIO()
    assert run_cli(_args(example="or-gate-2-2-1", format="html", out=str(page)), out, err) == 0
    assert out.getvalue() == "" and "wrote html to" in err.getvalue() and page.read_text().startswith("<!DOCTYPE html>")
    out, err = io.StringIO(), io.StringIO()
    assert run_cli(_args(example="or-gate-2-2-1", focus="W7[1,1]"), out, err) == 2
    assert "focus must name" in err.getvalue() and err.getvalue().count("\n") == 1
