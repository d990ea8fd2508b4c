"""all_finite: whether a step's loss and tensors are finite, by one sum per tensor (or one over the array they
are all views of), never fooled by an overflowing sum or by values outside the tensors."""
import numpy as np
import pytest

from comparisons.parity.finite import all_finite


def views(flat: np.ndarray) -> dict:
    return {"w": flat[:6].reshape(2, 3), "b": flat[6:9]}


@pytest.mark.parametrize("shared", [True, False], ids=["views of one array", "arrays of their own"])
@pytest.mark.parametrize("value, finite", [(1.0, True), (np.nan, False), (np.inf, False), (-np.inf, False)])
def test_one_element_decides(shared, value, finite):
    flat = np.arange(9.0)
    flat[7] = value
    values = views(flat) if shared else {k: v.copy() for k, v in views(flat).items()}
    assert all_finite(values, 0.5) is finite


@pytest.mark.parametrize("shared", [True, False])
def test_a_sum_that_overflows_is_not_taken_for_an_infinity(shared):
    flat = np.full(9, 1e308)
    values = views(flat) if shared else {k: v.copy() for k, v in views(flat).items()}
    assert all_finite(values, 0.5)


def test_a_non_finite_value_outside_the_views_is_not_theirs():
    flat = np.zeros(12)
    flat[10] = np.nan                     # in the array, in none of the tensors
    assert all_finite(views(flat), 0.5)
    assert not all_finite(views(flat), np.nan)
