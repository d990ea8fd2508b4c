"""The learner catalogue: every module in correct/ and buggy/, as (name, fn, CASE, EXPECTED) entries.

Each module defines LEARNER (a grad_fn, a step_fn, or a class with forward(X) and backward(X, y, lr)),
CASE (the check kwargs: a CASE with "lr" is checked as a step_fn, one without as a grad_fn) and, in
buggy/, EXPECTED (its one bug's label from comparisons.learner.labels.LABELS). A class module also
names its weight attributes in PARAM_NAMES, [(W attribute, b attribute), ...], for the class adapter.
CS231n-style code says which check it needs in CHECK: "layer_fn" (LEARNER = (forward, backward), or
(loss_fn,) for a loss layer; CASE holds layer=...) or "dict_net" (LEARNER = the model, CASE the
check_dict_net kwargs).
"""
from __future__ import annotations

import importlib.util
import pathlib
from types import ModuleType
from typing import Any, Callable, NamedTuple

HERE = pathlib.Path(__file__).parent


class Entry(NamedTuple):
    name: str
    fn: Callable | type     # grad_fn, step_fn, or the learner's class
    case: dict[str, Any]
    expected: str | None    # None for a correct learner

    @property
    def module(self) -> ModuleType:
        return MODULES[self.name]

    @property
    def kind(self) -> str:
        """'layer_fn', 'dict_net', 'class', 'step' or 'grad': which check and adapter the entry needs."""
        if getattr(self.module, "CHECK", None):
            return self.module.CHECK
        if isinstance(self.fn, type):
            return "class"
        return "step" if "lr" in self.case else "grad"

    def fresh(self) -> Entry:
        """The same learner from a fresh import, so module-level state left by earlier calls is gone
        (a learner is checked as a student's file is: imported, then checked once)."""
        module = _load(pathlib.Path(self.module.__file__))
        return self._replace(fn=module.LEARNER)


def _load(path: pathlib.Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"learners_{path.parent.name}_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def modules(folder: str) -> list[ModuleType]:
    return [_load(p) for p in sorted((HERE / folder).glob("*.py")) if not p.name.startswith("_")]


MODULES: dict[str, ModuleType] = {}


def entries(folder: str) -> list[Entry]:
    out = []
    for m in modules(folder):
        name = pathlib.Path(m.__file__).stem
        assert name not in MODULES, f"learner name {name!r} is used twice"
        MODULES[name] = m
        out.append(Entry(name, m.LEARNER, dict(m.CASE), getattr(m, "EXPECTED", None)))
    return out


CORRECT = entries("correct")
BUGGY = entries("buggy")
