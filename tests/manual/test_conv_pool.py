"""Conv2d, MaxPool2d, AvgPool2d and Flatten against torch (float64 and float32) and finite differences."""
import re

import numpy as np
import pytest
import torch
from layer_parity import check_finite_diff, check_parity, randomise

from manual.conv import Conv2d
from manual.errors import ParityInputError, ShapeError
from manual.flatten import Flatten
from manual.pool import AvgPool2d, MaxPool2d
from torch_ref.layers import describe_torch, manual_twin, torch_twin

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # small tensors: one thread is faster
DTYPES = [np.float64, np.float32]

CONVS = {  # id: (constructor arguments, input shape)
    "k3": ((3, 4, 3), {}, (2, 3, 7, 7)),
    "k1": ((3, 2, 1), {}, (2, 3, 4, 5)),
    "stride2_pad1": ((2, 5, 3), {"stride": 2, "padding": 1}, (3, 2, 8, 7)),
    "non_square": ((3, 4, (3, 2)), {"stride": (2, 1), "padding": (1, 2)}, (2, 3, 9, 6)),
    "dilation": ((2, 3, 3), {"dilation": (2, 3), "padding": 1}, (2, 2, 9, 10)),
    "no_bias": ((3, 4, 2), {"bias": False, "stride": 3}, (2, 3, 8, 8)),
    "kernel_is_input": ((1, 2, (4, 3)), {}, (2, 1, 4, 3)),
    "big_pad": ((2, 2, 2), {"padding": 3, "stride": (1, 2)}, (1, 2, 3, 3)),
}
POOLS = {
    "max2": (MaxPool2d, (2,), {}, (2, 3, 6, 6)),
    "max3_s1": (MaxPool2d, (3,), {"stride": 1}, (2, 2, 5, 6)),
    "max3_s2_p1_ceil": (MaxPool2d, (3, 2, 1), {"ceil_mode": True}, (2, 3, 8, 7)),
    "max_non_square_dilated": (MaxPool2d, ((2, 3), (1, 2), 1), {"dilation": (2, 1)}, (2, 2, 8, 9)),
    "max_ceil_overhang": (MaxPool2d, (2,), {"ceil_mode": True}, (1, 2, 5, 7)),
    "avg2": (AvgPool2d, (2,), {}, (2, 3, 6, 6)),
    "avg3_s2_p1": (AvgPool2d, (3, 2, 1), {}, (2, 3, 7, 8)),
    "avg3_s2_p1_exclude_pad": (AvgPool2d, (3, 2, 1), {"count_include_pad": False}, (2, 3, 7, 8)),
    "avg_ceil": (AvgPool2d, (3, 2, 1), {"ceil_mode": True}, (2, 2, 8, 7)),
    "avg_ceil_exclude_pad": (AvgPool2d, ((3, 2), (2, 3), (1, 0)), {"ceil_mode": True, "count_include_pad": False},
                             (2, 2, 8, 7)),
}
FLATTENS = {"default": ((), (2, 3, 4, 5)), "middle": ((1, 2), (2, 3, 4, 5)), "all": ((0, -1), (2, 3, 4)),
            "last_two": ((-2, -1), (2, 3, 4, 5))}


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("case", CONVS)
def test_conv2d_parity(case, dtype):
    args, kwargs, shape = CONVS[case]
    check_parity(lambda dt: Conv2d(*args, **kwargs, dtype=dt), shape, dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("case", POOLS)
def test_pool_parity(case, dtype):
    cls, args, kwargs, shape = POOLS[case]
    check_parity(lambda dt: cls(*args, **kwargs), shape, dtype)


@pytest.mark.parametrize("case", FLATTENS)
def test_flatten_parity(case):
    args, shape = FLATTENS[case]
    check_parity(lambda dt: Flatten(*args), shape, np.float64)


def test_conv2d_float32_error_is_a_few_ulps():
    errors = check_parity(lambda dt: Conv2d(8, 16, 3, padding=1, dtype=dt), (4, 8, 8, 8), np.float32)
    assert max(errors.values()) < 64 * np.finfo(np.float32).eps, errors


@pytest.mark.parametrize("cls", [MaxPool2d, AvgPool2d])
def test_pool_ties_send_the_gradient_where_torch_does(cls):
    """Plateaus of equal values, ties across overlapping windows, and a whole window of one value."""
    x = np.array([[[[1, 1, 2, 2, 0], [1, 1, 2, 0, 0], [3, 3, 3, 3, 3], [0, 0, 3, 1, 1], [5, 5, 5, 5, 5]]]], float)
    for args in [(2,), (3, 1), (2, 1, 1), (3, 2, 1)]:
        check_parity(lambda dt: cls(*args), x.shape, np.float64, x=x)
        check_parity(lambda dt: cls(*args), x.shape, np.float64, x=np.zeros_like(x))


def test_maxpool_tie_goes_to_first_maximum_in_row_major_order():
    layer = MaxPool2d(2)
    layer.forward(np.full((1, 1, 2, 2), 7.0))
    assert layer.backward(np.ones((1, 1, 1, 1))).tolist() == [[[[1.0, 0.0], [0.0, 0.0]]]]


@pytest.mark.parametrize("args", [(2,), (3, 1, 1), (3, 2, 1, 2), ((2, 3), (1, 2), (1, 1))], ids=str)
def test_maxpool_nan_and_minus_inf_go_where_torch_sends_them(args):
    """torch's CPU kernel takes a value if it is greater than the one kept or NaN, starting from -inf at the
    window's first position inside the input: the last NaN wins, and a window of -inf (padding aside) sends
    its gradient to its first position inside. (manual/ used argmax's first NaN and could pick the padding.)"""
    rng = np.random.RandomState(0)
    for fill in (np.nan, -np.inf):
        x = rng.randn(2, 3, 7, 8)
        x[rng.rand(*x.shape) < 0.3] = fill
        x[0, 0] = fill
        dy_shape = torch.nn.functional.max_pool2d(torch.tensor(x), *args).shape
        dy = rng.randn(*dy_shape)
        t = torch.tensor(x, requires_grad=True)
        y = torch.nn.functional.max_pool2d(t, *args)
        y.backward(torch.tensor(dy))
        layer = MaxPool2d(*args)
        np.testing.assert_array_equal(layer.forward(x), y.detach().numpy())
        np.testing.assert_allclose(layer.backward(dy), t.grad.numpy(), rtol=1e-15, atol=0)   # overlaps: order of sums


# ---- finite differences ----------------------------------------------------------------------------
@pytest.mark.parametrize("case", ["k3", "non_square", "dilation", "no_bias"])
def test_conv2d_matches_finite_differences(case):
    args, kwargs, shape = CONVS[case]
    check_finite_diff(Conv2d(*args, **kwargs), (1, *shape[1:]))


def test_avgpool_matches_finite_differences():
    check_finite_diff(AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False), (1, 2, 6, 5))


