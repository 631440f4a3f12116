"""The ensemble's equations (loopnet/kernels/ensemble.py) are the component kernels with a member axis:
each block kernel, run on a block of members, equals the component kernel of the same name run on each
member alone (float64, to rounding: the block kernels sum in the same order, LLVM may fuse differently)."""
import numpy as np
import pytest

from loopnet.activations import IDENTITY, RELU, SIGMOID, SOFTMAX, TANH
from loopnet.kernels import backward, ensemble as ek, forward, loss as lk, vexp
from loopnet.losses import CROSS_ENTROPY, MSE, QUADRATIC, SSE

NB, N_PREV, N_L, N_NEXT, LANES = 5, 3, 4, 2, 6
RTOL = 1e-12


def rand(rng, *shape):
    return np.ascontiguousarray(rng.standard_normal(shape))


def member(arr, m):
    """Member m's slice of a block array (member axis last), as the component kernels take it."""
    return np.ascontiguousarray(arr[..., m])


def test_weighted_input():
    rng = np.random.default_rng(0)
    W, b, a_prev = rand(rng, N_L, N_PREV, LANES), rand(rng, N_L, LANES), rand(rng, NB, N_PREV, LANES)
    z = np.empty((NB, N_L, LANES))
    ek.weighted_input(z, W, b, a_prev)
    for m in range(LANES):
        zm = np.empty((NB, N_L))
        forward.weighted_input(zm, member(W, m), member(b, m), member(a_prev, m))
        np.testing.assert_allclose(z[..., m], zm, rtol=RTOL)


@pytest.mark.parametrize("act", [SIGMOID, TANH, RELU, IDENTITY, SOFTMAX])
def test_activate_layer(act):
    rng = np.random.default_rng(1)
    z = rand(rng, NB, N_L, LANES) * 3
    a = np.empty_like(z)
    ek.activate_layer(a, z, act)
    for m in range(LANES):
        am = np.empty((NB, N_L))
        vexp.activate_layer_vexp(am, member(z, m), act)
        np.testing.assert_allclose(a[..., m], am, rtol=1e-12)


CASES = [(SIGMOID, QUADRATIC), (SIGMOID, MSE), (SIGMOID, SSE), (SIGMOID, CROSS_ENTROPY), (SOFTMAX, CROSS_ENTROPY),
         (SOFTMAX, QUADRATIC), (TANH, QUADRATIC), (IDENTITY, MSE), (RELU, SSE)]


def _outputs(rng, act):
    z = rand(rng, NB, N_L, LANES)
    a = np.empty_like(z)
    ek.activate_layer(a, z, act)
    y = np.ascontiguousarray(rng.random((NB, N_L, LANES)))
    return z, a, y


@pytest.mark.parametrize("act, loss", CASES)
def test_output_error_bp1(act, loss):
    rng = np.random.default_rng(2)
    z, a, y = _outputs(rng, act)
    sw = np.ascontiguousarray(rng.random((NB, LANES)) * 2)        # s_nm: each member its own weights
    scale = np.linspace(0.1, 0.6, LANES)                         # and its own loss scale
    delta = np.empty_like(z)
    ek.output_error(delta, a, z, y, sw, act, loss, scale)
    for m in range(LANES):
        dm = np.empty((NB, N_L))
        backward.output_error(dm, member(a, m), member(z, m), member(y, m), member(sw, m), act, loss, scale[m])
        np.testing.assert_allclose(delta[..., m], dm, rtol=RTOL, atol=1e-15)


@pytest.mark.parametrize("act, loss", CASES)
def test_loss_terms(act, loss):
    rng = np.random.default_rng(3)
    z, a, y = _outputs(rng, act)
    sw = np.ascontiguousarray(rng.random((NB, LANES)) * 2)
    out = np.empty(LANES)
    ek.loss_terms(out, a, z, y, sw, act, loss)
    for m in range(LANES):
        expect = lk.loss_terms(member(a, m), member(z, m), member(y, m), member(sw, m), act, loss)
        np.testing.assert_allclose(out[m], expect, rtol=1e-11)


@pytest.mark.parametrize("act", [SIGMOID, TANH, RELU, IDENTITY])
def test_hidden_error_bp2(act):
    rng = np.random.default_rng(4)
    W_next, delta_next = rand(rng, N_NEXT, N_L, LANES), rand(rng, NB, N_NEXT, LANES)
    z = rand(rng, NB, N_L, LANES)
    a = np.empty_like(z)
    ek.activate_layer(a, z, act)
    delta = np.empty_like(z)
    ek.hidden_error(delta, W_next, delta_next, z, a, act)
    for m in range(LANES):
        dm = np.empty((NB, N_L))
        backward.hidden_error(dm, member(W_next, m), member(delta_next, m), member(z, m), member(a, m), act)
        np.testing.assert_allclose(delta[..., m], dm, rtol=RTOL, atol=1e-15)


def test_bias_gradient_bp3_and_weight_gradient_bp4():
    rng = np.random.default_rng(5)
    delta, a_prev = rand(rng, NB, N_L, LANES), rand(rng, NB, N_PREV, LANES)
    db, dW = np.empty((N_L, LANES)), np.empty((N_L, N_PREV, LANES))
    ek.bias_gradient(db, delta)
    ek.weight_gradient(dW, delta, a_prev)
    for m in range(LANES):
        dbm, dWm = np.empty(N_L), np.empty((N_L, N_PREV))
        backward.bias_gradient(dbm, member(delta, m))
        backward.weight_gradient(dWm, member(delta, m), member(a_prev, m))
        np.testing.assert_allclose(db[:, m], dbm, rtol=RTOL, atol=1e-15)
        np.testing.assert_allclose(dW[..., m], dWm, rtol=RTOL, atol=1e-15)
