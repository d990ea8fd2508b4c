"""torch_ref: mirrors hold the very same numbers, refuse a different architecture, and copy settings."""
import numpy as np
import pytest
import torch
from strategies import assert_close
from torch import nn

import manual
from manual import ArchitectureMismatch, DTypeError, build_mlp, init_torch_default, make_loss
from torch_ref import (HalfSumLoss, check_same_architecture, copy_into_manual, copy_into_torch, manual_from_torch,
                       mirror, mirror_loss, mirror_optimizer, numpy_dtype, to_tensor, torch_dtype)
from torch_ref.models import torch_layer, torch_layer_kind
from torch_ref.weights import to_manual_layout

DTYPES = [np.float64, np.float32]


def some_net(dtype=np.float64, seed=0):
    return init_torch_default(build_mlp([3, 5, 4, 2], ["leaky_relu", "tanh"], "sigmoid", dtype=dtype), seed)


def torch_params_in_manual_layout(model):
    return {k: to_manual_layout(k, t.detach().numpy()) for k, t in model.state_dict().items()}


def assert_bitwise_equal(got: dict, want: dict):
    assert got.keys() == want.keys()
    for k, v in want.items():
        assert got[k].dtype == v.dtype and got[k].shape == v.shape, k
        assert got[k].tobytes() == v.tobytes(), f"{k} differs"


@pytest.mark.parametrize("dtype", DTYPES)
def test_mirror_copies_weights_bitwise(dtype):
    net = some_net(dtype)
    model = mirror(net)
    assert all(p.dtype == torch_dtype(dtype) for p in model.parameters())
    assert_bitwise_equal(torch_params_in_manual_layout(model), net.params)


@pytest.mark.parametrize("dtype", DTYPES)
def test_mirror_has_the_same_layers(dtype):
    net = some_net(dtype)
    kinds = [type(m) for m in mirror(net)]
    assert kinds == [nn.Linear, nn.LeakyReLU, nn.Linear, nn.Tanh, nn.Linear, nn.Sigmoid]
    assert mirror(net)[1].negative_slope == 0.01


@pytest.mark.parametrize("dtype", DTYPES)
def test_copy_into_manual_round_trip_is_bitwise(dtype):
    net = some_net(dtype)
    fresh = build_mlp([3, 5, 4, 2], ["leaky_relu", "tanh"], "sigmoid", dtype=dtype)
    assert_bitwise_equal(copy_into_manual(mirror(net), fresh).params, net.params)


def test_copy_into_torch_overwrites_torch_weights():
    net, model = some_net(seed=1), mirror(some_net(seed=2))
    copy_into_torch(net, model)
    assert_bitwise_equal(torch_params_in_manual_layout(model), net.params)


@pytest.mark.parametrize("dtype, torch_dt", [(np.float64, torch.float64), (np.float32, torch.float32)])
def test_manual_from_torch_default_init_gives_same_forward(dtype, torch_dt):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 6), nn.ReLU(), nn.Linear(6, 4), nn.LeakyReLU(0.2), nn.Linear(4, 2),
                          nn.Identity(), nn.Linear(2, 1), nn.Sigmoid()).to(torch_dt)
    net = manual_from_torch(model)
    assert net.dtype == dtype
    assert_bitwise_equal(net.params, torch_params_in_manual_layout(model))
    x = np.random.default_rng(0).standard_normal((7, 3)).astype(dtype)
    assert_close(net.forward(x), model(to_tensor(x)).detach().numpy(), "manual_from_torch forward")


def test_manual_from_torch_refuses_unknown_module():
    with pytest.raises(ArchitectureMismatch, match="layer 1: torch module Mish"):
        manual_from_torch(nn.Sequential(nn.Linear(2, 2), nn.Mish(), nn.Linear(2, 1)))


@pytest.mark.parametrize("mod", [nn.LeakyReLU(0.2), nn.ELU(0.5), nn.GELU(approximate="tanh"), nn.SiLU(),
                                 nn.Softplus(2, 10), nn.Hardtanh(-2.0, 0.5)], ids=lambda m: type(m).__name__)
def test_manual_from_torch_keeps_activation_parameters(mod):
    model = torch_model(nn.Linear(3, 4), mod, nn.Linear(4, 1))
    net = manual_from_torch(model)
    assert net.layers[1].describe() == torch_layer_kind(mod) == torch_layer_kind(torch_layer(net.layers[1]))
    x = np.random.default_rng(0).standard_normal((7, 3)) * 3
    assert_close(net.forward(x), model(to_tensor(x)).detach().numpy(), "manual_from_torch forward")


def torch_model(*mods):
    return nn.Sequential(*mods).double()


