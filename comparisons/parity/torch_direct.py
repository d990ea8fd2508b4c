"""Torch's forward, loss and backward called directly, without the Python wrappers between a call and its op:
the same ops on the same tensors, so the same values bit for bit (tests/comparisons/test_trajectory.py), for
the trainers' steps on seed-sized nets, where those wrappers took a quarter of a step. Each applies only where
it adds nothing to what is computed (no hooks, the plain cases); else the usual call is made."""
from __future__ import annotations

from collections.abc import Callable

import torch
import torch.autograd.graph as _graph
from torch.nn.modules import module as _module

_HOOKS = ("forward_hooks", "forward_pre_hooks", "backward_hooks", "backward_pre_hooks")


def hooked(modules) -> bool:
    """Whether a forward or backward hook is registered globally or on any of `modules` (then calling a
    module adds to what its forward computes, and only module(x) is the same)."""
    return any(getattr(_module, f"_global_{kind}", None) for kind in _HOOKS) or any(
        getattr(m, f"_{kind}", None) for m in modules for kind in _HOOKS)


def direct_layers(model: torch.nn.Module) -> list[Callable[[torch.Tensor], torch.Tensor]] | None:
    """What an nn.Sequential's layers compute, as calls made directly in turn, when no forward or backward hook
    is registered on them or globally (then module(x) adds nothing to it: the same ops, the same values,
    without nn.Module.__call__'s hook machinery, ~10 us a layer); else None. A Linear is F.linear on its weight
    and bias, a ReLU torch.relu (what their forward calls, without its Python wrapper), any other layer its
    forward. The parameters are looked up once: they must be updated in place (as every step here does)."""
    if type(model) is not torch.nn.Sequential:
        return None
    layers = list(model)
    if hooked(layers) or any(len(m._modules) for m in layers):
        return None
    return [_direct_call(layer) for layer in layers]


def _direct_call(layer: torch.nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
    if type(layer) is torch.nn.Linear:
        weight, bias = layer.weight, layer.bias
        return lambda x: torch.nn.functional.linear(x, weight, bias)
    if type(layer) is torch.nn.ReLU and not layer.inplace:
        return torch.relu
    return layer.forward


def forward(model: torch.nn.Module, layers: list[Callable] | None, x: torch.Tensor) -> torch.Tensor:
    """model(x); with `layers` (direct_layers(model)), each layer's call in turn: the same ops."""
    if layers is None:
        return model(x)
    for call in layers:
        x = call(x)
    return x


def direct_loss(loss_fn: torch.nn.Module) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """loss_fn(a, b) as a direct call: an nn.MSELoss as torch._C._nn.mse_loss on a and b of one shape (F.mse_loss
    checks the shapes, broadcasts them to themselves and makes that call), any other loss module without hooks
    its forward; loss_fn itself when a hook is registered on it or globally."""
    if not isinstance(loss_fn, torch.nn.Module) or hooked([loss_fn]):
        return loss_fn
    if type(loss_fn) is torch.nn.MSELoss and loss_fn.reduction in ("mean", "sum", "none") and \
            getattr(loss_fn, "weight", None) is None:
        reduction = torch.nn._reduction.get_enum(loss_fn.reduction)
        mse = torch._C._nn.mse_loss

        def mse_loss(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
            if a.shape != b.shape or type(a) is not torch.Tensor or type(b) is not torch.Tensor:
                return loss_fn.forward(a, b)      # F.mse_loss: its warning, broadcasting, torch_function
            return mse(a, b, reduction)
        return mse_loss
    return loss_fn.forward


def run_backward(value: torch.Tensor) -> None:
    """value.backward() for a scalar loss: what torch.autograd.backward hands the autograd engine (the output,
    a gradient of ones like it, no graph kept), without the wrapper's argument handling; anything else (not a
    plain tensor, no graph, not one element) through value.backward(), with its checks and errors."""
    if type(value) is not torch.Tensor or value.grad_fn is None or value.numel() != 1 or _engine is None:
        value.backward()
        return
    _engine((value,), (torch.ones_like(value, memory_format=torch.preserve_format),), False, False, (),
            allow_unreachable=True, accumulate_grad=True)


_engine = getattr(_graph, "_engine_run_backward", None)     # what torch.autograd.backward calls (torch >= 2.2)
