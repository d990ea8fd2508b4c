"""The measurement commands run and print their figures (what they measure is never asserted as a speed;
`bench` is tested in test_bench.py)."""
import re

from comparisons.cli import main


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
