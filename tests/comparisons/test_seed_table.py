"""python -m comparisons seeds: the table of every seed system, and the seeds' own code flagged or passed.
The table is rendered from the session's one run of every system (tests/seed_results.py); one small
subprocess run checks the command itself."""
import argparse
import json
import re
import subprocess
import sys
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import numpy as np
import pytest
from seed_results import results

from comparisons.parity import kernel_sweep

from comparisons.parity import seed_table
from manual.seeds import SYSTEMS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def table():
    return seed_table.render(list(SYSTEMS), list(results().values()))


def args(**kw):
    base = dict(seed=None, dtype="both", no_variants=False, jobs=1, verbose=False, json=None, kernels=None)
    return argparse.Namespace(**{**base, **kw})


def table_rows(text: str) -> list[list[str]]:
    lines = text.split("\n\n")[0].splitlines()[2:]
    return [re.split(r"\s{2,}", line) for line in lines if re.match(r"^\d{3} ", line)]


def test_one_row_per_system_and_dtype(table):
    text, _ = table
    header = text.splitlines()[0].split()
    assert header[:3] == ["seed", "system", "architecture"] and header[-1] == "verdict" and "margin" in header
    rows = table_rows(text)
    assert [(r[1], r[3]) for r in rows] == [(s.key, dt) for s in SYSTEMS for dt in ("float64", "float32")]
    for r in rows:
        if r[3] == "float64":
            assert float(r[4]) <= 1e-10 and float(r[5]) <= 1e-10, r     # forward and gradients


def test_every_passing_row_keeps_a_margin_of_two(table):
    """The margin column: allowance / error of the closest judged comparison (float32: every step's)."""
    for r in table_rows(table[0]):
        if r[-1] == "pass":
            assert r[7] == "exact" or float(r[7]) >= 2, r


def test_every_variant_behaves_as_expected(table):
    out = table[0]
    n = sum(len(s.variants) for s in SYSTEMS)
    assert f"{n} variants: {n} as expected" in out
    flagged = re.findall(r"^(\d{3} \S+ / .+?)(?: \[on .*\])?: (FLAGGED|passed)$", out, re.M)
    expect = {f"{s.seed} {s.key} / {v.name}": v.expect for s in SYSTEMS for v in s.variants}
    assert {name: ("flag" if status == "FLAGGED" else "pass") for name, status in flagged} == expect
    assert "step_fn raised NameError: name 'targets' is not defined" in out
    assert "step_fn raised ValueError: shapes (80,80) and (1,2) not aligned" in out


def variant_block(out: str, name: str) -> str:
    start = out.index(f"{name}: FLAGGED")
    return out[start:out.index("\n0", start + 1) if "\n0" in out[start + 1:] else len(out)]


@pytest.mark.parametrize("name,labels", [
    ("001 quadratic_relu / as written", ["[stale_weights] stale weights", "+ a loss gradient N x", "[wrong_scale] N x"]),
    ("001 quadratic_relu / only sum_grad", ["[wrong_scale] N x: sum instead of mean"]),
    ("002 leaky_relu_random / only relu_mask", ["[wrong_activation_derivative]", "ReLU mask [z>0] on a LeakyReLU"]),
    ("002 leaky_relu_random / only stale", ["[stale_weights]"]),
    ("002 leaky_relu_random / only no_lr", ["[lr_applied_twice] 1/lr x: the learning rate not applied"]),
    ("002 leaky_relu_random / only batch_mean", ["[wrong_scale] K x"]),
    ("004 xor / as written", ["likely [raised] your code raised NameError"]),
])
def test_flagged_variants_are_diagnosed_by_the_learner_check(table, name, labels):
    block = variant_block(table[0], name)
    for label in labels:
        assert label in block, block


def test_every_row_is_ok(table):
    text, bad = table
    assert bad == [] and not re.findall(r"^NOT OK: (.+)$", text, re.M)


