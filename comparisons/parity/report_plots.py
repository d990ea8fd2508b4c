"""The report's seed figures (matplotlib, Agg): per seed system, the loss curves of NumPy and torch
overlaid, and the absolute loss difference over steps on a log scale, float64 and float32 side by side,
with what each dtype is judged by drawn on it. Each figure is PNG bytes under a deterministic name."""
from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .report_shadow import shadow_steps  # noqa: E402
from ..tolerances import tolerance_for  # noqa: E402

NUMPY, TORCH, ALLOW, SHADOW = "#1f77b4", "#d62728", "#2ca02c", "#9467bd"


def png(fig) -> bytes:
    """The figure as PNG bytes (no timestamp in the file), then closed."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def _series(values) -> np.ndarray:
    return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)


def _abs_diff(r) -> np.ndarray:
    """|loss NumPy - loss torch| per step (nan where either is missing or not finite)."""
    m, t = _series(r.trajectory.losses["manual"]), _series(r.trajectory.losses["torch"])
    with np.errstate(all="ignore"):
        return np.abs(m - t)


def _positive(a: np.ndarray) -> np.ndarray:
    """Zeros and non-finite values as gaps, so a log axis can draw the rest."""
    out = a.copy()
    out[~(np.isfinite(out) & (out > 0))] = np.nan
    return out


def _loss_panel(ax, r) -> None:
    m, t = _series(r.trajectory.losses["manual"]), _series(r.trajectory.losses["torch"])
    steps = np.arange(len(m))
    ax.plot(steps, m, color=NUMPY, lw=2.2, label="NumPy (manual/)")
    ax.plot(steps, t, color=TORCH, lw=1, ls="--", label="torch")
    finite = np.concatenate([m[np.isfinite(m)], t[np.isfinite(t)]])
    if finite.size and finite.min() > 0:
        ax.set_yscale("log")
    if r.verdict.startswith("diverges"):
        ax.axvline(len(m) - 1, color="k", lw=0.8, ls=":", label=f"non-finite ({r.verdict})")
    ax.set_title(f"{r.dtype.name}: loss per step ({r.verdict})", fontsize=10)
    ax.set_xlabel("step")
    ax.legend(fontsize=8)


def _diff64_panel(ax, r) -> None:
    t, diff = _series(r.trajectory.losses["torch"]), _abs_diff(r)
    steps = np.arange(len(diff))
    rtol = tolerance_for(r.dtype).trajectory
    allowed = rtol * np.fmax.accumulate(np.where(np.isfinite(t), np.abs(t), 0.0))
    exact = int(np.sum(diff == 0))
    ax.plot(steps, _positive(diff), color=NUMPY, lw=1, marker=".", ms=2, label="|loss NumPy - loss torch|")
    ax.plot(steps, _positive(allowed), color=ALLOW, ls="--", label=f"allowed: rtol {rtol:.0e} x largest |loss| so far")
    _finish_diff(ax, f"float64: |difference| (equal at {exact} of {len(diff)} steps; margin "
                     f"{_margin(r.margin)})")


def _diff32_panel(ax, r) -> None:
    diff = _abs_diff(r)
    ax.plot(np.arange(len(diff)), _positive(diff), color="0.6", lw=0.8,
            label="|loss NumPy - loss torch|, two runs (not judged)")
    record = shadow_steps(r)
    if record:
        k = np.array([s.step for s in record])
        ax.plot(k, _positive(np.array([s.loss_error for s in record])), color=SHADOW, lw=0, marker=".", ms=2.5,
                label="judged: |loss NumPy - torch from the same weights|")
        ax.plot(k, _positive(np.array([s.loss_allowance for s in record])), color=ALLOW, ls="--",
                label="allowance (float32 rounding bound)")
        title = f"float32: |difference| per step (margin {_margin(r.margin)}, every tensor)"
    else:
        title = f"float32: |difference| (margin {_margin(r.margin)}; per-step allowance not recorded)"
    _finish_diff(ax, title)


def _margin(m: float) -> str:
    return "exact" if m == float("inf") else f"{m:.3g}"


def _finish_diff(ax, title: str) -> None:
    ax.set_yscale("log")
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("step")
    ax.legend(fontsize=7, loc="lower right")


def system_figure(r64, r32) -> bytes:
    """One seed system: loss curves (top) and loss differences (bottom), float64 left, float32 right."""
    rows = [r for r in (r64, r32) if r is not None]
    fig, axes = plt.subplots(2, len(rows), figsize=(6.2 * len(rows), 7), squeeze=False)
    for col, r in enumerate(rows):
        _loss_panel(axes[0][col], r)
        (_diff64_panel if r.dtype == np.float64 else _diff32_panel)(axes[1][col], r)
    s = rows[0].system
    fig.suptitle(f"{s.seed} {s.key}: {s.describe()}, {s.steps} steps, lr {s.lr}", fontsize=12)
    fig.tight_layout()
    return png(fig)
