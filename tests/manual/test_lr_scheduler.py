"""StepLR and CosineAnnealingLR give torch.optim.lr_scheduler's lr sequence exactly (torch's recursive form,
bit for bit), over three periods, and their mirrors continue from where the manual schedule is."""
import math
import warnings

import numpy as np
import pytest
import torch

import manual
from manual import SGD, Adam, CosineAnnealingLR, ParityInputError, StepLR
from torch_ref import mirror, mirror_optimizer, mirror_scheduler


def lr_sequences(make_sched, lr=0.1, epochs=30):
    """(manual lrs, torch lrs): get_last_lr() at construction and after each of `epochs` steps."""
    opt = SGD(lr)
    torch_opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)
    ours, theirs = make_sched(opt, manual), make_sched(torch_opt, torch.optim.lr_scheduler)
    manual_lrs, torch_lrs = [ours.get_last_lr()], [theirs.get_last_lr()]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "scheduler.step() before optimizer.step()": no training here
        for _ in range(epochs):
            ours.step()
            theirs.step()
            manual_lrs.append(ours.get_last_lr())
            torch_lrs.append(theirs.get_last_lr())
    assert opt.lr == torch_opt.param_groups[0]["lr"]
    return manual_lrs, torch_lrs


@pytest.mark.parametrize("step_size, gamma", [(1, 0.5), (3, 0.1), (7, 0.9)])
def test_step_lr_sequence_is_torchs(step_size, gamma):
    ours, theirs = lr_sequences(lambda o, m: m.StepLR(o, step_size, gamma=gamma), epochs=3 * 7)
    assert ours == theirs


@pytest.mark.parametrize("T_max, eta_min, lr", [(10, 0.0, 0.1), (7, 1e-3, 0.5), (1, 0.0, 0.1), (13, 0.05, 0.05)])
def test_cosine_lr_sequence_is_torchs_exactly_over_three_periods(T_max, eta_min, lr):
    ours, theirs = lr_sequences(lambda o, m: m.CosineAnnealingLR(o, T_max, eta_min=eta_min), lr, epochs=3 * T_max)
    assert ours == theirs   # ==, not close: the same recursion in the same order
    closed = [eta_min + (lr - eta_min) * (1 + math.cos(math.pi * e / T_max)) / 2 for e in range(3 * T_max + 1)]
    np.testing.assert_allclose([v for [v] in ours], closed, rtol=0, atol=1e-15)  # the recursion drifts from it


def test_step_lr_changes_the_optimizers_lr_used_by_step():
    net = manual.build_mlp([2, 1], [])
    for layer in net.linears:
        layer.grads = {k: np.ones_like(p) for k, p in layer.params.items()}
    opt = SGD(1.0)
    sched = StepLR(opt, step_size=1, gamma=0.5)
    sched.step()
    before = net.get_params()
    opt.step(net)
    assert all(np.array_equal(net.params[k], v - 0.5) for k, v in before.items())


def test_mirror_scheduler_continues_from_the_manual_schedule():
    net = manual.build_mlp([2, 1], [])
    opt = Adam(0.2)
    sched = CosineAnnealingLR(opt, T_max=5)
    for _ in range(3):
        sched.step()
    torch_opt = mirror_optimizer(opt, mirror(net))
    twin = mirror_scheduler(sched, torch_opt)
    assert twin.get_last_lr() == sched.get_last_lr() and torch_opt.param_groups[0]["lr"] == opt.lr
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(10):
            sched.step()
            twin.step()
            assert twin.get_last_lr() == sched.get_last_lr()


@pytest.mark.parametrize("make, message", [
    (lambda o: StepLR(o, 0), "step_size must be a positive integer, got 0"),
    (lambda o: StepLR(o, 2.5), "step_size must be a positive integer, got 2.5"),
    (lambda o: CosineAnnealingLR(o, 0), "T_max must be a positive integer, got 0"),
    (lambda o: CosineAnnealingLR(o, 10, eta_min=math.inf), "Invalid eta_min value: inf"),
    (lambda o: StepLR(object(), 2), "a schedule needs a manual optimizer with an lr"),
])
def test_bad_schedule_arguments(make, message):
    with pytest.raises(ParityInputError) as info:
        make(SGD(0.1))
    assert str(info.value).startswith(message)
