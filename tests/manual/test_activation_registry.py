"""Every registered activation, walked: a torch twin, float64 parity <= 1e-12 relative per tensor (near its
kinks and in saturation too), float32 within the dtype tolerance, finite differences, its layer consistent
with the registry's formulas, and its spelling."""
import numpy as np
import pytest
import torch
from strategies import assert_close
from torch import nn

import manual
from manual import ACTIVATION_REGISTRY, ParityInputError, UnknownNameError, make_activation, parse_activation
from manual.gradcheck import GOOD
from torch_ref import to_tensor
from torch_ref.models import torch_layer

# two parameter choices per entry (the defaults, and another): the registry walk below fails without them
CASES = ["identity", "relu", "leaky_relu", "leaky_relu:0.2", "sigmoid", "tanh", "elu", "elu:0.5", "gelu", "gelu:tanh",
         "silu", "softplus", "softplus:2:10", "hardtanh", "hardtanh:-2:0.5"]
REL64 = 1e-12


def test_every_registered_activation_has_parity_and_gradient_cases():
    assert {parse_activation(c).name for c in CASES} == set(ACTIVATION_REGISTRY)


@pytest.mark.parametrize("name", ACTIVATION_REGISTRY)
def test_every_registered_activation_has_a_torch_twin_and_a_layer(name):
    op = ACTIVATION_REGISTRY[name]
    twin = getattr(nn, op.torch)(**op.params)
    assert all(getattr(twin, k) == v for k, v in op.params.items())
    layer = manual.ACTIVATIONS[name]()
    assert type(layer).__name__ == op.torch and layer.op is op


def inputs(spelling: str, dtype=np.float64) -> np.ndarray:
    """Random z, plus points within 1e-9 and exactly at every kink, zeros and saturation (|z| up to 60)."""
    chosen = parse_activation(spelling)
    rng = np.random.default_rng(0)
    kinks = [k + d for k in chosen.kinks() for d in (-1e-9, 0.0, 1e-9, -0.3, 0.3)]
    edge = [-60.0, -30.0, -8.0, -0.0, 0.0, 8.0, 30.0, 60.0]
    z = np.concatenate([rng.standard_normal(40) * 3, kinks, edge])
    return z.reshape(-1, 2 if z.size % 2 == 0 else 1).astype(dtype)


def forward_backward(spelling, z, dtype):
    layer = make_activation(spelling)
    dy = np.random.default_rng(1).standard_normal(z.shape).astype(dtype)
    a, dx = layer.forward(z), layer.backward(dy)
    z_t = to_tensor(z).requires_grad_()
    a_t = torch_layer(layer).to(z_t.dtype)(z_t)
    a_t.backward(to_tensor(dy))
    return (a, dx), (a_t.detach().numpy(), z_t.grad.numpy())


def rel(mine, ref) -> float:
    """max |mine - ref| / max |ref|: the error of the tensor, relative to its own scale."""
    return float(np.abs(mine - ref).max() / max(np.abs(ref).max(), 1e-300))


@pytest.mark.parametrize("spelling", CASES)
def test_float64_parity_with_torch(spelling):
    mine, theirs = forward_backward(spelling, inputs(spelling), np.float64)
    for what, m, t in zip(("forward", "backward"), mine, theirs):
        assert m.dtype == np.float64 and rel(m, t) <= REL64, f"{spelling} {what}: rel {rel(m, t):.1e}"


@pytest.mark.parametrize("spelling", CASES)
def test_float32_parity_with_torch(spelling):
    z = inputs(spelling, np.float32)
    mine, theirs = forward_backward(spelling, z, np.float32)
    for what, m, t in zip(("forward", "backward"), mine, theirs):
        assert m.dtype == np.float32
        assert_close(m, t, f"{spelling} {what}", scale=float(np.abs(t).max()))


@pytest.mark.parametrize("spelling", CASES)
def test_backward_matches_finite_differences(spelling):
    """Central differences of f(z) * dy element by element, away from the kinks (where the one-sided slopes
    differ); the relative error's denominator is floored at 1e-3, so that a derivative of 1e-8 in a
    saturated tail is judged by the differences' absolute error (~1e-11) and not by their relative one."""
    chosen = parse_activation(spelling)
    z = np.random.default_rng(2).standard_normal((6, 5)) * 3
    for k in chosen.kinks():
        z = np.where(np.abs(z - k) < 1e-3, z + 0.1, z)
    dy = np.random.default_rng(3).standard_normal(z.shape)
    layer = make_activation(spelling)
    layer.forward(z)
    h = 1e-5
    numeric = (chosen.forward(z + h) - chosen.forward(z - h)) / (2 * h) * dy
    analytic = layer.backward(dy)
    err = np.abs(analytic - numeric) / np.maximum(np.abs(numeric) + np.abs(analytic), 1e-3)
    assert err.max() < GOOD, f"{spelling}: rel err {err.max():.1e}"


