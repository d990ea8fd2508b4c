"""Calling a learner's layer functions: copies go in, exceptions become findings with the learner's own
file:line (as calls.invoke does for a grad_fn), the arrays passed are compared with snapshots afterwards,
and the return value is parsed and copied at once (a buffer returned by reference is judged as returned).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .calls import call_learner, describe
from .layer_check_probes import LayerProbe


@dataclass(eq=False)
class LayerCall:
    """One call: forward (out and cache, or loss and grads for a loss) or backward (grads)."""

    probe: LayerProbe
    stage: str                        # "forward" | "backward"
    raw: Any = None
    error: BaseException | None = None
    where: str = ""
    mutated: list[str] = field(default_factory=list)
    config: dict | None = None        # the config dict passed, as the learner left it
    args: list = field(default_factory=list)   # the arrays passed to forward (a cache may hold them)
    out: np.ndarray | None = None     # forward's output, or a loss's value (0-d)
    cache: Any = None
    grads: dict[str, np.ndarray] | None = None
    problem: str | None = None        # what is wrong with the structure of the return value

    @property
    def ok(self) -> bool:
        return self.error is None and self.problem is None


def run(fn, args: list, names: list[str]) -> tuple[Any, BaseException | None, str, list[str]]:
    """(returned, exception or LearnerEvent, where, names of the array arguments it changed); a None name
    is not watched (the learner's own cache)."""
    before = [a.copy() if isinstance(a, np.ndarray) else None for a in args]
    raw, error, where = call_learner(lambda: fn(*args))
    mutated = [n for n, a, b in zip(names, args, before)
               if n and b is not None and not (a.shape == b.shape and np.array_equal(a, b, equal_nan=True))]
    return raw, error, where, mutated


def array(x) -> np.ndarray | None:
    """A copy of x as an array of numbers, or None."""
    try:
        a = np.array(x, copy=True)
    except Exception:  # ragged lists and the like
        return None
    return a if a.dtype.kind in "fiub" else None


def parse_pair(raw, what: str, first: str, second: str) -> tuple[Any, Any, str | None]:
    if not (isinstance(raw, (tuple, list)) and len(raw) == 2):
        return None, None, f"{what} must return ({first}, {second}); got {describe(raw)}"
    return raw[0], raw[1], None


def parse_grads(raw, names: tuple[str, ...], what: str) -> tuple[dict | None, str | None]:
    """backward's return: a tuple of arrays in `names` order (a bare array when there is one)."""
    items = [raw] if len(names) == 1 and not isinstance(raw, (tuple, list)) else raw
    if not isinstance(items, (tuple, list)) or len(items) != len(names):
        want = names[0] if len(names) == 1 else f"({', '.join(names)})"
        return None, f"{what} must return {want}; got {describe(raw)}"
    out = {}
    for n, item in zip(names, items):
        a = array(item)
        if a is None:
            return None, f"{n} (returned by {what}) is not an array of numbers; got {describe(item)}"
        out[n[1:]] = a
    return out, None


def call_forward(fn, probe: LayerProbe, *, is_loss: bool, grads: tuple[str, ...], what: str) -> LayerCall:
    """forward(*arrays, config) -> (out, cache); a loss's (loss, dx)."""
    call = LayerCall(probe, "forward")
    args = call.args = probe.args()
    call.config = args[-1] if probe.config is not None else None
    call.raw, call.error, call.where, call.mutated = run(fn, args, list(probe.arrays))
    if call.error is not None:
        return call
    first, second, call.problem = parse_pair(call.raw, what, "loss" if is_loss else "out",
                                             grads[0] if is_loss else "cache")
    if call.problem is None:
        call.out = array(first)
        if call.out is None or (is_loss and call.out.size != 1):
            call.problem = f"the {'loss' if is_loss else 'output'} (first item returned by {what}) must be " \
                           f"{'a number' if is_loss else 'an array'}; got {describe(first)}"
        elif is_loss:
            call.out = call.out.reshape(())
            call.grads, call.problem = parse_grads(second, grads, what)
        else:
            call.cache = second
    return call


def call_backward(fn, forward: LayerCall, dout: np.ndarray, *, grads: tuple[str, ...], what: str) -> LayerCall:
    """backward(dout, cache) -> grads, with the cache forward returned."""
    call = LayerCall(forward.probe, "backward")
    call.raw, call.error, call.where, call.mutated = run(fn, [dout.copy(), forward.cache], ["dout", None])
    later = [n for n, a in zip(forward.probe.arrays, forward.args) if not np.array_equal(a, forward.probe.arrays[n])]
    call.mutated += [f"{n} (passed to forward, changed by backward)" for n in later if n not in forward.mutated]
    if call.error is None:
        call.grads, call.problem = parse_grads(call.raw, grads, what)
    return call