@pytest.mark.parametrize("model, match", [
    (torch_model(nn.Linear(2, 3), nn.ReLU()), "NumPy net has 3 layers .* torch model has 2"),
    (torch_model(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1), nn.Sigmoid()), "NumPy net has 3 layers .* has 4"),
    (torch_model(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1)), "layer 0: NumPy net has Linear 2->3, torch .* 2->4"),
    (torch_model(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2)), "layer 2: NumPy net has Linear 3->1, torch .* 3->2"),
    (torch_model(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1)), "layer 1: NumPy net has ReLU, torch model has Tanh"),
    (torch_model(nn.Linear(2, 3), nn.LeakyReLU(0.01), nn.Linear(3, 1)), r"layer 1: .* ReLU, .* LeakyReLU\(0.01\)"),
])
def test_architecture_mismatch_names_the_layer(model, match):
    net = build_mlp([2, 3, 1], "relu")
    for copy in (lambda: copy_into_torch(net, model), lambda: copy_into_manual(model, net)):
        with pytest.raises(ArchitectureMismatch, match=match):
            copy()


@pytest.mark.parametrize("theirs", [0.2, 0.02, 0.01000001])
def test_leaky_relu_slope_mismatch_names_the_layer(theirs):
    """Any slope difference changes every negative output: the check must not round slopes (0.01000001)."""
    net = build_mlp([2, 3, 1], "leaky_relu")
    with pytest.raises(ArchitectureMismatch, match="layer 1: NumPy net has LeakyReLU"):
        check_same_architecture(net, torch_model(nn.Linear(2, 3), nn.LeakyReLU(theirs), nn.Linear(3, 1)))


def test_matching_architecture_is_accepted():
    net = build_mlp([2, 3, 1], ["leaky_relu"], "sigmoid")
    check_same_architecture(net, torch_model(nn.Linear(2, 3), nn.LeakyReLU(0.01), nn.Linear(3, 1), nn.Sigmoid()))


def test_non_sequential_model_is_refused():
    with pytest.raises(ArchitectureMismatch, match="expected a torch.nn.Sequential, got Linear"):
        check_same_architecture(build_mlp([2, 1], []), nn.Linear(2, 1))


# ---- losses, optimizer, dtypes ------------------------------------------------------------------------
@pytest.mark.parametrize("name, kind, reduction", [("mse", nn.MSELoss, "mean"), ("sum", nn.MSELoss, "sum"),
                                                   ("half_sum", HalfSumLoss, None), ("bce", nn.BCELoss, "mean"),
                                                   ("bce_sum", nn.BCELoss, "sum")])
def test_mirror_loss_settings(name, kind, reduction):
    loss = mirror_loss(make_loss(name))
    assert type(loss) is kind and getattr(loss, "reduction", None) == reduction


def test_mirror_loss_refuses_unknown_loss():
    with pytest.raises(ArchitectureMismatch, match="no torch twin for loss"):
        mirror_loss(object())


@pytest.mark.parametrize("lr", [0.1, 2.5e-3])
def test_mirror_optimizer_settings(lr):
    model = mirror(some_net())
    opt = mirror_optimizer(manual.SGD(lr), model)
    [group] = opt.param_groups
    assert type(opt) is torch.optim.SGD and group["lr"] == lr
    assert (group["momentum"], group["dampening"], group["weight_decay"], group["nesterov"]) == (0, 0, 0, False)
    assert [id(p) for p in group["params"]] == [id(p) for p in model.parameters()]


@pytest.mark.parametrize("np_dt, torch_dt", [(np.float64, torch.float64), (np.float32, torch.float32)])
def test_dtype_maps_both_ways(np_dt, torch_dt):
    assert torch_dtype(np_dt) == torch_dt and numpy_dtype(torch_dt) == np.dtype(np_dt)
    assert to_tensor(np.zeros(2, np_dt)).dtype == torch_dt


@pytest.mark.parametrize("convert, bad", [(torch_dtype, np.int64), (torch_dtype, np.float16),
                                          (numpy_dtype, torch.float16), (to_tensor, np.zeros(2, np.int32))])
def test_unsupported_dtypes_raise(convert, bad):
    with pytest.raises(DTypeError, match="unsupported"):
        convert(bad)


def test_architecture_check_compares_activation_parameters():
    net = build_mlp([2, 3, 1], "leaky_relu:0.2")
    model = mirror(build_mlp([2, 3, 1], "leaky_relu"))
    with pytest.raises(ArchitectureMismatch, match=r"LeakyReLU\(0.2\).*LeakyReLU\(0.01\)|LeakyReLU\(0.01\).*LeakyReLU\(0.2\)"):
        check_same_architecture(net, model)


def test_a_subclass_of_a_registered_layer_or_loss_is_mirrored_as_its_base():
    """A learner's (or a test's) subclass of Linear or MSELoss keeps its twin: the nearest registered class."""
    class MyLinear(manual.Linear):
        pass

    class MyMSE(manual.MSELoss):
        pass
    model = mirror(manual.Sequential(MyLinear(2, 3), manual.ReLU(), manual.Linear(3, 1)))
    assert isinstance(model[0], torch.nn.Linear) and model[0].in_features == 2
    assert type(mirror_loss(MyMSE(reduction="sum"))) is torch.nn.MSELoss
