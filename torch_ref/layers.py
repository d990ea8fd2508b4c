"""torch twins of manual's Conv2d, pools, Flatten, BatchNorm1d, LayerNorm and Dropout, and their weights
copied both ways (parameters and buffers).

Every layer here keeps torch's own layout (Conv2d's weight is (out, in, kh, kw) in manual too), so no
array is transposed: only Linear's weight is, in weights.py (to_torch_layout decides by the owning module, or
without the model by "a 2-D weight").
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from manual.conv import Conv2d, describe_conv
from manual.dropout import Dropout, check_p, draw_mask
from manual.errors import ArchitectureMismatch
from manual.flatten import Flatten
from manual.norm import BatchNorm1d, LayerNorm
from manual.pool import AvgPool2d, MaxPool2d

from .weights import torch_dtype


class MaskedDropout(nn.Module):
    """torch twin of manual.dropout.Dropout: y = x * (mask / (1 - p)) in training, as torch's dropout kernel
    computes it (x * 0 for p == 1, x for p == 0 and in eval), with the mask taken from NumPy: forward(x, mask=),
    else the fixed `self.mask`, else draw_mask from its own np.random.default_rng(seed), which draws the same
    masks as a manual Dropout built with the same seed, call for call."""

    def __init__(self, p: float = 0.5, *, seed: int | None = None):
        super().__init__()
        self.p, self.seed = check_p(p), seed
        self.rng = np.random.default_rng(seed)
        self.mask: np.ndarray | None = None

    def forward(self, x: torch.Tensor, mask: np.ndarray | None = None) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        if self.p == 1.0:
            return x * torch.zeros((), dtype=x.dtype)
        mask = self.mask if mask is None else mask
        keep = draw_mask(self.rng, tuple(x.shape), self.p) if mask is None else np.asarray(mask, bool)
        noise = torch.from_numpy(np.ascontiguousarray(keep)).to(x.dtype).div_(1 - self.p)
        return x * noise


def _dtype(layer) -> torch.dtype | None:
    values = [*layer.params.values(), *getattr(layer, "buffers", {}).values()]
    floats = [v.dtype for v in values if v.dtype.kind == "f"]
    return torch_dtype(floats[0]) if floats else None


def torch_twin(layer) -> nn.Module:
    """The torch module computing what `layer` computes, in its dtype, holding a copy of its parameters,
    buffers and training mode."""
    if isinstance(layer, Conv2d):
        mod = nn.Conv2d(layer.in_channels, layer.out_channels, layer.kernel_size, layer.stride, layer.padding,
                        layer.dilation, bias="bias" in layer.params)
    elif isinstance(layer, MaxPool2d):
        mod = nn.MaxPool2d(layer.kernel_size, layer.stride, layer.padding, layer.dilation, ceil_mode=layer.ceil_mode)
    elif isinstance(layer, AvgPool2d):
        mod = nn.AvgPool2d(layer.kernel_size, layer.stride, layer.padding, layer.ceil_mode, layer.count_include_pad)
    elif isinstance(layer, Flatten):
        mod = nn.Flatten(layer.start_dim, layer.end_dim)
    elif isinstance(layer, BatchNorm1d):
        mod = nn.BatchNorm1d(layer.num_features, layer.eps, layer.momentum, layer.affine, layer.track_running_stats)
    elif isinstance(layer, LayerNorm):
        mod = nn.LayerNorm(layer.normalized_shape, layer.eps, layer.elementwise_affine, bias="bias" in layer.params)
    elif isinstance(layer, Dropout):
        mod = MaskedDropout(layer.p, seed=layer.seed)
        mod.mask = layer.mask
    else:
        raise ArchitectureMismatch(f"torch_ref/layers.py has no twin for {type(layer).__name__}")
    dt = _dtype(layer)
    mod = mod.to(dt) if dt is not None else mod
    mod.train(getattr(layer, "training", True))
    return copy_layer_into_torch(layer, mod)


def describe_torch(mod: nn.Module) -> str:
    """What the manual twin's describe() says, from the torch module (for an architecture check)."""
    if isinstance(mod, nn.Conv2d):
        return describe_conv(mod.in_channels, mod.out_channels, mod.kernel_size, mod.stride, mod.padding,
                             mod.dilation, mod.bias is not None)
    if isinstance(mod, (nn.MaxPool2d, nn.AvgPool2d, nn.Flatten, nn.BatchNorm1d, nn.LayerNorm, MaskedDropout)):
        return manual_twin(mod).describe()
    raise ArchitectureMismatch(f"torch_ref/layers.py has no manual twin for {type(mod).__name__}")