# ---- twins: both ways, the same description ----------------------------------------------------------
@pytest.mark.parametrize("layer", [Conv2d(3, 4, (3, 2), 2, 1, 2), Conv2d(2, 2, 1, bias=False),
                                   MaxPool2d(3, 2, 1, ceil_mode=True), AvgPool2d(2, count_include_pad=False),
                                   Flatten(1, 2)], ids=lambda layer: layer.describe())
def test_twin_round_trip(layer):
    randomise(layer, 3)
    mod = torch_twin(layer)
    assert describe_torch(mod) == layer.describe()
    back = manual_twin(mod)
    assert back.describe() == layer.describe()
    for k, v in layer.params.items():
        np.testing.assert_array_equal(back.params[k], v)
        np.testing.assert_array_equal(mod.get_parameter(k).detach().numpy(), v)  # torch's layout, unchanged


def test_conv_weight_is_torch_layout():
    assert Conv2d(3, 5, (2, 4)).params["weight"].shape == torch.nn.Conv2d(3, 5, (2, 4)).weight.shape


# ---- bad input, as torch words it -----------------------------------------------------------------------
@pytest.mark.parametrize("layer, shape, message", [
    (Conv2d(3, 4, 3), (2, 3, 2, 2),
     "Calculated padded input size per channel: (2 x 2). Kernel size: (3 x 3). Kernel size can't be greater"),
    (Conv2d(3, 4, 3, dilation=2), (2, 3, 4, 4),
     "Calculated padded input size per channel: (4 x 4). Kernel size: (5 x 5)"),
    (Conv2d(3, 4, 3), (2, 5, 8, 8), "Given groups=1, weight of size [4, 3, 3, 3], expected input[2, 5, 8, 8] to "
                                    "have 3 channels, but got 5 channels instead"),
    (Conv2d(3, 4, 3), (8, 8), "Expected 4D (batched) input to conv2d, but got input of size: [8, 8]"),
    (Conv2d(3, 4, 3), (3, 8, 8), "Expected 4D (batched) input to conv2d, but got input of size: [3, 8, 8]"),
    (MaxPool2d(3), (2, 3, 2, 2),
     "Given input size: (3x2x2). Calculated output size: (3x0x0). Output size is too small"),
    (AvgPool2d(3, 1), (2, 3, 2, 5), "Given input size: (3x2x5). Calculated output size: (3x0x3). Output size is too"),
    (MaxPool2d(2), (4, 4), "Expected 4D (batched) input to max_pool2d, but got input of size: [4, 4]"),
    (Flatten(3), (2, 3), "Dimension out of range (expected to be in range of [-2, 1], but got 3)"),
    (Flatten(2, 1), (2, 3, 4), "flatten() has invalid args: start_dim cannot come after end_dim"),
])
def test_bad_input_names_the_problem(layer, shape, message):
    with pytest.raises(ShapeError, match=re.escape(message)):
        layer.forward(np.ones(shape))


