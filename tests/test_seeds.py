"""The three seeds (and Mazur's example) through the ENGINE, number for number.

Published numbers are copied in by hand with their source named; where a seed prints a wrong
number the test asserts the right one and the comment shows the printed value and its cause.
The finite-difference check (ln.gradcheck) is the proof that the engine's gradients are right.
"""
import numpy as np
import pytest

import loopnet as ln


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def first_layers(net, l, output="sigmoid"):
    """The first l layers of a bias-free net as a network of their own (its output is a^l, or z^l)."""
    return ln.Network.from_weights(net.weights[:l], activation=net.activation, output_activation=output)


# =====================================================================================================
# Seed 001: "Computing Gradient Descent in Neural Networks By Hand" (blog post, 2023-09-29,
# paulgreaney.github.io /posts/2023/09/computing-gradient-descent-nn/). 3-2-1, sigmoid, no biases,
# L = (1/N)Σ(y − ŷ)² = loopnet "mse", lr 0.1, x = (0, 1, 2), y = 1.
# =====================================================================================================
W1_321 = [[0.4, 0.5, 0.3], [0.2, 0.7, 0.1]]
W2_321 = [[0.1, 0.2]]
X_321, Y_321 = [[0.0, 1.0, 2.0]], [[1.0]]


@pytest.fixture
def net321():
    return ln.Network.from_weights([W1_321, W2_321], loss="mse")


def test_321_forward_pass(net321):
    z1 = first_layers(net321, 1, "identity").forward(X_321[0])
    a1 = first_layers(net321, 1).forward(X_321[0])
    z2 = first_layers(net321, 2, "identity").forward(X_321[0])
    a2 = net321.forward(X_321[0])
    assert z1 == pytest.approx([1.1, 0.9], abs=5e-2)          # post: z^(1) = (1.1, 0.9)
    assert a1 == pytest.approx([0.75, 0.71], abs=5e-3)        # post: a^(1) = (0.75, 0.71)
    # post prints z^(2) = 0.217 and later σ'(2.17): the decimal point slipped, 0.217 is right
    assert z2[0] == pytest.approx(0.217, abs=5e-4)
    assert a2[0] == pytest.approx(0.5541, abs=5e-5)           # post: ŷ = 0.5541
    assert net321.loss(X_321, Y_321) == pytest.approx((0.5540914628 - 1) ** 2, rel=1e-9)  # 0.19883


def test_321_output_layer_gradient_and_update(net321):
    g = net321.gradients(X_321, Y_321)
    # post: δ^(2) = 2(0.554 − 1) σ'(0.217) = −0.22 (right; later reprinted as 0.082, see below)
    delta2 = 2 * (0.5540914628 - 1) * 0.2470741136
    assert delta2 == pytest.approx(-0.22, abs=5e-3)
    assert g.dW[1][0, 0] == pytest.approx(-0.165, abs=5e-4)   # post: −0.165
    # post prints −0.156 (= −0.22 × 0.71, rounded early); −0.22034 × 0.71095 = −0.15665 → −0.157
    assert g.dW[1][0, 1] == pytest.approx(-0.15665410643272565, rel=1e-9)
    new = net321.copy()
    new.step(X_321, Y_321, 0.1)
    assert new.weights[1][0, 0] == pytest.approx(0.1165, abs=5e-5)  # post: 0.1165
    # post prints 0.2156 (carries the early-rounded −0.156); 0.2 + 0.1·0.15665 = 0.21567
    assert new.weights[1][0, 1] == pytest.approx(0.21566541064327258, rel=1e-12)


