"""Small data sets for loopnet, and helpers to shape and split them.

Every loader returns ``(X, Y)`` in the house notation: one example per row.

=========  ==============  ====================================================
name       shape           meaning
=========  ==============  ====================================================
``X``      ``(N, n_0)``    inputs, float64, C-contiguous; row ``n`` is a^0 of
                           example ``n``
``Y``      ``(N, n_L)``    targets, float64, always 2-D (a single output is a
                           column ``(N, 1)``, never a flat ``(N,)``)
labels     ``(N,)``        int64 class numbers 0 .. n_classes-1, where asked for
=========  ==============  ====================================================

For example, the XOR gate is four examples of two inputs and one output::

    >>> X, Y = logic_gate("xor")
    >>> X.shape, Y.shape
    ((4, 2), (4, 1))
    >>> Y.ravel().tolist()
    [0.0, 1.0, 1.0, 0.0]

and the 8x8 digits are 1797 examples of 64 pixels and 10 one-hot outputs::

    >>> X, Y = load_digits()                  # needs scikit-learn  # doctest: +SKIP
    >>> X.shape, Y.shape                                            # doctest: +SKIP
    ((1797, 64), (1797, 10))

Nothing here downloads anything. The MNIST loaders read files you already have
(``load_mnist`` for the four IDX files from Yann LeCun's page or a mirror,
``load_mnist_pkl`` for ``mnist.pkl.gz`` from Michael Nielsen's repository);
``synthetic_classification`` makes MNIST-sized data on the spot for benchmarks.

One job per module: ``toy`` (gates, worked examples' data, digits, synthetic), ``labels`` (one-hot and the
labels → targets mapping), ``split`` (train/test), ``mnist`` (IDX and pkl files), ``files`` (CSV and NPZ).
They import only the standard library and NumPy; scikit-learn is imported inside ``load_digits`` and
nowhere else. ``loopnet.datasets`` is this package under its old name.
"""

from .files import load_csv, load_npz
from .labels import labels_from_one_hot, one_hot, targets_from_labels
from .mnist import load_idx, load_mnist, load_mnist_pkl
from .split import train_test_split
from .toy import GATES, load_digits, logic_gate, seed_data, synthetic_classification
from ..preprocessing import SCALINGS, Preprocessing

__all__ = [
    "GATES", "logic_gate", "seed_data", "load_digits", "one_hot", "labels_from_one_hot", "targets_from_labels",
    "train_test_split", "load_idx", "load_mnist", "load_mnist_pkl", "synthetic_classification", "load_csv",
    "load_npz", "Preprocessing", "SCALINGS",
]
