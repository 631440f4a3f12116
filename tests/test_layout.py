"""θ's layout, one description (loopnet.kernels.layout.Layout) used by the network, the twins, the
ensemble and model files, and the same offsets as the compiled kernels' param_offset."""
import numpy as np
import pytest

import loopnet as ln
from loopnet.kernels.layout import Layout, n_params, param_offset


@pytest.mark.parametrize("sizes", [[3, 2, 1], [1, 1], [4, 5, 6, 2], [784, 30, 10]])
@pytest.mark.parametrize("bias", [True, False])
def test_offsets_are_the_kernels(sizes, bias):
    lay = Layout(sizes, bias)
    arr = np.asarray(sizes, dtype=np.int64)
    assert lay.n_params == n_params(arr, bias) == ln.Network(sizes, bias=bias, backend="numpy").n_params
    for l in range(1, len(sizes)):
        assert lay.weight_slice(l).start == param_offset(arr, bias, l)
        assert lay.bias_slice(l).stop - lay.weight_slice(l).start == sizes[l] * sizes[l - 1] + (sizes[l] if bias else 0)


def test_split_join_and_a_member_axis():
    lay = Layout([3, 2, 1], True)
    theta = np.arange(11.0)
    Ws, bs = lay.split(theta)
    assert [W.shape for W in Ws] == [(2, 3), (1, 2)] and bs[1].tolist() == [10.0]
    assert np.array_equal(lay.join(Ws, bs, np.float64), theta)
    members = np.stack([theta, theta + 100])                        # (M, P)
    W2, b2 = lay.layer(members, 2)
    assert W2.shape == (2, 1, 2) and b2[:, 0].tolist() == [10.0, 110.0]
    assert lay.weight_mask().sum() == 6 + 2


def test_network_views_and_ensemble_members_share_it():
    net = ln.Network([3, 2, 1], seed=4, backend="numpy")
    lay = Layout(net.sizes, True)
    np.testing.assert_array_equal(net.weights[1], net.params[lay.weight_slice(2)].reshape(1, 2))
    ens = ln.Ensemble([3, 2, 1], seeds=[4, 5], backend="numpy")
    np.testing.assert_array_equal(ens.params[0], net.params)
