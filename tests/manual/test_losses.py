"""Losses: value and dL/dyhat against torch.nn (float64 and float32), saturation, and bad input."""
import numpy as np
import pytest
import torch
from strategies import assert_close
from torch import nn

from manual import LOSSES, BCELoss, DTypeError, MSELoss, ParityInputError, ShapeError, UnknownNameError, make_loss
from torch_ref import HalfSumLoss, to_tensor

PAIRS = {  # id: (manual loss, torch loss), built fresh per test
    "mse_mean": (lambda: MSELoss("mean"), lambda: nn.MSELoss(reduction="mean")),
    "mse_sum": (lambda: MSELoss("sum"), lambda: nn.MSELoss(reduction="sum")),
    "mse_half_sum": (lambda: MSELoss("half_sum"), HalfSumLoss),
    "bce_mean": (lambda: BCELoss("mean"), lambda: nn.BCELoss(reduction="mean")),
    "bce_sum": (lambda: BCELoss("sum"), lambda: nn.BCELoss(reduction="sum")),
}
BCE_PAIRS = [k for k in PAIRS if k.startswith("bce")]


@pytest.fixture(params=[np.float64, np.float32], ids=["float64", "float32"])
def dtype(request):
    return request.param


def random_pair(shape, dtype, seed=0):
    """(yhat, y): yhat a probability (valid for BCE as for MSE), y a soft target in [0, 1]."""
    rng = np.random.default_rng(seed)
    yhat = 1 / (1 + np.exp(-2 * rng.standard_normal(shape)))
    return yhat.astype(dtype), rng.uniform(0, 1, shape).astype(dtype)


def check_loss_parity(pair_id, yhat, y):
    """Loss value and dL/dyhat equal torch's; both keep the input dtype."""
    mine, theirs = (make() for make in PAIRS[pair_id])
    value, dyhat = mine.forward(yhat, y), mine.backward()
    yhat_t = to_tensor(yhat).requires_grad_()
    value_t = theirs(yhat_t, to_tensor(y))
    value_t.backward()
    assert_close(np.asarray(value), value_t.detach().numpy(), f"{mine.describe()} value")
    assert_close(dyhat, yhat_t.grad.numpy(), f"{mine.describe()} dL/dyhat")


@pytest.mark.parametrize("pair_id", PAIRS)
@pytest.mark.parametrize("shape", [(1, 1), (7, 1), (5, 3)])
def test_loss_matches_torch(pair_id, shape, dtype):
    check_loss_parity(pair_id, *random_pair(shape, dtype))


SATURATED_P = np.array([[0.0], [1.0], [0.0], [1.0], [1e-30], [0.5]])
SATURATED_Y = np.array([[0.0], [1.0], [1.0], [0.0], [1.0], [0.3]])


@pytest.mark.parametrize("pair_id", BCE_PAIRS)
def test_bce_at_saturation_matches_torch(pair_id, dtype):
    """p exactly 0 or 1: each log clamps at -100, and dL/dp divides by max(p (1 - p), torch's EPSILON)."""
    check_loss_parity(pair_id, SATURATED_P.astype(dtype), SATURATED_Y.astype(dtype))


@pytest.mark.parametrize("p, y, expected", [(0.0, 1.0, 100.0), (1.0, 0.0, 100.0), (0.0, 0.0, 0.0), (1.0, 1.0, 0.0)])
def test_bce_log_clamp(p, y, expected):
    assert BCELoss("sum").forward(np.array([p]), np.array([y])) == expected


def test_bce_gradient_at_saturation_is_finite_and_signed():
    loss = BCELoss("sum")
    loss.forward(np.array([0.0, 1.0]), np.array([1.0, 0.0]))
    dp = loss.backward()
    assert np.isfinite(dp).all() and dp[0] < -1e11 and dp[1] > 1e11


@pytest.mark.parametrize("pair_id", PAIRS)
def test_value_keeps_dtype(pair_id, dtype):
    loss = PAIRS[pair_id][0]()
    value = loss.forward(*random_pair((4, 1), dtype))
    assert value.dtype == dtype and loss.backward().dtype == dtype


@pytest.mark.parametrize("pair_id", PAIRS)
@pytest.mark.parametrize("shapes", [((4, 1), (4,)), ((4,), (4, 1)), ((4, 2), (2, 4))])
def test_shape_mismatch_raises(pair_id, shapes):
    with pytest.raises(ShapeError, match="must match exactly"):
        PAIRS[pair_id][0]().forward(np.full(shapes[0], 0.5), np.full(shapes[1], 0.5))


@pytest.mark.parametrize("pair_id", PAIRS)
def test_dtype_mismatch_raises(pair_id):
    with pytest.raises(DTypeError):
        PAIRS[pair_id][0]().forward(np.full((3, 1), 0.5), np.full((3, 1), 0.5, np.float32))


@pytest.mark.parametrize("pair_id", BCE_PAIRS)
@pytest.mark.parametrize("bad", [-1e-6, 1.5, np.inf, np.nan])
def test_bce_rejects_p_outside_unit_interval(pair_id, bad):
    """torch.nn.BCELoss refuses these too ("all elements of input should be between 0 and 1")."""
    p = np.array([[0.5], [bad]])
    with pytest.raises(ParityInputError):
        PAIRS[pair_id][0]().forward(p, np.ones_like(p))


def test_unknown_loss_name_lists_known_names():
    with pytest.raises(UnknownNameError) as info:
        make_loss("cross_entropy_mean")
    assert "'cross_entropy_mean'" in str(info.value) and all(name in str(info.value) for name in LOSSES)


@pytest.mark.parametrize("name, kind, reduction", [("mse", MSELoss, "mean"), ("sum", MSELoss, "sum"),
                                                   ("half_sum", MSELoss, "half_sum"), ("bce", BCELoss, "mean"),
                                                   ("BCE_sum", BCELoss, "sum")])
def test_make_loss_by_name(name, kind, reduction):
    loss = make_loss(name)
    assert type(loss) is kind and loss.reduction == reduction


@pytest.mark.parametrize("make", [lambda: MSELoss("avg"), lambda: BCELoss("half_sum")])
def test_unknown_reduction_raises(make):
    with pytest.raises(ParityInputError, match="known"):
        make()


def test_torch_reference_half_sum_is_half_the_sum():
    """The twin is itself checked: HalfSumLoss = 0.5 * nn.MSELoss(reduction='sum')."""
    a, b = (torch.tensor([[1.0, -2.0], [0.5, 3.0]], dtype=torch.float64) for _ in range(2))
    b = b * 0.3
    assert HalfSumLoss()(a, b).item() == 0.5 * nn.MSELoss(reduction="sum")(a, b).item()
