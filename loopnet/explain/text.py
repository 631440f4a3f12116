"""Plain-text renderer: Unicode math, lines of at most ``WIDTH`` characters (long sums wrap)."""
from __future__ import annotations

import textwrap

from .nodes import Code, Math, Num, Op, Sym

WIDTH = 100
_SUP = str.maketrans("0123456789+-lLTn()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻ˡᴸᵀⁿ⁽⁾")
_SUB = str.maketrans("0123456789jkni+-", "₀₁₂₃₄₅₆₇₈₉ⱼₖₙᵢ₊₋")
_BASE = {"delta": "δ", "Delta": "Δ", "yhat": "ŷ", "sum_e": "S", "nabla_a": "∇ₐ", "eps": "ε", "eta": "η"}
_OPS = {"=": " = ", "+": " + ", "-": " − ", "·": "·", "×": " × ", "←": " ← ", ",": ", ", "≈": " ≈ ", " ": " ", "⊙": " ⊙ "}


def sup(t):
    return str(t).replace("−", "-").translate(_SUP)


def sub(t):
    return str(t).replace("−", "-").translate(_SUB)


def _in_product(nodes, i):
    """Whether nodes[i] is a factor of a product (a neighbour is ·, × or a juxtaposition)."""
    near = [nodes[m] for m in (i - 1, i + 1) if 0 <= m < len(nodes)]
    return any(isinstance(n, Op) and n.op in ("·", "×", " ") for n in near) or (
        i > 0 and not isinstance(nodes[i - 1], Op))


def _after_op(nodes, i):
    """Whether nodes[i] follows a binary + or − (0 − −0.5 reads as 0 − (−0.5))."""
    return i > 0 and isinstance(nodes[i - 1], Op) and nodes[i - 1].op in ("+", "-") and i > 1


def negative_base(items):
    """Whether a power's base is one negative number: (−0.244919)², never −0.244919² (which is −0.06)."""
    return len(items) == 1 and isinstance(items[0], Num) and items[0].text.startswith("-")


class Printer:
    """Shared walk over the math nodes; subclasses give one ``_print_<Node>`` per node type."""

    def expr(self, nodes):
        out = []
        for i, n in enumerate(nodes):
            if isinstance(n, Op) and n.op == "-" and (i == 0 or isinstance(nodes[i - 1], Op)):
                out.append(self.op("-").strip())              # a leading minus sign: −x, not " − x"
            elif isinstance(n, Num) and n.text.startswith("-") and (_in_product(nodes, i) or _after_op(nodes, i)):
                out.append(self.paren(self.num(n)))      # a negative factor, or a negative after − or +
            else:
                out.append(self.node(n))
        return "".join(out)

    def node(self, n):
        return getattr(self, "_print_" + type(n).__name__)(n)

    def _print_Num(self, n):
        return self.num(n)

    def _print_Op(self, o):
        return self.op(o.op)

    def _print_Group(self, g):
        return "(" + self.expr(g.items) + ")"

    def arg(self, items):
        """The argument of a function: a lone number needs no second pair of parentheses."""
        return self.expr(items) if len(items) != 1 or not isinstance(items[0], Num) else self.num(items[0])

    def side(self, terms):
        """Terms joined by + (a term that starts with a negative number: − and its magnitude)."""
        out = []
        for i, t in enumerate(terms):
            first = t[0] if t else None
            neg = isinstance(first, Num) and first.text.startswith("-") and len(t) == 1
            if i and isinstance(first, Op) and first.op == "-":
                out.append(self.op("-") + self.expr(t[1:]))
            elif i == 0:
                lead = isinstance(first, Num) and first.text.startswith("-")
                out.append(self.num(first) + self.expr_rest(t) if lead else self.expr(t))
            elif neg:
                out.append(self.op("-") + self.num(Num(-first.value, first.text[1:])) + self.expr_rest(t))
            else:
                out.append(self.op("+") + self.expr(t))
        return "".join(out)

    def expr_rest(self, t):
        return "".join(self.paren(self.num(n)) if isinstance(n, Num) and n.text.startswith("-") and
                       _in_product(t, i) else self.node(n) for i, n in enumerate(t) if i)

    def chunks(self, eq):
        """(separator, text) pieces an equation may be broken between: sides and terms."""
        out = []
        for si, s in enumerate(eq.sides):
            for ti, t in enumerate(s):
                first = t[0] if t else None
                neg = isinstance(first, Num) and first.text.startswith("-") and len(t) == 1
                if ti and isinstance(first, Op) and first.op == "-":
                    sep, body = "-", self.expr(t[1:])
                elif ti == 0:
                    sep = "" if si == 0 else eq.rel
                    lead = isinstance(first, Num) and first.text.startswith("-")
                    body = self.num(first) + self.expr_rest(t) if lead else self.expr(t)
                elif neg:
                    sep, body = "-", self.num(Num(-first.value, first.text[1:])) + self.expr_rest(t)
                else:
                    sep, body = "+", self.expr(t)
                out.append((sep, body))
        return out


