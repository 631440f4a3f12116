"""The four worked examples loopnet reproduces, number for number.

Pure data: this module imports nothing from loopnet and reads no file at run time.
Every number was copied in from its source (named in each example's ``source``
and in the comment above it); the texts themselves were kept by the project as
seed files (``000_…``, ``001_…``, ``002_…`` in the project's seed folder; Mazur's
post is public and not a seed). Nothing here reads those files.

Layout (loopnet's, Nielsen's order)
-----------------------------------
``weights[i]`` is W of layer i+1, shape ``(n_{i+1}, n_i)``: ``W[j, k]`` is the
weight *to* neuron j of layer i+1 *from* neuron k of layer i. ``biases[i]`` has
shape ``(n_{i+1},)``. ``X`` and ``Y`` hold one example per row. For example, for
``sizes = (3, 2, 1)`` the weights are a (2, 3) matrix and a (1, 2) matrix.

Quantity names (keys of ``published``; also ``Erratum.name``)
--------------------------------------------------------------
1-based indices, layer 0 is the input (Nielsen's numbering)::

    x[k]  y[j]                      input k, target j (single-example data)
    W2[1,2]                         w^(2)_{1,2}: to neuron 1 of layer 2 from neuron 2 of layer 1
    b1[2]  z1[2]  a1[2]             bias, weighted input, activation of neuron 2 of layer 1
    sigma'(z1[2])                   σ'(z^(1)_2)
    L                               the loss (see ``loss``)
    L[j]                            the loss term of output neuron j (Mazur's E_o1, E_o2),
                                    so that L = Σ_j L[j]
    dL/da2[1]  delta2[1]            ∂L/∂a^(2)_1 and δ^(2)_1 = ∂L/∂z^(2)_1
    dL[2]/da1[1]                    ∂L[2]/∂a^(1)_1 (one output's share of dL/da1[1])
    dz2[1]/dW1[1,2]                 ∂z^(2)_1/∂w^(1)_{1,2} = w^(2)_{1,1} σ'(z^(1)_1) x_2
    dL/dW1[1,2]  dL/db1[2]          gradients
    new <quantity>                  the quantity after ONE gradient step with ``lr``
                                    (e.g. ``new W1[1,2]``, ``new a2[1]``, ``new L``)
    after 10000 steps <quantity>    the quantity after 10,000 gradient steps
    yhat[n]                         network output for example n (n = 1..N), for
                                    multi-example data

When a source prints the same quantity twice with *different* values, the second
key carries a place in parentheses, e.g. ``"new W1[1,2] (second pass)"``;
``base_name(key)`` strips it. A value printed twice identically is recorded once.

Errata
------
A printed number is an erratum when it differs from the float64 value by more
than half a unit in its last printed decimal place (``printed_tolerance``).
``Erratum.true`` is the float64 value of the computation the source describes
(forward pass, exact chain rule; checked against central finite differences).
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "Erratum",
    "WorkedExample",
    "EXAMPLES",
    "OR_GATE_FIRST_ATTEMPT_WEIGHTS",
    "base_name",
    "printed_tolerance",
    "get",
]


@dataclass(frozen=True)
class Erratum:
    """A printed number that is wrong beyond its printed rounding."""

    name: str  # quantity name (scheme in the module docstring)
    printed: float  # value as printed in the source
    true: float  # correct value (full float64 precision, computed)
    cause: str  # one sentence: why the printed value is wrong


@dataclass(frozen=True)
class WorkedExample:
    """One worked example: network, data, and every number its source prints."""

    name: str
    title: str
    source: str
    sizes: tuple
    weights: tuple  # weights[i]: W of layer i+1, shape (n_{i+1}, n_i), nested tuples
    biases: tuple | None  # biases[i]: shape (n_{i+1},); None when the net has no biases
    activation: str
    output_activation: str
    loss: str  # "mse" | "quadratic" | "sse" | "cross_entropy"
    X: tuple  # (N, n_0), one example per row
    Y: tuple  # (N, n_L), one example per row
    lr: float | None
    update_biases: bool
    published: dict  # quantity name -> value AS PRINTED in the source
    errata: tuple  # Erratum for each printed number wrong beyond its rounding
    notes: tuple  # what a reader must know


def base_name(key: str) -> str:
    """Quantity name of a ``published`` key, without a trailing ``" (place)"``.

    Example: ``base_name("new W1[1,2] (second pass)") == "new W1[1,2]"``.
    """
    if key.endswith(")") and " (" in key:
        return key[: key.rindex(" (")]
    return key


def printed_tolerance(printed: float) -> float:
    """Half a unit in the last decimal place of ``printed`` (from its ``repr``).

    Example: 0.0015 -> 5e-05; 0.554 -> 5e-04; 0 -> 0.5. Trailing zeros that the
    source printed (0.511301270) are lost in a float, so the tolerance is then one
    place looser than the print; that never turns an erratum into a match here.
    """
    text = repr(float(printed))
    if "e" in text or "E" in text:
        mantissa, exp = text.lower().split("e")
        decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
        decimals -= int(exp)
    else:
        decimals = len(text.split(".")[1]) if "." in text else 0
        if text.endswith(".0"):
            decimals = 0
    return 0.5 * 10.0 ** (-decimals)


# ---------------------------------------------------------------------------
# 1. by-hand-3-2-1
# Source: seed 001_6bada1839e64f20f.txt, the blog post "Computing Gradient
# Descent in Neural Networks By Hand" (2023-09-29, permalink
# /posts/2023/09/computing-gradient-descent-nn/, on paulgreaney.github.io).
# ---------------------------------------------------------------------------

_BY_HAND_PUBLISHED = {
    # data and initial weights (the post's W1, W2 are already in loopnet layout)
    "x[1]": 0.0,
    "x[2]": 1.0,
    "x[3]": 2.0,
    "y[1]": 1.0,
    "W1[1,1]": 0.4,
    "W1[1,2]": 0.5,
    "W1[1,3]": 0.3,
    "W1[2,1]": 0.2,
    "W1[2,2]": 0.7,
    "W1[2,3]": 0.1,
    "W2[1,1]": 0.1,
    "W2[1,2]": 0.2,
    # forward pass
    "z1[1]": 1.1,
    "z1[2]": 0.9,
    "a1[1]": 0.75,
    "a1[2]": 0.71,
    "z2[1]": 0.217,  # printed as the argument of σ'(0.217) in ∂L/∂W2
    "z2[1] (in sigma'(2.17))": 2.17,  # "σ'(z^(2)) = σ'(2.17) = 0.092"
    "a2[1]": 0.5541,  # "ŷ = 0.5541 found from the initial set of weights"
    "a2[1] (in dL/dW2)": 0.554,  # "2(0.554 - 1)"
    # backward pass
    "delta2[1]": -0.22,  # "2(0.554-1) × σ'(0.217) = -0.22"
    "delta2[1] (in dL/dW1)": 0.082,  # "-2(0.554-1)(0.092) = 0.082"
    "sigma'(z2[1])": 0.092,  # "σ'(2.17) = 0.092"
    "dL/dW2[1,1]": -0.165,
    "dL/dW2[1,2]": -0.156,
    "new W2[1,1]": 0.1165,
    "new W2[1,2]": 0.2156,
    "sigma'(z1[1])": 0.187,
    "sigma'(z1[2])": 0.206,
    "dz2[1]/dW1[1,1]": 0.0,
    "dz2[1]/dW1[1,2]": 0.0187,
    "dz2[1]/dW1[1,3]": 0.0374,
    "dz2[1]/dW1[2,1]": 0.0,
    "dz2[1]/dW1[2,2]": 0.0412,
    "dz2[1]/dW1[2,3]": 0.0824,
    "dL/dW1[1,1]": 0.0,
    "dL/dW1[1,2]": 0.0015,
    "dL/dW1[1,3]": 0.0031,
    "dL/dW1[2,1]": 0.0,
    "dL/dW1[2,2]": 0.0034,
    "dL/dW1[2,3]": 0.0068,
    # "Our updated weights after one pass"
    "new W1[1,1]": 0.4,
    "new W1[1,2]": 0.4999,
    "new W1[1,3]": 0.2997,
    "new W1[2,1]": 0.2,
    "new W1[2,2]": 0.6997,
    "new W1[2,3]": 0.0993,
    # "Updated Prediction - Another Forward Pass": W1 printed again, two entries differ
    "new W1[1,2] (second pass)": 0.4998,
    "new W1[1,3] (second pass)": 0.2996,
    "new z1[1]": 1.099,
    "new z1[2]": 0.8983,
    "new a1[1]": 0.7501,
    "new a1[2]": 0.7106,
    "new z2[1]": 0.2406,
    "new a2[1]": 0.5599,
}

_DL_DW1_CAUSE = (
    "the factor in front of the matrix is printed as -2(0.554-1)(0.092) = +0.082, but the "
    "chain rule derived just above gives 2(ŷ-y)σ'(z^(2)) = 2(0.5541-1)(0.2471) = -0.2203: the "
    "sign is dropped and σ' is taken at 2.17 instead of 0.217, so the printed gradient "
    "has the wrong sign and 0.37 times the right size"
)
_NEW_W1_CAUSE = (
    "the update W1 - 0.1·∂L/∂W1 uses the printed ∂L/∂W1, whose sign is wrong, so the weight "
    "moves up the loss instead of down (decreases where it should increase by 0.1·{g:.6f})"
)
_SECOND_PASS_CAUSE = (
    "the second forward pass uses the wrongly updated W1 (moved in the wrong direction, and "
    "with 0.4998/0.2996 where the update step printed 0.4999/0.2997) and the early-rounded "
    "new w^(2)_{{1,2}} = 0.2156; {what}"
)

_BY_HAND_ERRATA = (
    Erratum(
        name="z2[1] (in sigma'(2.17))",
        printed=2.17,
        true=0.21721591108451255,
        cause="decimal point slipped: z^(2) = 0.1·0.7503 + 0.2·0.7109 = 0.2172, printed "
        "correctly as 0.217 two lines earlier",
    ),
    Erratum(
        name="sigma'(z2[1])",
        printed=0.092,
        true=0.24707411364937346,
        cause="σ' evaluated at z=2.17 (σ'(2.17) = 0.0920) instead of at z^(2) = 0.217 "
        "(σ'(0.217) = 0.2471)",
    ),
    Erratum(
        name="delta2[1] (in dL/dW1)",
        printed=0.082,
        true=-0.22034491318204655,
        cause="the same δ^(2) = 2(ŷ-y)σ'(z^(2)) printed as -0.22 for ∂L/∂W2 is recomputed for "
        "∂L/∂W1 as -2(0.554-1)(0.092): the minus sign of 2(ŷ-y) is dropped and σ'(2.17) "
        "is used instead of σ'(0.217)",
    ),
    Erratum(
        name="dL/dW2[1,2]",
        printed=-0.156,
        true=-0.15665410643272565,
        cause="rounded early: -0.22 × 0.71 = -0.156, but δ^(2)·a^(1)_2 = -0.22034 × 0.71095 "
        "= -0.15665, which rounds to -0.157",
    ),
    Erratum(
        name="new W2[1,2]",
        printed=0.2156,
        true=0.21566541064327258,
        cause="carries the early-rounded gradient -0.156: 0.2 - 0.1·(-0.15665) = 0.21567, "
        "which rounds to 0.2157",
    ),
    Erratum(
        name="dz2[1]/dW1[1,3]",
        printed=0.0374,
        true=0.03747397590950411,
        cause="rounded early: 0.187·0.1·2 = 0.0374 from σ'(1.1) rounded to 0.187, but "
        "0.187370·0.1·2 = 0.037474 rounds to 0.0375",
    ),
    Erratum(
        name="dz2[1]/dW1[2,2]",
        printed=0.0412,
        true=0.0411000614684527,
        cause="rounded early: 0.206·0.2·1 = 0.0412 from σ'(0.9) = 0.205500 rounded up to "
        "0.206, but 0.205500·0.2 = 0.041100 rounds to 0.0411",
    ),
    Erratum(
        name="dz2[1]/dW1[2,3]",
        printed=0.0824,
        true=0.0822001229369054,
        cause="rounded early: 0.206·0.2·2 = 0.0824 from σ'(0.9) = 0.205500 rounded up to "
        "0.206, but 0.205500·0.2·2 = 0.082200 rounds to 0.0822",
    ),
    Erratum(
        name="dL/dW1[1,2]",
        printed=0.0015,
        true=-0.004128599984182894,
        cause=_DL_DW1_CAUSE,
    ),
    Erratum(
        name="dL/dW1[1,3]",
        printed=0.0031,
        true=-0.008257199968365788,
        cause=_DL_DW1_CAUSE,
    ),
    Erratum(
        name="dL/dW1[2,2]",
        printed=0.0034,
        true=-0.009056189476042987,
        cause=_DL_DW1_CAUSE,
    ),
    Erratum(
        name="dL/dW1[2,3]",
        printed=0.0068,
        true=-0.018112378952085974,
        cause=_DL_DW1_CAUSE,
    ),
    Erratum(
        name="new W1[1,2]",
        printed=0.4999,
        true=0.5004128599984183,
        cause=_NEW_W1_CAUSE.format(g=0.004128599984182894),
    ),
    Erratum(
        name="new W1[1,3]",
        printed=0.2997,
        true=0.30082571999683655,
        cause=_NEW_W1_CAUSE.format(g=0.008257199968365788),
    ),
    Erratum(
        name="new W1[2,2]",
        printed=0.6997,
        true=0.7009056189476043,
        cause=_NEW_W1_CAUSE.format(g=0.009056189476042987),
    ),
    Erratum(
        name="new W1[2,3]",
        printed=0.0993,
        true=0.1018112378952086,
        cause=_NEW_W1_CAUSE.format(g=0.018112378952085974),
    ),
    Erratum(
        name="new W1[1,2] (second pass)",
        printed=0.4998,
        true=0.5004128599984183,
        cause="wrong direction as in the update step (0.5 + 0.1·0.0041286 is right), and "
        "inconsistent with the 0.4999 printed for the same weight in that step "
        "(0.5 - 0.1·0.0015 = 0.49985)",
    ),
    Erratum(
        name="new W1[1,3] (second pass)",
        printed=0.2996,
        true=0.30082571999683655,
        cause="wrong direction as in the update step (0.3 + 0.1·0.0082572 is right), and "
        "inconsistent with the 0.2997 printed for the same weight in that step "
        "(0.3 - 0.1·0.0031 = 0.29969)",
    ),
    Erratum(
        name="new z1[1]",
        printed=1.099,
        true=1.1020642999920915,
        cause="computed as 0.4998·1 + 0.2996·2 from the second-pass weights, which moved the "
        "wrong way; the correct step gives 0.500413 + 2·0.300826 = 1.102064",
    ),
    Erratum(
        name="new z1[2]",
        printed=0.8983,
        true=0.9045280947380214,
        cause="computed as 0.6997 + 2·0.0993 from weights moved the wrong way; the correct "
        "step gives 0.700906 + 2·0.101811 = 0.904528",
    ),
    Erratum(
        name="new a1[1]",
        printed=0.7501,
        true=0.7506466933828394,
        cause="σ(1.099) of the wrong new z^(1)_1 (σ is right, its argument is not): "
        "σ(1.102064) = 0.7506",
    ),
    Erratum(
        name="new a1[2]",
        printed=0.7106,
        true=0.7118791379099298,
        cause="σ(0.8983) of the wrong new z^(1)_2 (σ is right, its argument is not): "
        "σ(0.904528) = 0.7119",
    ),
    Erratum(
        name="new z2[1]",
        printed=0.2406,
        true=0.24100176665754353,
        cause=_SECOND_PASS_CAUSE.format(
            what="0.1165·0.7501 + 0.2156·0.7106 = 0.2406, whereas the correct step gives "
            "0.116532·0.750647 + 0.215665·0.711879 = 0.2410"
        ),
    ),
    Erratum(
        name="new a2[1]",
        printed=0.5599,
        true=0.5599605041249741,
        cause=_SECOND_PASS_CAUSE.format(
            what="σ(0.2406) = 0.55986 prints as 0.5599, whereas the correct ŷ is 0.55996, "
            "which rounds to 0.5600 (the conclusion that the loss went down still holds, "
            "because the W2 step alone lowers it)"
        ),
    ),
)

_BY_HAND_NOTES = (
    "The post's W1 (2, 3) and W2 (1, 2) are already in loopnet layout (row j = neuron j of "
    "the next layer); no transpose is needed.",
    "Loss: the post's L = (1/N)Σ(y-ŷ)² with N = 1 and one output, which equals loopnet's "
    "'mse' (1/(N n_L))Σ(a-y)²; so ∂L/∂ŷ = 2(ŷ-y) and δ^(2) = 2(ŷ-y)σ'(z^(2)).",
    "There are no biases; lr = 0.1 (the post's η). The 'Training' section writes "
    "W → W - ∂L/∂W without η; the worked numbers use η = 0.1.",
    "Index typos in the post: in the component form of z^(1) = W^(1)x the first row reads "
    "w_{1,1} w_{2,1} w_{3,1} while the second reads w_{2,1} w_{2,2} w_{2,3}, so w_{2,1} "
    "appears twice; the first row should read w_{1,1} w_{1,2} w_{1,3} (to neuron 1 from "
    "inputs 1, 2, 3). The matrix ∂L/∂W^(1) repeats the same typo (∂L/∂w_{2,1} where "
    "∂L/∂w_{1,2} belongs, ∂L/∂w_{3,1} where ∂L/∂w_{1,3} belongs).",
    "Further typos in the general ∂L/∂W^(1) matrix: row 1, column 3 has x_1 where x_3 "
    "belongs, and row 2 uses w_{2,1}^{(2)}, which does not exist in the (1, 2) matrix "
    "W^(2): it should be w_{1,2}^{(2)} (to the output from hidden neuron 2). The tensor "
    "section uses input-first indices (∂z_1/∂w_{2,1}, ∂z_2/∂w_{1,2}), the transpose of "
    "the W^(1) layout the post itself uses.",
    "'delta2[1]' is printed twice: -0.22 in ∂L/∂W2 (right) and 0.082 in ∂L/∂W1 (wrong sign "
    "and wrong σ'). The ∂L/∂W2 row is right only because it uses σ'(0.217) while the "
    "text later claims σ'(z^(2)) = σ'(2.17) = 0.092.",
    "'dz2[1]/dW1[j,k]' names the post's intermediate matrix w^(2)_{1,j} σ'(z^(1)_j) x_k, "
    "i.e. ∂z^(2)/∂w^(1)_{j,k}, so that ∂L/∂W1 = δ^(2) · ∂z^(2)/∂W1.",
    "The second forward pass prints W2 = (0.1165, 0.2156) and W1 entries 0.4, 0.2, 0.6997, "
    "0.0993 again with the same values; only the two W1 entries that differ from the "
    "update step are recorded again, with the place '(second pass)'.",
    "Not printed by the post, but recorded for the learner: L = 0.19883 before the step and "
    "0.19363 after a correct step (with the post's wrong W1 step the loss would be 0.19372).",
)

# ---------------------------------------------------------------------------
# 2. or-gate-2-2-1
# Source: seed 000_ef3b8e7a798a861c.txt, a question-and-answer thread on
# Nielsen's chapter 2 (http://neuralnetworksanddeeplearning.com/chap2.html),
# the learner's network and its edit, Aug 12, 2020.
# ---------------------------------------------------------------------------

# The learner's first attempt, "w = [[0.3, 0.4], [0.1]]", wrongly shaped: a
# 2-2-1 network needs W of layer 1 with shape (2, 2) and of layer 2 with shape (1, 2).
OR_GATE_FIRST_ATTEMPT_WEIGHTS = ((0.3, 0.4), (0.1,))

_OR_GATE_NOTES = (
    "Weights are the learner's np.random.randn draw printed after his edit, already in "
    "loopnet layout (np.random.randn(y, x) for x, y in zip(sizes[:-1], sizes[1:])); they "
    "are as printed by NumPy (8 decimals; 1.095244 is 1.09524400 printed with trailing "
    "zeros dropped), not the full float64 draw, which the post does not give.",
    "Biases b = [[1, 1], [1]] are from the post (all ones).",
    "lr = 3.0 is loopnet's choice (Nielsen's value for MNIST); the post gives no learning "
    "rate. The loss is Nielsen's quadratic cost (1/(2N))Σ‖a-y‖²; the learner calls it MSE.",
    "The post prints no computed numbers, so there is nothing to compare with.",
    "The learner's first attempt w = [[0.3, 0.4], [0.1]] is "
    "wrongly shaped: layer 1 needs shape (2, 2) and layer 2 shape (1, 2); it is the input "
    "a shape error message must explain.",
    "The learner numbers layers from the first hidden layer ('layer 0' = hidden, 'layer 1' "
    "= output); here layer 0 is the input, so his layer 0/1 are our layers 1/2. The "
    "answer writes z = xW with row vectors, the transpose of loopnet's W.",
    "The learner's backward equation reads δ^{x,l} = ((w^{l+1})^T δ^{x,l+1}) ∘ σ(z^{x,l}); "
    "it must be σ'(z^{x,l}) (Nielsen's BP2).",
    "Shape rules from the thread: δ^l has one entry per neuron of layer l (not the shape of "
    "W^l, as the learner's edit claims); δ^l (a^{l-1})^T has the shape of W^l; the bias "
    "gradient is Σ_x δ^{x,l}, one entry per neuron.",
)

# ---------------------------------------------------------------------------
# 3. step-by-step-3-4-1
# Source: seed 002_c4354ead22cbabff.txt, "A Step-by-Step Implementation of
# Gradient Descent and Backpropagation" (post with NumPy code).
# Initial weights: np.random.seed(10); wij = np.random.rand(3, 4);
# wjk = np.random.rand(4, 1), transposed here (W1 = wij.T, W2 = wjk.T), full
# float64 repr. yhat: what the post's script prints, run unchanged with
# NumPy 2.4.6 (python3 script.py), at full precision.
# ---------------------------------------------------------------------------

_SBS_W1 = (  # wij.T, shape (4, 3)
    (0.771320643266746, 0.4985070123025904, 0.16911083656253545),
    (0.0207519493594015, 0.22479664553084766, 0.08833981417401027),
    (0.6336482349262754, 0.19806286475962398, 0.6853598183677972),
    (0.7488038825386119, 0.7605307121989587, 0.9533933461949365),
)
_SBS_W2 = (  # wjk.T, shape (1, 4)
    (0.003948266327914451, 0.5121922633857766, 0.8126209616521135, 0.6125260668293881),
)

_SBS_NOTES = (
    "The post stores weights as (n_in, n_out): wij is (3, 4) and wjk is (4, 1). loopnet "
    "stores W1 = wij.T (4, 3) and W2 = wjk.T (1, 4).",
    "No biases. Full-batch gradient descent, lr = 1: the script's update W += X^T((y-ŷ)σ') "
    "is W -= ∇ of ½Σ_n(y-ŷ)², i.e. loss 'sse' (summed, not averaged, over the 4 examples).",
    "yhat[n] is what the script prints: the forward pass at the START of the 10,000th "
    "iteration, i.e. after 9,999 updates (the 10,000th update is applied after yhat is "
    "computed and is not reflected in the printout).",
    "The script prints yhat with NumPy's 8 significant digits: [[0.00572029] [0.99442052] "
    "[0.99527493] [0.00467507]]; the numbers compared are the full float64 values from running it.",
    "The post itself prints no numbers; what is compared is what its script prints.",
    "The targets are the first input column (y = x_1); the third input is a constant 1 "
    "that stands in for a bias.",
)

# ---------------------------------------------------------------------------
# 4. mazur-2-2-2
# Source: Matt Mazur, "A Step by Step Backpropagation Example", 2015
# (https://mattmazur.com/2015/03/17/a-step-by-step-backpropagation-example/).
# ---------------------------------------------------------------------------

_MAZUR_PUBLISHED = {
    "x[1]": 0.05,  # i1
    "x[2]": 0.10,  # i2
    "y[1]": 0.01,  # target o1
    "y[2]": 0.99,  # target o2
    "W1[1,1]": 0.15,  # w1: i1 -> h1
    "W1[1,2]": 0.20,  # w2: i2 -> h1
    "W1[2,1]": 0.25,  # w3: i1 -> h2
    "W1[2,2]": 0.30,  # w4: i2 -> h2
    "b1[1]": 0.35,  # b1
    "b1[2]": 0.35,
    "W2[1,1]": 0.40,  # w5: h1 -> o1
    "W2[1,2]": 0.45,  # w6: h2 -> o1
    "W2[2,1]": 0.50,  # w7: h1 -> o2
    "W2[2,2]": 0.55,  # w8: h2 -> o2
    "b2[1]": 0.60,  # b2
    "b2[2]": 0.60,
    "z1[1]": 0.3775,  # net_h1
    "a1[1]": 0.593269992,  # out_h1
    "a1[2]": 0.596884378,  # out_h2
    "z2[1]": 1.105905967,  # net_o1
    "a2[1]": 0.75136507,  # out_o1
    "a2[2]": 0.772928465,  # out_o2
    "L[1]": 0.274811083,  # E_o1
    "L[2]": 0.023560026,  # E_o2
    "L": 0.298371109,  # E_total
    "dL/da2[1]": 0.74136507,  # ∂E_total/∂out_o1
    "sigma'(z2[1])": 0.186815602,  # ∂out_o1/∂net_o1
    "delta2[1]": 0.138498562,  # ∂E_total/∂net_o1 = δ_o1
    "dL/dW2[1,1]": 0.082167041,  # ∂E_total/∂w5
    "new W2[1,1]": 0.35891648,  # w5+
    "new W2[1,2]": 0.408666186,  # w6+
    "new W2[2,1]": 0.511301270,  # w7+
    "new W2[2,2]": 0.561370121,  # w8+
    "dL[1]/da1[1]": 0.055399425,  # ∂E_o1/∂out_h1
    "dL[2]/da1[1]": -0.019049119,  # ∂E_o2/∂out_h1
    "dL/da1[1]": 0.036350306,  # ∂E_total/∂out_h1
    "sigma'(z1[1])": 0.241300709,  # ∂out_h1/∂net_h1
    "dL/dW1[1,1]": 0.000438568,  # ∂E_total/∂w1
    "new W1[1,1]": 0.149780716,  # w1+
    "new W1[1,2]": 0.19956143,  # w2+
    "new W1[2,1]": 0.24975114,  # w3+
    "new W1[2,2]": 0.29950229,  # w4+
    "new L": 0.291027924,  # total error after the first round
    "after 10000 steps L": 0.0000351085,
    "after 10000 steps a2[1]": 0.015912196,
    "after 10000 steps a2[2]": 0.984065734,
}

_MAZUR_SEQUENTIAL = (
    "the post says the hidden-layer gradients use the original w5..w8, but this number is "
    "reproduced to every printed digit ({seq}) when they use the already updated "
    "w5+..w8+, so it comes from a run that updated the output layer first"
)

_MAZUR_ERRATA = (
    Erratum(
        name="new L",
        printed=0.291027924,
        true=0.29102777369359933,
        cause=_MAZUR_SEQUENTIAL.format(seq="0.2910279239"),
    ),
    Erratum(
        name="after 10000 steps a2[1]",
        printed=0.015912196,
        true=0.01591362044355068,
        cause=_MAZUR_SEQUENTIAL.format(seq="0.0159121963"),
    ),
    Erratum(
        name="after 10000 steps a2[2]",
        printed=0.984065734,
        true=0.9840642735146238,
        cause=_MAZUR_SEQUENTIAL.format(seq="0.9840657345"),
    ),
    Erratum(
        name="dL[2]/da1[1]",
        printed=-0.019049119,
        true=-0.019049118258278118,
        cause="rounded twice: δ_o2 = ∂E_o2/∂net_o2 = -0.0380982365 rounded to -0.038098237, "
        "times w7 = 0.50 gives -0.0190491185, which rounds to -0.019049119; the exact "
        "product -0.0190491183 rounds to -0.019049118",
    ),
    Erratum(
        name="after 10000 steps L",
        printed=0.0000351085,
        true=3.510187782978859e-05,
        cause="matches neither the described update after 10,000 steps (3.51019e-05) nor the "
        "output-layer-first run that reproduces the printed outputs (3.50848e-05); it equals "
        "the described update after 9,999 steps (3.51085e-05), so it is most likely one step "
        "late",
    ),
)

_MAZUR_NOTES = (
    "Name mapping: i1, i2 -> x[1], x[2]; targets -> y[1], y[2]; net_h1/out_h1 -> z1[1]/a1[1]; "
    "net_o1/out_o1 -> z2[1]/a2[1]; E_o1, E_o2 -> L[1], L[2]; E_total -> L; "
    "∂E_total/∂out_o1 -> dL/da2[1]; ∂out_o1/∂net_o1 -> sigma'(z2[1]); "
    "δ_o1 = ∂E_total/∂net_o1 -> delta2[1]; ∂E_o1/∂out_h1 -> dL[1]/da1[1]; "
    "∂E_total/∂out_h1 -> dL/da1[1]; ∂out_h1/∂net_h1 -> sigma'(z1[1]); "
    "∂E_total/∂w5 -> dL/dW2[1,1]; ∂E_total/∂w1 -> dL/dW1[1,1]; "
    "w+ -> 'new W...'; 'error after the first round' -> new L.",
    "Weight mapping (his w_n -> W[to, from]): w1 = W1[1,1] (i1->h1), w2 = W1[1,2] (i2->h1), "
    "w3 = W1[2,1] (i1->h2), w4 = W1[2,2] (i2->h2), w5 = W2[1,1] (h1->o1), "
    "w6 = W2[1,2] (h2->o1), w7 = W2[2,1] (h1->o2), w8 = W2[2,2] (h2->o2). His b1 = 0.35 is "
    "shared by both hidden neurons and b2 = 0.60 by both outputs; loopnet stores one bias "
    "per neuron.",
    "Loss ½Σ_j(target_j - out_j)² ('sse', one example); lr = 0.5. The post updates weights "
    "only: biases stay fixed (update_biases=False), also in the 10,000-step run.",
    "The post states that all gradients of one step are computed from the original weights "
    "(simultaneous update), and that is what the true values here assume. Its first-round "
    "error and its 10,000-step outputs instead match a run that computes the hidden-layer "
    "deltas with the already-updated w5+..w8+ (see errata).",
    "Every value the post prints, including the backward-pass intermediates delta2[1], "
    "dL[1]/da1[1], dL[2]/da1[1], dL/da1[1] and sigma'(z1[1]), was compared with the float64 "
    "computation; all agree to the printed digits except "
    "dL[2]/da1[1] (∂E_o2/∂out_h1, printed -0.019049119), one unit off in the 9th decimal "
    "from rounding twice (see errata).",
    "0.511301270 (w7+) is printed with a trailing zero; as a float it is 0.51130127.",
)

EXAMPLES: dict[str, WorkedExample] = {
    "by-hand-3-2-1": WorkedExample(
        name="by-hand-3-2-1",
        title="Computing Gradient Descent in Neural Networks By Hand",
        source="Blog post 'Computing Gradient Descent in Neural Networks By Hand', 2023-09-29, "
        "permalink /posts/2023/09/computing-gradient-descent-nn/ (paulgreaney.github.io); "
        "seed 001_6bada1839e64f20f.txt",
        sizes=(3, 2, 1),
        weights=(
            ((0.4, 0.5, 0.3), (0.2, 0.7, 0.1)),  # W1 (2, 3)
            ((0.1, 0.2),),  # W2 (1, 2)
        ),
        biases=None,
        activation="sigmoid",
        output_activation="sigmoid",
        loss="mse",
        X=((0.0, 1.0, 2.0),),
        Y=((1.0,),),
        lr=0.1,
        update_biases=False,
        published=_BY_HAND_PUBLISHED,
        errata=_BY_HAND_ERRATA,
        notes=_BY_HAND_NOTES,
    ),
    "or-gate-2-2-1": WorkedExample(
        name="or-gate-2-2-1",
        title="Nielsen's chapter 2 equations on a 2-2-1 network for the OR gate (Q&A)",
        source="Question and answer about http://neuralnetworksanddeeplearning.com/chap2.html "
        "(Nielsen, 'Neural Networks and Deep Learning', ch. 2), Aug 12, 2020; "
        "seed 000_ef3b8e7a798a861c.txt",
        sizes=(2, 2, 1),
        weights=(
            ((0.27660583, 1.00106314), (0.34017727, 0.74990392)),  # W1 (2, 2)
            ((1.095244, -0.22719165),),  # W2 (1, 2)
        ),
        biases=((1.0, 1.0), (1.0,)),
        activation="sigmoid",
        output_activation="sigmoid",
        loss="quadratic",
        X=((0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)),
        Y=((0.0,), (1.0,), (1.0,), (1.0,)),
        lr=3.0,
        update_biases=True,
        published={},
        errata=(),
        notes=_OR_GATE_NOTES,
    ),
    "step-by-step-3-4-1": WorkedExample(
        name="step-by-step-3-4-1",
        title="A Step-by-Step Implementation of Gradient Descent and Backpropagation",
        source="Post 'A Step-by-Step Implementation of Gradient Descent and Backpropagation' "
        "with its NumPy script; seed 002_c4354ead22cbabff.txt",
        sizes=(3, 4, 1),
        weights=(_SBS_W1, _SBS_W2),
        biases=None,
        activation="sigmoid",
        output_activation="sigmoid",
        loss="sse",
        X=((0.0, 0.0, 1.0), (1.0, 1.0, 1.0), (1.0, 0.0, 1.0), (0.0, 1.0, 1.0)),
        Y=((0.0,), (1.0,), (1.0,), (0.0,)),
        lr=1.0,
        update_biases=False,
        published={
            # printed by the script: forward pass after 9,999 updates
            "yhat[1]": 0.005720286090965645,
            "yhat[2]": 0.9944205224898958,
            "yhat[3]": 0.9952749294499894,
            "yhat[4]": 0.0046750677092425395,
        },
        errata=(),
        notes=_SBS_NOTES,
    ),
    "mazur-2-2-2": WorkedExample(
        name="mazur-2-2-2",
        title="A Step by Step Backpropagation Example",
        source='Matt Mazur, "A Step by Step Backpropagation Example", 2015, '
        "https://mattmazur.com/2015/03/17/a-step-by-step-backpropagation-example/",
        sizes=(2, 2, 2),
        weights=(
            ((0.15, 0.20), (0.25, 0.30)),  # W1 (2, 2): rows h1, h2; columns i1, i2
            ((0.40, 0.45), (0.50, 0.55)),  # W2 (2, 2): rows o1, o2; columns h1, h2
        ),
        biases=((0.35, 0.35), (0.60, 0.60)),
        activation="sigmoid",
        output_activation="sigmoid",
        loss="sse",
        X=((0.05, 0.10),),
        Y=((0.01, 0.99),),
        lr=0.5,
        update_biases=False,
        published=_MAZUR_PUBLISHED,
        errata=_MAZUR_ERRATA,
        notes=_MAZUR_NOTES,
    ),
}


def get(name: str) -> WorkedExample:
    """The worked example called ``name``, e.g. ``get("mazur-2-2-2")``."""
    try:
        return EXAMPLES[name]
    except KeyError:
        valid = ", ".join(sorted(EXAMPLES))
        raise KeyError(f"no worked example {name!r}; valid names: {valid}") from None
