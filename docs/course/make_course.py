"""Build the short course: Jupyter notebooks in Nielsen's order, every number computed by loopnet.

    python3 docs/course/make_course.py          # writes docs/course/NN-*.ipynb (unexecuted)
    bash .ci/course.sh                          # builds them and runs each top to bottom (nbclient)

Each notebook is a list of cells here: ("md", text) or ("py", code). The notebooks are generated, so a
change is made here and the notebooks rebuilt; tests/test_course.py checks they are up to date.
"""
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

NET_321 = '''import loopnet as ln
# the network of the blog post "Computing Gradient Descent in Neural Networks By Hand":
# 3 inputs, 2 hidden sigmoid neurons, 1 sigmoid output, no biases, loss L = (a − y)²
net = ln.Network.from_weights([[[0.4, 0.5, 0.3], [0.2, 0.7, 0.1]], [[0.1, 0.2]]], loss="mse")
x, y = [0, 1, 2], [1]'''

OR_GATE = '''import loopnet as ln
# the OR gate of a question about Nielsen's chapter 2: 2 inputs, 2 hidden neurons, 1 output, biases,
# Nielsen's quadratic cost C = 1/(2n) Σₓ ‖y − a‖², the four examples as one batch, η = 3
X = [[0, 0], [0, 1], [1, 0], [1, 1]]
Y = [0, 1, 1, 1]
net = ln.Network.from_weights([[[0.27660583, 1.00106314], [0.34017727, 0.74990392]], [[1.095244, -0.22719165]]],
                              [[1, 1], [1]], loss="quadratic")'''

