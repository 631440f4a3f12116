"""explain on a batch: every Σ_n term, the summed bias gradient, where the loss scale enters, the matrix
form; the OR-gate and 3-4-1 full-batch steps; softmax / cross-entropy worked with numbers.

The references here are plain NumPy written for the test (no loopnet code), from the seeds' weights."""
import re

import numpy as np
import pytest

import loopnet as ln
from loopnet.explain import explain_example


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def numpy_backprop(Ws, bs, X, Y, scale_d):
    """Sigmoid net, squared loss with ∂L/∂a = scale_d·(a − y): per-example δ's and the batch gradients."""
    a = [X]
    for W, b in zip(Ws, bs):
        a.append(sigmoid(a[-1] @ W.T + b))
    deltas = [None] * len(Ws)
    deltas[-1] = scale_d * (a[-1] - Y) * a[-1] * (1 - a[-1])
    for l in range(len(Ws) - 2, -1, -1):
        deltas[l] = (deltas[l + 1] @ Ws[l + 1]) * a[l + 1] * (1 - a[l + 1])
    dW = [d.T @ a[l] for l, d in enumerate(deltas)]
    db = [d.sum(axis=0) for d in deltas]
    return a, deltas, dW, db


# The OR-gate Q&A (seed 000_ef3b8e7a798a861c.txt): the learner's weights after his edit, biases all ones,
# X = [[0, 0], [0, 1], [1, 0], [1, 1]], Y = [0, 1, 1, 1]; loss: Nielsen's quadratic cost 1/(2N) Σ ‖a − y‖².
OR_W = [np.array([[0.27660583, 1.00106314], [0.34017727, 0.74990392]]), np.array([[1.095244, -0.22719165]])]
OR_B = [np.array([1.0, 1.0]), np.array([1.0])]
OR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
OR_Y = np.array([[0], [1], [1], [1]], float)


def test_or_gate_full_batch_step_every_sum_term():
    d = explain_example("or-gate-2-2-1")
    assert d.N == 4
    a, deltas, dW, db = numpy_backprop(OR_W, OR_B, OR_X, OR_Y, 1 / 4)  # ∂L/∂a = (a − y)/N
    for l in (1, 2):
        for j in range(dW[l - 1].shape[0]):
            for k in range(dW[l - 1].shape[1]):
                terms = [d.value(f"example {n} dL/dW{l}[{j + 1},{k + 1}]") for n in range(1, 5)]
                for n, t in enumerate(terms):
                    assert t == pytest.approx(deltas[l - 1][n, j] * a[l - 1][n, k], rel=1e-12, abs=1e-16)
                assert sum(terms) == pytest.approx(d.value(f"dL/dW{l}[{j + 1},{k + 1}]"), rel=1e-12, abs=1e-16)
                assert d.value(f"dL/dW{l}[{j + 1},{k + 1}]") == pytest.approx(dW[l - 1][j, k], rel=1e-10, abs=1e-16)
            assert d.value(f"dL/db{l}[{j + 1}]") == pytest.approx(db[l - 1][j], rel=1e-10)
            assert d.value(f"dL/db{l}[{j + 1}]") == pytest.approx(
                sum(d.value(f"example {n} delta{l}[{j + 1}]") for n in range(1, 5)), rel=1e-12)
    g = d.net.gradients(OR_X, OR_Y)  # the engine's batch gradients, the same numbers
    assert d.value("dL/dW1[1,2]") == pytest.approx(g.dW[0][0, 1], rel=1e-12)
    # the update is W − η Σ_n …, η = 3 (the example's lr)
    assert d.value("new W1[2,1]") == pytest.approx(OR_W[0][1, 0] - 3.0 * dW[0][1, 0], rel=1e-12)