def test_321_hidden_layer_gradient_and_update(net321):
    g = net321.gradients(X_321, Y_321)
    # post: σ'(z^(1)) = (0.187, 0.206) (0.206 is 0.205500 rounded up; it still rounds to 0.206)
    a1 = first_layers(net321, 1).forward(X_321[0])
    assert a1 * (1 - a1) == pytest.approx([0.187, 0.206], abs=5e-4)
    # post: ∂z^(2)/∂W1 = [[0, 0.0187, 0.0374], [0, 0.0412, 0.0824]]; the three last digits are
    # early-rounding errors (σ' rounded first): true values 0.037474 → 0.0375, 0.041100 → 0.0411, 0.082200 → 0.0822
    dz = np.outer(W2_321[0] * a1 * (1 - a1), X_321[0])
    assert dz == pytest.approx(np.array([[0, 0.01873699, 0.03747398], [0, 0.04110006, 0.08220012]]), abs=5e-8)
    # post: ∂L/∂W1 = [[0, 0.0015, 0.0031], [0, 0.0034, 0.0068]] — all WRONG: its factor
    # −2(0.554−1)(0.092) = +0.082 drops the minus sign and takes σ' at 2.17 instead of 0.217;
    # the chain rule gives δ^(2) = −0.2203, so the gradient has the other sign and 2.7× the size
    assert g.dW[0] == pytest.approx(np.array([[0.0, -0.004128599984182894, -0.008257199968365788],
                                              [0.0, -0.009056189476042987, -0.018112378952085974]]), rel=1e-9, abs=1e-15)
    assert g.dW[0] == pytest.approx(-0.22034491318204655 * dz, rel=1e-9, abs=1e-15)
    new = net321.copy()
    new.step(X_321, Y_321, 0.1)
    # post: new W1 = [[0.4, 0.4999, 0.2997], [0.2, 0.6997, 0.0993]] (and 0.4998/0.2996 in its second
    # pass) — moved the wrong way by the wrong-signed gradient; the right step moves them up:
    assert new.weights[0] == pytest.approx(np.array([[0.4, 0.5004128599984183, 0.30082571999683655],
                                                     [0.2, 0.7009056189476043, 0.1018112378952086]]), rel=1e-12)
    assert ln.gradcheck(net321, X_321, Y_321) < 1e-6  # the judge: finite differences agree


def test_321_second_forward_pass(net321):
    new = net321.copy()
    new.step(X_321, Y_321, 0.1)
    z1 = first_layers(new, 1, "identity").forward(X_321[0])
    a1 = first_layers(new, 1).forward(X_321[0])
    z2 = first_layers(new, 2, "identity").forward(X_321[0])
    a2 = new.forward(X_321[0])
    # post: z^(1) = (1.099, 0.8983), a^(1) = (0.7501, 0.7106), z^(2) = 0.2406, ŷ = 0.5599 — all from the
    # wrongly updated W1 (and rounded W2); the correct step gives:
    assert z1 == pytest.approx([1.1020642999920915, 0.9045280947380214], rel=1e-12)
    assert a1 == pytest.approx([0.7506466933828394, 0.7118791379099298], rel=1e-12)
    assert z2[0] == pytest.approx(0.24100176665754353, rel=1e-12)
    assert a2[0] == pytest.approx(0.5599605041249741, rel=1e-12)   # printed 0.5599; true rounds to 0.5600
    # the post's conclusion holds: the loss went down (0.19883 → 0.19363)
    assert new.loss(X_321, Y_321) == pytest.approx(0.19363, abs=5e-6)
    assert net321.loss(X_321, Y_321) == pytest.approx(0.19883, abs=5e-6)


def test_321_through_explain_value(net321):
    d = ln.explain(net321, X_321[0], Y_321[0], lr=0.1)
    g = net321.gradients(X_321, Y_321)
    assert d.value("sigma'(z2[1])") == pytest.approx(0.24707411364937346, rel=1e-12)  # printed 0.092 = σ'(2.17)
    assert d.value("delta2[1]") == pytest.approx(-0.22034491318204655, rel=1e-12)     # printed 0.082 in ∂L/∂W1
    for j in range(2):
        for k in range(3):
            assert d.value(f"dL/dW1[{j + 1},{k + 1}]") == g.dW[0][j, k]
    assert d.value("new a2[1]") == pytest.approx(0.5599605041249741, rel=1e-12)


