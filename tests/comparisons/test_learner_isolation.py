"""The check command runs the learner's code in a worker process: whatever that code does (exit, hang, ask
for input, crash, run out of memory, print without end, raise KeyboardInterrupt), the command prints a
report and its own exit code, never 0 for those. The learners are in tests/learners/hostile/.

Most cases call cli.main in this process (the worker is a real process either way); the exit codes of the
command itself, and Ctrl-C, go through a real `python -m comparisons check`."""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from comparisons.cli import main

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = "tests/learners/hostile"
NET = ["--sizes", "2,3,1", "--timeout", "2"]


@pytest.fixture(autouse=True)
def _from_the_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def check(capsys, target: str, *extra: str) -> tuple[int, str, str]:
    code = main(["check", f"{HOSTILE}/{target}", *NET, *extra])
    out = capsys.readouterr()
    return code, out.out, out.err


def block(out: str) -> str:
    """The first finding's block, '[1] check: subject' and its lines."""
    return re.search(r"^\[1\] .*?(?=^\[2\]|^rerun)", out, re.S | re.M)[0]


EVENTS = [  # (target, extra flags, headline, label, the problem line, the learner's line (a regex) or None)
    ("exits.py:grad_fn", [], "grad_fn exited", "exited", "exited (SystemExit, code 0) on N=3, call 1 of grad_fn",
     r"exits.py:7 in grad_fn: sys.exit\(0\)"),
    ("exits.py:grad_fn_code3", [], "grad_fn exited", "exited", "exited (SystemExit, code 3) on N=3, call 1",
     r"exits.py:11 in grad_fn_code3: sys.exit\(3\)"),
    ("exits.py:step_fn", [], "step_fn exited", "exited", "exited (SystemExit, code 0) on N=3, call 1 of step_fn",
     r"exits.py:15 in step_fn: raise SystemExit\(0\)"),
    ("exits.py:grad_fn_os_exit", [], "grad_fn exited", "exited",
     "ended its process (exit code 0, no traceback: os._exit or C code) on N=3, call 1 of grad_fn", None),
    ("hangs.py:grad_fn", ["--timeout", "1"], "grad_fn timed out", "timed_out",
     "did not return within 1 s on N=3, call 1 of grad_fn", r"hangs.py:(7|8) in grad_fn: (while True:|pass)"),
    ("crashes.py:grad_fn_segfault", [], "grad_fn crashed", "crashed",
     "was killed by SIGSEGV (Segmentation fault) on N=3, call 1 of grad_fn",
     r"crashes.py:9 in grad_fn_segfault: os.kill\(os.getpid\(\), signal.SIGSEGV\)"),
    ("crashes.py:grad_fn_killed", [], "grad_fn crashed", "crashed",
     "was killed by SIGKILL (Killed) on N=3, call 1 of grad_fn", None),
    ("crashes.py:grad_fn_memory", ["--memory-mb", "1024"], "grad_fn ran out of memory", "out_of_memory",
     "ran out of memory (MemoryError: Unable to allocate 2.00 GiB", "crashes.py:17 in grad_fn_memory"),
    ("crashes.py:grad_fn_interrupt", [], "grad_fn raised KeyboardInterrupt", "interrupted",
     "raised KeyboardInterrupt on N=3, call 1 of grad_fn", "crashes.py:22 in grad_fn_interrupt"),
]


@pytest.mark.parametrize("target, extra, headline, label, problem, at", EVENTS, ids=[e[0] for e in EVENTS])
def test_an_event_is_a_finding_and_the_check_fails(capsys, target, extra, headline, label, problem, at):
    code, out, err = check(capsys, target, *extra)
    assert code == 1 and err == "", err
    assert "FAILED, 1 of " in out.splitlines()[0] and "checks failed (check_runs)" in out.splitlines()[0]
    found = block(out)
    assert found.startswith(f"[1] check_runs: {headline}\n")
    assert f"likely    [{label}] " in found and f"problem   {problem}" in found
    assert re.search(f"^      at        {HOSTILE}/{at}", found, re.M) if at else ("at   " not in found)
    later = 6 if target.endswith("step_fn") else 7    # every check after check_runs, but the finite-diff one's skip
    assert f"note      the learner was not called again: {later} later check(s) did not run (check_structure, " in found
    assert "Traceback" not in out


def test_the_memory_limit_is_named(capsys):
    _, out, _ = check(capsys, "crashes.py:grad_fn_memory", "--memory-mb", "1024")
    assert "your process may use 1024 MiB (--memory-mb)" in out
    assert out.rstrip().endswith("--timeout 2 --memory-mb 1024")     # the rerun keeps the limits


def test_input_raises_eof_at_the_learners_line_instead_of_hanging(capsys):
    start = time.monotonic()
    code, out, _ = check(capsys, "hangs.py:grad_fn_input")
    assert code == 1 and time.monotonic() - start < 30
    found = block(out)
    assert "problem   EOFError: EOF when reading a line" in found
    assert f"at        {HOSTILE}/hangs.py:12 in grad_fn_input: lr = float(input(\"learning rate? \"))" in found
    assert "likely    [raised] your code raised EOFError" in found
    assert "input() found no input: the check gives your code an empty stdin" in found


def test_a_print_flood_is_counted_not_shown(capsys):
    code, out, _ = check(capsys, "prints.py:grad_fn")
    assert code == 0 and "PASSED" in out.splitlines()[0]
    # 120 000 lines while loading, and two os.write lines (fd 1 and fd 2) in each of the 6 calls
    assert "  output    your code printed 120012 line(s) to stdout and stderr, captured; the first 5:" in out
    assert "            | epoch 4 loss 0.25" in out and "epoch 5 " not in out
    assert len(out.splitlines()) < 20


