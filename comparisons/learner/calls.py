"""Calling a learner's code safely, and reading what it returns.

Copies go in (in the learner's layout), exceptions are caught with the learner's own file:line, the
inputs are compared with snapshots afterwards, and the return value is parsed: structure first
((loss, [(dW, db), ...]) or [(W, b), ...]), then shapes, then conversion to canonical row-major arrays.
Returned arrays are copied as they are read, so a learner that returns its own buffer (self.dW) and
changes it later is judged on what it returned. SystemExit, KeyboardInterrupt and MemoryError from the
learner's code become LearnerEvents (exited, interrupted, out_of_memory), as do the worker process's
(timed_out, crashed, ...): findings, never an escape from the check.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

import manual

from .class_adapter import LearnerSetupError  # noqa: F401 (re-exported)
from .events import CheckInterrupted, LearnerEvent, event_from
from .labels import BAD_SHAPE, BAD_STRUCTURE, BIAS_NOT_SUMMED, TRANSPOSED, produces
from .spec import LearnerSpec
from .trace import learner_location, short_path  # noqa: F401 (re-exported)
from .wire import Opaque
from ..wording import arg, cli_style
from .probes import Probe

produces(__name__, BAD_STRUCTURE, BAD_SHAPE, TRANSPOSED, BIAS_NOT_SUMMED)

Tensor = tuple[int, int]


@dataclass
class Problem:
    """What is wrong with a return value, with the label a diagnosis gives it."""

    label: str                # bad_structure | bad_shape | transposed | bias_not_summed
    message: str
    tensor: Tensor | None = None


@dataclass
class Call:
    """One call of the learner: what went in (canonical), what came out, and what happened."""

    probe: Probe                      # params, X, y (canonical row-major, spec dtype), lr
    lr: float | None = None
    index: int = 0
    raw: Any = None
    error: Exception | None = None    # what it raised, or a LearnerEvent (exited, timed out, ...)
    where: str = ""                   # the learner's file:line where it raised
    mutated: list[str] = field(default_factory=list)
    passed: list = field(default_factory=list)   # the [(W, b)] we passed, as the learner left them
    loss: float | None = None
    pairs: list | None = None         # returned arrays in the learner's layout
    problem: Problem | None = None    # structure problem (shapes are checked separately)

    @property
    def ok(self) -> bool:
        return self.error is None and self.problem is None


def to_learner(spec: LearnerSpec, params, X, y) -> tuple[list, np.ndarray, np.ndarray]:
    """Fresh copies in the learner's layout (column-major: W (out, in), b (out, 1), X (features, N))."""
    if spec.layout == "column":
        cols = manual.params_to_column_major([(np.asarray(W), np.asarray(b)) for W, b in params])
        return [tuple(p) for p in cols], manual.batch_to_column_major(X), manual.batch_to_column_major(y)
    return [(W.copy(), b.copy()) for W, b in params], X.copy(), y.copy()


def _inputs(args, X, y) -> dict[str, Any]:
    """The arrays passed, by name ('params[1][0]'), as they are now (the learner may have replaced some)."""
    out = {"X": X, "y": y}
    for k, pair in enumerate(args if isinstance(args, list) else []):
        for w, a in enumerate(pair if isinstance(pair, (list, tuple)) else ()):
            out[f"params[{k}][{w}]"] = a
    return out


def _unchanged(now, old: np.ndarray) -> bool:
    return isinstance(now, np.ndarray) and now.shape == old.shape and np.array_equal(now, old, equal_nan=True)


def invoke(fn, spec: LearnerSpec, probe: Probe, *, kind: str, params=None, lr: float | None = None,
           inplace: bool = False) -> Call:
    """Call fn(params, X, y) (kind 'grad') or fn(params, X, y, lr) (kind 'step') and record what happened.
    inplace (a step_fn whose contract is an in-place update): the params passed, as the call left them, are
    its new params."""
    call = Call(probe if params is None else probe.with_params(params, lr), lr)
    args, X, y = to_learner(spec, call.probe.params, call.probe.X, call.probe.y)
    before = {name: a.copy() for name, a in _inputs(args, X, y).items()}
    call.passed = args
    call.raw, call.error, call.where = call_learner(
        lambda: fn(args, X, y) if kind == "grad" else fn(args, X, y, lr))
    now = _inputs(args, X, y)
    call.mutated = [name for name, old in before.items() if not _unchanged(now.get(name), old)]
    if call.error is None:
        parsed = parse_grad(call.raw, spec, call) if kind == "grad" else parse_step(call.raw, spec, call, inplace)
        call.loss, call.pairs, call.problem = parsed
    return call


