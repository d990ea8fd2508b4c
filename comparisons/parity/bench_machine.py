"""What a benchmark ran on, and its thread counts pinned: NumPy's BLAS through threadpoolctl, torch's
intra-op pool through torch.set_num_threads."""
from __future__ import annotations

import contextlib
import os
import platform

import numpy as np
import torch
from threadpoolctl import threadpool_info, threadpool_limits


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (platform.processor() where there is none)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def blas_info() -> list[dict]:
    """NumPy's BLAS libraries as threadpoolctl sees them: library, version, kernel, threads."""
    return [{"library": i.get("internal_api"), "version": i.get("version"), "kernel": i.get("architecture"),
             "threads": i.get("num_threads")} for i in threadpool_info() if i.get("user_api") == "blas"]


def machine_info() -> dict:
    """CPU, cores, BLAS, thread counts and versions, as the header and the JSON record them."""
    return {"cpu": cpu_model(), "cores": os.cpu_count(), "python": platform.python_version(),
            "numpy": np.__version__, "torch": torch.__version__, "blas": blas_info(),
            "torch_threads": torch.get_num_threads()}


@contextlib.contextmanager
def pinned_threads(n: int):
    """NumPy's BLAS and torch each limited to `n` threads inside the block, restored after it."""
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        with threadpool_limits(limits=n, user_api="blas"):
            yield
    finally:
        torch.set_num_threads(before)


def spinning_note(n: int) -> str:
    """What was done about OpenBLAS's workers, which spin ~0.1 s after each call and take CPU from torch."""
    if n == 1:
        return "threads pinned to 1 each: OpenBLAS starts no workers, so none spin while torch runs"
    return (f"CAVEAT: {n} threads each; OpenBLAS's workers spin ~0.1 s after each NumPy call and "
            "OPENBLAS_THREAD_TIMEOUT cannot be set once NumPy has loaded it, so the interleaving may "
            "penalise torch's figures")
