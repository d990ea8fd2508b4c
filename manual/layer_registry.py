"""The layers other than the activations, each described once (a LayerOp): the manual class, its torch twin,
how the twin is constructed from the manual layer and back, and which arrays change layout on the way.

torch_ref/layers.py builds every twin and copies every parameter and buffer from this table alone; the
activations have their own table (activation_registry.py). Adding a layer is one entry here, its class in
manual/ and its tests (tests/test_registries.py fails for an entry without them).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .conv import Conv2d
from .dropout import Dropout
from .flatten import Flatten
from .linear import Linear
from .norm import BatchNorm1d, LayerNorm
from .pool import AvgPool2d, MaxPool2d
from .softmax import LogSoftmax, Softmax

Kwargs = Callable[[object], dict]


@dataclass(frozen=True)
class LayerOp:
    """One layer, every fact the project needs to mirror it.

    cls         the manual class;  torch: the twin's class name, in torch.nn or else in torch_ref/layers.py
    to_torch    the twin's constructor arguments, from the manual layer's attributes
    to_manual   the manual constructor's arguments (dtype apart), from the torch module's attributes
    refuse      why a torch module of that class has no manual twin ("" when it has one)
    transposed  parameter names stored transposed in torch: only Linear's weight, (fan_in, fan_out) here and
                (fan_out, fan_in) in torch; every other array keeps torch's layout in manual too
    takes_dtype the manual constructor takes dtype= (the layer holds float arrays)
    carried     attributes copied as they are between the twins (Dropout's fixed mask)
    """

    name: str
    cls: type
    torch: str
    to_torch: Kwargs
    to_manual: Kwargs
    refuse: Callable[[object], str] = lambda mod: ""
    transposed: tuple[str, ...] = ()
    takes_dtype: bool = False
    carried: tuple[str, ...] = ()


def _conv_refusal(mod) -> str:
    if mod.groups != 1 or mod.padding_mode != "zeros" or isinstance(mod.padding, str):
        return "manual Conv2d takes groups=1, zeros padding given as numbers"
    return ""


def _dim(layer) -> dict:
    return dict(dim=layer.dim)


def _implicit_dim(mod) -> str:
    return "" if mod.dim is not None else f"{type(mod).__name__}(dim=None) picks its axis implicitly: give dim"


REGISTRY: dict[str, LayerOp] = {op.name: op for op in (
    LayerOp("linear", Linear, "Linear",
            to_torch=lambda l: dict(in_features=l.fan_in, out_features=l.fan_out),
            to_manual=lambda m: dict(fan_in=m.in_features, fan_out=m.out_features),
            refuse=lambda m: "nn.Linear without bias has no manual twin" if m.bias is None else "",
            transposed=("weight",), takes_dtype=True),
    LayerOp("conv2d", Conv2d, "Conv2d",
            to_torch=lambda l: dict(in_channels=l.in_channels, out_channels=l.out_channels, kernel_size=l.kernel_size,
                                    stride=l.stride, padding=l.padding, dilation=l.dilation, bias="bias" in l.params),
            to_manual=lambda m: dict(in_channels=m.in_channels, out_channels=m.out_channels, kernel_size=m.kernel_size,
                                     stride=m.stride, padding=m.padding, dilation=m.dilation, bias=m.bias is not None),
            refuse=_conv_refusal, takes_dtype=True),
    LayerOp("max_pool2d", MaxPool2d, "MaxPool2d",
            to_torch=lambda l: dict(kernel_size=l.kernel_size, stride=l.stride, padding=l.padding, dilation=l.dilation,
                                    ceil_mode=l.ceil_mode),
            to_manual=lambda m: dict(kernel_size=m.kernel_size, stride=m.stride, padding=m.padding, dilation=m.dilation,
                                     ceil_mode=m.ceil_mode),
            refuse=lambda m: "MaxPool2d(return_indices=True) is not supported" if m.return_indices else ""),
    LayerOp("avg_pool2d", AvgPool2d, "AvgPool2d",
            to_torch=lambda l: dict(kernel_size=l.kernel_size, stride=l.stride, padding=l.padding,
                                    ceil_mode=l.ceil_mode, count_include_pad=l.count_include_pad),
            to_manual=lambda m: dict(kernel_size=m.kernel_size, stride=m.stride, padding=m.padding,
                                     ceil_mode=m.ceil_mode, count_include_pad=m.count_include_pad),
            refuse=lambda m: "" if m.divisor_override is None else "AvgPool2d(divisor_override=...) is not supported"),
    LayerOp("flatten", Flatten, "Flatten",
            to_torch=lambda l: dict(start_dim=l.start_dim, end_dim=l.end_dim),
            to_manual=lambda m: dict(start_dim=m.start_dim, end_dim=m.end_dim)),
    LayerOp("batch_norm1d", BatchNorm1d, "BatchNorm1d",
            to_torch=lambda l: dict(num_features=l.num_features, eps=l.eps, momentum=l.momentum, affine=l.affine,
                                    track_running_stats=l.track_running_stats),
            to_manual=lambda m: dict(num_features=m.num_features, eps=m.eps, momentum=m.momentum, affine=m.affine,
                                     track_running_stats=m.track_running_stats),
            takes_dtype=True),
    LayerOp("layer_norm", LayerNorm, "LayerNorm",
            to_torch=lambda l: dict(normalized_shape=l.normalized_shape, eps=l.eps,
                                    elementwise_affine=l.elementwise_affine, bias="bias" in l.params),
            to_manual=lambda m: dict(normalized_shape=m.normalized_shape, eps=m.eps,
                                     elementwise_affine=m.elementwise_affine, bias=m.bias is not None),
            takes_dtype=True),
    LayerOp("dropout", Dropout, "MaskedDropout",
            to_torch=lambda l: dict(p=l.p, seed=l.seed), to_manual=lambda m: dict(p=m.p, seed=m.seed),
            carried=("mask",)),
    LayerOp("softmax", Softmax, "Softmax", to_torch=_dim, to_manual=_dim, refuse=_implicit_dim),
    LayerOp("log_softmax", LogSoftmax, "LogSoftmax", to_torch=_dim, to_manual=_dim, refuse=_implicit_dim),
)}

LAYER_CLASSES: tuple[type, ...] = tuple(op.cls for op in REGISTRY.values())


def layer_op(layer) -> LayerOp | None:
    """The entry of the nearest registered class in type(layer)'s MRO (a learner's or a test's subclass of
    Linear is mirrored as a Linear), or None (an activation, say)."""
    by_class = {op.cls: op for op in REGISTRY.values()}
    return next((by_class[c] for c in type(layer).__mro__ if c in by_class), None)