def call_learner(thunk) -> tuple[Any, BaseException | None, str]:
    """thunk() (a call of the learner's code) with its failures caught: (returned, the exception or
    LearnerEvent, where in the learner's code), so a failure is a finding, never a harness traceback."""
    try:
        with np.errstate(all="ignore"):
            return thunk(), None, ""
    except CheckInterrupted:  # Ctrl-C of the check itself, while the learner's process ran
        raise
    except LearnerEvent as event:  # from the learner's worker process: it says where
        return None, event, event.where
    except (SystemExit, KeyboardInterrupt, MemoryError) as exc:  # in this process: not GeneratorExit
        where = learner_location(exc)
        return None, event_from(exc, where), where
    except Exception as exc:
        setup = isinstance(exc, LearnerSetupError)   # the adapter cannot drive the object: no line of theirs
        return None, exc, "" if setup else (getattr(exc, "learner_where", "") or learner_location(exc))


def describe(x) -> str:
    """A short description of a value for messages: 'a list of 3 items', 'ndarray (3, 2)'."""
    if x is None:
        return "None"
    if isinstance(x, Opaque):   # what the worker process could only describe
        return x.text
    if isinstance(x, np.ndarray):
        return f"an ndarray of shape {x.shape}"
    if isinstance(x, (list, tuple)):
        return f"a {type(x).__name__} of {len(x)} item(s)"
    return f"a {type(x).__name__}"


def _pairs(seq, spec: LearnerSpec, what: str) -> tuple[list | None, Problem | None]:
    n = spec.n_linear
    if not isinstance(seq, (list, tuple)):
        return None, Problem(BAD_STRUCTURE, f"{what} must be a list of (W, b) pairs, one per Linear layer; "
                                              f"got {describe(seq)}")
    if len(seq) != n:
        return None, Problem(BAD_STRUCTURE, f"{what} has {len(seq)} entries, but sizes {list(spec.sizes)} "
                                              f"have {n} Linear layer(s): one (W, b) pair per layer")
    out = []
    for k, pair in enumerate(seq):
        if not (isinstance(pair, (list, tuple)) and len(pair) == 2):
            return None, Problem(BAD_STRUCTURE, f"{what}[{k}] must be a (W, b) pair; got {describe(pair)}")
        arrays = []
        for w, a in enumerate(pair):
            try:
                arr = np.array(a, copy=True)   # as returned: later changes by the learner do not count
            except Exception:  # ragged lists and the like
                arr = np.asarray(None)
            if arr.dtype.kind not in "fiu":
                return None, Problem(BAD_STRUCTURE, f"{what}[{k}][{w}] is not an array of numbers; got "
                                                      f"{describe(a)}", (k, w))
            arrays.append(arr)
        out.append(tuple(arrays))
    return out, None


def _scalar(x) -> float | None:
    try:
        arr = np.asarray(x)
    except Exception:
        return None
    return float(arr.reshape(-1)[0]) if arr.size == 1 and arr.dtype.kind in "fiu" else None


def parse_grad(raw, spec: LearnerSpec, call: Call):
    """(loss, [(dW, db), ...]) -> (loss or None, pairs, None), or (None, None, Problem)."""
    if not (isinstance(raw, (list, tuple)) and len(raw) == 2):
        return None, None, Problem(BAD_STRUCTURE, f"grad_fn must return (loss, grads) with grads = [(dW, db), "
                                                    f"...]; got {describe(raw)}")
    loss, grads = raw
    if loss is not None and _scalar(loss) is None:
        if _scalar(grads) is not None:
            return None, None, Problem(BAD_STRUCTURE, "grad_fn returned (grads, loss): return (loss, grads)")
        return None, None, Problem(BAD_STRUCTURE, f"the loss (first item returned) must be a number or None; "
                                                    f"got {describe(loss)}")
    pairs, problem = _pairs(grads, spec, "grads")
    return (None if loss is None else _scalar(loss)), pairs, problem


def parse_step(raw, spec: LearnerSpec, call: Call, inplace: bool = False):
    """[(W, b), ...] -> (None, pairs, None), or (None, None, Problem).

    inplace: the params passed, as the call left them, are the new params (what it returns is not read).
    Otherwise what it returns; None is read as the params passed when it updated them in place (then
    check_no_input_mutation reports the update, and says inplace=True is the option for that contract)."""
    updated = [name for name in call.mutated if name.startswith("params")]
    if inplace:
        left = _left_behind(raw, call)
        if not updated or left:
            return None, None, Problem(BAD_STRUCTURE, _not_in_place(raw, updated, left))
        pairs, problem = _pairs(call.passed, spec, "the params passed")
        return None, pairs, problem
    if raw is None:
        if not updated:
            return None, None, Problem(BAD_STRUCTURE, "step_fn returned None and changed nothing: return the "
                                                        "new params [(W, b), ...]")
        raw = call.passed
    pairs, problem = _pairs(raw, spec, "new params")
    return None, pairs, problem


