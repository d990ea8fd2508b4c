"""The shadow check's torch steps for K judged steps at once, for a net of Linear layers and activations
trained by plain SGD (every seed system). On a seed-sized net a step costs the overhead of ~60 torch calls
and ~190 NumPy calls (its rounding bounds), not arithmetic; stacked, each call is made once for K steps.

Each Linear is torch.baddbmm(b, a, W) over the stack (W in manual's (n_in, n_out) layout: a @ W + b, the
maths of F.linear), each activation the twin's element-wise module, then each step's own loss by the twin
loss on its slice and one backward through their sum (the steps share nothing, so each weight's gradient is
its own step's), and p' = p.add(grad, alpha=-lr), torch.optim.SGD's plain step. A stacked product sums in
another order than one matrix product: any order lies within the bounds the check allows (rounding.py's
worst-case gamma(n) holds for every order; rounding.step_bounds_stacked gives the same bounds as step_bounds).
"""
from __future__ import annotations

import numpy as np
import torch

import manual
from manual.activations import Activation
from torch_ref import target_tensor, to_tensor

from .torch_direct import run_backward

MAX_STACK = 32              # judged steps stacked for torch (and taken ahead of the first one judged), at most
STACK_ELEMENTS = 2 ** 20    # K x N x (widest layer) for torch's stack: a few MiB
BOUNDS_ELEMENTS = 2 ** 14   # the same for a stack of bounds: their float64 arrays stay in cache (~128 KiB)
PARAM_ELEMENTS = 2 ** 22    # K x (parameters): each queued step keeps its weights before and after and gradients


def stackable(net: manual.Sequential) -> bool:
    """Whether `net` is Linear layers and element-wise activations only (what torch_steps can stack)."""
    return any(isinstance(layer, manual.Linear) for layer in net.layers) and all(
        isinstance(layer, (manual.Linear, Activation)) for layer in net.layers)


def stack_size(net: manual.Sequential, X: np.ndarray, elements: int = STACK_ELEMENTS) -> int:
    """How many steps on batches like X to stack: elements / (rows x widest layer), 1 to MAX_STACK (elements:
    BOUNDS_ELEMENTS for the bounds' stacks)."""
    widest = max(max(layer.fan_in, layer.fan_out) for layer in net.layers if isinstance(layer, manual.Linear))
    weights = sum(a.size for a in net.params.values())
    return max(1, min(MAX_STACK, elements // max(1, len(X) * widest), PARAM_ELEMENTS // max(1, weights)))


def torch_steps(net: manual.Sequential, model: torch.nn.Sequential, loss_fn, lr: float,
                params: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray
                ) -> tuple[list[float], dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Torch's loss, gradients and updated parameters for K steps, step k from the weights params[name][k]
    (manual layout, stacked: (K, *shape)) on the batch (X[k], y[k]); gradients and parameters stacked."""
    stack = {n: torch.from_numpy(v).requires_grad_() for n, v in params.items()}
    h = to_tensor(X)
    for i, (layer, twin) in enumerate(zip(net.layers, model, strict=True)):
        if isinstance(layer, manual.Linear):
            h = torch.baddbmm(stack[f"{i}.bias"].unsqueeze(1), h, stack[f"{i}.weight"])
        else:
            h = twin(h)
    losses = torch.stack([loss_fn(p, t) for p, t in zip(h.unbind(0), target_tensor(y).unbind(0))])
    run_backward(losses.sum())
    with torch.no_grad():
        after = {n: p.add(p.grad, alpha=-lr).numpy() for n, p in stack.items()}
    return losses.detach().tolist(), {n: p.grad.numpy() for n, p in stack.items()}, after
