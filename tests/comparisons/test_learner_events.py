"""From Python (no worker process): SystemExit, KeyboardInterrupt and MemoryError raised by the learner's
code are findings with their own labels, never an escape from check_grad_fn / check_step_fn; after one
the learner is not called again. Also: returned arrays are judged as they were at return time, and a
function of the wrong kind is refused before it is called."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from learner_zoo import make_grad_fn, make_step_fn

import comparisons
from comparisons.learner.source import signature_problem
from comparisons.learner.spec import LearnerSpecError

ROOT = Path(__file__).resolve().parents[2]
NET = dict(sizes=[2, 3, 1], activations="tanh", output="identity", loss="mse")
GOOD = make_grad_fn("tanh")
GOOD_STEP = make_step_fn("tanh")


def line_of(fn, offset: int) -> str:
    """'tests/comparisons/test_learner_events.py:NN' for the line `offset` lines below fn's def."""
    return f"tests/comparisons/test_learner_events.py:{fn.__code__.co_firstlineno + offset}"


def exits(params, X, y):
    sys.exit(0)


def interrupts(params, X, y):
    raise KeyboardInterrupt


def allocates(params, X, y):
    raise MemoryError("Unable to allocate 8.00 EiB")


@pytest.mark.parametrize("fn, label, problem, source", [
    (exits, "exited", "exited (SystemExit, code 0) on N=3, call 1 of grad_fn", "sys.exit(0)"),
    (interrupts, "interrupted", "raised KeyboardInterrupt on N=3, call 1 of grad_fn", "raise KeyboardInterrupt"),
    (allocates, "out_of_memory", "ran out of memory (MemoryError: Unable to allocate 8.00 EiB) on N=3, call 1",
     "raise MemoryError"),
])
def test_an_exit_or_interrupt_in_the_learner_is_a_finding(monkeypatch, fn, label, problem, source):
    monkeypatch.chdir(ROOT)
    report = comparisons.check_grad_fn(fn, **NET)
    assert not report.passed and report.labels == [label]
    f = report.findings[0]
    assert f.check == "check_runs" and problem in str(f.diff.problem)
    assert f.at.startswith(f"{line_of(fn, 1)} in {fn.__name__}: {source}")     # where it was raised
    assert f.note.startswith("the learner was not called again: 7 later check(s) did not run (check_structure, ")


def test_a_step_fn_raising_systemexit_does_not_escape():
    def step_fn(params, X, y, lr):
        raise SystemExit(0)

    report = comparisons.check_step_fn(step_fn, lr=0.1, **NET)
    assert report.labels == ["exited"] and "[1] check_runs: step_fn exited" in str(report)


def failing_on_call(fn, n: int, action=lambda: sys.exit(0)):
    """fn, but the n-th call (1-based) exits instead of returning."""
    calls = []

    def learner(*args):
        calls.append(1)
        if len(calls) == n:
            action()
        return fn(*args)

    learner.calls = calls
    return learner


@pytest.mark.parametrize("kind, check, not_run", [
    ("grad", "check_repeated_calls", []),                                   # calls 5 and 6 repeat N=3
    ("step", "check_trajectory_matches_torch", ["check_repeated_calls"]),   # calls 5.. are the steps
])
def test_an_exit_on_a_later_call_fails_the_check_that_made_it(kind, check, not_run):
    learner = failing_on_call(GOOD if kind == "grad" else GOOD_STEP, 5)
    extra = {} if kind == "grad" else dict(lr=0.1, steps=3)
    report = getattr(comparisons, f"check_{kind}_fn")(learner, **NET, **extra)
    assert not report.passed and report.labels == ["exited"] and report.findings[0].check == check
    assert f"on N={'3' if kind == 'grad' else '8'}, call 5 of {kind}_fn" in str(report.findings[0].diff.problem)
    assert len(learner.calls) == 5                                          # never called again
    note = "the learner was not called again" + (f": 1 later check(s) did not run ({not_run[0]})" if not_run else "")
    assert report.findings[0].note == note


def test_an_exit_during_the_finite_difference_check():
    learner = failing_on_call(make_grad_fn("tanh", bug="half"), 5)
    report = comparisons.check_grad_fn(learner, **NET)
    assert report.result("check_grad_matches_finite_diff").status == "failed"
    assert report.labels[-1] == "exited" and len(learner.calls) == 5


def test_an_event_cannot_be_waived():
    report = comparisons.check_grad_fn(exits, **NET, waivers={"check_runs": "it is a script"})
    assert not report.passed and report.result("check_runs").status == "failed"


