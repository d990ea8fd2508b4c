"""NumPy arrays into torch tensors, for inputs and for loss targets."""
from __future__ import annotations

import numpy as np
import torch

from .weights import torch_dtype


def to_tensor(a: np.ndarray) -> torch.Tensor:
    """NumPy -> torch, same dtype, no copy of meaning (float32 stays float32)."""
    torch_dtype(a.dtype)  # raises on unsupported dtypes
    return torch.from_numpy(np.ascontiguousarray(a))


def target_tensor(y: np.ndarray, dtype: torch.dtype | None = None) -> torch.Tensor:
    """A loss target for torch: class indices (an integer array) as int64, as torch's classification losses
    take them; float targets in `dtype` (their own if None)."""
    if y.dtype.kind in "iu":
        return torch.from_numpy(y.astype(np.int64))
    t = to_tensor(y)
    return t if dtype is None else t.to(dtype)
