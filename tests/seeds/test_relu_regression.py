"""Seed 000: the torch Net (followed by the NumPy net from torch's own initial weights) and the
BPNeuralNetwork class (exact SGD on the half-sum loss; its 1-D-target bug)."""
import subprocess
import sys

import numpy as np
import pytest
import torch

import manual
from seed_results import seed_row, seed_variant
from comparisons.parity.trainers import TorchTrainer
from comparisons.parity.trajectory import compare_trajectory
from manual.seeds import relu_regression as rr
from torch_ref.seeds import ReluRegressionTrainer, relu_regression_net, run_relu_regression_seed

NET, BPNN = rr.SYSTEMS


def test_data_is_the_seeds():
    X_train, X_test, y_train, y_test = rr.load_data()
    assert X_train.shape == (80, 2) and X_test.shape == (20, 2) and y_train.shape == (80,)
    both = np.concatenate([y_train, y_test])
    assert abs(both.mean()) < 1e-12 and abs(both.std() - 1) < 1e-12   # standardised before the split


def test_stored_data_are_what_the_seeds_scikit_learn_pipeline_makes_bit_for_bit():
    """relu_regression_data.py holds the seed's data so that a seeds run need not import scikit-learn: the
    seed's own calls must still make exactly them (a scikit-learn that changes them fails here)."""
    from sklearn.datasets import make_regression
    from sklearn.metrics import r2_score
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X, y = make_regression(n_samples=100, n_features=2, noise=0.1, random_state=1)
    scaler = StandardScaler()
    X = scaler.fit_transform(X)
    y = scaler.fit_transform(y.reshape(-1, 1)).reshape(-1)
    for made, stored in zip(train_test_split(X, y, test_size=0.2, random_state=1), rr.load_data()):
        assert made.dtype == stored.dtype and made.shape == stored.shape and made.tobytes() == stored.tobytes()
    y_test, pred = rr.load_data()[3], rr.load_data()[3] * 0.9 + 0.05
    assert rr.r2_score(y_test, pred) == pytest.approx(r2_score(y_test, pred), rel=1e-14)


def test_a_seeds_run_does_not_import_scikit_learn():
    code = ("import sys; from comparisons.parity.seed_runs import _job; _job(('system', 'relu_regression', "
            "'float64')); print('sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "False"


def test_weight_constants_are_what_torch_manual_seed_0_draws():
    for name, value in relu_regression_net(0).state_dict().items():
        assert np.array_equal(rr.NET_INIT[name], value.numpy()), name


def test_the_seeds_net_and_loop_equal_our_mirror_bit_for_bit_in_float32():
    """outputs.squeeze() against 1-D y is the same MSE as (N, 1) against (N, 1): same float32 bits."""
    net = NET.build(np.float32)
    mirror = TorchTrainer.mirroring(net, NET.make_loss(), manual.SGD(NET.lr))
    report = compare_trajectory(mirror, ReluRegressionTrainer(torch.float32), NET.data.astype(np.float32).feed(),
                                steps=1000, rtol=0.0)
    assert report.passed and report.max_rel() == 0.0, str(report)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_numpy_follows_the_seeds_torch_net(dtype):
    r = seed_row(NET, dtype)
    assert r.ok and r.verdict == "pass" and r.trajectory.steps_run == 1000, r.explanation()
    if dtype == np.float64:
        assert r.fwd <= 1e-10 and r.grad <= 1e-10 and r.trajectory.max_rel() <= 1e-8
    assert r.task_manual["R2"] > 0.98 and r.task_manual["R2"] == pytest.approx(r.task_torch["R2"], abs=1e-6)


def test_table_reports_what_the_seed_script_prints():
    seed = run_relu_regression_seed()
    r = seed_row(NET, np.float32)
    assert r.task_torch["test MSE"] == pytest.approx(seed["test_loss"], rel=1e-6)
    assert r.task_torch["R2"] == pytest.approx(seed["r2"], rel=1e-6)
    assert seed["test_loss"] == pytest.approx(0.00838, abs=1e-5) and seed["r2"] == pytest.approx(0.9887, abs=1e-4)


def test_bpnn_draws_its_weights_as_init_randn_with_random_biases():
    net = manual.init_randn(manual.build_mlp([2, 2, 1], "relu"), 0, bias="randn")
    for (W, b), (V, c) in zip(BPNN.init(), net.linear_params()):
        assert np.array_equal(W, V) and np.array_equal(b, c)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_bpnn_parity(dtype):
    r = seed_row(BPNN, dtype)
    assert r.ok and r.verdict == "pass" and r.trajectory.steps_run == 1000, r.explanation()
    if dtype == np.float64:
        assert r.fwd <= 1e-10 and r.grad <= 1e-10


def test_bpnn_with_the_torch_parts_settings_collapses_to_a_constant():
    """Half-sum loss, lr 0.01, 80 samples: the first steps overshoot and kill both ReLUs by step 3."""
    net, loss, opt = BPNN.build(), BPNN.make_loss(), manual.SGD(BPNN.lr)
    X, y = BPNN.data.X, BPNN.data.y
    for k in range(BPNN.steps):
        loss.forward(net.forward(X), y)
        if k == 3:
            assert not (net.outputs[1] > 0).any()
        net.backward(loss.backward())
        opt.step(net)
    assert not (net.outputs[1] > 0).any()
    assert abs(BPNN.task(lambda X: net.forward(X))["R2"]) < 1e-3


def test_bpnn_as_written_with_the_seeds_1d_target_raises():
    r = seed_variant(BPNN, 0)
    assert r.flagged and r.ok and r.report.first_failure == 0
    assert r.report.error.startswith("ValueError: shapes (80,80) and (1,2) not aligned")


def test_bpnn_with_column_targets_passes():
    r = seed_variant(BPNN, 1)
    assert r.ok and not r.flagged and r.report.steps_run == 1000
