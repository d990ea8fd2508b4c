"""Random small networks with Conv2d, pools, Flatten, BatchNorm1d (training and evaluation), LayerNorm and
Dropout (a fixed mask, shared with the torch twin), ending in Softmax (MSE) or LogSoftmax (NLLLoss) or
neither, and one step of each in NumPy float32, NumPy float64
(the exact stand-in) and torch float32, for the rounding-bound tests.

layer_nets()   (build, X, y, loss): build(dtype) gives the same network in either dtype (weights drawn once,
               running buffers and masks included); X NCHW or (N, features); y class indices or floats
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

import manual
from manual.activations import Activation
from manual.conv import Conv2d
from manual.dropout import Dropout
from manual.flatten import Flatten
from manual.norm import BatchNorm1d, LayerNorm
from manual.pool import AvgPool2d, MaxPool2d
from manual.softmax import LogSoftmax, Softmax
from manual.windows import effective, out_size
from torch_ref import mirror, mirror_loss, target_tensor, to_tensor
from torch_ref.weights import to_manual_layout

ACTIVATIONS = ("relu", "leaky_relu:0.2", "tanh", "sigmoid", "gelu", "silu", "elu", "identity")


def _conv_part(draw, rng, n):
    """Conv2d -> activation -> [pool] -> [Flatten(2) -> BatchNorm1d over channels] -> Flatten: layers, X."""
    c, h, w = draw(st.integers(1, 3)), draw(st.integers(3, 7)), draw(st.integers(3, 7))
    k = draw(st.integers(1, 3))
    stride, dilation = draw(st.integers(1, 2)), draw(st.sampled_from([1, 1, 2]))
    padding = draw(st.integers(0, k // 2))
    if effective((k, k), (dilation, dilation))[0] > min(h, w) + 2 * padding:
        dilation = 1
    o = draw(st.integers(1, 4))
    layers = [Conv2d(c, o, k, stride, padding, dilation), manual.make_activation(draw(st.sampled_from(ACTIVATIONS)))]
    oh, ow = (out_size(s, k, stride, padding, dilation) for s in (h, w))
    pool = draw(st.sampled_from(["max", "avg", "none"]))
    pk = draw(st.integers(1, 2))
    if pool != "none" and min(oh, ow) >= pk:
        ps, pp = draw(st.integers(1, 2)), draw(st.integers(0, pk // 2))
        ceil = draw(st.booleans())
        layers.append(MaxPool2d(pk, ps, pp, ceil_mode=ceil) if pool == "max" else
                      AvgPool2d(pk, ps, pp, ceil_mode=ceil, count_include_pad=draw(st.booleans())))
    if draw(st.booleans()):
        layers += [Flatten(2), BatchNorm1d(o)]
    layers.append(Flatten())
    return layers, rng.uniform(-3, 3, (n, c, h, w))


def _dense_part(draw, rng, n):
    """Linear -> [BatchNorm1d | LayerNorm] -> activation: layers, X."""
    d, hdn = draw(st.integers(1, 5)), draw(st.integers(1, 6))
    layers = [manual.Linear(d, hdn)]
    norm = draw(st.sampled_from(["batch", "layer", "none"]))
    if norm != "none":
        layers.append(BatchNorm1d(hdn) if norm == "batch" else LayerNorm(hdn))
    layers.append(manual.make_activation(draw(st.sampled_from(ACTIVATIONS))))
    return layers, rng.uniform(-3, 3, (n, d))


def _feature_count(layers, x_shape) -> int:
    shape = x_shape
    for layer in layers:
        shape = layer.output_shape(shape) if hasattr(layer, "output_shape") else (
            (shape[0], layer.fan_out) if isinstance(layer, manual.Linear) else shape)
    return shape[1]


@st.composite
def layer_nets(draw):
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n = draw(st.integers(2, 5))
    kind = draw(st.sampled_from(["conv", "dense"]))
    layers, X = (_conv_part if kind == "conv" else _dense_part)(draw, rng, n)
    features = _feature_count(layers, X.shape)
    if draw(st.booleans()):
        layers.append(Dropout(draw(st.sampled_from([0.1, 0.3, 0.5]))))
    if draw(st.booleans()):
        layers.append(LayerNorm(features) if draw(st.booleans()) else BatchNorm1d(features))
    k = draw(st.integers(1, 4))
    layers.append(manual.Linear(features, k))
    training = draw(st.booleans())
    template = manual.init_torch_default(manual.Sequential(*layers), seed)
    state = template.get_params()
    for name, v in state.items():                              # norms' affine away from (1, 0)
        if name.endswith(("weight", "bias")) and isinstance(layers[int(name.split(".")[0])], (BatchNorm1d, LayerNorm)):
            state[name] = v + rng.normal(0, 0.5, v.shape)
    buffers = {f"{i}.running_mean": rng.normal(0, 1, layer.num_features) for i, layer in enumerate(layers)
               if isinstance(layer, BatchNorm1d)}
    buffers.update({f"{i}.running_var": rng.uniform(0.2, 3, layer.num_features) for i, layer in enumerate(layers)
                    if isinstance(layer, BatchNorm1d)})
    masks = {}

    def build(dtype):
        net = manual.Sequential(*[_clone(layer, dtype) for layer in layers]).train(training)
        net.set_params({k_: v.astype(dtype) for k_, v in state.items()})
        for name, v in buffers.items():
            net.buffers[name][...] = v.astype(dtype)
        for i, layer in enumerate(net.layers):
            if isinstance(layer, Dropout):
                layer.mask = masks.setdefault(i, rng.random(_shape_into(net, i, X.shape)) >= layer.p)
        return net

    head = draw(st.sampled_from(["none", "none", "softmax", "log_softmax"]))
    loss = {"softmax": "mse", "log_softmax": "nll"}.get(head) or draw(st.sampled_from(["mse", "cross_entropy"]))
    if head != "none":
        layers.append(Softmax() if head == "softmax" else LogSoftmax())
    y = rng.integers(0, k, n) if loss in ("cross_entropy", "nll") else rng.uniform(0, 1, (n, k))
    return build, X, y, manual.make_loss(loss)


def _shape_into(net, i, x_shape) -> tuple:
    return tuple(x_shape[:1]) + (_feature_count(net.layers[:i], x_shape),) if i else tuple(x_shape)


def _clone(layer, dtype):
    """A fresh layer of the same kind and geometry, in `dtype` (weights set afterwards)."""
    if isinstance(layer, manual.Linear):
        return manual.Linear(layer.fan_in, layer.fan_out, dtype=dtype)
    if isinstance(layer, Conv2d):
        return Conv2d(layer.in_channels, layer.out_channels, layer.kernel_size, layer.stride, layer.padding,
                      layer.dilation, bias="bias" in layer.params, dtype=dtype)
    if isinstance(layer, BatchNorm1d):
        return BatchNorm1d(layer.num_features, dtype=dtype)
    if isinstance(layer, LayerNorm):
        return LayerNorm(layer.normalized_shape, dtype=dtype)
    if isinstance(layer, Activation):
        return manual.make_activation(layer.chosen)
    if isinstance(layer, Dropout):
        return Dropout(layer.p)
    if isinstance(layer, (Softmax, LogSoftmax)):
        return type(layer)(layer.dim)
    return layer                                   # pools and Flatten hold no dtype


def one_step(build, X, y, loss) -> dict:
    """{side: (loss, {param: grad}, output)} for np32, np64 and torch32, all float64 arrays."""
    out = {}
    for side, dt in (("np32", np.float32), ("np64", np.float64)):
        net = build(dt)
        yhat = net.forward(X.astype(dt))
        value = loss.forward(yhat, y if y.dtype.kind in "iu" else y.astype(dt))
        net.backward(loss.backward())
        out[side] = (float(value), {k: g.astype(np.float64) for k, g in net.grads.items()}, yhat.astype(np.float64))
    model = mirror(build(np.float32))
    yhat = model(to_tensor(X.astype(np.float32)))
    v = mirror_loss(loss)(yhat, target_tensor(y))
    v.backward()
    out["torch32"] = (v.item(), {n: to_manual_layout(n, p.grad.numpy(), model).astype(np.float64)
                                 for n, p in model.named_parameters()}, yhat.detach().numpy().astype(np.float64))
    return out
