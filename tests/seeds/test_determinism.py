"""Deterministic: the same seed gives bit-identical NumPy results, for every seed system."""
import numpy as np
import pytest

import manual
from manual.seeds import get_systems

SYSTEMS = {s.key: s for s in get_systems()}


def train(system, steps: int = 20) -> tuple[list, dict]:
    """A fresh build of the system (data, weights) trained `steps` steps in NumPy."""
    system.__dict__.pop("data", None)      # regenerate the data too, not only the weights
    net, loss, opt = system.build(), system.make_loss(), manual.SGD(system.lr)
    losses = []
    data = system.data.astype(np.float64)  # some seeds make float32 data (003, as torch does)
    with np.errstate(all="ignore"):
        for k in range(min(steps, system.steps)):
            X, y = data.batch(k)
            losses.append(loss.forward(net.forward(X), y))
            net.backward(loss.backward())
            opt.step(net)
    return losses, net.get_params()


@pytest.mark.parametrize("key", sorted(SYSTEMS))
def test_same_seed_gives_bit_identical_numpy_training(key):
    losses_a, params_a = train(SYSTEMS[key])
    losses_b, params_b = train(SYSTEMS[key])
    assert np.array_equal(np.array(losses_a), np.array(losses_b), equal_nan=True)
    for name in params_a:
        assert np.array_equal(params_a[name], params_b[name], equal_nan=True), name
