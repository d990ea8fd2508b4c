"""The measurement commands run and print their figures (what they measure is never asserted as a speed)."""
import re

from comparisons.cli import main


def test_bench_prints_time_and_memory_for_numpy_and_torch(capsys):
    assert main(["bench", "--quick", "--steps", "2", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    rows = re.findall(r"^(\S.*?)\s+(\d+)\s+([\d.]+)us\s+([\d.]+)us\s+([\d.]+)x\s+([\d.]+)KiB\s+([\d.]+)KiB\s+([\d.]+)x$",
                      out, re.M)
    assert [r[0] for r in rows] == ["xor 2-4-1", "sine 1-4-1", "quadratic 1-10-20-30-40-1"]
    for r in rows:
        t_np, t_torch, m_np, m_torch = map(float, (r[2], r[3], r[5], r[6]))
        assert t_np > 0 and t_torch > 0 and m_np > 0 and m_torch > 0
        assert abs(float(r[4]) - t_np / t_torch) < 0.01     # the ratio is of the two figures shown
    assert "USDT" not in out and "CPUAllocator" not in out


def test_tolerance_measurement_stays_within_the_documented_tolerances(capsys):
    assert main(["tolerances", "--cases", "3", "--steps", "20"]) == 0
    out = capsys.readouterr().out
    for name in ("float64 one step", "float64 trajectory", "float32 one step"):
        measured, tolerance = map(float, re.search(rf"^{name}, rel error\s+(\S+)\s+(\S+)$", out, re.M).groups())
        assert measured <= tolerance
    margin, bound = map(float, re.search(r"^float32 per-step shadow check, smallest margin\s+(\S+)\s+(\S+)", out,
                                         re.M).groups())
    assert margin >= 2 * bound      # correct networks keep twice the allowance (the kernel sweep's goal)
    assert re.search(r"^float32 drift err\(NumPy32,f64\) / err\(torch32,f64\)\s+\S+\s+\(not used\)", out, re.M)