def test_returned_arrays_are_judged_as_they_were_when_returned():
    """A learner that returns its own buffers and overwrites them on the next call is right every time."""
    buffers = []

    def grad_fn(params, X, y):
        loss, grads = GOOD(params, X, y)
        if not buffers:
            buffers.extend((np.zeros_like(dW), np.zeros_like(db)) for dW, db in grads)
        for (dW, db), (new_dW, new_db) in zip(buffers, grads):
            dW[...], db[...] = new_dW, new_db
        return loss, buffers

    assert comparisons.check_grad_fn(grad_fn, **NET).passed


@pytest.mark.parametrize("check, fn, message", [
    ("check_step_fn", GOOD, "check_step_fn calls step_fn(params, X, y, lr) -> new_params, but grad_fn(params, X, y) "
                            "cannot take 4 positional arguments: it looks like a grad_fn(params, X, y); check it "
                            "with check_grad_fn"),
    ("check_grad_fn", GOOD_STEP, "check_grad_fn calls grad_fn(params, X, y) -> (loss, grads), but step_fn(params, X, "
                                 "y, lr) cannot take 3 positional arguments: it looks like a step_fn(params, X, y, "
                                 "lr); check it with check_step_fn"),
])
def test_the_wrong_kind_of_function_is_refused_before_any_call(check, fn, message):
    extra = dict(lr=0.1) if check == "check_step_fn" else {}
    with pytest.raises(LearnerSpecError) as info:
        getattr(comparisons, check)(fn, **NET, **extra)
    assert str(info.value) == message


def test_a_signature_that_cannot_be_read_is_left_to_the_call():
    assert signature_problem(max, "grad") is None and signature_problem(max, "step") is None


def test_a_class_without_init_is_told_how_weights_are_found():
    class NoInit:
        def forward(self, X):
            return X

        def backward(self, X, y, lr):
            pass

    report = comparisons.check_class(NoInit, [("W1", "b1"), ("W2", "b2")], **NET, lr=0.1)
    summary = report.findings[0].diagnosis.summary
    assert report.labels == ["bad_structure"]
    assert summary.startswith("NoInit() has no attribute 'W1', and no attributes at all: its class has no __init__ "
                              "that sets them. The check builds one object, writes the params into the attributes "
                              "named in weights before each forward(X) + backward(X, y, lr)")


def test_a_class_with_other_attributes_lists_them():
    class Named:
        def __init__(self, n_in, n_hidden, n_out):
            self.weights_1, self.bias_1 = np.zeros((n_in, n_hidden)), np.zeros(n_hidden)

    report = comparisons.check_class(Named, [("W1", "b1"), ("W2", "b2")], **NET, lr=0.1)
    assert "Named has no attribute 'W1'; the attributes of Named(2, 3, 1): bias_1, weights_1 (name them in " \
           "weights)" in report.findings[0].diagnosis.summary


def test_a_bias_summed_over_the_wrong_axis_is_called_so():
    def grad_fn(params, X, y):
        loss, grads = make_grad_fn("tanh")(params, X, y)
        (dW, db), rest = grads[0], grads[1:]
        return loss, [(dW, np.ones((X.shape[0],)) * db.sum())] + rest      # one entry per sample

    report = comparisons.check_grad_fn(grad_fn, sizes=[3, 3, 3], activations="tanh", loss="mse")
    f = next(f for f in report.findings if f.check == "check_shapes")
    assert f.label == "bias_not_summed" and "every axis" not in f.diagnosis.summary
    assert f.diagnosis.summary == ("db of layer 0 (Linear 3->3) has shape (8,), expected (3,): summed over the wrong "
                                   "axis (one entry per sample)")


def test_the_output_layer_is_named_once():
    def grad_fn(params, X, y):
        loss, grads = GOOD(params, X, y)
        dW, db = grads[-1]
        return loss, grads[:-1] + [(dW + 0.1 * np.sin(7 * dW), db + 0.3)]

    text = str(comparisons.check_grad_fn(grad_fn, **NET))
    assert "layer 2 (Linear 3->1), the output layer, already differs" in text and "layer layer" not in text


def test_code_without_a_source_file_gets_a_python_rerun_line_not_a_command():
    namespace: dict = {}
    exec(compile("import sys\ndef grad_fn(params, X, y):\n    sys.exit(3)\n", "<string>", "exec"), namespace)
    text = str(comparisons.check_grad_fn(namespace["grad_fn"], **NET))
    assert "rerun     check_grad_fn(<your function>, sizes=" in text and "<string>:grad_fn" not in text
