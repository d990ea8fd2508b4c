"""`python -m comparisons seeds --kernels all`: the seeds table once per OpenBLAS kernel, with every row's
margin (allowance / error) per kernel.

NumPy's OpenBLAS picks its kernel per CPU (SkylakeX, Haswell, Zen, Sandybridge, ...), so float32 results
differ in the last bits from one machine to the next. OPENBLAS_CORETYPE forces a kernel: each kernel's
table runs in a child process with that variable set in the child's environment only (tests and CI never
set it: some machines set it themselves because older kernels crash on them). The kernel that actually
ran is read back from the child (threadpoolctl): OpenBLAS falls back to an older kernel when the CPU
lacks the instructions (Cooperlake without AVX512-BF16 runs SkylakeX), and that is shown.
"""
from __future__ import annotations

import json
import os
import platform
import signal
import subprocess
import sys
import tempfile

KERNELS = ("SkylakeX", "Cooperlake", "SapphireRapids", "Zen", "Haswell", "Sandybridge", "Nehalem", "Core2")
GOAL = 2.0   # the margin every row should keep on every kernel


def blas_kernel() -> dict:
    """NumPy's BLAS as threadpoolctl reports it: library, version, kernel ('architecture'), threads."""
    import numpy  # noqa: F401  (loads the BLAS, so threadpoolctl can see it)
    import threadpoolctl

    blas = [info for info in threadpoolctl.threadpool_info() if info.get("user_api") == "blas"]
    # numpy's own first: SciPy (loaded by scikit-learn for seed 000's data) may bring another OpenBLAS
    blas.sort(key=lambda info: "numpy" not in str(info.get("filepath", "")))
    if blas:
        return {k: blas[0].get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
    return {"internal_api": None}


def parse_kernels(text: str) -> list[str]:
    """'all' or comma-separated kernel names (case as OpenBLAS spells them)."""
    names = list(KERNELS) if text.strip().lower() == "all" else [k.strip() for k in text.split(",") if k.strip()]
    if not names:
        raise ValueError(f"--kernels needs 'all' or kernel names separated by commas, e.g. Haswell,Zen; got {text!r}")
    return names


def _run_one(kernel: str, passthrough: list[str]) -> dict:
    """One child `seeds` run with OPENBLAS_CORETYPE=kernel; its JSON, or {'error': why}."""
    env = dict(os.environ, OPENBLAS_CORETYPE=kernel)
    fd, path = tempfile.mkstemp(suffix=".json", prefix="seeds-kernel-")
    os.close(fd)
    try:
        cmd = [sys.executable, "-m", "comparisons", "seeds", "--no-variants", "--json", path, *passthrough]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        if proc.returncode < 0:
            return {"error": f"crashed ({signal.Signals(-proc.returncode).name}): this CPU cannot run it"}
        try:
            with open(path, encoding="utf-8") as f:
                return json.load(f)
        except (OSError, ValueError):
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
            return {"error": f"exit {proc.returncode}, no table: {tail[0]}"}
    finally:
        os.unlink(path)


def sweep(kernels: list[str], passthrough: list[str]) -> int:
    """Run and print the margin matrix; 0 when every row passes on every kernel that ran."""
    if blas_kernel().get("internal_api") != "openblas" or platform.machine() not in ("x86_64", "AMD64"):
        print(f"error: --kernels needs NumPy on OpenBLAS on x86-64; this is {blas_kernel().get('internal_api')} "
              f"on {platform.machine()}", file=sys.stderr)
        return 2
    results = {}
    for k in kernels:
        print(f"running the seeds table with OPENBLAS_CORETYPE={k} ...", flush=True)
        results[k] = _run_one(k, passthrough)
    print(format_matrix(results))
    failed = [k for k, r in results.items() if "rows" in r and not all(row["ok"] for row in r["rows"])]
    return 1 if failed else 0


def format_matrix(results: dict) -> str:
    """Rows (system, dtype) x kernels: each cell the row's margin, '!' after a verdict other than ok."""
    ran = {k: r for k, r in results.items() if "rows" in r}
    keys = []
    for r in ran.values():
        keys += [(row["system"], row["dtype"]) for row in r["rows"] if (row["system"], row["dtype"]) not in keys]
    width = max([len(k) for k in results] + [9]) + 2
    head = f"{'system':<28}{'dtype':<9}" + "".join(f"{k:>{width}}" for k in ran)
    lines = [head, f"{'(kernel that ran)':<37}" + "".join(
        f"{r['machine']['blas'].get('architecture') or '?':>{width}}" for r in ran.values())]
    worst = {k: float("inf") for k in ran}
    for system, dtype in keys:
        cells = []
        for k, r in ran.items():
            row = next((x for x in r["rows"] if (x["system"], x["dtype"]) == (system, dtype)), None)
            if row is None:
                cells.append("-")
                continue
            m = float("inf") if row["margin"] is None else row["margin"]
            counted = not row["verdict"].startswith("diverges")
            if counted:
                worst[k] = min(worst[k], m)
            text = "exact" if m == float("inf") else f"{m:.3g}"
            cells.append(text if row["ok"] else f"FAIL {text}")
            if row["ok"] and not counted:
                cells[-1] = row["verdict"]
        lines.append(f"{system:<28}{dtype:<9}" + "".join(f"{c:>{width}}" for c in cells))
    lines.append(f"{'smallest margin':<37}" + "".join(
        f"{'exact' if w == float('inf') else f'{w:.3g}':>{width}}" for w in worst.values()))
    for k, r in results.items():
        if "error" in r:
            lines.append(f"{k}: {r['error']}")
    low = [f"{k} {w:.3g}" for k, w in worst.items() if w < GOAL]
    lines.append(f"goal: margin >= {GOAL:g} on every kernel: " + ("met" if not low else f"NOT met ({', '.join(low)})"))
    lines.append("margin: allowance / error of the row's closest judged comparison (< 1 fails); rows whose "
                 "training diverges show their verdict (judged up to the blow-up, not counted in the smallest)")
    return "\n".join(lines)