@pytest.mark.parametrize("make, message", [
    (lambda: Conv2d(0, 4, 3), "in_channels must be a positive int, got 0"),
    (lambda: Conv2d(3, -1, 3), "out_channels must be a positive int, got -1"),
    (lambda: Conv2d(3, 4, 0), "non-positive kernel_size is not supported, got 0"),
    (lambda: Conv2d(3, 4, 3, stride=(1, 0)), "non-positive stride is not supported"),
    (lambda: Conv2d(3, 4, 3, padding=-1), "negative padding is not supported"),
    (lambda: Conv2d(3, 4, 3, dilation=0), "non-positive dilation is not supported"),
    (lambda: Conv2d(4, 4, 3, groups=2), "groups=1 only, got groups=2"),
    (lambda: Conv2d(3, 4, 3, padding_mode="reflect"), "padding_mode='zeros' only, got 'reflect'"),
    (lambda: Conv2d(3, 4, 3, padding="same"), "padding must be an int or a pair of ints, got 'same'"),
    (lambda: MaxPool2d(2, padding=2), "pad should be at most half of effective kernel size"),
    (lambda: AvgPool2d(3, stride=0), "non-positive stride is not supported"),
    (lambda: MaxPool2d(0), "non-positive kernel_size is not supported"),
])
def test_bad_arguments_name_the_problem(make, message):
    with pytest.raises(ParityInputError, match=re.escape(message)):
        make()


def test_conv_wrong_dtype_input_raises():
    with pytest.raises(ParityInputError, match="float32"):
        Conv2d(1, 1, 1).forward(np.ones((1, 1, 2, 2), np.float32))


def test_output_shape_propagates():
    shape = (5, 1, 8, 8)
    for layer in [Conv2d(1, 4, 3, padding=1), MaxPool2d(2), Conv2d(4, 6, 3), AvgPool2d(2, ceil_mode=True), Flatten()]:
        x = np.zeros(shape)
        assert layer.forward(x).shape == layer.output_shape(shape)
        shape = layer.output_shape(shape)
    assert shape == (5, 6)


def test_output_shape_checks_what_forward_checks():
    with pytest.raises(ShapeError, match="Output size is too small"):
        MaxPool2d(4).output_shape((1, 1, 3, 3))
