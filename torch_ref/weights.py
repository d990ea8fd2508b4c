"""The one boundary where layouts meet: manual keeps a Linear's W as (fan_in, fan_out), torch as (fan_out, fan_in);
every other layer's arrays are in torch's layout already."""
from __future__ import annotations

import numpy as np
import torch

from manual import Sequential
from manual.errors import ArchitectureMismatch, DTypeError
from manual.validate import check_array

TORCH_DTYPES = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}


def torch_dtype(dtype) -> torch.dtype:
    try:
        return TORCH_DTYPES[np.dtype(dtype)]
    except (KeyError, TypeError) as exc:
        raise DTypeError(f"unsupported dtype {dtype!r}: use float32 or float64") from exc


def numpy_dtype(dtype: torch.dtype) -> np.dtype:
    for np_dt, t_dt in TORCH_DTYPES.items():
        if t_dt == dtype:
            return np_dt
    raise DTypeError(f"unsupported torch dtype {dtype}: use torch.float32 or torch.float64")


def is_linear_weight(name: str, value, model: torch.nn.Module | None = None) -> bool:
    """Whether `name` is an nn.Linear's weight, the only array whose layout differs. With `model`, decided by
    the module owning it; without, by the name and a 2-D value (right for every layer but a LayerNorm whose
    normalized_shape is 2-D: pass the model there)."""
    if not (name == "weight" or name.endswith(".weight")):
        return False
    if model is None:
        return np.ndim(value) == 2
    return isinstance(model.get_submodule(name.rpartition(".")[0]), torch.nn.Linear)


def to_torch_layout(name: str, value: np.ndarray, model: torch.nn.Module | None = None) -> np.ndarray:
    """manual array -> the array torch stores under the same name (an nn.Linear weight transposed)."""
    return value.T if is_linear_weight(name, value, model) else value


def to_manual_layout(name: str, value: np.ndarray, model: torch.nn.Module | None = None) -> np.ndarray:
    """torch array -> the array manual stores under the same name."""
    return np.ascontiguousarray(value.T) if is_linear_weight(name, value, model) else value


def check_same_architecture(net: Sequential, model: torch.nn.Sequential) -> None:
    """Raise ArchitectureMismatch naming the first layer where `net` and `model` differ."""
    from .models import torch_layer_kind  # local: models imports this module

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
        for name, value in net.buffers.items():
            state[name].copy_(torch.from_numpy(np.array(value)))     # np.array keeps a 0-d count
    return model


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
