"""torch.optim twins of manual optimizers and schedules: same class name, same hyper-parameters, the
single-tensor implementation (foreach=False) whose order of operations manual/optim follows."""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

import manual
from manual.errors import ArchitectureMismatch

from .weights import to_torch_layout

_TWINS = {manual.SGD: torch.optim.SGD, manual.Adam: torch.optim.Adam, manual.AdamW: torch.optim.AdamW,
          manual.RMSprop: torch.optim.RMSprop, manual.Adagrad: torch.optim.Adagrad}


def _state_tensor(key: str, value, name: str, model: nn.Module) -> torch.Tensor:
    if key == "step":
        return torch.tensor(float(value), dtype=torch.get_default_dtype())
    device = model.get_parameter(name).device        # the parameter's device (a CUDA mirror's state goes there too)
    return torch.from_numpy(np.ascontiguousarray(to_torch_layout(name, value, model))).clone().to(device)


def mirror_optimizer(opt: manual.Optimizer, model: nn.Module) -> torch.optim.Optimizer:
    """The torch optimizer of the same class with opt's hyper-parameters over model.parameters(), and
    opt's state (step counts, buffers) copied in, so a mirror may start mid-run."""
    twin = _TWINS.get(type(opt))
    if twin is None:
        raise ArchitectureMismatch(f"no torch twin for optimizer {opt!r}")
    kwargs = opt.hyperparameters()
    if twin is not torch.optim.SGD:
        kwargs["foreach"] = False
    torch_opt = twin(model.parameters(), **kwargs)
    params = dict(model.named_parameters())
    for name, state in opt.state.items():
        if state:
            torch_opt.state[params[name]] = {k: _state_tensor(k, v, name, model) for k, v in state.items()}
    return torch_opt


def mirror_scheduler(sched: manual.LRScheduler, torch_opt: torch.optim.Optimizer):
    """torch's StepLR / CosineAnnealingLR with sched's arguments on torch_opt, stepped as often as sched has
    been, so both give the same lr from here on (torch_opt's lr is first reset to sched's base lr)."""
    for group in torch_opt.param_groups:
        group["lr"] = sched.base_lr
        group.pop("initial_lr", None)
    if isinstance(sched, manual.StepLR):
        twin = torch.optim.lr_scheduler.StepLR(torch_opt, sched.step_size, gamma=sched.gamma)
    elif isinstance(sched, manual.CosineAnnealingLR):
        twin = torch.optim.lr_scheduler.CosineAnnealingLR(torch_opt, sched.T_max, eta_min=sched.eta_min)
    else:
        raise ArchitectureMismatch(f"no torch twin for schedule {sched!r}")
    for _ in range(sched.last_epoch):
        torch_opt._opt_called = True  # the order is right: no "step() before optimizer.step()" warning
        twin.step()
    return twin


__all__ = ["mirror_optimizer", "mirror_scheduler"]
