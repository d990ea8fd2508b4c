"""Whether a step's loss and tensors are all finite, in one reduction per tensor."""
from __future__ import annotations

import math

import numpy as np

_ALL = np.logical_and.reduce     # what ndarray.all() calls, without its Python wrapper (twice per step per tensor)
_SUM = np.add.reduce


def all_finite(values: dict[str, np.ndarray], loss) -> bool:
    """Whether the loss and every element are finite. A finite sum says so in one pass (an inf or a NaN
    makes the sum inf or NaN); only a sum that is not (a real inf or NaN, or an overflow) is looked at element
    by element."""
    if not (loss is None or np.isfinite(loss)):
        return False
    with np.errstate(over="ignore", invalid="ignore"):
        base = _one_base(values)
        if base is not None and math.isfinite(_SUM(base, axis=None)):
            return True      # every value is a view of one finite array (an MLP's flat parameters)
        return all(math.isfinite(_SUM(v, axis=None)) or _ALL(np.isfinite(v), axis=None) for v in values.values())


def _one_base(values: dict[str, np.ndarray]) -> np.ndarray | None:
    """The array every value is a view of, when there is one (then a finite sum over it says all are finite)."""
    base = None
    for v in values.values():
        b = v.base
        if b is None or (base is not None and b is not base):
            return None
        base = b
    return base if base is not None and type(base) is np.ndarray else None
