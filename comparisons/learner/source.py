"""A learner's file, named as PATH.py:FUNCTION: loading it (by running the source; nothing is unpickled),
finding the function or class, and telling whether it is a grad_fn or a step_fn from its signature.

Every problem is a UsageError whose message says what to change. NumPy-free: the check command's
worker process loads learners with it.
"""
from __future__ import annotations

import importlib.machinery
import importlib.util
import inspect
import sys
from pathlib import Path

from .events import event_from
from .trace import learner_location
from ..wording import cli_style

CONTRACTS = {"grad": "grad_fn(params, X, y) -> (loss, grads)", "step": "step_fn(params, X, y, lr) -> new_params"}
_LOAD_HINT = ("the top level of a file runs when it is loaded: keep script code (training, plots, input(), "
              "sys.exit) under `if __name__ == \"__main__\":`")


class UsageError(Exception):
    """The command line points at something that cannot be checked; the message says what."""


def parse_target(target: str) -> tuple[Path, str]:
    """'PATH.py:NAME' -> (Path, NAME), the file checked to exist; UsageError otherwise."""
    path_text, sep, name = target.rpartition(":")
    if not sep or not path_text or not name:
        raise UsageError(f"expected PATH.py:FUNCTION, got {target!r}")
    path = Path(path_text)
    if path.suffix != ".py":
        raise UsageError(f"{path} is not a Python source file: only PATH.py is loaded (nothing is unpickled)")
    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    return path, name


def _run_file(path: Path, keep_path: bool):
    """The module made by running the file, its folder on sys.path (for good when keep_path)."""
    module_name = f"_parity_learner_{path.stem}"
    loader = importlib.machinery.SourceFileLoader(module_name, str(path))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(module_name, loader))
    sys.modules[module_name] = module
    folder = str(path.resolve().parent)
    sys.path.insert(0, folder)
    try:
        loader.exec_module(module)
    except SyntaxError as exc:
        raise UsageError(f"cannot load {path}: SyntaxError at line {exc.lineno}: {exc.msg}") from None
    except (SystemExit, KeyboardInterrupt) as exc:
        event = event_from(exc)
        raise UsageError(f"cannot load {path}: it {event.what} while loading (at {learner_location(exc)}); "
                         f"{_LOAD_HINT}") from None
    except Exception as exc:  # the file's own code failed while loading
        raise UsageError(f"cannot load {path}: {type(exc).__name__}: {exc} (at {learner_location(exc)})") from None
    finally:
        if not keep_path:
            sys.path.remove(folder)
    return module


def load_function(target: str, *, keep_path: bool = False):
    """The function (or class) named in 'PATH.py:FUNCTION', loaded by running the file; UsageError if
    impossible. keep_path leaves the file's folder on sys.path, so imports inside its functions work
    whatever the working directory (the worker process does; in this process it is removed again)."""
    path, name = parse_target(target)
    module = _run_file(path, keep_path)
    fn = getattr(module, name, None)
    if fn is None:
        known = sorted(k for k, v in vars(module).items()
                       if inspect.isfunction(v) and v.__module__ == module.__name__ and v.__name__ == k)
        raise UsageError(f"{path} has no function {name!r}; functions defined there: {', '.join(known) or 'none'}")
    if not callable(fn):
        raise UsageError(f"{path}:{name} is a {type(fn).__name__}, not a function")
    return fn


def _required_positional(fn) -> int | None:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return None
    return len([p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty])


def detect_kind(fn) -> str:
    """'grad' for fn(params, X, y), 'step' for fn(params, X, y, lr); UsageError when unclear."""
    n = _required_positional(fn)
    if n in (3, 4):
        return "grad" if n == 3 else "step"
    raise UsageError("cannot tell from its signature whether it is a grad_fn(params, X, y) or a "
                     "step_fn(params, X, y, lr): pass --kind grad or --kind step")


def _binds(sig: inspect.Signature, kind: str) -> bool:
    try:
        sig.bind(*range(3 if kind == "grad" else 4))
    except TypeError:
        return False
    return True


def signature_problem(fn, kind: str) -> str | None:
    """Why fn cannot be called as the `kind` ('grad' or 'step') of function, or None when it can (or its
    signature cannot be read, as for some builtins: then the call itself will tell)."""
    try:
        sig = inspect.signature(fn, follow_wrapped=False)   # a wrapper's own, not what it wraps
    except (TypeError, ValueError):
        return None
    if _binds(sig, kind):
        return None
    name = getattr(fn, "__name__", type(fn).__name__)
    asked = f"--kind {kind}" if cli_style() else f"check_{kind}_fn"
    text = (f"{asked} calls {CONTRACTS[kind]}, but {name}{sig} cannot take {3 if kind == 'grad' else 4} "
            "positional arguments")
    other = "step" if kind == "grad" else "grad"
    if _binds(sig, other):
        fix = f"pass --kind {other} (or leave --kind out)" if cli_style() else f"check it with check_{other}_fn"
        text += f": it looks like a {CONTRACTS[other].split(' ->')[0]}; {fix}"
    return text


def prepare(fn, *, kind: str | None, weights: list[tuple[str, str]] | None, layout: str):
    """(callable, kind) for the check: the function itself, or for a class (weights given) the step_fn that
    drives it. kind: 'grad', 'step' or 'class'."""
    if inspect.isclass(fn) != bool(weights):
        raise UsageError(f"{fn.__name__} is a class: name its weight attributes with --weights W1:b1,W2:b2"
                         if inspect.isclass(fn) else "--weights is for a class; this is a function")
    if weights:
        if kind == "grad":
            raise UsageError("--kind grad does not apply to a class: its backward(X, y, lr) updates the weights, "
                             "so it is checked step by step (leave --kind out)")
        from .class_adapter import step_fn_from_class

        return step_fn_from_class(fn, weights, layout=layout), "class"
    kind = kind or detect_kind(fn)
    problem = signature_problem(fn, kind)
    if problem:
        raise UsageError(problem)
    return fn, kind
