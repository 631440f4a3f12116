"""Markdown renderer: prose in Unicode, math only inside $…$ / $$…$$ (MathJax, KaTeX, Jupyter, pandoc).

No LaTeX command appears outside a math span: prose and table cells are Unicode text with the
Markdown specials escaped, names are `code`, and every math span starts and ends next to a
non-space character, as pandoc's tex_math_dollars requires.
"""
from __future__ import annotations

import re

from .latex import TexPrinter, align_lines
from .nodes import Code, Math

_SPECIAL = re.compile(r"([\\`*_$|<>\[\]#])")


def md_text(s, in_table=False):
    return _SPECIAL.sub(r"\\\1", s)


class MarkdownPrinter(TexPrinter):
    def prose(self, items, in_table=False):
        out = []
        for it in items:
            if isinstance(it, str):
                out.append(md_text(it, in_table))
            elif isinstance(it, Math):
                out.append("$" + self.expr(it.nodes).strip() + "$")
            elif isinstance(it, Code):
                out.append("`" + it.text + "`")
        return "".join(out)


class MarkdownRenderer:
    """``d.to_markdown()`` (and Jupyter's ``_repr_markdown_``)."""

    def __init__(self):
        self.p = MarkdownPrinter()

    def render(self, blocks):
        out = []
        for b in blocks:
            out += getattr(self, "_block_" + type(b).__name__)(b)
        return "\n".join(out).rstrip() + "\n"

    def _block_Title(self, b):
        return ["# " + md_text(b.text), ""]

    def _block_Heading(self, b):
        return ["#" * b.level + " " + md_text(b.text), ""]

    def _block_Para(self, b):
        return [self.p.prose(b.items), ""]

    def _block_Eq(self, b):
        lines = align_lines(b, self.p)
        if len(lines) == 1 and "&" not in lines[0]:
            return ["$$", lines[0], "$$", ""]
        return ["$$", r"\begin{aligned}", " \\\\\n".join(lines), r"\end{aligned}", "$$", ""]

    def _block_Table(self, b):
        head = [self.p.prose(c, True) for c in b.head]
        out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        out += ["| " + " | ".join(self.p.prose(c, True) for c in r) + " |" for r in b.rows]
        return out + [""]
