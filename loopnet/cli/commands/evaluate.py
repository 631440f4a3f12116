"""``loopnet evaluate``: loss, accuracy and confusion matrix of a saved model on data."""
from __future__ import annotations

from ...constants import BACKEND_NAMES
from ..data_loading import class_names, model_and_data
from ..data_specs import DATA_HELP, _data_spec, _model_file
from ..parser import _Help, _file_data_options


def add_parser(sub):
    ev = sub.add_parser("evaluate", help="loss, accuracy and confusion matrix of a saved model on data",
                        description="Apply the model's recorded preprocessing to the data and report the loss, "
                        "and for classifiers the accuracy and the confusion matrix.", formatter_class=_Help)
    ev.add_argument("--model", type=_model_file, required=True, metavar="MODEL.npz", help="a model saved by train")
    ev.add_argument("--data", type=_data_spec, required=True, metavar="NAME", help=DATA_HELP)
    _file_data_options(ev, train=False)
    ev.add_argument("--whole", action="store_true", help="score every example of --data, also those the model "
                    "trained on (by default, when the model file records the split of this data, only its held-out "
                    "test part is scored)")
    ev.add_argument("--backend", choices=BACKEND_NAMES, default="loops", help="loops (compiled), numpy, python")
    return ev


def run(args):
    import numpy as np

    net, X, Y = model_and_data(args, features_only_ok=False)
    loss, acc = net.evaluate(X, Y)
    pre = net.preprocessing
    print(f"model {args.model}: network {'-'.join(map(str, net.sizes))} {net.activation}/{net.output_activation}, "
          f"loss {net.loss_name}; preprocessing: {pre.name if pre is not None else 'none recorded'}")
    print(f"scoring {getattr(args, '_scored', f'all {len(X)} examples')}")
    print(f"{len(X)} examples: loss {loss:.6f}" + ("" if acc is None else f", accuracy {acc:.4f} "
                                                  f"({round(acc * len(X))}/{len(X)})"))
    names = class_names(net)
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