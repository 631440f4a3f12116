"""Largest loops-vs-numpy difference and largest finite-difference error over random networks of every valid
activation x output x loss, with and without biases.  Run: python3 bench/backend_agreement.py
"""
import itertools, numpy as np, loopnet as ln
HIDDEN = ["sigmoid", "tanh", "relu", "identity"]; OUTPUT = HIDDEN + ["softmax"]; LOSSES = ["mse", "quadratic", "sse", "cross_entropy"]
maxdiff = 0; maxrel = 0; maxfd = 0; worst = None; n = 0
for h, o, l in itertools.product(HIDDEN, OUTPUT, LOSSES):
    if l == "cross_entropy" and o not in ("sigmoid", "softmax"): continue
    for bias in (True, False):
        for seed in range(3):
            rng = np.random.default_rng(seed)
            sizes = [int(rng.integers(1, 8))] + [int(rng.integers(1, 9)) for _ in range(int(rng.integers(0, 3)))] + [int(rng.integers(2, 5))]
            net = ln.Network(sizes, activation=h, output_activation=o, loss=l, bias=bias, seed=seed)
            N = int(rng.integers(1, 20)); X = rng.normal(size=(N, sizes[0]))
            Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], N)] if (l == "cross_entropy") else rng.normal(size=(N, sizes[-1]))
            g = net.gradients(X, Y); A = net.forward(X)
            tw = net.copy(); tw.backend = "numpy"; gt = tw.gradients(X, Y); At = tw.forward(X)
            d = max(np.abs(g.flat - gt.flat).max(), np.abs(A - At).max(), abs(g.loss - gt.loss))
            maxdiff = max(maxdiff, d); n += 1
            fd = ln.gradcheck(net, X, Y)
            if fd > maxfd: maxfd, worst = fd, (h, o, l, bias, sizes)
print(f"{n} networks: largest |loops - numpy| over forward, loss, gradients = {maxdiff:.3g}; largest finite-difference relative error = {maxfd:.3g} at {worst}")
