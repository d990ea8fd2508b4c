"""Hypothesis strategies for NetCase: random networks of every registered activation (with its parameters),
Conv2d / pooling / Flatten fronts, BatchNorm1d, LayerNorm and Dropout blocks, every loss of manual.make_loss with
valid targets, every optimizer with its hyper-parameters, batch size, dtype and training mode.

Each choice lists its simplest value first (no hidden layer, ReLU, no norm, plain SGD, float64, training) and
sizes count up from 1, so a failing example shrinks to the smallest network that still fails.
"""
from __future__ import annotations

import inspect
from functools import cache

from hypothesis import strategies as st
from net_cases import CLASSES, OPTIMIZERS, TARGETS, Layer, NetCase

import manual
from manual.errors import ShapeError

LOSSES = tuple(manual.LOSSES)          # "mse" first
# strategies are built once (hypothesis validates every new one: building them per draw tripled the cost)
ints, floats = cache(st.integers), cache(st.floats)
pick = cache(lambda *values: st.sampled_from(values))
BOOLS = st.booleans()                            # shrinks to False
TRUE_FIRST = st.sampled_from([True, False])      # shrinks to True (pick(True, False) would share a cache key
SEEDS = ints(0, 2**16)                           # with pick(1, 0))
OPS = st.sampled_from(list(manual.ACTIVATION_REGISTRY.values()))     # "relu" first
# the range drawn for each activation parameter that is not a choice; a parameter missing here fails
# test_every_activation_parameter_has_a_range, so a new registry entry is covered
PARAM_RANGES = {"negative_slope": floats(0.0, 0.5), "alpha": floats(0.1, 2.0), "beta": floats(0.5, 3.0),
                "threshold": floats(1.0, 20.0), "min_val": floats(-2.0, -0.25),
                "max_val": floats(0.25, 2.0)}


@cache
def _defaults(kind: str) -> dict:
    cls = CLASSES.get(kind) or OPTIMIZERS[kind]
    return {k: p.default for k, p in inspect.signature(cls).parameters.items()}


def layer(kind: str, *args, **kwargs) -> Layer:
    """A Layer listing only the keyword arguments that differ from the constructor's defaults."""
    defaults = _defaults(kind)
    return Layer(kind, args, tuple((k, v) for k, v in kwargs.items() if defaults.get(k, object()) != v))


