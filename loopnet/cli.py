"""The ``loopnet`` command (also ``python -m loopnet``): ``train``, ``evaluate``, ``predict`` and ``explain``.

::

    loopnet train --data digits                      # 64-30-10 sigmoid, 30 epochs: ~97 % held out
    loopnet train --data xor --save /tmp/xor.npz
    loopnet train --data csv:iris.csv --label-column species --save /tmp/iris.npz   # your own data
    loopnet evaluate --model /tmp/iris.npz --data csv:iris.csv --label-column species
    loopnet predict --model /tmp/iris.npz --data csv:new.csv --out /tmp/predictions.csv
    loopnet train --data mnist-idx:~/data/mnist --sizes 784,30,10 --plot curves.png
    loopnet explain --example by-hand-3-2-1 --format markdown

This module imports only the standard library at the top, so ``loopnet --help`` answers at once:
numba, NumPy and the engine are imported when a command runs. The names offered for
``--activation``, ``--loss``, ... are written out here for that reason; a test checks they match
the tables in :mod:`loopnet.activations`, :mod:`loopnet.losses` and friends.

Exit codes: 0 done; 1 training diverged; 2 a wrong argument, an unusable data/model file or sizes
that do not fit in memory (one line on stderr, no traceback); 130 interrupted with Ctrl-C (what was trained is still reported,
and saved if ``--save`` was given).
"""
from __future__ import annotations

import argparse
import os
import sys
import time

# the same names as the tables (tests/test_cli.py checks they agree)
ACTIVATION_NAMES = ("sigmoid", "tanh", "relu", "identity")
OUTPUT_ACTIVATION_NAMES = ACTIVATION_NAMES + ("softmax",)
LOSS_NAMES = ("mse", "quadratic", "sse", "cross_entropy")
OPTIMIZER_NAMES = ("sgd", "adam")
BACKEND_NAMES = ("loops", "plain", "numpy", "python")
DTYPE_NAMES = ("float64", "float32")
INIT_NAMES = ("scaled", "normal", "xavier", "he")
GATE_NAMES = ("xor", "or", "and", "nand")
FORMATS = ("text", "markdown", "latex", "html")
SCALING_NAMES = ("standard", "minmax", "none")   # loopnet.datasets.SCALINGS
TASK_NAMES = ("auto", "classification", "regression")

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
SYNTHETIC_SHAPE = (60000, 784, 10)  # MNIST-sized unless given as synthetic:N,F,C

DATA_HELP = ("digits (scikit-learn's 8x8 digits, 1797 images), xor, or, and, nand (the logic gates), "
             "mnist-idx:DIR (the four MNIST IDX files in DIR; t10k is the test set), mnist-pkl:PATH "
             "(Nielsen's mnist.pkl.gz: a pickle, which can run code, so it needs --allow-pickle), synthetic or "
             "synthetic:N,F,C (N examples, F features, C classes; default %s), csv:PATH (one example per row; the "
             "label column is --label-column), npz:PATH (arrays --x-key and --y-key)" % ",".join(map(str, SYNTHETIC_SHAPE)))


class UsageError(Exception):
    """A problem with what the user asked for: one line on stderr, exit code 2."""


# ---------------------------------------------------------------------------------------------
# Parsing (standard library only)
# ---------------------------------------------------------------------------------------------
def _data_spec(text):
    """``--data`` value → (kind, argument), checking that named files exist."""
    name, _, rest = text.partition(":")
    if name in ("digits",) and not rest:
        return ("digits", None)
    if name in GATE_NAMES and not rest:
        return ("gate", name)
    if name == "synthetic":
        if not rest:
            return ("synthetic", SYNTHETIC_SHAPE)
        try:
            shape = tuple(int(p) for p in rest.split(","))
        except ValueError:
            shape = ()
        if len(shape) != 3 or min(shape) < 1 or shape[2] < 2:
            raise argparse.ArgumentTypeError(f"synthetic:{rest} is not N,F,C (three positive integers, C >= 2), "
                                             f"e.g. synthetic:2000,20,3")
        return ("synthetic", shape)
    if name in ("mnist-idx", "mnist-pkl"):
        if not rest:
            raise argparse.ArgumentTypeError(f"{name} needs a path: {name}:{'DIR' if name == 'mnist-idx' else 'PATH'}")
        path = os.path.expanduser(rest)
        if name == "mnist-idx" and not os.path.isdir(path):
            raise argparse.ArgumentTypeError(f"mnist-idx: no directory {rest!r} (expected the directory holding "
                                             f"train-images-idx3-ubyte[.gz] and the other IDX files)")
        if name == "mnist-pkl" and not os.path.isfile(path):
            raise argparse.ArgumentTypeError(f"mnist-pkl: no file {rest!r} (expected Nielsen's mnist.pkl.gz)")
        return (name, path)
    if name in ("csv", "npz"):
        if not rest:
            raise argparse.ArgumentTypeError(f"{name} needs a path: {name}:PATH")
        path = os.path.expanduser(rest)
        if not os.path.isfile(path):
            raise argparse.ArgumentTypeError(f"{name}: no file {rest!r}")
        return (name, path)
    raise argparse.ArgumentTypeError(f"{text!r} is not a data set; choose digits, xor, or, and, nand, "
                                     f"mnist-idx:DIR, mnist-pkl:PATH, synthetic or synthetic:N,F,C, csv:PATH, npz:PATH")


