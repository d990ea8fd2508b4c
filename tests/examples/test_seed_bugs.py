"""`python -m comparisons check` on the seeds' own code (examples/seed_bugs/, as written): what passes
passes, and every bug is named for what the code really does, two or more bugs at once included.

The reports are read as a learner reads them: each block "[n] check: subject", its "likely [label]" line
and the "same" lines of the tensors that share its diagnosis."""
from __future__ import annotations

import contextlib
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

from comparisons.cli import main

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "examples" / "seed_bugs"
RELU_REGRESSION = ["--sizes", "2,2,1", "--activations", "relu", "--lr", "0.01"]
# the seeds update their weights in place (W5 -= ...), their contract: --inplace
QUADRATIC = ["examples/seed_bugs/quadratic_relu.py:step_fn", "--sizes", "1,10,20,30,40,1", "--activations", "relu",
             "--loss", "mse", "--lr", "0.01", "--inplace"]
LEAKY = ["examples/seed_bugs/leaky_relu_random.py:step_fn", "--sizes", "2,10,10,2", "--activations", "leaky_relu",
         "--loss", "mse", "--lr", "0.01", "--inplace"]
XOR = ["--sizes", "2,4,1", "--activations", "relu", "--output", "sigmoid", "--loss", "half_sum", "--lr", "0.1"]
COVERED = {"relu_regression_bpnn.py", "quadratic_relu.py", "leaky_relu_random.py", "xor.py"}


class Report:
    """The printed report, read block by block."""

    BLOCK = re.compile(r"^\[\d+\] (\w+): (.*)$")

    def __init__(self, code: int, text: str):
        self.code, self.text = code, text
        self.blocks: list[dict] = []
        for line in text.splitlines():
            if m := self.BLOCK.match(line):
                self.blocks.append({"check": m[1], "subject": m[2], "label": None, "lines": [],
                                    "params": re.findall(r"^grad of (\S+)", m[2])})
            elif self.blocks:
                block = self.blocks[-1]
                block["lines"].append(line.strip())
                if (lab := re.match(r"\s+likely\s+\[(\w+)\]", line)) and block["label"] is None:
                    block["label"] = lab[1]
                if same := re.match(r"\s+same\s+grad of (\S+)", line):
                    block["params"].append(same[1])

    def labels(self, check: str) -> dict[str, str]:
        """{parameter: label} over the tensor blocks of one check."""
        return {p: b["label"] for b in self.blocks if b["check"] == check for p in b["params"]}

    def block(self, check: str, param: str) -> str:
        """The text of the block naming `param` (its own subject or a same line)."""
        b = next(b for b in self.blocks if b["check"] == check and param in b["params"])
        return "\n".join([b["subject"]] + b["lines"])


