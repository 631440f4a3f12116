"""Where one mini-batch's time goes on W4 and W5 (mini-batches of 10, one core: the ``blocked`` tree).

    python3 bench/minibatch_profile.py

For 784-100-10 (W5) and 784-30-10 (W4), float64 and float32, times each operation of a mini-batch of
10 called alone (best of 200): the forward pass (``predict`` over the 10 rows), forward + backward
(``gradients``), the SGD update of θ, and, for comparison, one mini-batch inside a whole epoch of
``Network.fit`` (6,000 examples, best of 5, divided by 600). Prints θ's size: a W^1 larger than the
L2 cache is streamed from L3 by every pass over it.
"""
import time

import numpy as np

import loopnet as ln
from loopnet.backends import tree


def best(f, rounds=200):
    f()
    b = float("inf")
    for _ in range(rounds):
        t = time.perf_counter()
        f()
        b = min(b, time.perf_counter() - t)
    return b


def main():
    kernels = tree("blocked")
    for sizes in ([784, 100, 10], [784, 30, 10]):
        for dtype in ("float64", "float32"):
            net = ln.Network(sizes, seed=0, dtype=dtype)
            theta, spec = net._theta, net._spec
            rng = np.random.default_rng(0)
            X = rng.random((6000, sizes[0])).astype(dtype)
            Y = np.eye(sizes[-1], dtype=dtype)[rng.integers(0, sizes[-1], 6000)]
            sw = np.ones(10, dtype)
            grad = np.zeros_like(theta)
            out = np.empty((10, sizes[-1]), dtype)
            t_fwd = best(lambda: kernels.predict(out, theta, X[:10], spec.sizes, spec.acts, spec.has_bias, 10))
            t_grad = best(lambda: kernels.gradients(grad, theta, X[:10], Y[:10], sw, spec.sizes, spec.acts,
                                                    spec.has_bias, spec.loss))
            lr, zero = theta.dtype.type(1e-3), theta.dtype.type(0)
            t_upd = best(lambda: kernels.sgd_update(theta, grad, grad[:0], lr, zero))
            t_epoch = best(lambda: net.fit(X, Y, epochs=1, batch_size=10, lr=0.01, shuffle=False), 5) / 600
            print(f"{'-'.join(map(str, sizes))} {dtype}: one mini-batch in an epoch {t_epoch * 1e6:.1f} µs; "
                  f"forward {t_fwd * 1e6:.1f} µs, forward + backward {t_grad * 1e6:.1f} µs, "
                  f"update {t_upd * 1e6:.1f} µs; θ {theta.nbytes / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
