"""M networks of one layout at once: the same equations with a member index m innermost.

An :class:`loopnet.Ensemble` keeps its parameters as θ (M, P), one member per row. The kernels
take the members in blocks of ``lanes`` and, inside a block, store every quantity with the
member index last:

| quantity | single network (kernels/backward.py) | block of members (here) |
|---|---|---|
| w^l_{jk} | ``W[j, k]`` | ``W[j, k, m]`` (n_l, n_{l−1}, lanes) |
| b^l_j | ``b[j]`` | ``b[j, m]`` (n_l, lanes) |
| z^l_nj, a^l_nj, δ^l_nj | ``z[n, j]`` | ``z[n, j, m]`` (nb, n_l, lanes) |
| θ, ∂L/∂θ, optimizer state | ``theta[p]`` | ``th[p · lanes + m]`` |

Every equation is then the single-network loop with one more loop, over m, innermost: the
members are independent, so that loop has no dependence from one m to the next and LLVM runs it
as SIMD (eight float64 members per AVX-512 instruction), and the exp of the sigmoid is
:func:`loopnet.kernels.vexp.vsigmoid`, which vectorises (libm's exp would not). The blocks are
independent too: :data:`train_members_parallel` gives them to the cores (``prange``), each block
with its own buffers, so memory is θ plus one set of batch buffers per block in flight, not per member.

The block width ``lanes`` is a run-time number, chosen by :func:`loopnet.ensemble.block_lanes`
from the network's size (wide blocks for tiny networks, so each per-batch view and call is shared by
hundreds of members; narrow ones for big networks, so a block's θ and buffers stay in cache). It is
run-time on purpose: with a compile-time constant trip count LLVM unrolls the member loop fully
and then leaves it scalar (measured: 0 vector instructions in ``weighted_input``).
A block whose members run out (M not a multiple of lanes) fills its last lanes with copies of
the last member; their results are computed and thrown away.

Blocks pay for small networks, where one member's step is too short to fill the vector units
(2-2-1 on XOR: 36 multiply-adds per batch). For bigger ones :func:`train_each` trains member after
member with the single-network kernel (register-blocked over examples and neurons, bitwise
``Network.fit``), the members over the cores; :func:`loopnet.ensemble.use_blocks` chooses.
"""
import numpy as np
from numba import prange

from ..jit import cast_like, kernel, one_of, parallel_kernel, zero_of
from ..activations import IDENTITY, RELU, SIGMOID, SOFTMAX, TANH
from ..losses import CROSS_ENTROPY, SSE, loss_scale
from .layout import param_offset
from .loss import softplus
from .training import SGD, train_epochs
from .vexp import vexp, vsigmoid


# ---- where things live in a block ---------------------------------------------------------------

@kernel
def block_layer(th, sizes, has_bias, zeros, l, lanes):
    """(W^l (n_l, n_{l−1}, lanes), b^l (n_l, lanes)) as views into a block's flat θ; without biases
    b^l is the all-zero ``zeros``. θ's order per member is the network's (W^l row by row, then b^l):
    the offset is :func:`loopnet.kernels.layout.param_offset`, times lanes."""
    off = param_offset(sizes, has_bias, l)
    n_out = sizes[l]
    n_in = sizes[l - 1]
    W = th[off * lanes:(off + n_out * n_in) * lanes].reshape(n_out, n_in, lanes)
    if has_bias:
        b = th[(off + n_out * n_in) * lanes:(off + n_out * n_in + n_out) * lanes].reshape(n_out, lanes)
    else:
        b = zeros[:n_out * lanes].reshape(n_out, lanes)
    return W, b


@kernel
def block_view(buf, B, sizes, l, nb, lanes):
    """The (nb, n_l, lanes) view of layer l in a layer-major block buffer of capacity B examples."""
    start = 0
    for i in range(l):
        start += B * sizes[i]
    return buf[start * lanes:(start + nb * sizes[l]) * lanes].reshape(nb, sizes[l], lanes)


@kernel
def block_buffers(theta, sizes, B, lanes):
    """(zeros, zbuf, abuf, dbuf) for one block: the zero bias stand-in and z, a, δ of B examples for
    layers 0..L (layer 0 of abuf holds the gathered inputs a^0), in θ's dtype."""
    total = 0
    for i in range(sizes.shape[0]):
        total += sizes[i]
    zeros = np.zeros(np.max(sizes) * lanes, dtype=theta.dtype)
    zbuf = np.empty(B * total * lanes, dtype=theta.dtype)
    abuf = np.empty(B * total * lanes, dtype=theta.dtype)
    dbuf = np.empty(B * total * lanes, dtype=theta.dtype)
    return zeros, zbuf, abuf, dbuf