def _sizes(text):
    try:
        sizes = [int(p) for p in text.split(",")]
    except ValueError:
        sizes = []
    if len(sizes) < 2 or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list of at least two positive layer sizes, "
                                         f"e.g. 64,30,10")
    return sizes


def _batch_size(text):
    if text in ("full", "none", "None", "all"):
        return None
    if text == "auto":
        return "auto"
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive integer, 'full' (the whole training set) or "
                                         f"'auto' (min(200, N))")
    return value


def _number(minimum=None, strict=False, integer=False):
    def parse(text):
        try:
            value = int(text) if integer else float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {'an integer' if integer else 'a number'}") from None
        if value != value or value in (float("inf"), float("-inf")):
            raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
        if minimum is not None and (value < minimum or (strict and value == minimum)):
            raise argparse.ArgumentTypeError(f"{text!r} must be {'>' if strict else '>='} {minimum}")
        return value
    return parse


def _test_size(text):
    try:
        value = int(text)
    except ValueError:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a fraction in (0, 1) or a number of examples") from None
        if not 0 < value < 1:
            raise argparse.ArgumentTypeError(f"{text!r}: a fraction must be strictly between 0 and 1")
        return value
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: a number of test examples must be >= 1")
    return value


def _writable_file(text):
    """An output path: not empty, and (after following symlinks) a regular file or none yet, in a directory
    that exists and can be written (the checks of :func:`loopnet.writing.check_target`)."""
    from .writing import check_target
    if text == "-":
        return text
    path = os.path.expanduser(text)
    try:
        target = check_target(path)
    except (ValueError, OSError) as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if not os.access(os.path.dirname(target), os.W_OK):
        raise argparse.ArgumentTypeError(f"{text!r}: no permission to write in {os.path.dirname(target)!r}")
    return path


def data_inputs(data):
    """{argument: path} of the files the --data value (kind, argument) reads, for the writer's input check."""
    kind, arg = data
    if kind in ("csv", "npz", "mnist-pkl"):
        return {"--data": arg}
    if kind == "mnist-idx":
        try:
            names = sorted(os.listdir(arg))
        except OSError:
            return {}
        return {f"--data file {name!r}": os.path.join(arg, name) for name in names}
    return {}


