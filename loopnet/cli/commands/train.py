"""``loopnet train``: train a network and report loss and accuracy per epoch; save it, plot its curves."""
from __future__ import annotations

import argparse
import os
import sys
import time

from ...constants import ACTIVATION_NAMES, BACKEND_NAMES, DTYPE_NAMES, INIT_NAMES, LOSS_NAMES, OPTIMIZER_NAMES, OUTPUT_ACTIVATION_NAMES
from ..data_loading import DEFAULTS, load_data
from ..data_specs import (DATA_HELP, _batch_size, _data_spec, _number, _sizes, _test_size, _test_size_or_zero,
                          _writable_file, data_inputs)
from ..errors import UsageError
from ..parser import _Help, _file_data_options
from ..signals import CtrlC


def add_parser(sub):
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
                   help="held-out test part when the data has no test set: a fraction or a number of examples "
                   "(recorded in the saved model; evaluate scores this part by default)")
    t.add_argument("--validation-size", type=_test_size_or_zero, default=0.1,
                   help="part of the training examples held out for the per-epoch validation scores (never the "
                   "test part): a fraction, a number of examples, or 0 for none")
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
    return t


class _Lines:
    """Per-epoch lines on stdout, printed through tqdm when a bar is showing so the bar stays whole."""

    def __init__(self, epochs, every, bar, ctrl_c=None):
        self.epochs, self.every, self.ctrl_c = epochs, every, ctrl_c
        self.write = print
        if bar:
            try:
                from tqdm.auto import tqdm
                self.write = lambda s: tqdm.write(s, file=sys.stdout)
            except ImportError:
                pass

    def __call__(self, epoch, h):
        stop = self.ctrl_c is not None and self.ctrl_c.stop_requested   # True stops fit after this epoch
        if (epoch + 1) % self.every and epoch + 1 != self.epochs and not stop:
            return stop
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
        return stop


