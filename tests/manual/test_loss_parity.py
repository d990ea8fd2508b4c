"""Every loss against its torch twin (torch_ref.mirror_loss): value and dL/d(input), every reduction and
argument, float64 to 1e-12 and float32 to float32 rounding; training through compare_step/trajectories."""
import numpy as np
import pytest
import torch

import manual
from comparisons.parity.step import compare_step
from comparisons.parity.trainers import ManualTrainer, TorchTrainer
from comparisons.parity.trajectory import compare_trajectory
from manual import (BCEWithLogitsLoss, CrossEntropyLoss, DTypeError, HuberLoss, L1Loss, MSELoss, NLLLoss,
                    ParityInputError, ShapeError, SmoothL1Loss, UnknownNameError)
from manual.gradcheck import GOOD
from torch_ref import mirror_loss, target_tensor, to_tensor

RTOL = {np.float64: 1e-12, np.float32: 2e-6}   # float32: a few ulps of each value (sums of <= 40 terms)
N, C = 8, 4


def data(kind: str, dtype, seed: int = 0, scale: float = 3.0):
    """(input, target) for a loss family: regression pairs, logits with class indices or probabilities."""
    rng = np.random.RandomState(seed)
    x = (scale * rng.randn(N, C)).astype(dtype)
    if kind == "index":
        return x, rng.randint(0, C, size=N)
    if kind == "prob":
        p = rng.rand(N, C)
        return x, (p / p.sum(1, keepdims=True)).astype(dtype)
    if kind == "binary":
        return x, rng.randint(0, 2, size=(N, C)).astype(dtype)
    if kind == "probability":     # BCELoss: probabilities in (0, 1) against 0/1 targets
        return (1 / (1 + np.exp(-x))).astype(dtype), rng.randint(0, 2, size=(N, C)).astype(dtype)
    if kind == "one_hot":
        return x, np.eye(C, dtype=dtype)[rng.randint(0, C, size=N)]
    return x, (x + rng.randn(N, C) * rng.choice([0.1, 3.0], size=(N, C))).astype(dtype)


def torch_value_and_grad(loss, x, y, grad=None):
    xt = to_tensor(x).clone().requires_grad_(True)
    out = mirror_loss(loss)(xt, target_tensor(y))
    out.backward(None if grad is None else to_tensor(grad))
    return out.detach().numpy(), xt.grad.numpy()


def assert_parity(loss, x, y, grad=None):
    value = loss.forward(x, y)
    dx = loss.backward(grad) if grad is not None else loss.backward()
    t_value, t_dx = torch_value_and_grad(loss, x, y, grad)
    rtol = RTOL[x.dtype.type]
    assert np.asarray(value).dtype == x.dtype and dx.dtype == x.dtype
    np.testing.assert_allclose(value, t_value, rtol=rtol, atol=rtol * np.abs(t_value).max(), err_msg="value")
    np.testing.assert_allclose(dx, t_dx, rtol=0, atol=rtol * np.abs(t_dx).max(), err_msg="dL/dx")