def test_a_lazy_import_next_to_the_file_works_from_any_directory(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    code = main(["check", str(ROOT / HOSTILE / "lazy_import.py:grad_fn"), *NET])
    assert code == 0, capsys.readouterr().out
    assert not list(tmp_path.iterdir())                       # no stray files where it ran


def test_no_bytecode_is_written_next_to_the_learner(capsys, tmp_path):
    shutil.copy(ROOT / HOSTILE / "helpers.py", tmp_path / "learner.py")
    assert main(["check", f"{tmp_path}/learner.py:grad_fn", *NET]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["learner.py"]


def test_an_exit_while_loading_is_a_usage_error(capsys):
    code, out, err = check(capsys, "exit_at_import.py:grad_fn")
    assert code == 2 and out == ""
    assert err.startswith(f"error: cannot load {HOSTILE}/exit_at_import.py: it exited (SystemExit, code 0) while "
                          f"loading (at {HOSTILE}/exit_at_import.py:4 in <module>: sys.exit(0)); the top level of a "
                          "file runs when it is loaded")


def test_a_hang_while_loading_is_a_usage_error(capsys, tmp_path):
    (tmp_path / "trains.py").write_text("print('training...')\nwhile True:\n    pass\n")
    code = main(["check", f"{tmp_path}/trains.py:grad_fn", *NET, "--timeout", "1"])
    err = capsys.readouterr().err
    assert code == 2 and re.search(f"^error: cannot load {tmp_path}/trains.py: it did not return within 1 s while "
                                   f"loading \\(at {tmp_path}/trains.py:[23] in <module>: ", err)
    assert "  output    your code printed 1 line(s) to stdout and stderr, captured:\n            | training..." in err


def _command(target: str, *extra: str, **popen) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "comparisons", "check", f"{HOSTILE}/{target}", *NET, *extra],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def test_the_command_exits_1_when_the_learner_exits_0():
    """What a grading script sees: the exit code of `python -m comparisons check` itself (the other ways to
    exit are covered above through cli.main, which is the same code)."""
    run = _command("exits.py:grad_fn")
    out, err = run.communicate(timeout=120)
    assert run.returncode == 1 and "[1] check_runs: grad_fn exited" in out and "likely    [exited]" in out, err


def test_ctrl_c_stops_the_learner_and_says_where_it_was(tmp_path):
    marker = tmp_path / "started"
    run = _command("hangs.py:grad_fn_waits", "--timeout", "60", env=dict(os.environ, PARITY_TEST_MARKER=str(marker)))
    deadline = time.monotonic() + 60
    while not (marker.exists() and marker.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    worker = int(marker.read_text())
    run.send_signal(signal.SIGINT)
    out, err = run.communicate(timeout=30)
    assert run.returncode == 130 and out == "" and "Traceback" not in err
    assert err.splitlines() == [
        "interrupted (Ctrl-C): the learner's process was stopped; no verdict",
        "  running   check_runs, on N=3, call 1 of grad_fn",
        f"  at        {HOSTILE}/hangs.py:20 in grad_fn_waits: time.sleep(0.01)"]
    with pytest.raises(ProcessLookupError):
        os.kill(worker, 0)


PROTOCOL = '''
import numpy as np
from helpers import grad_fn as correct

def step_in_place(params, X, y, lr):
    _, grads = correct(params, X, y)
    for (W, b), (dW, db) in zip(params, grads):
        W -= lr * dW
        b -= lr * db

def scales_X(params, X, y):
    X *= 2
    return correct(params, X / 2, y)

def returns_a_dict(params, X, y):
    return {"loss": 0.0}
'''


@pytest.mark.parametrize("name, extra, code, expected", [
    ("step_in_place", ["--inplace"], 0, "PASSED, 8 of 8 checks passed"),   # the in-place update came back
    ("step_in_place", [], 1, "[1] check_no_input_mutation: params[0][0] and 3 more arrays modified in place"),
    ("scales_X", [], 1, "[1] check_no_input_mutation: X modified in place"),
    ("returns_a_dict", [], 1, "grad_fn must return (loss, grads) with grads = [(dW, db), ...]; got a dict"),
])
def test_what_the_learner_does_to_its_inputs_and_returns_crosses_the_process(capsys, tmp_path, name, extra, code,
                                                                             expected):
    shutil.copy(ROOT / HOSTILE / "helpers.py", tmp_path / "helpers.py")
    (tmp_path / "learner.py").write_text(PROTOCOL)
    assert main(["check", f"{tmp_path}/learner.py:{name}", *NET, *extra]) == code
    out = capsys.readouterr().out
    assert expected in out


def test_the_workers_answers_cannot_carry_code():
    import pickle

    import numpy as np

    from comparisons.learner.wire import Opaque, loads, plain

    value = plain(([(np.ones((2, 3)), np.float64(1.5))], {"a": 1}, "text"))
    again = loads(pickle.dumps(value, protocol=5))
    assert np.array_equal(again[0][0][0], np.ones((2, 3))) and again[0][0][1] == 1.5
    assert isinstance(again[1], Opaque) and again[1].text == "a dict" and again[2] == "text"
    with pytest.raises(pickle.UnpicklingError, match="posix.system is not allowed"):
        loads(pickle.dumps(os.system))
