"""`python -m comparisons bench`: one training step (forward, MSE loss, backward, SGD update) timed five
ways on the same network, batch and initial weights (comparisons/parity/bench_steps.py): manual/, a plain
hand-written NumPy step, torch eager with torch.optim.SGD, torch with a bare no_grad update, and the GEMM
floor (only the matrix products), in float32 and float64.

Per case and dtype: a warm-up, then `--repeats` timed blocks of the same number of steps for each
implementation, interleaved (the order rotates every repeat), so slow drift on a shared machine hits every
implementation alike; medians, min-max, and ratios of medians pair by pair, all from one run. Threads of
NumPy's BLAS and of torch are pinned (`--threads`, default 1) and printed with the machine, BLAS and
versions. Memory: the peak extra memory of one step, manual/ by tracemalloc and torch eager by its
profiler (comparisons/parity/bench_memory.py). Ctrl-C keeps what was measured, prints it marked INCOMPLETE and
exits 130.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time

from .bench_cases import select_cases

DTYPES = ("float32", "float64")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cases", metavar="NAME,...", help="comma-separated case names (default: every case)")
    parser.add_argument("--dtype", choices=[*DTYPES, "both"], default="both", help="default: both")
    parser.add_argument("--threads", type=int, default=1, metavar="N",
                        help="threads for NumPy's BLAS and for torch each (default 1)")
    parser.add_argument("--repeats", type=int, default=None,
                        help="timed blocks per implementation (default 7; --quick 3)")
    parser.add_argument("--steps", type=int, default=None, help="steps per block (default: ~0.03 s a block, 1-200)")
    parser.add_argument("--quick", action="store_true", help=f"a small subset (xor, sine, mnist_b64), fewer repeats")
    parser.add_argument("--json", metavar="PATH", help="also write every figure to PATH (JSON)")


def _time_block(step, n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        step()
    return (time.perf_counter() - t0) / n


def steps_per_block(steps: dict, fixed: int | None, target_s: float = 0.03) -> int:
    """The steps per timed block: `fixed`, else enough for ~target_s with the slowest implementation."""
    if fixed:
        return fixed
    slowest = max(_time_block(step, 1) for step in steps.values())
    return max(1, min(200, int(target_s / max(slowest, 1e-9))))


def measure(case, dtype: str, repeats: int, fixed_steps: int | None) -> dict:
    """Every implementation's seconds per step on one case, interleaved, and the peak memory of one step."""
    import numpy as np

    from .bench_memory import numpy_peak_bytes, torch_peak_bytes
    from .bench_report import RATIOS, ratio_name
    from .bench_steps import IMPLS, build_steps

    steps = build_steps(case, np.dtype(dtype))
    with np.errstate(all="ignore"):
        for step in steps.values():          # warm-up: caches, lazy imports, allocator pools
            step(), step()
        n = steps_per_block(steps, fixed_steps)
        blocks = {i: [] for i in IMPLS}
        for r in range(repeats):
            for impl in IMPLS[r % len(IMPLS):] + IMPLS[:r % len(IMPLS)]:
                blocks[impl].append(_time_block(steps[impl], n))
        torch_peak, how = torch_peak_bytes(steps["torch_eager"])
        memory = {"manual": numpy_peak_bytes(steps["manual"]), "torch_eager": torch_peak, "torch_read_from": how}
    seconds = {i: {"median": statistics.median(b), "min": min(b), "max": max(b), "blocks": b}
               for i, b in blocks.items()}
    # None when torch's profiler recorded no allocation (it sometimes misses a step's events)
    memory["ratio"] = memory["manual"] / memory["torch_eager"] if memory["torch_eager"] else None
    return {"case": case.name, "label": case.label, "sizes": list(case.sizes), "activation": case.activation,
            "batch": case.batch, "group": case.group, "dtype": dtype, "steps_per_block": n, "repeats": repeats,
            "seconds": seconds,
            "ratios": {ratio_name(a, b): seconds[a]["median"] / seconds[b]["median"] for a, b in RATIOS},
            "memory": memory}


def measure_all(units: list, repeats: int, fixed_steps: int | None) -> tuple[list[dict], bool]:
    """measure() each (case, dtype) in turn, showing progress (progress.py); Ctrl-C stops it and keeps what was
    measured: (results, whether every unit was measured)."""
    from .progress import progress

    results: list[dict] = []
    shown = progress(units, lambda u: f"{u[0].name} ({u[0].label}, batch {u[0].batch}) {u[1]}", "bench")
    try:
        for case, dtype in shown:
            results.append(measure(case, dtype, repeats, fixed_steps))
    except KeyboardInterrupt:
        shown.close()
        return results, False
    return results, True


def write_json(path: str, record: dict) -> None:
    """Write `record` to path atomically: a temporary file in the same folder, then renamed over it."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".bench-", suffix=".json", dir=folder)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(record, f, indent=1)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _check_json_path(path: str) -> str | None:
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        return f"--json {path}: folder {folder} does not exist"
    if not os.access(folder, os.W_OK):
        return f"--json {path}: folder {folder} is not writable"
    if os.path.isdir(path):
        return f"--json {path} is a folder; name a file"
    return None


def run(args: argparse.Namespace) -> int:
    try:
        cases = select_cases(args.cases, args.quick)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    problem = (_check_json_path(args.json) if args.json else None) or (
        "--threads must be at least 1" if args.threads < 1 else None) or (
        "--repeats and --steps must be at least 1" if min(args.repeats or 1, args.steps or 1) < 1 else None)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    from .bench_machine import machine_info, pinned_threads, spinning_note
    from .bench_report import check_targets, memory_note, ratio_table, target_lines, time_table
    from .bench_steps import IMPLS

    repeats = args.repeats or (3 if args.quick else 7)
    dtypes = DTYPES if args.dtype == "both" else (args.dtype,)
    units = [(c, d) for c in cases for d in dtypes]
    with pinned_threads(args.threads):
        machine = machine_info()
        results, complete = measure_all(units, repeats, args.steps)
    blas = "; ".join(f"{b['library']} {b['version']} ({b['kernel']} kernel)" for b in machine["blas"]) or "none found"
    lines = [
        "one training step (forward, MSE loss, backward, SGD update): manual/ | plain NumPy | torch eager "
        "(torch.optim.SGD) | torch bare (no_grad update) | GEMM floor (matrix products only)",
        f"machine   {machine['cpu']}, {machine['cores']} cores; python {machine['python']}, numpy "
        f"{machine['numpy']}, torch {machine['torch']}",
        f"BLAS      {blas}",
        f"threads   NumPy BLAS {args.threads}, torch {machine['torch_threads']} (--threads); "
        f"{spinning_note(args.threads)}",
        f"timing    median [min-max] of {repeats} interleaved blocks per implementation after a warm-up; "
        "ratios are of medians, from this run",
        "", *time_table(results, IMPLS), "", *ratio_table(results),
        memory_note(results), "", "targets (issue 10):", *target_lines(check_targets(results)),
    ]
    if not complete:
        lines.append(f"INCOMPLETE: interrupted after {len(results)} of {len(units)} measurements; "
                     "only these are shown")
    print("\n".join(lines))
    if args.json:
        write_json(args.json, {"complete": complete, "machine": machine, "threads": args.threads,
                               "spinning": spinning_note(args.threads), "repeats": repeats,
                               "measured": len(results), "planned": len(units), "results": results,
                               "targets": check_targets(results)})
        print(f"wrote {args.json}{'' if complete else ' (INCOMPLETE)'}")
    return 0 if complete else 130
