"""Torch's loss and backward called directly (comparisons/parity/torch_direct.py) give what the usual calls give,
bit for bit, and step aside (the usual call, its warnings and errors) wherever they would differ."""
import warnings

import pytest
import torch

from comparisons.parity.torch_direct import direct_loss, run_backward


def graph(dtype, seed=0):
    g = torch.Generator().manual_seed(seed)
    w = torch.randn(4, 3, dtype=dtype, generator=g, requires_grad=True)
    x = torch.randn(7, 4, dtype=dtype, generator=g)
    y = torch.randn(7, 3, dtype=dtype, generator=g)
    return w, x, y


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_direct_mse_loss_and_backward_are_bit_identical_to_the_module_and_tensor_backward(dtype, reduction):
    results = []
    for direct in (False, True):
        w, x, y = graph(dtype)
        module = torch.nn.MSELoss(reduction=reduction)
        loss = (direct_loss(module) if direct else module)(torch.tanh(x @ w), y)
        value = loss.sum() if reduction == "none" else loss
        (run_backward if direct else torch.Tensor.backward)(value)
        results.append((loss.detach(), w.grad))
    (loss_a, grad_a), (loss_b, grad_b) = results
    assert torch.equal(loss_a, loss_b) and torch.equal(grad_a, grad_b)


def test_mse_of_two_shapes_goes_through_f_mse_loss_with_its_warning():
    w, x, y = graph(torch.float64)
    with pytest.warns(UserWarning, match="target size"):
        loss = direct_loss(torch.nn.MSELoss())(x @ w, y[:, :1])
    assert torch.equal(loss, torch.nn.functional.mse_loss(*torch.broadcast_tensors(x @ w, y[:, :1])))


def test_a_hooked_loss_module_is_called_as_a_module():
    seen = []
    module = torch.nn.MSELoss()
    module.register_forward_hook(lambda m, args, out: seen.append(out))
    assert direct_loss(module) is module
    w, x, y = graph(torch.float64)
    direct_loss(module)(x @ w, y)
    assert len(seen) == 1


def test_other_losses_are_their_forward():
    module = torch.nn.L1Loss()
    w, x, y = graph(torch.float64)
    assert torch.equal(direct_loss(module)(x @ w, y), module(x @ w, y))


@pytest.mark.parametrize("make, error", [
    (lambda w, x: (x @ w).sum().detach(), "does not require grad"),
    (lambda w, x: x @ w, "implicitly created only for scalar outputs"),
])
def test_backward_of_what_torch_refuses_raises_torchs_error(make, error):
    w, x, _ = graph(torch.float64)
    with pytest.raises(RuntimeError, match=error):
        run_backward(make(w, x))


def test_backward_accumulates_into_grad_as_tensor_backward_does():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        grads = []
        for call in (torch.Tensor.backward, run_backward):
            w, x, _ = graph(torch.float64)
            call((x @ w).square().sum())
            call((x @ w).sum())
            grads.append(w.grad)
    assert torch.equal(*grads)
