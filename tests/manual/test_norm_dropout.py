"""BatchNorm1d, LayerNorm and Dropout against torch (float64, float32, training and evaluation mode),
running statistics over several steps, finite differences, and torch's errors."""
import re

import numpy as np
import pytest
import torch
from layer_parity import check_finite_diff, check_parity, randomise

from manual.dropout import Dropout
from manual.errors import ParityInputError, ShapeError
from manual.norm import BatchNorm1d, LayerNorm
from torch_ref.layers import MaskedDropout, describe_torch, manual_twin, torch_twin

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # small tensors: one thread is faster
DTYPES = [np.float64, np.float32]
dtypes = pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)

BATCHNORMS = {  # id: (keyword arguments, input shape)
    "2d": ({}, (8, 4)),
    "3d": ({}, (5, 3, 4)),
    "two_rows": ({}, (2, 3)),
    "affine_off": ({"affine": False}, (6, 3)),
    "momentum_none": ({"momentum": None}, (6, 3)),
    "untracked": ({"track_running_stats": False}, (6, 3)),
    "eps": ({"eps": 1e-2, "momentum": 0.5}, (6, 3)),
}
LAYERNORMS = {
    "int": ((5,), {}, (4, 5)),
    "tuple": (((3, 4),), {}, (2, 5, 3, 4)),
    "affine_off": ((5,), {"elementwise_affine": False}, (4, 5)),
    "no_bias": ((5,), {"bias": False}, (3, 2, 5)),
    "eps": ((6,), {"eps": 0.1}, (4, 6)),
}


def batchnorm(kwargs, shape, training=True):
    return lambda dt: BatchNorm1d(shape[1], **kwargs, dtype=dt).train(training)


@dtypes
@pytest.mark.parametrize("case", BATCHNORMS)
def test_batchnorm_training_parity(case, dtype):
    kwargs, shape = BATCHNORMS[case]
    check_parity(batchnorm(kwargs, shape), shape, dtype)


@dtypes
@pytest.mark.parametrize("case", BATCHNORMS)
def test_batchnorm_eval_parity(case, dtype):
    kwargs, shape = BATCHNORMS[case]
    check_parity(batchnorm(kwargs, shape, training=False), shape, dtype)


@dtypes
@pytest.mark.parametrize("case", LAYERNORMS)
def test_layernorm_parity(case, dtype):
    args, kwargs, shape = LAYERNORMS[case]
    check_parity(lambda dt: LayerNorm(*args, **kwargs, dtype=dt), shape, dtype)


@dtypes
@pytest.mark.parametrize("momentum", [0.1, None])
def test_running_statistics_follow_torch_over_training_steps(momentum, dtype):
    layer = BatchNorm1d(3, momentum=momentum, dtype=dtype)
    randomise(layer, 0)
    mod = torch_twin(layer)
    rng = np.random.default_rng(1)
    for step in range(6):
        x = (rng.standard_normal((7, 3)) * (step + 1) + step).astype(dtype)
        layer.forward(x)
        mod(torch.from_numpy(x))
    tol = 1e-13 if dtype == np.float64 else 1e-5
    for name, value in layer.buffers.items():
        np.testing.assert_allclose(value, mod.get_buffer(name).numpy(), rtol=tol, atol=tol, err_msg=name)
    assert int(layer.buffers["num_batches_tracked"]) == 6
    # then evaluation from those statistics
    layer.eval()
    mod.eval()
    x = rng.standard_normal((4, 3)).astype(dtype)
    np.testing.assert_allclose(layer.forward(x), mod(torch.from_numpy(x)).detach().numpy(), rtol=tol, atol=tol)


def test_eval_mode_leaves_running_statistics_alone():
    layer = BatchNorm1d(2).eval()
    layer.forward(np.random.default_rng(0).standard_normal((5, 2)))
    assert layer.buffers["running_mean"].tolist() == [0.0, 0.0] and int(layer.buffers["num_batches_tracked"]) == 0
    assert layer.training is False and layer.train().training is True


def test_buffers_are_not_parameters():
    layer = BatchNorm1d(3)
    assert set(layer.params) == {"weight", "bias"}
    assert set(layer.buffers) == {"running_mean", "running_var", "num_batches_tracked"}


@pytest.mark.parametrize("make, shape", [(lambda: BatchNorm1d(3), (6, 3)), (lambda: BatchNorm1d(2), (4, 2, 3)),
                                         (lambda: BatchNorm1d(3).eval(), (5, 3)),
                                         (lambda: LayerNorm((2, 3)), (3, 2, 3))])
def test_norms_match_finite_differences(make, shape):
    check_finite_diff(make(), shape)


def test_twins_copy_buffers_both_ways():
    layer = BatchNorm1d(3)
    randomise(layer, 2)
    layer.forward(np.random.default_rng(0).standard_normal((4, 3)))
    mod = torch_twin(layer)
    back = manual_twin(mod)
    for name, value in {**layer.params, **layer.buffers}.items():
        np.testing.assert_array_equal(back.params.get(name, back.buffers.get(name)), value)
    assert describe_torch(mod) == layer.describe() == back.describe()
    assert describe_torch(torch_twin(LayerNorm(4, bias=False))) == LayerNorm(4, bias=False).describe()


