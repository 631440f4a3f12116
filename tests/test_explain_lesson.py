"""The lesson reading: the default for a small network, short, in component and vector form with the numbers,
with meaning attached (saturation, inputs of 0, which way each weight wants to move), Nielsen's convention beside
loopnet's, a gradient check inside the derivation, and no internal names."""
import re

import numpy as np
import pytest

import loopnet as ln
from loopnet import worked_examples as we
from loopnet.explain import explain_example

NUMBER = re.compile(r"(?<![\w.⁽₍^])[−-]?\d+\.\d+(?:e[−-]?\d+)?")


def net_321():
    # the 3-2-1 blog post's network (loopnet.worked_examples "by-hand-3-2-1"): W1, W2, no biases, mse
    return ln.Network.from_weights([[[0.4, 0.5, 0.3], [0.2, 0.7, 0.1]], [[0.1, 0.2]]], loss="mse")


def batch_4532():
    net = ln.Network([4, 5, 3, 2], seed=1)
    X = [[0.5, -1.0, 0.25, 2.0], [1.0, 0.0, -0.5, 0.3], [0.0, 0.2, 0.4, -1.0], [0.3, 0.3, 0.3, 0.3]]
    return net, X, [[0, 1], [1, 0], [1, 0], [0, 1]]


def test_lesson_is_the_default_for_a_small_net_and_the_full_record_stays():
    d = ln.explain(net_321(), [0, 1, 2], [1], lr=0.1)
    assert d.reading == "lesson"
    assert ln.explain(net_321(), [0, 1, 2], [1], focus="dL/dW1[2,3]").reading == "full"
    assert ln.explain(net_321(), [0, 1, 2], [1], full=True).reading == "full"
    assert ln.explain(ln.Network([3, 8, 8, 8, 2], seed=0), [0.1, 0.2, 0.3], [0, 1]).reading == "full"
    with pytest.raises(ValueError, match="reading must be one of 'lesson', 'full'"):
        ln.explain(net_321(), [0, 1, 2], [1], reading="audit")
    assert len(str(d).splitlines()) < 130
    # the blog post's step with its published numbers (the first edition printed 319 lines)
    lesson, full = str(explain_example("by-hand-3-2-1")), str(explain_example("by-hand-3-2-1", reading="full"))
    assert len(lesson.splitlines()) < 140 and len(full.splitlines()) > 2 * len(lesson.splitlines())


def test_lesson_of_a_4_5_3_2_batch_is_short():
    net, X, Y = batch_4532()
    lesson = str(ln.explain(net, X, Y, lr=0.5))
    full = str(ln.explain(net, X, Y, lr=0.5, reading="full", full=True))
    assert len(lesson.splitlines()) < 230 < 700 < len(full.splitlines())
    assert max(len(line) for line in lesson.splitlines()) <= 100
    assert "Z⁽¹⁾ = W⁽¹⁾A⁽⁰⁾ + b⁽¹⁾" in lesson and "Δ⁽³⁾ = ∇ₐL ⊙ σ'(Z⁽³⁾)" in lesson
    assert "Nielsen's δˣ = 4·δ" in lesson and "The two agree" in lesson


def test_vector_forms_gradient_check_and_meaning_with_the_numbers():
    d = explain_example("by-hand-3-2-1")
    text = " ".join(str(d).split())
    assert "δ⁽²⁾ = ∇ₐL ⊙ σ'(z⁽²⁾) = [−0.8918] ⊙ [0.2471] = [−0.2203]" in text
    assert "δ⁽¹⁾ = (W⁽²⁾ᵀδ⁽²⁾) ⊙ σ'(z⁽¹⁾)" in text
    assert "∂L/∂W⁽¹⁾ = δ⁽¹⁾a⁽⁰⁾ᵀ" in text
    # the gradient check of w⁽¹⁾₂,₃ (the post's largest first-layer gradient, −0.0181124)
    m = re.search(r"\(L\(w \+ ε\) − L\(w − ε\)\)/\(2ε\) = \(([\d.]+) − ([\d.]+)\)/\(2·0\.0001\) = (−[\d.]+)", text)
    assert m and float(m.group(3).replace("−", "-")) == pytest.approx(d.value("dL/dW1[2,3]"), rel=1e-6)
    assert (float(m.group(1)) - float(m.group(2))) / 2e-4 == pytest.approx(d.value("dL/dW1[2,3]"), rel=1e-4)
    assert "Relative error" in text and "central difference" in text
    # meaning: x₁ = 0 gives its weights no gradient; which way the weights want to move
    assert "The weights from input x₁ have gradient 0" in text
    assert "6 want to go up (negative gradient), 0 down and 2 not at all" in text
    # no internal names reach the learner
    assert "seed" not in text and ".py" not in text and "loopnet/kernels" not in text


def test_saturated_neurons_are_named():
    net = ln.Network.from_weights([[[4.0, 3.0], [0.1, -0.2]], [[0.5, 0.5]]], [[1.0, 0.0], [0.0]])
    text = " ".join(str(ln.explain(net, [1.0, 1.0], [1.0])).split())
    assert re.search(r"σ'\(z⁽¹⁾₁\) = 0\.000\d+: the neuron is saturated \(z = 8 is far from 0", text), text


def test_nielsen_convention_with_the_seed_questions_numbers():
    """The OR-gate question (Nielsen's chapter 2): per-example δˣ, Σₓ and η/m against loopnet's scale in δ."""
    d = explain_example("or-gate-2-2-1")
    text = " ".join(str(d).split())
    assert "Nielsen writes the cost as C = (1/n) Σₓ Cₓ" in text and "Nielsen's δˣ = 4·δ" in text
    assert "The two agree: the 1/N is applied once either way" in text
    assert "The bias gradient is the same sum without the a" in text


def test_every_lesson_number_is_recorded_and_rounds_the_true_value():
    for d in (explain_example("by-hand-3-2-1"), explain_example("mazur-2-2-2"), ln.explain(*batch_4532(), lr=0.5)):
        text = d.to_text()
        printed = {t for _, t, _ in d.printed}
        for name, t, v in d.printed:
            assert abs(float(t) - v) <= we.printed_tolerance(float(t)) + 1e-15, (name, t, v)
            if not name.startswith("note:") and name != "lr":
                assert d.value(name) == v
        tail = text.split("\nSource\n")[0]
        for tok in NUMBER.findall(tail):
            tok = tok.replace("−", "-")
            assert (tok in printed or "-" + tok in printed or tok.lstrip("-") in printed or
                    float(tok) in (0.25, 1.0, 0.0001)), tok


def test_lesson_renders_in_every_format_and_the_page_keeps_the_full_record():
    d = explain_example("by-hand-3-2-1")
    md, tex = d._repr_markdown_(), d.to_latex()
    assert r"\odot" in md and r"\nabla_{a}L" in md and "## Gradient check" in md
    assert r"\begin{pmatrix}" in tex and r"\odot" in tex
    assert d.to_html().count("<") > 100 and d.reading == "lesson"
    assert np.isfinite(d.value("new L"))
