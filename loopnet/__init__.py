"""loopnet: small fully connected networks whose backpropagation is written as per-component loops.

Notation (one notation, used everywhere; Nielsen's order for weights, scikit-learn's for data):

| math | code | shape |
|---|---|---|
| layer sizes n_0 … n_L | ``sizes`` | list of L+1 ints |
| weight w^l_{jk}: from neuron k of layer l−1 to neuron j of layer l | ``W[j, k]`` of layer l (``net.weights[l-1]``) | (n_l, n_{l−1}) |
| bias b^l_j | ``b[j]`` (``net.biases[l-1]``) | (n_l,) |
| inputs, one example per row | ``X`` (= a^0) | (N, n_0) |
| sample weight s_n of example n (L weights e_n by s_n; the N of the scale is Σ s_n) | ``sw`` | (N,) |
| z^l_j = Σ_k w^l_{jk} a^{l−1}_k + b^l_j | ``z[n, j]`` | (N, n_l) |
| a^l_j = σ(z^l_j) | ``a[n, j]`` | (N, n_l) |
| δ^l_j = ∂L/∂z^l_j | ``delta[n, j]`` | (N, n_l) |
| ∂L/∂w^l_{jk} = Σ_n δ^l_{nj} a^{l−1}_{nk} | ``dW[j, k]`` | same as W |
| ∂L/∂b^l_j = Σ_n δ^l_{nj} | ``db[j]`` | same as b |
| learning rate η | ``lr`` | scalar |

>>> import loopnet as ln
>>> net = ln.Network([3, 2, 1], seed=0)
>>> g = net.gradients([[0.0, 1.0, 2.0]], [[1.0]])
>>> [w.shape for w in g.dW]
[(2, 3), (1, 2)]
"""
import importlib as _importlib
import sys as _sys
import types as _types

__version__ = "0.1.0"

# Public names and the module each lives in. They are imported on first use (PEP 562), so that
# ``import loopnet`` alone (and with it ``loopnet --help``) does not pay for importing numba.
_EXPORTS = {
    "ACTIVATIONS": "activations", "BACKENDS": "backends", "explain": "explain", "gradcheck": "gradcheck",
    "exercise": "explain", "playground": "explain.playground",
    "ModelFileError": "io", "load": "io", "LOSSES": "losses", "INITS": "network", "Gradients": "network",
    "Network": "network", "plot_history": "plotting", "plot_network": "plotting",  # matplotlib only when called
    "History": "training", "TrainingDiverged": "training", "step_into": "debug",
    "Ensemble": "ensemble", "MembersDiverged": "ensemble",
}

__all__ = ["Network", "Ensemble", "MembersDiverged", "Gradients", "History", "TrainingDiverged", "ModelFileError", "load",
           "gradcheck", "explain", "exercise", "playground", "step_into", "plot_network", "plot_history", "ACTIVATIONS", "LOSSES", "BACKENDS",
           "INITS", "__version__"]


def __getattr__(name):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'loopnet' has no attribute {name!r}")
    value = getattr(_importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))


class _Package(_types.ModuleType):
    """Importing the submodule ``loopnet.explain`` (or ``loopnet.gradcheck``) sets the package
    attribute of that name to the module; keep it the function of the same name, as ``from .explain
    import explain`` used to."""

    def __setattr__(self, name, value):
        if isinstance(value, _types.ModuleType) and _EXPORTS.get(name) == name:
            value = getattr(value, name)
        super().__setattr__(name, value)


_sys.modules[__name__].__class__ = _Package