def test_or_gate_text_shows_the_sum_products_scale_and_matrix_form():
    d = explain_example("or-gate-2-2-1", reading="full")
    text = re.sub(r"\n {6}", " ", str(d))  # join wrapped lines
    # ∂L/∂w⁽¹⁾₁,₁ as Σₙ δ a with its four products, then the four terms, then the sum
    line = next(ln_ for ln_ in text.splitlines() if ln_.strip().startswith("∂L/∂w⁽¹⁾₁,₁ = Σₙ"))
    sides = line.split(" = ")
    assert sides[1] == "Σₙ δ⁽¹⁾ₙ,₁ a⁽⁰⁾ₙ,₁"
    assert sides[2].count("·") == 4          # δ₁·x₁ + … + δ₄·x₄
    assert sides[-1] == "−0.00138126"        # the same as d.value below, printed to 6 digits
    assert d.value("dL/dW1[1,1]") == pytest.approx(-0.00138126, abs=5e-9)
    assert "Σₙ δ⁽¹⁾ₙ,₁ = " in text           # the summed bias gradient
    flat = " ".join(text.split())
    assert "the scale is 1/8" in flat and "no 1/N appears here" in flat
    assert "∂L/∂W⁽¹⁾ = Δ⁽¹⁾ A⁽⁰⁾ᵀ" in text and "(2 × 4)(4 × 2) = 2 × 2" in text
    for n in range(1, 5):
        assert f"Example {n}: x = " in text


def test_step_by_step_3_4_1_first_full_batch_step():
    d = explain_example("step-by-step-3-4-1", reading="full")
    ex = d.example
    Ws = [np.array(w) for w in ex.weights]
    X, Y = np.array(ex.X), np.array(ex.Y)
    a, deltas, dW, _ = numpy_backprop(Ws, [np.zeros(4), np.zeros(1)], X, Y, 1.0)  # sse: ∂L/∂a = a − y
    assert d.N == 4
    for j in range(4):
        for k in range(3):
            assert d.value(f"dL/dW1[{j + 1},{k + 1}]") == pytest.approx(dW[0][j, k], rel=1e-10)
            assert d.value(f"new W1[{j + 1},{k + 1}]") == pytest.approx(Ws[0][j, k] - dW[0][j, k], rel=1e-12)
    assert "scale is 1/2" in " ".join(str(d).split())  # sse: ½, not averaged over the 4 examples


def test_batch_names_need_the_example():
    d = explain_example("or-gate-2-2-1")
    with pytest.raises(KeyError, match=r"N = 4 examples.*'example 1 z1\[1\]'"):
        d.value("z1[1]")
    with pytest.raises(KeyError, match="example 5 does not exist"):
        d.value("example 5 z1[1]")
    assert d.value("example 2 a0[2]") == 1.0 and d.value("example 2 y[1]") == 1.0
    assert d.value("L") == pytest.approx(sum(d.value(f"example {n} L") for n in range(1, 5)), rel=1e-12)


def test_explain_accepts_a_batch_directly_and_checks_it():
    net = ln.Network.from_weights(OR_W, OR_B)
    d = ln.explain(net, OR_X, OR_Y.ravel(), lr=3.0)   # one target per example of a one-output net
    assert d.N == 4 and d.value("dL/dW2[1,1]") == pytest.approx(explain_example("or-gate-2-2-1").value("dL/dW2[1,1]"))
    with pytest.raises(ValueError, match="x"):
        ln.explain(net, np.zeros((4, 3)), OR_Y)


# ---- softmax and cross-entropy, worked with numbers ---------------------------------------------------
@pytest.fixture(scope="module")
def softmax_net():
    return ln.Network([4, 5, 3, 2], output_activation="softmax", loss="cross_entropy", seed=1)


