"""python -m comparisons report: train every seed system, benchmark, and write the parity report: a
self-contained HTML page and its Markdown twin (figures as PNG files beside it) into a folder.

The report is built in a temporary folder inside the output folder and moved into place only when it is
written out: Ctrl-C while training or writing, or an error, leaves the previous report (if any) as it was,
and no partial one. Ctrl-C during the benchmark keeps what was measured: the report is written with it and
says INCOMPLETE at its top (exit status 130).
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile

HTML, MARKDOWN, FIGURES = "report.html", "report.md", "report_figures"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", metavar="DIR", default="reports", help="the folder to write into, created if "
                        f"missing (default: reports); writes {HTML}, {MARKDOWN} and {FIGURES}/")
    parser.add_argument("--quick", action="store_true", help="a tiny benchmark (a few cases, a 4-point sweep, "
                        "2 repeats) instead of bench --quick's cases with the whole sweep")
    parser.add_argument("--full-bench", action="store_true", help="the whole benchmark, both dtypes (minutes)")
    parser.add_argument("--bench-json", metavar="PATH", help="read the benchmark from PATH, written by "
                        "`python -m comparisons bench --json PATH`, instead of measuring it")
    parser.add_argument("--no-bench", action="store_true", help="leave the benchmark out")
    parser.add_argument("--seed", metavar="NAME", help="one seed system, module or number (default: all)")
    parser.add_argument("--jobs", type=int, default=min(os.cpu_count() or 1, 4), metavar="N",
                        help="worker processes for training (default: the number of cores, at most 4)")


def check_out(out: str) -> str | None:
    """Create the output folder if needed; what is wrong with it, or None."""
    if os.path.exists(out) and not os.path.isdir(out):
        return f"--out {out} is a file, not a folder"
    try:
        os.makedirs(out, exist_ok=True)
    except OSError as exc:
        return f"--out {out}: cannot create the folder ({exc.strerror})"
    if not os.access(out, os.W_OK | os.X_OK):
        return f"--out {out}: the folder is not writable"
    return None


def write_report(out: str, blocks: list) -> str:
    """Write the page, the Markdown and the figures into `out` via a temporary folder; the page's path."""
    from .report_html import render_html
    from .report_markdown import render_markdown

    tmp = tempfile.mkdtemp(prefix=".report-partial-", dir=out)
    try:
        os.mkdir(os.path.join(tmp, FIGURES))
        for b in blocks:
            if b.kind == "figure":
                with open(os.path.join(tmp, FIGURES, b.name), "wb") as f:
                    f.write(b.png)
        for name, text in ((MARKDOWN, render_markdown(blocks, FIGURES)), (HTML, render_html(blocks))):
            with open(os.path.join(tmp, name), "w", encoding="utf-8") as f:
                f.write(text)
        if os.path.isdir(os.path.join(out, FIGURES)):       # the previous report's figures, removed below
            os.replace(os.path.join(out, FIGURES), os.path.join(tmp, "old_figures"))
        for name in (FIGURES, MARKDOWN, HTML):                 # the page last: it alone is complete by itself
            os.replace(os.path.join(tmp, name), os.path.join(out, name))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return os.path.join(out, HTML)


def make_report(out: str, systems: list, done: list, seconds: float, bench: dict | str | None) -> str:
    """Build and write the report from trained results and a bench record (or a bench plan to measure:
    "tiny", "quick", "full"); the page's path."""
    from .report_content import build
    from .report_data import ReportData, machine, run_bench

    if isinstance(bench, str):
        print(f"report: benchmark ({bench}) ...", file=sys.stderr, flush=True)
        bench = run_bench(bench)
    return write_report(out, build(ReportData(systems, done, seconds, bench, machine())))


def _usage_problem(args: argparse.Namespace) -> str | None:
    if sum(map(bool, (args.full_bench, args.bench_json, args.no_bench, args.quick))) > 1:
        return "--quick, --full-bench, --bench-json and --no-bench exclude each other"
    if args.jobs < 1:
        return "--jobs must be at least 1"
    return check_out(args.out)


def run(args: argparse.Namespace) -> int:
    from manual.errors import UnknownNameError
    from manual.seeds import get_systems

    from .report_data import incomplete_note, read_bench, run_bench, train_seeds

    try:
        problem = _usage_problem(args)
        if problem:
            raise ValueError(problem)
        systems = list(get_systems(args.seed))
        bench = read_bench(args.bench_json) if args.bench_json else None
    except (UnknownNameError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    measured = None
    try:
        print(f"report: training {len(systems)} seed system(s) in NumPy and torch ...", file=sys.stderr, flush=True)
        done, seconds = train_seeds(systems, args.jobs)
        if not (bench or args.no_bench):
            plan = "full" if args.full_bench else "tiny" if args.quick else "quick"
            print(f"report: benchmark ({plan}) ...", file=sys.stderr, flush=True)
            bench = measured = run_bench(plan)   # Ctrl-C in it keeps what was measured (marked incomplete)
        path = make_report(args.out, systems, done, seconds, bench)
    except KeyboardInterrupt:
        print(f"interrupted: no report written ({args.out} keeps its previous report, if any)", file=sys.stderr)
        return 130
    from .seed_runs import SystemResult, VariantResult

    bad = [r for r in done if isinstance(r, (SystemResult, VariantResult)) and not r.ok]
    note = incomplete_note(bench)
    print(f"wrote {path} and {os.path.join(args.out, MARKDOWN)}" + (f"; {len(bad)} row(s)/variant(s) NOT OK"
                                                                   if bad else "") + (f"\n{note}" if note else ""))
    return 130 if note and measured is not None else 1 if bad else 0