def manual_twin(mod: nn.Module):
    """The manual layer for a torch module (parameters and buffers copied, training mode too)."""
    if isinstance(mod, nn.Conv2d):
        if mod.groups != 1 or mod.padding_mode != "zeros" or isinstance(mod.padding, str):
            raise ArchitectureMismatch(f"{mod}: manual Conv2d takes groups=1, zeros padding given as numbers")
        layer = Conv2d(mod.in_channels, mod.out_channels, mod.kernel_size, mod.stride, mod.padding, mod.dilation,
                       bias=mod.bias is not None, dtype=_numpy_dtype(mod))
    elif isinstance(mod, nn.MaxPool2d):
        layer = MaxPool2d(mod.kernel_size, mod.stride, mod.padding, mod.dilation, ceil_mode=mod.ceil_mode)
    elif isinstance(mod, nn.AvgPool2d):
        layer = AvgPool2d(mod.kernel_size, mod.stride, mod.padding, mod.ceil_mode, mod.count_include_pad)
    elif isinstance(mod, nn.Flatten):
        layer = Flatten(mod.start_dim, mod.end_dim)
    elif isinstance(mod, nn.BatchNorm1d):
        layer = BatchNorm1d(mod.num_features, mod.eps, mod.momentum, mod.affine, mod.track_running_stats,
                            dtype=_numpy_dtype(mod))
    elif isinstance(mod, nn.LayerNorm):
        layer = LayerNorm(mod.normalized_shape, mod.eps, mod.elementwise_affine, bias=mod.bias is not None,
                          dtype=_numpy_dtype(mod))
    elif isinstance(mod, MaskedDropout):
        layer = Dropout(mod.p, seed=mod.seed)
        layer.mask = mod.mask
    else:
        raise ArchitectureMismatch(f"torch module {type(mod).__name__} has no manual twin in torch_ref/layers.py")
    if hasattr(layer, "train"):
        layer.train(mod.training)
    return copy_layer_into_manual(mod, layer)


def _numpy_dtype(mod: nn.Module) -> np.dtype:
    floats = [t.dtype for t in mod.state_dict().values() if t.is_floating_point()]
    return np.dtype(str(floats[0]).removeprefix("torch.")) if floats else np.dtype(np.float64)


def layout_to_torch(layer, key: str, value: np.ndarray) -> np.ndarray:
    """manual array -> torch's array under the same name: unchanged for every layer in this module."""
    return value


def layout_to_manual(layer, key: str, value: np.ndarray) -> np.ndarray:
    """torch array -> manual's array under the same name: unchanged for every layer in this module."""
    return value


def layer_state(layer) -> dict[str, np.ndarray]:
    """Parameters and buffers by torch's state_dict key ('weight', 'running_mean', ...)."""
    return {**layer.params, **getattr(layer, "buffers", {})}


def copy_layer_into_torch(layer, mod: nn.Module) -> nn.Module:
    """Copy every parameter and buffer of `layer` into `mod` (names checked both ways)."""
    state = mod.state_dict()
    values = layer_state(layer)
    if set(values) != set(state):
        raise ArchitectureMismatch(f"{layer.describe()}: manual holds {sorted(values)}, torch {sorted(state)}")
    with torch.no_grad():
        for key, value in values.items():
            state[key].copy_(torch.from_numpy(np.array(layout_to_torch(layer, key, value))))  # np.array keeps 0-d
    return mod


def copy_layer_into_manual(mod: nn.Module, layer):
    """Copy every parameter and buffer of `mod` into `layer` in place (dtype converted to the layer's)."""
    values = layer_state(layer)
    state = mod.state_dict()
    if set(values) != set(state):
        raise ArchitectureMismatch(f"{layer.describe()}: manual holds {sorted(values)}, torch {sorted(state)}")
    for key, tensor in state.items():
        values[key][...] = layout_to_manual(layer, key, tensor.detach().cpu().numpy())
    return layer


__all__ = ["MaskedDropout", "copy_layer_into_manual", "copy_layer_into_torch", "describe_torch", "layer_state",
           "layout_to_manual", "layout_to_torch", "manual_twin", "torch_twin"]
