"""A step's tensors laid end to end in one float64 vector, so that element-wise arithmetic over all of them is
one NumPy call instead of one per tensor (on a seed-sized net the per-call overhead, not the arithmetic,
is what a per-step check costs)."""
from __future__ import annotations

import numpy as np


class FlatLayout:
    """Names, shapes and offsets of a fixed set of tensors (each with at least one element)."""

    def __init__(self, shapes: dict[str, tuple[int, ...]]):
        self.shapes = {n: tuple(s) for n, s in shapes.items()}
        sizes = [int(np.prod(s)) for s in self.shapes.values()]
        if not sizes or min(sizes) < 1:
            raise ValueError(f"every tensor needs an element to be laid flat, got {self.shapes}")
        stops = np.cumsum(sizes)
        self.starts = stops - sizes
        self.slices = {n: slice(int(a), int(b)) for n, a, b in zip(self.shapes, self.starts, stops)}

    def join(self, arrays: dict[str, np.ndarray]) -> np.ndarray | None:
        """The arrays (by name, each of its layout shape) in one float64 vector; None if a name is missing or a
        shape differs (the caller then looks at them one by one)."""
        parts = []
        for name, shape in self.shapes.items():
            a = arrays.get(name)
            if a is None or np.shape(a) != shape:
                return None
            parts.append(np.ravel(a))
        return np.concatenate(parts, dtype=np.float64)

    def join_stacked(self, arrays: dict[str, np.ndarray]) -> np.ndarray:
        """K steps' arrays (each (K, *shape)) as K rows of join's vector: (K, total size), float64."""
        k = len(next(iter(arrays.values())))
        return np.concatenate([np.reshape(arrays[n], (k, -1)) for n in self.shapes], axis=1, dtype=np.float64)

    def max_each(self, v: np.ndarray) -> dict[str, float]:
        """max over each tensor's elements of v (NaN if one is NaN), by name."""
        return dict(zip(self.shapes, np.maximum.reduceat(v, self.starts).tolist()))

    def piece(self, v: np.ndarray, name: str) -> np.ndarray:
        """Tensor `name`'s elements of v, in its shape (a view)."""
        return v[self.slices[name]].reshape(self.shapes[name])