def check(*args: str) -> Report:
    """What `python -m comparisons check ARGS` prints and its exit status (cli.main, in-process)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["check", *args])
    return Report(code, out.getvalue())


@pytest.fixture(autouse=True)
def _in_repo_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def test_every_seed_file_is_checked_here():
    assert {p.name for p in SEEDS.glob("*.py")} == COVERED


# ---- seed 000: BPNeuralNetwork, right for the half-sum loss ------------------------------------------
def test_relu_regression_passes_for_the_half_sum_loss():
    report = check("examples/seed_bugs/relu_regression_bpnn.py:step_fn", *RELU_REGRESSION, "--loss", "half_sum")
    assert report.code == 0 and "PASSED, 8 of 8 checks passed" in report.text, report.text


def test_relu_regression_is_n_over_2_times_the_mse_gradient():
    report = check("examples/seed_bugs/relu_regression_bpnn.py:step_fn", *RELU_REGRESSION, "--loss", "mse")
    assert report.code == 1
    labels = report.labels("check_step_matches_torch")
    assert set(labels) == {"0.weight", "0.bias", "2.weight", "2.bias"} and set(labels.values()) == {"wrong_scale"}
    assert "N/2 x: half_sum instead of mean" in report.block("check_step_matches_torch", "0.weight")


def test_relu_regression_with_the_seeds_1d_y_raises():
    report = check("examples/seed_bugs/relu_regression_bpnn.py:step_fn_seed_y", *RELU_REGRESSION,
                   "--loss", "half_sum")
    assert report.code == 1
    [runs] = [b for b in report.blocks if b["check"] == "check_runs"]
    assert runs["label"] == "raised" and "ValueError" in "\n".join(runs["lines"])


# ---- seed 001: N x loss gradient and stale weights ----------------------------------------------------
def test_quadratic_relu_names_the_scale_on_the_output_and_stale_weights_inside():
    report = check(*QUADRATIC)
    assert report.code == 1
    labels = report.labels("check_step_matches_torch")
    assert labels.pop("8.weight") == labels.pop("8.bias") == "wrong_scale"
    assert len(labels) == 8 and set(labels.values()) == {"stale_weights"}
    output, inner = (report.block("check_step_matches_torch", p) for p in ("8.weight", "0.weight"))
    assert "N x: sum instead of mean" in output
    assert "stale weights" in inner and "+ a loss gradient N x the mean's (sum instead of mean)" in inner
    assert "reproduces your numbers to rel" in inner


def test_quadratic_relu_report_fits_on_one_screen():
    """One block per diagnosis, and the trajectory points back instead of repeating every tensor."""
    report = check(*QUADRATIC)
    assert len(report.text.splitlines()) <= 40, report.text
    [trajectory] = [b for b in report.blocks if b["check"] == "check_trajectory_matches_torch"]
    assert trajectory["subject"] == "step 0 of 5 on N=8 fails as above" and trajectory["label"] == "stale_weights"
    assert len([b for b in report.blocks if b["check"] == "check_step_matches_torch"]) == 2


def test_quadratic_relu_through_a_real_subprocess():
    done = subprocess.run([sys.executable, "-m", "comparisons", "check", *QUADRATIC], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "[stale_weights]" in done.stdout and "[wrong_scale]" in done.stdout


# ---- seed 002: four bugs at once ----------------------------------------------------------------------
def test_leaky_relu_output_layer_is_lr_not_applied_times_a_2x_loss_gradient():
    """delta3 = 2 (pred - y) / N with K = 2 outputs is K x the mean's gradient, and W3 -= h2.T @ delta3
    applies no lr: the implied gradient is K/lr x torch's (200 x at lr 0.01)."""
    report = check(*LEAKY)
    assert report.code == 1
    labels = report.labels("check_step_matches_torch")
    assert labels["4.weight"] == labels["4.bias"] == "lr_applied_twice"
    output = report.block("check_step_matches_torch", "4.weight")
    assert "K/lr x: the learning rate not applied (p - grad)" in output
    assert "a mean over the batch only (divided by N, not N*K)" in output and "200.000 on N=3 (lr 0.01)" in output


def test_leaky_relu_inner_layers_are_relu_mask_and_stale_weights_at_lr_1():
    """Inside, the deltas go back through the W3, W2 already updated (by h.T @ delta, at lr 1) and
    through the ReLU mask (h > 0) on both LeakyReLU layers: all of it, and the output's factor, is named."""
    report = check(*LEAKY)
    labels = report.labels("check_step_matches_torch")
    inner = {p: labels[p] for p in ("0.weight", "0.bias", "2.weight", "2.bias")}
    assert set(inner.values()) <= {"wrong_activation_derivative", "stale_weights"}, inner
    text = report.block("check_step_matches_torch", "0.weight")
    for part in ("layer 1 (LeakyReLU(0.01)), layer 3 (LeakyReLU(0.01)): ReLU mask [z>0] on a LeakyReLU",
                 "+ stale weights", "+ the learning rate not applied (p - grad)",
                 "+ a loss gradient K x the mean's (a mean over the batch only", "steps with lr = 1"):
        assert part in text, f"{part!r} not in:\n{text}"
    [trajectory] = [b for b in report.blocks if b["check"] == "check_trajectory_matches_torch"]
    assert trajectory["subject"].endswith("fails as above")


# ---- seed 004: XOR --------------------------------------------------------------------------------------
def test_xor_as_written_raises_name_error():
    report = check("examples/seed_bugs/xor.py:train_epoch", *XOR)
    assert report.code == 1
    [runs] = [b for b in report.blocks if b["check"] == "check_runs"]
    assert runs["label"] == "raised" and "NameError: name 'targets' is not defined" in "\n".join(runs["lines"])


def test_xor_with_target_spelled_right_passes():
    report = check("examples/seed_bugs/xor.py:train_epoch_fixed", *XOR)
    assert report.code == 0 and "PASSED" in report.text, report.text
