"""Loading the --data a command names: built-in sets, MNIST files and your own CSV/NPZ files, split into
training, validation and test parts the same way every time (the split is recorded in the model file)."""
from __future__ import annotations

import os

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
        from ..constants import install_hint
        raise UsageError(f"--data digits needs scikit-learn (pip install scikit-learn, or {install_hint('cli')})") \
            from None
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


class Parts:
    """The data of one ``loopnet train``: training, validation (None: none) and test parts, already
    preprocessed; ``test_name`` says what the final score is on; ``split`` is the record saved with the model
    (None when nothing was split: the gates, MNIST's own files)."""

    def __init__(self, train, val, test, test_name, described, pre, split):
        self.train, self.val, self.test, self.test_name = train, val, test, test_name
        self.described, self.pre, self.split = described, pre, split


def spec_key(data):
    """The --data value as recorded in the model file: ``kind`` or ``kind:argument`` (files as absolute paths)."""
    kind, arg = data
    if arg is None:
        return kind
    if kind == "gate":
        return arg
    if kind == "synthetic":
        return "synthetic:" + ",".join(map(str, arg))
    return f"{kind}:{os.path.abspath(arg)}"


def held_out(Y, size, seed, stratify, flag="--test-size"):
    """(kept, held) example indices: ``size`` (a fraction or a count) of the rows of Y held out, stratified by
    class when asked (and possible), by :func:`loopnet.data.train_test_split`, so the same call gives the same
    split in train and in evaluate."""
    import numpy as np

    from .. import data as ds
    idx = np.arange(len(Y), dtype=np.float64).reshape(-1, 1)
    if isinstance(size, int) and not size < len(Y):
        raise UsageError(f"{flag} {size} leaves no training examples (the data has {len(Y)})")
    try:
        kept, held, _, _ = ds.train_test_split(idx, Y, test_size=size, seed=seed, stratify=stratify)
    except ValueError:
        if not stratify:
            raise
        kept, held, _, _ = ds.train_test_split(idx, Y, test_size=size, seed=seed, stratify=False)
    return kept[:, 0].astype(np.int64), held[:, 0].astype(np.int64)


def raw_data(kind, arg, args, seed=0):
    """(X, Y or labels, classes or None, what): the whole data set --data names, before any split or scaling.
    Y is one-hot for the built-in classification sets; files give their label column."""
    from .. import data as ds
    if kind in ("csv", "npz"):
        X, labels = _read_file_data(kind, arg, args)
        return X, labels, None, f"{kind} {arg}"
    if kind == "digits":
        X, Y = _digits_raw()
        return X, Y, list(range(10)), "digits"
    if kind == "gate":
        X, Y = ds.logic_gate(arg)
        return X, Y, None, f"{arg.upper()} gate"
    if kind == "synthetic":
        N, F, C = arg
        X, Y = ds.synthetic_classification(N, F, C, seed=seed)
        return X, Y, list(range(C)), f"synthetic {N}x{F}, {C} classes"
    raise AssertionError(kind)


def load_data(kind, arg, test_size, seed, args=None, validation_size=0.1):
    """The :class:`Parts` of ``loopnet train``: the test part held out first (``test_size``), then the
    validation part from what is left (``validation_size``; 0 for none), so the per-epoch validation score and
    the final test score are on different examples. X are preprocessed by the preprocessing returned (fitted on
    the training part only; saved with the model)."""
    from .. import data as ds
    from ..preprocessing import Preprocessing

    split = dict(data=spec_key((kind, arg)), seed=int(seed), test_size=test_size, validation_size=validation_size)
    if kind == "gate":
        X, Y = ds.logic_gate(arg)
        return Parts((X, Y), None, (X, Y), "training", f"{arg.upper()} gate, 4 examples (trained and tested on "
                     f"all four)", None, None)
    if kind == "mnist-pkl":
        (Xtr, Ytr), (Xva, Yva), (Xte, Yte) = ds.load_mnist_pkl(arg)
        return Parts((Xtr, Ytr), (Xva, Yva), (Xte, Yte), "test", f"MNIST (pkl) {arg}: {len(Xtr)} training, "
                     f"{len(Xva)} validation, {len(Xte)} test", None, None)
    if kind == "mnist-idx":
        X, Y = ds.load_mnist(arg, "train")
        try:
            test = ds.load_mnist(arg, "test")
            how, record = "the t10k files", None
        except FileNotFoundError:
            keep, held = held_out(Y, test_size, seed, True)
            test, X, Y = (X[held], Y[held]), X[keep], Y[keep]
            how, record = "held out from the training files (no t10k files found)", split
        train, val = _validation(X, Y, validation_size, seed, True)
        return Parts(train, val, test, "test", f"MNIST (IDX) {arg}: {len(train[0])} training, "
                     f"{0 if val is None else len(val[0])} validation, {len(test[0])} test ({how})", None, record)
    X, labels, classes, what = raw_data(kind, arg, args, seed)
    if kind in ("csv", "npz"):
        Y, classes = ds.targets_from_labels(labels, args.task, where=f"{kind}:{arg}")
    else:
        Y = labels
    keep, held = held_out(Y, test_size, seed, classes is not None)
    train, val = _validation(X[keep], Y[keep], validation_size, seed, classes is not None)
    if kind == "digits":
        pre = _digits_preprocessing()
    elif kind == "synthetic":
        pre = Preprocessing([0.0] * X.shape[1], [1.0] * X.shape[1], classes, "none")
    else:
        columns = getattr(args, "_columns", None)
        pre = Preprocessing.fit(train[0], args.scale, classes, columns)
    train = (pre.apply(train[0]), train[1])
    val = None if val is None else (pre.apply(val[0]), val[1])
    test = (pre.apply(X[held]), Y[held])
    kinds = (f"{len(classes)} classes" if classes is not None else f"regression, {Y.shape[1]} output(s)")
    scaled = f"; inputs scaled: {args.scale}" if kind in ("csv", "npz") else ""
    return Parts(train, val, test, "test", f"{what}: {len(train[0])} training, {0 if val is None else len(val[0])} "
                 f"validation, {len(test[0])} test ({kinds}{scaled}; split with seed {seed})", pre, split)


