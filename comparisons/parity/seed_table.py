"""python -m comparisons seeds: every seed system trained by manual/ and by torch, in one table.

Per system and dtype:
- fwd / grad: compare_step (every layer output and the loss; every delta, parameter gradient and dL/dx)
  at the seed's initial weights on the first batch.
- traj: compare_trajectory over the seed's full step count: the loss at every step, every parameter
  every STRIDE-th step and at the last. float64 against torch float64 (rtol of tolerances.py);
  float32 under tolerances.py's criterion, against a float64 torch run from the same float32 weights
  (the column shows NumPy-float32's error and, in brackets, torch-float32's).
- reference: the seed's own torch code (torch_ref.seeds) where the seed has some (000's Net, 003),
  else the nn.Sequential mirror.
- task: the result the seed reports, from the NumPy run | from the torch run.
- verdict: pass; or "diverges@k": the seed's own settings blow up and both runs are non-finite by step k,
  after matching at every step before it, or, when they separate first inside the blow-up, with one
  forward/backward from the NumPy run's weights entering the first mismatching step agreeing with torch
  (the step itself matches; the blow-up amplified rounding) and both non-finite within seed_runs.BLOWUP_STEPS;
  or FAIL. A mismatch is explained in the notes by that same one-step check.
Then the seeds' own code (as written, made runnable; and corrected) as step_fn(params, X, y, lr) against
the torch mirror, float64: an "as written" variant must be flagged, a correct one must pass.
Exit status 0 when every row passes (or diverges in both alike) and every variant behaves as expected.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures.process import BrokenProcessPool

import numpy as np
import torch

from manual.errors import UnknownNameError
from manual.seeds import SeedSystem, get_systems

from . import report_cli
from .seed_runs import STRIDE, SystemResult, VariantResult, run_jobs
from .seed_twins import Twins
from .seeds_command import DTYPES


# ---- printing ---------------------------------------------------------------------------------------
def _fmt(v) -> str:
    return v if isinstance(v, str) else f"{v:.4g}"


def task_text(a: dict, b: dict) -> str:
    return "; ".join(f"{k} {_fmt(a[k])} | {_fmt(b[k])}" for k in a)


COLUMNS = (("seed", 4), ("system", 26), ("architecture", 33), ("dtype", 7), ("fwd", 7), ("grad", 7),
           ("traj (steps run)", 29), ("margin", 7), ("task: NumPy | torch", 52), ("verdict", 12))


def _row(cells) -> str:
    return "  ".join(str(c).ljust(w) for c, (_, w) in zip(cells, COLUMNS)).rstrip()


def table_cells(r: SystemResult) -> tuple[str, ...]:
    """One row's cells, in COLUMNS order (the printed table and the report's)."""
    task = "- (training diverged)" if r.verdict.startswith("diverges") else task_text(r.task_manual, r.task_torch)
    return (r.system.seed, r.system.key, r.system.describe(), r.dtype.name, f"{r.fwd:.0e}", f"{r.grad:.0e}",
            r.traj_text(), _margin_text(r.margin), task, r.verdict)


def format_table(results: list[SystemResult]) -> str:
    lines = [_row(name for name, _ in COLUMNS), _row("-" * w for _, w in COLUMNS)]
    lines += [_row(table_cells(r)) for r in results]
    return "\n".join(lines)


def _margin_text(m: float) -> str:
    return "exact" if m == float("inf") else f"{m:.3g}"


def format_variants(results: list[VariantResult]) -> str:
    lines = []
    for r in results:
        status = "FLAGGED" if r.flagged else "passed"
        if not r.ok:
            status += f"  <-- UNEXPECTED (expected {r.variant.expect})"
        on = f" [on {r.variant.system.describe()}]" if r.variant.system else ""
        lines.append(f"{r.system.seed} {r.system.key} / {r.variant.name}{on}: {status}")
        lines.append(f"    bug    {r.variant.bug}")
        lines.append(f"    found  {r.found()}")
        lines += [f"    likely {text}" for text in r.likely]
    return "\n".join(lines)


def run_checks(systems: list[SeedSystem]) -> list[tuple[SeedSystem, bool, str]]:
    """Each system's own checks (e.g. 004's loss curve against the seed's and its finite differences)."""
    return [(s, ok, text) for s in systems if s.checks for ok, text in s.checks()]


LEGEND = (
    "fwd/grad: max relative error over every tensor, one step at the initial weights.\n"
    "traj: float64: max error against torch float64 (loss every step, parameters every "
    f"{STRIDE}th), relative to the tensor's largest magnitude so far; float32: drift from a float64 run over "
    "the run, NumPy-float32's [torch-float32's], reported, not judged.\n"
    "margin: the smallest allowance / error of every judged comparison (< 1 fails); float32 trajectories are "
    "judged step by step: torch takes each step from the NumPy run's own weights, and loss, gradients and "
    "updated parameters must agree within the float32 rounding bound.")


def format_notes(systems: list[SeedSystem], results: list[SystemResult], checks) -> str:
    lines = [f"{s.seed} {s.key} ({s.title}): {s.note} [{s.seed_file}]" for s in systems if s.note]
    lines += [f"{s.seed} {s.key}: {text}" + ("" if ok else "  <-- FAILED") for s, ok, text in checks]
    for r in results:
        lines += [f"{r.system.key} {r.dtype.name}: {p}" for p in r.problems]
        if r.explanation():
            lines.append(f"{r.system.key} {r.dtype.name}: {r.explanation()}")
    return "\n".join(lines)


