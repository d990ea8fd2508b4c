"""Every optimizer configuration trained on a small MLP by hand (ManualTrainer) and by its torch twin
(TorchTrainer.mirroring): the loss and every parameter compared after every step, each relative to the
largest magnitude the tensor has had in torch's run so far (compare_trajectory's measure, in a direct loop:
compare_trajectory's per-tensor reports would double the file's time)."""
import numpy as np
import pytest
from optim_cases import CASES

import manual
from comparisons.parity.trainers import ManualTrainer, TorchTrainer


def worst_trajectory_error(make_opt, dtype, steps: int) -> float:
    """max over steps and tensors of |manual - torch| / (largest |torch| of that tensor so far)."""
    rng = np.random.RandomState(0)
    X, y = rng.randn(16, 3).astype(dtype), rng.randn(16, 2).astype(dtype)
    net = manual.init_torch_default(manual.build_mlp([3, 8, 8, 2], "tanh", dtype=dtype), 0)
    loss, opt = manual.make_loss("mse"), make_opt()
    ours, theirs = ManualTrainer(net, loss, opt), TorchTrainer.mirroring(net, loss, opt)
    scale: dict[str, float] = {}
    worst = 0.0
    for _ in range(steps):
        values = {"loss": (ours.step(X, y), theirs.step(X, y))}
        manual_params, torch_params = ours.params(), theirs.params()
        values |= {name: (manual_params[name], torch_params[name]) for name in torch_params}
        for name, (a, b) in values.items():
            scale[name] = max(scale.get(name, 0.0), float(np.max(np.abs(b))))
            worst = max(worst, float(np.max(np.abs(np.asarray(a) - b))) / scale[name])
    return worst


@pytest.mark.parametrize("case", CASES)
def test_float64_trajectory_within_1e_12_over_200_steps(case, one_torch_thread):
    # measured: at most 3e-14 (adagrad), most configurations 3e-16 ... 5e-15
    assert worst_trajectory_error(CASES[case], np.float64, steps=200) <= 1e-12


@pytest.mark.parametrize("case", CASES)
def test_float32_trajectory_within_1e_5_over_20_steps(case, one_torch_thread):
    # float32: u = 6e-8. Forward, backward and update each differ by a few roundings per step between NumPy
    # and torch (summation order in matmul, torch's fused multiply-adds), and the differences compound step
    # to step; 20 steps of O(10) roundings each stay below 20 * 10 * u = 1.2e-5 of each tensor's scale
    # (measured: at most 4e-7). Longer float32 runs are judged with identical gradients at every step
    # (test_optimizers.py), which takes the network's own rounding out.
    assert worst_trajectory_error(CASES[case], np.float32, steps=20) <= 1e-5
