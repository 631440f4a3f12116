"""Loading the --data a command names: built-in sets, MNIST files and your own CSV/NPZ files, split into
training, validation and test parts the same way every time (the split is recorded in the model file)."""
from __future__ import annotations

from .errors import UsageError

# Per data set: the hidden layers, epochs, lr and mini-batch size used when not given.
# digits: 64-30-10 sigmoid, quadratic, lr 3, batch 10, 30 epochs on a stratified 80/20 split
# gives 96.9-97.5 % held-out accuracy over seeds 0-4 (tests/test_training.py checks >= 95 %).
# The gates: 2-3-1, full-batch gradient descent; XOR converges from every seed 0-19 tried.
DEFAULTS = {
    "digits": dict(hidden=[30], epochs=30, lr=3.0, batch_size=10),
    "gate": dict(hidden=[3], epochs=3000, lr=3.0, batch_size=None),
    "mnist": dict(hidden=[30], epochs=30, lr=3.0, batch_size=10),       # Nielsen's chapter 1 settings
    "synthetic": dict(hidden=[30], epochs=30, lr=3.0, batch_size=10),
    "file": dict(hidden=[30], epochs=30, lr=3.0, batch_size=10),       # csv:PATH and npz:PATH
}


DIGITS_SCALE = 16.0  # digits pixels are 0..16; the models see pixels / 16 (recorded in the model file)


def _digits_raw():
    from .. import data as ds
    try:
        X, Y = ds.load_digits(scale=False)
    except ImportError:
        raise UsageError("--data digits needs scikit-learn (pip install scikit-learn, or "
                         "pip install 'loopnet-backprop[cli]')") from None
    return X, Y


def _digits_preprocessing():
    from ..preprocessing import Preprocessing
    return Preprocessing([0.0] * 64, [DIGITS_SCALE] * 64, list(range(10)), "digits pixels / 16")


def _read_file_data(kind, path, args, features_only=False):
    """(X, labels-or-targets) from csv:PATH or npz:PATH, as the options say."""
    from .. import data as ds
    if kind == "csv":
        X, labels, _ = ds.load_csv(path, label_column=args.label_column, features_only=features_only)
        return X, labels
    return ds.load_npz(path, x_key=args.x_key, y_key=args.y_key, features_only=features_only)


def load_data(kind, arg, test_size, seed, args=None):
    """(X_train, Y_train, X_test, Y_test, X_val, Y_val, description, preprocessing); validation may be the
    test set. The X returned are already preprocessed; ``preprocessing`` says how (it is saved with the model)."""
    from .. import data as ds

    if kind in ("csv", "npz"):
        X, labels = _read_file_data(kind, arg, args)
        Y, classes = ds.targets_from_labels(labels, args.task, where=f"{kind}:{arg}")
        if classes is not None:
            Xtr, Xte, Ytr, Yte = _split(ds, X, Y, test_size, seed)
        else:
            Xtr, Xte, Ytr, Yte = _split(ds, X, Y, test_size, seed, stratify=False)
        pre = ds.Preprocessing.fit(Xtr, args.scale, classes)
        Xtr, Xte = pre.apply(Xtr), pre.apply(Xte)
        what = f"{len(classes)} classes" if classes is not None else f"regression, {Y.shape[1]} output(s)"
        return Xtr, Ytr, Xte, Yte, Xte, Yte, f"{kind} {arg}: {len(Xtr)} training, {len(Xte)} held out " \
                                              f"({what}; inputs scaled: {args.scale})", pre
    if kind == "digits":
        X, Y = _digits_raw()
        pre = _digits_preprocessing()
        Xtr, Xte, Ytr, Yte = _split(ds, pre.apply(X), Y, test_size, seed)
        return Xtr, Ytr, Xte, Yte, Xte, Yte, f"digits: {len(Xtr)} training, {len(Xte)} held-out images " \
                                              f"(stratified split, seed {seed})", pre
    return (*_load_builtin(ds, kind, arg, test_size, seed), None)