# =====================================================================================================
# Seed 002: "A Step-by-Step Implementation of Gradient Descent and Backpropagation" (post with a
# NumPy script). 3-4-1, sigmoid, no biases, np.random.seed(10); wij = rand(3, 4); wjk = rand(4, 1);
# full batch, lr 1, update W += X^T((y−ŷ)σ'), i.e. gradient descent on ½Σ(y−ŷ)² ("sse").
# =====================================================================================================
X_341 = np.array([[0, 0, 1], [1, 1, 1], [1, 0, 1], [0, 1, 1]], dtype=float)
Y_341 = np.array([[0], [1], [1], [0]], dtype=float)


def numpy_script_341(iterations=10000):
    """The post's script, written out: prints yhat computed at the start of the last iteration."""
    np.random.seed(10)
    wij = np.random.rand(3, 4)
    wjk = np.random.rand(4, 1)
    for _ in range(iterations):
        Xj = sigmoid(X_341 @ wij)
        yhat = sigmoid(Xj @ wjk)
        g_wjk = Xj.T @ ((Y_341 - yhat) * yhat * (1 - yhat))
        g_wij = X_341.T @ ((((Y_341 - yhat) * yhat * (1 - yhat)) @ wjk.T) * Xj * (1 - Xj))
        wjk = wjk + g_wjk
        wij = wij + g_wij
    return yhat


def test_341_matches_the_numpy_script_exactly():
    np.random.seed(10)
    wij, wjk = np.random.rand(3, 4), np.random.rand(4, 1)
    net = ln.Network.from_weights([wij.T, wjk.T], loss="sse")  # (n_in, n_out) → loopnet's (n_out, n_in)
    assert ln.gradcheck(net, X_341, Y_341) < 1e-6
    # the script prints yhat after 9,999 updates (the 10,000th update comes after the print)
    net.fit(X_341, Y_341, epochs=9999, lr=1.0, batch_size=None, shuffle=False)
    pred = net.forward(X_341)
    script = numpy_script_341()
    assert pred == pytest.approx(script, abs=1e-9)
    # the script's output with NumPy 2.x, full precision (printed [[0.00572029] [0.99442052] [0.99527493] [0.00467507]])
    assert pred[:, 0] == pytest.approx([0.005720286090965645, 0.9944205224898958, 0.9952749294499894,
                                        0.0046750677092425395], abs=1e-9)
    assert np.round(pred[:, 0]).tolist() == [0, 1, 1, 0]


# =====================================================================================================
# Seed 000: question and answer on Nielsen's chapter 2 (neuralnetworksanddeeplearning.com/chap2.html),
# Aug 12, 2020: a 2-2-1 network for the OR gate; the learner's weights after his edit, biases all 1.
# =====================================================================================================
W_OR = [[[0.27660583, 1.00106314], [0.34017727, 0.74990392]], [[1.095244, -0.22719165]]]
B_OR = [[1.0, 1.0], [1.0]]
X_OR = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
Y_OR = np.array([[0], [1], [1], [1]], dtype=float)


def test_or_gate_shape_rules_for_every_layer():
    net = ln.Network.from_weights(W_OR, B_OR, loss="quadratic")
    g = net.gradients(X_OR, Y_OR)
    sum_dW = [np.zeros_like(W) for W in net.weights]
    sum_db = [np.zeros_like(b) for b in net.biases]
    for x, y in zip(X_OR, Y_OR):
        d = ln.explain(net, x, y)
        for l in (1, 2):
            n_l, n_prev = net.sizes[l], net.sizes[l - 1]
            delta = np.array([d.value(f"delta{l}[{j + 1}]") for j in range(n_l)])
            a_prev = np.array([d.value(f"a{l - 1}[{k + 1}]") for k in range(n_prev)])
            assert delta.shape == (n_l,)                        # δ^l: one entry per neuron (not W^l's shape)
            outer = np.outer(delta, a_prev)                     # δ^l (a^{l−1})^T
            assert outer.shape == net.weights[l - 1].shape == (n_l, n_prev)
            sum_dW[l - 1] += outer
            sum_db[l - 1] += delta                              # Σ_x δ^{x,l}
            assert sum_db[l - 1].shape == net.biases[l - 1].shape
    # quadratic cost 1/(2N)Σ: the batch gradient is the mean of the per-example ones
    for l in range(2):
        assert g.dW[l] == pytest.approx(sum_dW[l] / 4, rel=1e-12)
        assert g.db[l] == pytest.approx(sum_db[l] / 4, rel=1e-12)
    assert ln.gradcheck(net, X_OR, Y_OR) < 1e-6


