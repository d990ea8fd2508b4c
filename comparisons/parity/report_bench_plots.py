"""The report's benchmark figures: per dtype, each case's time per step as grouped bars (all five
implementations, min-max as error bars) and the ratios as bars; the scaling sweep as a log-log plot of
time per step against width and against batch, with the GEMM floor drawn."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .bench_report import RATIOS, ratio_name
from .report_plots import png

IMPL_NAMES = {"manual": "manual/", "plain": "plain NumPy", "torch_eager": "torch eager (optim.SGD)",
              "torch_bare": "torch bare (no_grad update)", "gemm": "GEMM floor"}
SWEEPS = (("width sweep", "width", lambda r: r["sizes"][1]), ("batch sweep", "batch", lambda r: r["batch"]))


def _label(r: dict) -> str:
    shape = r.get("label", "-".join(map(str, r["sizes"]))).rsplit(" ", 1)[0]   # (a record from before "label")
    return f"{r['case']}\n{shape}\nb{r['batch']}"


def time_bars(results: list[dict], dtype: str) -> bytes:
    """Median microseconds per training step, one group of bars per case, log scale."""
    rows = [r for r in results if r["dtype"] == dtype]
    fig, ax = plt.subplots(figsize=(max(6.0, 1.5 * len(rows) + 2), 4.2))
    width = 0.8 / len(IMPL_NAMES)
    for i, (impl, name) in enumerate(IMPL_NAMES.items()):
        med = np.array([r["seconds"][impl]["median"] for r in rows]) * 1e6
        err = np.array([[m - r["seconds"][impl]["min"] * 1e6, r["seconds"][impl]["max"] * 1e6 - m]
                        for m, r in zip(med, rows)]).T
        ax.bar(np.arange(len(rows)) + (i - 2) * width, med, width, yerr=err, capsize=2, label=name)
    return _finish_bars(fig, ax, rows, "µs per step (median, min-max)", f"one training step, {dtype}", ncol=3)


def ratio_bars(results: list[dict], dtype: str) -> bytes:
    """The ratios of medians, pair by pair, per case; the line at 1 is parity."""
    rows = [r for r in results if r["dtype"] == dtype]
    names = [ratio_name(a, b) for a, b in RATIOS]
    fig, ax = plt.subplots(figsize=(max(6.0, 1.5 * len(rows) + 2), 3.8))
    width = 0.8 / len(names)
    for i, n in enumerate(names):
        ax.bar(np.arange(len(rows)) + (i - (len(names) - 1) / 2) * width, [r["ratios"][n] for r in rows], width,
               label=n)
    ax.axhline(1.0, color="k", lw=0.8)
    return _finish_bars(fig, ax, rows, "ratio of medians (< 1: the first is faster)", f"ratios, {dtype}", ncol=5)


def _finish_bars(fig, ax, rows: list[dict], ylabel: str, title: str, ncol: int) -> bytes:
    """Case labels under the bars, a log scale, labels and legend; the figure as PNG bytes."""
    ax.set_xticks(np.arange(len(rows)), [_label(r) for r in rows], fontsize=7)
    ax.set_yscale("log")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, ncol=ncol)
    fig.tight_layout()
    return png(fig)


def has_sweep(results: list[dict]) -> bool:
    return any(r["group"] in {g for g, _, _ in SWEEPS} for r in results)


def sweep_plot(results: list[dict], dtype: str) -> bytes:
    """Time per step against width (batch 64) and against batch (width 256), log-log, GEMM floor dashed."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, (group, what, x_of) in zip(axes, SWEEPS):
        rows = sorted((r for r in results if r["group"] == group and r["dtype"] == dtype), key=x_of)
        for impl, name in IMPL_NAMES.items():
            style = dict(color="k", ls="--", lw=2) if impl == "gemm" else dict(marker="o", ms=4)
            ax.plot([x_of(r) for r in rows], [r["seconds"][impl]["median"] * 1e6 for r in rows], label=name, **style)
        if rows:            # (an interrupted run may have measured one sweep and not the other)
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.minorticks_off()
            ax.set_xticks([x_of(r) for r in rows], [str(x_of(r)) for r in rows])
        ax.set_xlabel(what)
        ax.set_ylabel("µs per step (median)")
        fixed = "batch 64, w-w-w-10" if what == "width" else "256-256-256-10"
        ax.set_title(f"{group} ({fixed}), {dtype}" + ("" if rows else ": not measured"), fontsize=10)
        if rows:
            ax.legend(fontsize=7)
    fig.tight_layout()
    return png(fig)