COURSE = [
    ("01-notation-and-shapes", "1. Notation and shapes", [
        ("md", "A network is a list of layer sizes n₀ … n_L: layer 0 is the input, layer L the output. The "
               "weight w⁽ˡ⁾ⱼ,ₖ goes **to** neuron j of layer l **from** neuron k of layer l−1, so the matrix "
               "W⁽ˡ⁾ has one row per neuron of layer l and one column per neuron of layer l−1: its shape is "
               "(n_l, n_{l−1}). The bias b⁽ˡ⁾ has one entry per neuron of layer l."),
        ("py", NET_321 + "\nprint(net.sizes)\nfor l, W in enumerate(net.weights, start=1):\n"
               "    print(f'W{l} has shape {W.shape}: {W.shape[0]} neurons in layer {l}, {W.shape[1]} in layer {l - 1}')"),
        ("md", "Every quantity of one gradient step has a name; `d.value(name)` gives its number. Indices start "
               "at 1, as in the math: `W1[2,3]` is w⁽¹⁾₂,₃."),
        ("py", "d = ln.explain(net, x, y, lr=0.1)\nprint(d.value('W1[2,3]'), d.value('a1[2]'), d.value('dL/dW1[2,3]'))"),
        ("md", "The shapes table answers the question every first implementation runs into: δ⁽ˡ⁾ has one "
               "entry per neuron (shape (n_l,)), the gradient of W⁽ˡ⁾ has W⁽ˡ⁾'s shape, the gradient of b⁽ˡ⁾ "
               "has b⁽ˡ⁾'s."),
        ("py", "text = str(d)\nprint(text[text.index('Shapes\\n'):text.index('Where in the code')])"),
    ]),
    ("02-forward-pass", "2. The forward pass", [
        ("md", "Each neuron adds its weighted inputs and its bias, z⁽ˡ⁾ⱼ = Σₖ w⁽ˡ⁾ⱼ,ₖ a⁽ˡ⁻¹⁾ₖ + b⁽ˡ⁾ⱼ, "
               "and passes the sum through its activation, a⁽ˡ⁾ⱼ = σ(z⁽ˡ⁾ⱼ). As vectors: "
               "z⁽ˡ⁾ = W⁽ˡ⁾a⁽ˡ⁻¹⁾ + b⁽ˡ⁾."),
        ("py", NET_321 + "\nd = ln.explain(net, x, y)\ntext = str(d)\n"
               "print(text[text.index('1. Forward pass'):text.index('2. Loss')])"),
        ("md", "The same numbers by hand, from the weights: z⁽¹⁾₁ = 0.4·0 + 0.5·1 + 0.3·2."),
        ("py", "import math\nz = 0.4 * 0 + 0.5 * 1 + 0.3 * 2\nprint(z, d.value('z1[1]'))\n"
               "print(1 / (1 + math.exp(-z)), d.value('a1[1]'))"),
        ("md", "The whole derivation renders in the notebook (Markdown with math):"),
        ("py", "d"),
    ]),
    ("03-bp1-output-error", "3. BP1: the output error", [
        ("md", "δ⁽ᴸ⁾ⱼ = ∂L/∂z⁽ᴸ⁾ⱼ measures how fast the loss changes when output neuron j's weighted input "
               "moves. BP1: δ⁽ᴸ⁾ = ∇ₐL ⊙ σ'(z⁽ᴸ⁾), the loss's slope times the activation's slope."),
        ("py", NET_321 + "\nd = ln.explain(net, x, y)\nv = d.value\n"
               "print('dL/da2[1]      =', v('dL/da2[1]'), '= 2(a − y)')\n"
               "print(\"sigma'(z2[1])  =\", v(\"sigma'(z2[1])\"), '= a(1 − a)')\n"
               "print('delta2[1]      =', v('delta2[1]'), '=', v('dL/da2[1]') * v(\"sigma'(z2[1])\"))"),
        ("md", "A saturated neuron (σ' ≈ 0) learns slowly: the same error with the output pushed far from 0."),
        ("py", "far = ln.Network.from_weights([[[0.4, 0.5, 0.3], [0.2, 0.7, 0.1]], [[4.0, 5.0]]], loss='mse')\n"
               "e = ln.explain(far, x, y)\nprint(e.value(\"sigma'(z2[1])\"), e.value('delta2[1]'))"),
    ]),
    ("04-bp2-backward", "4. BP2: back through the hidden layers", [
        ("md", "BP2: δ⁽ˡ⁾ = ((W⁽ˡ⁺¹⁾)ᵀ δ⁽ˡ⁺¹⁾) ⊙ σ'(z⁽ˡ⁾). Component j sums over the neurons k that j "
               "feeds: Σₖ w⁽ˡ⁺¹⁾ₖ,ⱼ δ⁽ˡ⁺¹⁾ₖ, a column of W⁽ˡ⁺¹⁾, hence the transpose."),
        ("py", NET_321 + "\nimport numpy as np\nd = ln.explain(net, x, y)\n"
               "W2 = net.weights[1]\ndelta2 = np.array([d.value('delta2[1]')])\n"
               "sp1 = np.array([d.value(\"sigma'(z1[1])\"), d.value(\"sigma'(z1[2])\")])\n"
               "print((W2.T @ delta2) * sp1)\nprint([d.value('delta1[1]'), d.value('delta1[2]')])"),
        ("md", "The lesson writes the same with the numbers:"),
        ("py", "text = str(d)\nprint(text[text.index('4. Back through'):text.index('5. The gradients')])"),
    ]),
    ("05-bp3-bp4-gradients", "5. BP3 and BP4: the gradients", [
        ("md", "∂L/∂b⁽ˡ⁾ⱼ = δ⁽ˡ⁾ⱼ and ∂L/∂w⁽ˡ⁾ⱼ,ₖ = δ⁽ˡ⁾ⱼ a⁽ˡ⁻¹⁾ₖ: the error at a weight's end times the "
               "activation at its start. As a matrix, the outer product ∂L/∂W⁽ˡ⁾ = δ⁽ˡ⁾(a⁽ˡ⁻¹⁾)ᵀ. An input "
               "of 0 gives its weights no gradient."),
        ("py", NET_321 + "\nd = ln.explain(net, x, y, lr=0.1)\n"
               "for j in (1, 2):\n    print([round(d.value(f'dL/dW1[{j},{k}]'), 6) for k in (1, 2, 3)])\n"
               "print('the step:', d.value('W1[2,3]'), '→', d.value('new W1[2,3]'))\n"
               "print('loss before and after:', d.value('L'), d.value('new L'))"),
        ("md", "`check()` grades a hand calculation and names the likely mistake. The blog post printed "
               "∂L/∂w⁽¹⁾₁,₂ = 0.0015:"),
        ("py", "print(d.check({'dL/dW1[1,2]': 0.0015, 'dL/dW2[1,1]': -0.1653}))"),
    ]),
    ("06-mini-batches", "6. Mini-batches: Nielsen's convention and loopnet's", [
        ("md", "For a batch, each gradient is a sum over the examples, ∂L/∂w⁽ˡ⁾ⱼ,ₖ = Σₙ δ⁽ˡ⁾ₙ,ⱼ a⁽ˡ⁻¹⁾ₙ,ₖ. "
               "Nielsen computes a per-example δˣ without the 1/n of the cost and divides once in the "
               "update, w ← w − (η/m) Σₓ δˣ(aˣ)ᵀ; loopnet puts the 1/N into δ⁽ᴸ⁾ and steps w ← w − η ∂L/∂w. "
               "Same step."),
        ("py", OR_GATE + "\nd = ln.explain(net, X, Y, lr=3.0)\n"
               "terms = [d.value(f'example {n} dL/dW1[1,1]') for n in range(1, 5)]\n"
               "print(terms, sum(terms), d.value('dL/dW1[1,1]'))\n"
               "nielsen = [4 * d.value(f'example {n} delta1[1]') * d.value(f'example {n} x[1]') for n in range(1, 5)]\n"
               "print('Nielsen: (1/m) Σx δx ax =', sum(nielsen) / 4)"),
        ("md", "The bias gradient is Σₓ δˣ (one number per neuron, however many examples):"),
        ("py", "print(d.value('dL/db1[1]'), sum(d.value(f'example {n} delta1[1]') for n in range(1, 5)))\n"
               "text = str(d)\nprint(text[text.index(\"Nielsen's convention\"):text.index('Gradient check')])"),
    ]),
    ("07-softmax-cross-entropy", "7. Softmax and cross-entropy", [
        ("md", "With softmax outputs every a⁽ᴸ⁾ᵢ depends on every z⁽ᴸ⁾ⱼ (∂aᵢ/∂zⱼ = aᵢ(1ᵢⱼ − aⱼ)), so "
               "BP1 is a Jacobian times ∇ₐL; with cross-entropy it collapses to δ⁽ᴸ⁾ = (a − y)/N."),
        ("py", "import loopnet as ln\nimport numpy as np\n"
               "net = ln.Network.from_weights([[[0.5, -0.4], [0.3, 0.8]], [[1.0, -1.0], [-0.5, 0.5]]],\n"
               "                              [[0.0, 0.1], [0.2, -0.2]], output_activation='softmax', loss='cross_entropy')\n"
               "d = ln.explain(net, [1.0, 2.0], [0, 1], reading='full')\n"
               "a = np.array([d.value('a2[1]'), d.value('a2[2]')])\nJ = np.diag(a) - np.outer(a, a)\n"
               "g = np.array([d.value('dL/da2[1]'), d.value('dL/da2[2]')])\n"
               "print('J @ dL/da =', J @ g, ' a − y =', a - [0, 1], ' delta =', [d.value('delta2[1]'), d.value('delta2[2]')])"),
        ("py", "text = str(d)\nprint(text[text.index('3. Output error'):text.index('4. Backward pass')])"),
    ]),
    ("08-gradient-checking", "8. Gradient checking", [
        ("md", "Backprop can be checked without calculus: nudge one weight by ε both ways and take the slope "
               "(L(w+ε) − L(w−ε))/2ε. The central difference is off by a term in ε², the one-sided one by a "
               "term in ε."),
        ("py", NET_321 + "\nimport numpy as np\nd = ln.explain(net, x, y)\n"
               "def loss(W1_23):\n    n = net.copy()\n    n.weights[0][1, 2] = W1_23\n"
               "    return ln.explain(n, x, y).value('L')\n"
               "w = net.weights[0][1, 2]\nfor eps in (1e-2, 1e-3, 1e-4):\n"
               "    central = (loss(w + eps) - loss(w - eps)) / (2 * eps)\n"
               "    one_sided = (loss(w + eps) - loss(w)) / eps\n"
               "    g = d.value('dL/dW1[2,3]')\n"
               "    print(f'eps={eps:g}: central error {abs(central - g):.1e}, one-sided error {abs(one_sided - g):.1e}')"),
        ("md", "`ln.gradcheck` does this for every weight; the lesson shows it for one:"),
        ("py", "text = str(d)\nprint(text[text.index('Gradient check'):text.index('Shapes\\n')])"),
    ]),
    ("09-exercises", "9. Exercises", [
        ("md", "`ln.exercise` blanks quantities of a step ([?1], [?2], …) for you to fill in; `ex.check` grades "
               "your numbers and names the most likely mistake. `ex.to_latex()` is a printable worksheet, "
               "`ex.to_latex(key=True)` its answer key."),
        ("py", NET_321 + "\nex = ln.exercise(net, x, y, lr=0.1)\nex"),
        ("md", "Fill in your answers (by name or by blank number) and grade them; the third is ∂L/∂a⁽²⁾₁·a⁽¹⁾₁, "
               "a common slip:"),
        ("py", "my_answers = {'delta2[1]': -0.2203, '?2': -0.02203, 'dL/dW2[1,1]': -0.6691}\n"
               "print(ex.check(my_answers))"),
        ("md", "A forward-pass exercise on the OR gate's batch:"),
        ("py", OR_GATE + "\nfwd = ln.exercise(net, X, Y, hide='forward')\nprint(fwd.questions[:6])"),
    ]),
]


def build(out_dir=HERE):
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
    paths = []
    for name, title, cells in COURSE:
        nb = new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nb.cells.append(new_markdown_cell(f"# {title}"))
        for kind, text in cells:
            nb.cells.append(new_markdown_cell(text) if kind == "md" else new_code_cell(text))
        for i, cell in enumerate(nb.cells):   # stable ids: a rebuild with no change changes no file
            cell["id"] = f"{name[:2]}-{i:02d}"
        path = Path(out_dir) / f"{name}.ipynb"
        text = nbformat.writes(nb) + "\n"
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def execute(paths, timeout=300):
    """Run each notebook top to bottom (nbclient); raise on the first cell that errors."""
    import nbclient
    import nbformat
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        nbclient.NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                resources={"metadata": {"path": str(Path(path).parent)}}).execute()
        print(f"executed {Path(path).name}: {sum(c.cell_type == 'code' for c in nb.cells)} code cells")


if __name__ == "__main__":
    written = build()
    print("\n".join(str(p) for p in written))
    if "--execute" in sys.argv:
        execute(written)
