"""The implementations the benchmarks compare, one class per row of the table.

Every implementation starts from the same weights (``loopnet.Network(sizes, seed=0)``) and
trains the same network: sigmoid everywhere, quadratic loss L = 1/(2N) Σ_n Σ_j (a_nj − y_nj)²,
plain SGD, mini-batches in a shuffled order. Each offers

* ``forward(X)``            a^L for the batch, (N, n_L);
* ``predict(X)``            a^L over a data set, as a user of that library predicts (loops, numpy, torch, jax);
* ``gradients(X, Y)``       ∂L/∂θ of one mini-batch in loopnet's flat layout (so it can be compared
                            with the NumPy twin's);
* ``train(X, Y, epochs)``   ``epochs`` epochs of mini-batch SGD.

| name | what runs |
|---|---|
| ``loops`` | loopnet's compiled kernels with the speed layer: blocked sums above the thresholds (the default backend) |
| ``plain`` | loopnet's component kernels compiled as written: the derivation's loops, no blocking |
| ``numpy`` | loopnet's NumPy twin (vectorised with matrix products) |
| ``python`` | loopnet's component kernels uncompiled (tiny workloads only) |
| ``nielsen`` | a per-example NumPy loop in the style of Nielsen's ``network.py`` (written here) |
| ``torch`` | PyTorch on the CPU, the same network as ``nn.Linear`` + sigmoid (skipped when not installed) |
| ``jax`` | JAX on the CPU: ``jax.jit`` of whole epochs, ``jax.lax.scan`` over the mini-batches, ``jax.grad`` of the loss (skipped when not installed) |
| ``sklearn`` | ``MLPRegressor(solver="sgd")``, one epoch per ``partial_fit`` (skipped when not installed) |
"""
from __future__ import annotations

import warnings

import numpy as np

import loopnet as ln

LR = 0.5


class Loopnet:
    """``loops``, ``plain``, ``numpy`` and ``python``: a :class:`loopnet.Network` on that backend.

    ``forward`` and ``gradients`` call the backend directly (no argument checking), so they time
    the engine; ``train`` is the public ``Network.fit``.
    """

    def __init__(self, backend, sizes, batch_size, dtype):
        self.net = ln.Network(sizes, seed=0, dtype=dtype, backend=backend)
        self.batch_size = batch_size

    def prepare(self, X, Y):
        return self.net._data(X, Y)[:2]

    def forward(self, X):
        return self.net._backend.predict(self.net._theta, X, self.net._spec)

    predict = forward      # over a data set: the same call (the backend picks its kernel by the rows)

    def gradients(self, X, Y):
        return self.net._backend.gradients(self.net._theta, X, Y, self.net._spec)[1]

    def train(self, X, Y, epochs):
        self.net.fit(X, Y, epochs=epochs, lr=LR, batch_size=self.batch_size, seed=0)

    def params(self):
        return self.net.params.copy()


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


class Nielsen:
    """Nielsen's ``network.py`` (Python 3, NumPy): column vectors, one example at a time.

    ``backprop`` is his, line for line in spirit: a loop over the examples of the mini-batch, a
    ``np.dot`` per layer per example. Weights are (n_l, n_{l−1}) like loopnet's.
    """

    def __init__(self, sizes, batch_size, dtype):
        net = ln.Network(sizes, seed=0, dtype=dtype)
        self.weights = [w.copy() for w in net.weights]
        self.biases = [b.copy().reshape(-1, 1) for b in net.biases]
        self.batch_size = batch_size
        self.rng = np.random.default_rng(0)

    def prepare(self, X, Y):
        return [x.reshape(-1, 1) for x in X], [y.reshape(-1, 1) for y in Y]

    def feedforward(self, a):
        for b, w in zip(self.biases, self.weights):
            a = _sigmoid(np.dot(w, a) + b)
        return a

    def forward(self, X):
        return [self.feedforward(x) for x in X]

    def backprop(self, x, y):
        nabla_b = [np.zeros(b.shape) for b in self.biases]
        nabla_w = [np.zeros(w.shape) for w in self.weights]
        activation = x
        activations = [x]
        zs = []
        for b, w in zip(self.biases, self.weights):
            z = np.dot(w, activation) + b
            zs.append(z)
            activation = _sigmoid(z)
            activations.append(activation)
        sp = activations[-1] * (1 - activations[-1])
        delta = (activations[-1] - y) * sp
        nabla_b[-1] = delta
        nabla_w[-1] = np.dot(delta, activations[-2].transpose())
        for l in range(2, len(self.weights) + 1):
            sp = activations[-l] * (1 - activations[-l])
            delta = np.dot(self.weights[-l + 1].transpose(), delta) * sp
            nabla_b[-l] = delta
            nabla_w[-l] = np.dot(delta, activations[-l - 1].transpose())
        return nabla_b, nabla_w

    def mini_batch_sums(self, xs, ys):
        nabla_b = [np.zeros(b.shape) for b in self.biases]
        nabla_w = [np.zeros(w.shape) for w in self.weights]
        for x, y in zip(xs, ys):
            db, dw = self.backprop(x, y)
            nabla_b = [nb + d for nb, d in zip(nabla_b, db)]
            nabla_w = [nw + d for nw, d in zip(nabla_w, dw)]
        return nabla_b, nabla_w

    def gradients(self, X, Y):
        nabla_b, nabla_w = self.mini_batch_sums(X, Y)
        parts = []
        for w, b in zip(nabla_w, nabla_b):     # quadratic loss 1/(2N) Σ: the mean of the per-example gradients
            parts += [w.ravel() / len(X), b.ravel() / len(X)]
        return np.concatenate(parts)

    def train(self, X, Y, epochs):
        n = len(X)
        for _ in range(epochs):
            order = self.rng.permutation(n)
            for start in range(0, n, self.batch_size):
                idx = order[start:start + self.batch_size]
                nabla_b, nabla_w = self.mini_batch_sums([X[i] for i in idx], [Y[i] for i in idx])
                self.weights = [w - (LR / len(idx)) * nw for w, nw in zip(self.weights, nabla_w)]
                self.biases = [b - (LR / len(idx)) * nb for b, nb in zip(self.biases, nabla_b)]

    def params(self):
        return np.concatenate([p.ravel() for w, b in zip(self.weights, self.biases) for p in (w, b)])


