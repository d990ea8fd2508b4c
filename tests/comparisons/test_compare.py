"""compare_arrays: the figures every message is built from."""
import numpy as np
import pytest

from comparisons.compare import compare_arrays


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
