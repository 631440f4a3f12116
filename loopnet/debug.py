"""Stop inside a kernel's loops with pdb, from any working directory and any install.

The ``python`` backend runs the component kernels exactly as written, uncompiled, with their own
file and line numbers, so pdb can stop on any line of a kernel. This module finds the line for you:

>>> import loopnet as ln
>>> net = ln.Network.from_weights([[[0.4, 0.5, 0.3], [0.2, 0.7, 0.1]], [[0.1, 0.2]]], loss="mse")
>>> ln.step_into("hidden_error", net, [[0, 1, 2]], [[1]], n=0, j=1)     # doctest: +SKIP
stopping in hidden_error (BP2) at .../loopnet/kernels/backward.py:NN when n == 0 and j == 1
> .../loopnet/kernels/backward.py(NN)hidden_error()
-> acc += W_next[k, j] * delta_next[n, k]           # Σ_k w_kj δ_nk
(Pdb) p n, j, k, acc

The stop is the line of the kernel's sum (the line whose comment starts with ``# Σ``), or the
kernel's first line for kernels without one; the keyword arguments are loop variables of that
kernel (``n`` an example of the batch, ``j`` a neuron of layer l, ``k`` of layer l−1 — or of
layer l+1 in BP2, as in Nielsen's equation) and become the breakpoint's condition. Indices are
0-based, as in the code: ``j = 1`` is the second neuron.

Without this helper, in pdb itself (any directory, any install):

    >>> from loopnet.kernels.backward import hidden_error
    >>> net.backend = "python"; import pdb; pdb.run("net.gradients([[0, 1, 2]], [[1]])")
    (Pdb) b hidden_error                              # by function: the kernel's first line
    (Pdb) b /abs/path/to/loopnet/kernels/backward.py:NN, n == 0 and j == 1

``breakpoint_at(kernel)`` returns that absolute path and line. (``b hidden_error`` works too where the
name ``hidden_error`` is the kernel: every compiled kernel carries its Python function's ``__code__``,
which is what pdb looks for.)
"""
from __future__ import annotations

import bdb
import inspect
import pdb
import sys

from .jit import python_version
from .kernels import backward, blocked, forward, loss, optimizers, training

#: the kernels a learner may step into, by name, and the equation each computes
KERNELS = {
    "weighted_input": (forward.weighted_input, "z^l_nj = Σ_k w^l_jk a^{l−1}_nk + b^l_j"),
    "activate_layer": (forward.activate_layer, "a^l_nj = σ(z^l_nj)"),
    "output_error": (backward.output_error, "BP1"),
    "hidden_error": (backward.hidden_error, "BP2"),
    "bias_gradient": (backward.bias_gradient, "BP3"),
    "weight_gradient": (backward.weight_gradient, "BP4"),
    "backpropagate": (backward.backpropagate, "forward pass, BP1, then BP4/BP3/BP2 for l = L..1"),
    "loss_terms": (loss.loss_terms, "L"),
    "sgd_update": (optimizers.sgd_update, "θ ← θ − η ∂L/∂θ"),
    "adam_update": (optimizers.adam_update, "Adam"),
    "train_epochs": (training.train_epochs, "mini-batch epochs"),
}
SUM_MARK = "# Σ"


def _kernel(kernel):
    if isinstance(kernel, str):
        if kernel not in KERNELS:
            raise ValueError(f"kernel must be one of {sorted(KERNELS)}; got {kernel!r}")
        return kernel, KERNELS[kernel][0]
    name = getattr(getattr(kernel, "py_func", kernel), "__name__", None)
    if name not in KERNELS:
        if name is not None and hasattr(blocked, name):
            raise ValueError(f"kernel {name!r} is a blocked kernel of the speed layer, which the python backend never "
                             f"runs; step into the component kernel it reproduces instead: one of {sorted(KERNELS)}")
        raise ValueError(f"kernel must be one of {sorted(KERNELS)} (a name or the kernel itself); got {kernel!r}")
    return name, KERNELS[name][0]


def breakpoint_at(kernel):
    """(absolute file, line, function name or None) where :func:`step_into` stops in ``kernel`` (a name
    from :data:`KERNELS` or the kernel): the line of its sum, marked ``# Σ`` in the source; for a
    kernel without one, its ``def`` line and its name (pdb then stops at its first line of code, as
    after ``b function``)."""
    _, fn = _kernel(kernel)
    py = python_version(fn)
    lines, first = inspect.getsourcelines(py)
    for i, text in enumerate(lines):
        if SUM_MARK in text and not text.lstrip().startswith("#"):
            return py.__code__.co_filename, first + i, None
    return py.__code__.co_filename, py.__code__.co_firstlineno, py.__name__


def step_into(kernel, net, X, Y, *, stdin=None, stdout=None, **where):
    """Run ``net.gradients(X, Y)`` on the ``python`` backend under pdb, stopped inside ``kernel``.

    ``where``: loop variables of the kernel and their values, e.g. ``n=0, j=1`` (0-based); the
    debugger stops at the kernel's sum line only when they all hold. ``net`` is not changed (a
    copy runs on the python backend). Returns the :class:`loopnet.Gradients` of the run, or None if
    the debugger was quit (``q``) before the end.
    ``stdin``/``stdout`` go to :class:`pdb.Pdb` (for scripted sessions).
    """
    name, _ = _kernel(kernel)
    for var, value in where.items():
        if not var.isidentifier():
            raise ValueError(f"loop variable names must be identifiers; got {var!r}")
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"{var} must be an int (a 0-based index); got {value!r}")
    filename, line, funcname = breakpoint_at(name)
    cond = " and ".join(f"{var} == {value}" for var, value in where.items()) or None
    stepper = net.copy()
    stepper.backend = "python"
    out = stdout or sys.stdout
    print(f"stopping in {name} ({KERNELS[name][1]}) at {filename}:{line}" + (f" when {cond}" if cond else ""),
          file=out)
    debugger = pdb.Pdb(stdin=stdin, stdout=stdout)
    if stdin is not None:
        debugger.use_rawinput = False
    debugger.set_break(filename, line, cond=cond, funcname=funcname)
    debugger.reset()
    debugger.botframe = sys._getframe()  # this frame is the bottom: run freely from here to the breakpoint
    debugger.set_continue()
    sys.settrace(debugger.trace_dispatch)
    try:
        return stepper.gradients(X, Y)
    except bdb.BdbQuit:                 # the learner typed q (or the scripted input ran out)
        return None
    finally:
        sys.settrace(None)
        debugger.clear_all_breaks()