@kernel
def member_of(m0, lane, M):
    """The member a lane of the block starting at member m0 holds (the last member for padding lanes)."""
    return min(m0 + lane, M - 1)


@kernel
def load_block(th, theta, m0, lanes):
    """th[p·lanes + m] = θ_{m0+m, p}: a block's parameters, member innermost (theta (M, P))."""
    M = theta.shape[0]
    for p in range(theta.shape[1]):
        for m in range(lanes):
            th[p * lanes + m] = theta[member_of(m0, m, M), p]


@kernel
def store_block(theta, th, m0, lanes):
    """θ_{m0+m, p} = th[p·lanes + m] for the block's real members (padding lanes are dropped)."""
    M = theta.shape[0]
    for m in range(min(lanes, M - m0)):
        for p in range(theta.shape[1]):
            theta[m0 + m, p] = th[p * lanes + m]


# ---- the forward pass ---------------------------------------------------------------------------

@kernel
def weighted_input(z, W, b, a_prev):
    """z^l_njm = Σ_k w^l_jkm a^{l−1}_nkm + b^l_jm, for every member m of the block.

    Reproduces :func:`loopnet.kernels.forward.weighted_input` member by member.

    z (nb, n_l, lanes); W (n_l, n_{l−1}, lanes); b (n_l, lanes); a_prev (nb, n_{l−1}, lanes).
    Loop order j, k, n, m: each w_jk· (lanes numbers) is read once per batch, not once per example
    (a block's W is lanes times a network's; the sums over k keep their order).
    """
    lanes = z.shape[2]
    for j in range(z.shape[1]):              # neuron j of layer l
        for n in range(z.shape[0]):
            for m in range(lanes):
                z[n, j, m] = b[j, m]
        for k in range(W.shape[1]):          # neuron k of layer l−1
            for n in range(z.shape[0]):      # example n of the batch
                for m in range(lanes):       # member m: innermost, SIMD across members
                    z[n, j, m] += W[j, k, m] * a_prev[n, k, m]


@kernel
def activate_layer(a, z, act):
    """a^l_njm = σ(z^l_njm); softmax: a_njm = e^{z_njm − c_nm} / Σ_i e^{z_nim − c_nm}, c_nm = max_i z_nim.

    Reproduces :func:`loopnet.kernels.vexp.activate_layer_vexp` (the speed layer's
    :func:`loopnet.kernels.forward.activate_layer`) member by member: the sigmoid and the softmax's
    exp use :func:`vexp`, which vectorises across members.
    """
    lanes = z.shape[2]
    if act == SOFTMAX:
        for n in range(z.shape[0]):
            for m in range(lanes):
                c = z[n, 0, m]
                for j in range(1, z.shape[1]):
                    c = max(c, z[n, j, m])
                total = zero_of(c)
                for j in range(z.shape[1]):
                    e = vexp(z[n, j, m] - c)
                    a[n, j, m] = e
                    total += e
                for j in range(z.shape[1]):
                    a[n, j, m] = np.true_divide(a[n, j, m], total)
    elif act == SIGMOID:
        for n in range(z.shape[0]):
            for j in range(z.shape[1]):
                for m in range(lanes):
                    a[n, j, m] = vsigmoid(z[n, j, m])
    elif act == TANH:
        for n in range(z.shape[0]):
            for j in range(z.shape[1]):
                for m in range(lanes):
                    a[n, j, m] = np.tanh(z[n, j, m])
    elif act == RELU:
        for n in range(z.shape[0]):
            for j in range(z.shape[1]):
                for m in range(lanes):
                    v = z[n, j, m]
                    a[n, j, m] = v if v > 0 else zero_of(v)
    else:
        for n in range(z.shape[0]):
            for j in range(z.shape[1]):
                for m in range(lanes):
                    a[n, j, m] = z[n, j, m]


@kernel
def derivative_layer(d, z, a, act):
    """d_njm = d_njm · σ'(z_njm), σ' written with a = σ(z): sigmoid a(1−a), tanh 1−a², relu [z > 0], identity 1
    (:func:`loopnet.activations.derivative`, the σ' of BP1 and BP2, for a whole layer of a block)."""
    lanes = z.shape[2]
    if act == IDENTITY:
        return
    for n in range(z.shape[0]):
        for j in range(z.shape[1]):
            for m in range(lanes):
                v = a[n, j, m]
                one = one_of(v)
                if act == SIGMOID:
                    s = v * (one - v)
                elif act == TANH:
                    s = one - v * v
                else:
                    s = one if z[n, j, m] > 0 else zero_of(v)
                d[n, j, m] = d[n, j, m] * s