def test_softmax_exponentials_loss_and_bp1_both_ways(softmax_net):
    net = softmax_net
    x, y = np.array([0.5, -1.0, 0.25, 2.0]), np.array([0.0, 1.0])
    d = ln.explain(net, x, y, lr=0.5, full=True)
    z = np.array([d.value("z3[1]"), d.value("z3[2]")])
    e = np.exp(z)
    assert [d.value("exp(z3[1])"), d.value("exp(z3[2])")] == pytest.approx(list(e), rel=1e-12)
    assert d.value("S3") == pytest.approx(e.sum(), rel=1e-12)
    a = e / e.sum()
    assert [d.value("a3[1]"), d.value("a3[2]")] == pytest.approx(list(a), rel=1e-12)  # the kernel's a
    assert d.value("L") == pytest.approx(-(y * np.log(a)).sum(), rel=1e-12)
    assert d.value("ln(a3[2])") == pytest.approx(np.log(a[1]), rel=1e-12)
    g = -y / a  # ∂L/∂a_i (N = 1)
    for j in range(2):
        jac = [a[i] * ((i == j) - a[j]) for i in range(2)]
        terms = [d.value(f"jvp3[{i + 1},{j + 1}]") for i in range(2)]
        assert terms == pytest.approx([jac[i] * g[i] for i in range(2)], rel=1e-10, abs=1e-15)
        # the Jacobian-vector product equals the kernel's shortcut a − y
        assert sum(terms) == pytest.approx(d.value(f"delta3[{j + 1}]"), rel=1e-10)
        assert d.value(f"delta3[{j + 1}]") == pytest.approx(a[j] - y[j], rel=1e-12)
    text = str(d)
    assert "Jacobian-vector product" in text and "shortcut" in text
    assert "exp(z⁽³⁾₁) = exp(" in text and "S⁽³⁾ = exp(z⁽³⁾₁) + exp(z⁽³⁾₂)" in text
    assert "L = −(y₁·ln(a⁽³⁾₁) + y₂·ln(a⁽³⁾₂))" not in text  # numbers are substituted:
    assert re.search(r"L = −\(0·ln\([0-9.]+\) \+ 1·ln\([0-9.]+\)\) = −\(0·\(−[0-9.]+\) \+ 1·\(−[0-9.]+\)\) = "
                     r"[0-9.]+", text)
    # a printed ∂L/∂a is used: it appears as a factor of the Jacobian-vector product
    dLda2 = d.fmt(d.value("dL/da3[2]")).replace("-", "−")
    assert f"·({dLda2})" in text


def test_softmax_cross_entropy_batch(softmax_net):
    X = np.array([[0.5, -1.0, 0.25, 2.0], [1.0, 0.0, -0.5, 0.3], [0.0, 0.2, 0.4, -1.0]])
    Y = np.array([[0, 1], [1, 0], [1, 0]], float)
    d = ln.explain(softmax_net, X, Y, full=True)
    assert d.value("L") == pytest.approx(softmax_net.loss(X, Y), rel=1e-12)
    assert d.value("L") == pytest.approx(sum(d.value(f"example {n} L") for n in (1, 2, 3)), rel=1e-12)
    for n in (1, 2, 3):
        for j in (1, 2):  # δ = (a − y)/N: the 1/N of the loss is in δ
            assert d.value(f"example {n} delta3[{j}]") == pytest.approx(
                (d.value(f"example {n} a3[{j}]") - Y[n - 1, j - 1]) / 3, rel=1e-10)
    assert "1/3·(" in str(d)


def test_batch_numbers_on_the_python_backend_are_the_same_kernels_uncompiled():
    # backend 'python' runs the kernel source uncompiled (what a learner steps into with pdb)
    net = ln.Network.from_weights(OR_W, OR_B, backend="python")
    d = ln.explain(net, OR_X, OR_Y, lr=3.0)
    ref = explain_example("or-gate-2-2-1")
    for name in ("dL/dW1[1,2]", "dL/db1[2]", "example 3 dL/dW1[1,1]", "example 4 delta1[2]", "new W2[1,2]", "L"):
        assert d.value(name) == pytest.approx(ref.value(name), rel=1e-13, abs=1e-18), name
