"""python -m comparisons report: the page and its Markdown twin, rendered from the session's one run of every
seed system (tests/seed_results.py) and a tiny benchmark; bad input; an interrupted run leaves no partial
report; and the page as a real headless browser shows it."""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from seed_results import results

from comparisons.parity import report_cli

from comparisons.parity import report_data

from comparisons.parity import seed_table
from comparisons.parity.bench import measure
from comparisons.parity.bench_cases import select_cases
from comparisons.parity.report_shadow import shadow_steps
from manual.seeds import SYSTEMS

ROOT = Path(__file__).resolve().parents[2]
TINY_BENCH = "xor,width16,width64,batch1,batch16"


def tiny_bench() -> dict:
    """Five tiny cases, float32, 2 blocks of 1 step: enough to draw every bench figure."""
    rows = [measure(c, "float32", 2, 1) for c in select_cases(TINY_BENCH, False)]
    return {"complete": True, "machine": report_data.machine(), "repeats": 2, "spinning": "threads pinned",
            "results": rows, "targets": []}


@pytest.fixture(scope="session")
def bench_json(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("bench") / "bench.json"
    path.write_text(json.dumps(tiny_bench()))
    return path


@pytest.fixture(scope="session")
def report(tmp_path_factory, bench_json) -> Path:
    """The report of every seed system (the session's results) with the tiny bench, as the command writes it."""
    out = tmp_path_factory.mktemp("report") / "reports"
    assert report_cli.check_out(str(out)) is None
    report_cli.make_report(str(out), list(SYSTEMS), list(results().values()), 1.0, json.loads(bench_json.read_text()))
    return out


def figure_names() -> list[str]:
    return [f"seed_{s.key}.png" for s in SYSTEMS] + [f"bench_{k}_float32.png" for k in ("time", "ratios", "sweep")]


def test_the_folder_holds_the_page_the_markdown_and_every_figure(report):
    assert sorted(p.name for p in report.iterdir()) == ["report.html", "report.md", "report_figures"]
    assert sorted(p.name for p in (report / "report_figures").iterdir()) == sorted(figure_names())
    for p in (report / "report_figures").iterdir():
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_page_is_self_contained_and_shows_the_table_and_every_figure(report):
    page = (report / "report.html").read_text()
    assert not re.search(r"(src|href)=\"(?!data:)", page) and "<script" not in page and "<link" not in page
    assert len(re.findall(r'<img alt="[^"]*" src="data:image/png;base64,', page)) == len(figure_names())
    table = page[page.index('<table class="seed-table">'):]
    table = table[:table.index("</table>")]
    assert "<th>margin</th>" in table and table.count("<tr>") == 1 + 2 * len(SYSTEMS)
    for s in SYSTEMS:
        assert f"<td>{s.key}</td>" in table
    for words in ("The seeds&#x27; own code, as written", "[stale_weights]", "Benchmark", "GEMM floor",
                  "torch 2.", "NumPy ", "Made 20"):
        assert words in page, words


def test_the_markdown_twin_links_every_figure_and_holds_the_same_table(report):
    text = (report / "report.md").read_text()
    assert re.findall(r"\]\(report_figures/([^)]+)\)", text) == figure_names()
    rows = [line for line in text.splitlines() if re.match(r"\| \d{3} \| ", line) and "float" in line]
    assert len(rows) == 2 * len(SYSTEMS)


def test_float32_rows_trained_by_the_report_keep_the_shadow_per_step(tmp_path, monkeypatch, capsys):
    """seeds --report: the float32 row's shadow check recorded step by step, drawn against its allowance."""
    monkeypatch.setattr(report_data, "run_bench", lambda kind: None)
    args = argparse.Namespace(seed="quadratic_relu", dtype="float32", no_variants=True, jobs=1, verbose=False, json=None,
                              kernels=None, report=str(tmp_path))
    done = []
    real = report_cli.make_report
    monkeypatch.setattr(report_cli, "make_report", lambda out, s, d, *a: done.extend(d) or real(out, s, d, *a))
    assert seed_table.run(args) == 0
    assert f"report: {tmp_path / 'report.html'}" in capsys.readouterr().out
    steps, traj = shadow_steps(done[0]), done[0].trajectory     # the seed's settings diverge: 3 steps
    assert [s.step for s in steps] == list(range(traj.steps_run)) and traj.nonfinite_step == len(steps) - 1
    assert all(0 <= s.loss_error <= s.loss_allowance and s.margin >= 1 for s in steps[:-1])
    assert min(s.margin for s in steps[:-1]) >= traj.margin * (1 - 1e-9)
    assert (tmp_path / "report_figures" / "seed_quadratic_relu.png").exists()


def cached_training(systems, n_jobs):
    keys = {s.key for s in systems}
    return [r for r in results().values() if r.key in keys], 0.5


def run(*argv) -> int:
    return report_cli.run(report_cli_args(*argv))


def report_cli_args(*argv):
    parser = argparse.ArgumentParser()
    report_cli.add_arguments(parser)
    return parser.parse_args(argv)


def test_the_command_writes_the_report_and_says_where(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(report_data, "train_seeds", cached_training)
    assert run("--out", str(tmp_path / "r"), "--seed", "xor", "--no-bench") == 0
    assert f"wrote {tmp_path / 'r' / 'report.html'} and {tmp_path / 'r' / 'report.md'}" in capsys.readouterr().out
    assert "seed_xor.png" in (tmp_path / "r" / "report.md").read_text()


@pytest.mark.parametrize("argv,message", [
    (("--quick", "--full-bench"), "exclude each other"),
    (("--seed", "nope"), "unknown seed system 'nope'"),
    (("--bench-json", "/nonexistent/bench.json"), "--bench-json /nonexistent/bench.json: No such file"),
    (("--jobs", "0"), "--jobs must be at least 1"),
])
def test_usage_errors_exit_2_before_any_work(argv, message, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(report_data, "train_seeds", None)     # never reached
    assert run("--out", str(tmp_path), *argv) == 2
    assert message in capsys.readouterr().err


def test_an_output_path_that_is_a_file_or_under_one_is_refused(tmp_path, capsys):
    (tmp_path / "f").write_text("x")
    assert run("--out", str(tmp_path / "f")) == 2
    assert "is a file, not a folder" in capsys.readouterr().err
    assert run("--out", str(tmp_path / "f" / "sub")) == 2
    assert "cannot create the folder (Not a directory)" in capsys.readouterr().err


def test_a_bench_json_that_is_not_one_is_refused(tmp_path, capsys):
    (tmp_path / "b.json").write_text("{not json")
    assert run("--out", str(tmp_path), "--bench-json", str(tmp_path / "b.json")) == 2
    assert "not JSON" in capsys.readouterr().err


@pytest.mark.parametrize("where", ["training", "writing"])
def test_ctrl_c_leaves_the_previous_report_and_no_partial_one(where, tmp_path, monkeypatch, capsys):
    out = tmp_path / "r"
    out.mkdir()
    (out / "report.html").write_text("previous")
    def interrupt(*a, **k):
        raise KeyboardInterrupt
    monkeypatch.setattr(report_data, "train_seeds", interrupt if where == "training" else cached_training)
    monkeypatch.setattr("comparisons.parity.report_html.render_html", interrupt)
    assert run("--out", str(out), "--seed", "xor", "--no-bench") == 130
    assert "interrupted: no report written" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["report.html"] and (out / "report.html").read_text() == "previous"


def test_help_does_not_import_torch():
    run_ = subprocess.run([sys.executable, "-X", "importtime", "-m", "comparisons", "report", "--help"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run_.returncode == 0 and "--bench-json PATH" in run_.stdout
    assert not re.search(r"\|\s+(torch|matplotlib)$", run_.stderr, re.M)


BROWSER_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
CHECK = """<script>window.addEventListener("load", () => {
  const imgs = [...document.images], ok = imgs.filter(i => i.complete && i.naturalWidth > 0);
  const table = document.querySelector("table.seed-table"), box = table && table.getBoundingClientRect();
  const shown = table && box.width > 0 && box.height > 0 && getComputedStyle(table).visibility !== "hidden";
  document.body.insertAdjacentHTML("beforeend", `<div id="check">images ${ok.length}/${imgs.length} `
    + `rows ${table ? table.rows.length : 0} shown ${shown}</div>`);
});</script>"""


def browser() -> str | None:
    return next((shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)


def test_a_headless_browser_loads_every_figure_and_shows_the_seed_table(report, tmp_path):
    """Chromium opens (a copy of) the page with a check script added: every <img> decoded (naturalWidth >
    0) and the seed table laid out with every row."""
    exe = browser()
    if exe is None:
        pytest.skip("no chromium on PATH (.ci/run installs Debian's chromium where apt-get can)")
    page = tmp_path / "checked.html"
    page.write_text((report / "report.html").read_text().replace("</body>", CHECK + "</body>"))
    run_ = subprocess.run([exe, *BROWSER_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
                           page.as_uri()], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "HOME": str(tmp_path)})
    found = re.search(r'<div id="check">images (\d+)/(\d+) rows (\d+) shown (\w+)</div>', run_.stdout)
    assert found, run_.stdout[-500:] + run_.stderr[-2000:]
    assert found.groups() == (str(len(figure_names())), str(len(figure_names())), str(1 + 2 * len(SYSTEMS)), "true")


def test_ctrl_c_in_the_benchmark_writes_what_was_measured_marked_incomplete(tmp_path, monkeypatch, capsys,
                                                                          bench_json):
    """The bench part interrupted after two measurements: the report is written with those two, and says
    INCOMPLETE first thing on the page (its title too) and in the Markdown; exit status 130."""
    from comparisons.parity import bench

    rows = json.loads(bench_json.read_text())["results"]
    calls = []

    def measure_then_ctrl_c(case, dtype, repeats, steps):
        calls.append(case.name)
        if len(calls) > 2:
            raise KeyboardInterrupt
        return dict(rows[len(calls) - 1], case=case.name)     # xor's row, then a width sweep's: one sweep only

    monkeypatch.setattr(report_data, "train_seeds", cached_training)
    monkeypatch.setattr(bench, "measure", measure_then_ctrl_c)
    out = tmp_path / "r"
    assert run("--out", str(out), "--seed", "xor", "--quick") == 130
    said = capsys.readouterr().out
    assert "wrote" in said and "INCOMPLETE: the benchmark was interrupted (Ctrl-C) after 2 of" in said
    page, text = (out / "report.html").read_text(), (out / "report.md").read_text()
    body = page[page.index("<body>"):]
    assert "<title>INCOMPLETE: " in page and body.index('<p class="warning">INCOMPLETE') < body.index("<table")
    assert text.splitlines()[2].startswith("> **INCOMPLETE: the benchmark was interrupted (Ctrl-C) after 2 of ")
    assert "the run was interrupted" in text and "seed_xor.png" in text


def test_a_complete_report_says_nothing_of_incomplete(report):
    assert "INCOMPLETE" not in (report / "report.html").read_text() + (report / "report.md").read_text()


def test_the_bars_show_every_case_but_the_sweeps_which_have_their_own_plot(monkeypatch):
    """The seed nets, the MLPs and the conv net each get their bars; width and batch sweeps go to the log-log plot."""
    from types import SimpleNamespace

    from comparisons.parity import report_bench_plots, report_content
    from comparisons.parity.bench_cases import CASES

    shown = []
    monkeypatch.setattr(report_bench_plots, "time_bars", lambda rows, dtype: shown.extend(r["case"] for r in rows))
    monkeypatch.setattr(report_bench_plots, "ratio_bars", lambda rows, dtype: None)
    monkeypatch.setattr(report_bench_plots, "sweep_plot", lambda rows, dtype: None)
    report_content._bench(SimpleNamespace(bench={"results": [{"case": c.name, "group": c.group, "dtype": "float32"}
                                                             for c in CASES]}))
    assert shown == [c.name for c in CASES if "sweep" not in c.group] and "cnn_b64" in shown
