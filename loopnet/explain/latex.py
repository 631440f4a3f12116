"""LaTeX renderer: a handout for pdflatex (article, longtable, align* that break across pages).

Long equations break between sides and terms (``align*`` lines, at most ``LINE`` characters of
their plain-text width each); tables are ``longtable``s with paragraph columns, so they continue
on the next page; prose is ASCII LaTeX (Unicode symbols become math).
"""
from __future__ import annotations

import re

from .nodes import Code, Eq, Math
from .text import Printer, TextPrinter, negative_base

LINE = 84          # plain-text characters per align* line (about 16 cm of 10pt math)

_TEXT = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}",
    "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "<": r"\textless{}", ">": r"\textgreater{}",
    "σ": r"$\sigma$", "δ": r"$\delta$", "Δ": r"$\Delta$", "∂": r"$\partial$", "Σ": r"$\Sigma$", "η": r"$\eta$",
    "θ": r"$\theta$", "ŷ": r"$\hat y$", "·": r"$\cdot$", "×": r"$\times$", "−": "$-$", "→": r"$\to$",
    "←": r"$\leftarrow$", "≥": r"$\geq$", "≤": r"$\leq$", "≈": r"$\approx$", "½": r"$\frac12$", "∘": r"$\circ$",
    "…": r"\dots{}", "‖": r"$\|$", "λ": r"$\lambda$", "μ": r"$\mu$", "ε": r"$\epsilon$", "’": "'", "‘": "`",
    "“": "``", "”": "''", "–": "--", "—": "---", "ℝ": r"$\mathbb{R}$", "∇": r"$\nabla$", "≠": r"$\neq$",
    "∑": r"$\Sigma$", "ₓ": "$_x$", "⊙": r"$\odot$", "ₐ": "$_a$", "ˣ": "$^x$", "é": r"\'e", "ö": r"\"o", "ü": r"\"u", "ä": r"\"a",
}
_SUPS = "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁽⁾ˡᴸᵀⁿ"
_SUPV = "0123456789+-()lLTn"
_SUBS = "₀₁₂₃₄₅₆₇₈₉ⱼₖₙᵢ₊₋"
_SUBV = "0123456789jkni+-"


_SUBSCRIPTED = re.compile(r"(?<![A-Za-z\\])([A-Za-z])_([A-Za-z0-9])(?![A-Za-z0-9_])")   # n_L, a_j in prose
_QUOTED = re.compile(r"(?<![A-Za-zσ'])'([^'\s][^']*?)'(?![A-Za-z])")                          # 'mse'
_DQUOTED = re.compile(r'"([^"]+)"')


def tex_text(s):
    """Unicode prose as ASCII LaTeX text (runs of super/subscript characters become one ^{…}/_{…}).

    Typography by rule: 'quoted' and "quoted" words get LaTeX's opening and closing quotes, n_L becomes
    math ($n_L$), -- stays two hyphens (-{}-), | is math's bar; everything else is escaped."""
    s = _QUOTED.sub("\x01\\1'", s)
    s = _DQUOTED.sub("\x02\\1\x03", s)
    parts, pos = [], 0
    for m in _SUBSCRIPTED.finditer(s):
        parts.append(_tex_chars(s[pos:m.start()]))
        parts.append(f"${m.group(1)}_{{{m.group(2)}}}$")
        pos = m.end()
    parts.append(_tex_chars(s[pos:]))
    return re.sub(r"\$\$", "", "".join(parts))


def _tex_chars(s):
    out, i = [], 0
    while i < len(s):
        ch = s[i]
        if ch in _SUPS or ch in _SUBS:
            table, vals, mark = (_SUPS, _SUPV, "^") if ch in _SUPS else (_SUBS, _SUBV, "_")
            j = i
            while j < len(s) and s[j] in table:
                j += 1
            out.append(f"${mark}{{{''.join(vals[table.index(c)] for c in s[i:j])}}}$")
            i = j
            continue
        if ch in _TEXT:
            out.append(_TEXT[ch])
        elif ch == "'" and i and s[i - 1] == "σ":
            out.append("$'$")
        elif ch == "/":
            out.append("/\\allowbreak{}")
        elif ch == "\x01":
            out.append("`")
        elif ch == "\x02":
            out.append("``")
        elif ch == "\x03":
            out.append("''")
        elif ch == "-" and i + 1 < len(s) and s[i + 1] == "-":
            out.append("-{}")
        elif ch == "|":
            out.append("$|$")
        elif ord(ch) < 128:
            out.append(ch)
        else:
            out.append("?")
        i += 1
    return "".join(out)


