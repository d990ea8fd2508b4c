"""What the report shows, gathered in one place: the seed rows and variants (trained here, with the float32
shadow recorded per step), the benchmark (measured here or read from `bench --json`), the machine."""
from __future__ import annotations

import datetime
import json
import platform
import time
from dataclasses import dataclass, field

import numpy as np

BENCH_SWEEP = ("width16", "width64", "width256", "width1024", "width2048", "batch1", "batch16", "batch256",
               "batch4096")
TINY_SWEEP = ("width16", "width256", "batch1", "batch256")


@dataclass
class ReportData:
    systems: list            # manual.seeds.SeedSystem, table order
    done: list               # SystemResult and VariantResult, as seed_table.render takes them
    seconds: float           # time to train them
    bench: dict | None       # a `bench --json` record (None: no benchmark)
    machine: dict = field(default_factory=dict)
    date: str = field(default_factory=lambda: datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"))


def machine() -> dict:
    """CPU, cores, BLAS and the versions that made the page."""
    import matplotlib

    from .bench_machine import machine_info

    info = machine_info()
    info["matplotlib"] = matplotlib.__version__
    info["platform"] = platform.platform()
    return info


def train_seeds(systems: list, n_jobs: int) -> tuple[list, float]:
    """Every row (both dtypes) and variant of `systems`, as `seeds` runs them."""
    from .seed_runs import run_jobs

    start = time.perf_counter()
    jobs = [("system", s.key, np.dtype(dt)) for s in systems for dt in (np.float64, np.float32)]
    jobs += [("variant", s.key, i) for s in systems for i in range(len(s.variants))]
    done = run_jobs(jobs, n_jobs)
    return done, time.perf_counter() - start


def bench_plan(kind: str) -> tuple[list[str], tuple[str, ...], int]:
    """Cases, dtypes and repeats: "tiny" (the report's --quick and `seeds --report`), "quick" (bench
    --quick's cases and the scaling sweep, float32) or "full" (every case, both dtypes)."""
    from .bench_cases import CASES, QUICK

    if kind == "full":
        return [c.name for c in CASES], ("float32", "float64"), 7
    if kind == "quick":
        return [*QUICK, *BENCH_SWEEP], ("float32",), 3
    return [*QUICK, *TINY_SWEEP], ("float32",), 2


def run_bench(kind: str, steps: int | None = None) -> dict:
    """Measure the bench plan `kind` (threads pinned to 1) into a record shaped like `bench --json`'s. Ctrl-C
    stops the measuring and keeps what was measured: the record says "complete": False."""
    from .bench import measure_all
    from .bench_cases import select_cases
    from .bench_machine import machine_info, pinned_threads, spinning_note
    from .bench_report import check_targets

    names, dtypes, repeats = bench_plan(kind)
    units = [(c, d) for c in select_cases(",".join(names), False) for d in dtypes]
    with pinned_threads(1):
        info = machine_info()
        results, complete = measure_all(units, repeats, steps)
    return {"complete": complete, "machine": info, "threads": 1, "spinning": spinning_note(1), "repeats": repeats,
            "measured": len(results), "planned": len(units), "results": results, "kind": kind,
            "targets": check_targets(results)}


def incomplete_note(bench: dict | None) -> str | None:
    """What the report must say first when its benchmark was interrupted; None when it was not."""
    if bench is None or bench.get("complete", True):
        return None
    done, planned = bench.get("measured", len(bench["results"])), bench.get("planned", "?")
    return (f"INCOMPLETE: the benchmark was interrupted (Ctrl-C) after {done} of {planned} measurements; its "
            "figures and targets below show only those. The seed parity results are complete.")


def read_bench(path: str) -> dict:
    """A `bench --json` record; ValueError says what is wrong with the file."""
    try:
        with open(path, encoding="utf-8") as f:
            record = json.load(f)
    except OSError as exc:
        raise ValueError(f"--bench-json {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"--bench-json {path}: not JSON ({exc})") from None
    if not isinstance(record, dict) or not isinstance(record.get("results"), list):
        raise ValueError(f"--bench-json {path}: not a record written by `python -m comparisons bench --json`")
    return record