def test_or_gate_first_attempt_is_a_named_shape_error():
    # the learner's first attempt, w = [[0.3, 0.4], [0.1]]
    with pytest.raises(ValueError) as e:
        ln.Network.from_weights([[0.3, 0.4], [0.1]])
    msg = str(e.value)
    assert "layer 1" in msg and "(2,)" in msg and "(n_1, n_0)" in msg


def test_or_gate_learns_or():
    net = ln.Network.from_weights(W_OR, B_OR, loss="quadratic")
    net.fit(X_OR, Y_OR, epochs=2000, lr=3.0, batch_size=None, shuffle=False)
    assert net.predict(X_OR).tolist() == [0, 1, 1, 1]
    assert net.loss(X_OR, Y_OR) < 0.01


# =====================================================================================================
# Matt Mazur, "A Step by Step Backpropagation Example" (2015,
# https://mattmazur.com/2015/03/17/a-step-by-step-backpropagation-example/): 2-2-2, sse, lr 0.5,
# biases fixed. Through explain(...).value(...).
# =====================================================================================================
def test_mazur_through_explain():
    net = ln.Network.from_weights([[[0.15, 0.20], [0.25, 0.30]], [[0.40, 0.45], [0.50, 0.55]]],
                                  [[0.35, 0.35], [0.60, 0.60]], loss="sse")
    d = ln.explain(net, [0.05, 0.10], [0.01, 0.99], lr=0.5, update_biases=False)
    published = {  # name: printed value (Mazur's symbol)
        "z1[1]": 0.3775,            # net_h1
        "a1[1]": 0.593269992,       # out_h1
        "a1[2]": 0.596884378,       # out_h2
        "z2[1]": 1.105905967,       # net_o1
        "a2[1]": 0.75136507,        # out_o1
        "a2[2]": 0.772928465,       # out_o2
        "L[1]": 0.274811083,        # E_o1
        "L[2]": 0.023560026,        # E_o2
        "L": 0.298371109,           # E_total
        "dL/da2[1]": 0.74136507,    # ∂E_total/∂out_o1
        "sigma'(z2[1])": 0.186815602,
        "delta2[1]": 0.138498562,   # δ_o1
        "dL/dW2[1,1]": 0.082167041,  # ∂E_total/∂w5
        "new W2[1,1]": 0.35891648,   # w5+
        "new W2[1,2]": 0.408666186,  # w6+
        "new W2[2,1]": 0.511301270,  # w7+
        "new W2[2,2]": 0.561370121,  # w8+
        "dL[1]/da1[1]": 0.055399425,  # ∂E_o1/∂out_h1
        "dL/da1[1]": 0.036350306,     # ∂E_total/∂out_h1
        "sigma'(z1[1])": 0.241300709,
        "dL/dW1[1,1]": 0.000438568,   # ∂E_total/∂w1
        "new W1[1,1]": 0.149780716,   # w1+
        "new W1[1,2]": 0.19956143,    # w2+
        "new W1[2,1]": 0.24975114,    # w3+
        "new W1[2,2]": 0.29950229,    # w4+
    }
    report = d.check(published)
    assert report.ok, str(report)
    # printed −0.019049119: δ_o2 rounded before multiplying by w7; the exact product is −0.0190491183
    assert d.value("dL[2]/da1[1]") == pytest.approx(-0.019049118258278118, rel=1e-10)
    # printed total error after the first round 0.291027924: that is what an output-layer-first update
    # gives; the simultaneous update the post describes gives 0.2910277737
    assert d.value("new L") == pytest.approx(0.29102777369359933, rel=1e-10)
    g = net.gradients([[0.05, 0.10]], [[0.01, 0.99]])
    assert d.value("dL/dW1[2,2]") == g.dW[0][1, 1] and d.value("dL/db2[2]") == g.db[1][1]
    assert ln.gradcheck(net, [[0.05, 0.10]], [[0.01, 0.99]]) < 1e-6
