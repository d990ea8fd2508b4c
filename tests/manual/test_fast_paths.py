"""Training's fast paths change no bit: ReLU/LeakyReLU by bit selects, no recording, no first-layer dL/dx.

The reference is the readable path: np.where straight from torch's definitions, every output and delta
recorded, dL/dx computed. Both train every seed system (and larger nets) for 10 steps in float32 and
float64; the parameters must be equal byte for byte, NaN payloads included.
"""
import numpy as np
import pytest
import torch

import manual
from comparisons.parity.trainers import ManualTrainer
from manual.activations import LeakyReLU, ReLU
from manual.select import keep_where, select
from manual.seeds import SYSTEMS

DTYPES = [np.float32, np.float64]
SPECIALS = [-0.0, 0.0, np.nan, -np.nan, -1.0, 2.0, np.inf, -np.inf, 1e-45, -1e-45, 5e-324, -5e-324, 3.5, -2.5]


class WhereReLU(ReLU):
    """torch.relu spelled with np.where: forward x < 0 ? 0 : x; backward y <= 0 ? 0 : dy."""

    def forward(self, x):
        self.cache = {"y": np.where(x < 0, x.dtype.type(0), x)}
        return self.cache["y"]

    def backward(self, dy):
        return np.where(self.cache["y"] <= 0, dy.dtype.type(0), dy)


class OldReLU(WhereReLU):
    """The np.where ReLU manual/ had before: NaN became 0 and -0.0 became +0.0 (torch keeps both)."""

    def forward(self, x):
        self.cache = {"mask": x > 0}
        return np.where(self.cache["mask"], x, np.zeros((), x.dtype))

    def backward(self, dy):
        return np.where(self.cache["mask"], dy, np.zeros((), dy.dtype))


class WhereLeakyReLU(LeakyReLU):
    """torch's leaky_relu spelled with np.where: x > 0 ? x : slope * x, and so dy."""

    def forward(self, x):
        self.cache = {"x": x}
        return np.where(x > 0, x, x * x.dtype.type(self.slope))

    def backward(self, dy):
        return np.where(self.cache["x"] > 0, dy, dy * dy.dtype.type(self.slope))


class RecordingTrainer(ManualTrainer):
    """Training on the readable path: record everything, compute dL/dx."""

    def step(self, X, y):
        value = self.loss.forward(self.net.forward(X), y)
        dx = self.net.backward(self.loss.backward())
        assert dx.shape == X.shape and len(self.net.deltas) == len(self.net.outputs) == len(self.net.layers)
        self.opt.step(self.net)
        return float(value)


def with_where_activations(net: manual.Sequential, relu=WhereReLU) -> manual.Sequential:
    """A copy of net whose ReLU/LeakyReLU layers are the np.where references."""
    swap = {ReLU: lambda a: relu(), LeakyReLU: lambda a: WhereLeakyReLU(a.slope)}
    layers = [swap[type(a)](a) if type(a) in swap else a for a in net.layers]
    copy = manual.Sequential(*[manual.Linear(a.fan_in, a.fan_out, dtype=net.dtype) if isinstance(a, manual.Linear)
                               else a for a in layers])
    copy.set_params(net.get_params())
    return copy


def train(trainer_cls, net, loss, lr, batches) -> dict:
    trainer = trainer_cls(net, loss, manual.SGD(lr))
    with np.errstate(all="ignore"):
        for X, y in batches:
            trainer.step(X, y)
    return net.get_params()


def assert_same_bytes(fast: dict, slow: dict, where: str) -> None:
    differ = [n for n in fast if fast[n].tobytes() != slow[n].tobytes()]
    assert not differ, f"{where}: {differ} differ"


def seed_cases():
    for system in SYSTEMS:
        for dtype in DTYPES:
            yield pytest.param(system, dtype, id=f"{system.key}-{np.dtype(dtype).name}")


@pytest.mark.parametrize("system, dtype", list(seed_cases()))
def test_training_fast_path_is_bit_identical_on_every_seed_system(system, dtype):
    data = system.data.astype(dtype)
    batches = [data.batch(k) for k in range(10)]
    fast = system.build(dtype)
    slow, old = with_where_activations(fast), with_where_activations(fast, OldReLU)
    fast_params = train(ManualTrainer, fast, system.make_loss(), system.lr, batches)
    assert_same_bytes(fast_params, train(RecordingTrainer, slow, system.make_loss(), system.lr, batches), "vs torch's where")
    old_params = train(RecordingTrainer, old, system.make_loss(), system.lr, batches)
    if all(np.isfinite(v).all() for v in old_params.values()):   # the old ReLU swallowed NaN; finite runs agree
        assert_same_bytes(fast_params, old_params, "vs the old np.where ReLU")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("act", ["relu", "leaky_relu", "tanh", "sigmoid"])
