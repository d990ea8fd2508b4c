"""A per-step record of the float32 shadow check, for the report's plots.

The shadow check (shadow.py) judges each float32 step from the NumPy run's own weights but keeps only
each tensor's worst diff. The report draws what is judged at every step: the loss error against torch
from the same weights, its allowance, and the step's smallest margin over every tensor. The record is
taken by spying on shadow's `_ratio` (error / allowance, called once per tensor, the loss first) during
each check, inside the seed jobs of `recording_shadow()`; nothing changes for the other commands.
TODO(owner of shadow.py/seed_runs.py): a hook there (a per-step callback) would replace this spying.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass

import numpy as np

from . import seed_runs, shadow


@dataclass
class ShadowStep:
    """One judged float32 step: |L_np - L_torch| from the same weights, its allowance, and the smallest
    allowance / error over the loss, every gradient and every updated parameter (inf: all exact)."""

    step: int
    loss_error: float
    loss_allowance: float
    margin: float


class RecordingShadowCheck(shadow.ShadowCheck):
    """A ShadowCheck that also keeps a ShadowStep per judged step in `steps`."""

    last: RecordingShadowCheck | None = None    # the one made by the job running in this process

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.steps: list[ShadowStep] = []
        RecordingShadowCheck.last = self

    def check(self, k, *args, **kwargs):
        calls: list[tuple] = []
        real = shadow._ratio

        def spy(mine, theirs, allow):
            r = real(mine, theirs, allow)
            calls.append((mine, theirs, allow, r))
            return r

        shadow._ratio = spy
        try:
            diffs = super().check(k, *args, **kwargs)
        finally:
            shadow._ratio = real
        if calls:
            mine, theirs, allow, _ = calls[0]
            ratios = [r for *_, r in calls if r is not None]
            worst = max(ratios, default=np.inf)
            self.steps.append(ShadowStep(k, abs(float(mine) - float(theirs)), float(allow),
                                         np.inf if worst == 0 else 1.0 / worst))
        return diffs


def _recording_job(job):
    """seed_runs' job with the recording shadow; a float32 row comes back with `shadow_steps` set."""
    seed_runs.ShadowCheck, RecordingShadowCheck.last = RecordingShadowCheck, None
    try:
        result = _REAL_JOB(job)
    finally:
        seed_runs.ShadowCheck = shadow.ShadowCheck
    if RecordingShadowCheck.last is not None and isinstance(result, seed_runs.SystemResult):
        result.shadow_steps = RecordingShadowCheck.last.steps
    return result


_REAL_JOB = seed_runs._job


@contextlib.contextmanager
def recording_shadow():
    """Inside the block, seed_runs.run_jobs records every float32 row's shadow steps (also in its workers,
    which are forked inside the block)."""
    seed_runs._job = _recording_job
    try:
        yield
    finally:
        seed_runs._job = _REAL_JOB


def shadow_steps(result) -> list[ShadowStep] | None:
    """The per-step record of a row, or None when it was run without recording_shadow()."""
    return getattr(result, "shadow_steps", None)