_TORCH_DEFAULT_THREADS: list[int] = []   # torch's own thread count, read before the first set_num_threads(1)


class Torch:
    """PyTorch CPU: ``nn.Linear`` layers with sigmoid, the same loss, ``torch.optim.SGD``.
    ``predict`` (inference over a data set) runs as a PyTorch user predicts: ``nn.Sequential`` under
    ``torch.inference_mode()`` on torch's default number of threads (:meth:`default_threads`)."""

    def __init__(self, sizes, batch_size, dtype):
        import torch
        if not _TORCH_DEFAULT_THREADS:
            _TORCH_DEFAULT_THREADS.append(torch.get_num_threads())
        # one intra-op thread: on these mini-batches torch's thread pool costs more than it gives,
        # and on a 2-core machine its spinning workers fight numba's and OpenBLAS's (W4: ~40x slower)
        torch.set_num_threads(1)
        self.torch = torch
        self.dtype = torch.float64 if dtype == "float64" else torch.float32
        net = ln.Network(sizes, seed=0, dtype=dtype)
        layers = []
        for w, b in zip(net.weights, net.biases):
            lin = torch.nn.Linear(w.shape[1], w.shape[0], dtype=self.dtype)
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(w.copy()))
                lin.bias.copy_(torch.from_numpy(b.copy()))
            layers += [lin, torch.nn.Sigmoid()]
        self.model = torch.nn.Sequential(*layers)
        self.opt = torch.optim.SGD(self.model.parameters(), lr=LR)
        self.batch_size = batch_size
        self.gen = torch.Generator().manual_seed(0)

    def prepare(self, X, Y):
        return self.torch.from_numpy(X).to(self.dtype), self.torch.from_numpy(Y).to(self.dtype)

    def loss(self, X, Y):
        return ((self.model(X) - Y) ** 2).sum() / (2 * X.shape[0])

    def forward(self, X):
        with self.torch.no_grad():
            return self.model(X)

    def default_threads(self):
        """torch's default intra-op threads (the training benchmarks run it on one; see __init__)."""
        self.torch.set_num_threads(_TORCH_DEFAULT_THREADS[0])

    def predict(self, X):
        with self.torch.inference_mode():
            return self.model(X)

    def gradients(self, X, Y):
        self.model.zero_grad()
        self.loss(X, Y).backward()
        return np.concatenate([p.grad.numpy().ravel() for p in self.model.parameters()])

    def train(self, X, Y, epochs):
        n = X.shape[0]
        for _ in range(epochs):
            order = self.torch.randperm(n, generator=self.gen)
            for start in range(0, n, self.batch_size):
                idx = order[start:start + self.batch_size]
                self.opt.zero_grad()
                self.loss(X[idx], Y[idx]).backward()
                self.opt.step()

    def params(self):
        return np.concatenate([p.detach().numpy().ravel() for p in self.model.parameters()])


