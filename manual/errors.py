"""Errors raised on bad input. Each names the problem; none is silent."""
from __future__ import annotations


class ParityInputError(ValueError):
    """Base class: the input given to manual/, torch_ref/ or comparisons/ is unusable."""


class ShapeError(ParityInputError):
    """An array has the wrong shape (message names the array, expected and actual shape)."""


class DTypeError(ParityInputError, TypeError):
    """An array has the wrong dtype, or two arrays that must agree do not."""


class NonFiniteError(ParityInputError):
    """An array holds NaN or Inf where finite numbers are required."""


class ArchitectureMismatch(ParityInputError):
    """Two networks (NumPy and torch, or two NumPy nets) do not have the same layers."""


class UnknownNameError(ParityInputError, KeyError):
    """An activation, loss, initialiser or seed name is not registered."""

    def __str__(self) -> str:  # KeyError would quote the message; keep it readable
        return str(self.args[0]) if self.args else ""