@pytest.mark.parametrize("spelling", CASES)
def test_layer_computes_the_registry_formulas(spelling):
    """The layer (fast paths included) and the registry's f, f' (and f' from a where given) agree."""
    chosen, z = parse_activation(spelling), inputs(spelling)
    layer, dy = make_activation(spelling), np.ones_like(z)
    np.testing.assert_allclose(layer.forward(z), chosen.forward(z), rtol=1e-15, atol=0)
    np.testing.assert_allclose(layer.backward(dy), chosen.from_z(z), rtol=1e-14, atol=1e-300)
    if chosen.op.from_a is not None:
        np.testing.assert_allclose(chosen.op.from_a(chosen.forward(z), chosen.p), chosen.from_z(z), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("spelling", CASES)
def test_spelling_round_trips(spelling):
    chosen = parse_activation(spelling)
    assert parse_activation(chosen.spelling) == chosen
    assert make_activation(spelling).describe() == chosen.describe()


@pytest.mark.parametrize("spelling, values", [
    ("leaky_relu:0.05", (0.05,)), ("leaky_relu(negative_slope=0.05)", (0.05,)),
    ("leaky_relu(0.05)", (0.05,)), ("softplus:1:20", (1.0, 20.0)), ("softplus(threshold=10)", (1.0, 10.0)),
    ("gelu:tanh", ("tanh",)), ("gelu(approximate='tanh')", ("tanh",)), ("hardtanh:-1:1", (-1.0, 1.0)),
    (" ELU:1.0 ", (1.0,))])
def test_spellings(spelling, values):
    assert parse_activation(spelling).values == values


@pytest.mark.parametrize("spelling, error, words", [
    ("leaky_relu:abc", ParityInputError, ["negative_slope must be a finite number", "'abc'", "leaky_relu:0.01"]),
    ("elu:1:2:3", ParityInputError, ["elu takes 1 parameter", "got 3", "elu(alpha=1.0)"]),
    ("swish", UnknownNameError, ["unknown activation 'swish'", "gelu", "leaky_relu:0.05"]),
    ("gelu:exact", ParityInputError, ["approximate must be one of none, tanh"]),
    ("softplus(gamma=2)", ParityInputError, ["gamma is not a parameter of softplus (beta, threshold)"]),
    ("softplus(beta=2, 3)", ParityInputError, ["a positional value after a keyword"]),
    ("hardtanh:1:-1", ParityInputError, ["max_val must be greater than min_val"]),
    ("leaky_relu:nan", ParityInputError, ["finite number"]),
    ("", ParityInputError, ["'relu' or 'leaky_relu:0.05'"])])
def test_bad_spellings_name_the_problem_and_the_forms(spelling, error, words):
    with pytest.raises(error) as info:
        parse_activation(spelling)
    assert all(w in str(info.value) for w in words), str(info.value)


def test_layer_classes_take_torchs_arguments():
    assert manual.LeakyReLU(negative_slope=0.05).slope == manual.LeakyReLU(0.05).negative_slope == 0.05
    assert manual.LeakyReLU().describe() == "LeakyReLU(0.01)"
    assert manual.Softplus(beta=2).describe() == "Softplus(2.0, 20.0)"
    assert manual.GELU("tanh").describe() == "GELU('tanh')" and manual.SiLU().describe() == "SiLU"
    with pytest.raises(ParityInputError, match="alpha must be a finite number"):
        manual.ELU(alpha="x")


def test_torch_twin_is_built_with_the_parameters():
    mod = torch_layer(manual.Hardtanh(-2.0, 0.5))
    assert isinstance(mod, nn.Hardtanh) and (mod.min_val, mod.max_val) == (-2.0, 0.5)
    assert torch.equal(mod(torch.tensor([-3.0, 3.0])), torch.tensor([-2.0, 0.5]))