CASES = {
    "mse": (lambda r: MSELoss(r), "regression"),
    "l1": (lambda r: L1Loss(r), "regression"),
    "smooth_l1": (lambda r: SmoothL1Loss(r), "regression"),
    "smooth_l1 beta 0.5": (lambda r: SmoothL1Loss(r, beta=0.5), "regression"),
    "smooth_l1 beta 0": (lambda r: SmoothL1Loss(r, beta=0.0), "regression"),
    "huber": (lambda r: HuberLoss(r), "regression"),
    "huber delta 2": (lambda r: HuberLoss(r, delta=2.0), "regression"),
    "bce_with_logits": (lambda r: BCEWithLogitsLoss(r), "binary"),
    "bce_with_logits pos_weight": (lambda r: BCEWithLogitsLoss(r, pos_weight=np.array([0.5, 1.0, 2.0, 3.0])), "binary"),
    "cross_entropy index": (lambda r: CrossEntropyLoss(reduction=r), "index"),
    "cross_entropy prob": (lambda r: CrossEntropyLoss(reduction=r), "prob"),
    "cross_entropy smoothing index": (lambda r: CrossEntropyLoss(reduction=r, label_smoothing=0.1), "index"),
    "cross_entropy smoothing prob": (lambda r: CrossEntropyLoss(reduction=r, label_smoothing=0.2), "prob"),
    "cross_entropy weight index": (lambda r: CrossEntropyLoss(weight=np.array([1.0, 2.0, 0.5, 3.0]), reduction=r),
                                   "index"),
    "cross_entropy weight prob": (lambda r: CrossEntropyLoss(weight=np.array([1.0, 2.0, 0.5, 3.0]), reduction=r),
                                  "prob"),
    "cross_entropy weight smoothing": (lambda r: CrossEntropyLoss(weight=np.array([1.0, 2.0, 0.5, 3.0]), reduction=r,
                                                                  label_smoothing=0.1), "index"),
    "nll": (lambda r: NLLLoss(reduction=r), "index"),
    "nll weight": (lambda r: NLLLoss(weight=np.array([1.0, 2.0, 0.5, 3.0]), reduction=r), "index"),
}


# every entry of manual/losses/registry.py by name, with the data its parity and gradient tests draw
# (tests/test_registries.py checks the keys)
REGISTERED = {"mse": "regression", "sum": "regression", "half_sum": "regression", "half_mse": "regression",
              "half_sum_mean": "regression", "bce": "probability", "bce_sum": "probability",
              "bce_with_logits": "binary", "cross_entropy": "one_hot", "cross_entropy_sum": "one_hot", "nll": "index",
              "l1": "regression", "smooth_l1": "regression", "huber": "regression"}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", REGISTERED)
def test_registered_loss_matches_its_twin(name, dtype):
    assert_parity(manual.make_loss(name), *data(REGISTERED[name], dtype))


@pytest.mark.parametrize("name", REGISTERED)
def test_registered_loss_matches_finite_differences(name):
    """dL/dyhat against central differences of L, float64. Inputs of scale 1 (BCE's probabilities within
    about (0.05, 0.95)): near 0 or 1 the curvature 1/p**2 makes the differences' own error exceed GOOD."""
    x, y = data(REGISTERED[name], np.float64, seed=1, scale=1.0)
    loss = manual.make_loss(name)
    loss.forward(x, y)
    analytic = loss.backward()
    numeric, _ = manual.numerical_gradient(lambda: float(loss.forward(x, y)), x)
    err = manual.relative_error(analytic, numeric)
    assert err.max() < GOOD, f"{name}: rel err {err.max():.1e}"


def test_registered_coefficient_is_the_reduction():
    """L = coefficient(N, K) * sum of the terms (reduction 'none' of the same class), for every entry."""
    for name, op in manual.LOSS_REGISTRY.items():
        x, y = data(REGISTERED[name], np.float64)
        terms = type(op.build())(reduction="none").forward(x, y) if op.cls is not manual.MSELoss else (x - y) ** 2
        assert np.isclose(op.build().forward(x, y), op.coefficient(N, C) * terms.sum(), rtol=1e-14), name


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("case", CASES)
def test_value_and_gradient_match_torch(case, reduction, dtype):
    make, kind = CASES[case]
    x, y = data(kind, dtype)
    grad = None
    if reduction == "none":
        shape = (N,) if kind in ("index", "prob") else (N, C)
        grad = np.random.RandomState(1).randn(*shape).astype(dtype)
    assert_parity(make(reduction), x, y, grad)


@pytest.mark.parametrize("reduction", ["half_mean", "half_sum_mean", "half_sum"])
def test_half_conventions_match_their_twins(reduction):
    assert_parity(MSELoss(reduction), *data("regression", np.float64))


@pytest.mark.parametrize("scale", [30.0, 1000.0])
def test_logit_losses_stay_finite_and_exact_for_large_logits(scale):
    for make, kind in (CASES["bce_with_logits"], CASES["cross_entropy index"]):
        x, y = data(kind, np.float64, scale=scale)
        loss = make("mean")
        assert np.isfinite(loss.forward(x, y)) and np.isfinite(loss.backward()).all()
        assert_parity(make("mean"), x, y)


