"""How `bench` shows its figures: the time table, the ratio and memory table, the issue's targets."""
from __future__ import annotations

SHORT = {"manual": "manual", "plain": "plain", "torch_eager": "eager", "torch_bare": "bare", "gemm": "gemm"}
RATIOS = (("manual", "plain"), ("manual", "gemm"), ("manual", "torch_eager"), ("plain", "torch_eager"),
          ("torch_bare", "torch_eager"))


def ratio_name(a: str, b: str) -> str:
    return f"{SHORT[a]}/{SHORT[b]}"


def us(seconds: float) -> str:
    return f"{seconds * 1e6:.1f}us"


def kib(n: int) -> str:
    """Bytes below 10 KiB (so a ratio of two small figures can be read off them), else KiB."""
    return f"{n}B" if n < 10240 else f"{n / 1024:.1f}KiB"


def time_table(results: list[dict], impls: tuple[str, ...]) -> list[str]:
    """One row per case and dtype: each implementation's median [min-max] seconds per step."""
    head = f"{'case':<16}{'batch':>6} {'dtype':<8}" + "".join(f"{SHORT[i]:>27}" for i in impls)
    rows = [head, "-" * len(head)]
    for r in results:
        cells = "".join(f"{us(s['median']):>11} [{us(s['min'])}-{us(s['max'])}]".rjust(27)
                        for s in (r["seconds"][i] for i in impls))
        rows.append(f"{r['case']:<16}{r['batch']:>6} {r['dtype']:<8}{cells}")
    return rows


def ratio_table(results: list[dict]) -> list[str]:
    """One row per case and dtype: median ratios pair by pair, and peak extra memory per step."""
    names = [ratio_name(a, b) for a, b in RATIOS]
    head = (f"{'case':<16}{'batch':>6} {'dtype':<8}" + "".join(f"{n:>14}" for n in names)
            + f"{'mem manual':>14}{'mem torch':>14}{'manual/torch':>14}")
    rows = [head, "-" * len(head)]
    for r in results:
        m = r["memory"]
        rows.append(f"{r['case']:<16}{r['batch']:>6} {r['dtype']:<8}"
                    + "".join(f"{r['ratios'][n]:>13.2f}x" for n in names)
                    + f"{kib(m['manual']):>14}{kib(m['torch_eager']):>14}"
                    + (f"{m['ratio']:>13.2f}x" if m["ratio"] is not None else f"{'n/a':>14}"))
    return rows


def memory_note(results: list[dict]) -> str:
    """How the memory columns were read (torch's from its allocation events, or, where a torch gives none,
    from each op's net change: a lower bound, said so)."""
    ways = {r["memory"].get("torch_read_from", "op totals") for r in results}
    torch_side = ("its profiler's allocation events (tensors, every allocation and free in time order)"
                  if ways <= {"allocation events"} else
                  "its profiler's per-op totals (tensors; LOWER BOUND: a temporary an op frees itself is not seen)")
    return f"memory: peak extra per step, manual/ by tracemalloc (arrays and Python objects), torch eager by {torch_side}"


def _worst(results: list[dict], key, keep) -> tuple[float, str] | None:
    found = [(key(r), f"{r['case']} {r['dtype']}") for r in results if keep(r) and key(r) is not None]
    return max(found) if found else None


# (what the issue asks, the figure, which rows, the bound)
TARGETS = (
    ("manual/ <= 1.05x plain NumPy on 1024-wide layers", lambda r: r["ratios"]["manual/plain"],
     lambda r: r["case"] == "wide1024x4", 1.05),
    ("manual/ <= 1.05x plain NumPy (stricter: every non-seed case)", lambda r: r["ratios"]["manual/plain"],
     lambda r: r["group"] != "seed", 1.05),
    ("manual/ <= 1.10x the GEMM floor on 1024-wide layers", lambda r: r["ratios"]["manual/gemm"],
     lambda r: r["case"] == "wide1024x4", 1.10),
    ("manual/ at or below torch eager on 784-256-256-10 b64", lambda r: r["ratios"]["manual/eager"],
     lambda r: r["case"] == "mnist_b64", 1.0),
    ("peak extra memory <= 1.5x torch's (every MLP case)", lambda r: r["memory"]["ratio"],
     lambda r: r["group"] not in ("seed", "conv"), 1.5),
    ("peak extra memory <= 1.5x torch's (the conv net)", lambda r: r["memory"]["ratio"],
     lambda r: r["group"] == "conv", 1.5),
    ("seed-sized nets: manual/ <= 0.25x torch eager", lambda r: r["ratios"]["manual/eager"],
     lambda r: r["group"] == "seed", 0.25),
)


def check_targets(results: list[dict]) -> list[dict]:
    """Each target whose cases were measured: the worst figure, where, and whether it is met."""
    out = []
    for what, key, keep, bound in TARGETS:
        worst = _worst(results, key, keep)
        if worst is not None:
            out.append({"target": what, "bound": bound, "worst": worst[0], "where": worst[1], "met": worst[0] <= bound})
    return out


def target_lines(targets: list[dict]) -> list[str]:
    return [f"{'met' if t['met'] else 'NOT met':<8} {t['target']}: worst {t['worst']:.2f}x ({t['where']})"
            for t in targets]
