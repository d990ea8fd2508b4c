"""Tolerances, per dtype, in one place, with how they were chosen.

Every comparison measures a tensor's *relative error* as  max|manual - torch| / max|torch|  (the error of
the worst element, relative to the tensor's own scale, so near-zero entries do not explode it), and
passes when that is <= rtol.

How the numbers were chosen (measured with `python -m comparisons tolerances`, which reruns the
measurement and prints it):
- float64, one forward/backward: NumPy and torch differ only in summation order and FMA use, so the
  errors seen are a few ulps (<= ~1e-15 relative). rtol 1e-10 leaves five orders of margin for
  badly conditioned sums and still catches every real bug (the smallest seeded bug we catch is ~1e-3).
- float64 trajectories: rounding differences are amplified by training dynamics; over the seeds'
  full step counts (up to 10 000 steps) they stay below ~1e-11 (see the measurement). rtol 1e-8.
- float32, one forward/backward: ~1e-7 relative seen; rtol 1e-4.
- float32 trajectories: NumPy-float32 and torch-float32 round differently, and over thousands of steps
  the difference can grow to 1e-3 or more without either being wrong. So a float32 trajectory is judged
  against a float64 reference run from the same weights: with e_np = err(NumPy32 vs ref64) and
  e_t = err(torch32 vs ref64), it passes when e_np <= FLOAT32_FACTOR * e_t + FLOAT32_FLOOR.
  The criterion asks NumPy-float32 to be as good an approximation of exact training as torch-float32 is.
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
FLOAT32_FACTOR = 4.0   # NumPy-float32 may be this many times further from float64 than torch-float32 is
FLOAT32_FLOOR = 1e-5   # ... plus this, so that an e_t of exactly 0 does not demand perfection


def tolerance_for(dtype) -> Tolerance:
    """The Tolerance row for a dtype (float32 or float64)."""
    from manual.validate import as_float_dtype

    return TOLERANCES[as_float_dtype(dtype)]
