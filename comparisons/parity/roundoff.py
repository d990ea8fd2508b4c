"""The constants of floating-point rounding every bound in rounding*.py is built from."""
from __future__ import annotations

import numpy as np

TRANSCENDENTAL_ULPS = 8.0   # exp/tanh/log/erf: 4 ulps (8 u) covers libm and vectorised kernels
KINK_JUMPS = 2.0            # a mask that flips at a kink counts this many jumps: the jump plus the rounding it rides on


def unit_roundoff(dtype) -> float:
    """u = 2**-24 for float32, 2**-53 for float64."""
    return float(np.finfo(np.dtype(dtype)).eps) / 2


def gamma(n: int, u: float) -> float:
    """n u / (1 - n u): the worst relative error of summing n products in floating point."""
    return n * u / (1 - n * u)