def test_training_fast_path_is_bit_identical_on_a_wider_net(act, dtype):
    rng = np.random.RandomState(0)
    fast = manual.init_torch_default(manual.build_mlp([32, 64, 64, 10], act, dtype=dtype), rng)
    slow = with_where_activations(fast)
    batches = [(rng.randn(16, 32).astype(dtype), rng.randn(16, 10).astype(dtype))] * 10
    loss = manual.make_loss("mse")
    assert_same_bytes(train(ManualTrainer, fast, loss, 0.05, batches), train(RecordingTrainer, slow, loss, 0.05, batches),
                      act)


def special_arrays(dtype):
    rng = np.random.RandomState(1)
    for n in (1, 7, 16, 33, 67):        # SIMD widths and their tails
        yield rng.choice(SPECIALS, n + 1).astype(dtype)[1:]          # unaligned
    x = rng.choice(SPECIALS, (9, 37)).astype(dtype)
    yield x
    yield x.T                            # not C-contiguous
    yield x[:, ::3]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("make, torch_fn", [(ReLU, torch.relu), (lambda: LeakyReLU(0.2), lambda t: torch.nn.functional.leaky_relu(t, 0.2))],
                         ids=["relu", "leaky_relu"])
def test_activation_equals_torch_bit_for_bit_on_zeros_nans_and_infinities(make, torch_fn, dtype):
    for x in special_arrays(dtype):
        dy = np.resize(np.array(SPECIALS[::-1], dtype), x.shape)
        layer = make()
        x_t = torch.from_numpy(np.ascontiguousarray(x)).requires_grad_()
        y_t = torch_fn(x_t)
        y_t.backward(torch.from_numpy(dy))
        y, dx = layer.forward(x), layer.backward(dy)
        assert np.ascontiguousarray(y).tobytes() == y_t.detach().numpy().tobytes(), f"forward on {x!r}"
        assert np.ascontiguousarray(dx).tobytes() == x_t.grad.numpy().tobytes(), f"backward on {x!r}"


@pytest.mark.parametrize("dtype", DTYPES)
def test_bit_selects_equal_np_where(dtype):
    for x in special_arrays(dtype):
        b = np.resize(np.array(SPECIALS[::-1], dtype), x.shape)
        mask = np.resize(np.array([True, False, False, True, True]), x.shape)
        assert select(mask, x, b).tobytes() == np.ascontiguousarray(np.where(mask, x, b)).tobytes()
        assert keep_where(mask, x).tobytes() == np.ascontiguousarray(np.where(mask, x, dtype(0))).tobytes()


def test_backward_without_input_grad_returns_none_and_the_same_grads():
    rng = np.random.RandomState(0)
    net = manual.init_torch_default(manual.build_mlp([3, 4, 2], "relu"), rng)
    X, dy = rng.randn(5, 3), rng.randn(5, 2)
    net.forward(X)
    assert net.backward(dy).shape == X.shape
    full = {k: v.copy() for k, v in net.grads.items()}
    net.forward(X, record=False)
    assert net.backward(dy, need_input_grad=False, record=False) is None
    assert net.outputs == [] and net.deltas == []
    assert_same_bytes(net.grads, full, "grads")


class TemporarySGD(manual.SGD):
    """SGD as it was written before the scratch array: p -= lr * grad, a new temporary each step."""

    def step(self, net):
        for name, p in net.params.items():
            p -= p.dtype.type(self.lr) * net.grads[name]


@pytest.mark.parametrize("system, dtype", list(seed_cases()))
def test_sgd_scratch_array_is_bit_identical_to_the_temporary(system, dtype):
    data = system.data.astype(dtype)
    batches = [data.batch(k) for k in range(10)]
    runs = []
    for opt in (manual.SGD(system.lr), TemporarySGD(system.lr)):
        net = system.build(dtype)
        trainer = ManualTrainer(net, system.make_loss(), opt)
        with np.errstate(all="ignore"):
            for X, y in batches:
                trainer.step(X, y)
        runs.append(net.get_params())
    assert_same_bytes(*runs, where=f"{system.key} scratch vs temporary")


