"""Softmax and LogSoftmax against torch's nn.Softmax(dim=-1) / nn.LogSoftmax(dim=-1): float64 one step within
1e-12 of each tensor's scale, float32 per element within both sides' first-order rounding bounds, finite
differences, large logits, and inside Sequential (Linear -> LogSoftmax with NLLLoss, 200 steps)."""
import numpy as np
import pytest
import torch
from layer_parity import check_finite_diff

import manual
from comparisons.parity.roundoff import TRANSCENDENTAL_ULPS, gamma, unit_roundoff
from comparisons.parity.step import compare_step
from comparisons.parity.trainers import ManualTrainer, TorchTrainer
from comparisons.parity.trajectory import compare_trajectory
from manual import LogSoftmax, NLLLoss, ParityInputError, ShapeError, Softmax
from torch_ref import torch_layer, torch_layer_kind

LAYERS = {"softmax": Softmax, "log_softmax": LogSoftmax}
REL64 = 1e-12


def run_both(name, x, dy):
    """(manual output, manual dx), (torch output, torch dx) for the layer and its registry twin."""
    layer = LAYERS[name]()
    ours = layer.forward(x), layer.backward(dy)
    x_t = torch.from_numpy(x.copy()).requires_grad_()
    y_t = torch_layer(layer)(x_t)
    y_t.backward(torch.from_numpy(dy))
    return ours, (y_t.detach().numpy(), x_t.grad.numpy())


def logits(scale=5.0, shape=(16, 7), seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) * scale).astype(dtype), rng.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("scale", [0.1, 5.0, 1000.0])
@pytest.mark.parametrize("name", LAYERS)
def test_float64_one_step_matches_torch(name, scale):
    (y, dx), (y_t, dx_t) = run_both(name, *logits(scale))
    for what, mine, ref in (("forward", y, y_t), ("dx", dx, dx_t)):
        assert np.isfinite(mine).all(), f"{name} {what} not finite at logits x{scale}"
        rel = np.abs(mine - ref).max() / np.abs(ref).max()
        assert rel <= REL64, f"{name} {what}: rel {rel:.1e} > {REL64} (logits x{scale})"


def rounding_bounds(name, x, dy, u):
    """Per element, how far one float32 implementation may be from the exact result (first order): t = x - max
    (u|t|), e = exp(t) (u|t| + c u, c u an exp/log of TRANSCENDENTAL_ULPS/2 ulps), S = sum e (gamma_C),
    1/S and the products (u each); backward from those, with sigma = sum dy*s (gamma_C)."""
    t = x - x.max(-1, keepdims=True)
    c, n = TRANSCENDENTAL_ULPS * u, x.shape[-1]
    eta = u * np.abs(t) + c                               # relative error of each exp(t)
    e_sum = eta.max(-1, keepdims=True) + gamma(n, u)      # relative error of the sum of the exps
    p = manual.softmax(x)
    abs_dy = np.abs(dy)
    if name == "softmax":
        ds = p * (eta + e_sum + 2 * u)
        sigma = (dy * p).sum(-1, keepdims=True)
        d_sigma = (abs_dy * ds).sum(-1, keepdims=True) + gamma(n + 1, u) * (abs_dy * p).sum(-1, keepdims=True)
        r = np.abs(dy - sigma)
        return ds, ds * r + p * (d_sigma + u * r) + u * p * r
    logS = np.log(np.exp(t).sum(-1, keepdims=True))
    y = t - logS
    dy_ = u * np.abs(t) + e_sum + c * np.abs(logS) + u * np.abs(y)
    total = dy.sum(-1, keepdims=True)
    dx = dy - np.exp(y) * total
    return dy_, p * np.abs(total) * (dy_ + c + u) + p * gamma(n, u) * abs_dy.sum(-1, keepdims=True) + u * np.abs(dx)


@pytest.mark.parametrize("scale", [0.1, 5.0, 30.0])
@pytest.mark.parametrize("name", LAYERS)
def test_float32_within_both_sides_rounding_bounds(name, scale):
    x, dy = logits(scale, dtype=np.float32)
    (y, dx), (y_t, dx_t) = run_both(name, x, dy)
    bounds = rounding_bounds(name, x.astype(np.float64), dy.astype(np.float64), unit_roundoff(np.float32))
    for what, mine, ref, bound in zip(("forward", "dx"), (y, dx), (y_t, dx_t), bounds):
        assert mine.dtype == np.float32
        diff = np.abs(mine.astype(np.float64) - ref)
        worst = np.unravel_index(np.argmax(diff / (2 * bound)), diff.shape)
        assert (diff <= 2 * bound).all(), (f"{name} {what} at {worst}: |manual - torch| {diff[worst]:.2e} > "
                                           f"2 x bound {2 * bound[worst]:.2e}")


@pytest.mark.parametrize("name", LAYERS)
def test_backward_matches_finite_differences(name):
    check_finite_diff(LAYERS[name](), (5, 6))


@pytest.mark.parametrize("name", LAYERS)
def test_rows_are_normalised_and_logits_of_1000_stay_finite(name):
    x = np.array([[1000.0, 0.0, -1000.0], [1.0, 1.0, 1.0]])
    y = LAYERS[name]().forward(x)
    p = np.exp(y) if name == "log_softmax" else y
    assert np.isfinite(y).all() and np.allclose(p.sum(-1), 1.0, rtol=0, atol=1e-15)


@pytest.mark.parametrize("name", LAYERS)
def test_twin_and_description(name):
    layer = LAYERS[name]()
    assert torch_layer_kind(torch_layer(layer)) == layer.describe() == f"{type(layer).__name__}(dim=-1)"


def test_bad_dim_is_named():
    with pytest.raises(ParityInputError, match="dim must be an integer"):
        Softmax(dim=1.5)
    with pytest.raises(ShapeError, match=r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"):
        LogSoftmax(dim=2).forward(np.zeros((2, 3)))


def test_log_softmax_with_nll_trains_like_torch_for_200_steps():
    rng = np.random.RandomState(0)
    X = rng.randn(32, 4)
    y = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 1).astype(int)
    net = manual.init_torch_default(manual.Sequential(manual.Linear(4, 16), manual.Tanh(), manual.Linear(16, 3),
                                                      LogSoftmax()), 0)
    report = compare_step(net, NLLLoss(), X, y)
    assert report.passed and report.max_rel() < REL64, str(report)
    loss, opt = NLLLoss(), manual.SGD(0.5)
    traj = compare_trajectory(ManualTrainer(net, loss, opt), TorchTrainer.mirroring(net, loss, opt), (X, y),
                              steps=200, rtol=1e-10)
    assert traj.passed and traj.steps_run == 200 and traj.max_rel() < REL64, str(traj)
    assert traj.losses["manual"][-1] < 0.5 * traj.losses["manual"][0]       # it learns
