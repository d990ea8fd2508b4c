"""The torch twin of any manual layer and the manual twin of a torch module, read from the two registries
(manual/activation_registry.py, manual/layer_registry.py), with parameters, buffers and training mode copied
both ways.

Every array keeps torch's layout in manual too (Conv2d's weight is (out, in, kh, kw) on both sides), except
the names an entry lists as `transposed`: Linear's weight, (fan_in, fan_out) in manual.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from manual import ACTIVATION_REGISTRY, make_activation
from manual.activation_spelling import choose
from manual.activations import Activation
from manual.dropout import check_p, draw_mask
from manual.errors import ArchitectureMismatch
from manual.layer_registry import REGISTRY as LAYER_REGISTRY
from manual.layer_registry import LayerOp, layer_op

from .dtypes import torch_dtype


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
            return x * torch.zeros((), dtype=x.dtype, device=x.device)
        mask = self.mask if mask is None else mask
        keep = draw_mask(self.rng, tuple(x.shape), self.p) if mask is None else np.asarray(mask, bool)
        noise = torch.from_numpy(np.ascontiguousarray(keep)).to(x.device, x.dtype).div_(1 - self.p)  # on x's device
        return x * noise


OWN_TWINS = {"MaskedDropout": MaskedDropout}    # twins torch.nn lacks, by the name a registry entry gives


def _torch_class(name: str) -> type:
    return OWN_TWINS[name] if name in OWN_TWINS else getattr(nn, name)


def _activation_op(mod: nn.Module):
    return next((op for op in ACTIVATION_REGISTRY.values() if type(mod) is getattr(nn, op.torch)), None)


def _layer_op(mod: nn.Module) -> LayerOp | None:
    return next((op for op in LAYER_REGISTRY.values() if type(mod) is _torch_class(op.torch)), None)


def _chosen(mod: nn.Module, op):
    """The activation with the torch module's parameter values (checked as torch checks them)."""
    return choose(op, **{k: getattr(mod, k) for k in op.params})


def _dtype(layer) -> torch.dtype | None:
    values = [*layer.params.values(), *getattr(layer, "buffers", {}).values()]
    floats = [v.dtype for v in values if v.dtype.kind == "f"]
    return torch_dtype(floats[0]) if floats else None


def _numpy_dtype(mod: nn.Module) -> np.dtype:
    floats = [t.dtype for t in mod.state_dict().values() if t.is_floating_point()]
    return np.dtype(str(floats[0]).removeprefix("torch.")) if floats else np.dtype(np.float64)


def torch_layer(layer) -> nn.Module:
    """The torch module computing what `layer` computes, in its dtype, holding a copy of its parameters,
    buffers, training mode and carried attributes: for an activation nn.<op.torch>(**its parameters)."""
    if isinstance(layer, Activation):
        chosen = layer.chosen
        return getattr(nn, chosen.op.torch)(**chosen.p)
    op = layer_op(layer)
    if op is None:
        raise ArchitectureMismatch(f"no torch twin for layer {layer!r}: it is in neither registry "
                                   "(manual/activation_registry.py, manual/layer_registry.py)")
    mod = _torch_class(op.torch)(**op.to_torch(layer))
    for name in op.carried:
        setattr(mod, name, getattr(layer, name))
    dt = _dtype(layer)
    mod = mod.to(dt) if dt is not None else mod
    mod.train(getattr(layer, "training", True))
    return copy_layer_into_torch(layer, mod)


def _refusal(mod: nn.Module, op: LayerOp | None) -> str:
    return "it is in neither of manual's registries" if op is None else op.refuse(mod)


def _bare_manual(mod: nn.Module, op: LayerOp):
    """The manual layer built from the module's constructor arguments (nothing copied yet)."""
    kwargs = op.to_manual(mod)
    if op.takes_dtype:
        kwargs["dtype"] = _numpy_dtype(mod)
    return op.cls(**kwargs)


def manual_layer(mod: nn.Module):
    """The manual layer for a torch module, with its parameters, buffers and training mode copied."""
    act = _activation_op(mod)
    if act is not None:
        return make_activation(_chosen(mod, act))
    op = _layer_op(mod)
    why = _refusal(mod, op)
    if why:
        raise ArchitectureMismatch(f"torch module {type(mod).__name__} has no manual twin ({why})")
    layer = _bare_manual(mod, op)
    for name in op.carried:
        setattr(layer, name, getattr(mod, name))
    if hasattr(layer, "train"):
        layer.train(mod.training)
    return copy_layer_into_manual(mod, layer)


def torch_layer_kind(mod: nn.Module) -> str:
    """Describe a torch module the way its manual twin's describe() does (parameters included, so the
    architecture check compares them exactly); a module without a twin by its class and the reason."""
    act = _activation_op(mod)
    if act is not None:
        return _chosen(mod, act).describe()
    op = _layer_op(mod)
    why = _refusal(mod, op)
    if op is None:
        return type(mod).__name__
    return f"{type(mod).__name__} ({why})" if why else _bare_manual(mod, op).describe()


def layout_to_torch(layer, key: str, value: np.ndarray) -> np.ndarray:
    """manual array -> torch's array under the same name (transposed where the entry says so)."""
    op = layer_op(layer)
    return value.T if op is not None and key in op.transposed else value


def layout_to_manual(layer, key: str, value: np.ndarray) -> np.ndarray:
    """torch array -> manual's array under the same name."""
    op = layer_op(layer)
    return np.ascontiguousarray(value.T) if op is not None and key in op.transposed else value


def layer_state(layer) -> dict[str, np.ndarray]:
    """Parameters and buffers by torch's state_dict key ('weight', 'running_mean', ...)."""
    return {**layer.params, **getattr(layer, "buffers", {})}


def _same_keys(layer, values: dict, state: dict) -> None:
    if set(values) != set(state):
        raise ArchitectureMismatch(f"{layer.describe()}: manual holds {sorted(values)}, torch {sorted(state)}")


def copy_layer_into_torch(layer, mod: nn.Module) -> nn.Module:
    """Copy every parameter and buffer of `layer` into `mod` (names checked both ways)."""
    state, values = mod.state_dict(), layer_state(layer)
    _same_keys(layer, values, state)
    with torch.no_grad():
        for key, value in values.items():
            state[key].copy_(torch.from_numpy(np.array(layout_to_torch(layer, key, value))))  # np.array keeps 0-d
    return mod


def copy_layer_into_manual(mod: nn.Module, layer):
    """Copy every parameter and buffer of `mod` into `layer` in place (dtype converted to the layer's)."""
    state, values = mod.state_dict(), layer_state(layer)
    _same_keys(layer, values, state)
    for key, tensor in state.items():
        values[key][...] = layout_to_manual(layer, key, tensor.detach().cpu().numpy())
    return layer


# the names the layer tests use
torch_twin, manual_twin, describe_torch = torch_layer, manual_layer, torch_layer_kind

__all__ = ["MaskedDropout", "copy_layer_into_manual", "copy_layer_into_torch", "describe_torch", "layer_state",
           "layout_to_manual", "layout_to_torch", "manual_layer", "manual_twin", "torch_layer", "torch_layer_kind",
           "torch_twin"]