def test_ignore_index_rows_count_for_nothing():
    x, y = data("index", np.float64)
    y[[1, 4]] = 7
    for loss in (CrossEntropyLoss(ignore_index=7, label_smoothing=0.1), NLLLoss(ignore_index=7)):
        assert_parity(loss, x, y)
        assert not loss.backward()[[1, 4]].any()


def test_huber_and_smooth_l1_at_the_boundary_match_torch():
    x = np.array([[-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0]])
    for loss in (SmoothL1Loss(), HuberLoss(), SmoothL1Loss(beta=0.5), HuberLoss(delta=0.5), L1Loss()):
        assert_parity(loss, x, np.zeros_like(x))


def test_a_softmax_classifier_trains_like_torch_for_200_steps():
    rng = np.random.RandomState(0)
    X = rng.randn(32, 4)
    y = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 1).astype(int)
    net = manual.init_torch_default(manual.build_mlp([4, 16, 3], "tanh"), 0)
    report = compare_step(net, CrossEntropyLoss(), X, y)
    assert report.passed and report.max_rel() < 1e-13, str(report)
    loss, opt = CrossEntropyLoss(label_smoothing=0.05), manual.SGD(0.5)
    torch_side = TorchTrainer.mirroring(net, loss, opt)
    traj = compare_trajectory(ManualTrainer(net, loss, opt), torch_side, (X, y), steps=200, rtol=1e-10)
    assert traj.passed and traj.steps_run == 200 and traj.max_rel() < 1e-12, str(traj)
    assert traj.losses["manual"][-1] < 0.5 * traj.losses["manual"][0]       # it learns


@pytest.mark.parametrize("make, x, y, error, match", [
    (CrossEntropyLoss, np.zeros((3, 4)), np.array([0, 4, 1]), ParityInputError, "class index 4 at sample 1 is out"),
    (CrossEntropyLoss, np.zeros((3, 4)), np.array([0, 1]), ShapeError, r"expected \(3,\)"),
    (CrossEntropyLoss, np.zeros((3, 4)), np.zeros((3, 3)), ShapeError, r"expected \(3, 4\)"),
    (CrossEntropyLoss, np.zeros((3, 4)), np.zeros((3, 4), np.float32), DTypeError, "float32"),
    (NLLLoss, np.zeros((3, 4)), np.zeros((3, 4)), DTypeError, "integer array"),
    (CrossEntropyLoss, np.zeros(4), np.array([1]), ShapeError, "must be 2-D"),
    (L1Loss, np.zeros((3, 1)), np.zeros(3), ShapeError, "must match exactly"),
])
def test_bad_targets_are_named(make, x, y, error, match):
    with pytest.raises(error, match=match):
        make().forward(x, y)


@pytest.mark.parametrize("make, match", [
    (lambda: CrossEntropyLoss(label_smoothing=1.5), "label_smoothing must be between 0.0 and 1.0"),
    (lambda: SmoothL1Loss(beta=-1.0), "beta must be a finite number >= 0"),
    (lambda: HuberLoss(delta=0.0), "delta must be > 0"),
    (lambda: L1Loss("avg"), "unknown reduction 'avg'"),
    (lambda: NLLLoss(ignore_index=1.5), "ignore_index must be an integer"),
])
def test_bad_arguments_are_named(make, match):
    with pytest.raises((ParityInputError, UnknownNameError), match=match):
        make()


def test_class_weights_of_the_wrong_length_are_named():
    with pytest.raises(ShapeError, match=r"class weight has shape \(3,\), expected \(4,\)"):
        CrossEntropyLoss(weight=np.ones(3)).forward(np.zeros((2, 4)), np.array([0, 1]))


def test_torch_agrees_that_out_of_range_targets_are_errors():
    with pytest.raises((IndexError, RuntimeError)):
        torch.nn.CrossEntropyLoss()(torch.zeros(3, 4), torch.tensor([0, 4, 1]))