def _load_builtin(ds, kind, arg, test_size, seed):
    if kind == "gate":
        X, Y = ds.logic_gate(arg)
        return X, Y, X, Y, None, None, f"{arg.upper()} gate, 4 examples (trained and tested on all four)"
    if kind == "synthetic":
        N, F, C = arg
        X, Y = ds.synthetic_classification(N, F, C, seed=seed)
        Xtr, Xte, Ytr, Yte = _split(ds, X, Y, test_size, seed)
        return Xtr, Ytr, Xte, Yte, Xte, Yte, f"synthetic {N}x{F}, {C} classes: {len(Xtr)} training, " \
                                              f"{len(Xte)} held out"
    if kind == "mnist-idx":
        Xtr, Ytr = ds.load_mnist(arg, "train")
        try:
            Xte, Yte = ds.load_mnist(arg, "test")
            how = "the t10k files"
        except FileNotFoundError:
            Xtr, Xte, Ytr, Yte = _split(ds, Xtr, Ytr, test_size, seed)
            how = "held out from the training files (no t10k files found)"
        return Xtr, Ytr, Xte, Yte, Xte, Yte, f"MNIST (IDX) {arg}: {len(Xtr)} training, {len(Xte)} test ({how})"
    if kind == "mnist-pkl":
        (Xtr, Ytr), (Xva, Yva), (Xte, Yte) = ds.load_mnist_pkl(arg)
        return Xtr, Ytr, Xte, Yte, Xva, Yva, f"MNIST (pkl) {arg}: {len(Xtr)} training, {len(Xva)} validation, " \
                                              f"{len(Xte)} test"
    raise AssertionError(kind)


def _split(ds, X, Y, test_size, seed, stratify=True):
    if isinstance(test_size, int) and not test_size < len(X):
        raise UsageError(f"--test-size {test_size} leaves no training examples (the data has {len(X)})")
    return ds.train_test_split(X, Y, test_size=test_size, seed=seed, stratify=stratify)


def model_and_data(args, features_only_ok):
    """The saved model and (X preprocessed, Y or None, labels-for-display) for its --data."""
    import numpy as np

    import loopnet as ln
    from .. import data as ds

    net = ln.load(args.model, backend=args.backend)
    pre = net.preprocessing
    kind, arg = args.data
    n_in = net.sizes[0]
    if kind in ("csv", "npz"):
        try:
            X, labels = _read_file_data(kind, arg, args)
            if X.shape[1] != n_in and features_only_ok:
                raise ValueError("not a labelled file")
        except ValueError:
            if not features_only_ok:
                raise
            X, labels = _read_file_data(kind, arg, args, features_only=True)
    elif kind == "digits":
        X, Y = _digits_raw()
        labels = ds.labels_from_one_hot(Y)
    else:
        # gates: all four examples; MNIST: its test set; synthetic: the held-out part train would use
        _, _, X, labels, _, _, _ = _load_builtin(ds, kind, arg, 0.2, 0)
        if labels.ndim == 2 and net.task == "classes":
            labels = ds.labels_from_one_hot(labels)
    if X.shape[1] != n_in:
        raise UsageError(f"the data has {X.shape[1]} input columns but the model takes {n_in} inputs")
    if pre is not None:
        X = pre.apply(X)
    Y = None
    if labels is not None:
        if pre is not None and pre.classes is not None:
            Y, _ = ds.targets_from_labels(labels, "classification", classes=pre.classes, where=f"--data {kind}")
        elif net.task == "classes":
            Y, _ = ds.targets_from_labels(labels, "classification", classes=np.arange(net.sizes[-1]),
                                          where=f"--data {kind}")
        else:
            Y, _ = ds.targets_from_labels(labels, "regression", where=f"--data {kind}")
        if Y.shape[1] != net.sizes[-1]:
            raise UsageError(f"the data has {Y.shape[1]} target column(s) but the model has {net.sizes[-1]} outputs")
    return net, X, Y


def class_names(net):
    import numpy as np
    pre = net.preprocessing
    if pre is not None and pre.classes is not None:
        return np.asarray(pre.classes)
    if net.task == "binary":
        return np.array([0, 1])
    if net.task == "classes":
        return np.arange(net.sizes[-1])
    return None