@kernel
def feedforward(th, sizes, acts, has_bias, zeros, zbuf, abuf, B, nb, lanes):
    """a^l = σ(z^l), z^l = W^l a^{l−1} + b^l for l = 1..L, for the nb examples of layer 0 of abuf."""
    for l in range(1, sizes.shape[0]):
        W, b = block_layer(th, sizes, has_bias, zeros, l, lanes)
        z = block_view(zbuf, B, sizes, l, nb, lanes)
        weighted_input(z, W, b, block_view(abuf, B, sizes, l - 1, nb, lanes))
        activate_layer(block_view(abuf, B, sizes, l, nb, lanes), z, acts[l - 1])


# ---- the loss ----------------------------------------------------------------------------------

@kernel
def loss_terms(out, a, z, y, sw, act, loss):
    """out_m = Σ_n s_nm Σ_j e(a_njm, z_njm, y_njm), the unscaled loss of each member (float64);
    sw (nb, lanes) the sample weights of each member's rows.

    Reproduces :func:`loopnet.kernels.loss.loss_terms` member by member.

    squared losses: e = (a − y)²; sigmoid cross-entropy: e = softplus(z) − y z;
    softmax cross-entropy: e_nm = Σ_j y_njm (logsumexp_j(z_njm) − z_njm).
    """
    lanes = out.shape[0]
    for m in range(lanes):
        out[m] = 0.0
    if loss == CROSS_ENTROPY and act == SOFTMAX:
        for n in range(a.shape[0]):
            for m in range(lanes):
                c = np.float64(z[n, 0, m])
                for j in range(1, z.shape[1]):
                    c = max(c, np.float64(z[n, j, m]))
                s = 0.0
                for j in range(z.shape[1]):
                    s += vexp(np.float64(z[n, j, m]) - c)
                lse = c + np.log(s)
                for j in range(z.shape[1]):
                    out[m] += np.float64(sw[n, m]) * (np.float64(y[n, j, m]) * (lse - np.float64(z[n, j, m])))
    elif loss == CROSS_ENTROPY:
        for n in range(a.shape[0]):
            for j in range(a.shape[1]):
                for m in range(lanes):
                    zz = np.float64(z[n, j, m])
                    out[m] += np.float64(sw[n, m]) * (softplus(zz) - np.float64(y[n, j, m]) * zz)
    else:
        for n in range(a.shape[0]):
            for j in range(a.shape[1]):
                for m in range(lanes):
                    e = np.float64(a[n, j, m]) - np.float64(y[n, j, m])
                    out[m] += np.float64(sw[n, m]) * (e * e)


# ---- backpropagation: BP1–BP4 with a member index ----------------------------------------------
# Each is the component kernel of the same name in kernels/backward.py with one more loop, over the
# member m, innermost; tests/test_ensemble_equations.py checks each against it member by member.

@kernel
def output_error(delta, a, z, y, sw, act, loss, scale):
    """BP1: δ^L_njm = ∂L/∂a^L_njm · σ'(z^L_njm), ∂L/∂a_njm = 2·scale_m·s_nm·(a_njm − y_njm) (squared losses).

    Reproduces :func:`loopnet.kernels.backward.output_error` member by member: sw (nb, lanes) the
    sample weights, scale (lanes,) each member's loss scale (its batch's Σ_n s_nm is its N).

    Softmax: δ_njm = a_njm (g_njm − Σ_i g_nim a_nim), g = ∂L/∂a. Cross-entropy, through σ in one
    step: sigmoid δ = scale·s·(a − y); softmax δ_njm = scale·s_nm·(a_njm Σ_i y_nim − y_njm).
    """
    lanes = a.shape[2]
    if loss == CROSS_ENTROPY:
        for n in range(a.shape[0]):
            if act == SOFTMAX:
                for m in range(lanes):
                    scale_n = scale[m] * sw[n, m]
                    ysum = zero_of(scale_n)
                    for j in range(a.shape[1]):
                        ysum += y[n, j, m]
                    for j in range(a.shape[1]):
                        delta[n, j, m] = scale_n * (a[n, j, m] * ysum - y[n, j, m])
            else:
                for j in range(a.shape[1]):
                    for m in range(lanes):
                        delta[n, j, m] = (scale[m] * sw[n, m]) * (a[n, j, m] - y[n, j, m])
        return
    if act == SOFTMAX:
        for n in range(a.shape[0]):
            for m in range(lanes):
                two_scale = (scale[m] + scale[m]) * sw[n, m]
                ga = zero_of(two_scale)          # Σ_i g_nim a_nim
                for i in range(a.shape[1]):
                    ga += two_scale * (a[n, i, m] - y[n, i, m]) * a[n, i, m]
                for j in range(a.shape[1]):
                    delta[n, j, m] = a[n, j, m] * (two_scale * (a[n, j, m] - y[n, j, m]) - ga)
        return
    for n in range(a.shape[0]):
        for j in range(a.shape[1]):
            for m in range(lanes):
                delta[n, j, m] = ((scale[m] + scale[m]) * sw[n, m]) * (a[n, j, m] - y[n, j, m])
    derivative_layer(delta, z, a, act)


