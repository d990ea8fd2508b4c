"""What the report says, in order, as a list of blocks that report_html and report_markdown each render:
the machine, the seed parity table, per seed system its figure, the seeds' own code under the learner
check, the benchmark. Figures are made here (PNG bytes, deterministic names)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .report_data import ReportData


@dataclass
class Block:
    """kind: "h1", "h2", "p", "warning" (a notice shown first and boxed), "pre", "table" (head, rows), or
    "figure" (name, caption, png)."""

    kind: str
    text: str = ""
    head: tuple = ()
    rows: tuple = ()
    name: str = ""
    png: bytes = b""


def _machine(data: ReportData) -> list[Block]:
    m = data.machine
    blas = "; ".join(f"{b['library']} {b['version']} ({b['kernel']} kernel)" for b in m.get("blas", [])) or "none found"
    return [Block("p", f"Made {data.date} on {m.get('cpu', '?')}, {m.get('cores', '?')} cores "
                       f"({m.get('platform', '?')}); Python {m.get('python', '?')}, NumPy {m.get('numpy', '?')}, "
                       f"torch {m.get('torch', '?')}, matplotlib {m.get('matplotlib', '?')}; BLAS {blas}.")]


def _seed_table(data: ReportData) -> list[Block]:
    from .seed_runs import SystemResult
    from .seed_table import COLUMNS, LEGEND, render, table_cells

    rows = [r for r in data.done if isinstance(r, SystemResult)]
    text, bad = render(data.systems, data.done, seconds=data.seconds)
    summary = text.split("\n\n")[-1].strip()
    status = "every row and variant as expected" if not bad else "NOT OK: " + "; ".join(bad)
    blocks = [Block("h2", "Seed parity table"),
              Block("p", f"Every seed network trained by hand in NumPy (manual/) and by its torch twin from "
                         f"identical weights ({summary.splitlines()[0]}): {status}."),
              Block("table", head=tuple(n for n, _ in COLUMNS), rows=tuple(table_cells(r) for r in rows))]
    blocks += [Block("p", para) for para in LEGEND.split("\n")]
    notes = text.split("\nNotes:\n", 1)[1].rsplit("\n\n", 1)[0] if "\nNotes:\n" in text else ""
    return blocks + ([Block("h2", "Notes"), Block("pre", notes)] if notes else [])


def _seed_figures(data: ReportData) -> list[Block]:
    from .report_plots import system_figure
    from .seed_runs import SystemResult

    rows = {(r.key, r.dtype): r for r in data.done if isinstance(r, SystemResult)}
    blocks = [Block("h2", "Training curves"),
              Block("p", "Per seed system: the loss at every step from NumPy and from torch (top) and their "
                         "absolute difference on a log scale (bottom), float64 left, float32 right. float64 is "
                         "judged against torch within the tolerance drawn (relative to the largest loss so far). "
                         "float32 is judged step by step: torch takes each step from the NumPy run's own weights "
                         "and must agree within the float32 rounding bound (the allowance drawn); the two "
                         "independent float32 runs drift apart chaotically and are shown, not judged. "
                         "Gaps on a log axis are steps where the difference is exactly 0.")]
    for s in data.systems:
        r64, r32 = rows.get((s.key, np.dtype(np.float64))), rows.get((s.key, np.dtype(np.float32)))
        if r64 is None and r32 is None:
            continue
        verdicts = ", ".join(f"{r.dtype.name} {r.verdict}" for r in (r64, r32) if r is not None)
        blocks.append(Block("figure", f"{s.seed} {s.key} ({s.describe()}): {verdicts}", name=f"seed_{s.key}.png",
                            png=system_figure(r64, r32)))
    return blocks


def _variants(data: ReportData) -> list[Block]:
    from .seed_runs import VariantResult

    variants = [v for v in data.done if isinstance(v, VariantResult)]
    if not variants:
        return []
    rows = []
    for v in variants:
        status = (("FLAGGED" if v.flagged else "passed")
                  + ("" if v.ok else f" (UNEXPECTED: expected {v.variant.expect})"))
        rows.append((f"{v.system.seed} {v.system.key}", v.variant.name, v.variant.bug, status, v.found(),
                     "\n".join(v.likely) or "-"))
    return [Block("h2", "The seeds' own code, as written"),
            Block("p", "Each seed's code made runnable (bugs intact) and corrected, as step_fn(params, X, y, lr), "
                       "float64, trained against the torch mirror; a flagged variant is then diagnosed by the "
                       "learner check (python -m comparisons check)."),
            Block("table", head=("seed", "variant", "bug", "result", "found", "learner check: likely"),
                  rows=tuple(rows))]


def _bench(data: ReportData) -> list[Block]:
    from .report_bench_plots import has_sweep, ratio_bars, sweep_plot, time_bars

    if data.bench is None:
        return []
    b, results = data.bench, data.bench["results"]
    m = b.get("machine", {})
    blocks = [Block("h2", "Benchmark"),
              Block("p", f"One training step (forward, MSE loss, backward, SGD update) five ways: manual/, a plain "
                         f"NumPy step, torch eager with torch.optim.SGD, torch with a bare no_grad update, and the "
                         f"GEMM floor (the matrix products only). {b.get('repeats', '?')} interleaved blocks per "
                         f"implementation; {b.get('spinning', '')}. Measured on {m.get('cpu', '?')}, "
                         f"{m.get('cores', '?')} cores, numpy {m.get('numpy', '?')}, torch {m.get('torch', '?')}"
                         f"{'' if b.get('complete', True) else '; INCOMPLETE: the run was interrupted'}.")]
    for dtype in sorted({r["dtype"] for r in results}):
        main = [r for r in results if r["group"] in ("seed", "mlp", "conv")]     # the sweeps have their own plot
        if any(r["dtype"] == dtype for r in main):
            blocks.append(Block("figure", f"time per step, {dtype}", name=f"bench_time_{dtype}.png",
                                png=time_bars(main, dtype)))
            blocks.append(Block("figure", f"ratios of medians, {dtype}", name=f"bench_ratios_{dtype}.png",
                                png=ratio_bars(main, dtype)))
        if has_sweep([r for r in results if r["dtype"] == dtype]):
            blocks.append(Block("figure", f"scaling sweep, {dtype}, log-log, GEMM floor dashed",
                                name=f"bench_sweep_{dtype}.png", png=sweep_plot(results, dtype)))
    targets = b.get("targets") or []
    if targets:
        blocks.append(Block("table", head=("target (issue 10)", "", "worst"),
                            rows=tuple((t["target"], "met" if t["met"] else "NOT met",
                                        f"{t['worst']:.2f}x ({t['where']})")
                                       for t in targets)))
    return blocks


def build(data: ReportData) -> list[Block]:
    """The whole report, in reading order."""
    from .report_data import incomplete_note

    note = incomplete_note(data.bench)
    return [Block("h1", "backprop-parity report"), *([Block("warning", note)] if note else []), *_machine(data),
            *_seed_table(data), *_seed_figures(data), *_variants(data), *_bench(data)]
