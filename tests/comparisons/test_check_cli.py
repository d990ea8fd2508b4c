"""python -m comparisons check PATH.py:FUNCTION: prints the report, exits 0 (passed), 1 (failed) or 2 (the
input is unusable, with a message saying why). Two runs go through a real subprocess; the rest call
cli.main in-process, which is the same code without the interpreter start-up."""
from __future__ import annotations

import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from comparisons.learner.check_cli import load_function
from comparisons.cli import main

ROOT = Path(__file__).resolve().parents[2]
NET = ["--sizes", "2,4,1", "--activations", "relu", "--output", "sigmoid", "--loss", "mse"]

GRAD = """
import numpy as np

def grad_fn(params, X, y):
    (W1, b1), (W2, b2) = params
    z1 = X @ W1 + b1
    h = np.maximum(z1, 0)
    p = 1 / (1 + np.exp(-(h @ W2 + b2)))
    d2 = 2 * (p - y) / y.size * p * (1 - p) * SCALE
    d1 = d2 @ W2.T * (z1 > 0)
    return np.mean((p - y) ** 2), [(X.T @ d1, d1.sum(0)), (h.T @ d2, d2.sum(0))]

def step_fn(params, X, y, lr):
    _, grads = grad_fn(params, X, y)
    return [(W - lr * dW, b - lr * db) for (W, b), (dW, db) in zip(params, grads)]

def column_grad_fn(params, x, y):
    loss, grads = grad_fn([(W.T, b.ravel()) for W, b in params], x.T, y.T)
    return loss, [(dW.T, db.reshape(-1, 1)) for dW, db in grads]

def anything(*args):
    return None
"""


@pytest.fixture
def learner(tmp_path):
    def write(scale="1", text=GRAD) -> Path:
        path = tmp_path / "learner.py"
        path.write_text(textwrap.dedent(text).replace("SCALE", scale))
        return path

    return write


