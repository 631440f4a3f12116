"""loopnet: small fully connected networks whose backpropagation is written as per-component loops.

Notation (one notation, used everywhere; Nielsen's order for weights, scikit-learn's for data):

| math | code | shape |
|---|---|---|
| layer sizes n_0 … n_L | ``sizes`` | list of L+1 ints |
| weight w^l_{jk}: from neuron k of layer l−1 to neuron j of layer l | ``W[j, k]`` of layer l (``net.weights[l-1]``) | (n_l, n_{l−1}) |
| bias b^l_j | ``b[j]`` (``net.biases[l-1]``) | (n_l,) |
| inputs, one example per row | ``X`` (= a^0) | (N, n_0) |
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
from .activations import ACTIVATIONS
from .backends import BACKENDS
from .explain import explain
from .gradcheck import gradcheck
from .io import ModelFileError, load
from .losses import LOSSES
from .network import INITS, Gradients, Network
from .plotting import plot_history, plot_network  # matplotlib is imported only when they are called
from .training import History, TrainingDiverged

__version__ = "0.1.0"

__all__ = ["Network", "Gradients", "History", "TrainingDiverged", "ModelFileError", "load", "gradcheck", "explain", "plot_network", "plot_history", "ACTIVATIONS", "LOSSES", "BACKENDS", "INITS", "__version__"]