def run(args):
    import numpy as np  # noqa: F401  (after parsing: --help never gets here)

    import loopnet as ln

    if args.plot:
        import importlib.util
        if importlib.util.find_spec("matplotlib") is None:
            from ...constants import install_hint
            raise UsageError(f"--plot needs matplotlib (pip install matplotlib, or {install_hint('plot')})")
    from ...options import TrainingOptions
    kind, arg = args.data
    if kind == "mnist-pkl" and not args.allow_pickle:
        raise UsageError(f"--data mnist-pkl:{arg} is a Python pickle, and unpickling a file runs whatever code it "
                         f"holds; add --allow-pickle if you trust this file (or use mnist-idx:DIR)")
    from ...writing import check_target
    outputs = [(flag, path) for flag, path in (("--save", args.save), ("--plot", args.plot)) if path]
    if len(outputs) == 2 and os.path.realpath(outputs[0][1]) == os.path.realpath(outputs[1][1]):
        raise UsageError(f"--save and --plot name the same file ({args.save!r}); the plot would overwrite "
                         f"the model: give two paths")
    inputs = data_inputs(args.data)
    for flag, path in outputs:  # refused now, not after training
        check_target(path, inputs, flag)
    d = DEFAULTS["mnist" if kind.startswith("mnist") else "file" if kind in ("csv", "npz") else kind]
    parts = load_data(kind, arg, args.test_size, args.seed, args, args.validation_size)
    (Xtr, Ytr), (Xte, Yte), pre = parts.train, parts.test, parts.pre
    Xva, Yva = parts.val if parts.val is not None else (None, None)
    n_in, n_out = Xtr.shape[1], Ytr.shape[1]
    sizes = args.sizes or [n_in] + d["hidden"] + [n_out]
    if sizes[0] != n_in or sizes[-1] != n_out:
        raise UsageError(f"--sizes {','.join(map(str, sizes))} does not fit the data: it has {n_in} inputs and "
                         f"{n_out} outputs, so the sizes must start with {n_in} and end with {n_out}")
    net = ln.Network(sizes, activation=args.activation, output_activation=args.output_activation, loss=args.loss,
                     init=args.init, seed=args.seed, dtype=args.dtype, backend=args.backend)
    # every training option checked once, in the network's dtype, as Network.fit would (batch clipped to N)
    options = TrainingOptions.build(len(Xtr), net.dtype, epochs=d["epochs"] if args.epochs is None else args.epochs,
                                    lr=d["lr"] if args.lr is None else args.lr,
                                    batch_size=getattr(args, "batch_size", d["batch_size"]), shuffle=True,
                                    seed=args.seed, optimizer=args.optimizer, momentum=args.momentum, l2=args.l2)
    epochs, lr, batch_size = options.epochs, options.lr, options.batch_size
    every = args.log_every or (1 if epochs <= 50 else -(-epochs // 25))
    opt = args.optimizer + (f" momentum {args.momentum:g}" if args.momentum else "") + \
        (f", l2 {args.l2:g}" if args.l2 else "")
    print(parts.described)
    print(f"network {'-'.join(map(str, sizes))} {net.activation}/{net.output_activation}, loss {net.loss_name}, "
          f"{opt}, lr {lr:g}, batch {'full' if batch_size == len(Xtr) else batch_size}, {epochs} epochs, "
          f"backend {net.backend} {net.dtype.name}, seed {args.seed}")
    sys.stdout.flush()
    progress = not args.no_progress and sys.stderr.isatty()  # a bar in a log file is noise
    with CtrlC() as ctrl_c:
        return _train_and_save(args, net, parts, options, every, progress, inputs, ctrl_c)


def _train_and_save(args, net, parts, options, every, progress, inputs, ctrl_c):
    """Train, then save at once with Ctrl-C deferred (see :mod:`loopnet.cli.signals`), then report."""
    import loopnet as ln

    (Xtr, Ytr), (Xte, Yte) = parts.train, parts.test
    t0 = time.perf_counter()
    lines = _Lines(options.epochs, every, progress, ctrl_c)
    hist = None
    try:
        hist = net.fit(Xtr, Ytr, options=options, validation_data=parts.val, progress=progress, callback=lines)
        ctrl_c.defer()
    except KeyboardInterrupt:   # out of fit between its return and defer(): the weights are the last epoch's
        ctrl_c.defer()
    except ln.TrainingDiverged as exc:
        ctrl_c.defer()
        print(f"loopnet train: error: {exc}", file=sys.stderr)
        return 1
    wall = time.perf_counter() - t0
    interrupted = hist is None or hist.interrupted or ctrl_c.stop_requested
    if args.save:  # first: nothing below can lose the model
        from ...io import save
        net.preprocessing = parts.pre
        net.data_split = parts.split
        save(net, args.save, inputs)
    ctrl_c.release()
    if args.save:
        print(f"saved the network to {args.save}")
    if hist is None:
        print("interrupted", file=sys.stderr)
        return 130
    n = hist.epochs
    word = "interrupted after" if interrupted else "trained"
    line = f"{word} {n} epoch{'s' if n != 1 else ''} in {wall:.2f} s"
    if n:
        median = sorted(hist.seconds)[n // 2]
        line += f"; time per epoch {median * 1e3:.3g} ms (median"
        line += f"; the first took {hist.seconds[0] * 1e3:.3g} ms, compiling the kernels or loading them from the cache)" \
            if n > 1 and hist.seconds[0] > 3 * median else ")"
    print(line)
    test_loss, test_acc = net.evaluate(Xte, Yte)
    what = parts.test_name
    if test_acc is None:
        print(f"{what} loss {test_loss:.5f} on {len(Xte)} examples")
    else:
        print(f"{what} accuracy {test_acc:.4f} ({round(test_acc * len(Xte))}/{len(Xte)}), loss {test_loss:.5f}")
    if args.plot:
        if n == 0:
            print("no epochs finished: nothing to plot", file=sys.stderr)
        else:
            _plot(hist, args.plot, {**inputs, "--save": args.save})
            print(f"plotted the curves to {args.plot}")
    return 130 if interrupted else 0


def _plot(hist, path, inputs):
    from ...plotting import plot_history
    from ...writing import check_target
    check_target(path, {k: v for k, v in inputs.items() if v}, "--plot")
    plot_history(hist, path)