def tex_code(s):
    """An identifier or quantity name in typewriter type, breakable after / , ] and spaces."""
    t = "".join(_TEXT.get(c, c) if c in "\\&%$#_{}~^" else (c if ord(c) < 128 else "?") for c in s)
    t = re.sub(r"([/,.\]]|\\_)", r"\1\\allowbreak{}", t)
    return r"\texttt{" + t + "}"


_OPS = {"=": " = ", "+": " + ", "-": " - ", "·": r" \cdot ", "×": r" \times ", "←": r" \leftarrow ", ",": ", ",
        "≈": r" \approx ", " ": r"\,", "⊙": r" \odot "}
_BASE = {"delta": r"\delta", "Delta": r"\Delta", "yhat": r"\hat y", "sum_e": "S", "η": r"\eta", "σ": r"\sigma",
         "nabla_a": r"\nabla_{a}", "eps": r"\epsilon", "eta": r"\eta"}
_FUNC = {"σ": r"\sigma", "exp": r"\exp", "ln": r"\ln", "tanh": r"\tanh", "relu": r"\operatorname{relu}",
         "softmax": r"\operatorname{softmax}", "identity": r"\operatorname{id}", "max": r"\max"}


class TexPrinter(Printer):
    def num(self, n):
        t = n.text
        if t.startswith("[?"):              # an exercise's blank
            return r"\boxed{\,?_{" + t[2:-1] + r"}\,}"
        if "e" in t:
            mant, ex = t.split("e")
            return f"{mant} \\times 10^{{{int(ex)}}}"
        return t

    def paren(self, s):
        return "(" + s + ")"

    def op(self, o):
        return _OPS.get(o, o)

    def _print_Sym(self, s):
        if s.base == "sp":
            return r"\sigma'(" + self._print_Sym(type(s)("z", s.layer, s.idx, s.n)) + ")"
        out = _BASE.get(s.base, s.base)
        if s.layer is not None:
            out += "^{(" + str(s.layer).replace("−", "-") + ")}"
        if s.n is not None and not s.idx:      # a whole vector of example n: the example in parentheses
            return out + "_{(" + str(s.n) + ")}"
        idx = ((s.n,) if s.n is not None else ()) + tuple(s.idx)
        if idx:
            out += "_{" + ",".join(str(i) for i in idx) + "}"
        return out

    def _print_Group(self, g):
        return r"\left(" + self.expr(g.items) + r"\right)"

    def _print_Func(self, f):
        if f.name == "σ'":
            return r"\sigma'(" + self.arg(f.items) + ")"
        if f.name == "exp":
            return "e^{" + self.arg(f.items) + "}"
        return _FUNC.get(f.name, r"\operatorname{" + f.name + "}") + "(" + self.arg(f.items) + ")"

    def _print_Frac(self, f):
        return r"\frac{" + self.expr(f.num) + "}{" + self.expr(f.den) + "}"

    def _print_D(self, d):
        # ∂L/∂w with a slash: a handout line stays one text line high
        return r"\partial " + self.expr(d.of) + r"/\partial " + self.expr(d.wrt)

    def _print_Big(self, b):
        return r"\sum\nolimits_{" + b.index + "} "   # limits at the side: a line stays one line high

    def _print_Pow(self, p):
        inner = self.expr(p.items)
        if len(p.items) > 1 or negative_base(p.items):
            inner = r"\left(" + inner + r"\right)"
        else:
            inner = "{" + inner + "}"
        return inner + "^{" + ("\\mathsf{T}" if p.exp == "T" else p.exp) + "}"

    def _print_Word(self, w):
        return r"\text{" + tex_text(w.text) + "}"

    def _print_Mat(self, m):
        return (r"\begin{pmatrix}" + r" \\ ".join(" & ".join(self.arg(c) for c in row) for row in m.rows) +
                r"\end{pmatrix}")

    def prose(self, items):
        out = []
        for it in items:
            if isinstance(it, str):
                out.append(tex_text(it))
            elif isinstance(it, Math):
                out.append("$" + self.expr(it.nodes) + "$")
            elif isinstance(it, Code):
                out.append(tex_code(it.text))
        return "".join(out)


