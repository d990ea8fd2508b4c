"""`python -m comparisons bench` runs, shows every figure it measures, and refuses bad input clearly.
What it measures is never asserted as a speed."""
import contextlib
import io
import json
import re

import numpy as np
import pytest

import comparisons.parity.bench as bench
import manual
from comparisons.parity.bench_cases import CASES, select_cases
from comparisons.parity.bench_steps import IMPLS, LR, plain_numpy_step
from comparisons.cli import main
from comparisons.parity.trainers import ManualTrainer

ROW = r"^(\S+)\s+(\d+) (float32|float64)"
TIME_CELL = r"\s+([\d.]+)us \[([\d.]+)us-([\d.]+)us\]"
RATIO_PAIRS = {"manual/plain": (0, 1), "manual/gemm": (0, 4), "manual/eager": (0, 2), "plain/eager": (1, 2),
               "bare/eager": (3, 2)}


def in_bytes(text: str) -> float:
    return float(text[:-3]) * 1024 if text.endswith("KiB") else float(text[:-1])


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """One tiny run: two seed cases and an MLP, both dtypes, 2 blocks of 1 step."""
    path = tmp_path_factory.mktemp("bench") / "bench.json"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["bench", "--quick", "--repeats", "2", "--steps", "1", "--json", str(path)])
    return code, out.getvalue(), err.getvalue(), json.loads(path.read_text())


def test_quick_run_prints_every_implementation_for_every_case_and_dtype(quick_run):
    code, out, err, _ = quick_run
    assert code == 0
    times = re.findall(ROW + TIME_CELL * 5 + "$", out, re.M)
    assert [(t[0], t[2]) for t in times] == [(c, d) for c in ("xor", "sine", "mnist_b64") for d in ("float32", "float64")]
    for t in times:
        for k in range(5):
            median, lo, hi = map(float, t[3 + 3 * k: 6 + 3 * k])
            assert 0 < lo <= median <= hi
    for word in ("machine   ", " cores; python ", "numpy ", "torch ", "BLAS      ", " kernel)", "threads   NumPy BLAS 1, torch 1"):
        assert word in out
    assert "OpenBLAS starts no workers" in out and "targets (issue 10):" in out
    assert "bench [6/6] mnist_b64" in err and "USDT" not in out and "CPUAllocator" not in out


def test_ratios_are_the_ratios_of_the_figures_shown(quick_run):
    _, out, _, _ = quick_run
    medians = {(t[0], t[2]): [float(t[3 + 3 * k]) for k in range(5)]
               for t in re.findall(ROW + TIME_CELL * 5 + "$", out, re.M)}
    rows = re.findall(ROW + r"((?:\s+[\d.]+x){5})\s+([\d.]+(?:B|KiB))\s+([\d.]+(?:B|KiB))\s+([\d.]+x|n/a)$", out, re.M)
    assert len(rows) == len(medians) == 6
    for case, _, dtype, ratios, m_manual, m_torch, m_ratio in rows:
        shown = [float(x) for x in re.findall(r"([\d.]+)x", ratios)]
        for value, (a, b) in zip(shown, RATIO_PAIRS.values()):
            t = medians[case, dtype]
            assert value == pytest.approx(t[a] / t[b], rel=0.01, abs=0.006)
        if m_ratio != "n/a":   # n/a: torch's profiler recorded no allocation in that step
            assert float(m_ratio[:-1]) == pytest.approx(in_bytes(m_manual) / in_bytes(m_torch), rel=0.01, abs=0.006)


def test_json_has_every_figure(quick_run):
    _, _, _, record = quick_run
    assert record["complete"] is True and record["measured"] == record["planned"] == 6
    assert {"cpu", "cores", "numpy", "torch", "blas", "torch_threads", "python"} <= record["machine"].keys()
    assert record["threads"] == 1 and record["spinning"]
    for r in record["results"]:
        assert set(r["seconds"]) == set(IMPLS)
        for s in r["seconds"].values():
            assert len(s["blocks"]) == 2 and s["min"] <= s["median"] <= s["max"]
        assert set(r["ratios"]) == set(RATIO_PAIRS)
        assert r["memory"]["manual"] > 0 and r["memory"]["torch_eager"] > 0
    assert {t["target"] for t in record["targets"]} and all(isinstance(t["met"], bool) for t in record["targets"])


