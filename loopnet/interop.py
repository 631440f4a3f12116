"""Networks in and out: PyTorch, ONNX and scikit-learn's fitted MLPs.

One table says how each loopnet activation is written in each other library; every converter
reads it, so adding an activation is adding one row.

| loopnet | PyTorch module | ONNX operator | scikit-learn name |
|---|---|---|---|
| ``sigmoid`` | ``nn.Sigmoid()`` | ``Sigmoid`` | ``logistic`` |
| ``tanh`` | ``nn.Tanh()`` | ``Tanh`` | ``tanh`` |
| ``relu`` | ``nn.ReLU()`` | ``Relu`` | ``relu`` |
| ``identity`` | ``nn.Identity()`` | ``Identity`` | ``identity`` |
| ``softmax`` (output only) | ``nn.Softmax(dim=-1)`` | ``Softmax`` (axis −1) | ``softmax`` (output only) |

The layouts agree with no transposes for PyTorch and ONNX: ``nn.Linear.weight`` is (out, in),
Nielsen's order, like loopnet's W of layer l (n_l, n_{l−1}); the ONNX graph is
``Gemm(X, W, b, transB=1)`` per layer. scikit-learn's ``coefs_[i]`` is (n_in, n_out), the
transpose.

Each converter imports its library when called (the ``torch``, ``onnx`` and ``sklearn`` extras):

>>> import loopnet as ln
>>> net = ln.Network([2, 3, 1], seed=0)
>>> seq = net.to_torch()                             # doctest: +SKIP
>>> ln.Network.from_torch(seq).sizes                 # doctest: +SKIP
[2, 3, 1]
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from .network import Network


@dataclass(frozen=True)
class Rendering:
    """How one loopnet activation is written elsewhere."""
    torch: str       # class name in torch.nn
    onnx: str        # ONNX operator type
    sklearn: str     # scikit-learn's name


RENDERINGS = {
    "sigmoid": Rendering("Sigmoid", "Sigmoid", "logistic"),
    "tanh": Rendering("Tanh", "Tanh", "tanh"),
    "relu": Rendering("ReLU", "Relu", "relu"),
    "identity": Rendering("Identity", "Identity", "identity"),
    "softmax": Rendering("Softmax", "Softmax", "softmax"),
}
FROM_TORCH = {r.torch: name for name, r in RENDERINGS.items()}
FROM_SKLEARN = {r.sklearn: name for name, r in RENDERINGS.items()}


def _need(module, extra):
    import importlib
    try:
        return importlib.import_module(module)
    except ImportError:
        from .constants import install_hint
        raise ImportError(f"this conversion needs {module.split('.')[0]} ({install_hint(extra)})") from None


def _layer_activations(net):
    return [net.activation] * (len(net.sizes) - 2) + [net.output_activation]


# ---------------------------------------------------------------------------------------------
# PyTorch
# ---------------------------------------------------------------------------------------------
def to_torch(net: Network) -> Any:
    """An ``nn.Sequential`` computing ``net.forward``: per layer ``nn.Linear(n_{l−1}, n_l)`` with
    W and b copied (same (out, in) layout, the network's dtype), then the activation module
    (``nn.Identity()`` for identity, ``nn.Softmax(dim=-1)`` for softmax). The loss is not part of
    a module; pass ``loss=`` again to :func:`from_torch`.

    Two Linear layers for ``Network([2, 3, 1])``: ``Sequential(Linear(2, 3), Sigmoid(), Linear(3, 1), Sigmoid())``.
    """
    torch = _need("torch", "torch")
    nn = torch.nn
    dtype = {np.dtype(np.float64): torch.float64, np.dtype(np.float32): torch.float32}[net.dtype]
    layers = []
    for l, name in enumerate(_layer_activations(net)):
        n_out, n_in = net.weights[l].shape
        lin = nn.Linear(n_in, n_out, bias=net.has_bias, dtype=dtype)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(net.weights[l].copy()))
            if net.biases is not None:
                lin.bias.copy_(torch.from_numpy(net.biases[l].copy()))
        act = getattr(nn, RENDERINGS[name].torch)
        layers += [lin, act(dim=-1) if name == "softmax" else act()]
    return nn.Sequential(*layers)


def _torch_activation(module, where):
    cls = type(module).__name__
    name = FROM_TORCH.get(cls)
    if name is None:
        return None
    if name == "softmax" and getattr(module, "dim", None) not in (-1, 1):
        raise ValueError(f"{where} is Softmax(dim={module.dim}); loopnet's softmax runs over the neurons of a "
                         f"layer, dim=-1 (or 1 for (N, n) inputs)")
    return name


def from_torch(module: Any, loss: str = "quadratic", backend: str = "loops") -> Network:
    """A :class:`~loopnet.Network` with the weights of a PyTorch ``nn.Sequential`` (or a single
    ``nn.Linear``) of Linear layers, each followed by at most one of Sigmoid, Tanh, ReLU,
    Identity or (last only) Softmax(dim=-1). A Linear with no activation after it is identity.
    The hidden layers must share one activation (a loopnet network has one hidden activation), and
    the Linear layers must all have biases or none. Parameters are copied; float32 and float64
    keep their dtype.
    """
    torch = _need("torch", "torch")
    nn = torch.nn
    if isinstance(module, nn.Linear):
        modules = [module]
    elif isinstance(module, nn.Sequential):
        modules = list(module)
    else:
        raise TypeError(f"module must be a torch.nn.Sequential of Linear and activation layers (or one Linear), "
                        f"got {type(module).__name__}")
    linears, acts = [], []
    for i, m in enumerate(modules):
        where = f"module[{i}]"
        if isinstance(m, nn.Linear):
            linears.append(m)
            acts.append("identity")
            continue
        name = _torch_activation(m, where)
        if name is None:
            raise ValueError(f"{where} is {type(m).__name__}; from_torch reads Linear layers each followed by at "
                             f"most one of {', '.join(sorted(FROM_TORCH))} (Softmax last only)")
        if not linears:
            raise ValueError(f"{where} is {type(m).__name__} before any Linear layer; the first module must be "
                             f"Linear")
        if i > 0 and not isinstance(modules[i - 1], nn.Linear):
            raise ValueError(f"{where} is {type(m).__name__} right after {type(modules[i - 1]).__name__}; "
                             f"from_torch takes at most one activation after each Linear")
        acts[-1] = name
    if not linears:
        raise ValueError("module has no Linear layer")
    hidden = set(acts[:-1])
    if len(hidden) > 1:
        raise ValueError(f"the hidden layers use different activations {acts[:-1]}; a loopnet network has one "
                         f"hidden activation")
    if "softmax" in hidden:
        raise ValueError("Softmax is allowed after the last Linear layer only")
    with_bias = [lin.bias is not None for lin in linears]
    if any(with_bias) and not all(with_bias):
        raise ValueError(f"some Linear layers have biases and some not ({with_bias}); loopnet needs all or none")
    dtypes = {lin.weight.dtype for lin in linears}
    if len(dtypes) != 1 or dtypes.pop() not in (torch.float32, torch.float64):
        raise ValueError(f"the Linear weights must all be float32 or all float64, got "
                         f"{[str(lin.weight.dtype) for lin in linears]}")
    Ws = [lin.weight.detach().cpu().numpy().copy() for lin in linears]
    bs = [lin.bias.detach().cpu().numpy().copy() for lin in linears] if all(with_bias) else None
    for l in range(1, len(Ws)):
        if Ws[l].shape[1] != Ws[l - 1].shape[0]:
            raise ValueError(f"Linear layer {l + 1} takes {Ws[l].shape[1]} inputs but layer {l} gives "
                             f"{Ws[l - 1].shape[0]} outputs")
    from .network import Network
    return Network.from_weights(Ws, bs, activation=acts[0] if len(acts) > 1 else "sigmoid",
                                output_activation=acts[-1], loss=loss, backend=backend, dtype=Ws[0].dtype)


# ---------------------------------------------------------------------------------------------
# ONNX
# ---------------------------------------------------------------------------------------------
def onnx_model(net: Network, opset: int = 17) -> Any:
    """The network as an ``onnx.ModelProto``: input ``X`` (N, n_0), output ``a`` (N, n_L), per layer
    ``Gemm(a^{l−1}, W^l, b^l, transB=1)`` then the activation operator; the network's dtype."""
    onnx = _need("onnx", "onnx")
    from onnx import TensorProto, helper, numpy_helper
    elem = {np.dtype(np.float64): TensorProto.DOUBLE, np.dtype(np.float32): TensorProto.FLOAT}[net.dtype]
    nodes, inits = [], []
    a = "X"
    L = len(net.weights)
    for l, name in enumerate(_layer_activations(net), start=1):
        W = f"W{l}"
        inits.append(numpy_helper.from_array(np.ascontiguousarray(net.weights[l - 1]), W))
        inputs = [a, W]
        if net.biases is not None:
            inits.append(numpy_helper.from_array(np.ascontiguousarray(net.biases[l - 1]), f"b{l}"))
            inputs.append(f"b{l}")
        z = f"z{l}"
        nodes.append(helper.make_node("Gemm", inputs, [z], name=f"layer{l}_weighted_input", transB=1))
        a = "a" if l == L else f"a{l}"
        attrs: dict[str, Any] = {"axis": -1} if name == "softmax" else {}
        nodes.append(helper.make_node(RENDERINGS[name].onnx, [z], [a], name=f"layer{l}_{name}", **attrs))
    graph = helper.make_graph(
        nodes, "loopnet", [helper.make_tensor_value_info("X", elem, ["N", net.sizes[0]])],
        [helper.make_tensor_value_info("a", elem, ["N", net.sizes[-1]])], initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="loopnet")
    model.doc_string = repr(net)
    onnx.checker.check_model(model)
    return model


def to_onnx(net: Network, path: str | os.PathLike[str], opset: int = 17) -> str:
    """Write the network to ``path`` as an ONNX model (see :func:`onnx_model`); returns the path.
    onnxruntime runs it: ``InferenceSession(path).run(None, {"X": X})[0]`` equals ``net.forward(X)``."""
    from .writing import check_target, write_file
    path = os.fspath(path)
    check_target(path)                   # first: a FIFO or a directory is refused at once, onnx installed or not
    _need("onnx", "onnx")
    data = onnx_model(net, opset).SerializeToString()
    write_file(path, lambda f: f.write(data))
    return path


# ---------------------------------------------------------------------------------------------
# scikit-learn
# ---------------------------------------------------------------------------------------------
def from_sklearn(mlp: Any, backend: str = "loops") -> Network:
    """A :class:`~loopnet.Network` from a fitted ``MLPClassifier`` or ``MLPRegressor`` (also
    loopnet's own estimators): W of layer l is ``coefs_[l-1].T``, b is ``intercepts_[l-1]``; the
    activations are ``activation`` and ``out_activation_``; the loss is ``cross_entropy`` for a
    classifier (scikit-learn's log-loss) and ``quadratic`` for a regressor (its squared error)."""
    if hasattr(mlp, "network_"):        # a loopnet estimator: its network already
        return mlp.network_.copy()
    for attr in ("coefs_", "intercepts_", "out_activation_"):
        if not hasattr(mlp, attr):
            raise ValueError(f"from_sklearn needs a fitted MLPClassifier or MLPRegressor; {type(mlp).__name__} "
                             f"has no {attr} (call fit first)")
    hidden = FROM_SKLEARN.get(mlp.activation)
    output = FROM_SKLEARN.get(mlp.out_activation_)
    if hidden is None or output is None:
        raise ValueError(f"activation {mlp.activation!r} / out_activation_ {mlp.out_activation_!r} has no "
                         f"loopnet counterpart ({sorted(FROM_SKLEARN)})")
    classifier = hasattr(mlp, "classes_")
    loss = "cross_entropy" if classifier else "quadratic"
    from .network import Network
    net = Network.from_weights([np.asarray(c).T for c in mlp.coefs_], [np.asarray(b) for b in mlp.intercepts_],
                               activation=hidden, output_activation=output, loss=loss, backend=backend,
                               dtype=np.asarray(mlp.coefs_[0]).dtype)
    multilabel = output == "sigmoid" and net.sizes[-1] >= 2
    if classifier and not multilabel:
        from .preprocessing import Preprocessing      # the labels travel with the model: output j is classes_[j]
        net.preprocessing = Preprocessing(np.zeros(net.sizes[0]), np.ones(net.sizes[0]), np.asarray(mlp.classes_))
    return net


def to_sklearn(net: Network, classes: Any = None) -> Any:
    """A fitted scikit-learn MLP computing the same outputs.

    | network output | returns |
    |---|---|
    | ``identity`` | ``MLPRegressor`` |
    | ``softmax``, K ≥ 3 outputs | ``MLPClassifier`` (multiclass; ``classes`` default 0 … K−1) |
    | ``softmax``, 2 outputs | ``MLPClassifier`` with one logistic output: softmax(z_0, z_1)_1 = σ(z_1 − z_0), so the last layer becomes W_1 − W_0, b_1 − b_0 |
    | ``sigmoid``, 1 output | ``MLPClassifier`` (binary; ``classes`` default [0, 1]) |
    | ``sigmoid``, K ≥ 2 outputs | ``MLPClassifier`` (multilabel, K labels) |

    The network needs biases (scikit-learn's MLPs always have intercepts) and a hidden activation
    scikit-learn knows. ``predict_proba`` of the result equals ``net.forward`` (binary: its second
    column), ``predict`` equals ``net.predict`` mapped through ``classes`` (multilabel: a ≥ ½ per label).
    One mapping from outputs to labels: output j is label ``classes[j]`` (default: the labels the model records,
    ``net.preprocessing.classes``); scikit-learn keeps its labels sorted, so the output layer is reordered (two
    labels: its logit negated) to keep every output on its label. :func:`from_sklearn` records ``classes_``.
    """
    _need("sklearn", "sklearn")
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.preprocessing import LabelBinarizer
    if net.biases is None:
        raise ValueError("to_sklearn needs a network with biases: scikit-learn's MLPs always have intercepts")
    Ws = [W.T.copy() for W in net.weights]
    bs = [b.copy() for b in net.biases]
    K = net.sizes[-1]
    out = net.output_activation
    if out == "identity":
        mlp = MLPRegressor(hidden_layer_sizes=tuple(net.sizes[1:-1]), activation=RENDERINGS[net.activation].sklearn)
        mlp.out_activation_ = "identity"
    elif out in ("softmax", "sigmoid"):
        mlp = MLPClassifier(hidden_layer_sizes=tuple(net.sizes[1:-1]), activation=RENDERINGS[net.activation].sklearn)
        multilabel = out == "sigmoid" and K >= 2
        n_classes = 2 if (out == "sigmoid" and K == 1) else K
        recorded = getattr(getattr(net, "preprocessing", None), "classes", None)
        if classes is None and recorded is not None and not multilabel:
            classes = recorded                            # the model's own mapping: output j is label classes[j]
        classes = np.arange(n_classes) if classes is None else np.asarray(classes)
        if classes.shape != (n_classes,) or len(np.unique(classes)) != n_classes:
            raise ValueError(f"classes {classes.tolist()!r} (shape {classes.shape}): this network's outputs need "
                             f"{n_classes} distinct labels")
        if out == "softmax" and K == 2:
            Ws[-1] = Ws[-1][:, 1:] - Ws[-1][:, :1]
            bs[-1] = bs[-1][1:] - bs[-1][:1]
        lb = LabelBinarizer()
        if multilabel:
            lb.fit(np.eye(K, dtype=np.int64))
            mlp.classes_ = np.arange(K)
        else:
            # scikit-learn keeps its labels sorted (classes_[j] for its output j): the outputs follow the labels,
            # so that output j of the network, label classes[j], stays label classes[j] in scikit-learn
            lb.fit(classes)
            mlp.classes_ = lb.classes_
            order = np.argsort(classes, kind="stable")    # sorted position -> the network's output
            if n_classes == 2:
                if order[0] == 1:                         # the positive label is the network's output 0: σ(−z)
                    Ws[-1], bs[-1] = -Ws[-1], -bs[-1]
            else:
                Ws[-1], bs[-1] = Ws[-1][:, order], bs[-1][order]
        mlp._label_binarizer = lb
        mlp.out_activation_ = "softmax" if out == "softmax" and K > 2 else "logistic"
    else:
        raise ValueError(f"output_activation {out!r} has no scikit-learn MLP counterpart (identity, softmax or "
                         f"sigmoid)")
    if net.activation not in RENDERINGS or net.activation == "softmax":
        raise ValueError(f"hidden activation {net.activation!r} has no scikit-learn counterpart")
    mlp.coefs_, mlp.intercepts_ = Ws, bs
    mlp.n_features_in_ = net.sizes[0]
    mlp.n_layers_ = len(net.sizes)
    mlp.n_outputs_ = Ws[-1].shape[1]
    mlp.n_iter_ = 0
    mlp.t_ = 0
    mlp.loss_ = float("nan")
    mlp.best_loss_ = None
    mlp.loss_curve_ = []
    mlp._no_improvement_count = 0
    return mlp
