"""Seed 002, LeakyReLU 2-10-10-2 on random data: parity, and each of the seed's four backward bugs
caught on its own at step 0, in the tensors it should affect."""
import numpy as np
import pytest

import manual
from seed_results import seed_row, seed_variant
from manual.seeds import leaky_relu_random as lr

SYSTEM = lr.SYSTEMS[0]
VARIANTS = {v.name: i for i, v in enumerate(SYSTEM.variants)}


def test_data_and_weights_come_from_one_seeded_stream_in_the_seeds_order():
    state = np.random.get_state()
    try:
        np.random.seed(0)
        X, Y = np.random.randn(100, 2), np.random.randn(100, 2)
        W1, W2, W3 = np.random.randn(2, 10), np.random.randn(10, 10), np.random.randn(10, 2)
    finally:
        np.random.set_state(state)
    assert np.array_equal(SYSTEM.data.X, X) and np.array_equal(SYSTEM.data.y, Y)
    for (W, b), V in zip(SYSTEM.init(), (W1, W2, W3)):
        assert np.array_equal(W, V) and not b.any()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_parity(dtype):
    r = seed_row(SYSTEM, dtype)
    assert r.ok and r.verdict == "pass" and r.trajectory.steps_run == 1000, r.explanation()
    if dtype == np.float64:
        assert r.fwd <= 1e-10 and r.grad <= 1e-10 and r.trajectory.max_rel() <= 1e-8
    assert r.task_manual["train MSE"] == pytest.approx(r.task_torch["train MSE"], rel=1e-5)
    assert r.task_manual["train MSE"] < 1.0    # noise targets: from 77.6 down to ~0.75


def test_corrected_seed_code_passes():
    r = seed_variant(SYSTEM, VARIANTS["corrected"])
    assert r.ok and not r.flagged and r.report.steps_run == 1000


@pytest.mark.parametrize("name,differ", [
    ("as written", {"0", "2", "4"}),
    ("only batch_mean", {"0", "2", "4"}),      # every update doubled
    ("only no_lr", {"0", "2", "4"}),           # every update x100
    ("only stale", {"0", "2"}),                # the top layer's own update is right
    ("only relu_mask", {"0", "2"}),            # the mask sits below the top layer
])
def test_each_bug_is_flagged_at_step_0_in_the_layers_it_touches(name, differ):
    r = seed_variant(SYSTEM, VARIANTS[name])
    assert r.flagged and r.ok and r.report.first_failure == 0 and r.report.error is None
    failing = {d.name.split(".")[0] for d in r.report.diffs if not d.passed}
    assert failing == differ


def test_batch_mean_is_exactly_twice_the_mean_gradient():
    """delta3 / X.shape[0] with K = 2 outputs: the update is 2x torch's MSELoss(mean) update (the implied
    gradient (W0 - W1) / lr carries the rounding of W1, about eps * |W| / lr)."""
    X, y = SYSTEM.data.X, SYSTEM.data.y
    start = SYSTEM.init()
    new = lr.make_step(("batch_mean",))([(W.copy(), b.copy()) for W, b in start], X, y, 0.01)
    net, loss = SYSTEM.build(), SYSTEM.make_loss()
    loss.forward(net.forward(X), y)
    net.backward(loss.backward())
    for (W0, _), (W1, _), name in zip(start, new, ("0", "2", "4")):
        rounding = 4 * np.finfo(np.float64).eps * np.abs(W0).max() / 0.01
        np.testing.assert_allclose((W0 - W1) / 0.01, 2 * net.grads[f"{name}.weight"], rtol=1e-12, atol=rounding)


def test_as_written_seed_diverges_on_its_own():
    params = SYSTEM.init()
    step = lr.make_step(lr.BUGS)
    with np.errstate(all="ignore"):
        for _ in range(100):
            params = step(params, SYSTEM.data.X, SYSTEM.data.y, 0.01)
    assert not all(np.isfinite(W).all() for W, _ in params)


def test_leaky_derivative_of_the_corrected_code_matches_manual():
    net = SYSTEM.build()
    assert isinstance(net.layers[1], manual.LeakyReLU) and net.layers[1].slope == 0.01


# ---- as literally written, the seed's backward and update lines do not run ---------------------------
W3 = h2 = None


def literal_backward(X, predicted, actual):           # the seed's first lines, no `global`
    delta3 = 2*(predicted - actual)/X.shape[0]
    W3 -= np.dot(h2.T, delta3)                          # noqa: F821,F841
    return delta3


def test_literal_backward_raises_unbound_local_error():
    with pytest.raises(UnboundLocalError):
        literal_backward(np.ones((4, 2)), np.ones((4, 2)), np.zeros((4, 2)))


def test_np_gradient_of_the_scalar_loss_raises():
    with pytest.raises(TypeError):
        np.gradient(np.float64(0.5), np.ones((2, 10)))
