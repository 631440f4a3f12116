"""HTML renderer: one self-contained interactive page (inline CSS and JavaScript, no network access).

The page draws the network (neurons as circles, weights on the edges), steps through the forward
and backward pass one equation at a time (buttons or the arrow keys), and shows, on a click, a
weight's ∂L/∂w as the chain-rule product with its numbers, or a neuron's z, a and δ. Every number
and equation on it is a block of the same model the other renderers format, printed as HTML.

Element ids (for tests and for readers of the source): neuron ``n-l-j``, weight edge ``w-l-j-k``
(to neuron j of layer l from neuron k of layer l−1), ``#next``, ``#prev``, ``#step`` (the current
equation), ``#info`` (what was clicked).
"""
from __future__ import annotations

import html
import json

from .nodes import Code, Eq, Heading, Math, Para, Sym, Table, Title
from .text import Printer, TextPrinter

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


def _tag_json(tags):
    return ["-".join(str(x) for x in t) for t in tags]


class HtmlRenderer:
    """``d.to_html()``."""

    def __init__(self):
        self.p = HtmlPrinter()
        self.t = TextPrinter()

    def render(self, d):
        # a click on a weight two or more layers back also shows its sum over paths (one example)
        keep, d.expand_paths = d.expand_paths, d.expand_paths or d.N == 1
        try:
            blocks = d.blocks()
        finally:
            d.expand_paths = keep
        net, p = d.net, d.p
        s = net.sizes
        steps, weights, neurons, doc = [], {}, {}, []
        section = ""
        for b in blocks:
            if isinstance(b, Heading):
                if b.level <= 2:
                    section = b.text
                doc.append(f"<h{b.level + 1}>{html.escape(b.text)}</h{b.level + 1}>")
            elif isinstance(b, Title):
                doc.append(f"<h1>{html.escape(b.text)}</h1>")
            elif isinstance(b, Para):
                doc.append(f"<p>{self.p.prose(b.items)}</p>")
            elif isinstance(b, Table):
                head = "".join(f"<th>{self.p.prose(c)}</th>" for c in b.head)
                rows = "".join("<tr>" + "".join(f"<td>{self.p.prose(c)}</td>" for c in r) + "</tr>" for r in b.rows)
                doc.append(f'<table class="tab"><tr>{head}</tr>{rows}</table>')
            elif isinstance(b, Eq):
                h = self.p.eq(b)
                doc.append(f'<div class="eq">{h}</div>')
                keys = _tag_json(sorted(b.tags, key=str))
                if section[:1] in "12345":
                    steps.append({"section": section, "html": h, "text": " ".join(x for _, x in self.t.chunks(b)),
                                  "tags": keys})
                for t in b.tags:
                    # a weight's panel: its gradient (section 5) and its update (the equation tagged with it alone)
                    if t[0] == "w" and (section.startswith("5") or (section.startswith("7") and len(b.tags) == 1)):
                        weights.setdefault("-".join(map(str, t[1:])), []).append(h)
                    if t[0] == "n":
                        neurons.setdefault("-".join(map(str, t[1:])), []).append(h)
        data = {
            "sizes": s,
            "W": [None] + [w.tolist() for w in p.W[1:]],
            "Wtext": [None] + [[[d.fmt(v) for v in row] for row in w] for w in p.W[1:]],
            "dW": [None] + [[[d.fmt(v) for v in row] for row in w] for w in p.dW[1:]],
            "N": d.N,
            "z": [None] + [[[d.fmt(v) for v in row] for row in p.z[l]] for l in range(1, p.L + 1)],
            "a": [[[d.fmt(v) for v in row] for row in p.a[l]] for l in range(0, p.L + 1)],
            "delta": [None] + [[[d.fmt(v) for v in row] for row in p.delta[l]] for l in range(1, p.L + 1)],
            "steps": steps, "weights": weights, "neurons": neurons,
            "labels": [[self.t.expr((Sym("x", None, (j,)),) if l == 0 else (Sym("a", l, (j,)),))
                        for j in range(1, s[l] + 1)] for l in range(p.L + 1)],
        }
        title = html.escape(blocks[0].text if blocks and isinstance(blocks[0], Title) else "loopnet derivation")
        payload = json.dumps(data).replace("</", "<\\/")
        return (PAGE.replace("__TITLE__", title).replace("__DATA__", payload)
                .replace("__DOC__", "\n".join(doc)))


