"""The lesson reading of a derivation: the story of one gradient step in the order Nielsen teaches it.

The same numbers as the full record (``reading="full"``), fewer of them and with their meaning: each
equation once in component form and once in vector form with the numbers (a column per example for a
batch), what the numbers say (which way each weight wants to move, saturated neurons, inputs of 0, the
largest gradient and why), Nielsen's per-example δˣ and η/m Σₓ beside loopnet's convention, a gradient
check of one weight inside the derivation, and the shapes.

| section | equations |
|---|---|
| forward pass | z⁽ˡ⁾ = W⁽ˡ⁾ a⁽ˡ⁻¹⁾ + b⁽ˡ⁾, a⁽ˡ⁾ = σ(z⁽ˡ⁾) |
| loss | L and where its scale enters |
| BP1 | δ⁽ᴸ⁾ = ∇ₐL ⊙ σ'(z⁽ᴸ⁾) |
| BP2 | δ⁽ˡ⁾ = ((W⁽ˡ⁺¹⁾)ᵀ δ⁽ˡ⁺¹⁾) ⊙ σ'(z⁽ˡ⁾) |
| BP3, BP4 | ∂L/∂b⁽ˡ⁾ = Σₙ δ⁽ˡ⁾, ∂L/∂W⁽ˡ⁾ = Σₙ δ⁽ˡ⁾ (a⁽ˡ⁻¹⁾)ᵀ |
| conventions | Nielsen's δˣ = ∂Cₓ/∂z and w ← w − η/m Σₓ δˣ (aˣ)ᵀ against loopnet's scale in δ |
| gradient check | (L(w + ε) − L(w − ε))/2ε beside ∂L/∂w |
| update | W ← W − η ∂L/∂W and the loss after the step |
"""
from __future__ import annotations

import numpy as np

from ..activations import BY_CODE as ACT_BY_CODE, RELU, SIGMOID, SOFTMAX, TANH
from ..losses import CROSS_ENTROPY, MSE, QUADRATIC, SSE
from .nodes import Big, D, Eq, Frac, Func, Group, Heading, Mat, Num, Op, P, Pow, Sym, Table, Title, Word, side

EPS = 1e-4          # the step of the gradient check
LESSON_DIGITS = 4   # significant digits of the lesson's numbers, unless explain(digits=...) says otherwise
WIDE = 7            # matrix columns side by side above which a product is not written out with its numbers
SATURATED = 0.1     # σ' below this fraction of its largest value (¼ for sigmoid, 1 for tanh) is called saturated
MAX_LISTED = 6      # weights listed one by one in "which way each weight wants to move"
_SP_MAX = {SIGMOID: 0.25, TANH: 1.0}


