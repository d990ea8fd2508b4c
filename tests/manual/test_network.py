"""Sequential end to end against its torch mirror, and every way a network can be built or fed wrongly."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import assert_close, batches, nets

from manual import (ACTIVATIONS, ArchitectureMismatch, DTypeError, Linear, NonFiniteError, ReLU, Sequential,
                    ShapeError, Sigmoid, Tanh, UnknownNameError, build_mlp, init_torch_default, make_loss)
from torch_ref import mirror, mirror_loss, to_tensor
from torch_ref.weights import to_manual_layout


@st.composite
def cases(draw, dtype=np.float64):
    """(net, x, y, loss name): BCE only where the output is a probability."""
    net = draw(nets(dtype=dtype))
    x, y = draw(batches(net))
    names = ["mse", "sum", "half_sum"] + (["bce", "bce_sum"] if isinstance(net.layers[-1], Sigmoid) else [])
    return net, x, y, draw(st.sampled_from(names))


def torch_run(net, x, y, loss_name):
    """Mirror the net, run it layer by layer keeping every intermediate's grad; return what backward left."""
    model = mirror(net)
    x_t, h = to_tensor(x).requires_grad_(), None
    outputs = []
    for mod in model:
        h = mod(x_t if h is None else h)
        h.retain_grad()
        outputs.append(h)
    mirror_loss(make_loss(loss_name))(h, to_tensor(y)).backward()
    grads = {k: to_manual_layout(k, p.grad.numpy()) for k, p in model.named_parameters()}
    return outputs, grads, x_t.grad.numpy()


def check_net_parity(net, x, y, loss_name):
    """Every layer output, every delta, every parameter grad and dL/dx equal torch's (atol scaled by the
    largest magnitude in the run: see strategies.TOLERANCES)."""
    loss = make_loss(loss_name)
    loss.forward(net.forward(x), y)
    dx = net.backward(loss.backward())
    outputs, grads, torch_dx = torch_run(net, x, y, loss_name)
    where = f"{net.describe()} with {loss.describe()}"
    expected = [x, *(t.detach().numpy() for t in outputs), *(t.grad.numpy() for t in outputs), *grads.values()]
    scale = max(1.0, *(float(np.abs(e).max()) for e in expected))
    assert len(net.outputs) == len(net.deltas) == len(outputs) == len(net.layers)
    for i, (out, out_t) in enumerate(zip(net.outputs, outputs)):
        assert_close(out, out_t.detach().numpy(), f"{where}: forward output of {net.layer_label(i)}", scale)
        assert_close(net.deltas[i], out_t.grad.numpy(), f"{where}: delta of {net.layer_label(i)}", scale)
    assert net.grads.keys() == grads.keys()
    for name, g in net.grads.items():
        assert_close(g, grads[name], f"{where}: grad of {name}", scale)
    assert_close(dx, torch_dx, f"{where}: dL/dx", scale)


@given(case=cases())
def test_random_net_matches_torch_float64(case):
    check_net_parity(*case)


@given(case=cases(dtype=np.float32))
def test_random_net_matches_torch_float32(case):
    check_net_parity(*case)


@pytest.mark.parametrize("act", sorted(ACTIVATIONS))
def test_each_hidden_activation_end_to_end(act):
    net = init_torch_default(build_mlp([3, 5, 4, 2], act, "sigmoid"), seed=3)
    x = np.random.default_rng(3).standard_normal((6, 3))
    check_net_parity(net, x, np.full((6, 2), 0.25), "bce")


def test_parameter_names_are_state_dict_names():
    net = build_mlp([2, 3, 3, 1], ["relu", "tanh"], "sigmoid")
    assert list(net.params) == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
    assert list(net.params) == list(mirror(net).state_dict())


# ---- building ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("layers, error, match", [
    ((), ArchitectureMismatch, "empty"),
    ((ReLU(), Tanh()), ArchitectureMismatch, "no Linear"),
    ((Linear(2, 3), ReLU(), Linear(4, 1)), ShapeError, "Linear 2->3 feeds Linear 4->1: sizes do not chain"),
    ((Linear(2, 3), Linear(3, 1, dtype=np.float32)), ArchitectureMismatch, "mix dtypes"),
    ((Linear(2, 3), "relu"), ArchitectureMismatch, "unsupported layer"),
])
def test_bad_sequential_raises(layers, error, match):
    with pytest.raises(error, match=match):
        Sequential(*layers)


@pytest.mark.parametrize("sizes, acts", [([2, 3, 1], ["relu", "tanh"]), ([2, 3, 4, 1], ["relu"]), ([2, 1], ["relu"])])
def test_build_mlp_wrong_number_of_activations(sizes, acts):
    with pytest.raises(ArchitectureMismatch, match=f"{len(sizes) - 2} hidden layer"):
        build_mlp(sizes, acts)


