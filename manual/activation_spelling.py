"""An activation and its parameters from one spelling, the same in Python and on the command line:

    leaky_relu                    the defaults (torch's)
    leaky_relu:0.05               values in declared order: softplus:2:30, hardtanh:-2:2, gelu:tanh
    leaky_relu(negative_slope=0.05)   or positional, leaky_relu(0.05); keywords after positionals
"""
from __future__ import annotations

import math
import re
from functools import lru_cache

from .activation_op import ActivationOp, ChosenActivation, Params
from .activation_registry import REGISTRY
from .errors import ParityInputError, UnknownNameError

_CALL = re.compile(r"^\s*([A-Za-z_]\w*)\s*\((.*)\)\s*$", re.S)


def forms(op: ActivationOp) -> str:
    """How `op` may be written, with its defaults as the example."""
    if not op.params:
        return op.name
    values = ":".join(str(v) for v in op.params.values())
    kw = ", ".join(f"{k}={v!r}" for k, v in op.params.items())
    return f"{op.name}, {op.name}:{values} or {op.name}({kw})"


def _value(op: ActivationOp, name: str, raw, text: str):
    default = op.params[name]
    if isinstance(default, str):
        value = str(raw).strip().strip("'\"")
        allowed = op.choices.get(name)
        if allowed and value not in allowed:
            raise ParityInputError(f"activation {text!r}: {name} must be one of {', '.join(allowed)}, got "
                                   f"{value!r}; write {forms(op)}")
        return value
    try:
        value = float(raw.strip()) if isinstance(raw, str) else float(raw)
    except (TypeError, ValueError):
        value = math.nan
    if isinstance(raw, bool) or not math.isfinite(value):
        raise ParityInputError(f"activation {text!r}: {name} must be a finite number, got {raw!r}; "
                               f"write {forms(op)}")
    return value


def choose(op: ActivationOp, *args, text: str = "", **kwargs) -> ChosenActivation:
    """op with these values (positional in declared order, then keywords), checked as torch checks them."""
    text = text or op.name
    names = list(op.params)
    if len(args) > len(names):
        takes = f"{len(names)} parameter(s) ({', '.join(names)})" if names else "no parameters"
        raise ParityInputError(f"activation {text!r}: {op.name} takes {takes}, got {len(args)}; "
                               f"write {forms(op)}")
    given = dict(zip(names, args))
    for k, v in kwargs.items():
        if k not in op.params or k in given:
            why = "given twice" if k in given else f"not a parameter of {op.name} ({', '.join(names) or 'none'})"
            raise ParityInputError(f"activation {text!r}: {k} is {why}; write {forms(op)}")
        given[k] = v
    values = tuple(_value(op, k, given.get(k, d), text) for k, d in op.params.items())
    problem = op.check(Params(zip(names, values)))
    if problem:
        raise ParityInputError(f"activation {text!r}: {problem}")
    return ChosenActivation(op, values)


def lookup_op(name: str, text: str = "") -> ActivationOp:
    """The registry's entry for `name`, or an UnknownNameError listing every name and the spelling."""
    key = name.strip().lower()
    if key not in REGISTRY:
        raise UnknownNameError(f"unknown activation {text or name!r}; known: {', '.join(REGISTRY)} (parameters "
                               f"as leaky_relu:0.05 or leaky_relu(negative_slope=0.05))")
    return REGISTRY[key]


def _call_args(inner: str) -> tuple[list[str], dict[str, str]]:
    args, kwargs = [], {}
    for item in (s for s in inner.split(",") if s.strip()):
        if "=" in item:
            k, v = item.split("=", 1)
            kwargs[k.strip()] = v
        elif kwargs:
            raise ValueError("a positional value after a keyword")
        else:
            args.append(item)
    return args, kwargs


def parse_activation(spelling) -> ChosenActivation:
    """'leaky_relu:0.05' -> leaky_relu with negative_slope 0.05 (forms: module docstring). A
    ChosenActivation passes through."""
    if isinstance(spelling, ChosenActivation):
        return spelling
    if not isinstance(spelling, str) or not spelling.strip():
        raise ParityInputError(f"an activation is a name such as 'relu' or 'leaky_relu:0.05', got {spelling!r}")
    return _parse(spelling)


@lru_cache(maxsize=512)
def _parse(spelling: str) -> ChosenActivation:
    call = _CALL.match(spelling)
    if call:
        op = lookup_op(call.group(1), spelling)
        try:
            args, kwargs = _call_args(call.group(2))
        except ValueError as exc:
            raise ParityInputError(f"activation {spelling!r}: {exc}; write {forms(op)}") from None
        return choose(op, *args, text=spelling, **kwargs)
    name, *args = spelling.split(":")
    return choose(lookup_op(name, spelling), *args, text=spelling)


def split_activations(text: str) -> list[str]:
    """'relu,softplus(beta=2, threshold=20)' -> ['relu', 'softplus(beta=2, threshold=20)']: commas inside
    parentheses stay."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0:
            out.append(text[start:i].strip())
            start = i + 1
    return out + [text[start:].strip()]
