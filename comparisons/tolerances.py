"""Tolerances, per dtype, in one place, with how they were chosen.

Every comparison measures a tensor's *relative error* as  max|manual - torch| / max|torch|  (the error of
the worst element, relative to the tensor's own scale, so near-zero entries do not explode it), and
passes when that is <= rtol.

How the numbers were chosen (`python -m comparisons tolerances` reruns the measurement on random correct
networks and prints it; `python -m comparisons seeds` prints the seeds' figures):
- float64, one forward/backward: NumPy and torch differ only in summation order, FMA use and 1-2 ulp
  differences in exp/tanh, so the errors are a few ulps: measured max 5.4e-15 on random networks,
  8e-15 on the seed networks. rtol 1e-10 leaves five orders of margin for badly conditioned sums and is
  still far below the smallest real bug we catch (~1e-3).
- float64 trajectories: rounding differences are amplified by training. Measured max 8.1e-14 on
  300-step random runs; over the seeds' full step counts, parameters stay within 7e-12 and the loss
  within 1.1e-9 (001 over 10 000 steps: once the fit is good the loss is a difference of nearly equal
  numbers, which magnifies relative error). rtol 1e-8.
- float32, one forward/backward: measured max 1.8e-6; rtol 1e-4.
- float32 trajectories: NumPy-float32 and torch-float32 round differently, and over thousands of steps
  the difference grows (2e-5 on 300-step random runs, 5e-2 on 001's 10 000 steps) without either being
  wrong. So a float32 trajectory is judged against a float64 run from the same weights: per tensor, with
  e_np = err(NumPy32 vs f64) and e_t = err(torch32 vs f64), maxima over the whole run, it passes when
  max e_np <= FLOAT32_FACTOR * max e_t + FLOAT32_FLOOR: NumPy-float32 must approximate exact training as
  well as torch-float32 does. The maxima are taken over the run, not step by step, because a float32 run
  may cross a ReLU kink a few steps before the other (seen on 001); a bug keeps e_np far above anything
  torch-float32 reaches. Measured max e_np / e_t: 1.96 (median 1.00) on random runs; on the seeds 3.1,
  for the per-step loss of 001's mixed network (one-sample losses that get tiny late in training, where
  a relative error is mostly cancellation: torch-float32's own is 9e-2 there), 2.9 for bp_neural_network's
  0.bias, at most 1.5 elsewhere. FLOAT32_FACTOR 4. (The float32 `trajectory` rtol below is used only when no float64 run is given.)

Learner checks (LEARNER, used by comparisons.checks) judge someone else's code, which may sum in another
order, use einsum, fold the sigmoid derivative into BCE (p - y), or rescale a half-sum gradient by 2/N.
Those are all correct and must pass, while every classic bug changes a gradient by a factor (2, N, -1, a
mask) or more. So the learner tolerances sit halfway, in log scale, between rounding and the smallest bug:
- errors are measured against the tensor's magnitude before cancellation, max(|A|.T @ |delta|) for dW and
  max(sum |delta|) for db, |delta| propagated in absolute values: a gradient that is small because its
  terms cancel is not held to digits it cannot have (its rounding error scales with the terms). The
  magnitude also carries what two correct codes may disagree on in f' itself: 4 eps for sigmoid/tanh
  near saturation, a flipped ReLU mask where z is within rounding of 0 (mutants.Pass.magnitudes);
- float64: rtol 1e-7 (rounding is ~1e-15; CS231n's "good" band ends at 1e-7);
- float32: rtol 1e-3 (rounding is ~1e-6 relative, more near tanh/sigmoid saturation, where 1 - a**2 cancels);
- a step_fn is judged by the gradient its update implies, g = (p - p_new) / lr, whose rounding adds
  2 eps max|p| / lr: that term is added to the allowed error (LEARNER_UPDATE_ROUNDING);
- steps in a row (a trajectory) are judged one step at a time, each from the learner's own parameters,
  by the same implied-gradient rule (LEARNER.trajectory = LEARNER.step): whole trajectories compared at
  the end amplify rounding (lr 0.5 on a summed loss turns 1e-7 into 1e-3 within 5 float32 steps), and a
  learner check must never false-alarm; runaway training (parameters 1e4 times their start, or
  non-finite, in torch) is the lr's fault and is not compared further;
- finite differences of the learner's own loss (central, h = 1e-6) pass at rel 1e-5 (LEARNER_FD);
- a diagnosis (a hypothesised bug reproducing the learner's numbers) uses the same rtol as the check.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Tolerance:
    """rtol for one forward/backward and for trajectories, for one dtype."""

    step: float
    trajectory: float


TOLERANCES = {
    np.dtype(np.float64): Tolerance(step=1e-10, trajectory=1e-8),
    np.dtype(np.float32): Tolerance(step=1e-4, trajectory=1e-2),
}
LEARNER = {
    np.dtype(np.float64): Tolerance(step=1e-7, trajectory=1e-7),
    np.dtype(np.float32): Tolerance(step=1e-3, trajectory=1e-3),
}
LEARNER_UPDATE_ROUNDING = 2.0  # allowed extra error of an implied gradient: this many eps * max|p| / lr
LEARNER_FD = {"h": 1e-6, "rtol": 1e-5}
SHADOW_EVERY_STEP = 1000  # float32 trajectories: the shadow check judges every step of the first 1000, then
                          # every `stride`-th (the main job's time: 001's 10 000-step run)


def tolerance_for(dtype) -> Tolerance:
    """The Tolerance row for a dtype (float32 or float64)."""
    from manual.validate import as_float_dtype

    return TOLERANCES[as_float_dtype(dtype)]


def learner_tolerance(dtype) -> Tolerance:
    """The LEARNER row for a dtype: how close a learner's own backprop must come to torch."""
    from manual.validate import as_float_dtype

    return LEARNER[as_float_dtype(dtype)]