@kernel
def hidden_error(delta, W_next, delta_next, z, a, act):
    """BP2: δ^l_njm = (Σ_k w^{l+1}_kjm δ^{l+1}_nkm) · σ'(z^l_njm), for every member m of the block.

    Reproduces :func:`loopnet.kernels.backward.hidden_error` member by member, with its index
    letters: j a neuron of layer l, k a neuron of layer l+1 (the layer the error comes back from).
    delta, z, a (nb, n_l, lanes); W_next (n_{l+1}, n_l, lanes); delta_next (nb, n_{l+1}, lanes).
    Loop order k, j, n, m: W^{l+1} is read once per batch (each sum over k keeps its order).
    """
    lanes = delta.shape[2]
    for n in range(delta.shape[0]):
        for j in range(delta.shape[1]):
            for m in range(lanes):
                delta[n, j, m] = zero_of(delta[n, j, m])
    for k in range(W_next.shape[0]):         # neuron k of layer l+1
        for j in range(delta.shape[1]):      # neuron j of layer l
            for n in range(delta.shape[0]):  # example n of the batch
                for m in range(lanes):       # member m: innermost, SIMD across members
                    delta[n, j, m] += W_next[k, j, m] * delta_next[n, k, m]
    derivative_layer(delta, z, a, act)


@kernel
def bias_gradient(db, delta):
    """BP3: ∂L/∂b^l_jm = Σ_n δ^l_njm.   db (n_l, lanes); delta (nb, n_l, lanes).

    Reproduces :func:`loopnet.kernels.backward.bias_gradient` member by member (j a neuron of layer l)."""
    lanes = db.shape[1]
    for j in range(db.shape[0]):
        for m in range(lanes):
            db[j, m] = zero_of(db[j, m])
    for n in range(delta.shape[0]):
        for j in range(db.shape[0]):
            for m in range(lanes):
                db[j, m] += delta[n, j, m]


@kernel
def weight_gradient(dW, delta, a_prev):
    """BP4: ∂L/∂w^l_jkm = Σ_n δ^l_njm a^{l−1}_nkm.   dW (n_l, n_{l−1}, lanes).

    Reproduces :func:`loopnet.kernels.backward.weight_gradient` member by member (j a neuron of
    layer l, k of layer l−1). Forward, this was: z^l_njm = Σ_k w^l_jkm a^{l−1}_nkm + b_jm, so ∂z_njm/∂w_jkm = a_nkm.
    Loop order j, k, n, m: each dW_jk· is written once per batch (the sums over n keep their order).
    """
    lanes = dW.shape[2]
    for j in range(dW.shape[0]):             # neuron j of layer l
        for k in range(dW.shape[1]):         # neuron k of layer l−1
            for m in range(lanes):
                dW[j, k, m] = zero_of(dW[j, k, m])
            for n in range(delta.shape[0]):
                for m in range(lanes):
                    dW[j, k, m] += delta[n, j, m] * a_prev[n, k, m]


