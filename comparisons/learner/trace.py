"""Where in the learner's own code something happened: 'bugs.py:12 in grad_fn: dW = X @ d'.

Frames in the harness (manual, torch_ref, comparisons), the standard library and installed packages are
not the learner's. Imports only the standard library, so the learner's worker process can use it too.
"""
from __future__ import annotations

import importlib.util
import inspect
import linecache
import sysconfig
import traceback
from pathlib import Path


def _package_dir(name: str) -> Path | None:
    """The folder of a top-level package, found without importing it (torch_ref would import torch)."""
    spec = importlib.util.find_spec(name)
    return Path(spec.origin).resolve().parent if spec and spec.origin else None


_HARNESS = [d for d in map(_package_dir, ("manual", "torch_ref")) if d] + [Path(__file__).resolve().parents[1]]
_LIBRARIES = {Path(p).resolve() for k, p in sysconfig.get_paths().items() if k in ("stdlib", "platstdlib",
                                                                                  "purelib", "platlib")}


def is_library(filename: str) -> bool:
    """Frames in the harness, the standard library or installed packages are not the learner's."""
    if filename.startswith("<"):
        return True
    path = Path(filename).resolve()
    return any(path.is_relative_to(d) for d in (*_LIBRARIES, *_HARNESS))


def short_path(filename: str) -> str:
    """The path relative to the working directory when it lies inside it."""
    try:
        return str(Path(filename).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return filename


def frame_text(filename: str, lineno: int, name: str, line: str | None = None) -> str:
    """'bugs.py:12 in grad_fn: dW = X @ d' (the source line read from the file when not given)."""
    line = (line if line is not None else linecache.getline(filename, lineno)).strip()
    return f"{short_path(filename)}:{lineno} in {name}" + (f": {line}" if line else "")


def learner_location(exc: BaseException) -> str:
    """'bugs.py:12 in grad_fn: dW = X @ d', the innermost frame in the learner's own code."""
    frames = traceback.extract_tb(exc.__traceback__)
    mine = [f for f in frames if not is_library(f.filename)]
    if not frames:
        return ""
    f = (mine or frames)[-1]
    return frame_text(f.filename, f.lineno, f.name, f.line or "")


def learner_name(fn) -> str:
    """'grad_fn (bugs.py:12)' or the repr for objects without source."""
    target = getattr(fn, "__wrapped__", fn)
    name = getattr(target, "__qualname__", None) or type(target).__name__
    try:
        return f"{name} ({short_path(inspect.getsourcefile(target))}:{inspect.getsourcelines(target)[1]})"
    except (TypeError, OSError):
        return name
