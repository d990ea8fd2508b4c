"""A run's steps recorded where it ran (another process) and given back step by step: the seeds job records
torch's run and the float64 twin of each float32 row apart from the judged run, and joins them after. No torch
here: the float64 twins are recorded in a process forked before torch is imported (seed_twins.py)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .manual_trainer import Trainer

Batch = tuple[np.ndarray, np.ndarray]
Data = Batch | Callable[[int], Batch]


def batch_of(data: Data, k: int) -> Batch:
    """Step k's batch: data(k), or data itself for one full batch."""
    return data(k) if callable(data) else data


def as_float64(y: np.ndarray) -> np.ndarray:
    """Float targets in float64 for the float64 run; class indices stay integers."""
    return y if y.dtype.kind in "iu" else y.astype(np.float64)


@dataclass
class Recording:
    """A reference run recorded where it ran (another process): the loss of every step, the parameters after
    every stride-th step and the last; what a Replay gives back, in the same order, to add_references."""

    losses: list
    params: dict[int, dict[str, np.ndarray]]


def record_run(trainer: Trainer, data: Data, *, steps: int, stride: int, float64: bool = False) -> Recording:
    """The steps of `trainer` on data (each batch cast to float64 first when `float64`: a float32 run's
    float64 twin), as add_references reads them, up to the first with a non-finite loss (a run that
    blew up: the judged run has usually stopped by then; where it has not, the caller reruns it)."""
    rec = Recording([], {})
    with np.errstate(all="ignore"):
        for k in range(steps):
            X, y = batch_of(data, k)
            value = trainer.step(X.astype(np.float64), as_float64(y)) if float64 else trainer.step(X, y)
            rec.losses.append(value)
            if k % stride == 0 or k == steps - 1:
                rec.params[k] = trainer.params()
            if value is not None and not np.isfinite(value):
                break
    return rec


class Replay:
    """A Trainer that gives back a Recording step by step (steps taken: `taken`)."""

    def __init__(self, rec: Recording):
        self.rec, self.taken = rec, 0

    def step(self, X, y):
        self.taken += 1
        return self.rec.losses[self.taken - 1]

    def params(self):
        return self.rec.params[self.taken - 1]
