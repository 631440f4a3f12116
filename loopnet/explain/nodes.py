"""The derivation model: math nodes and document blocks (SymPy's expression tree, docutils' document).

The model holds numbers and structure only. A renderer (``text``, ``markdown``, ``latex``, ``html``)
walks it and formats; each has one ``_print_<Node>`` method per node type and one ``_block_<Block>``
method per block type, so a new format is a new renderer, not a branch in every method.

Math nodes
----------
| node | means | text | LaTeX |
|---|---|---|---|
| ``Sym("z", 2, (1,))`` | z of neuron 1 of layer 2 | z⁽²⁾₁ | z^{(2)}_{1} |
| ``Sym("a", 1, (2,), n=3)`` | … of example 3 | a⁽¹⁾₃,₂ | a^{(1)}_{3,2} |
| ``Num(v, "0.5")`` | a number as printed | 0.5 (negative: −0.5) | 0.5 |
| ``Op("=")`` | an operator | `` = `` | `` = `` |
| ``Group(items)`` | parentheses | (…) | \\left(…\\right) |
| ``Func("σ", items)`` | a function applied | σ(…) | \\sigma(…) |
| ``Frac(num, den)`` | a fraction | num/den | \\frac{…}{…} |
| ``D(of, wrt)`` | a partial derivative | ∂L/∂w | \\frac{\\partial L}{\\partial w} |
| ``Big("sum", "n")`` | Σ over an index | Σₙ | \\sum_{n} |
| ``Pow(items, "2")`` | a power / transpose | (…)² | (…)^{2} |
| ``Word("new")`` | words inside math | new | \\text{new} |
| ``Mat(rows)`` | a matrix of nodes | [a b; c d] | pmatrix |
"""
from __future__ import annotations

from dataclasses import dataclass, field


class Node:
    __slots__ = ()


@dataclass(frozen=True)
class Sym(Node):
    base: str                  # x y z a b w delta W A Delta L e g sp (σ'(z)) yhat
    layer: object = None       # int or a letter (l, L, "l-1", "l+1") or None
    idx: tuple = ()            # 1-based indices (ints or letters)
    n: object = None           # the example (batch derivations), or None


@dataclass(frozen=True)
class Num(Node):
    value: float
    text: str                  # as printed, ASCII ('-0.22', '3.5e-05')


@dataclass(frozen=True)
class Op(Node):
    op: str                    # '=', '+', '-', '·', '×', '←', ',', '≈'


@dataclass(frozen=True)
class Group(Node):
    items: tuple


@dataclass(frozen=True)
class Func(Node):
    name: str                  # 'σ', "σ'", 'exp', 'ln', 'tanh', 'relu', 'softmax', 'identity'
    items: tuple


@dataclass(frozen=True)
class Frac(Node):
    num: tuple
    den: tuple


@dataclass(frozen=True)
class D(Node):
    of: tuple
    wrt: tuple


@dataclass(frozen=True)
class Big(Node):
    kind: str                  # 'sum'
    index: str


@dataclass(frozen=True)
class Pow(Node):
    items: tuple
    exp: str                   # '2', 'T'


@dataclass(frozen=True)
class Word(Node):
    text: str


@dataclass(frozen=True)
class Mat(Node):
    rows: tuple                # tuple of rows, each a tuple of cells, each a tuple of nodes


# ---- document blocks ----------------------------------------------------------------------------
@dataclass
class Block:
    tags: frozenset = field(default_factory=frozenset, kw_only=True)  # quantities it shows (for focus)


@dataclass
class Title(Block):
    text: str


@dataclass
class Heading(Block):
    text: str
    level: int = 2


@dataclass
class Para(Block):
    """Prose: a tuple of str (Unicode prose), Math(nodes) and Code(str) pieces."""
    items: tuple


@dataclass(frozen=True)
class Math:
    nodes: tuple


@dataclass(frozen=True)
class Code:
    text: str


@dataclass
class Eq(Block):
    """A displayed equation: sides joined by '=' (or ``rel``); each side a tuple of terms joined by '+';
    each term a tuple of nodes. Renderers break long equations between sides and between terms."""
    sides: tuple
    rel: str = "="


@dataclass
class Table(Block):
    head: tuple                # cells (Para-like item tuples)
    rows: tuple                # rows of cells
    widths: tuple = ()         # relative column widths (sum 1), for the page renderers


def P(*items, tags=frozenset()):
    """A paragraph from pieces: str, Math, Code, or a tuple of nodes (taken as Math)."""
    return Para(tuple(Math(i) if isinstance(i, tuple) else i for i in items), tags=frozenset(tags))


def terms(*ts):
    """A side made of terms."""
    return tuple(t if isinstance(t, tuple) else (t,) for t in ts)


def side(*nodes):
    """A side that is one term."""
    return (tuple(nodes),)


def join(items, op):
    out = []
    for i, it in enumerate(items):
        if i:
            out.append(Op(op))
        out.extend(it if isinstance(it, tuple) else (it,))
    return tuple(out)
