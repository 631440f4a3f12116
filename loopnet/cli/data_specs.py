"""Parsing what the user typed (standard library only): --data specs, sizes, numbers, output paths."""
from __future__ import annotations

import argparse
import os

from ..constants import DTYPE_NAMES, GATE_NAMES

SYNTHETIC_SHAPE = (60000, 784, 10)  # MNIST-sized unless given as synthetic:N,F,C


DATA_HELP = ("digits (scikit-learn's 8x8 digits, 1797 images), xor, or, and, nand (the logic gates), "
             "mnist-idx:DIR (the four MNIST IDX files in DIR; t10k is the test set), mnist-pkl:PATH "
             "(Nielsen's mnist.pkl.gz: a pickle, which can run code, so it needs --allow-pickle), synthetic or "
             "synthetic:N,F,C (N examples, F features, C classes; default %s), csv:PATH (one example per row; the "
             "label column is --label-column), npz:PATH (arrays --x-key and --y-key)" % ",".join(map(str, SYNTHETIC_SHAPE)))


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


def _test_size_or_zero(text):
    """--validation-size: as --test-size, or 0 for none."""
    if text.strip() in ("0", "0.0"):
        return 0
    return _test_size(text)


def _writable_file(text):
    """An output path: not empty, and (after following symlinks) a regular file or none yet, in a directory
    that exists and can be written (the checks of :func:`loopnet.writing.check_target`)."""
    from ..writing import check_target
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


def _model_file(text):
    path = os.path.expanduser(text)
    if not os.path.isfile(path):
        raise argparse.ArgumentTypeError(f"no model file {text!r}")
    return path


def _dtypes(text):
    names = [t.strip() for t in text.split(",") if t.strip()]
    bad = [t for t in names if t not in DTYPE_NAMES]
    if not names or bad:
        raise argparse.ArgumentTypeError(f"expected a comma-separated list of {', '.join(DTYPE_NAMES)}; got {text!r}")
    return names


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