def test_sgd_scratch_follows_a_parameter_that_changes_shape_or_dtype():
    rng = np.random.RandomState(0)
    opt, ref = manual.SGD(0.1), TemporarySGD(0.1)
    for sizes, dtype in (([3, 4, 2], np.float64), ([3, 5, 2], np.float64), ([3, 5, 2], np.float32)):
        nets = [manual.init_torch_default(manual.build_mlp(sizes, "tanh", dtype=dtype), np.random.RandomState(1))
                for _ in range(2)]
        X, dy = rng.randn(4, 3).astype(dtype), rng.randn(4, 2).astype(dtype)
        for net, o in zip(nets, (opt, ref)):
            net.forward(X)
            net.backward(dy)
            o.step(net)
        assert_same_bytes(nets[0].get_params(), nets[1].get_params(), f"{sizes} {np.dtype(dtype).name}")
        assert all(opt._scratch[n].dtype == dtype for n in nets[0].params)


def test_training_backward_frees_the_caches_and_refuses_a_second_backward():
    rng = np.random.RandomState(0)
    net = manual.init_torch_default(manual.build_mlp([3, 4, 2], "relu"), rng)
    X, dy = rng.randn(5, 3), rng.randn(5, 2)
    net.forward(X, record=False)
    net.backward(dy, need_input_grad=False, record=False)
    assert all(layer.cache == {} for layer in net.layers)
    with pytest.raises(RuntimeError, match="call forward"):
        net.backward(dy, need_input_grad=False, record=False)
    net.forward(X, record=False)                     # a new forward makes backward possible again
    assert net.backward(dy, need_input_grad=False, record=False) is None
    net.forward(X)                                   # a recording backward keeps the caches (gradcheck reads them)
    net.backward(dy)
    assert all(layer.cache for layer in net.layers)


class WrapperMSE(manual.MSELoss):
    """MSELoss('mean') as it was written with NumPy's wrappers: sq.mean() and 2 * diff / N."""

    def forward(self, yhat, y):
        diff = yhat - y
        self.cache = {"diff": diff}
        return (diff * diff).mean()


@pytest.mark.parametrize("system, dtype", [c for c in seed_cases() if c.values[0].loss == "mse"])
def test_mse_mean_without_wrappers_is_bit_identical_to_ndarray_mean(system, dtype):
    data = system.data.astype(dtype)
    values = []
    for loss in (manual.MSELoss(), WrapperMSE()):
        net = system.build(dtype)
        trainer = ManualTrainer(net, loss, manual.SGD(system.lr))
        with np.errstate(all="ignore"):
            values.append([np.float64(trainer.step(*data.batch(k))).tobytes() for k in range(10)])
        values.append(net.get_params())
    assert values[0] == values[2], f"{system.key}: losses differ"
    assert_same_bytes(values[1], values[3], where=f"{system.key} MSELoss vs ndarray.mean")


@pytest.mark.parametrize("lr", [0.1, np.float64(0.1), np.float32(0.1)], ids=["float", "np.float64", "np.float32"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_sgd_learning_rate_of_any_float_type_rounds_as_the_parameters_dtype(lr, dtype):
    """A scheduler may leave a NumPy float in opt.lr: the product is still lr cast to p's dtype, times grad."""
    rng = np.random.RandomState(0)
    nets = [manual.init_torch_default(manual.build_mlp([3, 5, 2], "relu", dtype=dtype), np.random.RandomState(1))
            for _ in range(2)]
    X, dy = rng.randn(4, 3).astype(dtype), rng.randn(4, 2).astype(dtype)
    fast, slow = manual.SGD(0.5), TemporarySGD(0.5)
    fast.lr = slow.lr = lr
    for net, opt in zip(nets, (fast, slow)):
        net.forward(X)
        net.backward(dy)
        opt.step(net)
    assert_same_bytes(nets[0].get_params(), nets[1].get_params(), f"lr {type(lr).__name__}")


def test_grads_are_named_as_state_dict_names_them():
    net = manual.init_torch_default(manual.build_mlp([3, 4, 4, 2], "tanh"), np.random.RandomState(0))
    net.forward(np.ones((2, 3)))
    net.backward(np.ones((2, 2)))
    want = {f"{i}.{k}": v for i, layer in enumerate(net.layers) for k, v in layer.grads.items()}
    assert list(net.grads) == list(want) == list(net.params)
    assert all(net.grads[k] is want[k] for k in want)


def test_named_params_and_grads_are_the_live_params_and_grads():
    """What the optimizers read in one pass: each (name, parameter, gradient) is the net's own array."""
    net = manual.init_torch_default(manual.build_mlp([3, 4, 2], "relu"), np.random.RandomState(0))
    net.forward(np.ones((5, 3)))
    net.backward(np.ones((5, 2)))
    triples = net.named_params_and_grads()
    assert [n for n, _, _ in triples] == list(net.params)
    assert all(p is net.params[n] and g is net.grads[n] for n, p, g in triples)
