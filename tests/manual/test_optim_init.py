"""Plain SGD against torch.optim.SGD (the other optimizers: test_optimizers.py); the seeded initialisers
against the seeds' draws and torch's default."""
import math

import numpy as np
import pytest
import torch
from strategies import assert_close
from torch import nn

from manual import SGD, ParityInputError, UnknownNameError, build_mlp, init_randn, init_torch_default, initialise
from torch_ref import mirror, mirror_optimizer, to_tensor
from torch_ref.weights import to_manual_layout, to_torch_layout


def net_with_grads(dtype, seed=0):
    """A 3-4-2 tanh net with torch-default weights and random gradients in `grads`."""
    net = init_torch_default(build_mlp([3, 4, 2], "tanh", dtype=dtype), seed)
    rng = np.random.default_rng(seed)
    for layer in net.linears:
        layer.grads = {k: rng.standard_normal(p.shape).astype(dtype) for k, p in layer.params.items()}
    return net


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("lr", [0.5, 1e-3, 3])
def test_sgd_step_matches_torch(dtype, lr):
    net = net_with_grads(dtype)
    model, opt = mirror(net), SGD(lr)
    for name, p in model.named_parameters():
        p.grad = to_tensor(np.ascontiguousarray(to_torch_layout(name, net.grads[name])))
    before = net.get_params()
    opt.step(net)
    mirror_optimizer(opt, model).step()
    for name, p in model.named_parameters():
        assert_close(net.params[name], to_manual_layout(name, p.detach().numpy()), f"{name} after one step")
        assert not np.array_equal(net.params[name], before[name])


def test_sgd_updates_live_arrays_in_place_and_leaves_grads():
    net = net_with_grads(np.float64)
    arrays, grads = net.params, {k: g.copy() for k, g in net.grads.items()}
    expected = {k: p - 0.1 * grads[k] for k, p in arrays.items()}
    SGD(0.1).step(net)
    assert all(net.params[k] is arrays[k] for k in arrays)
    assert all(np.array_equal(net.grads[k], g) for k, g in grads.items())
    assert all(np.array_equal(arrays[k], v) for k, v in expected.items())


@pytest.mark.parametrize("lr", [-0.1, math.nan, math.inf, "0.1", None])
def test_sgd_rejects_bad_learning_rate(lr):
    with pytest.raises(ParityInputError, match="Invalid learning rate"):
        SGD(lr)


def test_sgd_accepts_zero_learning_rate_as_torch_does():
    net = net_with_grads(np.float64)
    before = net.get_params()
    SGD(0).step(net)   # torch.optim.SGD(params, lr=0) is valid too (a schedule may also reach 0)
    assert all(np.array_equal(net.params[k], v) for k, v in before.items())


# ---- init_randn: the seeds' draws, in the seeds' order --------------------------------------------------
def global_randn(seed, *shapes):
    """What a seed script gets from np.random.seed(seed); np.random.randn(*shape) for each shape in turn.
    The global random state is restored afterwards."""
    state = np.random.get_state()
    try:
        np.random.seed(seed)
        return [np.random.randn(*shape) for shape in shapes]
    finally:
        np.random.set_state(state)


def test_init_randn_reproduces_seed_004():
    W1, W2 = global_randn(42, (2, 4), (4, 1))
    net = init_randn(build_mlp([2, 4, 1], "sigmoid"), 42)
    assert np.array_equal(net.params["0.weight"], W1) and np.array_equal(net.params["2.weight"], W2)
    assert not net.params["0.bias"].any() and not net.params["2.bias"].any()


def test_init_randn_bias_reproduces_seed_000_draw_order():
    W1, W2, b1, b2 = global_randn(7, (2, 3), (3, 1), (3,), (1,))
    net = init_randn(build_mlp([2, 3, 1], "sigmoid"), 7, bias="randn")
    got = [net.params[k] for k in ("0.weight", "2.weight", "0.bias", "2.bias")]
    assert all(np.array_equal(a, b) for a, b in zip(got, [W1, W2, b1, b2]))


