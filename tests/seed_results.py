"""Every seed system (both dtypes) and every variant, trained once per test session in two forked
workers, as `python -m comparisons seeds` runs them; the seed tests and the table tests read from here."""
from functools import cache

import numpy as np

from comparisons.seed_runs import SystemResult, VariantResult, run_jobs
from manual.seeds import SYSTEMS, SeedSystem


def _key(system: SeedSystem | str) -> str:
    return system if isinstance(system, str) else system.key


@cache
def results() -> dict:
    """(kind, key, dtype or variant index) -> result, for the whole table."""
    jobs = [("system", s.key, np.dtype(dt)) for s in SYSTEMS for dt in (np.float64, np.float32)]
    jobs += [("variant", s.key, i) for s in SYSTEMS for i in range(len(s.variants))]
    return dict(zip(jobs, run_jobs(jobs, 2)))


def seed_row(system: SeedSystem | str, dtype) -> SystemResult:
    return results()[("system", _key(system), np.dtype(dtype))]


def seed_variant(system: SeedSystem | str, index: int) -> VariantResult:
    return results()[("variant", _key(system), index)]