def test_unknown_case_is_refused_with_the_known_names(capsys):
    assert main(["bench", "--cases", "xor,nope"]) == 2
    err = capsys.readouterr().err
    assert "unknown bench case(s) nope" in err and all(c.name in err for c in CASES)


def test_json_in_a_missing_folder_is_refused_before_measuring(tmp_path, capsys):
    assert main(["bench", "--cases", "xor", "--json", str(tmp_path / "nope" / "b.json")]) == 2
    captured = capsys.readouterr()
    assert "does not exist" in captured.err and "bench [" not in captured.err and captured.out == ""


def test_ctrl_c_keeps_what_was_measured_and_says_so(tmp_path, capsys, monkeypatch):
    real, calls = bench.measure, []

    def interrupted(*args):
        calls.append(args)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(bench, "measure", interrupted)
    path = tmp_path / "b.json"
    assert main(["bench", "--cases", "xor", "--repeats", "1", "--steps", "1", "--json", str(path)]) == 130
    out = capsys.readouterr().out
    assert "INCOMPLETE: interrupted after 1 of 2 measurements" in out and re.search(r"^xor\s+4 float32", out, re.M)
    record = json.loads(path.read_text())
    assert record["complete"] is False and record["measured"] == 1 and len(record["results"]) == 1


def test_more_threads_print_the_spinning_caveat(capsys):
    assert main(["bench", "--cases", "xor", "--dtype", "float64", "--threads", "2", "--repeats", "1", "--steps", "1"]) == 0
    assert "CAVEAT: 2 threads each" in capsys.readouterr().out


