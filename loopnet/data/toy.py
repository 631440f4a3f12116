"""Toy data made on the spot or bundled: the logic gates, the worked examples' seed data, scikit-learn's
8x8 digits and learnable synthetic classes of any size (no download)."""
import numbers

import numpy as np

from .labels import _one_hot

# ---------------------------------------------------------------------------
# Logic gates and the worked examples
# ---------------------------------------------------------------------------

# Truth tables, one output per row of _GATE_INPUTS. Choices are tables: adding
# a gate is adding one entry here (and one line to its test).
_GATE_INPUTS = ((0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0))
_GATE_OUTPUTS = {
    "and": (0.0, 0.0, 0.0, 1.0),
    "or": (0.0, 1.0, 1.0, 1.0),
    "xor": (0.0, 1.0, 1.0, 0.0),
    "nand": (1.0, 1.0, 1.0, 0.0),
}

GATES = tuple(_GATE_OUTPUTS)
"""Names accepted by :func:`logic_gate`: ``("and", "or", "xor", "nand")``."""


def logic_gate(name):
    """Truth table of a two-input logic gate as ``(X, Y)``.

    ``X`` is always the four input pairs in binary counting order, shape
    ``(4, 2)``; ``Y`` is the gate's output for each row, shape ``(4, 1)``::

        >>> X, Y = logic_gate("XOR")          # name is case-insensitive
        >>> X.tolist()
        [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
        >>> Y.tolist()
        [[0.0], [1.0], [1.0], [0.0]]

    XOR is the classic gate a single neuron cannot learn (its two classes
    are not linearly separable) and a 2-2-1 network can.

    Parameters
    ----------
    name : str
        One of :data:`GATES`: ``"and"``, ``"or"``, ``"xor"``, ``"nand"``.

    Returns
    -------
    X : ndarray, float64, shape (4, 2)
    Y : ndarray, float64, shape (4, 1)
    """
    if not isinstance(name, str):
        raise TypeError(
            f"logic_gate: name must be a string, one of {GATES}; "
            f"got {type(name).__name__} {name!r}"
        )
    key = name.lower()
    if key not in _GATE_OUTPUTS:
        raise ValueError(
            f"logic_gate: unknown name {name!r}; valid names are "
            f"{', '.join(GATES)} (case-insensitive)"
        )
    X = np.array(_GATE_INPUTS, dtype=np.float64)  # (4, 2)
    Y = np.array(_GATE_OUTPUTS[key], dtype=np.float64).reshape(4, 1)  # (4, 1)
    return X, Y


def seed_data(name):
    """``(X, Y)`` of one of the project's hand-worked examples.

    The numbers live in :mod:`loopnet.worked_examples` (next to the
    arithmetic that checks them); this returns them as arrays in the house
    notation. The name spells out the layer sizes, so ``"mazur-2-2-2"``
    gives ``X`` of shape ``(N, 2)`` and ``Y`` of shape ``(N, 2)``::

        >>> X, Y = seed_data("or-gate-2-2-1")            # doctest: +SKIP
        >>> X.shape[1], Y.shape[1]                       # doctest: +SKIP
        (2, 1)

    Names: ``"by-hand-3-2-1"``, ``"or-gate-2-2-1"``,
    ``"step-by-step-3-4-1"``, ``"mazur-2-2-2"`` (unknown names are reported
    by ``worked_examples.get``).

    Returns
    -------
    X : ndarray, float64, shape (N, n_0)
    Y : ndarray, float64, shape (N, n_L)
    """
    from ..worked_examples import get  # imported here: loaders stay independent

    ex = get(name)
    X = np.array(ex.X, dtype=np.float64)
    Y = np.array(ex.Y, dtype=np.float64)
    if X.ndim != 2 or Y.ndim != 2 or X.shape[0] != Y.shape[0]:
        raise ValueError(
            f"seed_data: worked example {name!r} has X of shape {X.shape} and "
            f"Y of shape {Y.shape}; expected (N, n_0) and (N, n_L), one "
            "example per row (the entry in loopnet.worked_examples needs "
            "nested tuples, one per example)"
        )
    return X, Y



# ---------------------------------------------------------------------------
# scikit-learn's digits
# ---------------------------------------------------------------------------