@pytest.mark.parametrize("init", ["randn", "randn_bias", "torch_default"])
def test_same_seed_gives_bit_identical_weights(init):
    first, second, other = (initialise(build_mlp([3, 5, 2], "relu"), init, seed).get_params() for seed in (5, 5, 6))
    assert all(first[k].tobytes() == second[k].tobytes() for k in first)
    assert not np.array_equal(first["0.weight"], other["0.weight"])


def test_init_float32_net_gets_float32_weights_from_float64_draws():
    net = init_randn(build_mlp([2, 4, 1], "sigmoid", dtype=np.float32), 42)
    (W1, _) = global_randn(42, (2, 4), (4, 1))
    assert net.params["0.weight"].dtype == np.float32
    assert np.array_equal(net.params["0.weight"], W1.astype(np.float32))


def test_init_randn_rejects_unknown_bias_mode():
    with pytest.raises(UnknownNameError, match="unknown bias initialisation 'ones'; known: randn, zeros"):
        init_randn(build_mlp([2, 1], []), 0, bias="ones")


def test_initialise_unknown_name_lists_known():
    with pytest.raises(UnknownNameError, match="known: randn, randn_bias, torch_default"):
        initialise(build_mlp([2, 1], []), "xavier", 0)


def test_initialise_by_name_equals_direct_call():
    by_name = initialise(build_mlp([2, 3, 1], "tanh"), "randn_bias", 3).get_params()
    direct = init_randn(build_mlp([2, 3, 1], "tanh"), 3, bias="randn").get_params()
    assert all(np.array_equal(by_name[k], v) for k, v in direct.items())


# ---- init_torch_default: torch.nn.Linear's distribution -----------------------------------------------
FAN_IN, FAN_OUT = 64, 256


def check_uniform_in_bound(values: np.ndarray, bound: float, what: str):
    """Inside [-bound, bound], reaching close to it, mean ~ 0 and std ~ bound / sqrt(3), as U(-bound, bound)."""
    n = values.size
    assert np.abs(values).max() <= bound, f"{what}: outside the bound"
    assert np.abs(values).max() > bound * (1 - 20 / n), f"{what}: never gets near the bound"
    assert abs(values.mean()) < 4 * bound / math.sqrt(3 * n), f"{what}: mean {values.mean():.2e} is not 0"
    assert abs(values.std() / (bound / math.sqrt(3)) - 1) < 4 * math.sqrt(0.2 / n), f"{what}: std is not uniform's"


def test_init_torch_default_weights_match_torch_linear_distribution():
    bound = 1 / math.sqrt(FAN_IN)
    net = init_torch_default(build_mlp([FAN_IN, FAN_OUT], []), seed=0)
    torch.manual_seed(0)
    linear = nn.Linear(FAN_IN, FAN_OUT)
    check_uniform_in_bound(net.params["0.weight"], bound, "manual weight")
    check_uniform_in_bound(linear.weight.detach().numpy().astype(np.float64), bound, "torch weight")


@pytest.mark.parametrize("sizes", [[1, 3, 2], [6, 2, 5, 1]])
def test_init_torch_default_every_layer_within_its_bound(sizes):
    net = init_torch_default(build_mlp(sizes, "relu"), seed=1)
    for i, layer in enumerate(net.linears):
        bound = 1 / math.sqrt(layer.fan_in)
        assert all(np.abs(p).max() <= bound for p in layer.params.values()), f"Linear {i}"
        assert np.abs(layer.params["weight"]).max() > bound / 4 and layer.params["bias"].any()


def test_init_torch_default_bias_bound_is_one_over_sqrt_fan_in():
    bound = 1 / math.sqrt(FAN_IN)
    biases = [init_torch_default(build_mlp([FAN_IN, FAN_OUT], []), s).params["0.bias"] for s in range(64)]
    check_uniform_in_bound(np.concatenate(biases), bound, "manual bias")
    torch.manual_seed(0)
    torch_biases = [nn.Linear(FAN_IN, FAN_OUT).bias.detach().numpy().astype(np.float64) for _ in range(64)]
    check_uniform_in_bound(np.concatenate(torch_biases), bound, "torch bias")