class Jax:
    """JAX on the CPU, written the way its users train a small MLP at their best: one ``jax.jit`` call runs
    all the epochs of a ``train`` call (``jax.lax.scan`` over epochs, then over the mini-batches of the
    epoch's permutation, drawn with ``jax.random``), each step ``params − η · jax.grad(loss)``; the last,
    smaller mini-batch of an epoch (N mod B examples) is one more step of its own shape, inside the same
    jitted function. float64 with ``jax_enable_x64``. Weights as loopnet's: W (n_l, n_{l−1}), z = a Wᵀ + b."""

    def __init__(self, sizes, batch_size, dtype):
        import jax
        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
        self.jax, self.jnp = jax, jnp
        self.dtype = jnp.float64 if dtype == "float64" else jnp.float32
        net = ln.Network(sizes, seed=0, dtype=dtype)
        self.theta = [(jnp.asarray(w, self.dtype), jnp.asarray(b, self.dtype)) for w, b in zip(net.weights, net.biases)]
        self.batch_size = batch_size
        self.key = jax.random.PRNGKey(0)

        def forward(params, X):
            a = X
            for W, b in params:
                a = jax.nn.sigmoid(a @ W.T + b)
            return a

        def loss(params, X, Y):
            return jnp.sum((forward(params, X) - Y) ** 2) / (2 * X.shape[0])

        grad = jax.grad(loss)

        def sgd(params, X, Y):
            g = grad(params, X, Y)
            return [(W - LR * gW, b - LR * gb) for (W, b), (gW, gb) in zip(params, g)]

        def epoch(params, key, X, Y):
            n, B = X.shape[0], self.batch_size
            full = n // B
            order = jax.random.permutation(key, n)
            Xs, Ys = X[order], Y[order]
            if full:
                batches = (Xs[:full * B].reshape(full, B, -1), Ys[:full * B].reshape(full, B, -1))
                params, _ = jax.lax.scan(lambda p, xy: (sgd(p, *xy), None), params, batches)
            if n % B:
                params = sgd(params, Xs[full * B:], Ys[full * B:])
            return params

        def train(params, key, X, Y, epochs):
            keys = jax.random.split(key, epochs)
            params, _ = jax.lax.scan(lambda p, k: (epoch(p, k, X, Y), None), params, keys)
            return params

        self._forward = jax.jit(forward)
        self._grad = jax.jit(grad)
        self._train = jax.jit(train, static_argnums=4)

    def prepare(self, X, Y):
        return self.jnp.asarray(X, self.dtype), self.jnp.asarray(Y, self.dtype)

    def forward(self, X):
        return self._forward(self.theta, X).block_until_ready()

    predict = forward      # a jitted forward over the whole data set

    def gradients(self, X, Y):
        g = self._grad(self.theta, X, Y)
        return np.concatenate([np.asarray(p).ravel() for pair in g for p in pair])

    def train(self, X, Y, epochs):
        self.key, sub = self.jax.random.split(self.key)
        self.theta = self._train(self.theta, sub, X, Y, epochs)
        self.jax.block_until_ready(self.theta)

    def params(self):
        return np.concatenate([np.asarray(p).ravel() for pair in self.theta for p in pair])


class Sklearn:
    """``MLPRegressor(activation="logistic", solver="sgd")``: squared loss, but an identity output
    layer (scikit-learn's choice for regression) and its own initialisation; one epoch per
    ``partial_fit``. Training only."""

    def __init__(self, sizes, batch_size, dtype):
        from sklearn.neural_network import MLPRegressor
        self.model = MLPRegressor(hidden_layer_sizes=tuple(sizes[1:-1]), activation="logistic", solver="sgd",
                                  batch_size=batch_size, learning_rate_init=LR, momentum=0.0, alpha=0.0,
                                  shuffle=True, random_state=0)
        self.dtype = dtype

    def prepare(self, X, Y):
        if not hasattr(self.model, "coefs_"):   # one partial_fit creates the weights (start them moving)
            self.train(X, Y, 1)
        return X, Y

    def train(self, X, Y, epochs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(epochs):
                self.model.partial_fit(X, Y)

    def params(self):
        return np.concatenate([p.ravel() for pair in zip(self.model.coefs_, self.model.intercepts_) for p in pair])


def available(name):
    """Whether implementation ``name`` can run here (torch and sklearn are optional)."""
    try:
        if name == "torch":
            import torch  # noqa: F401
        if name == "sklearn":
            import sklearn  # noqa: F401
        if name == "jax":
            import jax  # noqa: F401
    except ImportError:
        return False
    return True


def make(name, sizes, batch_size, dtype):
    if name in ("loops", "plain", "numpy", "python"):
        return Loopnet(name, sizes, batch_size, dtype)
    return {"nielsen": Nielsen, "torch": Torch, "jax": Jax, "sklearn": Sklearn}[name](sizes, batch_size, dtype)
