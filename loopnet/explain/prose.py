"""Prose from the worked examples' notes and errata (plain strings that write math as z^(2),
w^(2)_{1,2}, δ^{x,l}, (w^{l+1})^T, Σ_x) as paragraph items: text and Math nodes, so that every
renderer typesets the math its own way (LaTeX z^{(2)}, Markdown $z^{(2)}$, text z⁽²⁾)."""
from __future__ import annotations

import re

from .nodes import Math, Sym

_BASES = {"δ": "delta", "σ": "sigma"}
_MATH = re.compile(r"([A-Za-zδ])(?:\^(?:\(([^()]+)\)|\{([^{}]+)\}|([lL\d])\b)(?:_\{([^{}]+)\}|_(\w))?"
                   r"|_\{([^{}]+)\}(?:\^\{?\(([^()]+)\)\}?)?|_(\d)\b)")


def prose(text):
    """A tuple of str and Math items for ``text``."""
    text = text.replace(")^T", ")ᵀ").replace("Σ_x", "Σₓ").replace("Σ_n", "Σₙ")
    out, pos = [], 0
    for m in _MATH.finditer(text):
        if m.start() > pos:
            out.append(text[pos:m.start()])
        base = _BASES.get(m.group(1), m.group(1))
        layer = m.group(2) or m.group(3) or m.group(4) or m.group(8)
        sub = m.group(5) or m.group(6) or m.group(7) or m.group(9)
        idx = tuple(sub.split(",")) if sub else ()
        out.append(Math((Sym(base, layer.replace("-", "−") if layer else None, idx),)))
        pos = m.end()
    if pos < len(text):
        out.append(text[pos:])
    return tuple(out)


__all__ = ["prose"]