class _Help(argparse.HelpFormatter):
    """Appends "(default: ...)" where there is a default worth showing and the help does not say it."""

    def _get_help_string(self, action):
        text = action.help or ""
        shown = action.default is not None and action.default is not False and action.default != argparse.SUPPRESS
        if "default" not in text and shown and action.option_strings:  # 0 and 0.0 are shown too
            text += " (default: %(default)s)"
        return text


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit code 2 (argparse's own convention)
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser():
    """The argparse parser of ``loopnet`` (standard library only: building it imports nothing heavy)."""
    parser = _Parser(prog="loopnet", description="Small fully connected networks with per-component "
                     "backpropagation: train one, or explain one gradient step component by component.")
    parser.add_argument("--version", action="version", version=f"loopnet {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="{train,evaluate,predict,explain,compile}", parser_class=_Parser)
    sub.required = True

    t = sub.add_parser("train", help="train a network and report loss/accuracy per epoch",
                       description="Train a network by mini-batch gradient descent and report loss and accuracy "
                       "per epoch. Unset options take per-data defaults (digits: 64-30-10, 30 epochs, lr 3, "
                       "batch 10 - about 97% held-out accuracy).",
                       formatter_class=_Help)
    t.add_argument("--data", type=_data_spec, default="digits", metavar="NAME", help=DATA_HELP)
    t.add_argument("--sizes", type=_sizes, help="layer sizes n_0,...,n_L, e.g. 64,30,10 (default: inputs,30,outputs; "
                   "gates: 2,3,1)")
    t.add_argument("--epochs", type=_number(0, integer=True), help="passes over the training set "
                   "(default 30; gates 3000)")
    t.add_argument("--lr", type=_number(0, strict=True), help="learning rate eta (default 3.0 for every data set)")
    t.add_argument("--batch-size", type=_batch_size, default=argparse.SUPPRESS,
                   help="mini-batch size (clipped to the number of training examples), 'full' for full-batch "
                   "gradient descent, or 'auto' for min(200, N) (default 10; gates full)")
    t.add_argument("--activation", choices=ACTIVATION_NAMES, default="sigmoid", help="hidden-layer activation")
    t.add_argument("--output-activation", choices=OUTPUT_ACTIVATION_NAMES, help="output activation "
                   "(default: the same as --activation)")
    t.add_argument("--loss", choices=LOSS_NAMES, default="quadratic", help="loss function")
    t.add_argument("--optimizer", choices=OPTIMIZER_NAMES, default="sgd", help="sgd (with --momentum) or adam")
    t.add_argument("--momentum", type=_number(0), default=0.0, help="momentum mu in [0, 1) for sgd")
    t.add_argument("--l2", type=_number(0), default=0.0, help="L2 strength lambda (cost + lambda/(2n) sum w^2)")
    t.add_argument("--init", choices=INIT_NAMES, default="scaled", help="weight initialisation")
    t.add_argument("--seed", type=_number(0, integer=True), default=0,
                   help="seed for the weights, the shuffling and the train/test split")
    t.add_argument("--backend", choices=BACKEND_NAMES, default="loops", help="loops (compiled), numpy, python (slow)")
    t.add_argument("--dtype", choices=DTYPE_NAMES, default="float64", help="floating-point type")
    t.add_argument("--test-size", type=_test_size, default=0.2,
                   help="held-out part when the data has no test set: a fraction or a number of examples")
    _file_data_options(t, train=True)
    t.add_argument("--save", type=_writable_file, metavar="MODEL.npz", help="write the trained network here "
                   "(with the preprocessing applied and the class labels, which evaluate and predict reuse)")
    t.add_argument("--plot", type=_writable_file, metavar="CURVES.png",
                   help="draw training and validation curves here (needs matplotlib)")
    t.add_argument("--allow-pickle", action="store_true",
                   help="allow --data mnist-pkl:PATH, a Python pickle: unpickling runs whatever code the file "
                   "holds, so use it only for a file you trust (Nielsen's mnist.pkl.gz from his repository)")
    t.add_argument("--no-progress", action="store_true", help="no progress bar (per-epoch lines still print)")
    t.add_argument("--log-every", type=_number(1, integer=True),
                   help="print every k-th epoch (default: every epoch up to 50 epochs, else about 25 lines)")

    ev = sub.add_parser("evaluate", help="loss, accuracy and confusion matrix of a saved model on data",
                        description="Apply the model's recorded preprocessing to the data and report the loss, "
                        "and for classifiers the accuracy and the confusion matrix.", formatter_class=_Help)
    ev.add_argument("--model", type=_model_file, required=True, metavar="MODEL.npz", help="a model saved by train")
    ev.add_argument("--data", type=_data_spec, required=True, metavar="NAME", help=DATA_HELP)
    _file_data_options(ev, train=False)
    ev.add_argument("--backend", choices=BACKEND_NAMES, default="loops", help="loops (compiled), numpy, python")

    pr = sub.add_parser("predict", help="write a saved model's predictions for data to a file",
                        description="Apply the model's recorded preprocessing to the inputs and write one row per "
                        "example: the predicted label (classifiers) and the outputs a^L.", formatter_class=_Help)
    pr.add_argument("--model", type=_model_file, required=True, metavar="MODEL.npz", help="a model saved by train")
    pr.add_argument("--data", type=_data_spec, required=True, metavar="NAME",
                    help=DATA_HELP + "; a CSV or NPZ file may hold the inputs only")
    _file_data_options(pr, train=False)
    pr.add_argument("--out", type=_writable_file, required=True, metavar="FILE",
                    help="where to write: .csv (a header row, then prediction and outputs per example) or .npz "
                    "(arrays prediction and outputs)")
    pr.add_argument("--backend", choices=BACKEND_NAMES, default="loops", help="loops (compiled), numpy, python")

    from .worked_examples import EXAMPLES  # pure data, imports nothing heavy
    e = sub.add_parser("explain", help="show one gradient-descent step as the chain-rule products it is",
                       description="Print the forward pass, every backprop component and the update for one "
                       "example or a batch, from a worked example (--example) or your own weights "
                       "(--weights/--x/--y). The loss used is printed on stderr.",
                       epilog="worked examples (--example NAME): " + "; ".join(
                           f"{k} ({v.title}; loss {v.loss}, lr {v.lr:g}, {len(v.X)} example"
                           f"{'s' if len(v.X) > 1 else ''})" for k, v in EXAMPLES.items()) +
                       ". With --example only --lr, --focus, --full, --expand-paths, --format and --out apply.",
                       formatter_class=_Help)
    e.add_argument("--example", metavar="NAME", help="a worked example: " + ", ".join(EXAMPLES))
    e.add_argument("--sizes", help="layer sizes, checked against --weights, e.g. 3,2,1")
    e.add_argument("--weights", metavar="FILE.json", help="list of layer matrices W^l, each (n_l, n_{l-1})")
    e.add_argument("--biases", metavar="FILE.json", help="list of bias vectors b^l (default: no biases)")
    e.add_argument("--x", metavar="X", help="one input, comma separated (0,1,2), or a batch, examples separated "
                   "by ';' ('0,0;0,1;1,0;1,1')")
    e.add_argument("--y", metavar="Y", help="the target(s), in the same form as --x, e.g. 1 or '0;1;1;1'")
    e.add_argument("--lr", type=_number(0, strict=True), help="learning rate of the step shown")
    e.add_argument("--activation", choices=ACTIVATION_NAMES)
    e.add_argument("--output-activation", choices=OUTPUT_ACTIVATION_NAMES)
    e.add_argument("--loss", choices=LOSS_NAMES, help="loss (default for --weights: quadratic; a worked example "
                   "uses its source's)")
    e.add_argument("--focus", metavar="NAME", help="only what computes or feeds one quantity, neuron or layer: "
                   "'dL/dW1[2,3]', 'neuron 1[2]', 'layer 2'")
    e.add_argument("--full", action="store_true", help="the whole derivation even when it is long")
    e.add_argument("--expand-paths", action="store_true", help="also write each gradient as a sum over paths")
    e.add_argument("--format", choices=FORMATS, default="text", help="how to print the derivation")
    e.add_argument("--out", metavar="FILE", help="write the derivation to FILE instead of stdout "
                   "(e.g. a .html page or a .tex handout)")

    c = sub.add_parser("compile", help="fill numba's cache with loopnet's kernels ahead of time",
                       description="Compile the loops backend's kernels (or load them if cached) so that no later "
                       "process waits for it: for a container image, a CI cache or a cluster's workers. By default "
                       "the component and blocked kernels (every network without a layer of 4e6 multiply-adds per "
                       "batch); --all adds the parallel ones.", formatter_class=_Help)
    c.add_argument("--dtype", type=_dtypes, default="float64", metavar="DTYPES",
                   help="comma-separated: float64, float32 or both")
    c.add_argument("--all", action="store_true", help="also the parallel kernels (layers of 4e6 multiply-adds or more)")
    return parser


def _model_file(text):
    path = os.path.expanduser(text)
    if not os.path.isfile(path):
        raise argparse.ArgumentTypeError(f"no model file {text!r}")
    return path


def _file_data_options(p, train):
    """Options that say how to read --data csv:PATH / npz:PATH."""
    p.add_argument("--label-column", default="-1", metavar="COLUMN",
                   help="csv: the label column, by header name or index (0-based, -1 the last)")
    p.add_argument("--x-key", default="X", metavar="KEY", help="npz: the array of inputs (N, n_0)")
    p.add_argument("--y-key", default="y", metavar="KEY", help="npz: the labels (N,) or targets (N, n_L)")
    if train:
        p.add_argument("--task", choices=TASK_NAMES, default="auto",
                       help="csv/npz: classification (one output per class) or regression; auto: classification "
                       "when every label is an integer or a word")
        p.add_argument("--scale", choices=SCALING_NAMES, default="standard",
                       help="csv/npz: input scaling learnt on the training part and saved with the model "
                       "(standard: zero mean, unit variance per feature; minmax: [0, 1])")


def _dtypes(text):
    names = [t.strip() for t in text.split(",") if t.strip()]
    bad = [t for t in names if t not in DTYPE_NAMES]
    if not names or bad:
        raise argparse.ArgumentTypeError(f"expected a comma-separated list of {', '.join(DTYPE_NAMES)}; got {text!r}")
    return names


def _version():
    try:
        from . import __version__
        return __version__
    except ImportError:  # pragma: no cover
        return "unknown"


# ---------------------------------------------------------------------------------------------
# loopnet train
# ---------------------------------------------------------------------------------------------
DIGITS_SCALE = 16.0  # digits pixels are 0..16; the models see pixels / 16 (recorded in the model file)


def _digits_raw():
    from . import data as ds
    try:
        X, Y = ds.load_digits(scale=False)
    except ImportError:
        raise UsageError("--data digits needs scikit-learn (pip install scikit-learn, or "
                         "pip install 'loopnet-backprop[cli]')") from None
    return X, Y


def _digits_preprocessing():
    from .preprocessing import Preprocessing
    return Preprocessing([0.0] * 64, [DIGITS_SCALE] * 64, list(range(10)), "digits pixels / 16")


def _read_file_data(kind, path, args, features_only=False):
    """(X, labels-or-targets) from csv:PATH or npz:PATH, as the options say."""
    from . import data as ds
    if kind == "csv":
        X, labels, _ = ds.load_csv(path, label_column=args.label_column, features_only=features_only)
        return X, labels
    return ds.load_npz(path, x_key=args.x_key, y_key=args.y_key, features_only=features_only)


def load_data(kind, arg, test_size, seed, args=None):
    """(X_train, Y_train, X_test, Y_test, X_val, Y_val, description, preprocessing); validation may be the
    test set. The X returned are already preprocessed; ``preprocessing`` says how (it is saved with the model)."""
    from . import data as ds

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


class _Lines:
    """Per-epoch lines on stdout, printed through tqdm when a bar is showing so the bar stays whole."""

    def __init__(self, epochs, every, bar):
        self.epochs, self.every = epochs, every
        self.write = print
        if bar:
            try:
                from tqdm.auto import tqdm
                self.write = lambda s: tqdm.write(s, file=sys.stdout)
            except ImportError:
                pass

    def __call__(self, epoch, h):
        if (epoch + 1) % self.every and epoch + 1 != self.epochs:
            return False
        parts = [f"epoch {epoch + 1:>{len(str(self.epochs))}}/{self.epochs}", f"loss {h.loss[-1]:.5f}"]
        if h.accuracy[-1] is not None:
            parts.append(f"acc {h.accuracy[-1]:.4f}")
        if h.val_loss:
            parts.append(f"val_loss {h.val_loss[-1]:.5f}")
            if h.val_accuracy[-1] is not None:
                parts.append(f"val_acc {h.val_accuracy[-1]:.4f}")
        parts.append(f"{h.seconds[-1] * 1e3:.3g} ms")
        self.write("  ".join(parts))
        sys.stdout.flush()
        return False


def train(args):
    import numpy as np  # noqa: F401  (after parsing: --help never gets here)

    import loopnet as ln

    if args.plot:
        import importlib.util
        if importlib.util.find_spec("matplotlib") is None:
            raise UsageError("--plot needs matplotlib (pip install matplotlib, or pip install 'loopnet[plot]')")
    from .training import batch_size_for
    kind, arg = args.data
    if kind == "mnist-pkl" and not args.allow_pickle:
        raise UsageError(f"--data mnist-pkl:{arg} is a Python pickle, and unpickling a file runs whatever code it "
                         f"holds; add --allow-pickle if you trust this file (or use mnist-idx:DIR)")
    from .writing import check_target
    outputs = [(flag, path) for flag, path in (("--save", args.save), ("--plot", args.plot)) if path]
    if len(outputs) == 2 and os.path.realpath(outputs[0][1]) == os.path.realpath(outputs[1][1]):
        raise UsageError(f"--save and --plot name the same file ({args.save!r}); the plot would overwrite "
                         f"the model: give two paths")
    inputs = data_inputs(args.data)
    for flag, path in outputs:  # refused now, not after training
        check_target(path, inputs, flag)
    d = DEFAULTS["mnist" if kind.startswith("mnist") else "file" if kind in ("csv", "npz") else kind]
    Xtr, Ytr, Xte, Yte, Xva, Yva, described, pre = load_data(kind, arg, args.test_size, args.seed, args)
    n_in, n_out = Xtr.shape[1], Ytr.shape[1]
    sizes = args.sizes or [n_in] + d["hidden"] + [n_out]
    if sizes[0] != n_in or sizes[-1] != n_out:
        raise UsageError(f"--sizes {','.join(map(str, sizes))} does not fit the data: it has {n_in} inputs and "
                         f"{n_out} outputs, so the sizes must start with {n_in} and end with {n_out}")
    epochs = d["epochs"] if args.epochs is None else args.epochs
    lr = d["lr"] if args.lr is None else args.lr
    batch_size = batch_size_for(getattr(args, "batch_size", d["batch_size"]), len(Xtr))  # clipped to N
    every = args.log_every or (1 if epochs <= 50 else -(-epochs // 25))
    net = ln.Network(sizes, activation=args.activation, output_activation=args.output_activation, loss=args.loss,
                     init=args.init, seed=args.seed, dtype=args.dtype, backend=args.backend)
    opt = args.optimizer + (f" momentum {args.momentum:g}" if args.momentum else "") + \
        (f", l2 {args.l2:g}" if args.l2 else "")
    print(described)
    print(f"network {'-'.join(map(str, sizes))} {net.activation}/{net.output_activation}, loss {net.loss_name}, "
          f"{opt}, lr {lr:g}, batch {'full' if batch_size == len(Xtr) else batch_size}, {epochs} epochs, "
          f"backend {net.backend} {net.dtype.name}, seed {args.seed}")
    sys.stdout.flush()
    progress = not args.no_progress and sys.stderr.isatty()  # a bar in a log file is noise
    t0 = time.perf_counter()
    try:
        hist = net.fit(Xtr, Ytr, epochs=epochs, lr=lr, batch_size=batch_size, shuffle=True, seed=args.seed,
                       optimizer=args.optimizer, momentum=args.momentum, l2=args.l2,
                       validation_data=None if Xva is None else (Xva, Yva), progress=progress,
                       callback=_Lines(epochs, every, progress))
    except ln.TrainingDiverged as exc:
        print(f"loopnet train: error: {exc}", file=sys.stderr)
        return 1
    wall = time.perf_counter() - t0
    n = hist.epochs
    word = "interrupted after" if hist.interrupted else "trained"
    line = f"{word} {n} epoch{'s' if n != 1 else ''} in {wall:.2f} s"
    if n:
        median = sorted(hist.seconds)[n // 2]
        line += f"; time per epoch {median * 1e3:.3g} ms (median"
        line += f"; the first took {hist.seconds[0] * 1e3:.3g} ms, compiling the kernels or loading them from the cache)" \
            if n > 1 and hist.seconds[0] > 3 * median else ")"
    print(line)
    test_loss, test_acc = net.evaluate(Xte, Yte)
    what = "test" if Xva is not None else "training"
    if test_acc is None:
        print(f"{what} loss {test_loss:.5f} on {len(Xte)} examples")
    else:
        print(f"{what} accuracy {test_acc:.4f} ({round(test_acc * len(Xte))}/{len(Xte)}), loss {test_loss:.5f}")
    if args.save:
        from .io import save
        net.preprocessing = pre
        save(net, args.save, inputs)
        print(f"saved the network to {args.save}")
    if args.plot:
        if n == 0:
            print("no epochs finished: nothing to plot", file=sys.stderr)
        else:
            _plot(hist, args.plot, {**inputs, "--save": args.save})
            print(f"plotted the curves to {args.plot}")
    return 130 if hist.interrupted else 0


def _plot(hist, path, inputs):
    from .plotting import plot_history
    from .writing import check_target
    check_target(path, {k: v for k, v in inputs.items() if v}, "--plot")
    plot_history(hist, path)


# ---------------------------------------------------------------------------------------------
# loopnet evaluate / predict
# ---------------------------------------------------------------------------------------------
def _model_and_data(args, features_only_ok):
    """The saved model and (X preprocessed, Y or None, labels-for-display) for its --data."""
    import numpy as np

    import loopnet as ln
    from . import data as ds

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


def _class_names(net):
    import numpy as np
    pre = net.preprocessing
    if pre is not None and pre.classes is not None:
        return np.asarray(pre.classes)
    if net.task == "binary":
        return np.array([0, 1])
    if net.task == "classes":
        return np.arange(net.sizes[-1])
    return None


def evaluate(args):
    import numpy as np

    net, X, Y = _model_and_data(args, features_only_ok=False)
    loss, acc = net.evaluate(X, Y)
    pre = net.preprocessing
    print(f"model {args.model}: network {'-'.join(map(str, net.sizes))} {net.activation}/{net.output_activation}, "
          f"loss {net.loss_name}; preprocessing: {pre.name if pre is not None else 'none recorded'}")
    print(f"{len(X)} examples: loss {loss:.6f}" + ("" if acc is None else f", accuracy {acc:.4f} "
                                                  f"({round(acc * len(X))}/{len(X)})"))
    names = _class_names(net)
    if names is not None and net.task != "values":
        pred = net.predict(X)
        true = np.argmax(Y, axis=1) if net.task == "classes" else (Y[:, 0] >= 0.5).astype(int)
        K = len(names)
        cm = np.zeros((K, K), dtype=np.int64)
        np.add.at(cm, (true, pred), 1)
        width = max(6, max(len(str(c)) for c in names.tolist()) + 1, len(str(cm.max())) + 1)
        print("confusion matrix (rows: true label, columns: predicted)")
        print(" " * width + "".join(f"{str(c):>{width}}" for c in names.tolist()))
        for k in range(K):
            print(f"{str(names[k]):>{width}}" + "".join(f"{v:>{width}}" for v in cm[k]))
    return 0


def predict(args):
    import numpy as np

    net, X, _ = _model_and_data(args, features_only_ok=True)
    A = np.asarray(net.forward(X), dtype=np.float64)     # (N, n_L)
    names = _class_names(net)
    pred = None if names is None or net.task == "values" else names[net.predict(X)]
    out = args.out
    from .writing import write_file
    inputs = {"--model": args.model, **data_inputs(args.data)}
    if out.endswith(".npz"):
        arrays = {"outputs": A}
        if pred is not None:
            arrays["prediction"] = pred
        write_file(out, lambda f: np.savez(f, **arrays), inputs, "--out")
    else:
        import csv
        import io
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow((["prediction"] if pred is not None else []) + [f"a{j}" for j in range(A.shape[1])])
        for n in range(A.shape[0]):
            w.writerow(([pred[n]] if pred is not None else []) + [repr(float(x)) for x in A[n]])
        if out == "-":
            sys.stdout.write(buf.getvalue())
            return 0
        data = buf.getvalue().encode("utf-8")
        write_file(out, lambda f: f.write(data), inputs, "--out")
    print(f"wrote {len(A)} predictions to {out}")
    return 0


# ---------------------------------------------------------------------------------------------
# loopnet explain
# ---------------------------------------------------------------------------------------------
def explain(args):
    try:
        from .explain import run_cli
    except ImportError as exc:
        raise UsageError(f"explain is not available in this installation ({exc})") from None
    return run_cli(args)


# ---------------------------------------------------------------------------------------------
# loopnet compile
# ---------------------------------------------------------------------------------------------
def compile_(args):
    from .precompile import DEFAULT_TREES, PROBES, compile_kernels
    dtypes = args.dtype if isinstance(args.dtype, list) else [args.dtype]
    compile_kernels(dtypes, tuple(PROBES) if args.all else DEFAULT_TREES, out=sys.stdout)
    return 0


COMMANDS = {"train": train, "evaluate": evaluate, "predict": predict, "explain": explain, "compile": compile_}


def main(argv=None):
    """Entry point of the ``loopnet`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    prog = f"loopnet {args.command}"
    try:
        return COMMANDS[args.command](args)
    except UsageError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    except (ValueError, OSError, ImportError) as exc:  # bad data files, unusable paths, missing extras
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"{prog}: error: {message}", file=sys.stderr)
        return 2
    except (MemoryError, OverflowError) as exc:  # sizes or data too big for this machine
        message = " ".join(str(exc).split()) or "the sizes asked for do not fit in memory"
        print(f"{prog}: error: out of memory: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # outside fit (which handles its own): while loading data, say
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
