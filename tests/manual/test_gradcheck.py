"""The finite-difference oracle: quiet on correct nets, loud on broken backward passes, honest at kinks."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import batches, nets

from manual import DTypeError, Tanh, build_mlp, gradcheck, init_randn, init_torch_default, make_loss, relative_error
from manual.gradcheck import GOOD, WRONG, central_difference, rounding_floor, step_size

SMOOTH = ("tanh", "sigmoid")
X_XOR = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
Y_XOR = np.array([[0.0], [1.0], [1.0], [0.0]])


# Central differences cannot resolve a difference below the rounding of L(p + h) - L(p - h): about
# eps * |L| / h. Measured on 600 random tanh/sigmoid nets (h = 1e-5): the 6% of them with an entry outside the
# "good" band (< 1e-7) all differed from backward there by at most 1.8e-11 * max(1, |L|): tiny gradients (a
# saturated unit, an input near 0), within rounding_floor (10 eps max(1, |L|) / h: 2.2e-10 at h = 1e-5,
# 1.5e-10 at step_size() = 1.5e-5). The check below then held on 2,000 random nets of every activation.


def check_good_or_unresolvable(net, loss, x, y):
    """gradcheck passes, and every entry is good (< 1e-7) or agrees to finite-difference resolution."""
    result = gradcheck(net, loss, x, y)
    floor = rounding_floor(float(loss.forward(net.forward(x), y)), step_size())
    assert set(result.errors) == set(net.params)
    for name in result.errors:
        a, n = result.analytic[name], result.numeric[name]
        bad = (relative_error(a, n) >= GOOD) & (np.abs(a - n) > floor)
        assert not bad.any(), f"{name}: backward {a[bad]} vs central differences {n[bad]}\n{result}"
    return result


@st.composite
def smooth_cases(draw):
    """(net, loss, x, y): a tanh/sigmoid net with torch-default weights, an MSE-family loss, a batch."""
    net = init_torch_default(draw(nets(activations=SMOOTH)), draw(st.integers(0, 2**32 - 1)))
    return net, make_loss(draw(st.sampled_from(["mse", "sum", "half_sum"]))), *draw(batches(net))


def smooth_net():
    """A fixed, well-conditioned 3-4-4-2 tanh net with a batch and targets."""
    net = init_torch_default(build_mlp([3, 4, 4, 2], "tanh"), seed=0)
    x = np.random.default_rng(0).standard_normal((5, 3))
    return net, x, np.full((5, 2), 0.5)


@given(case=smooth_cases())
def test_correct_smooth_net_is_good(case):
    assert check_good_or_unresolvable(*case).kinks == 0


@given(net=nets(), data=st.data())
def test_correct_net_of_any_activation_agrees(net, data):
    loss = make_loss(data.draw(st.sampled_from(["mse", "half_sum"])))
    check_good_or_unresolvable(net, loss, *data.draw(batches(net)))


def test_well_conditioned_net_is_good_everywhere():
    net, x, y = smooth_net()
    result = gradcheck(net, make_loss("mse"), x, y)
    assert result.passed and result.max_error < GOOD and str(result).count("good") == 6, str(result)


BROKEN = {  # what a learner's Tanh.backward might do wrong
    "doubled": lambda self, dy: 2 * Tanh.backward(self, dy),
    "no derivative": lambda self, dy: dy,
    "1 - y, not 1 - y**2": lambda self, dy: dy * (1 - self.cache["y"]),
}


@pytest.mark.parametrize("bug", BROKEN)
def test_broken_backward_is_caught_where_it_acts(bug, monkeypatch):
    """Layer 3 is the second Tanh: parameters below it get wrong gradients, the ones above stay good."""
    net, x, y = smooth_net()
    monkeypatch.setattr(net.layers[3], "backward", BROKEN[bug].__get__(net.layers[3]))
    result = gradcheck(net, make_loss("mse"), x, y)
    assert not result.passed and "probably wrong" in str(result)
    assert min(result.errors["0.weight"], result.errors["2.weight"]) > WRONG
    assert max(result.errors["4.weight"], result.errors["4.bias"]) < GOOD


def test_missing_bias_gradient_is_caught(monkeypatch):
    net, x, y = smooth_net()
    linear = net.layers[2]
    original = type(linear).backward

    def forget_bias(dy):
        dx = original(linear, dy)
        linear.grads["bias"] = np.zeros_like(linear.grads["bias"])
        return dx

    monkeypatch.setattr(linear, "backward", forget_bias)
    result = gradcheck(net, make_loss("mse"), x, y)
    assert result.errors["2.bias"] == pytest.approx(1.0) and result.errors["2.weight"] < GOOD


def test_float32_is_refused():
    net = build_mlp([2, 3, 1], "tanh", dtype=np.float32)
    with pytest.raises(DTypeError, match="float64"):
        gradcheck(net, make_loss("mse"), X_XOR.astype(np.float32), Y_XOR.astype(np.float32))


def test_xor_with_zero_biases_reports_kinks_and_excludes_them():
    """Row (0, 0) puts every hidden ReLU input exactly at 0: nudging a hidden bias by +-h crosses the kink,
    where central differences see half a slope that backward (derivative 0 at 0, as torch) does not."""
    net = init_randn(build_mlp([2, 4, 1], "relu", "sigmoid"), 42)
    result = gradcheck(net, make_loss("mse"), X_XOR, Y_XOR)
    assert result.kinks == 4 and "4 entr(ies) straddle a ReLU kink" in str(result)
    assert result.passed and result.max_error < GOOD, str(result)
    with_kinks = relative_error(result.analytic["0.bias"], result.numeric["0.bias"])
    assert with_kinks.max() > WRONG  # so leaving the kinks out is what keeps a correct net passing


def test_gradcheck_restores_parameters():
    net, x, y = smooth_net()
    before = net.get_params()
    gradcheck(net, make_loss("mse"), x, y)
    assert all(np.array_equal(net.params[k], v) for k, v in before.items())


@pytest.mark.parametrize("a, n, expected", [(1.0, 1.0, 0.0), (0.0, 0.0, 0.0), (1.0, -1.0, 1.0), (3.0, 1.0, 0.5)])
def test_relative_error_is_symmetric_and_zero_when_both_zero(a, n, expected):
    assert relative_error(np.array(a), np.array(n)) == expected == relative_error(np.array(n), np.array(a))


def test_saturated_unit_is_not_a_false_alarm():
    """A correct net whose hidden sigmoid sits at z = 30: sigmoid(30 +- h) round to the same float, so central
    differences see no change where backward gives sigmoid'(30) ~ 9e-14. Like a kink, that entry is beyond
    what finite differences can judge; it must not make a correct backward 'probably wrong'."""
    net = build_mlp([1, 1, 1], "sigmoid")
    net.set_params({"0.weight": np.full((1, 1), 30.0), "0.bias": np.zeros(1),
                    "2.weight": np.ones((1, 1)), "2.bias": np.zeros(1)})
    result = gradcheck(net, make_loss("mse"), np.ones((1, 1)), np.zeros((1, 1)))
    assert result.passed, str(result)


def test_step_size_is_the_cube_root_of_15_eps_per_dtype():
    assert step_size(np.float64) == pytest.approx(1.494e-5, rel=1e-3)
    assert step_size(np.float32) == pytest.approx(1.214e-2, rel=1e-3)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_step_size_beats_a_much_smaller_or_larger_step(dtype):
    """Why h = (15 eps) ** (1/3): at 1/100 of it rounding rules, at 100x it curvature; both are worse."""
    p = np.array([0.7, -1.3, 2.1], dtype)
    true = 1 - np.tanh(p.astype(np.float64)) ** 2

    def error(h):
        return max(abs(central_difference(lambda: np.tanh(p).sum(), p, i, h).value - true[i]) for i in range(3))

    h = step_size(dtype)
    assert error(h) < error(h / 100) and error(h) < error(h * 100)


def test_central_difference_restores_the_entry_even_when_f_raises():
    p = np.array([1.0, 2.0])

    def f():
        if p[1] != 2.0:
            raise RuntimeError("boom")
        return 0.0

    with pytest.raises(RuntimeError):
        central_difference(f, p, 1)
    assert p.tolist() == [1.0, 2.0]


def test_rounding_floor_zeroes_only_what_central_differences_cannot_resolve():
    d = central_difference(lambda: 1e3 * np.ones(1).sum(), np.ones(1), 0)
    assert d.floor == rounding_floor(1e3, step_size()) == pytest.approx(10 * 2.22e-16 * 1e3 / 1.494e-5, rel=1e-3)
    a, n = np.array([1e-13, 1e-3]), np.array([0.0, 2e-3])
    assert relative_error(a, n, floor=d.floor).tolist() == [0.0, pytest.approx(1 / 3)]


def test_the_learner_check_uses_this_routine():
    """One place for central differences: the learner's finite-difference check reads this module."""
    from comparisons.learner import value_checks
    from comparisons.tolerances import LEARNER_FD

    assert value_checks.central_difference is central_difference and value_checks.relative_error is relative_error
    assert set(LEARNER_FD) == {"rtol"}  # no h of its own
