"""The probes (designed, deterministic) and the reference backprop the mutants are built on."""
from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest

import manual
from comparisons.learner.spec import LearnerSpec
from comparisons.learner.mutants import mutants_for
from comparisons.learner.reference import Knobs, backprop, forward
from comparisons.parity.step import torch_forward_backward
from comparisons.learner.probes import KINK_MARGIN, describe_probes, design_probes
from torch_ref import mirror, mirror_loss


def spec(**kw) -> LearnerSpec:
    base = dict(sizes=[3, 4, 4, 2], activations="relu", output="identity", loss="mse")
    return LearnerSpec.create(**{**base, **kw})


def test_probes_are_a_pure_function_of_the_seed():
    a, b, c = design_probes(spec()), design_probes(spec()), design_probes(spec(seed=1))
    for p, q in zip(a, b):
        assert np.array_equal(p.X, q.X) and all(np.array_equal(x, y) for x, y in zip(p.params[0], q.params[0]))
    assert not np.array_equal(a[0].X, c[0].X)


def test_probe_plan_batch_sizes_names_and_learning_rates():
    probes = design_probes(spec(), lr=0.2)
    assert [p.N for p in probes] == [3, 1, 8, 8]
    assert [p.name for p in probes] == ["N=3", "N=1", "N=8", "N=8 near saturation"]
    assert [p.lr for p in probes] == [0.2, 0.1, 0.2, 0.05]
    assert all(p.X.dtype == np.float64 and 0 <= p.y.min() and p.y.max() <= 1 for p in probes)
    assert design_probes(spec(dtype=np.float32))[0].X.dtype == np.float32


@pytest.mark.parametrize("activation", ["relu", "leaky_relu"])
def test_relu_layers_have_active_and_inactive_units_and_no_kinks(activation):
    s = spec(activations=activation, sizes=[2, 3, 3, 1])
    for p in design_probes(s):
        zs, _ = forward(s, p.params, p.X)
        for z in zs[:-1]:
            assert (z > 0).any() and (z < 0).any() and np.abs(z).min() >= KINK_MARGIN


def test_the_saturation_probe_drives_tanh_harder():
    s = spec(activations="tanh")
    probes = design_probes(s)
    z_normal, z_sat = (np.abs(forward(s, p.params, p.X)[0][0]).mean() for p in (probes[2], probes[3]))
    assert z_sat > 2 * z_normal


def test_probe_description_says_whether_a_square_layer_exists():
    assert "square: layer 2 (Linear 4->4)" in describe_probes(spec(), design_probes(spec()))[0]
    flat = spec(sizes=[2, 3, 1])
    assert "no square layer, so a transposed dW shows as a shape error" in describe_probes(flat, design_probes(flat))[0]


COMBOS = [(a, o, loss) for a, o, loss in itertools.product(["relu", "leaky_relu", "sigmoid", "tanh"],
                                                            ["identity", "sigmoid"], ["mse", "sum", "half_sum", "bce"])
          if not (loss == "bce" and o == "identity")]


@pytest.mark.parametrize("activation, output, loss", COMBOS)
def test_reference_backprop_equals_torch(activation, output, loss):
    """The base the mutants are built on: no knob turned, it is torch's gradient."""
    s = spec(activations=activation, output=output, loss=loss)
    for p in design_probes(s):
        ref = torch_forward_backward(mirror(s.build_net(p.params)), mirror_loss(manual.make_loss(loss)), p.X, p.y)
        mine = backprop(s, p.params, p.X, p.y)
        assert mine.loss == pytest.approx(ref["loss"], rel=1e-12)
        for k, (dW, db) in enumerate(mine.grads):
            np.testing.assert_allclose(dW, ref["grads"][s.param_name(k, 0)], rtol=1e-10, atol=1e-14)
            np.testing.assert_allclose(db, ref["grads"][s.param_name(k, 1)], rtol=1e-10, atol=1e-14)
        for (mW, mb), (dW, db) in zip(mine.magnitudes(p.params), mine.grads):
            assert mW >= np.abs(dW).max() - 1e-15 and mb >= np.abs(db).max() - 1e-15


@pytest.mark.parametrize("kw", [dict(activations="sigmoid", output="sigmoid"), dict(activations="leaky_relu"),
                                dict(activations=["tanh", "relu"], sizes=[4, 4, 4, 4])])
def test_every_mutant_changes_the_gradient_on_the_probes(kw):
    """Otherwise a hypothesis could 'explain' a correct learner, or two hypotheses could not be told apart."""
    s = spec(**kw)
    probes = design_probes(s, lr=0.1)
    for m in mutants_for(s, step=True):
        diffs = [max(float(np.abs(a - b).max()) for ga, gb in zip(backprop(s, p.params, p.X, p.y, m.knobs, p.lr).grads,
                                                                  backprop(s, p.params, p.X, p.y, Knobs()).grads)
                     for a, b in zip(ga, gb)) for p in probes]
        assert max(diffs) > 1e-6, m.key


def _grads_close(a, b, rtol=1e-12):
    for (aW, ab), (bW, bb) in zip(a, b):
        np.testing.assert_allclose(aW, bW, rtol=rtol, atol=1e-13)
        np.testing.assert_allclose(ab, bb, rtol=rtol, atol=1e-13)


def test_dyhat_scale_multiplies_every_gradient_of_a_linear_backprop():
    """dyhat_scale = s: backprop is linear in dL/dyhat, so every gradient is s times (mutants included)."""
    s = spec(activations="leaky_relu")
    p = design_probes(s)[2]
    for knobs in (Knobs(), Knobs(hidden={0: "relu_mask"}), Knobs(bias="first")):
        scaled = backprop(s, p.params, p.X, p.y, replace(knobs, dyhat_scale=8.0)).grads
        _grads_close(scaled, [(8 * dW, 8 * db) for dW, db in backprop(s, p.params, p.X, p.y, knobs).grads])


def test_stale_lr_is_the_step_the_stale_update_takes():
    """stale_lr replaces the lr of the stale update only, and u * backprop(s/u, stale_lr = lr * u) is one
    function of s = u * d: how a factor splits into an lr part and a loss-gradient part changes no number."""
    s = spec(activations="tanh")
    p = design_probes(s)[0]
    lr = 0.05
    as_lr_1 = backprop(s, p.params, p.X, p.y, Knobs(stale=True, stale_lr=1.0), lr=lr).grads
    _grads_close(as_lr_1, backprop(s, p.params, p.X, p.y, Knobs(stale=True), lr=1.0).grads)
    assert not np.allclose(as_lr_1[0][0], backprop(s, p.params, p.X, p.y, Knobs(stale=True), lr=lr).grads[0][0])
    whole = backprop(s, p.params, p.X, p.y, Knobs(stale=True, dyhat_scale=2 / lr), lr=lr).grads
    u = 1 / lr  # lr not applied, times a 2 x loss gradient
    split = backprop(s, p.params, p.X, p.y, Knobs(stale=True, dyhat_scale=2.0, stale_lr=lr * u), lr=lr).grads
    _grads_close(whole, [(u * dW, u * db) for dW, db in split], rtol=1e-10)