def load_digits(one_hot=True, scale=True, return_labels=False):
    """scikit-learn's bundled 8x8 handwritten digits (no download).

    1797 images of 8x8 = 64 pixels with integer intensities 0..16, one image
    per row, and their digits 0..9::

        >>> X, Y = load_digits()                  # doctest: +SKIP
        >>> X.shape, Y.shape, X.max()             # doctest: +SKIP
        ((1797, 64), (1797, 10), 1.0)

    Parameters
    ----------
    one_hot : bool, default True
        ``Y`` one-hot, shape ``(1797, 10)`` float64; else the labels,
        shape ``(1797,)`` int64.
    scale : bool, default True
        Divide pixels by 16 so ``X`` lies in [0, 1]; else keep 0..16.
    return_labels : bool, default False
        Also return the labels (1797,) int64 as a third value.

    Returns
    -------
    X, Y  or  X, Y, labels

    Needs scikit-learn (``pip install 'loopnet-backprop[sklearn]'``); raises
    ImportError saying so if it is missing.
    """
    try:
        from sklearn.datasets import load_digits as _sk_load_digits
    except ImportError as exc:
        from ..constants import install_hint
        raise ImportError(
            "load_digits needs scikit-learn: " + install_hint("sklearn")
        ) from exc
    bunch = _sk_load_digits()
    X = np.ascontiguousarray(bunch.data, dtype=np.float64)  # (1797, 64), 0..16
    if scale:
        X /= 16.0
    labels = np.asarray(bunch.target, dtype=np.int64)  # (1797,)
    if one_hot:
        Y = _one_hot(labels, n_classes=10)
    else:
        Y = labels.copy()
    if return_labels:
        return X, Y, labels
    return X, Y



# ---------------------------------------------------------------------------
# Synthetic data
# ---------------------------------------------------------------------------


def _positive_int(value, argname, minimum=1):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(
            f"synthetic_classification: {argname} must be an integer >= "
            f"{minimum}, got {value!r}"
        )
    return int(value)


def synthetic_classification(n_samples, n_features, n_classes, seed=0, one_hot=True):
    """Learnable random classes, any size, made on the spot (no download).

    Each class ``c`` has a random centre ``m_c`` in [0, 1]^n_features; each
    example is halfway between its class centre and uniform noise::

        x = 0.5 * m_c + 0.5 * u,     u uniform on {0, 1/255, ..., 1}

    so every value lies in [0, 1] (8-bit steps in the noise, like MNIST
    pixels) and the classes are separable for a small network. Classes are
    balanced (sizes differ by at most one) and shuffled. The same arguments
    always give the same arrays. An MNIST-sized stand-in::

        >>> X, Y = synthetic_classification(60000, 784, 10)   # doctest: +SKIP
        >>> X.shape, Y.shape                                  # doctest: +SKIP
        ((60000, 784), (60000, 10))

    Parameters
    ----------
    n_samples : int >= 1   (N)
    n_features : int >= 1  (n_0)
    n_classes : int >= 2   (n_L when one_hot)
    seed : int, default 0  (for ``numpy.random.default_rng``)
    one_hot : bool, default True

    Returns
    -------
    X : ndarray, float64, shape (n_samples, n_features), values in [0, 1]
    Y : ndarray, float64 one-hot (n_samples, n_classes), or int64 labels
        (n_samples,) if not one_hot
    """
    N = _positive_int(n_samples, "n_samples")
    F = _positive_int(n_features, "n_features")
    C = _positive_int(n_classes, "n_classes", minimum=2)
    rng = np.random.default_rng(seed)
    half_centres = 0.5 * rng.random((C, F))  # (C, F): 0.5 * m_c
    labels = rng.permutation(np.arange(N, dtype=np.int64) % C)  # (N,)
    # Random bytes are ~10x faster to draw than random float64s, which is
    # what makes 60000 x 784 take a fraction of a second.
    noise = np.frombuffer(rng.bytes(N * F), dtype=np.uint8).reshape(N, F)
    X = np.empty((N, F), dtype=np.float64)
    step = 4096  # rows per block: keeps temporaries small
    for s in range(0, N, step):
        e = min(s + step, N)
        np.multiply(noise[s:e], 0.5 / 255.0, out=X[s:e])
        X[s:e] += half_centres[labels[s:e]]
    if one_hot:
        return X, _one_hot(labels, n_classes=C)
    return X, labels
