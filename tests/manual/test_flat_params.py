"""An MLP's flat parameter and gradient arrays (manual/flat_params.py): plain SGD updates the whole net at once
when every layer still holds its views, and parameter by parameter, with the same values, when not."""
import copy

import numpy as np
import pytest

import manual
from comparisons.parity.trainers import ManualTrainer
from manual.conv import Conv2d
from manual.flatten import Flatten

DTYPES = [np.float32, np.float64]


def mlp(dtype=np.float64, seed=0) -> manual.Sequential:
    return manual.init_torch_default(manual.build_mlp([3, 5, 4, 2], "relu", dtype=dtype), np.random.RandomState(seed))


def batch(dtype=np.float64, seed=1):
    rng = np.random.RandomState(seed)
    return rng.randn(6, 3).astype(dtype), rng.randn(6, 2).astype(dtype)


def by_hand(net: manual.Sequential, lr: float) -> None:
    """p -= lr * grad, one parameter at a time: what the flat update must equal bit for bit."""
    for name, p in net.params.items():
        p -= p.dtype.type(lr) * net.grads[name]


def training_backward(net: manual.Sequential, X, y) -> None:
    loss = manual.make_loss("mse")
    loss.forward(net.forward(X, record=False), y)
    net.backward(loss.backward(), need_input_grad=False, record=False)


def assert_same_bytes(a: dict, b: dict) -> None:
    assert [n for n in a if a[n].tobytes() != b[n].tobytes()] == []


@pytest.mark.parametrize("dtype", DTYPES)
def test_training_keeps_parameters_and_gradients_in_the_flat_arrays_and_updates_them_at_once(dtype):
    net, ref = mlp(dtype), mlp(dtype)
    opt = manual.SGD(0.1)
    X, y = batch(dtype)
    for _ in range(5):
        training_backward(net, X, y)
        training_backward(ref, X, y)
        flat = net.flat_params
        assert flat.live()
        assert all(g.base is flat.grads for g in net.grads.values())
        assert all(p.base is flat.params for p in net.params.values())
        opt.step(net)
        by_hand(ref, 0.1)
        assert list(opt._scratch) == [""]        # the flat update, not one per parameter
        assert_same_bytes(net.get_params(), ref.get_params())


def test_a_recording_backward_makes_new_gradient_arrays_and_sgd_reads_them():
    net, ref = mlp(), mlp()
    X, y = batch()
    training_backward(net, X, y)
    held = net.grads
    net.forward(X)
    net.backward(np.ones((6, 2)))               # recording: gradients of their own, safe to keep
    assert all(g.base is None for g in net.grads.values()) and not net.flat_params.live()
    ref.forward(X)
    ref.backward(np.ones((6, 2)))
    manual.SGD(0.1).step(net)
    by_hand(ref, 0.1)
    assert_same_bytes(net.get_params(), ref.get_params())
    assert all(h.base is net.flat_params.grads for h in held.values())


@pytest.mark.parametrize("replace", ["a parameter", "a gradient"])
def test_an_array_replaced_by_a_new_one_is_still_updated_from_its_own_gradient(replace):
    net, ref = mlp(), mlp()
    X, y = batch()
    for n in (net, ref):
        training_backward(n, X, y)
        layer = n.layers[2]
        if replace == "a parameter":
            layer.params["weight"] = layer.params["weight"] * 2.0
        else:
            layer.grads["bias"] = layer.grads["bias"] * 3.0
    assert not net.flat_params.live()
    manual.SGD(0.1).step(net)
    by_hand(ref, 0.1)
    assert_same_bytes(net.get_params(), ref.get_params())


def test_a_deep_copy_trains_its_own_parameters():
    net = mlp()
    twin = copy.deepcopy(net)
    before = net.get_params()
    trainer = ManualTrainer(twin, manual.make_loss("mse"), manual.SGD(0.1))
    ref = ManualTrainer(mlp(), manual.make_loss("mse"), manual.SGD(0.1))
    X, y = batch()
    for _ in range(3):
        trainer.step(X, y)
        ref.step(X, y)
    assert_same_bytes(net.get_params(), before)
    assert_same_bytes(twin.get_params(), ref.net.get_params())


def test_only_nets_whose_parametrised_layers_are_all_linear_get_flat_arrays():
    conv = manual.Sequential(Conv2d(1, 2, 3), Flatten(), manual.Linear(8, 1))
    assert conv.flat_params is None and mlp().flat_params is not None


def test_get_params_is_a_copy_in_one_piece_that_training_leaves_alone():
    net = mlp()
    copied = net.get_params()
    assert list(copied) == list(net.params) and all(copied[n].shape == p.shape for n, p in net.params.items())
    assert all(copied[n].tobytes() == p.tobytes() for n, p in net.params.items())
    kept = {n: a.copy() for n, a in copied.items()}
    ManualTrainer(net, manual.make_loss("mse"), manual.SGD(0.5)).step(*batch())
    assert_same_bytes(copied, kept)                    # training changed the net, not the copy
    copied["0.weight"][...] = 7.0
    assert not (net.params["0.weight"] == 7.0).any()   # nor the copy the net
    net.layers[0].params["weight"] = np.full((3, 5), 2.0)
    assert (net.get_params()["0.weight"] == 2.0).all()  # a replaced parameter is what is copied


def test_building_the_net_gives_each_linear_views_holding_its_values():
    first = manual.Linear(3, 5)
    first.params["weight"][...] = np.arange(15.0).reshape(3, 5)
    before = first.params["weight"]
    net = manual.Sequential(first, manual.ReLU(), manual.Linear(5, 2))
    assert first.params["weight"] is not before and first.params["weight"] is net.params["0.weight"]
    assert (net.params["0.weight"] == np.arange(15.0).reshape(3, 5)).all()