class TextPrinter(Printer):
    def num(self, n):
        t = n.text.replace("-", "−")
        return t

    def paren(self, s):
        return "(" + s + ")"

    def op(self, o):
        return _OPS.get(o, o)

    def _print_Sym(self, s):
        if s.base == "sp":
            return "σ'(" + self._print_Sym(Sym("z", s.layer, s.idx, s.n)) + ")"
        base = _BASE.get(s.base, s.base)
        out = base + ("" if s.layer is None else "⁽" + sup(s.layer) + "⁾")
        if s.n is not None and not s.idx:      # a whole vector of example n: the example in parentheses
            return out + "₍" + sub(s.n) + "₎"
        idx = ((s.n,) if s.n is not None else ()) + tuple(s.idx)
        return out + ",".join(sub(i) for i in idx)

    def _print_Func(self, f):
        return f.name + "(" + self.arg(f.items) + ")"

    def _print_Frac(self, f):
        num, den = self.expr(f.num), self.expr(f.den)
        if len(f.den) > 1:
            den = "(" + den + ")"
        if len(f.num) > 1:
            num = "(" + num + ")"
        return num + "/" + den

    def _print_D(self, d):
        return "∂" + self.expr(d.of) + "/∂" + self.expr(d.wrt)

    def _print_Big(self, b):
        return "Σ" + sub(b.index) + " "

    def _print_Pow(self, p):
        inner = self.expr(p.items)
        if len(p.items) > 1 or negative_base(p.items):
            inner = "(" + inner + ")"
        return inner + sup(p.exp).replace("2", "²")

    def _print_Word(self, w):
        return w.text

    def _print_Mat(self, m):
        return "[" + "; ".join("  ".join(self.arg(c) for c in row) for row in m.rows) + "]"

    def prose(self, items):
        out = []
        for it in items:
            if isinstance(it, str):
                out.append(it)
            elif isinstance(it, Math):
                out.append(self.expr(it.nodes))
            elif isinstance(it, Code):
                out.append(it.text)
        return "".join(out)


def wrap_chunks(chunks, op, width, indent="  ", cont="      "):
    """Greedy line breaking between chunks; a chunk wider than a line is wrapped at its spaces."""
    lines, cur = [], indent
    for i, (sep, body) in enumerate(chunks):
        piece = (op(sep) if sep else "") + body
        if cur.strip() and len(cur) + len(piece) > width:
            lines.append(cur.rstrip())
            cur = cont + (op(sep).lstrip() if sep else "") + body
        else:
            cur += piece
        if len(cur) > width:  # one chunk alone is too long: wrap it at its spaces
            parts = textwrap.wrap(cur.strip(), width - len(cont), break_long_words=True, break_on_hyphens=False)
            lines.append((indent if not lines and not i else cont) + parts[0])
            lines += [cont + p for p in parts[1:-1]]
            cur = cont + parts[-1] if len(parts) > 1 else cont
    if cur.strip():
        lines.append(cur.rstrip())
    return lines


def table_lines(head, rows, width=WIDTH):
    cols = len(head)
    natural = [max(len(r[c]) for r in [head] + list(rows)) for c in range(cols)]
    avail = width - 2 * (cols - 1)
    widths = list(natural)
    while sum(widths) > avail:  # shrink the widest column until the table fits
        i = widths.index(max(widths))
        widths[i] = max(8, widths[i] - 1)
        if all(w <= 8 for w in widths):
            break

    def lines_of(row):
        cells = [textwrap.wrap(c, w, break_on_hyphens=False, break_long_words=False) or [""] for c, w in zip(row, widths)]
        h = max(len(c) for c in cells)
        return ["  ".join((c[i] if i < len(c) else "").ljust(w) for c, w in zip(cells, widths)).rstrip()
                for i in range(h)]

    out = lines_of(head) + ["  ".join("-" * w for w in widths)]
    for r in rows:
        out += lines_of(r)
    return out


class TextRenderer:
    """``str(derivation)``."""

    def __init__(self, width=WIDTH):
        self.width = width
        self.p = TextPrinter()

    def render(self, blocks):
        out = []
        for b in blocks:
            out += getattr(self, "_block_" + type(b).__name__)(b)
        return "\n".join(out).rstrip() + "\n"

    def _block_Title(self, b):
        return textwrap.wrap(b.text, self.width) + ["=" * min(len(b.text), self.width), ""]

    def _block_Heading(self, b):
        return ["", b.text, ("-" if b.level <= 2 else "·") * min(len(b.text), self.width)]

    def _block_Para(self, b):
        return textwrap.wrap(self.p.prose(b.items), self.width, break_on_hyphens=False) or [""]

    def _block_Eq(self, b):
        return wrap_chunks(self.p.chunks(b), self.p.op, self.width)

    def _block_Table(self, b):
        head = [self.p.prose(c) for c in b.head]
        rows = [[self.p.prose(c) for c in r] for r in b.rows]
        return table_lines(head, rows, self.width) + [""]
