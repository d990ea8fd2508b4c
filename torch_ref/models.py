"""torch.nn twins of manual networks and losses (optimizers: optim.py, re-exported here)."""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

import manual
from manual import ACTIVATION_REGISTRY, ChosenActivation, make_activation
from manual.activation_spelling import choose
from manual.activations import Activation
from manual.network import LAYERS
from manual.errors import ArchitectureMismatch

from .layers import MaskedDropout, describe_torch, manual_twin, torch_twin
from .losses import HalfSumLoss, mirror_loss  # noqa: F401  (re-exported)
from .optim import mirror_optimizer, mirror_scheduler
from .tensors import to_tensor  # noqa: F401  (re-exported)
from .weights import copy_into_manual, copy_into_torch, numpy_dtype, torch_dtype


def torch_layer(layer) -> nn.Module:
    """The torch module that computes what one manual layer computes: for an activation, the registry's
    twin nn.<op.torch>(**parameters)."""
    if isinstance(layer, manual.Linear):
        return nn.Linear(layer.fan_in, layer.fan_out)
    if isinstance(layer, Activation):
        chosen = layer.chosen
        return getattr(nn, chosen.op.torch)(**chosen.p)
    if isinstance(layer, LAYERS):
        return torch_twin(layer)        # Conv2d, pools, Flatten, norms, Dropout: torch_ref/layers.py
    raise ArchitectureMismatch(f"no torch twin for layer {layer!r}")


TWINNED = (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d, nn.Flatten, nn.BatchNorm1d, nn.LayerNorm, MaskedDropout)


def _registered(mod: nn.Module):
    """The registry's entry whose twin `mod` is, or None."""
    return next((op for op in ACTIVATION_REGISTRY.values() if type(mod) is getattr(nn, op.torch)), None)


def _chosen(mod: nn.Module, op) -> ChosenActivation:
    return choose(op, **{k: getattr(mod, k) for k in op.params})


def torch_layer_kind(mod: nn.Module) -> str:
    """Describe a torch module the way manual layers describe themselves (parameters included, so the
    architecture check compares them exactly)."""
    if isinstance(mod, nn.Linear):
        return f"Linear {mod.in_features}->{mod.out_features}" + ("" if mod.bias is not None else " without bias")
    if isinstance(mod, TWINNED):
        return describe_torch(mod)
    op = _registered(mod)
    return _chosen(mod, op).describe() if op else type(mod).__name__


def mirror(net: manual.Sequential) -> nn.Sequential:
    """nn.Sequential with the same layers, identical weights and buffers, the same dtype and training mode as
    `net`."""
    model = nn.Sequential(*[torch_layer(layer) for layer in net.layers]).to(torch_dtype(net.dtype))
    return copy_into_torch(net, model)


def manual_from_torch(model: nn.Sequential) -> manual.Sequential:
    """A manual network with model's layers and model's exact weights (so parity can start from torch's
    own initialisation)."""
    layers = []
    for i, mod in enumerate(model.children()):
        if isinstance(mod, nn.Linear):
            if mod.bias is None:
                raise ArchitectureMismatch(f"layer {i}: nn.Linear without bias has no manual twin")
            layers.append(manual.Linear(mod.in_features, mod.out_features, dtype=numpy_dtype(mod.weight.dtype)))
        elif _registered(mod):
            layers.append(make_activation(_chosen(mod, _registered(mod))))
        elif isinstance(mod, TWINNED):
            layers.append(manual_twin(mod))     # its training mode too
        else:
            raise ArchitectureMismatch(f"layer {i}: torch module {type(mod).__name__} has no manual twin")
    return copy_into_manual(model, manual.Sequential(*layers))


__all__ = ["HalfSumLoss", "copy_into_manual", "manual_from_torch", "mirror", "mirror_loss",
           "mirror_optimizer", "mirror_scheduler", "to_tensor", "torch_layer", "torch_layer_kind"]