def _validation(X, Y, size, seed, stratify):
    """(train, validation or None): ``size`` of the training part held out for per-epoch validation."""
    if not size:
        return (X, Y), None
    keep, held = held_out(Y, size, seed + 1, stratify, "--validation-size")
    return (X[keep], Y[keep]), (X[held], Y[held])


def model_and_data(args, features_only_ok):
    """The saved model and (X preprocessed, Y or None) for its --data: the test part of the split recorded in
    the model when it was trained on the same data (``--whole`` for every example), else every example."""
    import numpy as np

    import loopnet as ln

    from .. import data as ds

    net = ln.load(args.model, backend=args.backend)
    pre = net.preprocessing
    kind, arg = args.data
    n_in = net.sizes[0]
    split = getattr(net, "data_split", None)
    if kind in ("csv", "npz"):
        first = None
        try:
            X, labels = _read_file_data(kind, arg, args)
        except ValueError as exc:
            if not features_only_ok:
                raise
            X = labels = None
            first = exc
        if X is None or (X.shape[1] != n_in and features_only_ok):
            try:
                X, labels = _read_file_data(kind, arg, args, features_only=True)
            except ValueError:
                if first is not None:   # unreadable either way: the error of the file as labelled names the
                    raise first from None   # real cell, not the label column read as a feature
                raise
        elif X.shape[1] + 1 == n_in:
            raise UsageError(f"--data {kind}:{arg} has {n_in} columns, as many as the model has inputs, so it has no "
                             f"label column: evaluate needs inputs and labels (predict takes inputs only)")
    elif kind in ("mnist-idx", "mnist-pkl"):
        parts = load_data(kind, arg, 0.2, 0, args, 0)
        X, labels = parts.test
        split = None
    else:
        X, labels, _, _ = raw_data(kind, arg, args, split["seed"] if split else 0)
    if X.shape[1] != n_in:
        raise UsageError(f"the data has {X.shape[1]} input columns but the model takes {n_in} inputs")
    scored = f"all {len(X)} examples"
    if split is not None and split["data"] == spec_key(args.data) and not getattr(args, "whole", False) \
            and labels is not None and not features_only_ok:       # evaluate; predict predicts every row
        Y_for_split = labels
        classes = None if pre is None else pre.classes
        if kind in ("csv", "npz") and classes is not None:
            Y_for_split, _ = ds.targets_from_labels(labels, "classification", classes=classes, where=f"--data {kind}")
        _, held = held_out(Y_for_split, split["test_size"], split["seed"],
                          classes is not None or kind in ("digits", "synthetic"))
        X, labels = X[held], labels[held]
        scored = (f"the {len(X)} test examples held out when the model was trained (split recorded in the model "
                  f"file; --whole scores all {len(Y_for_split)})")
    if pre is not None:
        X = pre.apply(X)
    Y = None
    if labels is not None:
        if labels.ndim == 2 and labels.shape[1] > 1 and net.task == "classes" and kind not in ("csv", "npz"):
            labels = ds.labels_from_one_hot(labels)
        if pre is not None and pre.classes is not None:
            Y, _ = ds.targets_from_labels(labels, "classification", classes=pre.classes, where=f"--data {kind}")
        elif net.task == "classes":
            Y, _ = ds.targets_from_labels(labels, "classification", classes=np.arange(net.sizes[-1]),
                                          where=f"--data {kind}")
        else:
            Y, _ = ds.targets_from_labels(labels, "regression", where=f"--data {kind}")
        if Y.shape[1] != net.sizes[-1]:
            raise UsageError(f"the data has {Y.shape[1]} target column(s) but the model has {net.sizes[-1]} outputs")
    args._scored = scored
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
