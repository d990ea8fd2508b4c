"""torch.nn twins of whole manual networks, and manual networks from torch ones, with identical weights
(each layer's twin: layers.py, from the registries; the copies: weights.py; optimizers: optim.py)."""
from __future__ import annotations

from torch import nn

import manual
from manual.errors import ArchitectureMismatch

from .layers import manual_layer, torch_layer, torch_layer_kind
from .losses import HalfSumLoss, mirror_loss
from .optim import mirror_optimizer, mirror_scheduler
from .tensors import to_tensor
from .weights import copy_into_manual, copy_into_torch, torch_dtype


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
        try:
            layers.append(manual_layer(mod))
        except ArchitectureMismatch as exc:
            raise ArchitectureMismatch(f"layer {i}: {exc}") from None
    return copy_into_manual(model, manual.Sequential(*layers))


__all__ = ["HalfSumLoss", "copy_into_manual", "manual_from_torch", "mirror", "mirror_loss",
           "mirror_optimizer", "mirror_scheduler", "to_tensor", "torch_layer", "torch_layer_kind"]
