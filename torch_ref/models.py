"""torch.nn twins of whole manual networks, and manual networks from torch ones, with identical weights
(each layer's twin: layers.py, from the registries; the copies: weights.py; optimizers: optim.py)."""
from __future__ import annotations

from torch import nn

import manual
from manual.errors import ArchitectureMismatch

from .layers import manual_layer, torch_layer, torch_layer_kind
from .losses import HalfSumLoss, mirror_loss
from .optim import mirror_optimizer, mirror_scheduler
from .tensors import Device, to_tensor, torch_device
from .weights import copy_into_manual, copy_into_torch, torch_dtype


def mirror(net: manual.Sequential, device: Device = None) -> nn.Sequential:
    """nn.Sequential with the same layers, identical weights and buffers, the same dtype and training mode as
    `net`; built on the CPU, then moved to `device` if one is given ('cuda', 'cuda:1', a torch.device: a
    ParityInputError names one torch cannot compute on here, 'meta' included)."""
    dev = None if device is None else torch_device(device)     # checked before anything is built
    model = nn.Sequential(*[torch_layer(layer) for layer in net.layers]).to(torch_dtype(net.dtype))
    model = copy_into_torch(net, model)
    return model if dev is None else model.to(dev)


def manual_from_torch(model: nn.Sequential) -> manual.Sequential:
    """A manual network with model's layers and model's exact weights (so parity can start from torch's
    own initialisation)."""
    layers = []
    for i, mod in enumerate(model.children()):
        try:
            layers.append(manual_layer(mod))
        except ArchitectureMismatch as exc:
            raise ArchitectureMismatch(f"layer {i}: {exc}") from None
    return copy_into_manual(model, manual.Sequential(*layers))


__all__ = ["HalfSumLoss", "copy_into_manual", "manual_from_torch", "mirror", "mirror_loss",
           "mirror_optimizer", "mirror_scheduler", "to_tensor", "torch_layer", "torch_layer_kind"]
