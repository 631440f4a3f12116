"""Whole epochs of mini-batch gradient descent in one compiled call.

Python calls :func:`train_epochs` once per epoch (or once for many epochs when nothing needs
Python in between); every mini-batch's forward pass, backward pass and update run here.
"""
import numpy as np

from ..jit import kernel
from .backward import backpropagate
from .forward import feedforward
from .layout import batch_buffers, batch_view, n_params
from .loss import count_correct
from .optimizers import add_weight_decay, adam_update, left_out, sgd_update
from ..losses import SSE

SGD, ADAM = 0, 1
# The compiled epoch for each optimizer: train_epochs with the other optimizer's update left out
# (loopnet.jit.variant swaps it for optimizers.left_out), so a fit compiles only the update it uses.
#
# | optimizer | update compiled in | left out |
# |---|---|---|
# | SGD | sgd_update | adam_update |
# | ADAM | adam_update | sgd_update |
LEFT_OUT = {SGD: {adam_update: left_out}, ADAM: {sgd_update: left_out}}


@kernel
def train_epochs(theta, X, Y, sw, orders, sizes, acts, has_bias, loss, batch_size, optimizer,
                 hyper, state, step, task, epoch_loss, epoch_correct):
    """Train for ``orders.shape[0]`` epochs; epoch e visits the rows of X listed in orders[e], in that order
    (all N rows, a permutation; or, for a long epoch run in pieces, one piece's rows).
    sw (N,) are the sample weights (ones when none are given): each mini-batch's loss is
    scale(Σ_batch s_n) · Σ_n s_n e_n, so a weight of 2 on a row is that row twice; a mini-batch whose
    weights are all 0 has no loss to descend and takes no step (θ, the optimizer state and t unchanged).

    Each epoch cuts its order into mini-batches of ``batch_size`` (the last may be smaller) and
    for each one takes one optimizer step with ∂L/∂θ of that mini-batch.
    hyper = [η, μ, β₁, β₂, ε, λ/n] in θ's dtype; state = optimizer memory (2P: velocity or m, v);
    step[0] = Adam's t, carried across calls.
    Writes per epoch the loss over the epoch's mini-batches (each taken before its step; mean
    losses weighted by batch size, sse summed) and the number of correct predictions.
    Returns the number of epochs completed. If a loss or a weight becomes non-finite in epoch e,
    θ and the optimizer state are put back as they were at the start of e and e is returned.
    """
    N = orders.shape[1]                              # the rows each epoch (or piece of one) visits
    P = n_params(sizes, has_bias)
    B = batch_size
    L = sizes.shape[0] - 1
    zeros, zbuf, abuf = batch_buffers(theta, sizes, B)
    dbuf = np.empty_like(abuf)
    ybuf = np.empty(B * sizes[L], dtype=theta.dtype)
    swbuf = np.empty(B, dtype=sw.dtype)
    total_weight = 0.0                               # Σ s_n over the rows visited (the same in every epoch)
    for i in range(N):
        total_weight += sw[orders[0, i]]
    grad = np.empty(P, dtype=theta.dtype)
    backup = np.empty(P + state.shape[0], dtype=theta.dtype)
    a0_full = batch_view(abuf, B, sizes, 0, B)       # (B, n_0): the mini-batch's inputs a^0
    y_full = ybuf.reshape(B, sizes[L])               # (B, n_L): its targets
    lr, momentum, beta1, beta2, eps, decay = hyper[0], hyper[1], hyper[2], hyper[3], hyper[4], hyper[5]
    for e in range(orders.shape[0]):
        for i in range(P):                           # element loops, not backup[:P] = theta: numba's
            backup[i] = theta[i]                     # slice assignment compiles a shape-error message
        for i in range(state.shape[0]):              # (its string formatting: ~2 s of a cold start)
            backup[P + i] = state[i]
        step_before = step[0]
        running = 0.0
        correct = 0
        finite = True
        for start in range(0, N, B):
            nb = min(B, N - start)
            a0 = a0_full[:nb]                        # first-axis slices: ~1 ns, a reshape ~25 ns
            y = y_full[:nb]
            s = swbuf[:nb]
            batch_weight = 0.0
            for n in range(nb):                      # gather the mini-batch
                r = orders[e, start + n]
                s[n] = sw[r]
                batch_weight += sw[r]
                for k in range(X.shape[1]):
                    a0[n, k] = X[r, k]
                for j in range(Y.shape[1]):
                    y[n, j] = Y[r, j]
            if batch_weight == 0.0:                  # every s_n = 0: L is 0/0 and no step is taken
                if task != 0:                         # (the rows still count for the accuracy)
                    feedforward(theta, a0, sizes, acts, has_bias, zeros, zbuf, abuf, B, nb)
                    correct += count_correct(batch_view(abuf, B, sizes, L, nb), y, task)
                continue
            value = backpropagate(grad, theta, a0, y, s, sizes, acts, has_bias, loss, zeros, zbuf, abuf, dbuf, B, nb)
            if not np.isfinite(value):
                finite = False
                break
            if task != 0:
                correct += count_correct(batch_view(abuf, B, sizes, L, nb), y, task)
            running += value if loss == SSE else value * batch_weight / total_weight
            if decay != 0:
                add_weight_decay(grad, theta, sizes, has_bias, decay)
            if optimizer == SGD:
                sgd_update(theta, grad, state[:P], lr, momentum)
            else:
                step[0] += 1
                adam_update(theta, grad, state[:P], state[P:], lr, beta1, beta2, eps, step[0])
        if finite:
            for i in range(P):
                if not np.isfinite(theta[i]):
                    finite = False
                    break
        if not finite:
            for i in range(P):
                theta[i] = backup[i]
            for i in range(state.shape[0]):
                state[i] = backup[P + i]
            step[0] = step_before
            return e
        epoch_loss[e] = running
        epoch_correct[e] = correct
    return orders.shape[0]
