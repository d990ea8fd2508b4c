"""How a message names the caller's arguments: output='sigmoid' from Python, --output sigmoid from the
command line. The check command switches to its flags with `speaking_cli()`; everything else speaks Python.
"""
from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

_STYLE: contextvars.ContextVar[str] = contextvars.ContextVar("argument_style", default="python")
_UNSET = object()


def arg(name: str, value: object = _UNSET) -> str:
    """arg("output", "sigmoid") -> "output='sigmoid'" or "--output sigmoid"; arg("lr") -> "lr" or "--lr"."""
    if _STYLE.get() == "cli":
        flag = "--" + name.replace("_", "-")
        if value is _UNSET:
            return flag
        shown = ",".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
        return f"{flag} {shown}"
    if value is _UNSET:
        return name
    return f"{name}={value!r}"


def cli_style() -> bool:
    """True while messages speak command-line flags."""
    return _STYLE.get() == "cli"


@contextlib.contextmanager
def speaking_cli() -> Iterator[None]:
    """Messages raised inside the block name --flags instead of keyword arguments."""
    token = _STYLE.set("cli")
    try:
        yield
    finally:
        _STYLE.reset(token)
