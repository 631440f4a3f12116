"""HTML renderer: one self-contained interactive page (inline CSS and JavaScript, no network access).

``d.to_html()`` writes the playground (:mod:`.playground`): the page draws the network twice (weights
view, backward view), steps through every equation of the gradient step (buttons or the arrow keys),
shows a weight's ∂L/∂w as the chain-rule product with its numbers or a neuron's z, a and δ on a click,
and recomputes all of it with the kernels' JavaScript twin when anything is edited. Its numbers use
the format :class:`HtmlPrinter` gives the other HTML output (mantissa·10<sup>e</sup>).

Element ids (for tests and for readers of the source): neuron ``n-l-j`` (backward view ``gn-l-j``),
weight edge ``w-l-j-k`` (backward view ``g-l-j-k``; to neuron j of layer l from neuron k of layer
l−1), ``#next``, ``#prev``, ``#reset``, ``#count``, ``#step`` (the current equation in its section),
``#info`` (what was clicked); every derivation number is a ``.num`` element whose ``data-q`` is its
name for ``Derivation.value``.
"""
from __future__ import annotations

import html

from .nodes import Code, Math
from .text import Printer

_OPS = {"=": " = ", "+": " + ", "-": " − ", "·": "·", "×": " × ", "←": " ← ", ",": ", ", "≈": " ≈ ", " ": " "}
_BASE = {"delta": "δ", "Delta": "Δ", "yhat": "ŷ"}


class HtmlPrinter(Printer):
    """Math as HTML with <sup>/<sub> (readable without any math library)."""

    def num(self, n):
        t = n.text.replace("-", "−")
        if "e" in t:
            mant, ex = t.split("e")
            t = f"{mant}·10<sup>{int(ex.replace('−', '-'))}</sup>".replace("-", "−")
        return t

    def paren(self, s):
        return "(" + s + ")"

    def op(self, o):
        return html.escape(_OPS.get(o, o))

    def _print_Sym(self, s):
        if s.base == "sp":
            return "σ′(" + self._print_Sym(type(s)("z", s.layer, s.idx, s.n)) + ")"
        out = "<i>" + html.escape(_BASE.get(s.base, s.base)) + "</i>"
        if s.layer is not None:
            out += "<sup>(" + html.escape(str(s.layer)) + ")</sup>"
        idx = ((s.n,) if s.n is not None else ()) + tuple(s.idx)
        if idx:
            out += "<sub>" + ",".join(html.escape(str(i)) for i in idx) + "</sub>"
        return out

    def _print_Func(self, f):
        if f.name == "exp":
            return "exp(" + self.arg(f.items) + ")"
        return html.escape(f.name) + "(" + self.arg(f.items) + ")"

    def _print_Frac(self, f):
        num, den = self.expr(f.num), self.expr(f.den)
        return (f'<span class="frac"><span>{num}</span><span>{den}</span></span>')

    def _print_D(self, d):
        return "∂" + self.expr(d.of) + "/∂" + self.expr(d.wrt)

    def _print_Big(self, b):
        return "Σ<sub>" + html.escape(b.index) + "</sub> "

    def _print_Pow(self, p):
        inner = self.expr(p.items)
        if len(p.items) > 1:
            inner = "(" + inner + ")"
        return inner + "<sup>" + html.escape(p.exp) + "</sup>"

    def _print_Word(self, w):
        return html.escape(w.text)

    def _print_Mat(self, m):
        rows = "".join("<tr>" + "".join(f"<td>{self.arg(c)}</td>" for c in row) + "</tr>" for row in m.rows)
        return f'<table class="mat">{rows}</table>'

    def prose(self, items):
        out = []
        for it in items:
            if isinstance(it, str):
                out.append(html.escape(it))
            elif isinstance(it, Math):
                out.append(self.expr(it.nodes))
            elif isinstance(it, Code):
                out.append("<code>" + html.escape(it.text) + "</code>")
        return "".join(out)

    def eq(self, b):
        parts = []
        for sep, body in self.chunks(b):
            parts.append((self.op(sep) if sep else "") + body)
        return "".join(parts)


class HtmlRenderer:
    """``d.to_html()``: the playground page (:mod:`.playground`) started from the derivation's network, data and η."""

    def render(self, d):
        from .playground import render
        return render(d)


__all__ = ["HtmlRenderer", "HtmlPrinter"]