def test_plain_numpy_step_is_the_same_step_as_manual():
    rng = np.random.RandomState(0)
    net = manual.init_torch_default(manual.build_mlp([5, 7, 6, 3], "tanh"), rng)
    X, y = rng.randn(4, 5), rng.randn(4, 3)
    params = [[W, b] for W, b in net.linear_params()]
    plain_numpy_step(params, X, y, "tanh")
    ManualTrainer(net, manual.make_loss("mse"), manual.SGD(LR)).step(X, y)
    for (W, b), (W0, b0) in zip(params, net.linear_params()):
        np.testing.assert_allclose(W, W0, rtol=1e-12)
        np.testing.assert_allclose(b, b0, rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_every_implementation_takes_the_same_step_on_the_conv_net(dtype):
    """The conv case's five steps start from the same weights and batch: manual/, plain NumPy (im2col by
    sliding_window_view, pool ties routed to every maximum) and both torch steps give the same losses over
    three steps, within the dtype's rounding (float64: ~1e-16 relative)."""
    from comparisons.parity.bench_steps import build_steps

    steps = build_steps(select_cases("cnn_b64", False)[0], np.dtype(dtype))
    rtol = 1e-13 if dtype == np.float64 else 1e-5
    for _ in range(3):
        losses = {k: steps[k]() for k in ("manual", "plain", "torch_eager", "torch_bare")}
        for k in ("plain", "torch_eager", "torch_bare"):    # (plain sums the bias gradient in another order)
            assert losses[k] == pytest.approx(losses["manual"], rel=rtol)


def test_conv_case_is_measured_and_labelled(capsys):
    assert main(["bench", "--cases", "cnn_b64", "--dtype", "float32", "--repeats", "1", "--steps", "1"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^cnn_b64\s+64 float32" + TIME_CELL * 5 + "$", out, re.M)
    assert "peak extra memory <= 1.5x torch's (the conv net)" in out
    assert select_cases("cnn_b64", False)[0].label == "1x28x28 conv8-pool-10 relu"


def test_quick_and_named_selections():
    assert [c.name for c in select_cases(None, True)] == ["xor", "sine", "mnist_b64"]
    assert [c.name for c in select_cases("wide1024x4, batch1", False)] == ["wide1024x4", "batch1"]
    assert len(select_cases(None, False)) == len(CASES)


def test_torch_memory_is_the_same_every_time_it_is_measured():
    """The profiler reports a process's allocations in full only in its first session: measured in a forked
    child each time, a step's peak is the same on every call (in-process, later calls saw ~1% of it)."""
    import torch

    from comparisons.parity.bench_memory import torch_peak_bytes

    w = torch.zeros(256, 256, requires_grad=True)
    x = torch.ones(64, 256)

    def step():
        w.grad = None
        (x @ w).relu().sum().backward()

    step()
    peaks = [torch_peak_bytes(step, tries=1) for _ in range(3)]
    assert peaks[0][0] >= w.numel() * 4 and peaks == [peaks[0]] * 3, peaks
    assert peaks[0][1] == "allocation events"


def test_torch_memory_counts_what_an_op_makes_and_frees_itself():
    """conv2d on the CPU (oneDNN) makes a scratch buffer twice its output's size and frees it before it returns:
    each op's net change (prof.events()' self memory) never shows it; the allocation events do."""
    import torch
    from torch.profiler import ProfilerActivity, profile

    from comparisons.parity.bench_memory import torch_peak_bytes

    x, w = torch.randn(64, 1, 28, 28), torch.randn(8, 1, 3, 3)
    step = lambda: torch.nn.functional.conv2d(x, w, padding=1)      # noqa: E731
    output = 64 * 8 * 28 * 28 * 4
    step()
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        step()
    net_per_op = sum(e.self_cpu_memory_usage for e in prof.events() if e.self_cpu_memory_usage > 0)
    if net_per_op > output:
        pytest.skip(f"this torch's conv2d shows {net_per_op} bytes in its ops' net figures: nothing hidden to find")
    peak, how = torch_peak_bytes(step, tries=1)
    assert how == "allocation events" and peak > 1.5 * output, (peak, output)


def test_a_terminal_gets_a_progress_bar_and_a_log_gets_lines(monkeypatch):
    import sys

    from comparisons.parity.progress import progress

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    for stream, shows, hides in ((Terminal(), "3/3", "bench [1/3]"), (io.StringIO(), "bench [3/3] unit 3", "3/3 [")):
        monkeypatch.setattr(sys, "stderr", stream)
        assert list(progress([1, 2, 3], lambda u: f"unit {u}", "bench")) == [1, 2, 3]
        assert shows in stream.getvalue() and hides not in stream.getvalue(), stream.getvalue()


def test_the_memory_line_says_when_torch_s_figure_is_only_a_lower_bound():
    from comparisons.parity.bench_report import memory_note

    exact, partial = {"memory": {"torch_read_from": "allocation events"}}, {"memory": {"torch_read_from": "op totals"}}
    assert "allocation events" in memory_note([exact]) and "LOWER BOUND" not in memory_note([exact])
    assert "LOWER BOUND" in memory_note([exact, partial]) and "LOWER BOUND" not in memory_note([])


def test_a_torch_without_raw_allocation_events_falls_back_to_op_totals_and_says_so(monkeypatch):
    import torch
    import torch.profiler

    from comparisons.parity.bench_memory import OP_TOTALS, torch_peak_bytes

    class NoRawEvents:
        def __init__(self, inner):
            self._inner = inner

        def __getattr__(self, name):
            if name == "kineto_results":
                raise AttributeError(name)
            return getattr(self._inner, name)

    class Profile(torch.profiler.profile):
        def __exit__(self, *exc):
            out = super().__exit__(*exc)
            self.profiler = NoRawEvents(self.profiler)
            return out

    monkeypatch.setattr(torch.profiler, "profile", Profile)
    x = torch.ones(256, 256)
    peak, how = torch_peak_bytes(lambda: x * 2, tries=1)
    assert how == OP_TOTALS and peak >= x.numel() * 4