@cache
def _or_default(default, values: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(st.just(default), values)


@st.composite
def activations(draw) -> Layer:
    """Any registered activation, each parameter torch's default or drawn from its range (or its choices)."""
    op = draw(OPS)
    values = [draw(_or_default(default, pick(*op.choices[k]) if k in op.choices else PARAM_RANGES[k]))
              for k, default in op.params.items()]
    return layer(op.torch, *values)


ACTIVATION = activations()
MAYBE_ACTIVATION = st.lists(ACTIVATION, max_size=1)
BETAS = st.tuples(floats(0.0, 0.95), floats(0.5, 0.999))

# A tensor that is zero in exact arithmetic is rounding noise on both sides, and compare_step measures each
# tensor against its own largest magnitude, which such a tensor lacks, so no network here makes one (a random
# search of 3000 examples found each of these as a false alarm before it was excluded):
# - BatchNorm1d in training removes its input's batch mean, so the bias gradient of a Linear feeding it through
#   a piecewise-linear activation (or none) is exactly zero, and a channel that is constant over the batch (a
#   dead ReLU unit, Dropout zeroing every row of a width-1 layer, a convolution reading padding only) comes out
#   as 0 * 1/sqrt(eps): it normalises the network's input only (standard-normal rows, 3 or more of them);
# - a loss gradient that is the same on every row (NLL or cross-entropy on one class) makes BatchNorm1d's dL/dx
#   exactly zero: class-index targets have 2 or more classes and a batch holds 2 of them (NetCase.data);
# - LayerNorm over 1 feature outputs its bias (every gradient before it is zero), over 2 it outputs +-1
#   (they are eps-sized): it normalises 3 or more.


@st.composite
def hidden_block(draw, fan_in: int, rules_only: bool) -> tuple[list[Layer], int]:
    """Linear -> [LayerNorm] -> activation -> [Dropout]; only the Linear and the activation where the float32
    check has rounding rules (`rules_only`)."""
    width = draw(ints(1, 5))
    layers = [layer("Linear", fan_in, width)]
    if not rules_only and width >= 3 and draw(BOOLS):
        layers.append(layer("LayerNorm", width, elementwise_affine=draw(TRUE_FIRST),
                            bias=draw(TRUE_FIRST)))
    layers.append(draw(ACTIVATION))
    p = None if rules_only else draw(pick(None, 0.5, 0.2, 0.0, 1.0))
    if p is not None:
        layers.append(layer("Dropout", p, seed=draw(SEEDS)))
    return layers, width


def batch_norm(draw, width: int) -> Layer:
    return layer("BatchNorm1d", width, momentum=draw(pick(0.1, None, 0.5)),
                 affine=draw(TRUE_FIRST))


def _pool(draw, channels_shape: tuple) -> list[Layer]:
    """Maybe a MaxPool2d or AvgPool2d that fits the (N, C, H, W) shape."""
    kind = draw(pick(None, "MaxPool2d", "AvgPool2d"))
    if kind is None:
        return []
    k = draw(ints(1, 3))
    kwargs = dict(stride=draw(pick(None, 1, 2)), padding=draw(ints(0, k // 2)),
                  ceil_mode=draw(BOOLS))
    if kind == "AvgPool2d":
        kwargs["count_include_pad"] = draw(TRUE_FIRST)
    pool = layer(kind, k, **kwargs)
    try:
        pool.build(None).output_shape(channels_shape)
    except ShapeError:
        return []
    return [pool]


@st.composite
def conv_front(draw) -> tuple[list[Layer], tuple, int]:
    """Conv2d (stride, padding, dilation) -> [activation] -> [pool] -> Flatten: (layers, sample shape, features)."""
    c, out = draw(ints(1, 2)), draw(ints(1, 3))
    k, d, p, s = (draw(ints(*r)) for r in ((1, 3), (1, 2), (0, 1), (1, 2)))
    low = max(1, d * (k - 1) + 1 - 2 * p)
    h, w = draw(ints(low, low + 4)), draw(ints(low, low + 4))
    conv = layer("Conv2d", c, out, k, stride=s, padding=p, dilation=d)
    shape = conv.build("float64").output_shape((1, c, h, w))
    layers = [conv] + draw(MAYBE_ACTIVATION)
    layers += _pool(draw, shape)
    for spec in layers[1:]:
        shape = spec.build(None).output_shape(shape) if spec.kind.endswith("Pool2d") else shape
    return layers + [layer("Flatten")], (c, h, w), shape[1] * shape[2] * shape[3]


@st.composite
def optimizers(draw) -> Layer:
    """SGD (momentum, dampening, Nesterov, weight decay), Adam / AdamW (betas, amsgrad), RMSprop (momentum,
    centered), Adagrad (lr_decay, initial accumulator), each maybe with weight decay and maximize."""
    kind = draw(pick("SGD", "Adam", "AdamW", "RMSprop", "Adagrad"))
    decay = draw(_or_default(1e-2 if kind == "AdamW" else 0.0, floats(1e-4, 0.1)))
    kwargs = dict(weight_decay=decay, maximize=draw(BOOLS))
    if kind == "SGD":
        momentum = draw(_or_default(0.0, floats(0.1, 0.95)))
        dampening = draw(_or_default(0.0, floats(0.1, 0.9)))
        nesterov = momentum > 0 and dampening == 0 and draw(BOOLS)
        return layer(kind, draw(floats(1e-3, 0.3)), momentum=momentum, dampening=dampening, nesterov=nesterov,
                     **kwargs)
    lr = draw(floats(1e-4, 0.1))
    if kind in ("Adam", "AdamW"):
        betas = draw(_or_default((0.9, 0.999), BETAS))
        return layer(kind, lr, betas=betas, amsgrad=draw(BOOLS), **kwargs)
    if kind == "RMSprop":
        return layer(kind, lr, alpha=draw(_or_default(0.99, floats(0.5, 0.99))),
                     momentum=draw(_or_default(0.0, floats(0.1, 0.9))), centered=draw(BOOLS), **kwargs)
    return layer(kind, lr, lr_decay=draw(_or_default(0.0, floats(0.0, 0.1))),
                 initial_accumulator_value=draw(_or_default(0.0, floats(0.0, 0.5))), **kwargs)


@st.composite
def net_cases(draw, dtype: str = "float64") -> NetCase:
    """A NetCase. float32 cases keep to Linear layers and activations, the layers the float32 (shadow) check
    has rounding rules for; float64 ones draw a Conv2d front, an input BatchNorm1d, LayerNorm and Dropout too."""
    rules_only = dtype == "float32"
    conv = not rules_only and draw(BOOLS)
    if conv:
        layers, sample, features = draw(conv_front())
    else:
        features = draw(ints(1, 4))
        layers, sample = [batch_norm(draw, features)] if not rules_only and draw(BOOLS) else [], (features,)
    for _ in range(draw(ints(0, 3))):
        block, features = draw(hidden_block(features, rules_only))
        layers += block
    loss = draw(pick(*LOSSES))
    targets = draw(pick(*TARGETS.get(loss, ("real",))))
    outputs = draw(ints(2 if targets == "index" else 1, 4))
    layers.append(layer("Linear", features, outputs))
    if loss in ("bce", "bce_sum"):
        layers.append(layer("Sigmoid"))
    training = draw(TRUE_FIRST)
    # BatchNorm1d in training: 2 rows normalise to +-1 whatever the input, so dL/dx is eps-sized: 3 or more
    rows = 3 if training and any(spec.kind == "BatchNorm1d" for spec in layers) else 1
    return NetCase(sample=sample, layers=tuple(layers), loss=loss, targets=targets, optimizer=draw(optimizers()),
                   batch=draw(ints(rows, 6)), dtype=dtype, training=training, seed=draw(SEEDS))
