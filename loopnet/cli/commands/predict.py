"""``loopnet predict``: a saved model's predictions for data, to a file or stdout."""
from __future__ import annotations

import sys

from ...constants import BACKEND_NAMES
from ..data_loading import class_names, model_and_data
from ..data_specs import DATA_HELP, _data_spec, _model_file, _writable_file, data_inputs
from ..parser import _Help, _file_data_options


def add_parser(sub):
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
    return pr


def run(args):
    import numpy as np

    net, X, _ = model_and_data(args, features_only_ok=True)
    A = np.asarray(net.forward(X), dtype=np.float64)     # (N, n_L)
    names = class_names(net)
    pred = None if names is None or net.task == "values" else names[net.predict(X)]
    out = args.out
    from ...writing import write_file
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
        w.writerow((["prediction"] if pred is not None else []) + output_names(net, names, A.shape[1]))
        for n in range(A.shape[0]):
            w.writerow(([pred[n]] if pred is not None else []) + [repr(float(x)) for x in A[n]])
        if out == "-":
            sys.stdout.write(buf.getvalue())
            return 0
        data = buf.getvalue().encode("utf-8")
        write_file(out, lambda f: f.write(data), inputs, "--out")
    print(f"wrote {len(A)} predictions to {out}")
    return 0

def output_names(net, names, n_out):
    """The CSV header of the outputs: a classifier's output j is its class label names[j] (one output per
    class; a single sigmoid output is the second label's probability), a regressor's is a0, a1, ..."""
    if names is not None and net.task == "classes" and len(names) == n_out:
        return [str(c) for c in names.tolist()]
    if names is not None and net.task == "binary" and n_out == 1:
        return [f"p({names.tolist()[1]})"]
    return [f"a{j}" for j in range(n_out)]
