"""Names and codes that several modules offer, in one import-light module (standard library only), so that
``loopnet --help`` can list them without importing NumPy or numba. Each tuple is the key set of a table
elsewhere (the activations, losses, optimizers, backends, initialisations, gates, scalings);
tests/test_cli.py checks that they agree."""

ACTIVATION_NAMES = ("sigmoid", "tanh", "relu", "identity")
OUTPUT_ACTIVATION_NAMES = ACTIVATION_NAMES + ("softmax",)
LOSS_NAMES = ("mse", "quadratic", "sse", "cross_entropy")
OPTIMIZER_NAMES = ("sgd", "adam")
BACKEND_NAMES = ("loops", "plain", "numpy", "python")
DTYPE_NAMES = ("float64", "float32")
READINGS = ("lesson", "full")      # how explain reads a step: the lesson, or every component
INIT_NAMES = ("scaled", "normal", "xavier", "he")
GATE_NAMES = ("xor", "or", "and", "nand")
FORMATS = ("text", "markdown", "latex", "html")
SCALING_NAMES = ("standard", "minmax", "none")   # loopnet.preprocessing.SCALINGS
TASK_NAMES = ("auto", "classification", "regression")

# The distribution's name on PyPI (``pip install loopnet`` installs an unrelated package) and what each
# optional extra brings: the one table every install hint is made from.
DISTRIBUTION = "loopnet-backprop"
EXTRAS = {
    "sklearn": "scikit-learn (the estimators, the digits data set, to_sklearn/from_sklearn)",
    "plot": "matplotlib (plot_history, plot_network, loopnet train --plot)",
    "cli": "scikit-learn and tqdm (loopnet train --data digits, progress bars)",
    "progress": "tqdm (progress bars)",
    "torch": "torch (to_torch, from_torch)",
    "onnx": "onnx and onnxruntime (to_onnx)",
    "interop": "torch, onnx, onnxruntime and scikit-learn (every conversion)",
    "dask": "dask.distributed (fitting on a cluster)",
}


def install_hint(extra):
    """The pip command that installs ``extra`` (a key of :data:`EXTRAS`)."""
    if extra not in EXTRAS:
        raise KeyError(f"no extra {extra!r}; the extras are {list(EXTRAS)}")
    return f"pip install '{DISTRIBUTION}[{extra}]'"
