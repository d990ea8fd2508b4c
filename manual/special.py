"""Special functions NumPy lacks, element-wise, in the array's dtype."""
from __future__ import annotations

import math

import numpy as np

_ERF = np.frompyfunc(math.erf, 1, 1)


def erf(x: np.ndarray) -> np.ndarray:
    """erf(x) = 2/sqrt(pi) * integral_0^x exp(-t**2) dt, by the C library's erf (within 1 ulp in float64),
    computed in float64 and rounded once to x's dtype. ~0.1 us an element: enough for parity and learner
    checks, not for wide training runs."""
    x = np.asarray(x)
    return _ERF(x.astype(np.float64)).astype(np.float64).astype(x.dtype, copy=False)
