"""Exercises: the lesson of a network's step with chosen quantities blanked, graded by ``check()``.

``ln.exercise(net, x, y, lr=0.1)`` gives the lesson with the backward pass blanked (each blank numbered,
[?1], [?2], …); ``print(ex)`` is the worksheet as text, ``ex.to_latex()`` a worksheet for pdflatex and
``ex.to_latex(key=True)`` its answer key, ``ex.to_markdown()`` (and Jupyter) the same in Markdown.
``ex.check({"delta2[1]": -0.2203, …})`` grades answers: what is right, what is wrong, and the most likely
mistake (:mod:`.mistakes`).

| ``hide`` | blanked |
|---|---|
| ``"backward"`` (default) | every δ, ∂L/∂a of a hidden layer, ∂L/∂W, ∂L/∂b, and with ``lr`` the new weights and loss |
| ``"forward"`` | every z and a of layers 1…L, and L |
| ``"all"`` | both |
| a list of names | those quantities (names as for ``d.value``, e.g. ``"dL/dW1[2,3]"``) |
"""
from __future__ import annotations

import re

from .nodes import Heading, Num, P, Table

PRESETS = ("backward", "forward", "all")
_BACKWARD = re.compile(r"^(?:new )?(?:example \d+ )?(?:delta\d|dL/dW|dL/db|new )")
_FORWARD = re.compile(r"^(?:example \d+ )?(?:z\d|a[1-9]|L$)")


class Blank(Num):
    """A number the learner fills in: printed as [?k] (LaTeX: a numbered box)."""


def _hidden(d, hide):
    from .names import all_names, normalize
    names = all_names(d)
    L = d.p.L
    if hide is None or hide == "backward":
        keep = [n for n in names if _BACKWARD.match(n) or re.match(r"^(?:example \d+ )?dL/da\d", n)
                and not re.match(rf"^(?:example \d+ )?dL/da{L}\[", n)]
        keep += ["new L"] if d.lr is not None else []
        return [n for n in keep if not n.startswith("new ") or d.lr is not None]
    if hide == "forward":
        return [n for n in names if _FORWARD.match(n)]
    if hide == "all":
        return _hidden(d, "forward") + [n for n in _hidden(d, "backward") if n not in _hidden(d, "forward")]
    if isinstance(hide, str):
        raise ValueError(f"hide must be one of {', '.join(map(repr, PRESETS))} or a list of quantity names, "
                         f"got {hide!r}")
    out = []
    for name in hide:
        d.value(name)                       # a KeyError that lists the names when it is not one
        out.append(normalize(name))
    return out


class Exercise:
    """A worksheet: the lesson of one step with blanks; see :mod:`loopnet.explain.exercises`."""

    def __init__(self, d, hide=None):
        self.d = d
        d.reading = "lesson"
        d.exercise = self
        self.hidden = set(_hidden(d, hide))
        self.order = {}             # name → blank number, in the order the worksheet shows them
        self._blocks = None

    # called by Derivation.num while the blocks are built
    def blank(self, name, value):
        if name not in self.hidden:
            return None
        k = self.order.setdefault(name, len(self.order) + 1)
        return Blank(value, f"[?{k}]")

    def blocks(self, key=False):
        d = self.d
        self.order = {}
        body = d.blocks()
        names = sorted(self.order, key=self.order.get)
        B = [b for b in body]
        head = [P("Fill in each [?k]: every other number is given. Check your answers with ex.check({name: value}) "
                  "(for example ex.check({" + f'"{names[0]}": 0.1' + "})); check() names the most likely mistake "
                  "behind a wrong one." if names else "Nothing is blanked.")]
        B[2:3] = head                     # the lesson's line about its two readings gives way to the task
        B.append(Heading("Answers" if key else "Your answers"))
        rows = []
        for name in names:
            v = d.value(name)
            rows.append(((f"[?{self.order[name]}]",), (name,), (d.say(v) if key else "",)))
        B.append(Table((("blank",), ("quantity",), ("value" if key else "your value",)), tuple(rows), (0.15, 0.45, 0.4)))
        return B

    @property
    def questions(self):
        """[(k, name)] of the blanks, in the order the worksheet shows them."""
        if not self.order:
            self.blocks()
        return sorted(((k, n) for n, k in self.order.items()))

    def answers(self):
        """{name: true value} of every blank (the answer key as numbers)."""
        return {n: self.d.value(n) for _, n in self.questions}

    def check(self, answers):
        """Grade ``{name or "?k": number}``: each answer against the true value at its printed digits, and for
        a wrong one the most likely mistake. Names that are not blanks are graded too."""
        names = dict((f"?{k}", n) for k, n in self.questions)
        given = {names.get(str(k).lstrip("[").rstrip("]"), k): v for k, v in answers.items()}
        return self.d.check(given)

    def __str__(self):
        from .text import TextRenderer
        return TextRenderer().render(self.blocks())

    def to_text(self, key=False):
        from .text import TextRenderer
        return TextRenderer().render(self.blocks(key))

    def to_markdown(self, key=False):
        from .markdown import MarkdownRenderer
        return MarkdownRenderer().render(self.blocks(key))

    def to_latex(self, key=False, standalone=True):
        """The worksheet (or with ``key=True`` its answer key) as a LaTeX document for pdflatex."""
        from .latex import LatexRenderer
        return LatexRenderer().render(self.blocks(key), standalone)

    def _repr_markdown_(self):
        return self.to_markdown()

    def __repr__(self):
        return f"<Exercise: {len(self.hidden)} quantities to fill in; print() it for the worksheet>"


def exercise(net, x, y, lr=None, hide=None, update_biases=True, digits=None):
    """An exercise from a network's gradient step: the lesson with ``hide`` blanked (see the module)."""
    from . import explain
    d = explain(net, x, y, lr=lr, update_biases=update_biases, digits=digits, reading="lesson")
    ex = Exercise(d, hide)
    d.title = "Exercise: one step of backpropagation"
    return ex


def exercise_example(name, hide=None, lr=None, digits=None):
    """An exercise from one of the worked examples (``loopnet.worked_examples``)."""
    from . import explain_example
    d = explain_example(name, lr=lr, digits=digits, reading="lesson")
    d.epilogue = []
    d.published_report = None
    ex = Exercise(d, hide)
    d.title = f"Exercise: {d.title}"
    return ex


__all__ = ["Exercise", "exercise", "exercise_example", "Blank", "PRESETS"]
