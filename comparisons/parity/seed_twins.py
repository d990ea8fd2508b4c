"""The seeds job's float64 twins, started before torch is imported.

A float32 row's drift is measured against a float64 run of manual/ from the row's own weights (its "twin",
manual_trainer.float64_twin): NumPy only. The command forks one worker for the twins at its start, so that they run
on the second core while the first imports torch (~1.5 s, with nothing else to do), and the pool forked after
it runs the rest. Nothing here imports torch; seed 000's twins stay in its lane (seed_runs.py), which pays for
torch._dynamo's import once.
"""
from __future__ import annotations

import contextlib
import gc
import multiprocessing
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor

import numpy as np

from manual import SGD
from manual.seeds import SeedSystem, system_by_key

from .manual_trainer import ManualTrainer, float64_twin
from .recording import Recording, record_run

STRIDE = 10     # parameters compared (float64 rows) and recorded every STRIDE-th step, and at the last
LANE_SEED = "000"


def in_lane(key: str) -> bool:
    """Whether a system's jobs run in seed 000's one lane: its own torch code builds a torch.optim.SGD, which imports
    torch._dynamo (~1.7 s): an import worth paying once, in one worker."""
    return system_by_key(key).seed == LANE_SEED


@contextlib.contextmanager
def fewer_collections(gen0: int = 100_000) -> Iterator[None]:
    """Python's cyclic garbage collector run less often while inside: a run's steps allocate and free
    thousands of small containers (dicts, tuples, tensor wrappers; none in a cycle), and at the default
    threshold (700) its collections took ~10% of a seed run. Cycles, if any, are still collected."""
    old = gc.get_threshold()
    gc.set_threshold(gen0, *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)


def float64_reference(system: SeedSystem) -> ManualTrainer:
    """The float64 twin a float32 row's drift is measured against, from the row's initial weights."""
    return float64_twin(system.build(np.float64), system.build(np.float32), system.make_loss(), SGD(system.lr))


def twin_run(key: str) -> tuple[Recording, None]:
    """A float32 row's float64 twin over all its steps on the row's (float32) data, recorded."""
    system = system_by_key(key)
    with fewer_collections():
        return record_run(float64_reference(system), system.data.astype(np.float32).feed(), steps=system.steps,
                          stride=STRIDE, float64=True), None


def fork_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of `workers` processes forked from this one (they share what it has built: data, imports)."""
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """Terminate the pool's workers now and drop what is queued (the executor has no public way to stop a
    running job)."""
    for process in list(getattr(pool, "_processes", {}).values()):
        process.terminate()
    pool.shutdown(wait=False, cancel_futures=True)


class Twins:
    """The float64 twins of `keys`' float32 rows, recorded in one worker forked now (the longest first):
    `futures[key]`; `close()` stops it. Nothing is started where fork is unavailable (futures is empty)."""

    def __init__(self, keys: list[str]):
        self.futures: dict[str, Future] = {}
        self.pool = None
        if not keys or "fork" not in multiprocessing.get_all_start_methods():
            return
        self.pool = fork_pool(1)
        for key in sorted(keys, key=lambda k: -system_by_key(k).steps):
            self.futures[key] = self.pool.submit(twin_run, key)

    def close(self, cancel: bool = False) -> None:
        """Shut the worker down once its twins are recorded; with `cancel`, at once (terminated). Again: nothing."""
        pool, self.pool = self.pool, None
        if pool is not None and cancel:
            stop_pool(pool)
        elif pool is not None:
            pool.shutdown()


def start_twins(systems: list[SeedSystem], dtypes, n_jobs: int) -> Twins | None:
    """The twins of these systems' float32 rows outside seed 000's lane, started now, when the job runs in
    worker processes (n_jobs > 1) and has such rows; else None."""
    if n_jobs <= 1 or np.dtype(np.float32) not in {np.dtype(d) for d in dtypes}:
        return None
    keys = [s.key for s in systems if not in_lane(s.key)]
    return Twins(keys) if keys else None