def run_main(capsys, *args) -> tuple[int, str, str]:
    code = main(["check", *map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_subprocess_passes_and_fails_with_exit_codes(learner):
    ok = learner()
    done = subprocess.run([sys.executable, "-m", "comparisons", "check", f"{ok}:grad_fn", *NET], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "PASSED, 8 of 9 checks passed" in done.stdout, done.stderr
    bad = learner(scale="y.size")
    done = subprocess.run([sys.executable, "-m", "comparisons", "check", f"{bad}:grad_fn", *NET], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1 and "[wrong_scale] N x: sum instead of mean" in done.stdout
    assert f"rerun     python -m comparisons check {bad}:grad_fn --sizes 2,4,1" in done.stdout


def test_subprocess_missing_file_exits_2(tmp_path):
    done = subprocess.run([sys.executable, "-m", "comparisons", "check", f"{tmp_path}/none.py:f", *NET], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and done.stderr.strip() == f"error: no such file: {tmp_path}/none.py"
    assert "Traceback" not in done.stderr


def test_kind_is_detected_from_the_signature(capsys, learner):
    code, out, _ = run_main(capsys, f"{learner()}:step_fn", *NET, "--lr", "0.2", "--steps", "2")
    assert code == 0 and out.startswith("check_step_fn(step_fn") and "(lr 0.2)" in out


def test_kind_layout_seed_and_dtype_options(capsys, learner):
    code, out, _ = run_main(capsys, f"{learner()}:column_grad_fn", *NET, "--layout", "column", "--kind", "grad",
                            "--seed", "7", "--dtype", "float32")
    assert code == 0 and "float32, seed 7, column-major" in out


@pytest.mark.parametrize("args, message", [
    (["{path}:nope"], "has no function 'nope'; functions defined there: anything, column_grad_fn, grad_fn, step_fn"),
    (["{path}"], "expected PATH.py:FUNCTION"),
    (["{path}:anything"], "cannot tell from its signature whether it is a grad_fn(params, X, y) or a step_fn"),
    (["{path}:grad_fn", "--sizes", "2,x"], "--sizes must be integers separated by commas"),
    (["{path}:grad_fn", "--activations", "relu,tanh"], "have 1 hidden layer(s) but 2 activation(s) were given"),
    (["{path}:grad_fn", "--loss", "bce", "--output", "identity"], "loss 'bce' needs probabilities"),
])
def test_unusable_input_exits_2_with_a_message(capsys, learner, args, message):
    path = learner()
    args = [a.format(path=path) for a in args]
    sizes = [] if "--sizes" in args else ["--sizes", "2,4,1"]
    code, out, err = run_main(capsys, *args, *sizes)
    assert code == 2 and out == "" and err.startswith("error: ") and message in err


@pytest.mark.parametrize("text, message", [
    ("def grad_fn(params, X, y)\n    return 1\n", "SyntaxError at line 1: expected ':'"),
    ("x = 1 / 0\n", "ZeroDivisionError: division by zero (at "),
])
def test_a_file_that_does_not_load_exits_2(capsys, learner, text, message):
    path = learner(text=text)
    code, _, err = run_main(capsys, f"{path}:grad_fn", *NET)
    assert code == 2 and f"error: cannot load {path}: " in err and message in err


def test_loading_never_unpickles(monkeypatch, learner):
    def refuse(*args, **kwargs):
        raise AssertionError("the loader must not unpickle anything")

    for module, name in ((pickle, "load"), (pickle, "loads"), (np, "load")):
        monkeypatch.setattr(module, name, refuse)
    assert load_function(f"{learner()}:grad_fn").__name__ == "grad_fn"


CLASS = """
import numpy as np

class Net:                                  # seed 000's style: backward(X, y, lr) updates the object
    def __init__(self, n_in, n_hidden, n_out):
        self.W1, self.b1 = np.zeros((n_in, n_hidden)), np.zeros(n_hidden)
        self.W2, self.b2 = np.zeros((n_hidden, n_out)), np.zeros(n_out)

    def forward(self, X):
        self.h = np.maximum(X @ self.W1 + self.b1, 0)
        self.out = self.h @ self.W2 + self.b2
        return self.out

    def backward(self, X, y, lr):
        d2 = (self.out - y) * SCALE          # the half-sum loss's gradient
        d1 = d2 @ self.W2.T * (self.h > 0)
        self.W2 -= lr * self.h.T @ d2
        self.b2 -= lr * d2.sum(0)
        self.W1 -= lr * X.T @ d1
        self.b1 -= lr * d1.sum(0)
"""
CLASS_NET = ["--sizes", "3,4,2", "--activations", "relu", "--loss", "half_sum", "--lr", "0.05"]


@pytest.mark.parametrize("scale,code,label", [("1", 0, None), ("2", 1, "[wrong_scale] 2 x")])
def test_a_class_is_checked_step_by_step_with_its_weight_attributes(learner, capsys, scale, code, label):
    path = learner(scale, text=CLASS)
    assert main(["check", f"{path}:Net", "--weights", "W1:b1,W2:b2", *CLASS_NET]) == code
    out = capsys.readouterr().out
    assert out.startswith("check_step_fn(Net): " + ("PASSED" if code == 0 else "FAILED"))
    assert label is None or label in out


@pytest.mark.parametrize("target,weights,message", [
    ("Net", None, "is a class: name its weight attributes with --weights W1:b1,W2:b2"),
    ("Net", "W1,W2", "--weights must be W:b attribute pairs"),
])
def test_class_usage_errors(learner, capsys, target, weights, message):
    path = learner(text=CLASS)
    extra = ["--weights", weights] if weights else []
    assert main(["check", f"{path}:{target}", *extra, *CLASS_NET]) == 2
    assert message in capsys.readouterr().err


def test_weights_on_a_function_is_refused(learner, capsys):
    path = learner()
    assert main(["check", f"{path}:step_fn", "--weights", "W1:b1", *NET]) == 2
    assert "--weights is for a class" in capsys.readouterr().err


def test_an_empty_item_in_sizes_is_a_usage_error(capsys, learner):
    code, out, err = run_main(capsys, f"{learner()}:grad_fn", "--sizes", "2,,1")
    assert code == 2 and out == "" and err.strip() == (
        "error: --sizes has an empty item: give every layer width, separated by single commas, e.g. 2,4,1; "
        "got '2,,1'")


@pytest.mark.parametrize("name, kind, message", [
    ("grad_fn", "step", "--kind step calls step_fn(params, X, y, lr) -> new_params, but grad_fn(params, X, y) cannot "
                        "take 4 positional arguments: it looks like a grad_fn(params, X, y); pass --kind grad (or "
                        "leave --kind out)"),
    ("step_fn", "grad", "--kind grad calls grad_fn(params, X, y) -> (loss, grads), but step_fn(params, X, y, lr) "
                        "cannot take 3 positional arguments: it looks like a step_fn(params, X, y, lr); pass --kind "
                        "step (or leave --kind out)"),
])
def test_the_wrong_kind_is_a_usage_error_naming_the_signature(capsys, learner, name, kind, message):
    code, out, err = run_main(capsys, f"{learner()}:{name}", *NET, "--kind", kind)
    assert code == 2 and out == "" and err.strip() == f"error: {message}"


def test_errors_from_the_command_line_speak_its_flags(capsys, learner):
    code, _, err = run_main(capsys, f"{learner()}:grad_fn", "--sizes", "2,4,1", "--loss", "bce")
    assert code == 2 and "use --output sigmoid (got --output identity)" in err and "output=" not in err


def test_a_failing_class_is_rerun_by_a_command(learner, capsys):
    path = learner("2", text=CLASS)
    assert main(["check", f"{path}:Net", "--weights", "W1:b1,W2:b2", *CLASS_NET]) == 1
    assert capsys.readouterr().out.rstrip().splitlines()[-1] == (
        f"rerun     python -m comparisons check {path}:Net --sizes 3,4,2 --activations relu --output identity "
        "--loss half_sum --seed 0 --dtype float64 --lr 0.05 --steps 5 --weights W1:b1,W2:b2")


def test_help_states_the_contract_defaults_and_exit_codes_without_importing_torch():
    script = ("import sys\nfrom comparisons.cli import main\ntry:\n    main(['check', '--help'])\n"
              "except SystemExit:\n    pass\nprint('torch imported' if 'torch' in sys.modules else 'no torch')")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    text = " ".join(done.stdout.split())
    assert text.endswith("no torch"), done.stderr
    for words in ["grad_fn(params, X, y) -> (loss, grads)", "step_fn(params, X, y, lr) -> new_params",
                  "W (fan_in, fan_out), b (fan_out,)", "X (N, sizes[0]), y (N, sizes[-1])",
                  "leaky_relu:0.05", "leaky_relu (negative_slope=0.01)", "gelu (approximate='none')",
                  "hardtanh (min_val=-1.0, max_val=1.0) (default relu)", "(default identity)", "(default mse)",
                  "(default 0.1)", "(default 5)", "(default row)", "(default 0)", "(default float64)",
                  "--timeout SECONDS time limit for each call of the learner", "(default 60)",
                  "memory limit of the learner's process", "(default 4096)", "exit codes: 0 every check ran and passed",
                  "1 a check failed", "2 nothing was checked", "130 interrupted by Ctrl-C"]:
        assert words in text, words


def test_a_class_without_forward_is_told_what_the_command_calls(learner, capsys):
    path = learner(text=CLASS.replace("def forward(self, X):", "def predict(self, X):"))
    assert main(["check", f"{path}:Net", "--weights", "W1:b1,W2:b2", *CLASS_NET]) == 1
    out = capsys.readouterr().out
    assert "Net has no method 'forward' for forward; the check command calls forward(X), then backward(X, y, lr): " \
           "give the class those methods" in out and "forward=..." not in out


@pytest.fixture
def submissions(tmp_path):
    """A folder of two submissions: one correct grad_fn, one N x off."""
    folder = tmp_path / "submissions"
    folder.mkdir()
    for name, scale in (("alice", "1"), ("bob", "y.size")):
        (folder / f"{name}.py").write_text(textwrap.dedent(GRAD).replace("SCALE", scale))
    return folder


def test_grading_a_folder_writes_rows_json_and_junit_and_exits_1(capsys, submissions, tmp_path):
    import json
    import xml.etree.ElementTree as ET

    out_json, out_xml = tmp_path / "results.json", tmp_path / "results.xml"
    code = main(["check", f"{submissions}/*.py:grad_fn", *NET, "--json", str(out_json), "--junit-xml", str(out_xml)])
    out = capsys.readouterr().out
    assert code == 1
    rows = json.loads(out_json.read_text())["rows"]
    assert [(Path(r["target"]).name, r["verdict"], r["label"]) for r in rows] == [
        ("alice.py:grad_fn", "passed", ""), ("bob.py:grad_fn", "failed", "wrong_scale")]
    assert rows[1]["layer"] == "layer 0 (Linear 2->4)" and all(r["seconds"] > 0 for r in rows)
    suite = ET.parse(out_xml).getroot().find("testsuite")
    cases = suite.findall("testcase")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("2", "1", "0")
    assert [c.find("failure") is not None for c in cases] == [False, True]
    assert cases[1].find("failure").get("type") == "wrong_scale"
    assert "file" in out and "2 file(s): 1 passed, 1 failed, 0 error" in out
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".grading-")]   # no temporary file left


def test_grading_only_good_files_exits_0_and_a_file_that_does_not_load_is_an_error_row(capsys, submissions):
    (submissions / "bob.py").unlink()
    assert main(["check", f"{submissions}/alice.py:grad_fn", f"{submissions}/alice.py:grad_fn", *NET]) == 0
    (submissions / "carol.py").write_text("x = 1 / 0\n")
    assert main(["check", f"{submissions}/*.py:grad_fn", *NET]) == 1
    out = capsys.readouterr().out
    assert "carol.py:grad_fn  error" in out and "1 passed, 0 failed, 1 error" in out


@pytest.mark.parametrize("flag", ["--json", "--junit-xml"])
def test_a_missing_output_folder_is_refused_before_any_work(capsys, submissions, tmp_path, flag):
    code, out, err = run_main(capsys, f"{submissions}/*.py:grad_fn", *NET, flag, tmp_path / "none" / "r.out")
    assert code == 2 and out == "" and "no such folder" in err and "nothing was checked" in err


def test_a_pattern_that_matches_nothing_is_a_usage_error(capsys, tmp_path):
    code, _, err = run_main(capsys, f"{tmp_path}/*.py:grad_fn", *NET)
    assert code == 2 and "no Python file matches" in err


CLASSIFIER = """
import numpy as np

def grad_fn(params, X, y):
    (W1, b1), (W2, b2) = params
    h = np.tanh(X @ W1 + b1)
    logits = h @ W2 + b2
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    Y = np.eye(p.shape[1])[y] if y.ndim == 1 else y
    d2 = (p - Y) / len(X)
    d1 = d2 @ W2.T * (1 - h ** 2)
    return -np.log((p * Y).sum(axis=1)).mean(), [(X.T @ d1, d1.sum(0)), (h.T @ d2, d2.sum(0))]
"""


@pytest.mark.parametrize("targets", [[], ["--targets", "one_hot"], ["--targets", "index"]])
def test_a_classifier_is_checked_with_either_target_form(learner, capsys, targets):
    path = learner(text=CLASSIFIER)
    code, out, _ = run_main(capsys, f"{path}:grad_fn", "--sizes", "3,4,3", "--activations", "tanh", "--loss",
                            "cross_entropy", *targets)
    form = targets[1] if targets else "one_hot"
    assert code == 0 and f"loss cross_entropy (targets {form})" in out, out


def test_a_failing_classifier_reruns_with_its_targets(learner, capsys):
    path = learner(text=CLASSIFIER.replace("/ len(X)", "/ len(X) * 2"))
    code, out, _ = run_main(capsys, f"{path}:grad_fn", "--sizes", "3,4,3", "--activations", "tanh", "--loss",
                            "cross_entropy", "--targets", "index")
    assert code == 1 and "--loss cross_entropy --targets index --seed 0" in out, out


def test_targets_a_loss_does_not_take_exit_2(learner, capsys):
    code, _, err = run_main(capsys, f"{learner()}:grad_fn", *NET, "--targets", "index")
    assert code == 2 and "loss 'mse' takes targets 'real'" in err, err


def test_leaving_out_activations_is_said_in_the_header(learner, capsys):
    no_acts = [a for a in NET if a not in ("--activations", "relu")]
    code, out, _ = run_main(capsys, f"{learner()}:grad_fn", *no_acts)
    assert code == 0 and "note      --activations left out: every hidden layer is relu, the default" in out, out
    code, out, _ = run_main(capsys, f"{learner()}:grad_fn", *NET)
    assert code == 0 and "--activations left out" not in out, out