def test_build_mlp_needs_two_sizes():
    with pytest.raises(ArchitectureMismatch, match="at least"):
        build_mlp([3], [])


@pytest.mark.parametrize("acts, output", [(["swish"], "identity"), (["relu"], "softmax")])
def test_build_mlp_unknown_activation_lists_known(acts, output):
    with pytest.raises(UnknownNameError) as info:
        build_mlp([2, 3, 1], acts, output)
    assert all(name in str(info.value) for name in ACTIVATIONS)


def test_build_mlp_layers():
    net = build_mlp([2, 3, 4, 1], ["leaky_relu", "tanh"], "sigmoid", dtype=np.float32)
    assert net.describe() == "2-3-4-1 (Linear, LeakyReLU(0.01), Linear, Tanh, Linear, Sigmoid)"
    assert net.dtype == np.float32 and net.sizes == [2, 3, 4, 1]


# ---- set_params: checked first, then copied, so a refused call changes nothing -------------------------
def _replace(values, name, new):
    return {**values, name: new} if new is not None else {k: v for k, v in values.items() if k != name}


@pytest.mark.parametrize("name, bad, error, match", [
    ("0.weight", None, ShapeError, r"missing \['0.weight'\]"),
    ("9.weight", np.zeros((2, 3)), ShapeError, r"unexpected \['9.weight'\]"),
    ("2.weight", np.zeros((1, 3)), ShapeError, r"2.weight has shape \(1, 3\), expected \(3, 1\)"),
    ("2.bias", np.zeros((1, 1)), ShapeError, "2.bias has shape"),
    ("0.bias", np.zeros(3, np.float32), DTypeError, "0.bias has dtype float32"),
    ("0.bias", [0.0, 0.0, 0.0], DTypeError, "0.bias must be a NumPy array"),
    ("2.weight", np.array([[1.0], [np.nan], [2.0]]), NonFiniteError, r"2.weight holds 1 non-finite.*\(1, 0\)"),
    ("0.bias", np.array([0.0, np.inf, 0.0]), NonFiniteError, "0.bias holds 1 non-finite"),
], ids=["missing", "unknown name", "weight shape", "bias shape", "float32", "list", "nan", "inf"])
def test_set_params_refuses_and_changes_nothing(name, bad, error, match):
    net = init_torch_default(build_mlp([2, 3, 1], "tanh"), seed=0)
    before = net.get_params()
    others = {k: v + 1.0 for k, v in before.items()}  # valid new values: must not be half-applied
    with pytest.raises(error, match=match):
        net.set_params(_replace(others, name, bad))
    assert all(np.array_equal(net.params[k], v) for k, v in before.items())


def test_set_params_copies_values_not_arrays():
    net = build_mlp([2, 3, 1], "tanh")
    values = {k: np.full_like(v, 0.5) for k, v in net.params.items()}
    net.set_params(values)
    values["0.weight"][0, 0] = 9.0
    assert net.params["0.weight"][0, 0] == 0.5


def test_get_params_returns_copies():
    net = build_mlp([2, 3, 1], "tanh")
    net.get_params()["0.weight"][...] = 7.0
    assert not net.params["0.weight"].any()


def test_linear_params_round_trip():
    net = init_torch_default(build_mlp([2, 3, 1], "relu"), seed=1)
    other = build_mlp([2, 3, 1], "relu")
    other.set_linear_params(net.linear_params())
    assert all(np.array_equal(other.params[k], v) for k, v in net.params.items())
    with pytest.raises(ArchitectureMismatch, match="1 \\(W, b\\) pairs for 2"):
        other.set_linear_params(net.linear_params()[:1])


# ---- feeding -----------------------------------------------------------------------------------------
def test_backward_before_forward_raises():
    with pytest.raises(RuntimeError, match="before forward"):
        build_mlp([2, 3, 1], "relu").backward(np.ones((4, 1)))


@pytest.mark.parametrize("x, error", [(np.ones((4, 3)), ShapeError), (np.ones(2), ShapeError),
                                      (np.ones((4, 2), np.float32), DTypeError)])
def test_bad_network_input_raises(x, error):
    with pytest.raises(error, match="network input"):
        build_mlp([2, 3, 1], "relu").forward(x)


def test_bad_output_gradient_raises():
    net = build_mlp([2, 3, 1], "relu")
    net.forward(np.ones((4, 2)))
    with pytest.raises(ShapeError, match=r"dL/d\(output\) has shape \(4,\)"):
        net.backward(np.ones(4))
