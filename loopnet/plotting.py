"""Pictures for teaching: training curves and the network itself (matplotlib, an optional extra).

matplotlib is imported only inside these functions, so ``import loopnet`` never needs it.
Without ``ax`` each function makes its own :class:`matplotlib.figure.Figure` — through pyplot
when the caller has imported pyplot (so ``plt.show()`` shows it), otherwise a bare Figure that
renders with the Agg backend and needs no display (servers, CI, the CLI's ``--plot``). In
Jupyter the returned Figure displays itself.

>>> import loopnet as ln
>>> net = ln.Network([3, 2, 1], seed=0)
>>> fig = ln.plot_network(net)          # doctest: +SKIP
>>> fig = net.fit(X, Y).plot("curves.png")  # doctest: +SKIP
"""
from __future__ import annotations

import sys

import numpy as np

__all__ = ["plot_history", "plot_network"]


def _matplotlib():
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        from .constants import install_hint
        raise ImportError(f"plotting needs matplotlib: pip install matplotlib (or {install_hint('plot')})") from None
    return matplotlib


def _new_figure(ncols, width, height):
    """A Figure with ``ncols`` axes side by side; pyplot-managed only if the caller uses pyplot."""
    _matplotlib()
    if "matplotlib.pyplot" in sys.modules:
        import matplotlib.pyplot as plt
        fig, axes = plt.subplots(1, ncols, figsize=(width, height), squeeze=False)
    else:
        from matplotlib.figure import Figure
        fig = Figure(figsize=(width, height))
        axes = fig.subplots(1, ncols, squeeze=False)
    return fig, list(axes[0])


def _save(fig, path):
    if path is not None:
        from .writing import write_file
        write_file(path, lambda f: fig.savefig(f, format="png", dpi=100, bbox_inches="tight"))


def _has(values):
    return any(x is not None for x in values)


def plot_history(history, path=None, ax=None):
    """Training and validation curves of a :class:`loopnet.History`; returns the Figure.

    Left panel: loss per epoch (training, and validation if recorded). Right panel, only when
    accuracy was recorded (one-hot / 0-1 targets): accuracy per epoch. ``ax`` may be one Axes
    (loss only) or a pair of Axes (loss, accuracy) to draw into; ``path`` saves a PNG there.
    """
    loss = list(history.loss)
    if not loss:
        raise ValueError("history has no epochs to plot (history.loss is empty); train for at least one epoch")
    with_acc = _has(history.accuracy) or _has(history.val_accuracy)
    if ax is None:
        fig, axes = _new_figure(2 if with_acc else 1, 10 if with_acc else 5.5, 3.8)
    else:
        axes = list(ax) if isinstance(ax, (list, tuple, np.ndarray)) else [ax]
        if len(axes) not in (1, 2):
            raise ValueError(f"ax must be one Axes or a pair (loss, accuracy), got {len(axes)} axes")
        fig = axes[0].figure
    epochs = np.arange(1, len(loss) + 1)

    a = axes[0]
    a.plot(epochs, loss, marker="." if len(loss) < 40 else None, label="training")
    if history.val_loss:
        a.plot(epochs[:len(history.val_loss)], history.val_loss, marker="." if len(loss) < 40 else None,
               label="validation")
    a.set_xlabel("epoch")
    a.set_ylabel("loss")
    a.set_title("loss")
    if min(loss) > 0 and max(loss) / min(loss) > 100:
        a.set_yscale("log")
    a.grid(True, alpha=0.3)
    a.legend()

    if with_acc and len(axes) > 1:
        b = axes[1]
        for values, label in ((history.accuracy, "training"), (history.val_accuracy, "validation")):
            if _has(values):
                ys = [np.nan if x is None else x for x in values]
                b.plot(epochs[:len(ys)], ys, marker="." if len(loss) < 40 else None, label=label)
        b.set_xlabel("epoch")
        b.set_ylabel("accuracy")
        b.set_title("accuracy")
        b.set_ylim(top=1.0)
        b.grid(True, alpha=0.3)
        b.legend()
    _save(fig, path)
    return fig


def _shown(n, max_neurons):
    """Indices of the neurons drawn for a layer of n (all of them, or the first and last few)."""
    if n <= max_neurons:
        return list(range(n))
    half = max_neurons // 2
    return list(range(half)) + list(range(n - (max_neurons - half), n))


