"""The loss L = scale · Σ_n s_n Σ_j e(a_nj, z_nj, y_nj), and the count of correct predictions.

s_n is example n's sample weight (1 when none is given); the scale's N is Σ_n s_n, so a weight of
2 on a row is that row twice."""
import numpy as np

from ..activations import SIGMOID, SOFTMAX
from ..losses import CROSS_ENTROPY, loss_scale
from ..jit import kernel
from .forward import feedforward
from .layout import batch_buffers, batch_view

NO_ACCURACY, ARGMAX, THRESHOLD = 0, 1, 2


@kernel
def softplus(z):
    """softplus(z) = ln(1 + e^z) = max(z, 0) + ln(1 + e^{−|z|}), finite for every finite z."""
    return max(z, z * 0) + np.log1p(np.exp(-abs(z)))


@kernel
def loss_terms(a, z, y, sw, act, loss):
    """Σ_n s_n Σ_j e(a_nj, z_nj, y_nj), the unscaled loss of a batch (accumulated in float64);
    sw (nb,) holds the sample weights s_n.

    squared losses:        e = (a − y)²
    sigmoid cross-entropy: e = −[y ln a + (1−y) ln(1−a)] = softplus(z) − y z
    softmax cross-entropy: e_n = −Σ_j y_nj ln a_nj = Σ_j y_nj (logsumexp(z_n) − z_nj)
    """
    total = 0.0
    if loss == CROSS_ENTROPY and act == SOFTMAX:
        for n in range(a.shape[0]):
            m = z[n, 0]
            for j in range(1, z.shape[1]):
                if z[n, j] > m:
                    m = z[n, j]
            s = 0.0
            for j in range(z.shape[1]):
                s += np.exp(np.float64(z[n, j]) - np.float64(m))
            lse = np.float64(m) + np.log(s)
            for j in range(z.shape[1]):
                total += np.float64(sw[n]) * (np.float64(y[n, j]) * (lse - np.float64(z[n, j])))
    elif loss == CROSS_ENTROPY and act == SIGMOID:
        for n in range(a.shape[0]):
            for j in range(a.shape[1]):
                zz = np.float64(z[n, j])
                total += np.float64(sw[n]) * (softplus(zz) - np.float64(y[n, j]) * zz)
    else:
        for n in range(a.shape[0]):
            for j in range(a.shape[1]):
                d = np.float64(a[n, j]) - np.float64(y[n, j])
                total += np.float64(sw[n]) * (d * d)
    return total


@kernel
def count_correct(a, y, task):
    """How many rows of a (nb, n_L) predict y: argmax_j a_nj = argmax_j y_nj (ARGMAX), or every
    output on the same side of ½ as its target (THRESHOLD)."""
    correct = 0
    if task == ARGMAX:
        for n in range(a.shape[0]):
            ja = 0
            jy = 0
            for j in range(1, a.shape[1]):
                if a[n, j] > a[n, ja]:
                    ja = j
                if y[n, j] > y[n, jy]:
                    jy = j
            if ja == jy:
                correct += 1
    elif task == THRESHOLD:
        for n in range(a.shape[0]):
            ok = True
            for j in range(a.shape[1]):
                if (a[n, j] >= 0.5) != (y[n, j] >= 0.5):
                    ok = False
            if ok:
                correct += 1
    return correct


@kernel
def evaluate(theta, X, Y, sw, sizes, acts, has_bias, loss, task, chunk):
    """(L, number correct) over all rows of X (N, n_0), Y (N, n_L) with sample weights sw (N,),
    ``chunk`` rows at a time; the scale's N is Σ_n s_n."""
    N = X.shape[0]
    L = sizes.shape[0] - 1
    zeros, zbuf, abuf = batch_buffers(theta, sizes, chunk)
    terms = 0.0
    total_weight = 0.0
    correct = 0
    for start in range(0, N, chunk):
        nb = min(chunk, N - start)
        feedforward(theta, X[start:start + nb], sizes, acts, has_bias, zeros, zbuf, abuf, chunk, nb)
        a_L = batch_view(abuf, chunk, sizes, L, nb)
        y = Y[start:start + nb]
        s = sw[start:start + nb]
        terms += loss_terms(a_L, batch_view(zbuf, chunk, sizes, L, nb), y, s, acts[L - 1], loss)
        for n in range(nb):
            total_weight += s[n]
        correct += count_correct(a_L, y, task)
    return loss_scale(loss, total_weight, sizes[L]) * terms, correct
