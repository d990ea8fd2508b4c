"""float32 and float64, the two dtypes both sides run in, named in NumPy and in torch."""
from __future__ import annotations

import numpy as np
import torch

from manual.errors import DTypeError

TORCH_DTYPES = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}


def torch_dtype(dtype) -> torch.dtype:
    try:
        return TORCH_DTYPES[np.dtype(dtype)]
    except (KeyError, TypeError) as exc:
        raise DTypeError(f"unsupported dtype {dtype!r}: use float32 or float64") from exc


def numpy_dtype(dtype: torch.dtype) -> np.dtype:
    for np_dt, t_dt in TORCH_DTYPES.items():
        if t_dt == dtype:
            return np_dt
    raise DTypeError(f"unsupported torch dtype {dtype}: use torch.float32 or torch.float64")