def plot_network(net, path=None, ax=None, max_neurons=16, annotate=None):
    """Draw ``net`` as columns of circles (layer 0 on the left) joined by its weights; returns the Figure.

    The edge from neuron k of layer l−1 to neuron j of layer l is w^l_{jk} = ``net.weights[l-1][j, k]``:
    its colour is the sign (blue positive, red negative) and its width |w| relative to the largest
    |w| in the network. Circles are filled by their bias b^l_j on the same colour scale (inputs white).
    Layers wider than ``max_neurons`` show their first and last neurons with a gap. ``annotate``
    writes each weight on its edge (default: when the network has at most 24 weights).
    """
    _matplotlib()
    from matplotlib.collections import LineCollection
    from matplotlib.colors import TwoSlopeNorm

    sizes = list(net.sizes)
    Ws = [np.asarray(W, dtype=np.float64) for W in net.weights]
    bs = None if net.biases is None else [np.asarray(b, dtype=np.float64) for b in net.biases]
    if annotate is None:
        annotate = sum(W.size for W in Ws) <= 24
    shown = [_shown(n, max_neurons) for n in sizes]
    tallest = max(len(s) for s in shown)
    xgap = max(2.5, 0.35 * tallest)  # horizontal distance between layers; neighbours in a layer are 1 apart
    ymax = (tallest - 1) / 2.0 + 1.6
    if ax is None:
        unit = min(0.5, 9.0 / max(2 * ymax, (len(sizes) - 1) * xgap + 1.5))  # inches per data unit
        fig, (ax,) = _new_figure(1, unit * ((len(sizes) - 1) * xgap + 1.5) + 0.4, unit * 2 * ymax + 0.6)
    else:
        fig = ax.figure
    def pos(l, idx):
        """(x, y) of the idx-th drawn neuron of layer l; layers centred vertically, neuron 0 at the top."""
        m = len(shown[l])
        gap = 0.6 if sizes[l] > max_neurons and idx >= max_neurons // 2 else 0.0
        return l * xgap, (m - 1) / 2.0 - idx - gap + (0.3 if sizes[l] > max_neurons else 0.0)

    scale = max(max((np.abs(W).max() for W in Ws), default=0.0),
                max((np.abs(b).max() for b in bs), default=0.0) if bs else 0.0) or 1.0
    cmap = _colormap()
    norm = TwoSlopeNorm(vmin=-scale, vcenter=0.0, vmax=scale)

    segments, colours, widths, labels = [], [], [], []
    for l in range(1, len(sizes)):
        W = Ws[l - 1]
        for jj, j in enumerate(shown[l]):
            for kk, k in enumerate(shown[l - 1]):
                w = W[j, k]
                p0, p1 = pos(l - 1, kk), pos(l, jj)
                segments.append([p0, p1])
                colours.append(cmap(norm(w)))
                widths.append(0.3 + 3.7 * abs(w) / scale)
                if annotate:
                    labels.append((p0, p1, w))
    order = np.argsort(widths)  # thick (important) edges drawn last, on top
    ax.add_collection(LineCollection([segments[i] for i in order], colors=[colours[i] for i in order],
                                     linewidths=[widths[i] for i in order], zorder=1))
    for p0, p1, w in labels:
        x, y = p0[0] + 0.35 * (p1[0] - p0[0]), p0[1] + 0.35 * (p1[1] - p0[1])
        ax.text(x, y, f"{w:.2f}", fontsize=7, ha="center", va="center", zorder=3,
                bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.8))

    radius = 0.18
    from matplotlib.patches import Circle
    for l in range(len(sizes)):
        for idx, neuron in enumerate(shown[l]):
            face = "white" if l == 0 or bs is None else cmap(norm(bs[l - 1][neuron]))
            ax.add_patch(Circle(pos(l, idx), radius, facecolor=face, edgecolor="black", linewidth=0.8, zorder=2))
        if sizes[l] > max_neurons:
            x, y = pos(l, max_neurons // 2 - 1)
            ax.text(x, y - 0.8, "⋮", ha="center", va="center", fontsize=12)
        name = "input" if l == 0 else ("output" if l == len(sizes) - 1 else f"hidden {l}")
        ax.text(l * xgap, (len(shown[l]) - 1) / 2.0 + 0.3 * (sizes[l] > max_neurons) + 0.6,
                f"{name}\nn_{l} = {sizes[l]}", ha="center", va="bottom", fontsize=8)

    ax.set_xlim(-0.75, (len(sizes) - 1) * xgap + 0.75)
    ax.set_ylim(-ymax + 0.8, ymax)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(f"{net.activation} hidden, {net.output_activation} output: blue w > 0, red w < 0, width ∝ |w|",
                 fontsize=8)
    _save(fig, path)
    return fig


def _colormap():
    from matplotlib import colormaps
    return colormaps["RdBu"]
