"""The implementations the ensemble benchmarks compare: M networks trained at once.

Every implementation starts member i from ``loopnet.Network(sizes, seed=i)``'s weights and trains
the same thing: sigmoid everywhere, quadratic loss L = 1/(2N) Σ_n Σ_j (a_nj − y_nj)², plain SGD,
epochs in the order ``Network.fit(seed=0)`` uses (every member alike), the loss of every epoch
recorded. Each offers ``train()`` (the timed call, from the initial weights) and ``params()``
(θ (M, P) after it, in loopnet's layout, to check the answer).

| name | what runs |
|---|---|
| ``ensemble-loops`` | ``loopnet.Ensemble.fit`` on the loop kernels (blocks of members over all cores) |
| ``ensemble-numpy`` | ``loopnet.Ensemble.fit`` on the NumPy twin (batched matrix products) |
| ``sequential`` | a Python loop over ``Network.fit``, one member after another (timed on a slice of the members, scaled) |
| ``jax-vmap`` | ``jax.jit(jax.vmap(train))``, train a ``lax.scan`` over epochs (and mini-batches) of ``jax.grad`` steps, float64 (skipped without JAX) |
"""
from __future__ import annotations

import importlib.util

import numpy as np

import loopnet as ln


def available(name):
    return name != "jax-vmap" or importlib.util.find_spec("jax") is not None


def orders(N, epochs, shuffle):
    """The epoch orders of ``Network.fit(seed=0)``: (epochs, N)."""
    if not shuffle:
        return np.tile(np.arange(N), (epochs, 1))
    rng = np.random.default_rng(0)
    return rng.permuted(np.tile(np.arange(N, dtype=np.int64), (epochs, 1)), axis=1)


class Ensemble:
    def __init__(self, backend, w):
        self.w = w
        self.ens = ln.Ensemble(w.sizes, seeds=range(w.members), backend=backend)
        self.theta0 = self.ens.params.copy()

    def train(self):
        w = self.w
        self.ens.params[...] = self.theta0          # every timed call starts from the initial weights
        self.ens.fit(w.X, w.Y, epochs=w.epochs, lr=w.lr, batch_size=w.batch_size, shuffle=w.shuffle, seed=0)

    def params(self):
        return self.ens.params


class Sequential:
    """``Network.fit`` member after member; times ``members_timed`` of the members."""

    def __init__(self, w):
        self.w = w
        self.members_timed = min(w.members, w.sequential_members)

    def train(self):
        w = self.w
        self.thetas = []
        for i in range(self.members_timed):
            net = ln.Network(w.sizes, seed=i)
            net.fit(w.X, w.Y, epochs=w.epochs, lr=w.lr, batch_size=w.batch_size, shuffle=w.shuffle, seed=0)
            self.thetas.append(net.params.copy())

    def params(self):
        return np.array(self.thetas)


class JaxVmap:
    """``jax.vmap`` over members of a jitted ``lax.scan`` over epochs, each epoch a scan over its
    full mini-batches plus one step on the remainder; float64 (``jax_enable_x64``)."""

    def __init__(self, w):
        import jax
        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
        self.w = w
        sizes, N, B = w.sizes, w.X.shape[0], w.batch_size
        L = len(sizes) - 1
        ens = ln.Ensemble(sizes, seeds=range(w.members))
        self.theta0 = ens.params.copy()
        offs = []
        off = 0
        for l in range(1, L + 1):
            offs.append((off, sizes[l], sizes[l - 1]))
            off += sizes[l] * sizes[l - 1] + sizes[l]
        self.offs = offs
        X, Y = jnp.asarray(w.X), jnp.asarray(w.Y)
        order = jnp.asarray(orders(N, w.epochs, w.shuffle))
        n_full = N // B
        rest = N - n_full * B
        lr = w.lr

        def unpack(theta):
            return [(theta[o:o + n * k].reshape(n, k), theta[o + n * k:o + n * k + n]) for o, n, k in offs]

        def loss(params, xb, yb):
            a = xb
            for W, b in params:
                a = jax.nn.sigmoid(a @ W.T + b)
            return 0.5 / xb.shape[0] * jnp.sum((a - yb) ** 2)

        step = jax.value_and_grad(loss)

        def sgd(params, idx):
            value, g = step(params, X[idx], Y[idx])
            return [(W - lr * gW, b - lr * gb) for (W, b), (gW, gb) in zip(params, g)], value

        def epoch(params, perm):
            def body(p, idx):
                p, value = sgd(p, idx)
                return p, value * idx.shape[0] / N
            params, values = jax.lax.scan(body, params, perm[:n_full * B].reshape(n_full, B))
            total = values.sum()
            if rest:
                params, value = sgd(params, perm[n_full * B:])
                total = total + value * rest / N
            return params, total

        def train(theta):
            params, curve = jax.lax.scan(epoch, unpack(theta), order)
            return jnp.concatenate([jnp.concatenate([W.ravel(), b]) for W, b in params]), curve

        self.fn = jax.jit(jax.vmap(train))
        self.jnp = jnp

    def train(self):
        theta, curves = self.fn(self.jnp.asarray(self.theta0))
        theta.block_until_ready()
        self.theta = np.asarray(theta)

    def params(self):
        return self.theta


def make(name, w):
    if name == "ensemble-loops":
        return Ensemble("loops", w)
    if name == "ensemble-numpy":
        return Ensemble("numpy", w)
    if name == "sequential":
        return Sequential(w)
    if name == "jax-vmap":
        return JaxVmap(w)
    raise ValueError(name)
