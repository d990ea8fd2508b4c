"""Tolerances, per dtype, in one place, with how they were chosen.

Every comparison against a tolerance measures a tensor's *relative error*, max|manual - torch| / scale,
where the scale is the tensor's largest magnitude: within one step max|torch|; along a trajectory the
largest magnitude the tensor has had in the reference run so far (so a loss that has fallen to 1e-12 of
its start, or a parameter passing near zero, is not held to digits relative to its own tiny value: its
rounding error scales with what it was). It passes when that is <= rtol.

How the numbers were chosen (`python -m comparisons tolerances` reruns the measurement on random correct
networks and prints it; `python -m comparisons seeds` prints the seeds' figures and every row's margin,
allowance / error):
- float64, one forward/backward: NumPy and torch differ only in summation order, FMA use and 1-2 ulp
  differences in exp/tanh, so the errors are a few ulps: measured max 5.4e-15 on random networks,
  8e-15 on the seed networks. rtol 1e-10 leaves five orders of margin for badly conditioned sums and is
  still far below the smallest real bug we catch (~1e-3).
- float64 trajectories: rounding differences are amplified by training. Measured max 5.8e-16 on
  300-step random runs; over the seeds' full step counts at most 3.6e-11 (001, 10 000 steps), margins
  65-280 there under every OpenBLAS kernel, 1e4 and more elsewhere. rtol 1e-8.
- float32, one forward/backward: measured max 1.8e-6; rtol 1e-4.
- float32 trajectories are judged step by step (comparisons/parity/shadow.py): at each step torch takes the
  step from the NumPy run's own weights on the same batch, and the NumPy run's loss, every gradient and
  every updated parameter must agree with torch's element by element within the allowance of
  comparisons/parity/rounding.py: twice a first-order rounding bound computed from the magnitudes before
  cancellation (gamma(n) = n u for an n-term sum; the residual yhat - y carries the forward error, so a
  loss set by cancellation is allowed what its rounding allows; a ReLU mask within rounding of its kink
  may flip; 4 ulps for exp/tanh/log; 8 u of |p'| for the update). No tolerance is tuned here: the bound
  is derived, and a test checks it is a bound (NumPy-float32 and torch-float32 each within it of float64,
  on random networks and every loss). Measured margins (allowance / error): >= 4.2 on random networks
  (median 4.5); on the seeds >= 4.0 under every OpenBLAS kernel this CPU runs (SkylakeX, Haswell,
  Sandybridge, Nehalem, Core2: `python -m comparisons seeds --kernels all`), set by the update's last-bit
  rounding (the parameter margin is 4-5 by construction; loss and gradients keep 10-250) and, on
  002, by a LeakyReLU mask flip (allowed at KINK_JUMPS = 2 jumps, so a flip shows as margin 4). A 1%
  error in one layer's gradient is 300-3000x its allowance at step 0 on every seed system.
  Every step of the first SHADOW_EVERY_STEP is judged, then every `stride`-th (the 10 000-step run).
  Why not whole runs: two float32 runs drift apart over thousands of steps without either being wrong
  (001's 10 000-step run: both up to 9% from float64), and the ratio of the two drifts, which the
  previous criterion judged, measured 2.4 to 9.7 depending on the machine's BLAS kernel, while a real
  1% gradient error stayed inside torch-float32's own drift. The drift of both float32 runs from a
  float64 run is still reported (seeds table, `traj` column), not judged. (The float32 `trajectory`
  rtol below is used only for a float32 run compared without the shadow check.)

Learner checks (LEARNER, used by comparisons.learner.checks) judge someone else's code, which may sum in another
order, use einsum, fold the sigmoid derivative into BCE (p - y), or rescale a half-sum gradient by 2/N.
Those are all correct and must pass, while every classic bug changes a gradient by a factor (2, N, -1, a
mask) or more. So the learner tolerances sit halfway, in log scale, between rounding and the smallest bug:
- errors are measured against the tensor's magnitude before cancellation, max(|A|.T @ |delta|) for dW and
  max(sum |delta|) for db, |delta| propagated in absolute values: a gradient that is small because its
  terms cancel is not held to digits it cannot have (its rounding error scales with the terms). The
  magnitude also carries what two correct codes may disagree on in f' itself: 4 eps for sigmoid/tanh
  near saturation, a flipped ReLU mask where z is within rounding of 0 (learner/reference.py: Pass.magnitudes);
- float64: rtol 1e-7 (rounding is ~1e-15; CS231n's "good" band ends at 1e-7);
- float32: rtol 1e-3 (rounding is ~1e-6 relative, more near tanh/sigmoid saturation, where 1 - a**2 cancels);
- a step_fn is judged by the gradient its update implies, g = (p - p_new) / lr, whose rounding adds
  2 eps max|p| / lr: that term is added to the allowed error (LEARNER_UPDATE_ROUNDING);
- steps in a row (a trajectory) are judged one step at a time, each from the learner's own parameters,
  by the same implied-gradient rule (LEARNER.trajectory = LEARNER.step): whole trajectories compared at
  the end amplify rounding (lr 0.5 on a summed loss turns 1e-7 into 1e-3 within 5 float32 steps), and a
  learner check must never false-alarm; runaway training (parameters 1e4 times their start, or
  non-finite, in torch) is the lr's fault and is not compared further;
- finite differences of the learner's own loss (manual.gradcheck's routine: central, h = eps ** (1/3), CS231n's
  symmetric relative error above the rounding floor) pass at rel 1e-5 (LEARNER_FD);
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
LEARNER_FD = {"rtol": 1e-5}  # h: manual.gradcheck.step_size
STABILISER = 1e-4  # a learner's loss value this close to torch's (relative), every gradient matching, passes with
                   # a note: log(p + 1e-7) or clipping, not a backprop bug (float64; float32's rtol is above it)
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
