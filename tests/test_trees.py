"""The kernel-tree table (loopnet.backends.TREES) and the swaps that build it (loopnet.jit.trees):
each tree calls the kernels its row says, read from the rebuilt functions' globals (what the compiled
code calls), and a swap that matches nothing is an error."""
import pytest

from loopnet import ensemble
from loopnet.backends import TRAIN_EPOCHS, TREES, _loops_tree, tree
from loopnet.jit import PARALLEL_WORK, kernel
from loopnet.jit.trees import SwapMatchedNothing, reaches, swap_tree, variant
from loopnet.kernels import backward, blocked, forward, optimizers, speedups, training, vexp

OPS = ("predict", "gradients", "evaluate", *TRAIN_EPOCHS.values())


def test_component_tree_runs_the_kernels_as_written():
    t = tree("component")
    for op in ("gradients", *TRAIN_EPOCHS.values()):
        fn = getattr(t, op)
        assert reaches(fn, backward.weight_gradient) and reaches(fn, backward.hidden_error)
        assert not reaches(fn, blocked.weight_gradient_fast) and not reaches(fn, vexp.activate_layer_vexp)
    # each epoch kernel holds its own optimizer's update only
    assert reaches(t.train_epochs_sgd, optimizers.sgd_update) and not reaches(t.train_epochs_sgd, optimizers.adam_update)
    assert reaches(t.train_epochs_adam, optimizers.adam_update) and not reaches(t.train_epochs_adam, optimizers.sgd_update)


def test_parallel_tree_holds_the_blocked_parallel_sums():
    t = tree("parallel")
    for op in ("gradients", *TRAIN_EPOCHS.values()):
        fn = getattr(t, op)
        for component, parallel in ((backward.weight_gradient, blocked.weight_gradient_blocked_parallel),
                                    (backward.hidden_error, blocked.hidden_error_blocked_parallel),
                                    (forward.weighted_input, blocked.weighted_input_tiled_parallel)):
            assert reaches(fn, parallel), (op, parallel)
        assert reaches(fn, vexp.activate_layer_vexp)
    assert reaches(t.predict, blocked.weighted_input_tiled_parallel)
    assert t.predict_rows is blocked.predict_rows_parallel


def test_blocked_tree_holds_the_serial_blocked_sums_and_no_parallel_copy():
    t = tree("blocked")
    for op in OPS:
        fn = getattr(t, op)
        for par in speedups.SERIAL:
            assert not reaches(fn, par), (op, par)
    assert reaches(t.gradients, blocked.weight_gradient_blocked)
    assert reaches(t.train_epochs_sgd, blocked.hidden_error_blocked)


def test_the_loops_backend_picks_its_tree_by_work():
    assert _loops_tree(speedups.SMALLEST_BLOCK_WORK - 1)[1] is tree("component")
    assert _loops_tree(speedups.SMALLEST_BLOCK_WORK)[1] is tree("blocked")
    assert _loops_tree(PARALLEL_WORK)[1] is tree("parallel")
    assert set(TREES) == {"parallel", "blocked"}


def test_member_trees_run_the_serial_blocked_sums():
    serial, parallel = ensemble._loops_each(PARALLEL_WORK)
    for fn in (serial, parallel):
        assert reaches(fn, blocked.weight_gradient_blocked)
        assert not reaches(fn, blocked.weight_gradient_blocked_parallel)


def test_a_swap_that_matches_nothing_is_an_error():
    @kernel
    def stranger(x):
        return x

    with pytest.raises(SwapMatchedNothing, match="stranger"):
        variant(optimizers.sgd_update, {stranger: stranger}, "nothing", strict=True)
    with pytest.raises(SwapMatchedNothing, match="stranger"):
        swap_tree({"gradients": backward.gradients}, {**speedups.SPEEDUPS, stranger: stranger}, "fast")
    # the table of the left-out optimizers matches: building it strictly works
    assert variant(training.train_epochs, training.LEFT_OUT[training.SGD], "sgd", strict=True) \
        is tree("component").train_epochs_sgd
