"""Small input checks shared by every layer, loss and harness entry point."""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .errors import DTypeError, NonFiniteError, ShapeError, UnknownNameError

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def as_float_dtype(dtype) -> np.dtype:
    """Normalise a dtype argument; only float32 and float64 are supported."""
    try:
        dt = np.dtype(dtype)
    except TypeError as exc:
        raise DTypeError(f"unsupported dtype {dtype!r}: use np.float32 or np.float64") from exc
    if dt not in FLOAT_DTYPES:
        raise DTypeError(f"unsupported dtype {dt}: use float32 or float64")
    return dt


def check_array(name: str, a, *, dtype=None, ndim: int | None = None,
                shape: tuple | None = None, finite: bool = True) -> np.ndarray:
    """Return `a` as an ndarray after checking it; raise a named error otherwise.

    `shape` may hold None for "any size" in that axis.
    """
    if not isinstance(a, np.ndarray):
        raise DTypeError(f"{name} must be a NumPy array, got {type(a).__name__}")
    if dtype is not None and a.dtype != np.dtype(dtype):
        raise DTypeError(f"{name} has dtype {a.dtype}, expected {np.dtype(dtype)} "
                         f"(convert it explicitly with .astype; nothing is promoted silently)")
    if ndim is not None and a.ndim != ndim:
        raise ShapeError(f"{name} must be {ndim}-D, got shape {a.shape}")
    if shape is not None:
        if a.ndim != len(shape) or any(s is not None and s != t for s, t in zip(shape, a.shape)):
            want = "(" + ", ".join("N" if s is None else str(s) for s in shape) + ")"
            raise ShapeError(f"{name} has shape {a.shape}, expected {want}")
    if finite and a.dtype.kind in "fc" and not np.isfinite(a).all():
        bad = np.argwhere(~np.isfinite(a))
        idx = tuple(int(i) for i in bad[0])
        raise NonFiniteError(f"{name} holds {len(bad)} non-finite value(s), first {a[idx]} at index {idx}")
    return a


def lookup(kind: str, name: str, registry: dict):
    """registry[name], or an UnknownNameError listing the known names."""
    key = name.lower() if isinstance(name, str) else name
    if key not in registry:
        known = ", ".join(sorted(registry))
        raise UnknownNameError(f"unknown {kind} {name!r}; known: {known}")
    return registry[key]


def check_same_keys(what: str, have: Iterable[str], want: Iterable[str]) -> None:
    have, want = list(have), list(want)
    if set(have) != set(want):
        missing = [k for k in want if k not in have]
        extra = [k for k in have if k not in want]
        raise ShapeError(f"{what}: missing {missing}, unexpected {extra}")
