"""The data helpers under their first name: ``loopnet.datasets`` is :mod:`loopnet.data` (toy sets, MNIST files,
CSV/NPZ files, labels, splitting) plus :class:`loopnet.preprocessing.Preprocessing`, re-exported so that code
written against it keeps working."""
from .data import *  # noqa: F401,F403
from .data import __all__  # noqa: F401
from .data.files import load_csv, load_npz  # noqa: F401
from .data.labels import labels_from_one_hot, one_hot, targets_from_labels  # noqa: F401
from .data.mnist import load_idx, load_mnist, load_mnist_pkl  # noqa: F401
from .data.split import train_test_split  # noqa: F401
from .data.toy import GATES, load_digits, logic_gate, seed_data, synthetic_classification  # noqa: F401
from .preprocessing import SCALINGS, Preprocessing  # noqa: F401