class Lesson:
    """Builds the lesson's blocks from a :class:`~loopnet.explain.model.Derivation` ``d`` (its numbers)."""

    def __init__(self, d):
        self.d, self.p, self.s, self.L, self.N = d, d.p, d.net.sizes, d.p.L, d.N

    # ---- small builders ------------------------------------------------------------------------
    def say(self, name, v):
        """A number in prose, recorded in ``d.printed`` under ``name``: a quantity's name, or for a number that
        is not a quantity of :mod:`.names` a label that starts with ``note:``."""
        d = self.d
        if d.exercise is not None:
            blank = d.exercise.blank(name, v)
            if blank is not None:
                return blank.text
        d.printed.append((name, d.fmt(v), float(v)))
        return d.say(v)

    def col(self, name, l, n=1):
        """The vector of quantity ``name`` (a format with {l}, {j}) of layer l for example n, as a column."""
        d = self.d
        return Mat(tuple(((d.num(d.ex(n, name.format(l=l, j=j))),),) for j in range(1, self.s[l] + 1)))

    def cols(self, name, l):
        """One column per example (N > 1) or the vector (N = 1)."""
        d = self.d
        if self.N == 1:
            return self.col(name, l)
        return Mat(tuple(tuple((d.num(d.ex(n, name.format(l=l, j=j))),) for n in range(1, self.N + 1))
                         for j in range(1, self.s[l] + 1)))

    def weights(self, l, prefix=""):
        d = self.d
        return Mat(tuple(tuple((d.num(f"W{l}[{j},{k}]", prefix),) for k in range(1, self.s[l - 1] + 1))
                         for j in range(1, self.s[l] + 1)))

    def grads(self, l):
        d = self.d
        return Mat(tuple(tuple((d.num(f"dL/dW{l}[{j},{k}]"),) for k in range(1, self.s[l - 1] + 1))
                         for j in range(1, self.s[l] + 1)))

    def v(self, l, base):
        """The vector symbol of layer l (a matrix symbol with one column per example for a batch)."""
        if self.N > 1:
            return Sym({"z": "Z", "a": "A", "delta": "Delta"}.get(base, base), l)
        return Sym(base, l)

    def sp(self, l):
        return Func("σ'", (self.v(l, "z"),))

    # ---- the lesson ----------------------------------------------------------------------------------
    def blocks(self):
        d, B = self.d, []
        B.append(Title(d.title or "Backpropagation, one step: a lesson"))
        desc = d._description()
        B.append(P(desc[0].upper() + desc[1:] + "."))
        B.append(P("This is the lesson reading: each equation once per component and once as vectors, with the "
                   "numbers, and what they say. reading=\"full\" (on the command line --reading full) lists every "
                   "component of every equation, for checking each number."))
        self.notation(B)
        self.forward(B)
        self.loss(B)
        self.bp1(B)
        if self.L > 1:
            self.bp2(B)
        self.gradients(B)
        if d.exercise is None:       # both would give the blanked gradients away
            self.conventions(B)
            self.gradient_check(B)
        if d.lr is not None:
            self.update(B)
        B.append(Heading("Shapes"))
        d._shapes(B)
        self.where(B)
        if d.exercise is None:
            B.extend(d.epilogue_lesson())
        return B

    def notation(self, B):
        L, N = self.L, self.N
        B.append(Heading("Notation"))
        items = [f"Layers 0…{L}: layer 0 is the input, layer {L} the output. ", (Sym("w", "l", ("j", "k")),),
                 " is the weight to neuron j of layer l from neuron k of layer l−1, so ", (Sym("W", "l"),),
                 " has one row per neuron of layer l and one column per neuron of layer l−1 (indices from 1)."]
        if N > 1:
            items += [" With a batch of N = " + str(N) + " examples, ", (Sym("Z", "l"),), ", ", (Sym("A", "l"),),
                      " and ", (Sym("Delta", "l"),), " hold one column per example (column n is example n), and ",
                      (Sym("a", "l", ("j",), "n"),), " is component j of example n."]
        B.append(P(*items))

    def forward(self, B):
        d, L, s, N = self.d, self.L, self.s, self.N
        B.append(Heading("1. Forward pass"))
        B.append(P("Each neuron adds up its weighted inputs and its bias, ",
                   (Sym("z", "l", ("j",)), Op("="), Big("sum", "k"), Sym("w", "l", ("j", "k")), Op(" "),
                    Sym("a", "l-1", ("k",)), Op("+"), Sym("b", "l", ("j",))),
                   ", and passes the sum through its activation, ",
                   (Sym("a", "l", ("j",)), Op("="), Func("σ", (Sym("z", "l", ("j",)),))),
                   ". For the whole layer at once: ", (self.v("l", "z"), Op("="), Sym("W", "l"), self.v("l-1", "a"),
                                                        Op("+"), Sym("b", "l")),
                   (" (the bias added to every column)" if N > 1 else ""), "."))
        if N > 1:
            B.append(P("The inputs and the targets, one column per example:"))
            B.append(Eq((side(self.v(0, "a")), side(Sym("X")),
                         side(self.cols("a{l}[{j}]", 0)))))
            B.append(Eq((side(Sym("Y")), side(Mat(tuple(tuple((d.num(d.ex(n, f"y[{j}]")),) for n in range(1, N + 1))
                                                          for j in range(1, s[L] + 1)))))))
        for l in range(1, L + 1):
            rhs = [Sym("W", l), self.v(l - 1, "a")]
            nums = [self.weights(l), self.cols("a{l}[{j}]", l - 1)]
            bias = [Op("+"), Mat(tuple(((d.num(f"b{l}[{j}]"),),) for j in range(1, s[l] + 1)))]
            if d.net.has_bias:
                rhs += [Op("+"), Sym("b", l)]
                nums += bias
            if s[l - 1] + N + d.net.has_bias > WIDE:     # too wide for one line: the factors first, then z
                B.append(Eq((side(Sym("W", l)), side(self.weights(l)))))
                if d.net.has_bias:
                    B.append(Eq((side(Sym("b", l)), side(bias[1]))))
                B.append(Eq((side(self.v(l, "z")), side(*rhs), side(self.cols("z{l}[{j}]", l)))))
            else:
                B.append(Eq((side(self.v(l, "z")), side(*rhs), side(*nums), side(self.cols("z{l}[{j}]", l)))))
            act = ACT_BY_CODE[self.p.acts[l - 1]].name
            fname = "σ" if act == "sigmoid" else act
            B.append(Eq((side(self.v(l, "a")), side(Func(fname, (self.v(l, "z"),))), side(self.cols("a{l}[{j}]", l)))))
        zeros = self.zero_inputs()
        if zeros:
            B.append(P("Input " + ", ".join(f"x{_sub(k)}" for k in zeros) + (" is" if len(zeros) == 1 else " are") +
                       " 0" + (" in every example" if N > 1 else "") + ": it adds nothing to any z, and (BP4 below) "
                       "the weights leaving it get no gradient in this step."))

    def loss(self, B):
        d, p, N = self.d, self.p, self.N
        B.append(Heading("2. Loss"))
        from .model import _LOSS_DEF
        lname, scale_txt, den = _LOSS_DEF[p.loss_code]
        what = {MSE: "the mean of the squared errors over the examples and outputs",
                QUADRATIC: "half the squared error, averaged over the examples (Nielsen's quadratic cost)",
                SSE: "half the sum of the squared errors",
                CROSS_ENTROPY: "the cross-entropy, averaged over the examples"}[p.loss_code]
        B.append(P(f"The loss '{lname}' is {what}; its scale is {scale_txt}, here 1/{den(N, self.s[-1])}"
                   if den(N, self.s[-1]) != 1 else f"The loss '{lname}' is {what}; its scale is {scale_txt}, here 1",
                   ". loopnet puts this scale into δ⁽ᴸ⁾ once (BP1); nothing after BP1 divides by N again."))
        B.append(Eq((side(Sym("L")), side(d.num("L")))))

    def bp1(self, B):
        d, p, L, s, N = self.d, self.p, self.L, self.s, self.N
        B.append(Heading("3. The output error δ⁽ᴸ⁾ (BP1)"))
        B.append(P((Sym("delta", L, ("j",)), Op("="), D((Sym("L"),), (Sym("z", L, ("j",)),))),
                   " measures how fast the loss changes when the weighted input of output neuron j moves: "
                   "a large |δ| means this neuron's z matters a lot to the loss; its sign says which way z "
                   "should go (against δ)."))
        out_act = p.acts[L - 1]
        if p.loss_code == CROSS_ENTROPY and out_act in (SOFTMAX, SIGMOID):
            B.append(P("With " + ("softmax outputs and cross-entropy" if out_act == SOFTMAX else
                                  "sigmoid outputs and cross-entropy") + " σ' cancels against the loss's "
                       "derivative and BP1 is the scale times (a − y):"))
            scale = _scale_node(d)
            B.append(Eq((side(self.v(L, "delta")), side(*_times(scale), Group((self.v(L, "a"), Op("-"),
                                                                               Sym("Y" if N > 1 else "y")))),
                         side(self.cols("delta{l}[{j}]", L)))))
        elif out_act == SOFTMAX:
            B.append(P("Softmax couples the outputs (every a⁽ᴸ⁾ᵢ depends on every z⁽ᴸ⁾ⱼ, with ∂aᵢ/∂zⱼ = aᵢ(1ᵢⱼ − aⱼ), "
                       "1ᵢⱼ being 1 when i = j and else 0), so BP1 is the Jacobian J of the softmax times ∇ₐL:"))
            B.append(Eq((side(self.v(L, "delta")), side(Pow((Sym("J", L),), "T"), Sym("nabla_a"), Sym("L")),
                         side(self.cols("delta{l}[{j}]", L)))))
        else:
            B.append(P("Component form: ", (Sym("delta", L, ("j",)), Op("="), D((Sym("L"),), (Sym("a", L, ("j",)),)),
                                            Op(" "), Sym("sp", L, ("j",))),
                       "; vector form, with ⊙ the component-by-component product:"))
            B.append(Eq((side(self.v(L, "delta")), side(Sym("nabla_a"), Sym("L"), Op("⊙"), self.sp(L)),
                         side(self.cols("dL/da{l}[{j}]", L), Op("⊙"), self.cols("sigma'(z{l}[{j}])", L)),
                         side(self.cols("delta{l}[{j}]", L)))))
        self.say_errors(B, L)

    def bp2(self, B):
        d, L = self.d, self.L
        B.append(Heading("4. Back through the hidden layers (BP2)"))
        B.append(P("Each hidden neuron's error is the errors of the next layer, sent back along the same weights, "
                   "times its own σ'. Component form: ",
                   (Sym("delta", "l", ("j",)), Op("="), Group((Big("sum", "k"), Sym("w", "l+1", ("k", "j")), Op(" "),
                                                               Sym("delta", "l+1", ("k",)))), Op(" "),
                    Sym("sp", "l", ("j",))),
                   " (note w⁽ˡ⁺¹⁾ₖ,ⱼ: the weight from j to k, so the sum runs down a column of W⁽ˡ⁺¹⁾); vector form: ",
                   (self.v("l", "delta"), Op("="), Group((Pow((Sym("W", "l+1"),), "T"), self.v("l+1", "delta"))),
                    Op("⊙"), self.sp("l")), "."))
        for l in range(L - 1, 0, -1):
            T = tuple(tuple((d.num(f"W{l + 1}[{k},{j}]"),) for k in range(1, self.s[l + 1] + 1))
                      for j in range(1, self.s[l] + 1))
            sides = [side(self.v(l, "delta")),
                     side(Group((Pow((Sym("W", l + 1),), "T"), self.v(l + 1, "delta"))), Op("⊙"), self.sp(l))]
            if self.s[l + 1] + 2 * self.N <= WIDE:
                sides.append(side(Group((Mat(T), self.cols("delta{l}[{j}]", l + 1))), Op("⊙"),
                                  self.cols("sigma'(z{l}[{j}])", l)))
            sides += [side(self.cols("dL/da{l}[{j}]", l), Op("⊙"), self.cols("sigma'(z{l}[{j}])", l)),
                      side(self.cols("delta{l}[{j}]", l))]
            B.append(Eq(tuple(sides)))
            self.say_errors(B, l)

    def gradients(self, B):
        d, L, N = self.d, self.L, self.N
        B.append(Heading(f"{5 if L > 1 else 4}. The gradients (BP3, BP4)"))
        B.append(P("A weight's gradient is the error at its end times the activation at its start: ",
                   (D((Sym("L"),), (Sym("w", "l", ("j", "k")),)), Op("="),
                    *((Big("sum", "n"), Sym("delta", "l", ("j",), "n"), Op(" "), Sym("a", "l-1", ("k",), "n"))
                      if N > 1 else (Sym("delta", "l", ("j",)), Op(" "), Sym("a", "l-1", ("k",))))),
                   " and ", (D((Sym("L"),), (Sym("b", "l", ("j",)),)), Op("="),
                             *((Big("sum", "n"), Sym("delta", "l", ("j",), "n")) if N > 1 else
                               (Sym("delta", "l", ("j",)),))),
                   ". As matrices, " + ("summed over the examples by the product: " if N > 1 else
                                         "an outer product, column times row: "),
                   (D((Sym("L"),), (Sym("W", "l"),)), Op("="), self.v("l", "delta"),
                    Pow((self.v("l-1", "a"),), "T")), "."))
        for l in range(L, 0, -1):
            aT = self.cols("a{l}[{j}]", l - 1)
            aT = Mat(tuple(zip(*aT.rows)))
            sides = [side(D((Sym("L"),), (Sym("W", l),))), side(self.v(l, "delta"), Pow((self.v(l - 1, "a"),), "T"))]
            if N + self.s[l - 1] <= WIDE:
                sides.append(side(self.cols("delta{l}[{j}]", l), aT))
            B.append(Eq(tuple(sides) + (side(self.grads(l)),)))
            if d.net.has_bias:
                B.append(Eq((side(D((Sym("L"),), (Sym("b", l),))),
                             side(*((Big("sum", "n"),) if N > 1 else ()), Sym("delta", l)),
                             side(Mat(tuple(((d.num(f"dL/db{l}[{j}]"),),) for j in range(1, self.s[l] + 1)))))))
        self.say_gradients(B)

    def conventions(self, B):
        d, p, N = self.d, self.p, self.N
        B.append(Heading("Nielsen's convention and loopnet's"))
        if N == 1:
            B.append(P("With one example Nielsen's per-example error δˣ = ∂Cₓ/∂z and loopnet's δ differ only by the "
                       "loss's scale: Nielsen's Cₓ = ½‖y − a‖², loopnet's '" + d.net.loss_name + "' has scale " +
                       _LOSS_SCALE[p.loss_code] + ". For a batch, Nielsen sums the δˣ (aˣ)ᵀ and divides by m in the "
                       "update (w ← w − (η/m) Σₓ δˣ (aˣ)ᵀ); loopnet has the 1/N in δ already and sums: the same step "
                       "for the quadratic loss. A batch's lesson shows it with the numbers."))
            return
        l, j, k = self.largest_first_layer()
        w = f"w⁽{_sup(l)}⁾{_sub(j)},{_sub(k)}"
        if p.loss_code == QUADRATIC:
            B.append(P(f"Nielsen writes the cost as C = (1/n) Σₓ Cₓ with Cₓ = ½‖y − a‖², computes the per-example "
                       "error δˣ = ∂Cₓ/∂z without the 1/n, and divides once in the update: w ← w − (η/m) Σₓ δˣ (aˣ)ᵀ. "
                       "loopnet's quadratic loss is the same C, but it puts the 1/N into δ⁽ᴸ⁾ (BP1), so its δ of "
                       f"example n is δˣ/N and its update is w ← w − η ∂L/∂w. Same numbers, for {w}:"))
        else:
            B.append(P("Nielsen computes a per-example error δˣ = ∂Cₓ/∂z from the per-example cost (no 1/n) and "
                       "divides once in the update, w ← w − (η/m) Σₓ δˣ (aˣ)ᵀ; loopnet folds the loss's whole "
                       f"scale ({_LOSS_SCALE[p.loss_code]}) into δ⁽ᴸ⁾ at BP1, so its update is w ← w − η ∂L/∂w. "
                       f"For {w}:"))
        # Nielsen's Cₓ: ½‖a − y‖² for the squared losses, −Σ y ln a (…) for cross-entropy
        per_ex = {QUADRATIC: 0.5, SSE: 0.5, MSE: 0.5, CROSS_ENTROPY: 1.0}[p.loss_code]
        factor = per_ex / float(p.scale)          # δˣ = factor · δₙ (Nielsen's per-example cost has scale per_ex)
        terms = [float(p.dW_n[l][n, j - 1, k - 1]) * factor for n in range(N)]
        ssum = sum(terms)
        rows = []
        for n in range(N):
            e = d.ex(n + 1, "")
            rows.append(((str(n + 1),), (self.say(f"{e}delta{l}[{j}]", p.delta[l][n, j - 1]),),
                         (self.say(f"note: nielsen {e}delta{l}[{j}]", p.delta[l][n, j - 1] * factor),),
                         (self.say(f"note: nielsen {e}term", terms[n]),)))
        head = (("example n",), (f"loopnet's δ⁽{_sup(l)}⁾ₙ,{_sub(j)}",), (f"Nielsen's δˣ = {_g(factor)}·δ",),
                (f"δˣ·a⁽{_sup(l - 1)}⁾{_sub(k)}",))
        B.append(Table(head, tuple(rows), (0.2, 0.25, 0.3, 0.25)))
        msg = (f"Σₓ δˣ aˣ = {self.say('note: nielsen sum', ssum)}; Nielsen's step divides by m = {N}" +
               (f" and, for a per-example cost ½‖a − y‖², the 'mse' scale 1/(N n_L) differs by {_g(factor / N)}"
                if p.loss_code == MSE and abs(factor / N - 1) > 1e-12 else "") +
               f": (1/m) Σₓ δˣ aˣ = {self.say('note: nielsen mean', ssum / N)}, against loopnet's ∂L/∂w = "
               f"{self.say(f'dL/dW{l}[{j},{k}]', p.dW[l][j - 1, k - 1])}.")
        if p.loss_code == QUADRATIC:
            msg += " The two agree: the 1/N is applied once either way."
        else:
            msg += (f" They differ by the factor {_g(ssum / N / float(p.dW[l][j - 1, k - 1]))} between the two losses' "
                    "scales; a learning rate tuned for one convention is that factor off in the other."
                    if p.dW[l][j - 1, k - 1] else "")
        if d.net.has_bias:
            msg += (" The bias gradient is the same sum without the a: ∂L/∂b = Σₓ δ (loopnet) or (1/m) Σₓ δˣ (Nielsen), "
                    "one number per neuron however many examples there are.")
        B.append(P(msg))

    def gradient_check(self, B):
        d = self.d
        l, j, k = self.largest_first_layer()
        lp, lm, num = self.finite_difference(l, j, k)
        g = float(self.p.dW[l][j - 1, k - 1])
        rel = abs(num - g) / max(abs(num), abs(g), 1e-300)
        B.append(Heading("Gradient check"))
        B.append(P("Backprop's answer can be checked without any calculus: nudge one weight by ε both ways, run the "
                   "forward pass and the loss again, and take the slope. For ", (Sym("w", l, (j, k)),),
                   f" (the largest gradient of layer {l}) with ε = {EPS:g}:"))
        eps = Num(EPS, f"{EPS:g}")
        for name, v in (("note: L(w+eps)", lp), ("note: L(w-eps)", lm)):
            d.printed.append((name, d.fmt(v, 10), v))
        d.printed.append(("note: central difference", d.fmt(num, 8), num))
        B.append(Eq((side(Frac((Func("L", (Sym("w"), Op("+"), Sym("eps"))), Op("-"),
                                Func("L", (Sym("w"), Op("-"), Sym("eps")))), (Num(2.0, "2"), Sym("eps")))),
                     side(Frac((Num(lp, d.fmt(lp, 10)), Op("-"), Num(lm, d.fmt(lm, 10))), (Num(2.0, "2"), Op("·"), eps))),
                     side(Num(num, d.fmt(num, 8))))))
        B.append(Eq((side(D((Sym("L"),), (Sym("w", l, (j, k)),))), side(d.num(f"dL/dW{l}[{j},{k}]")))))
        d.printed.append(("note: relative error", f"{rel:.1e}", rel))
        B.append(P(f"Relative error {rel:.1e}. Why both ways: the central difference (L(w+ε) − L(w−ε))/2ε is off "
                   "from the slope by a term proportional to ε² (the ε terms of the two sides cancel), the one-sided "
                   "(L(w+ε) − L(w))/ε by a term proportional to ε, so a tenfold smaller ε makes the first error a "
                   "hundred times smaller and the second only ten. A relative error of 10⁻⁷ or less says backprop "
                   "is right; a wrong BP equation gives one near 1. (ln.gradcheck does this for every weight.)"))

    def update(self, B):
        d, L = self.d, self.L
        B.append(Heading("The step"))
        B.append(P("Each weight moves against its gradient, ", (Sym("W", "l"), Op("←"), Sym("W", "l"), Op("-"),
                                                              Sym("eta"), Op(" "), D((Sym("L"),), (Sym("W", "l"),))),
                   f", with η = {self.say('lr', d.lr)}" + ("" if not d.net.has_bias else
                                                  (" (the biases likewise)" if d.update_biases else
                                                   " (the biases stay as they are)")) + ":"))
        eta = Num(float(d.lr), d.fmt(d.lr))
        d.printed.append(("lr", d.fmt(d.lr), float(d.lr)))
        for l in range(1, L + 1):
            sides = [side(Word("new "), Sym("W", l))]
            if 2 * self.s[l - 1] <= WIDE:
                sides.append(side(self.weights(l), Op("-"), eta, Op("·"), self.grads(l)))
            else:
                sides.append(side(Sym("W", l), Op("-"), eta, Op("·"), D((Sym("L"),), (Sym("W", l),))))
            B.append(Eq(tuple(sides) + (side(self.weights(l, "new ")),)))
        before, after = d.value("L"), d.value("new L")
        d.printed += [("L", d.fmt(before), before), ("new L", d.fmt(after), after)]
        B.append(P(f"The loss {'went down' if after < before else 'did not go down (is η too large?)'}: "
                   f"L = {self.say('L', before)} before the step and {self.say('new L', after)} after it."))

    def where(self, B):
        B.append(Heading("Where in the code"))
        B.append(P("Each equation is one loop-per-component function of loopnet's kernels: weighted_input and "
                   "activate_layer (forward), output_error (BP1), hidden_error (BP2), bias_gradient (BP3), "
                   "weight_gradient (BP4). On the 'python' backend they run uncompiled, so a debugger can stop "
                   "inside them while explain runs."))

    # ---- what the numbers say --------------------------------------------------------------------------
    def say_errors(self, B, l):
        d, p, N = self.d, self.p, self.N
        notes = []
        code = p.acts[l - 1]
        if code in _SP_MAX and p.sp[l] is not None:
            lo = _SP_MAX[code] * SATURATED
            sat = [(n, j) for n in range(N) for j in range(self.s[l]) if p.sp[l][n, j] < lo]
            if sat:
                n, j = min(sat, key=lambda t: p.sp[l][t])
                sp_name = d.ex(n + 1, "sigma'(z" + f"{l}[{j + 1}])")
                notes.append(f"σ'(z{_sup_l(l)}{_sub(j + 1)}) = {self.say(sp_name, p.sp[l][n, j])}" +
                             (f" in example {n + 1}" if N > 1 else "") +
                             f": the neuron is saturated (z = {self.say(d.ex(n + 1, f'z{l}[{j + 1}]'), p.z[l][n, j])} is far from 0, where σ' peaks at "
                             f"{_g(_SP_MAX[code])}), so its δ is small and the weights into it learn slowly" +
                             (f" ({len(sat)} saturated values in this layer)" if len(sat) > 1 else "") + ".")
            else:
                notes.append(f"No neuron of layer {l} is saturated: every σ' is at least "
                             f"{self.say('note: smallest sigma prime', p.sp[l].min())} (the largest possible is {_g(_SP_MAX[code])}, at z = 0).")
        if code == RELU and p.sp[l] is not None and (p.sp[l] == 0).any():
            notes.append(f"{int((p.sp[l] == 0).sum())} ReLU value(s) of layer {l} have z ≤ 0: σ' = 0 there, so no "
                         "error passes back through them in this step.")
        delta = p.delta[l]
        n, j = np.unravel_index(int(np.argmax(np.abs(delta))), delta.shape)
        sign = "raise" if delta[n, j] < 0 else "lower"
        notes.append(f"The largest error of layer {l} is δ{_sup_l(l)}{_sub(j + 1)} = "
                     f"{self.say(d.ex(n + 1, f'delta{l}[{j + 1}]'), delta[n, j])}" +
                     (f" (example {n + 1})" if N > 1 else "") + f": the loss would drop fastest if this neuron's z "
                     f"went {'up' if sign == 'raise' else 'down'}.")
        B.append(P(" ".join(notes)))

    def say_gradients(self, B):
        d, p, L = self.d, self.p, self.L
        notes = []
        ws = [(l, j, k, float(p.dW[l][j, k])) for l in range(1, L + 1) for j in range(self.s[l])
              for k in range(self.s[l - 1])]
        up = [w for w in ws if w[3] < 0]
        down = [w for w in ws if w[3] > 0]
        zero = [w for w in ws if w[3] == 0]
        if len(ws) <= MAX_LISTED:
            parts = [f"w{_sup_l(l)}{_sub(j + 1)},{_sub(k + 1)} {'up' if g < 0 else 'down' if g > 0 else 'nowhere'}"
                     for l, j, k, g in ws]
            notes.append("Each gradient says which way its weight 'wants' to move: against its sign. Here: " +
                         ", ".join(parts) + ".")
        else:
            notes.append(f"Each gradient says which way its weight 'wants' to move: against its sign. Of the "
                         f"{len(ws)} weights, {len(up)} want to go up (negative gradient), {len(down)} down" +
                         (f" and {len(zero)} not at all" if zero else "") + ".")
        l, j, k, g = max(ws, key=lambda w: abs(w[3]))
        dl = p.delta[l][:, j]
        al = p.a[l - 1][:, k]
        notes.append(f"The largest is ∂L/∂w{_sup_l(l)}{_sub(j + 1)},{_sub(k + 1)} = "
                     f"{self.say(f'dL/dW{l}[{j + 1},{k + 1}]', g)}: " +
                     (f"δ{_sup_l(l)}{_sub(j + 1)} = {self.say(f'delta{l}[{j + 1}]', dl[0])} times "
                      f"a{_sup_l(l - 1)}{_sub(k + 1)} = {self.say(f'a{l - 1}[{k + 1}]', al[0])}"
                      if self.N == 1 else f"its Σₙ δ·a adds {self.N} products of the same sign"
                      if (np.sign(dl * al) == np.sign(g)).all() else
                      f"its Σₙ δ·a is the sum of {self.N} products") + ".")
        zeros = self.zero_inputs()
        if zeros:
            notes.append("The weights from input " + ", ".join(f"x{_sub(k)}" for k in zeros) + " have gradient 0: "
                         "an input of 0 gives δ·0 = 0, so they do not move in this step.")
        B.append(P(" ".join(notes)))

    # ---- numbers the lesson needs beyond the record ------------------------------------------------------
    def zero_inputs(self):
        X = self.p.X
        return [k + 1 for k in range(self.s[0]) if (X[:, k] == 0).all()]

    def largest_first_layer(self):
        l = 1
        dW = self.p.dW[l]
        j, k = np.unravel_index(int(np.argmax(np.abs(dW))), dW.shape)
        return l, int(j) + 1, int(k) + 1

    def finite_difference(self, l, j, k):
        """L(w + ε), L(w − ε) and their central difference, each loss from the engine's forward pass."""
        from .numbers import Numbers
        d, out = self.d, []
        for e in (EPS, -EPS):
            net = d.net.copy()
            net.weights[l - 1][j - 1, k - 1] += e
            out.append(Numbers(net, self.p.X, self.p.Y).loss)
        return out[0], out[1], (out[0] - out[1]) / (2 * EPS)


_LOSS_SCALE = {MSE: "1/(N n_L)", QUADRATIC: "1/(2N)", SSE: "½", CROSS_ENTROPY: "1/N"}


def _scale_node(d):
    from .model import _LOSS_DEF, _frac
    return _frac(_LOSS_DEF[d.p.loss_code][2](d.N, d.net.sizes[-1]))


def _times(c):
    if isinstance(c, Num) and c.text == "1":
        return ()
    return (c, Op("·"))


def _g(v):
    return f"{v:.6g}".replace("-", "−")


def _sup(l):
    from .text import sup
    return sup(l)


def _sup_l(l):
    return "⁽" + _sup(l) + "⁾"


def _sub(i):
    from .text import sub
    return sub(i)


def lesson_blocks(d):
    return Lesson(d).blocks()


__all__ = ["Lesson", "lesson_blocks", "EPS", "LESSON_DIGITS"]