def test_the_command_runs_and_writes_json(tmp_path):
    """One real `python -m comparisons seeds` (one seed): exit 0, the table printed, the JSON written."""
    path = tmp_path / "seeds.json"
    run = subprocess.run([sys.executable, "-m", "comparisons", "seeds", "--seed", "xor", "--json", str(path),
                          "--no-variants"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Warning" not in run.stderr
    assert re.search(r"^2 rows: 2 ok; 0 variants: 0 as expected; [\d.]+ s$", run.stdout, re.M)
    record = json.loads(path.read_text())
    assert [(r["system"], r["dtype"], r["ok"]) for r in record["rows"]] == [("xor", "float64", True),
                                                                           ("xor", "float32", True)]
    assert all(r["margin"] is None or r["margin"] >= 2 for r in record["rows"])
    assert record["machine"]["blas"]["internal_api"] and not list(tmp_path.glob("*.partial"))


def test_parallel_and_serial_runs_print_the_same(capsys):
    outputs = []
    for jobs in (1, 2):
        assert seed_table.run(args(seed="xor", jobs=jobs, dtype="float64")) == 0
        outputs.append(re.sub(r"; [\d.]+ s\n", "\n", capsys.readouterr().out))
    assert outputs[0] == outputs[1]
    assert re.search(r"^004\s+xor\s+2-4-1 relu\+sigmoid\s+float64 .* pass$", outputs[0], re.M)
    assert "[0, 1, 1, 0] | [0, 1, 1, 0]" in outputs[0] and "xor / as written: FLAGGED" in outputs[0]


def test_unknown_seed_is_an_error(capsys):
    assert seed_table.run(args(seed="nope")) == 2
    assert "unknown seed system 'nope'" in capsys.readouterr().err


def test_json_into_a_missing_folder_is_an_error_before_any_work(tmp_path, capsys):
    assert seed_table.run(args(seed="xor", json=str(tmp_path / "no" / "seeds.json"))) == 2
    assert "does not exist" in capsys.readouterr().err


@pytest.mark.parametrize("text", [",", " "])
def test_kernels_needs_names(text, capsys):
    assert seed_table.run(args(kernels=text)) == 2
    assert "--kernels needs 'all' or kernel names" in capsys.readouterr().err


def test_kernel_names():
    assert kernel_sweep.parse_kernels("all") == list(kernel_sweep.KERNELS)
    assert kernel_sweep.parse_kernels("Haswell, Zen") == ["Haswell", "Zen"]


def test_kernel_matrix_shows_margins_fallbacks_failures_and_crashes():
    """The sweep's printout, from made-up child results (tests never set OPENBLAS_CORETYPE)."""
    def rows(m32, ok=True):
        return [{"system": "xor", "dtype": "float64", "verdict": "pass", "ok": True, "margin": None},
                {"system": "xor", "dtype": "float32", "verdict": "pass" if ok else "FAIL", "ok": ok, "margin": m32}]
    text = kernel_sweep.format_matrix({
        "Haswell": {"machine": {"blas": {"architecture": "Haswell"}}, "rows": rows(4.4)},
        "Cooperlake": {"machine": {"blas": {"architecture": "SkylakeX"}}, "rows": rows(0.5, ok=False)},
        "Core2": {"error": "crashed (SIGILL): this CPU cannot run it"},
    })
    assert re.search(r"^\(kernel that ran\)\s+Haswell\s+SkylakeX$", text, re.M)
    assert re.search(r"^xor\s+float32\s+4.4\s+FAIL 0.5$", text, re.M)
    assert "Core2: crashed (SIGILL)" in text and "NOT met (Cooperlake 0.5)" in text
    assert re.search(r"^smallest margin\s+4.4\s+0.5$", text, re.M)


def test_a_worker_that_dies_is_an_error_not_a_traceback(monkeypatch, capsys):
    def dies(jobs, n_jobs, twins=None):
        raise BrokenProcessPool("A process in the process pool was terminated abruptly")
    monkeypatch.setattr(seed_table, "run_jobs", dies)
    assert seed_table.run(args(seed="xor")) == 1
    assert "a worker process died without a result" in capsys.readouterr().err


@pytest.mark.parametrize("twin", ["in the pool", "started first"])
@pytest.mark.parametrize("key", ["xor", "quadratic_relu"])     # quadratic_relu float32 blows up at step 2
def test_a_float32_row_split_over_workers_equals_the_serial_row(key, twin):
    """Judge, torch and float64 runs in three worker processes (the float64 twin maybe in its own, started before
    the pool, as the command starts it), joined: the row the serial run gives."""
    from comparisons.parity.seed_runs import run_jobs
    from comparisons.parity.seed_twins import Twins

    job = [("system", key, np.dtype(np.float32))]
    twins = Twins([key]) if twin == "started first" else None
    serial, split = run_jobs(job, 1)[0], run_jobs(job, 3, twins=twins)[0]
    assert twins is None or twins.pool is None          # closed by the run
    assert split.trajectory.pending is None and split.trajectory.losses["torch"]
    for attribute in ("verdict", "margin", "task_manual", "task_torch", "traj_text"):
        a, b = getattr(serial, attribute), getattr(split, attribute)
        assert repr(a() if callable(a) else a) == repr(b() if callable(b) else b), attribute
    assert repr(serial.trajectory.losses) == repr(split.trajectory.losses)
    assert repr(serial.trajectory.drift) == repr(split.trajectory.drift)


def test_a_recording_shorter_than_the_judged_run_is_rerun_in_the_parent():
    from comparisons.parity.seed_runs import add_reference_runs, reference_run, run_system
    from comparisons.parity.trajectory import Recording

    system = next(s for s in SYSTEMS if s.key == "xor")
    serial = run_system(system, np.float32)
    judged = run_system(system, np.float32, references=False)
    torch_rec, f64_rec = reference_run(system, np.float32, "torch")[0], reference_run(system, np.float32, "float64")[0]

    def cut(rec):
        return Recording(rec.losses[:5], {k: v for k, v in rec.params.items() if k < 5})

    add_reference_runs(judged, (cut(torch_rec), None), cut(f64_rec))
    assert repr(judged.trajectory.losses) == repr(serial.trajectory.losses)
    assert repr(judged.trajectory.drift) == repr(serial.trajectory.drift) and judged.task_torch == serial.task_torch


def assert_runs_in_a_fresh_python(*lines: str) -> None:
    """The lines, run as a program of their own (what it imports is its own), exit 0."""
    done = subprocess.run([sys.executable, "-c", "\n".join(lines)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr


def test_the_seeds_command_starts_its_float64_twins_before_torch_is_imported():
    """Its options and the twins' worker need no torch: the worker records the twins while the command imports it."""
    assert_runs_in_a_fresh_python(
        "import sys",
        "from comparisons.cli import build_parser",
        "from comparisons.parity.seed_twins import Twins, twin_run",
        "build_parser('seeds').parse_args(['seeds'])",
        "rec, _ = twin_run('xor')",
        "twins = Twins(['xor'])",
        "got, _ = twins.futures['xor'].result()",
        "twins.close()",
        "assert got.losses == rec.losses and len(rec.losses) == 1000",
        "assert all(got.params[k][n].tobytes() == rec.params[k][n].tobytes() for k in rec.params for n in rec.params[k])",
        "assert 'torch' not in sys.modules, 'torch imported'")


def test_joining_seed_000s_float32_row_reads_no_data_in_the_parent():
    """The join only replays recordings (and no seeds run imports scikit-learn: seed 000's data are stored)."""
    assert_runs_in_a_fresh_python(
        "import sys",
        "import numpy as np",
        "from comparisons.parity.seed_runs import run_jobs",
        "row = run_jobs([('system', 'relu_regression', np.dtype(np.float32))], 2)[0]",
        "assert row.ok and len(row.trajectory.losses['torch']) == 1000, row.verdict",
        "assert 'sklearn' not in sys.modules, 'the parent imported sklearn'")


def test_ctrl_c_says_the_run_was_cut_short_and_exits_130(monkeypatch, capsys):
    from comparisons.parity import seeds_command

    def interrupted(jobs, n_jobs, twins=None):
        raise KeyboardInterrupt
    monkeypatch.setattr(seed_table, "run_jobs", interrupted)
    assert seeds_command.run(args(seed="xor", jobs=2)) == 130
    assert "interrupted: no table is printed" in capsys.readouterr().err
