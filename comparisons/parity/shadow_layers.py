"""What a step's layers hold beside parameters, carried into the shadow check's torch twin before it steps.

A Dropout twin takes the mask the NumPy layer drew for this very step (its own generator would fall out of
step as soon as the shadow check skips a step, and an unseeded one never matches); a BatchNorm1d twin takes
the NumPy layer's running buffers and every twin its training mode. In evaluation the buffers are the ones
the step reads; in training they are not read (the batch statistics are), so carrying them after the NumPy
update changes nothing torch computes.
"""
from __future__ import annotations

import torch

import manual
from manual.dropout import Dropout
from torch_ref.weights import copy_buffers_into_torch


def carry_layer_state(net: manual.Sequential, model: torch.nn.Sequential) -> None:
    """Copy each Dropout's last mask, each BatchNorm1d's buffers and every layer's mode from `net` into `model`."""
    for layer, mod in zip(net.layers, model):
        if hasattr(layer, "training"):
            mod.train(layer.training)
        if isinstance(layer, Dropout) and layer.last_mask is not None:
            mod.mask = layer.last_mask
    copy_buffers_into_torch(net, model)
