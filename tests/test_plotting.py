"""Plots render to valid PNG files with the Agg backend (no display needed)."""
import subprocess
import sys

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")  # headless: tests never open a window

import matplotlib.image  # noqa: E402

import loopnet as ln  # noqa: E402
from loopnet.plotting import plot_history, plot_network  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def assert_png(path, min_width=100, min_height=100):
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert len(data) > 1024
    image = matplotlib.image.imread(str(path))
    assert image.ndim == 3 and image.shape[2] in (3, 4)
    assert image.shape[0] >= min_height and image.shape[1] >= min_width
    assert image[..., :3].std() > 0.01  # not a blank canvas
    return image


@pytest.fixture(scope="module")
def trained():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 3))
    Y = np.eye(2)[(X[:, 0] > 0).astype(int)]
    net = ln.Network([3, 4, 2], output_activation="softmax", loss="cross_entropy", seed=0)
    hist = net.fit(X[:45], Y[:45], epochs=8, lr=0.5, validation_data=(X[45:], Y[45:]))
    return net, hist


def test_history_with_accuracy_has_two_panels(trained, tmp_path):
    _, hist = trained
    fig = hist.plot(tmp_path / "curves.png")
    assert len(fig.axes) == 2
    loss_ax, acc_ax = fig.axes
    assert [line.get_label() for line in loss_ax.lines] == ["training", "validation"]
    np.testing.assert_allclose(loss_ax.lines[0].get_ydata(), hist.loss)
    np.testing.assert_allclose(acc_ax.lines[1].get_ydata(), hist.val_accuracy)
    image = assert_png(tmp_path / "curves.png")
    assert image.shape[1] > image.shape[0]  # two panels side by side


def test_history_without_accuracy_has_one_panel(tmp_path):
    X = np.linspace(-1, 1, 20).reshape(-1, 1)
    net = ln.Network([1, 3, 1], output_activation="identity", seed=0)
    hist = net.fit(X, X ** 2, epochs=5, lr=0.5)
    fig = plot_history(hist, path=tmp_path / "loss.png")
    assert len(fig.axes) == 1
    assert_png(tmp_path / "loss.png")


def test_history_into_given_axes(trained, tmp_path):
    from matplotlib.figure import Figure
    fig = Figure()
    axes = fig.subplots(1, 2)
    assert plot_history(trained[1], ax=axes) is fig
    assert len(axes[0].lines) == 2 and len(axes[1].lines) == 2


def test_empty_history_is_refused():
    with pytest.raises(ValueError, match="no epochs"):
        plot_history(ln.History())


def test_plot_network_draws_every_weight(trained, tmp_path):
    net, _ = trained
    fig = ln.plot_network(net, tmp_path / "net.png")
    ax = fig.axes[0]
    (edges,) = ax.collections
    assert len(edges.get_segments()) == 3 * 4 + 4 * 2  # one line per weight
    # width 0.3 + 3.7 |w| / s, s the largest |w| or |b| of the network
    w = np.concatenate([W.ravel() for W in net.weights])
    s = max(np.abs(w).max(), max(np.abs(b).max() for b in net.biases))
    np.testing.assert_allclose(sorted(edges.get_linewidths()), np.sort(0.3 + 3.7 * np.abs(w) / s))
    assert len(ax.patches) == 3 + 4 + 2  # one circle per neuron
    assert_png(tmp_path / "net.png")


def test_plot_network_wide_layers_are_elided(tmp_path):
    net = ln.Network([64, 30, 10], output_activation="softmax", loss="cross_entropy", seed=0)
    fig = plot_network(net, tmp_path / "digits.png", max_neurons=8)
    (edges,) = fig.axes[0].collections
    assert len(edges.get_segments()) == 8 * 8 + 8 * 8
    assert_png(tmp_path / "digits.png")


def test_import_loopnet_does_not_import_matplotlib():
    code = "import sys, loopnet; loopnet.plot_network; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