@kernel
def backpropagate(grad, value, th, y, sw, scale, sizes, acts, has_bias, loss, zeros, zbuf, abuf, dbuf, B, nb, lanes):
    """∂L/∂θ of every member of the block for the nb examples in layer 0 of abuf, targets y (nb, n_L, lanes),
    sample weights sw (nb, lanes); ``scale`` (lanes,) is scratch for each member's loss scale.

    Forward pass, BP1, then for l = L..1 BP4/BP3 and BP2 (as kernels/backward.py). Writes the
    gradients into ``grad`` (the block's θ layout) and each member's L into value (lanes,) float64.
    A member whose batch weights are all 0 gets scale 0 (no loss, a zero gradient; the caller takes
    no step for it).
    """
    L = sizes.shape[0] - 1
    feedforward(th, sizes, acts, has_bias, zeros, zbuf, abuf, B, nb, lanes)
    a_L = block_view(abuf, B, sizes, L, nb, lanes)
    z_L = block_view(zbuf, B, sizes, L, nb, lanes)
    loss_terms(value, a_L, z_L, y, sw, acts[L - 1], loss)
    for m in range(lanes):
        total_weight = 0.0                                   # the N of the scale: Σ_n s_nm
        for n in range(nb):
            total_weight += sw[n, m]
        sc = loss_scale(loss, total_weight, sizes[L]) if total_weight > 0.0 else 0.0
        value[m] = sc * value[m]
        scale[m] = cast_like(sc, th[0])
    delta = block_view(dbuf, B, sizes, L, nb, lanes)
    output_error(delta, a_L, z_L, y, sw, acts[L - 1], loss, scale)
    for l in range(L, 0, -1):
        a_prev = block_view(abuf, B, sizes, l - 1, nb, lanes)
        dW, db = block_layer(grad, sizes, has_bias, zeros, l, lanes)
        weight_gradient(dW, delta, a_prev)
        if has_bias:
            bias_gradient(db, delta)
        if l > 1:
            W, _ = block_layer(th, sizes, has_bias, zeros, l, lanes)
            delta_prev = block_view(dbuf, B, sizes, l - 1, nb, lanes)
            hidden_error(delta_prev, W, delta, block_view(zbuf, B, sizes, l - 1, nb, lanes), a_prev, acts[l - 2])
            delta = delta_prev


# ---- the optimizers, one component (and member) at a time -------------------------------------