PAGE = r"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>__TITLE__</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 1.2em auto; max-width: 1100px;
       padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.4em; }
#net { width: 100%; height: 360px; border: 1px solid #ccc; border-radius: 6px; background: #fcfcfc; }
.edge { stroke: #999; stroke-width: 2; }
.edge.neg { stroke: #c55; }
.edge.on, .neuron.on circle { stroke: #e80; stroke-width: 4; }
.hit { stroke: transparent; stroke-width: 14; cursor: pointer; }
.neuron { cursor: pointer; }
.neuron circle { fill: #eef4ff; stroke: #3a6ea5; stroke-width: 2; }
.neuron text, .wl { font-size: 12px; pointer-events: none; }
.wl { fill: #333; paint-order: stroke; stroke: #fcfcfc; stroke-width: 4px; }
#controls { margin: .6em 0; display: flex; gap: .5em; align-items: center; flex-wrap: wrap; }
button { font-size: 1em; padding: .3em .9em; }
.panel { border: 1px solid #ddd; border-radius: 6px; padding: .6em .9em; margin: .5em 0; background: #fff;
         overflow-x: auto; }
.panel h3 { margin: .1em 0 .4em; font-size: 1em; }
.eq { font-family: "Cambria Math", "STIX Two Math", Georgia, serif; margin: .25em 0 .25em 1em;
      overflow-x: auto; }
.frac { display: inline-flex; flex-direction: column; vertical-align: middle; text-align: center;
        font-size: .9em; }
.frac > span:first-child { border-bottom: 1px solid #444; }
table.mat { display: inline-table; vertical-align: middle; border-left: 1px solid #444;
            border-right: 1px solid #444; border-collapse: collapse; margin: 0 .2em; }
table.mat td { padding: 0 .35em; text-align: right; }
table.tab { border-collapse: collapse; margin: .5em 0; }
table.tab td, table.tab th { border: 1px solid #ddd; padding: .2em .5em; vertical-align: top; }
details { margin-top: 1.5em; }
code { background: #f3f3f3; padding: 0 .2em; }
</style>
</head>
<body>
<h1>__TITLE__</h1>
<p>Click a weight (an edge) for its gradient as the chain-rule product with its numbers, or a neuron for its
z, a and δ. Step through the forward and backward pass with the buttons or the arrow keys.</p>
<svg id="net" viewBox="0 0 1000 360" role="img" aria-label="the network"></svg>
<div id="controls">
  <button id="prev" type="button">&#9664; back</button>
  <button id="next" type="button">next &#9654;</button>
  <button id="reset" type="button">start over</button>
  <span id="count"></span>
</div>
<div class="panel" id="step"><h3>Steps</h3><div>Press <b>next</b> to start the forward pass.</div></div>
<div class="panel" id="info"><h3>Click a weight or a neuron</h3></div>
<details><summary>The whole derivation</summary>
__DOC__
</details>
<script id="data" type="application/json">__DATA__</script>
<script>
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("data").textContent);
  var svg = document.getElementById("net"), NS = "http://www.w3.org/2000/svg";
  var s = D.sizes, L = s.length - 1, W = 1000, H = 360, pos = {};
  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    (parent || svg).appendChild(e);
    return e;
  }
  function sup(t) { return "<sup>(" + t + ")</sup>"; }
  for (var l = 0; l <= L; l++) {
    for (var j = 1; j <= s[l]; j++) {
      pos[l + "-" + j] = [80 + l * (W - 160) / Math.max(L, 1), (j - 0.5) * H / s[l]];
    }
  }
  var edges = el("g", {}), nodes = el("g", {});
  for (l = 1; l <= L; l++) {
    for (j = 1; j <= s[l]; j++) {
      for (var k = 1; k <= s[l - 1]; k++) {
        var p = pos[(l - 1) + "-" + k], q = pos[l + "-" + j], w = D.W[l][j - 1][k - 1];
        var g = el("g", {id: "w-" + l + "-" + j + "-" + k, "class": "wedge", "data-l": l, "data-j": j, "data-k": k}, edges);
        el("line", {x1: p[0], y1: p[1], x2: q[0], y2: q[1], "class": "edge" + (w < 0 ? " neg" : "")}, g);
        el("line", {x1: p[0], y1: p[1], x2: q[0], y2: q[1], "class": "hit"}, g);
        var t = 0.2 + 0.1 * ((j - 1) % 2);   // near the source end, where edges into different neurons part
        var lab = el("text", {x: p[0] + t * (q[0] - p[0]), y: p[1] + t * (q[1] - p[1]) - 3, "class": "wl",
                              "text-anchor": "middle"}, g);
        lab.textContent = D.Wtext[l][j - 1][k - 1];
        g.addEventListener("click", onWeight);
      }
    }
  }
  for (l = 0; l <= L; l++) {
    for (j = 1; j <= s[l]; j++) {
      var c = pos[l + "-" + j];
      var ng = el("g", {id: "n-" + l + "-" + j, "class": "neuron", "data-l": l, "data-j": j}, nodes);
      el("circle", {cx: c[0], cy: c[1], r: 20}, ng);
      var tt = el("text", {x: c[0], y: c[1] + 4, "text-anchor": "middle"}, ng);
      tt.textContent = D.labels[l][j - 1];
      ng.addEventListener("click", onNeuron);
    }
  }
  function clearOn() {
    var on = svg.querySelectorAll(".on");
    for (var i = 0; i < on.length; i++) on[i].classList.remove("on");
  }
  function mark(tags) {
    clearOn();
    tags.forEach(function (t) {
      var parts = t.split("-");
      if (parts[0] === "n") {
        var e = document.getElementById("n-" + parts[1] + "-" + parts[2]);
        if (e) e.classList.add("on");
      } else if (parts[0] === "w") {
        var g = document.getElementById("w-" + parts.slice(1).join("-"));
        if (g) g.firstChild.classList.add("on");
      }
    });
  }
  function onWeight(ev) {
    var g = ev.currentTarget, l = +g.dataset.l, j = +g.dataset.j, k = +g.dataset.k;
    var key = l + "-" + j + "-" + k;
    var eqs = (D.weights[key] || []).map(function (h) { return '<div class="eq">' + h + "</div>"; }).join("");
    document.getElementById("info").innerHTML =
      "<h3>Weight w" + sup(l) + "<sub>" + j + "," + k + "</sub> = " + D.Wtext[l][j - 1][k - 1] +
      " (to neuron " + j + " of layer " + l + " from neuron " + k + " of layer " + (l - 1) + ")</h3>" +
      '<div class="grad">∂L/∂w' + sup(l) + "<sub>" + j + "," + k + "</sub> = <b>" +
      D.dW[l][j - 1][k - 1].replace("-", "−") + "</b></div>" + eqs;
    mark(["w-" + key]);
  }
  function onNeuron(ev) {
    var g = ev.currentTarget, l = +g.dataset.l, j = +g.dataset.j, rows = "";
    for (var n = 0; n < D.N; n++) {
      rows += "<tr><td>" + (n + 1) + "</td><td>" + (l ? D.z[l][n][j - 1] : "") + "</td><td>" + D.a[l][n][j - 1] +
              "</td><td>" + (l ? D.delta[l][n][j - 1] : "") + "</td></tr>";
    }
    var eqs = (D.neurons[l + "-" + j] || []).map(function (h) { return '<div class="eq">' + h + "</div>"; }).join("");
    document.getElementById("info").innerHTML =
      "<h3>Neuron " + j + " of layer " + l + (l === 0 ? " (an input)" : "") + "</h3>" +
      '<table class="tab"><tr><th>example</th><th>z</th><th>a</th><th>δ</th></tr>' + rows.replace(/-/g, "−") +
      "</table>" + eqs;
    mark(["n-" + l + "-" + j]);
  }
  var at = -1;
  function show() {
    var st = D.steps[at];
    document.getElementById("count").textContent = "step " + (at + 1) + " of " + D.steps.length;
    document.getElementById("step").innerHTML = "<h3>" + st.section + "</h3>" + '<div class="eq">' + st.html + "</div>";
    mark(st.tags);
  }
  document.getElementById("next").addEventListener("click", function () {
    if (at < D.steps.length - 1) { at++; show(); }
  });
  document.getElementById("prev").addEventListener("click", function () {
    if (at > 0) { at--; show(); }
  });
  document.getElementById("reset").addEventListener("click", function () { at = 0; show(); });
  document.addEventListener("keydown", function (e) {
    if (e.key === "ArrowRight") document.getElementById("next").click();
    if (e.key === "ArrowLeft") document.getElementById("prev").click();
  });
  document.getElementById("count").textContent = D.steps.length + " steps";
})();
</script>
</body>
</html>
"""

__all__ = ["HtmlRenderer", "HtmlPrinter"]
