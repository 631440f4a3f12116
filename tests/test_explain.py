"""ln.explain: every printed number is the engine's; the seeds' and Mazur's numbers through value();
renderings; check(); the CLI function; the step-through example."""
import argparse
import io
import json
import re
import runpy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import loopnet as ln
from loopnet import worked_examples as we
from loopnet.activations import ACTIVATIONS
from loopnet.explain import explain_example, run_cli

ROOT = Path(__file__).resolve().parents[1]
NUMBER = re.compile(r"(?<![\w.])[−-]?\d+\.\d+(?:e[−+-]?\d+)?|(?<![\w.])[−-]?\d+e[−+-]?\d+")


# ---- an independent reference: only the public Network API -----------------------------------
def reference(net, x, y):
    """Engine values by name via Network.forward / gradients on sub-networks (no explain code)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    L = len(net.sizes) - 1
    ref = {"L": net.loss([x], [y])}
    acts = [net.activation] * (L - 1) + [net.output_activation]
    bs = net.biases if net.has_bias else [np.zeros(n) for n in net.sizes[1:]]
    for l in range(1, L + 1):
        W, b = net.weights[:l], bs[:l]
        # the first l layers as a network of their own: its output is z^l (identity) or a^l
        z = ln.Network.from_weights(W, b, activation=net.activation, output_activation="identity").forward(x)
        a = ln.Network.from_weights(W, b, activation=net.activation, output_activation=acts[l - 1]).forward(x)
        for j in range(net.sizes[l]):
            ref[f"z{l}[{j + 1}]"] = z[j]
            ref[f"a{l}[{j + 1}]"] = a[j]
            ref[f"b{l}[{j + 1}]"] = bs[l - 1][j]
            if acts[l - 1] != "softmax":
                act = ACTIVATIONS[acts[l - 1]]
                ref[f"sigma'(z{l}[{j + 1}])"] = float(act.numpy_derivative(np.array(z[j]), np.array(a[j])))
            for k in range(net.sizes[l - 1]):
                ref[f"W{l}[{j + 1},{k + 1}]"] = net.weights[l - 1][j, k]
    g = net.gradients([x], [y])
    withb = ln.Network.from_weights(net.weights, bs, activation=net.activation,
                                    output_activation=net.output_activation, loss=net.loss_name)
    gb = withb.gradients([x], [y])
    for l in range(1, L + 1):
        for j in range(net.sizes[l]):
            ref[f"delta{l}[{j + 1}]"] = gb.db[l - 1][j]  # δ = ∂L/∂b
            if net.has_bias:
                ref[f"dL/db{l}[{j + 1}]"] = g.db[l - 1][j]
            for k in range(net.sizes[l - 1]):
                ref[f"dL/dW{l}[{j + 1},{k + 1}]"] = g.dW[l - 1][j, k]
    for k in range(net.sizes[0]):
        ref[f"x[{k + 1}]"] = x[k]
        ref[f"a0[{k + 1}]"] = x[k]
    for j in range(net.sizes[-1]):
        ref[f"y[{j + 1}]"] = y[j]
    return ref


NETS = {
    "3-2-1 mse no bias": (lambda: ln.Network.from_weights([[[0.4, 0.5, 0.3], [0.2, 0.7, 0.1]], [[0.1, 0.2]]],
                                                         loss="mse"), [0, 1, 2], [1]),
    "2-3-2-2 tanh softmax CE": (lambda: ln.Network([2, 3, 2, 2], activation="tanh", output_activation="softmax",
                                                   loss="cross_entropy", seed=3), [0.5, -1.0], [0, 1]),
    "3-3-2 relu sigmoid CE": (lambda: ln.Network([3, 3, 2], activation="relu", output_activation="sigmoid",
                                                 loss="cross_entropy", seed=1), [1.0, 2.0, -0.5], [1, 0]),
    "2-2-2 quadratic identity out": (lambda: ln.Network([2, 2, 2], output_activation="identity", loss="quadratic",
                                                        seed=2), [0.3, 0.7], [0.1, -0.4]),
    "2-2 sse one layer": (lambda: ln.Network([2, 2], loss="sse", seed=4), [1.0, -2.0], [0.2, 0.9]),
    "2-2-2-2 softmax squared": (lambda: ln.Network([2, 2, 2, 2], output_activation="softmax", loss="sse", seed=5),
                                [0.2, 0.4], [1, 0]),
}


@pytest.mark.parametrize("key", list(NETS))
@pytest.mark.parametrize("backend", ["loops", "python"])
def test_every_value_equals_the_engine(key, backend):
    make, x, y = NETS[key]
    net = make()
    net.backend = backend
    d = ln.explain(net, x, y, lr=0.3)
    ref = reference(net, x, y)
    values = d.values()
    for name, true in ref.items():
        if name.startswith("b") and not net.has_bias:
            continue
        if name.startswith("sigma'") and name not in values:
            continue
        assert d.value(name) == pytest.approx(true, rel=1e-12, abs=1e-14), name
    # ∂L/∂a: δ^L = ∂L/∂a^L · σ' (elementwise outputs); hidden ∂L/∂a^l = Σ_k w_kj δ_k
    L = len(net.sizes) - 1
    for l in range(1, L):
        back = net.weights[l].T @ np.array([ref[f"delta{l + 1}[{k + 1}]"] for k in range(net.sizes[l + 1])])
        for j in range(net.sizes[l]):
            assert d.value(f"dL/da{l}[{j + 1}]") == pytest.approx(back[j], rel=1e-12, abs=1e-15)
    # the update is the engine's step; the second forward pass is the engine's forward
    new = net.copy()
    new.step([x], [y], 0.3)
    ref_new = reference(new, x, y)
    for name in ("L", f"a{L}[1]", "z1[1]", "W1[1,1]", f"W{L}[1,1]"):
        assert d.value("new " + name) == pytest.approx(ref_new[name], rel=1e-12), name
    assert d.value("new L") < d.value("L") or key.startswith("2-2 sse")  # loss goes down for small lr


@pytest.mark.parametrize("key", list(NETS))
def test_every_printed_number_is_recorded_and_rounds_the_true_value(key):
    make, x, y = NETS[key]
    d = ln.explain(make(), x, y, lr=0.3, expand_paths=True)
    text = str(d)
    printed = {t for _, t, _ in d.printed}
    for name, t, v in d.printed:
        assert t.replace("-", "−") in text or t[1:].replace("-", "−") in text  # a lone negative term: " − 0.05"
        assert abs(float(t) - v) <= we.printed_tolerance(float(t)) + 1e-15, (name, t, v)
        if " path " not in name and name != "lr":
            assert d.value(name) == v
    # and the text holds no decimal number that is not one of those (nothing printed unaccounted for)
    for tok in NUMBER.findall(text):
        tok = tok.replace("−", "-")
        assert tok in printed or "-" + tok in printed, tok  # a lone negative term prints as " − 0.05"


def test_path_expansion_sums_to_the_gradient():
    net = ln.Network([2, 3, 2, 2], seed=7, loss="sse")
    d = ln.explain(net, [0.4, -0.3], [0.1, 0.8], expand_paths=True)
    str(d)
    paths = {}
    for name, t, v in d.printed:
        if " path " in name:
            paths.setdefault(name.split(" path ")[0], []).append(v)
    assert len(paths["dL/dW1[2,1]"]) == 2 * 2  # 2 neurons of layer 2 times 2 outputs
    assert len(paths["dL/dW2[1,3]"]) == 2
    for grad, terms in paths.items():
        assert sum(terms) == pytest.approx(d.value(grad), rel=1e-10, abs=1e-16)
    assert "dL/dW3[1,1]" not in paths  # output-layer weights have one path: nothing to expand


def test_chain_rule_factors_of_the_issue():
    # ∂L/∂w^(1)_{2,3} = δ^(1)_2 · a^(0)_3 = (w^(2)_{1,2} δ^(2)_1 σ'(z^(1)_2)) · x_3
    net = ln.Network.from_weights([[[0.4, 0.5, 0.3], [0.2, 0.7, 0.1]], [[0.1, 0.2]]], loss="mse")
    d = ln.explain(net, [0, 1, 2], [1], reading="full")
    v = d.value
    assert v("dL/dW1[2,3]") == pytest.approx(v("W2[1,2]") * v("delta2[1]") * v("sigma'(z1[2])") * v("x[3]"), rel=1e-14)
    assert v("dz2[1]/dW1[2,3]") == pytest.approx(v("W2[1,2]") * v("sigma'(z1[2])") * v("x[3]"), rel=1e-14)
    assert v("dL/dW1[2,3]") == pytest.approx(v("delta2[1]") * v("dz2[1]/dW1[2,3]"), rel=1e-14)
    text = re.sub(r"\n {6}", " ", str(d))  # join the wrapped continuation lines
    line = [ln_ for ln_ in text.splitlines() if ln_.strip().startswith("∂L/∂w⁽¹⁾₂,₃")][0]
    assert "(w⁽²⁾₁,₂ δ⁽²⁾₁) σ'(z⁽¹⁾₂)·a⁽⁰⁾₃" in line and line.endswith("−0.0181124")


# ---- the worked examples, number for number ---------------------------------------------------
@pytest.mark.parametrize("name", ["by-hand-3-2-1", "mazur-2-2-2", "step-by-step-3-4-1"])
def test_every_published_number_of_the_examples(name):
    ex = we.get(name)
    d = explain_example(name)
    errata = {e.name: e for e in ex.errata}
    assert ex.published
    for key, printed in ex.published.items():
        true = d.value(we.base_name(key))
        if key in errata:
            # the source is wrong here: loopnet holds the true value, not the printed one
            assert true == pytest.approx(errata[key].true, rel=1e-9, abs=1e-15), key
            assert abs(printed - true) > we.printed_tolerance(printed), key
        else:
            tol = we.printed_tolerance(printed) if len(repr(printed)) < 17 else 1e-9 * abs(true)  # script output
            assert abs(printed - true) <= tol * (1 + 1e-9), (key, printed, true)
    report = d.published_report
    assert {r.name for r in report.mismatches} == set(errata)


def test_mazur_numbers_through_value():
    # Matt Mazur, "A Step by Step Backpropagation Example" (2015): 2-2-2, sse, lr 0.5, biases not updated
    d = explain_example("mazur-2-2-2", reading="full")
    v = d.value
    assert v("z1[1]") == pytest.approx(0.3775, abs=5e-5)              # net_h1
    assert v("a1[1]") == pytest.approx(0.593269992, abs=5e-10)        # out_h1
    assert v("a1[2]") == pytest.approx(0.596884378, abs=5e-10)        # out_h2
    assert v("z2[1]") == pytest.approx(1.105905967, abs=5e-10)        # net_o1
    assert v("a2[1]") == pytest.approx(0.75136507, abs=5e-9)          # out_o1
    assert v("a2[2]") == pytest.approx(0.772928465, abs=5e-10)        # out_o2
    assert v("L[1]") == pytest.approx(0.274811083, abs=5e-10)         # E_o1
    assert v("L[2]") == pytest.approx(0.023560026, abs=5e-10)         # E_o2
    assert v("L") == pytest.approx(0.298371109, abs=5e-10)            # E_total
    assert v("dL/da2[1]") == pytest.approx(0.74136507, abs=5e-9)
    assert v("sigma'(z2[1])") == pytest.approx(0.186815602, abs=5e-10)
    assert v("delta2[1]") == pytest.approx(0.138498562, abs=5e-10)
    assert v("dL/dW2[1,1]") == pytest.approx(0.082167041, abs=5e-10)  # ∂E/∂w5
    assert v("new W2[1,1]") == pytest.approx(0.35891648, abs=5e-9)    # w5+
    assert v("new W2[1,2]") == pytest.approx(0.408666186, abs=5e-10)  # w6+
    assert v("new W2[2,1]") == pytest.approx(0.511301270, abs=5e-9)   # w7+
    assert v("new W2[2,2]") == pytest.approx(0.561370121, abs=5e-10)  # w8+
    assert v("dL[1]/da1[1]") == pytest.approx(0.055399425, abs=5e-10)
    # printed -0.019049119: rounded twice (δ_o2 rounded first); exact product rounds to -0.019049118
    assert v("dL[2]/da1[1]") == pytest.approx(-0.019049118258278118, rel=1e-9)
    assert v("dL/da1[1]") == pytest.approx(0.036350306, abs=5e-10)
    assert v("sigma'(z1[1])") == pytest.approx(0.241300709, abs=5e-10)
    assert v("dL/dW1[1,1]") == pytest.approx(0.000438568, abs=5e-10)  # ∂E/∂w1
    assert v("new W1[1,1]") == pytest.approx(0.149780716, abs=5e-10)  # w1+
    assert v("new W1[1,2]") == pytest.approx(0.19956143, abs=5e-9)
    assert v("new W1[2,1]") == pytest.approx(0.24975114, abs=5e-9)
    assert v("new W1[2,2]") == pytest.approx(0.29950229, abs=5e-9)
    assert v("new b1[1]") == 0.35 and v("new b2[2]") == 0.60         # biases are not updated
    # printed 0.291027924: reproduced only if the hidden gradients use the updated w5..w8 (see errata)
    assert v("new L") == pytest.approx(0.29102777369359933, rel=1e-10)
    # printed 0.0000351085 (matches 9,999 steps); after 10,000 simultaneous steps:
    assert v("after 10000 steps L") == pytest.approx(3.510187782978859e-05, rel=1e-6)
    assert v("after 10000 steps a2[1]") == pytest.approx(0.01591362044355068, rel=1e-7)  # printed 0.015912196
    assert v("after 10000 steps a2[2]") == pytest.approx(0.9840642735146238, rel=1e-9)   # printed 0.984065734
    text = str(d)
    assert "Errata" in text and "already updated" in " ".join(text.split())  # the sequential-update explanation


def test_by_hand_ends_with_errata_table():
    d = explain_example("by-hand-3-2-1", reading="full")
    text = str(d)
    errata_part = text[text.index("\nErrata\n"):]
    md_errata = d.to_markdown().split("## Errata")[1]     # (a text column may wrap a name at its spaces)
    for e in we.get("by-hand-3-2-1").errata:
        assert e.name in md_errata
    assert "σ' evaluated at z=2.17" in md_errata and "sign is dropped" in md_errata
    assert md_errata.count("the factor in front of the matrix is printed") == 1     # one cause, written once
    md, tex = d.to_markdown(), d.to_latex()
    assert "## Errata" in md and "| quantity | printed | true | cause |" in md
    assert "\\subsection*{Errata}" in tex


def test_multi_example_data_says_which_example():
    d = explain_example("or-gate-2-2-1")
    assert "a batch of N = 4 examples" in str(d) and d.N == 4  # the full-batch step, not example 1 alone
    d = explain_example("step-by-step-3-4-1")
    for n, p in enumerate([0.005720286090965645, 0.9944205224898958, 0.9952749294499894, 0.0046750677092425395]):
        assert d.value(f"yhat[{n + 1}]") == pytest.approx(p, abs=1e-9)


# ---- renderings ----------------------------------------------------------------------------------
def _balanced(tex):
    depth = 0
    for i, ch in enumerate(tex):
        if ch == "{" and (i == 0 or tex[i - 1] != "\\"):
            depth += 1
        elif ch == "}" and (i == 0 or tex[i - 1] != "\\"):
            depth -= 1
            assert depth >= 0, tex[max(0, i - 80):i + 1]
    assert depth == 0
    begins = re.findall(r"\\begin\{(\w+\*?)\}", tex)
    ends = re.findall(r"\\end\{(\w+\*?)\}", tex)
    assert begins[::-1] == ends or sorted(begins) == sorted(ends)
    tex = tex.replace("\\\\[1pt]", "")  # align* line breaks with extra space are not display math
    assert tex.count("\\[") == tex.count("\\]")


@pytest.mark.parametrize("name", list(we.EXAMPLES))
def test_renderings_structure(name):
    d = explain_example(name, expand_paths=True)
    ex = we.get(name)
    text, md, tex = str(d), d.to_markdown(), d.to_latex()
    for l, W in enumerate(ex.weights, start=1):
        for j, row in enumerate(W, start=1):
            for k, _ in enumerate(row, start=1):
                assert f"w{'⁽' + str(l).translate(str.maketrans('0123456789', '⁰¹²³⁴⁵⁶⁷⁸⁹')) + '⁾'}" in text
                assert f"w^{{({l})}}_{{{j},{k}}}" in tex and f"w^{{({l})}}_{{{j},{k}}}" in md
                assert f"\\partial w^{{({l})}}_{{{j},{k}}}" in tex  # its gradient appears too
    for section in ["1. Forward pass", "2. Loss", "3. Output error (BP1)", "4. Backward pass (BP2)",
                    "5. Gradients (BP3, BP4)", "6. Shapes", "7. Update and a second forward pass"]:
        assert section in text and f"## {section}" in md and f"\\subsection*{{{section}}}" in tex
    _balanced(tex)
    assert tex.startswith("\\documentclass") and tex.rstrip().endswith("\\end{document}")
    assert all(ord(c) < 128 for c in tex), [c for c in tex if ord(c) >= 128][:5]  # pdflatex-safe
    assert md.count("$$") % 2 == 0
    assert d._repr_markdown_() == md and "\\documentclass" not in d._repr_latex_()


def test_shapes_section_answers_the_or_gate_question():
    d = explain_example("or-gate-2-2-1", reading="full")
    shapes = " ".join(d.to_markdown().split("6. Shapes")[1].split("7. Update")[0].split())
    assert "(2,): one entry per neuron of layer 1" in shapes and "2 × 2 (`net.weights[0].shape` = (2, 2))" in shapes
    assert "N = 4 terms, each (1 × 1)(1 × 2) = 1 × 2" in shapes and "(1,): one entry per neuron of layer 2" in shapes


# ---- value() and check() -------------------------------------------------------------------------
def test_value_names_and_errors():
    net = ln.Network.from_weights([[[0.4, 0.5, 0.3], [0.2, 0.7, 0.1]], [[0.1, 0.2]]], loss="mse")
    d = ln.explain(net, [0, 1, 2], [1], reading="full")
    assert d.value("W1[1, 2]") == d.value("w1[1,2]") == 0.5
    assert d.value("σ'(z1[2])") == d.value("sigma'(z1[2])")
    assert d.value("a0[3]") == 2.0
    for bad in ["W3[1,1]", "W1[3,1]", "foo", "dL/db1[1]", "new L", "z0[1]"]:
        with pytest.raises(KeyError) as e:
            d.value(bad)
        assert "dL/dW1[1,2]" in str(e.value) or "lr" in str(e.value) or "biases" in str(e.value)
    with pytest.raises(ValueError, match=r"x must be one example \(3 numbers\) or a batch of shape \(N, 3\)"):
        ln.explain(net, [[[0, 1, 2]]], [[1]])
    with pytest.raises(ValueError, match="x"):
        ln.explain(net, [[0, 1], [1, 1]], [[1], [0]])
    with pytest.raises(ValueError, match="lr"):
        ln.explain(net, [0, 1, 2], [1], lr=-1)


def test_check_finds_a_planted_mistake():
    d = explain_example("mazur-2-2-2")
    good = {"a1[1]": 0.593269992, "dL/dW2[1,1]": 0.082167041, "new W2[1,1]": 0.35891648}
    rep = d.check(good)
    assert rep.ok and not rep.mismatches and "all within" in str(rep)
    planted = dict(good, **{"dL/dW1[1,1]": 0.000438578})  # one digit wrong in the 8th decimal
    rep = d.check(planted)
    assert not rep.ok and [r.name for r in rep.mismatches] == ["dL/dW1[1,1]"]
    assert "MISMATCH" in str(rep) and "1 mismatch" in str(rep)
    assert d.check(planted, rel=1e-4).ok  # a looser relative tolerance accepts it
    with pytest.raises(KeyError):
        d.check({"nonsense": 1.0})


# ---- the CLI function -----------------------------------------------------------------------------
def _args(**kw):
    base = dict(example=None, sizes=None, weights=None, biases=None, x=None, y=None, lr=None, activation="sigmoid",
                output_activation=None, loss="mse", format="text", focus=None, full=False, out=None,
                expand_paths=False)
    base.update(kw)
    return argparse.Namespace(**base)


@pytest.mark.parametrize("name", list(we.EXAMPLES))
@pytest.mark.parametrize("fmt", ["text", "markdown", "latex"])
def test_run_cli_examples(name, fmt):
    out, err = io.StringIO(), io.StringIO()
    assert run_cli(_args(example=name, format=fmt, activation=None, loss=None, full=True), out, err) == 0
    # the one line on stderr says which loss was used, and that it is the source's
    assert err.getvalue() == f"loopnet explain: loss: '{we.get(name).loss}', the loss of the source ({name})\n"
    text = out.getvalue()
    assert "Forward pass" in text and ("Errata" in text) == bool(we.get(name).errata)


def test_run_cli_own_network_and_errors(tmp_path):
    w = tmp_path / "w.json"
    w.write_text(json.dumps([[[0.4, 0.5, 0.3], [0.2, 0.7, 0.1]], [[0.1, 0.2]]]))
    out, err = io.StringIO(), io.StringIO()
    assert run_cli(_args(sizes="3,2,1", weights=str(w), x="0,1,2", y="1", lr=0.1, format="markdown",
                         full=True), out, err) == 0
    assert "−0.0041286" not in out.getvalue() and "-0.0041286" in out.getvalue()  # Markdown uses ASCII minus
    for bad, expect in [(dict(example="nope"), "by-hand-3-2-1"),
                        (dict(sizes="3,3,1", weights=str(w), x="0,1,2", y="1"), "--sizes"),
                        (dict(weights=str(tmp_path / "missing.json"), x="0,1,2", y="1"), "missing.json"),
                        (dict(weights=str(w), x="0,1", y="1"), "x"),
                        (dict(weights=str(w), x="a,b", y="1"), "--x"),
                        (dict(example="mazur-2-2-2", format="pdf"), "--format"),
                        (dict(example="mazur-2-2-2", x="0,1"), "--x cannot be combined")]:
        out, err = io.StringIO(), io.StringIO()
        assert run_cli(_args(**bad), out, err) == 2, bad
        msg = err.getvalue()
        assert msg.count("\n") == 1 and expect in msg, msg
        assert msg.startswith("loopnet explain: error: ")
        assert out.getvalue() == ""


@pytest.mark.skipif(not (ROOT / "loopnet" / "cli.py").exists(), reason="loopnet/cli.py (another issue) not written yet")
def test_subprocess_cli():
    r = subprocess.run([sys.executable, "-m", "loopnet", "explain", "--example", "by-hand-3-2-1", "--full"], cwd=ROOT,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "Errata" in r.stdout and "0.247074" in r.stdout


# ---- stepping through the loops: tests/test_stepping.py ----------------------------------------------
def test_explain_docstring_documents_names_and_debugging():
    doc = ln.explain.__doc__
    for s in ["dL/dW1[1,2]", "new ", "after 10000 steps", 'backend="python"', "pdb", "loopnet/kernels/backward.py"]:
        assert s in doc


def test_guide_names_real_kernels():
    import importlib
    guide = (ROOT / "docs" / "guide.md").read_text()
    pairs = re.findall(r"`loopnet/(kernels/\w+|\w+)\.py`, `(\w+)`", guide)
    assert len(pairs) >= 8
    for path, fn in pairs:
        module = importlib.import_module("loopnet." + path.replace("/", "."))
        assert hasattr(module, fn), (path, fn)
    for eq in ["BP1", "BP2", "BP3", "BP4"]:
        assert eq in guide
    assert "−0.0041286" in guide and "Errata" in guide  # the pasted explain output of the 3-2-1 seed
