"""Seed 003, sin(x) with a 1-4-1 tanh network in column-major torch: same weights and data as the seed's
torch code, and the NumPy run follows that code (not only our mirror) for all 5000 steps."""
import numpy as np
import pytest
import torch

from seed_results import seed_row, seed_variant
from comparisons.parity.trainers import TorchTrainer
from comparisons.parity.trajectory import compare_trajectory
from manual import SGD, params_from_column_major
from manual.seeds import sine_tanh
from torch_ref.seeds import SineTanhTrainer, sine_tanh_data, sine_tanh_params

SYSTEM = sine_tanh.SYSTEMS[0]


def test_weight_constants_are_what_torch_manual_seed_99_draws():
    for ours, theirs in zip([a for pair in sine_tanh.INIT_COLUMN_MAJOR for a in pair], sine_tanh_params()):
        assert ours.dtype == np.float32 and np.array_equal(ours, theirs.numpy())


@pytest.mark.parametrize("start,end,steps", [(-5, 5, 20), (0, 1, 7), (-3, 7, 33), (-5, 5, 100)])
def test_linspace_reproduces_torch_float32_bit_for_bit(start, end, steps):
    assert np.array_equal(sine_tanh.torch_linspace_float32(start, end, steps),
                          torch.linspace(start, end, steps).numpy())


def test_data_is_the_seeds():
    """x is bit-identical; np.sin is correctly rounded where torch.sin is 1 ulp off at 2 of 20 points."""
    x, y = sine_tanh.column_major_data()
    tx, ty = sine_tanh_data()
    assert np.array_equal(x, tx.numpy())
    ulp = np.spacing(np.abs(ty.numpy()))
    assert np.all(np.abs(y - ty.numpy()) <= ulp) and np.sum(y != ty.numpy()) <= 2
    assert np.array_equal(y, np.sin(x.astype(np.float64)).astype(np.float32))


def test_manual_net_starts_from_the_seed_weights_converted_at_the_boundary():
    net = SYSTEM.build(np.float32)
    expected = params_from_column_major([(w.numpy(), b.numpy()) for w, b in
                                         zip(sine_tanh_params()[::2], sine_tanh_params()[1::2])])
    for (W, b), (V, c) in zip(net.linear_params(), expected):
        assert np.array_equal(W, V) and np.array_equal(b, c)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_numpy_follows_the_seeds_own_torch_code_for_5000_steps(dtype):
    r = seed_row(SYSTEM, dtype)    # the reference here is torch_ref.seeds.SineTanhTrainer
    assert r.ok and r.verdict == "pass", r.explanation()
    assert r.trajectory.steps_run == 5000 and not r.problems
    if dtype == np.float64:
        assert r.fwd <= 1e-10 and r.grad <= 1e-10 and r.trajectory.max_rel() <= 1e-8
    assert r.task_manual["loss"] == pytest.approx(r.task_torch["loss"], rel=1e-5)
    assert r.task_manual["loss"] < 0.01      # from ~0.99 at the start: tanh fits sin


def test_our_mirror_agrees_with_the_seeds_torch_code():
    net = SYSTEM.build(np.float64)
    mirror = TorchTrainer.mirroring(net, SYSTEM.make_loss(), SGD(SYSTEM.lr))
    report = compare_trajectory(mirror, SineTanhTrainer(torch.float64), SYSTEM.data.astype(np.float64).feed(),
                                steps=5000, rtol=1e-8, stride=50)
    assert report.passed, str(report)


def test_column_major_numpy_version_passes():
    r = seed_variant(SYSTEM, 0)
    assert r.ok and not r.flagged and r.report.steps_run == 5000


def test_column_major_step_matches_row_major_gradient_step():
    """One step of the W @ x code equals one step of the manual net, through the layout conversion."""
    net, loss = SYSTEM.build(np.float64), SYSTEM.make_loss()
    X, y = SYSTEM.data.astype(np.float64).X, SYSTEM.data.astype(np.float64).y
    new = sine_tanh.step_column_major(net.linear_params(), X, y, 0.01)
    loss.forward(net.forward(X), y)
    net.backward(loss.backward())
    SGD(0.01).step(net)
    for (W, b), (V, c) in zip(new, net.linear_params()):
        np.testing.assert_allclose(W, V, rtol=1e-14)
        np.testing.assert_allclose(b, c, rtol=1e-14)