def align_lines(eq, printer, width=LINE, text=TextPrinter()):
    """The lines of an aligned equation: break before a side or a term when the plain-text width of
    the line (the text renderer's, a fair measure of the typeset width) would pass ``width``.
    The alignment point is the first relation."""
    lines, cur, cur_w, aligned = [], "", 0, False
    for i, ((sep, body), (_, tbody)) in enumerate(zip(printer.chunks(eq), text.chunks(eq))):
        tbody = re.sub(r"e([−-]?\d+)", r" × 10^\1", tbody)   # 5.6e−05 is typeset 5.6 × 10⁻⁵
        w = len(tbody) + 3
        if i == 0:
            cur, cur_w = body, len(tbody)
            continue
        rel = sep == eq.rel
        if cur_w + w > width and cur:
            lines.append(cur)
            lead = "&" + printer.op(eq.rel).strip() + " " if rel else r"&\quad " + ("- " if sep == "-" else "+ ")
            cur, cur_w, aligned = lead + body, 8 + len(tbody), True
        elif rel and not aligned:
            cur, cur_w, aligned = cur + " &" + printer.op(eq.rel).strip() + " " + body, cur_w + w, True
        else:
            cur, cur_w = cur + printer.op(sep if not rel else eq.rel) + body, cur_w + w
    lines.append(cur)
    return lines


class LatexRenderer:
    """``d.to_latex()``: a complete document (``standalone=True``) or the body only."""

    def __init__(self):
        self.p = TexPrinter()

    def render(self, blocks, standalone=True, title=None):
        out, run = [], []
        for b in list(blocks) + [None]:
            if isinstance(b, Eq):          # consecutive equations share one align* (less vertical space)
                run.append(b)
                continue
            if run:
                out += [r"\begin{align*}", " \\\\[1pt]\n".join(" \\\\\n".join(align_lines(e, self.p)) for e in run),
                        r"\end{align*}", ""]
                run = []
            if b is not None:
                out += getattr(self, "_block_" + type(b).__name__)(b)
        body = "\n".join(out).rstrip() + "\n"
        if not standalone:
            return body
        return (PREAMBLE + body + "\\end{document}\n")

    def _block_Title(self, b):
        return [r"\section*{" + tex_text(b.text) + "}", ""]

    def _block_Heading(self, b):
        return [(r"\subsection*{" if b.level <= 2 else r"\subsubsection*{") + tex_text(b.text) + "}", ""]

    def _block_Para(self, b):
        return [self.p.prose(b.items), ""]

    def _block_Eq(self, b):
        return [r"\begin{align*}", " \\\\\n".join(align_lines(b, self.p)), r"\end{align*}", ""]

    def _block_Table(self, b):
        n = len(b.head)
        widths = b.widths or tuple([1.0 / n] * n)
        usable = 0.99 - 0.027 * n    # \tabcolsep (6pt) on both sides of each column
        spec = "".join(f">{{\\raggedright\\arraybackslash}}p{{{w * usable:.3f}\\textwidth}}" for w in widths)
        head = " & ".join(r"\textbf{" + self.p.prose(c) + "}" for c in b.head) + r" \\ \hline"
        out = [r"{\small", r"\begin{longtable}{" + spec + "}", head, r"\endhead"]
        # {} first: a row that starts with [ would be read as the optional argument of the \\ before it
        out += ["{}" + " & ".join(self.p.prose(c) for c in r) + r" \\" for r in b.rows]
        out += [r"\end{longtable}", "}", ""]
        return out


PREAMBLE = r"""\documentclass[10pt]{article}
\usepackage[a4paper,margin=2cm]{geometry}
\usepackage{amsmath}
\usepackage{amssymb}
\usepackage{longtable}
\usepackage{array}
\allowdisplaybreaks
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.4em}
\setlength{\emergencystretch}{3em}
\begin{document}
"""