@kernel
def sgd_update(th, grad, velocity, lr, momentum):
    """SGD with momentum μ_m: v_pm ← μ_m v_pm − η_m g_pm;  θ_pm ← θ_pm + v_pm.

    th, grad, velocity: the block's flat layout (P · lanes); lr, momentum (lanes,). With μ_m = 0
    this is plain SGD: v = 0·0 − η g = −(η g) exactly, so θ + v = θ − η g; one formula for every
    member keeps the loop over m free of branches (SIMD).
    """
    lanes = lr.shape[0]
    for p in range(th.shape[0] // lanes):
        for m in range(lanes):
            i = p * lanes + m
            velocity[i] = momentum[m] * velocity[i] - lr[m] * grad[i]
            th[i] += velocity[i]


@kernel
def adam_update(th, grad, mom1, mom2, lr, beta1, beta2, eps, t):
    """Adam for every member, step t_m: m_pm ← β₁ m_pm + (1−β₁) g_pm;  v_pm ← β₂ v_pm + (1−β₂) g_pm²;
    θ_pm ← θ_pm − η_m m̂_pm / (√v̂_pm + ε), m̂ = m/(1−β₁^t), v̂ = v/(1−β₂^t).  lr (lanes,), t (lanes,)."""
    lanes = lr.shape[0]
    one = one_of(beta1)
    for m in range(lanes):
        c1 = cast_like(1.0 - float(beta1) ** t[m], beta1)
        c2 = cast_like(1.0 - float(beta2) ** t[m], beta1)
        for p in range(th.shape[0] // lanes):
            i = p * lanes + m
            g = grad[i]
            mom1[i] = beta1 * mom1[i] + (one - beta1) * g
            mom2[i] = beta2 * mom2[i] + (one - beta2) * g * g
            th[i] -= np.true_divide(lr[m] * np.true_divide(mom1[i], c1), np.sqrt(np.true_divide(mom2[i], c2)) + eps)


@kernel
def add_weight_decay(grad, th, sizes, has_bias, decay):
    """L2 (Nielsen's network2): ∂/∂w_jkm gains decay_m · w_jkm, decay_m = λ_m / n. Weights only."""
    lanes = decay.shape[0]
    for l in range(1, sizes.shape[0]):
        off = param_offset(sizes, has_bias, l)
        for i in range(off, off + sizes[l] * sizes[l - 1]):
            for m in range(lanes):
                grad[i * lanes + m] += decay[m] * th[i * lanes + m]


@kernel
def all_finite(ok, th):
    """ok_m = ok_m and every θ_pm is finite (|θ| < ∞; NaN fails the comparison)."""
    lanes = ok.shape[0]
    for p in range(th.shape[0] // lanes):
        for m in range(lanes):
            ok[m] = ok[m] & (abs(th[p * lanes + m]) < np.inf)   # & not and: no branch


# ---- whole epochs for every member -------------------------------------------------------------

@kernel
def gather(dst, src, orders, e, start, m0, M):
    """dst[n, k, m] = src[s_m, r, k], r = orders[o_m, e, start + n]: the mini-batch rows of each member
    (s_m = m when src (1 or M, N, d) holds data per member, else 0; o_m likewise). dst (nb, d, lanes)."""
    lanes = dst.shape[2]
    if src.shape[0] == 1 and orders.shape[0] == 1:   # one data set, one order: the same rows for all
        for n in range(dst.shape[0]):
            r = orders[0, e, start + n]
            for k in range(dst.shape[1]):
                v = src[0, r, k]
                for m in range(lanes):
                    dst[n, k, m] = v
        return
    for m in range(lanes):
        mi = member_of(m0, m, M)
        sm = mi if src.shape[0] > 1 else 0
        om = mi if orders.shape[0] > 1 else 0
        for n in range(dst.shape[0]):
            r = orders[om, e, start + n]
            for k in range(dst.shape[1]):
                dst[n, k, m] = src[sm, r, k]


@kernel
def gather_weights(dst, sw, orders, e, start, m0, M):
    """dst[n, m] = sw[s_m, r], r = orders[o_m, e, start + n]: each member's sample weights of its
    mini-batch rows (sw (1 or M, N)). dst (nb, lanes)."""
    lanes = dst.shape[1]
    for m in range(lanes):
        mi = member_of(m0, m, M)
        sm = mi if sw.shape[0] > 1 else 0
        om = mi if orders.shape[0] > 1 else 0
        for n in range(dst.shape[0]):
            dst[n, m] = sw[sm, orders[om, e, start + n]]


@kernel
def train_block(theta, X, Y, sw, orders, sizes, acts, has_bias, loss, batch_size, optimizer,
                lr, momentum, decay, betas, state, step, epoch_loss, stopped, first_epoch, m0, lanes):
    """Train the members m0 … m0+lanes−1 for ``orders.shape[1]`` epochs (see :func:`train_members`)."""
    M, P = theta.shape
    S = state.shape[1]
    N = X.shape[1]
    B = batch_size
    L = sizes.shape[0] - 1
    zeros, zbuf, abuf, dbuf = block_buffers(theta, sizes, B, lanes)
    ybuf = np.empty(B * sizes[L] * lanes, dtype=theta.dtype)
    swbuf = np.empty(B * lanes, dtype=theta.dtype)
    scale = np.empty(lanes, dtype=theta.dtype)
    hold = np.empty((P + S) * lanes, dtype=theta.dtype)       # θ and state of members that skip a step
    total = np.zeros(lanes)                                   # Σ_n s_n over the data, per member
    batch_weight = np.empty(lanes)
    th = np.empty(P * lanes, dtype=theta.dtype)
    grad = np.empty(P * lanes, dtype=theta.dtype)
    st = np.zeros(max(S, P) * lanes, dtype=theta.dtype)
    backup = np.empty((P + S) * lanes, dtype=theta.dtype)
    lr_m = np.empty(lanes, dtype=theta.dtype)
    mom_m = np.empty(lanes, dtype=theta.dtype)
    dec_m = np.empty(lanes, dtype=theta.dtype)
    t_m = np.empty(lanes, dtype=np.int64)
    t_before = np.empty(lanes, dtype=np.int64)
    value = np.empty(lanes)
    running = np.empty(lanes)
    ok = np.empty(lanes, dtype=np.bool_)
    load_block(th, theta, m0, lanes)
    for s in range(S):
        for m in range(lanes):
            st[s * lanes + m] = state[member_of(m0, m, M), s]
    any_decay = False
    for m in range(lanes):
        mi = member_of(m0, m, M)
        lr_m[m] = lr[mi]
        mom_m[m] = momentum[mi]
        dec_m[m] = decay[mi]
        t_m[m] = step[mi]
        any_decay = any_decay or decay[mi] != 0
    for m in range(lanes):
        sm = member_of(m0, m, M) if sw.shape[0] > 1 else 0
        for n in range(N):
            total[m] += sw[sm, n]
    beta1, beta2, eps = betas[0], betas[1], betas[2]
    for e in range(orders.shape[1]):
        backup[:P * lanes] = th
        backup[P * lanes:] = st[:S * lanes]
        t_before[:] = t_m
        running[:] = 0.0
        ok[:] = True
        for start in range(0, N, B):
            nb = min(B, N - start)
            a0 = block_view(abuf, B, sizes, 0, nb, lanes)
            y = ybuf[:nb * sizes[L] * lanes].reshape(nb, sizes[L], lanes)
            wts = swbuf[:nb * lanes].reshape(nb, lanes)
            gather(a0, X, orders, e, start, m0, M)
            gather(y, Y, orders, e, start, m0, M)
            gather_weights(wts, sw, orders, e, start, m0, M)
            backpropagate(grad, value, th, y, wts, scale, sizes, acts, has_bias, loss, zeros, zbuf, abuf, dbuf, B, nb,
                          lanes)
            every = True                                 # every member's batch has some weight
            for m in range(lanes):
                batch_weight[m] = 0.0
                for n in range(nb):
                    batch_weight[m] += wts[n, m]
                every = every and batch_weight[m] > 0.0
                ok[m] = ok[m] & np.isfinite(value[m])
                # mean losses weighted by the batch's share of the weight (nb / N without weights), sse summed
                running[m] += value[m] if loss == SSE else value[m] * batch_weight[m] / total[m]
            if not every:                                # members whose weights are all 0 take no step
                for m in range(lanes):
                    if batch_weight[m] == 0.0:
                        for p in range(P):
                            hold[p * lanes + m] = th[p * lanes + m]
                        for q in range(S):
                            hold[(P + q) * lanes + m] = st[q * lanes + m]
            if any_decay:
                add_weight_decay(grad, th, sizes, has_bias, dec_m)
            if optimizer == SGD:
                sgd_update(th, grad, st[:P * lanes], lr_m, mom_m)
            else:
                for m in range(lanes):
                    t_m[m] += 1
                adam_update(th, grad, st[:P * lanes], st[P * lanes:2 * P * lanes], lr_m, beta1, beta2, eps, t_m)
            if not every:
                for m in range(lanes):
                    if batch_weight[m] == 0.0:
                        for p in range(P):
                            th[p * lanes + m] = hold[p * lanes + m]
                        for q in range(S):
                            st[q * lanes + m] = hold[(P + q) * lanes + m]
                        if optimizer != SGD:
                            t_m[m] -= 1
        all_finite(ok, th)
        for m in range(min(lanes, M - m0)):
            mi = m0 + m
            if stopped[mi] < 0 and not ok[m]:
                stopped[mi] = first_epoch + e          # diverged in this epoch: stop this member only
            if stopped[mi] >= 0:                       # stopped now or before: back to the epoch's start
                for p in range(P):
                    th[p * lanes + m] = backup[p * lanes + m]
                for s in range(S):
                    st[s * lanes + m] = backup[(P + s) * lanes + m]
                t_m[m] = t_before[m]
                epoch_loss[e, mi] = np.nan
            else:
                epoch_loss[e, mi] = running[m]
    store_block(theta, th, m0, lanes)
    for m in range(min(lanes, M - m0)):
        for s in range(S):
            state[m0 + m, s] = st[s * lanes + m]
        step[m0 + m] = t_m[m]


@kernel
def train_members(theta, X, Y, sw, orders, sizes, acts, has_bias, loss, batch_size, optimizer,
                  lr, momentum, decay, betas, state, step, epoch_loss, stopped, first_epoch, lanes):
    """Train every member (a row of θ (M, P)) for ``orders.shape[1]`` epochs, exactly as
    :func:`loopnet.kernels.training.train_epochs` trains one network.

    X (1 or M, N, n_0), Y (1 or M, N, n_L), sw (1 or M, N) sample weights: one data set for all, or one
    per member. A member's mini-batch whose weights are all 0 takes no step (as train_epochs).
    orders (1 or M, E, N): epoch e visits the rows in the order orders[·, e].
    lr, momentum, decay (M,): η, μ and λ/n per member; betas = [β₁, β₂, ε]; state (M, P or 2P)
    the optimizer memory; step (M,) Adam's t. epoch_loss (E, M) gets each member's epoch loss (epoch-major:
    a block writes its members' losses of an epoch side by side, not 8·E bytes apart);
    stopped (M,) int64: −1 while a member trains, else the epoch (counted from ``first_epoch``)
    in which its loss or a weight became non-finite: that member is put back to its weights
    from the start of that epoch and takes no further steps; the others go on.
    The blocks of lanes members are independent: :data:`train_members_parallel` runs them on all cores.
    """
    M = theta.shape[0]
    for blk in prange((M + lanes - 1) // lanes):
        train_block(theta, X, Y, sw, orders, sizes, acts, has_bias, loss, batch_size, optimizer,
                    lr, momentum, decay, betas, state, step, epoch_loss, stopped, first_epoch, blk * lanes, lanes)


train_members_parallel = parallel_kernel(train_members, "train_members_parallel")


@kernel
def forward_block(out, value, theta, X, Y, sizes, acts, has_bias, loss, chunk, m0, lanes):
    """a^L of the block's members for every row of X into out (M, N, n_L); with Y (same first
    axes as X, or 0 rows to skip), each member's L over all rows into value (M,)."""
    M = theta.shape[0]
    N = X.shape[1]
    L = sizes.shape[0] - 1
    zeros, zbuf, abuf, dbuf = block_buffers(theta, sizes, chunk, lanes)
    th = np.empty(theta.shape[1] * lanes, dtype=theta.dtype)
    ybuf = np.empty(chunk * sizes[L] * lanes, dtype=theta.dtype)
    part = np.empty(lanes)
    total = np.zeros(lanes)
    ones = np.ones((chunk, lanes), dtype=theta.dtype)           # every row counts once
    rows = np.empty((1, 1, chunk), dtype=np.int64)
    load_block(th, theta, m0, lanes)
    for start in range(0, N, chunk):
        nb = min(chunk, N - start)
        for n in range(nb):
            rows[0, 0, n] = start + n
        a0 = block_view(abuf, chunk, sizes, 0, nb, lanes)
        y = ybuf[:nb * sizes[L] * lanes].reshape(nb, sizes[L], lanes)
        gather(a0, X, rows, 0, 0, m0, M)
        if Y.shape[1] > 0:
            gather(y, Y, rows, 0, 0, m0, M)
        feedforward(th, sizes, acts, has_bias, zeros, zbuf, abuf, chunk, nb, lanes)
        a_L = block_view(abuf, chunk, sizes, L, nb, lanes)
        for m in range(min(lanes, M - m0)):
            for n in range(nb):
                for j in range(sizes[L]):
                    out[m0 + m, start + n, j] = a_L[n, j, m]
        if Y.shape[1] > 0:
            loss_terms(part, a_L, block_view(zbuf, chunk, sizes, L, nb, lanes), y, ones[:nb], acts[L - 1], loss)
            for m in range(lanes):
                total[m] += part[m]
    if Y.shape[1] > 0:
        for m in range(min(lanes, M - m0)):
            value[m0 + m] = loss_scale(loss, N, sizes[L]) * total[m]


@kernel
def forward_members(out, value, theta, X, Y, sizes, acts, has_bias, loss, chunk, lanes):
    """a^L for every member and row: out (M, N, n_L) from X (1 or M, N, n_0); with targets Y
    (1 or M, N, n_L; or N = 0 to skip) each member's loss L over all rows into value (M,)."""
    M = theta.shape[0]
    for blk in prange((M + lanes - 1) // lanes):
        forward_block(out, value, theta, X, Y, sizes, acts, has_bias, loss, chunk, blk * lanes, lanes)


forward_members_parallel = parallel_kernel(forward_members, "forward_members_parallel")


# ---- members one at a time, on all cores: for networks too big for member-innermost blocks ------

@kernel
def train_each(theta, X, Y, sw, orders, sizes, acts, has_bias, loss, batch_size, optimizer,
               lr, momentum, decay, betas, state, step, epoch_loss, stopped, first_epoch):
    """What :func:`train_members` computes, member after member with the single-network kernel
    :func:`loopnet.kernels.training.train_epochs` (so each member is bitwise ``Network.fit``), the
    members spread over the cores by :data:`train_each_parallel`.

    For a big network a member alone fills the vector units (its kernels are register-blocked
    over examples and neurons), and a block of members would keep lanes copies of θ in cache:
    :func:`loopnet.ensemble.use_blocks` picks this kernel then. sw (1 or M, N) are the s_n of
    :func:`~loopnet.kernels.training.train_epochs` (one row for all members, or one per member). Each member's per-epoch losses go to epoch_loss[:, m] (E, M).
    """
    M, P = theta.shape
    E = orders.shape[1]
    for mp in prange(M):
        m = np.int64(mp)                               # prange's index is unsigned; 0 below is signed
        if stopped[m] >= 0:                            # stopped in an earlier call: no more steps
            for e in range(E):
                epoch_loss[e, m] = np.nan
            continue
        xm = m if X.shape[0] > 1 else 0
        om = m if orders.shape[0] > 1 else 0
        hyper = np.empty(6, dtype=theta.dtype)
        hyper[0] = lr[m]
        hyper[1] = momentum[m]
        hyper[2] = betas[0]
        hyper[3] = betas[1]
        hyper[4] = betas[2]
        hyper[5] = decay[m]
        t = step[m:m + 1]
        losses = np.empty(E)
        correct = np.zeros(E, dtype=np.int64)
        sm = m if sw.shape[0] > 1 else 0
        done = train_epochs(theta[m], X[xm], Y[xm], sw[sm], orders[om], sizes, acts, has_bias, loss, batch_size,
                            optimizer, hyper, state[m], t, 0, losses, correct)
        for e in range(E):
            epoch_loss[e, m] = losses[e] if e < done else np.nan
        if done < E:
            stopped[m] = first_epoch + done             # diverged in epoch `done`: its start is kept


train_each_parallel = parallel_kernel(train_each, "train_each_parallel")