def _left_behind(raw, call: Call) -> list[str]:
    """The params passed that the call left unchanged while it returned a different array in their place
    (b = b - lr * db makes a new array; an in-place contract needs b -= lr * db)."""
    if not isinstance(raw, (list, tuple)):
        return []
    out = []
    for name, passed in _inputs(call.passed, None, None).items():
        if not name.startswith("params") or name in call.mutated:
            continue
        k, w = (int(i) for i in name[len("params["):-1].split("]["))
        try:
            returned = np.asarray(raw[k][w])
        except Exception:  # a structure problem: _pairs names it
            continue
        if not _unchanged(returned, passed):
            out.append(name)
    return out


def inplace_option() -> str:
    """How the caller asks for an in-place contract: inplace=True, or --inplace on the command line."""
    return arg("inplace") if cli_style() else arg("inplace", True)


def _not_in_place(raw, updated: list[str], left: list[str]) -> str:
    head = f"{inplace_option()}, but "
    if left and updated:
        return (head + f"{', '.join(left)} {'was' if len(left) == 1 else 'were'} not updated in place: your step_fn "
                "returned a new array instead (b = b - lr * db makes a new one; b -= lr * db updates the one "
                "passed in)")
    if raw is None:
        return head + "step_fn changed none of the arrays passed in and returned None"
    return (head + f"step_fn changed none of the arrays passed in and returned {describe(raw)}: update them in "
            f"place (W -= lr * dW), or check it without {inplace_option()}")


def shape_problems(call: Call, spec: LearnerSpec, kind: str) -> list[Problem]:
    """Every returned array whose shape is not the expected one, named and labelled."""
    what = ("dW", "db") if kind == "grad" else ("new W", "new b")
    n = call.probe.N
    expected = [spec.expected_shapes(k) for k in range(spec.n_linear)]
    got = [(tuple(W.shape), tuple(b.shape)) for W, b in call.pairs]
    if not all(map(_fits, got, expected)) and all(map(_fits, got[::-1], expected)):
        return [Problem(BAD_STRUCTURE, "the pairs come in reverse order (output layer first): return them "
                                         "input layer first")]
    out = []
    for k, ((w_shape, b_shape), (w_want, b_ok)) in enumerate(zip(got, expected)):
        layer = spec.layer_label(k)
        if w_shape != w_want:
            label = TRANSPOSED if w_shape == w_want[::-1] else BAD_SHAPE
            hint = ", its transpose" if label == TRANSPOSED else ""
            out.append(Problem(label, f"{what[0]} of {layer} has shape {w_shape}, expected {w_want}{hint}", (k, 0)))
        if b_shape not in b_ok:
            out.append(Problem(*_bias_problem(b_shape, b_ok, n, spec.layout), (k, 1)))
            out[-1].message = f"{what[1]} of {layer} has shape {b_shape}, expected {b_ok[0]}: {out[-1].message}"
    return out


def _fits(got, expected) -> bool:
    return got[0] == expected[0] and got[1] in expected[1]


def _bias_problem(shape: tuple, accepted: list, n: int, layout: str) -> tuple[str, str]:
    n_out = accepted[0][0] if layout == "column" else accepted[0][-1]
    per_sample = (n, n_out) if layout == "row" else (n_out, n)
    if n > 1 and shape == per_sample:
        return BIAS_NOT_SUMMED, "one entry per sample: sum it over the batch"
    if n == 1 and shape in ((1,), (1, 1)) and n_out != 1:
        return BIAS_NOT_SUMMED, (f"one number where {n_out} belong: summed over the feature axis (one entry "
                                   "per sample, and N=1 here) or over every axis; sum over the batch only (axis 0)")
    if shape in ((), (1,), (1, 1)) and n_out != 1:
        return BIAS_NOT_SUMMED, "a single number: summed over every axis, not over the batch only"
    if n > 1 and shape in ((n,), (n, 1), (1, n)):
        return BIAS_NOT_SUMMED, "summed over the wrong axis (one entry per sample)"
    return BAD_SHAPE, f"(also accepted: {', '.join(map(str, accepted[1:]))})"


def canonical(pairs, spec: LearnerSpec) -> list[tuple[np.ndarray, np.ndarray]]:
    """Row-major (W (fan_in, fan_out), b (fan_out,)) from the learner's layout; shapes already checked."""
    if spec.layout == "column":
        return [(np.ascontiguousarray(W.T), b.reshape(-1)) for W, b in pairs]
    return [(W, b.reshape(-1)) for W, b in pairs]
