"""Optimizers and learning-rate schedules with torch.optim's names, arguments and defaults; step(net)
updates net.params in place from net.grads, in torch's single-tensor order of operations."""
from __future__ import annotations

from ..validate import lookup
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .base import Optimizer
from .lr_scheduler import CosineAnnealingLR, LRScheduler, StepLR
from .rmsprop import RMSprop
from .sgd import SGD

OPTIMIZERS = {"sgd": SGD, "adam": Adam, "adamw": AdamW, "rmsprop": RMSprop, "adagrad": Adagrad}


def make_optimizer(name: str, **kwargs) -> Optimizer:
    """An optimizer by name (sgd, adam, adamw, rmsprop, adagrad) with torch's keyword arguments."""
    return lookup("optimizer", name, OPTIMIZERS)(**kwargs)


__all__ = ["OPTIMIZERS", "Adagrad", "Adam", "AdamW", "CosineAnnealingLR", "LRScheduler", "Optimizer", "RMSprop",
           "SGD", "StepLR", "make_optimizer"]
