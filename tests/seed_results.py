"""Every seed system (both dtypes) and every variant, trained once per test session in forked
workers (all cores but one), as `python -m comparisons seeds` runs them; the seed tests and the table
tests read from here. conftest.py starts the workers as soon as collection shows a test that reads these
results, and runs those tests last, so the training runs on the other core(s) while the other tests run."""
from __future__ import annotations

import os
from functools import cache

import numpy as np

from comparisons.parity.seed_runs import Jobs, SystemResult, VariantResult
from manual.seeds import SYSTEMS, SeedSystem

JOBS = [("system", s.key, np.dtype(dt)) for s in SYSTEMS for dt in (np.float64, np.float32)]
JOBS += [("variant", s.key, i) for s in SYSTEMS for i in range(len(s.variants))]
_started: list[Jobs] = []


def _key(system: SeedSystem | str) -> str:
    return system if isinstance(system, str) else system.key


def start(background: bool = True) -> None:
    """Start the workers (once): forked, in the background (all cores but one, left to the tests); or, with
    background=False (inside a pytest-xdist worker, where nothing is forked), none: results() trains in this
    process when first called."""
    if not _started:
        _started.append(Jobs(JOBS, max(1, (os.cpu_count() or 2) - 1), background=True) if background
                        else Jobs(JOBS, 1))


def cancel() -> None:
    """Stop the workers if their results were never read (a session that ran none of the seed tests)."""
    if _started and not results.cache_info().currsize:
        _started[0].cancel()


@cache
def results() -> dict:
    """(kind, key, dtype or variant index) -> result, for the whole table."""
    start()
    return dict(zip(JOBS, _started[0].results()))


def seed_row(system: SeedSystem | str, dtype) -> SystemResult:
    return results()[("system", _key(system), np.dtype(dtype))]


def seed_variant(system: SeedSystem | str, index: int) -> VariantResult:
    return results()[("variant", _key(system), index)]
