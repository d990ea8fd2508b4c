"""What travels between the check and the learner's worker process, and how.

Messages are tuples of plain values (numbers, strings, lists, tuples, NumPy arrays of numbers), pickled.
The worker turns whatever the learner returns into such values first (`plain`): arrays are copied at
return time, anything else becomes an Opaque naming its type. The check unpickles the worker's answers
with `loads`, which refuses every global but NumPy's array and scalar rebuilders and Opaque, so nothing
the learner's process sends can run code in the check's process.
"""
from __future__ import annotations

import io
import pickle

import numpy as np

MAX_DEPTH = 8          # nested lists/tuples kept in a returned value; deeper ones become an Opaque
MAX_TEXT = 200         # characters kept of a returned string


class Opaque:
    """A returned value that is no number, array, list or tuple: kept only as its description."""

    def __init__(self, text: str):
        self.text = text   # 'a dict', 'an ndarray of shape (2,) and dtype object'

    def __repr__(self) -> str:
        return f"<{self.text}>"

    def __reduce__(self):
        return Opaque, (self.text,)


def _numeric(a: np.ndarray) -> bool:
    return a.dtype.kind in "biufc"


def plain(x, depth: int = 0):
    """x as plain values, every array copied (so later changes by the learner do not show)."""
    if x is None or type(x) in (bool, int, float, complex):
        return x
    if isinstance(x, str):
        return x[:MAX_TEXT]
    if isinstance(x, (np.ndarray, np.generic)):
        if _numeric(np.asarray(x)):
            return np.array(x, copy=True, subok=False) if isinstance(x, np.ndarray) else x
        return Opaque(f"an ndarray of shape {np.shape(x)} and dtype {np.asarray(x).dtype}")
    for number in (bool, int, float, complex):   # subclasses (an IntEnum, ...): their value
        if isinstance(x, number):
            return number(x)
    if isinstance(x, (list, tuple)):
        if depth >= MAX_DEPTH:
            return Opaque(f"a {type(x).__name__} nested more than {MAX_DEPTH} deep")
        items = [plain(item, depth + 1) for item in x]
        return items if isinstance(x, list) else tuple(items)
    if hasattr(x, "__array__") or hasattr(x, "__array_interface__"):
        try:
            arr = np.array(x, copy=True, subok=False)
        except Exception:   # its conversion fails: described like any other object
            arr = None
        if arr is not None and _numeric(arr):
            return arr
    return Opaque(f"a {type(x).__name__}")


def describe_exception(exc: BaseException) -> tuple[str, str]:
    """(type name, message) of an exception raised by the learner, even one whose __str__ fails."""
    try:
        message = str(exc)
    except Exception:
        message = "<the exception's message could not be printed>"
    return type(exc).__name__, message


class LearnerError(Exception):
    """An exception raised by the learner's code in its worker process, rebuilt here under its own type
    name and message (its class may exist only in the learner's file). `learner_where` is its line."""

    learner_where = ""


_ERROR_CLASSES: dict[str, type] = {}


def rebuild_exception(type_name: str, message: str, where: str) -> LearnerError:
    """A LearnerError subclass named `type_name`, so reports read 'ValueError: ...' as they would in-process."""
    cls = _ERROR_CLASSES.get(type_name)
    if cls is None:
        cls = _ERROR_CLASSES[type_name] = type(type_name, (LearnerError,), {"__module__": "learner"})
    exc = cls(message)
    exc.learner_where = where
    return exc


_ALLOWED = {
    ("numpy", "ndarray"), ("numpy", "dtype"), ("builtins", "complex"),
    ("numpy._core.numeric", "_frombuffer"), ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.multiarray", "_reconstruct"), ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "scalar"), ("numpy.core.multiarray", "scalar"),
    ("comparisons.learner.wire", "Opaque"),
}


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a worker's answer")
        return super().find_class(module, name)


def dumps(message) -> bytes:
    return pickle.dumps(message, protocol=5)


def loads(data: bytes):
    """A worker's answer: plain values only (see the module docstring)."""
    return _Unpickler(io.BytesIO(data)).load()