def json_record(results: list[SystemResult], variants: list[VariantResult], seconds: float) -> dict:
    """What --json writes: the machine, each row's figures and margin (None: exact), each variant."""
    from .kernel_sweep import blas_kernel

    def finite(x):
        return None if x == float("inf") else x

    return {
        "machine": {"blas": blas_kernel(), "torch_threads": torch.get_num_threads(), "cpus": os.cpu_count()},
        "rows": [{"seed": r.system.seed, "system": r.system.key, "dtype": r.dtype.name, "verdict": r.verdict,
                  "ok": r.ok, "margin": finite(r.margin), "fwd": r.fwd, "grad": r.grad, "traj": r.traj_text()}
                 for r in results],
        "variants": [{"system": v.system.key, "variant": v.variant.name, "flagged": v.flagged, "ok": v.ok}
                     for v in variants],
        "seconds": seconds,
    }


def _check_json_path(path: str | None) -> None:
    if path and not os.path.isdir(os.path.dirname(os.path.abspath(path))):
        raise UnknownNameError(f"--json {path}: the folder {os.path.dirname(os.path.abspath(path))} does not exist")


def _write_json(path: str, record: dict) -> None:
    """Write atomically: a half-written file is never left under the name asked for."""
    tmp = f"{path}.partial"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(record, f, indent=1)
    os.replace(tmp, path)


def run(args: argparse.Namespace, twins: Twins | None = None) -> int:
    """The seeds command (seeds_command.run starts `twins`, the float32 rows' float64 twins, before torch is
    imported; they are taken from there, and stopped should this return early)."""
    start = getattr(args, "_started", None) or time.perf_counter()     # the command's start (cli.main), if known
    threads = torch.get_num_threads()
    try:
        systems = list(get_systems(args.seed))
        _check_json_path(args.json)
        report = getattr(args, "report", None)   # absent in a Namespace built without it
        if report and report_cli.check_out(report):
            raise ValueError(report_cli.check_out(report))
        if args.kernels:
            from .kernel_sweep import parse_kernels, sweep

            kernels = parse_kernels(args.kernels)
            return sweep(kernels, [f"--dtype={args.dtype}"] + ([f"--seed={args.seed}"] if args.seed else [])
                         + [f"--jobs={args.jobs}"])
    except (UnknownNameError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    jobs = [("system", s.key, np.dtype(dt)) for s in systems for dt in DTYPES[args.dtype]]
    if not args.no_variants:
        jobs += [("variant", s.key, i) for s in systems for i in range(len(s.variants))]
    try:
        done = run_jobs(jobs, args.jobs, twins=twins)
    except BrokenProcessPool:
        print("error: a worker process died without a result (killed, or crashed in native code: a BLAS kernel "
              "this CPU cannot run?); rerun with --jobs 1 to see where", file=sys.stderr)
        return 1
    finally:
        torch.set_num_threads(threads)
    text, bad = render(systems, done, verbose=args.verbose, seconds=time.perf_counter() - start)
    print(text)
    if args.json:
        results = [r for r in done if isinstance(r, SystemResult)]
        _write_json(args.json, json_record(results, [r for r in done if isinstance(r, VariantResult)],
                                           time.perf_counter() - start))
    if report:
        print(f"report: {report_cli.make_report(report, systems, done, time.perf_counter() - start, 'tiny')}")
    return 1 if bad else 0


def render(systems: list[SeedSystem], done: list, *, verbose: bool = False, seconds: float | None = None
           ) -> tuple[str, list[str]]:
    """The whole printout for these systems' results (rows and variants, in any order), and what is not
    ok in it (rows, variants, the systems' own checks), each named."""
    results = [r for r in done if isinstance(r, SystemResult)]
    variants = [r for r in done if isinstance(r, VariantResult)]
    out = [format_table(results), LEGEND]
    if variants:
        out += ["\nThe seeds' own code as step_fn(params, X, y, lr), float64, against the torch mirror:",
                format_variants(variants)]
    with np.errstate(all="ignore"):
        checks = run_checks(systems)
    notes = format_notes(systems, results, checks)
    if notes:
        out.append("\nNotes:\n" + notes)
    if verbose:
        out += ["\n" + "\n".join(str(x) for x in [r.step0, r.trajectory, r.one_step] if x and not x.passed)
                for r in results if not r.ok]
        out += ["\n" + str(v.report) for v in variants if v.flagged or not v.ok]
    bad_rows = [f"{r.system.key} {r.dtype.name}" for r in results if not r.ok]
    bad_variants = [f"{v.system.key} / {v.variant.name}" for v in variants if not v.ok]
    bad_variants += [f"{s.key}: {text}" for s, ok, text in checks if not ok]
    took = "" if seconds is None else f"; {seconds:.1f} s"
    out.append(f"\n{len(results)} rows: {len(results) - len(bad_rows)} ok; {len(variants)} variants: "
               f"{len(variants) - len(bad_variants)} as expected{took}")
    out += [f"NOT OK: {what}" for what in bad_rows + bad_variants]
    return "\n".join(out), bad_rows + bad_variants
