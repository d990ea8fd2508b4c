"""Every catalogued learner through the learner-check API: each bug is caught and named, correct code passes."""
from __future__ import annotations

import pytest

import comparisons
from comparisons.learner.labels import LABELS

from .catalogue import BUGGY, CORRECT, Entry


def check(entry: Entry):
    """Run the check that fits the entry: grad_fn, step_fn, a class wrapped into a step_fn, CS231n layer
    functions or a dict-params net."""
    entry = entry.fresh()   # module-level state (grads_accumulate_global) starts clean, as in a fresh import
    case = dict(entry.case)
    if entry.kind == "grad":
        return comparisons.check_grad_fn(entry.fn, **case)
    if entry.kind == "layer_fn":
        return comparisons.check_layer_fn(*entry.fn, **case)
    if entry.kind == "dict_net":
        return comparisons.check_dict_net(entry.fn, **case)
    fn = entry.fn
    if entry.kind == "class":
        fn = comparisons.step_fn_from_class(entry.fn, entry.module.PARAM_NAMES)
    return comparisons.check_step_fn(fn, **case)


def test_catalogue_size():
    assert len(BUGGY) >= 20 and len(CORRECT) >= 8


@pytest.mark.parametrize("entry", BUGGY, ids=[e.name for e in BUGGY])
def test_expected_label_is_documented(entry):
    assert entry.expected in LABELS, f"{entry.name}: EXPECTED {entry.expected!r} is not a documented label"


@pytest.mark.parametrize("entry", CORRECT, ids=[e.name for e in CORRECT])
def test_correct_learner_passes(entry):
    report = check(entry)
    assert report.passed, f"false alarm on correct learner {entry.name}:\n{report}"


@pytest.mark.parametrize("entry", BUGGY, ids=[e.name for e in BUGGY])
def test_buggy_learner_is_caught_and_named(entry):
    report = check(entry)
    assert not report.passed, f"bug in {entry.name} ({entry.expected}) went unnoticed:\n{report}"
    # Findings come in check order, most basic check first (structure, shapes, ..., matches torch, finite
    # differences, repeated calls), and report.diagnosis is the first finding's diagnosis that names a bug.
    # Each learner has exactly one bug, so the strict form holds: the FIRST finding already names it, and
    # so does the report's headline diagnosis (later findings may add "unknown" from finite differences).
    labels = [f.label for f in report.findings]
    assert report.findings[0].label == entry.expected, \
        f"{entry.name}: first finding is {labels[0]!r}, expected {entry.expected!r} (all: {labels}):\n{report}"
    assert report.diagnosis is not None and report.diagnosis.label == entry.expected, \
        f"{entry.name}: headline diagnosis is not {entry.expected!r}:\n{report}"
