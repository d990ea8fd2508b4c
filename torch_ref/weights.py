"""The one boundary where layouts meet: whole networks' parameters and buffers copied both ways. Which arrays
change layout is the layer registry's (manual/layer_registry.py `transposed`: Linear's weight, (fan_in, fan_out)
in manual and (fan_out, fan_in) in torch); every other array is in torch's layout already."""
from __future__ import annotations

import numpy as np
import torch

from manual import Sequential
from manual.errors import ArchitectureMismatch
from manual.layer_registry import REGISTRY as LAYER_REGISTRY
from manual.validate import check_array

from .dtypes import torch_dtype
from .layers import OWN_TWINS, torch_layer_kind

# the torch classes whose parameters of these names are stored transposed, from the registry
TRANSPOSED = {(OWN_TWINS.get(op.torch) or getattr(torch.nn, op.torch)): op.transposed
              for op in LAYER_REGISTRY.values() if op.transposed}


def is_transposed(name: str, value, model: torch.nn.Module | None = None) -> bool:
    """Whether the array `name` differs in layout between manual and torch. With `model`, decided by the
    registry's entry for the module owning it; without, by the name and a 2-D value (right for every layer
    but a LayerNorm whose normalized_shape is 2-D: pass the model there)."""
    owner, _, key = name.rpartition(".")
    if model is None:
        return any(key in keys for keys in TRANSPOSED.values()) and np.ndim(value) == 2
    return key in TRANSPOSED.get(type(model.get_submodule(owner)), ())


def to_torch_layout(name: str, value: np.ndarray, model: torch.nn.Module | None = None) -> np.ndarray:
    """manual array -> the array torch stores under the same name (an nn.Linear weight transposed)."""
    return value.T if is_transposed(name, value, model) else value


def to_manual_layout(name: str, value: np.ndarray, model: torch.nn.Module | None = None) -> np.ndarray:
    """torch array -> the array manual stores under the same name."""
    return np.ascontiguousarray(value.T) if is_transposed(name, value, model) else value


def check_same_architecture(net: Sequential, model: torch.nn.Sequential) -> None:
    """Raise ArchitectureMismatch naming the first layer where `net` and `model` differ."""
    mods = list(model.children()) if isinstance(model, torch.nn.Sequential) else None
    if mods is None:
        raise ArchitectureMismatch(f"expected a torch.nn.Sequential, got {type(model).__name__}")
    if len(mods) != len(net.layers):
        raise ArchitectureMismatch(f"NumPy net has {len(net.layers)} layers ({net.describe()}), "
                                   f"torch model has {len(mods)}")
    for i, (layer, mod) in enumerate(zip(net.layers, mods)):
        want, got = layer.describe(), torch_layer_kind(mod)
        if want != got:
            raise ArchitectureMismatch(f"layer {i}: NumPy net has {want}, torch model has {got}")


def copy_into_torch(net: Sequential, model: torch.nn.Sequential) -> torch.nn.Sequential:
    """Copy every NumPy parameter and buffer into the torch model (same names, torch layout, net's dtype)."""
    check_same_architecture(net, model)
    state = model.state_dict()
    dt = torch_dtype(net.dtype)
    with torch.no_grad():
        for name, value in net.params.items():
            check_array(f"parameter {name}", value)
            state[name].copy_(torch.from_numpy(np.ascontiguousarray(to_torch_layout(name, value, model))).to(dt))
    copy_buffers_into_torch(net, model, state)
    return model


def copy_buffers_into_torch(net: Sequential, model: torch.nn.Sequential, state: dict | None = None) -> None:
    """Copy every NumPy buffer (BatchNorm1d's running statistics) into the torch model, by state_dict name."""
    if not net.buffers:
        return
    state = model.state_dict() if state is None else state
    with torch.no_grad():
        for name, value in net.buffers.items():
            state[name].copy_(torch.from_numpy(np.array(value)))     # np.array keeps a 0-d count


def copy_into_manual(model: torch.nn.Sequential, net: Sequential) -> Sequential:
    """Copy the torch model's parameters and buffers into the NumPy net, converting layout (and dtype, to
    net's)."""
    check_same_architecture(net, model)
    state = model.state_dict()
    net.set_params({name: to_manual_layout(name, state[name].detach().cpu().numpy(), model).astype(net.dtype)
                    for name in net.params})
    for name, value in net.buffers.items():
        value[...] = state[name].detach().cpu().numpy()
    return net
