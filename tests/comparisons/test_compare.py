"""compare_arrays: the figures every message is built from."""
import numpy as np
import pytest

from comparisons.compare import compare_arrays, magnitude, within


def diff(a, b, rtol=1e-10):
    return compare_arrays(np.asarray(a, float), np.asarray(b, float), name="0.weight", kind="grad", rtol=rtol,
                          layer="layer 0 (Linear 2->2)", step=3)


def test_equal_arrays_pass_with_zero_error():
    d = diff([[1.0, 2.0]], [[1.0, 2.0]])
    assert d.passed and d.rel == 0.0 and d.bad == 0 and d.total == 2


def test_worst_element_counts_and_relative_error_are_reported():
    d = diff([[1.0, 2.0], [3.0, 4.5]], [[1.0, 2.0], [3.0, 4.0]])
    assert not d.passed
    assert d.worst_index == (1, 1) and d.manual_value == 4.5 and d.torch_value == 4.0
    assert d.max_abs == pytest.approx(0.5) and d.rel == pytest.approx(0.5 / 4.0)
    assert (d.bad, d.total) == (1, 4)


def test_relative_error_is_scaled_by_the_tensor_not_the_element():
    # a tiny absolute error on a near-zero entry of an O(1) tensor is not a mismatch
    d = diff([1.0, 1e-20 + 1e-17], [1.0, 1e-20])
    assert d.passed and d.rel < 1e-16


def test_transposed_shape_is_named():
    d = compare_arrays(np.zeros((2, 3)), np.zeros((3, 2)), name="0.weight", kind="grad", rtol=1e-10)
    assert not d.passed and "transposed?" in d.problem


def test_non_finite_is_a_problem_not_a_pass():
    d = diff([1.0, np.nan], [1.0, 2.0])
    assert not d.passed and "non-finite" in d.problem and "manual" in d.problem


def test_all_zero_reference_with_nonzero_manual_fails():
    d = diff([0.0, 1e-3], [0.0, 0.0])
    assert not d.passed and d.rel == np.inf


def test_message_reads_like_assert_close():
    text = str(diff([[1.0, 2.0], [3.0, 4.5]], [[1.0, 2.0], [3.0, 4.0]]))
    assert text.splitlines() == [
        "MISMATCH: grad of 0.weight (layer 0 (Linear 2->2)) at step 3",
        "  worst     [1, 1]  manual=+4.5  torch=+4",
        "  error     abs 5.00e-01 | rel 1.25e-01 > rtol 1e-10 | 1/4 elements off",
    ]


# ---- the one comparison rule: |actual - expected| <= rtol |expected| + atol max(scale, max|expected|) -----------
def test_within_is_rtol_on_the_element_plus_atol_on_the_operands_magnitude():
    e = np.array([100.0, 1.0, 0.0])
    # bound: 1e-3 * |e| + 1e-4 * 100 = [0.11, 0.011, 0.01]
    assert within(e + [0.1, 0.01, 0.01], e, rtol=1e-3, atol=1e-4).tolist() == [True, True, True]
    assert within(e + [0.12, 0.012, 0.011], e, rtol=1e-3, atol=1e-4).tolist() == [False, False, False]
    # a given scale above max|e| widens only the atol term
    assert within(e + [0.0, 0.0, 0.05], e, rtol=1e-3, atol=1e-4, scale=1000.0).tolist() == [True, True, True]
    assert magnitude(e, 1000.0) == 1000.0 and magnitude(e, 1.0) == 100.0


def test_within_passes_equal_infinities_and_never_nan():
    e = np.array([np.inf, -np.inf, np.nan, 1.0])
    assert within(e, e, rtol=0.0, atol=0.0).tolist() == [True, True, False, True]
    assert magnitude(e) == 1.0  # an infinity does not make every error allowed
    assert not within(np.array([1e300]), np.array([np.inf]), rtol=1.0, atol=1.0).any()


@pytest.mark.parametrize("scale", [0.0, 2.5])
def test_compare_arrays_counts_what_the_rule_rejects(scale):
    rng = np.random.default_rng(0)
    b = rng.standard_normal((6, 5))
    a = b + rng.standard_normal((6, 5)) * 1e-3
    d = compare_arrays(a, b, name="w", kind="grad", rtol=2e-4, scale=scale)
    assert d.bad == int((~within(a, b, rtol=0.0, atol=2e-4, scale=scale)).sum()) > 0
    assert d.rel == np.abs(a - b).max() / magnitude(b, scale)
    assert d.passed == (d.bad == 0)


def test_property_tests_assert_close_uses_the_rule_and_names_the_worst_element():
    from strategies import assert_close

    e = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert_close(e + 1e-13, e, "ok")  # float64: rtol 1e-12, atol 1e-14 x 4
    with pytest.raises(AssertionError, match=r"grad of w: 1/4 elements off .* worst \[1, 0\]: actual 3\.0001"):
        assert_close(e + [[0, 0], [1e-4, 0]], e, "grad of w")
    with pytest.raises(AssertionError, match="shape"):
        assert_close(e.astype(np.float32), e, "dtype")