# ---- dropout -------------------------------------------------------------------------------------
@dtypes
@pytest.mark.parametrize("p", [0.0, 0.2, 0.5, 0.9, 1.0])
def test_dropout_parity_with_the_same_seed(p, dtype):
    check_parity(lambda dt: Dropout(p, seed=5), (6, 7), dtype)


def test_dropout_explicit_mask_reaches_the_twin():
    mask = np.random.default_rng(0).random((3, 4)) > 0.5
    layer = Dropout(0.25)
    layer.mask = mask
    check = check_parity(lambda dt: layer, (3, 4), np.float64)
    assert max(check.values()) == 0.0
    x = np.ones((3, 4))
    np.testing.assert_array_equal(layer.forward(x), mask / 0.75)
    other = ~mask
    np.testing.assert_array_equal(layer.forward(x, mask=other), other / 0.75)
    twin_y = MaskedDropout(0.25)(torch.ones(3, 4, dtype=torch.float64), mask=other)
    np.testing.assert_array_equal(twin_y.numpy(), other / 0.75)


def test_dropout_is_identity_in_eval_and_draws_fresh_masks_in_training():
    layer = Dropout(0.5, seed=0)
    x = np.ones((50, 40))
    first, second = layer.forward(x), layer.forward(x)
    assert not np.array_equal(first, second)
    assert abs((first != 0).mean() - 0.5) < 0.05 and set(np.unique(first)) == {0.0, 2.0}
    layer.eval()
    assert layer.forward(x) is x and layer.backward(x) is x


def test_dropout_p_one_gives_zeros_as_torch():
    layer = Dropout(1.0, seed=0)
    x = np.array([[-2.0, 3.0]])
    torch_y = torch.nn.Dropout(1.0)(torch.from_numpy(x))
    np.testing.assert_array_equal(layer.forward(x), torch_y.numpy())
    assert np.signbit(layer.forward(x)).tolist() == np.signbit(torch_y.numpy()).tolist() == [[True, False]]
    assert layer.backward(np.ones((1, 2))).tolist() == [[0.0, 0.0]]


# ---- bad input ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("layer, shape, message", [
    (BatchNorm1d(3), (1, 3), "Expected more than 1 value per channel when training, got input size (1, 3)"),
    (BatchNorm1d(3), (1, 3, 1), "Expected more than 1 value per channel when training"),
    (BatchNorm1d(3, track_running_stats=False).eval(), (1, 3), "Expected more than 1 value per channel"),
    (BatchNorm1d(3), (4, 3, 2, 2), "expected 2D or 3D input (got 4D input)"),
    (BatchNorm1d(3), (4,), "expected 2D or 3D input (got 1D input)"),
    (BatchNorm1d(3), (4, 5), "BatchNorm1d(3) got input of shape (4, 5): expected 3 channels in axis 1"),
    (LayerNorm(5), (3, 4), "Given normalized_shape=[5], expected input with shape [*, 5], but got input of size[3, 4]"),
    (LayerNorm((2, 5)), (3, 4, 5), "Given normalized_shape=[2, 5], expected input with shape [*, 2, 5]"),
    (LayerNorm((2, 5)), (5,), "expected input with shape [*, 2, 5], but got input of size[5]"),
])
def test_bad_input_names_the_problem(layer, shape, message):
    with pytest.raises(ShapeError, match=re.escape(message)):
        layer.forward(np.ones(shape))


def test_output_shape_checks_what_forward_checks():
    assert BatchNorm1d(6).output_shape((5, 6)) == LayerNorm(6).output_shape((5, 6)) == Dropout().output_shape((5, 6))
    with pytest.raises(ShapeError, match="expected 6 channels"):
        BatchNorm1d(6).output_shape((5, 4))
    with pytest.raises(ShapeError, match=re.escape("expected input with shape [*, 6]")):
        LayerNorm(6).output_shape((5, 4))


def test_batch_of_one_is_fine_in_eval():
    assert BatchNorm1d(3).eval().forward(np.ones((1, 3))).shape == (1, 3)


@pytest.mark.parametrize("make, message", [
    (lambda: Dropout(1.5), "dropout probability has to be between 0 and 1, but got 1.5"),
    (lambda: Dropout(-0.1), "dropout probability has to be between 0 and 1, but got -0.1"),
    (lambda: Dropout(0.5, inplace=True), "inplace=True) is not supported"),
    (lambda: BatchNorm1d(0), "num_features must be a positive int, got 0"),
    (lambda: LayerNorm((3, 0)), "normalized_shape must be a positive int, got 0"),
    (lambda: Dropout(0.5).forward(np.ones((2, 3)), mask=np.ones((3, 2))), "dropout mask has shape (3, 2)"),
    (lambda: Dropout(0.5).forward(np.ones((1, 2)), mask=np.array([[0.5, 1]])), "only 0/1 or True/False"),
])
def test_bad_arguments_name_the_problem(make, message):
    with pytest.raises(ParityInputError, match=re.escape(message)):
        make()
