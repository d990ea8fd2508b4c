"""Column-major (W @ x, seed 003) <-> row-major (x @ W, this package): one boundary, exact both ways."""
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import assert_close, shapes

from manual import (ShapeError, batch_from_column_major, batch_to_column_major, build_mlp, init_randn,
                    params_from_column_major, params_to_column_major)


@st.composite
def column_major_params(draw):
    """[(W (out, in), b (out, 1)), ...] for a chain of 1..3 layers, from a drawn seed."""
    sizes = draw(st.lists(st.integers(1, 6), min_size=2, max_size=4))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return [(rng.standard_normal((b, a)), rng.standard_normal((b, 1))) for a, b in zip(sizes, sizes[1:])]


def assert_params_identical(got, want):
    assert len(got) == len(want)
    for i, ((W, b), (W0, b0)) in enumerate(zip(got, want)):
        assert W.shape == W0.shape and b.shape == b0.shape, f"layer {i}"
        assert np.array_equal(W, W0) and np.array_equal(b, b0), f"layer {i}"


def test_from_column_major_transposes_weight_and_flattens_bias():
    W, b = np.arange(6.0).reshape(2, 3), np.array([[10.0], [20.0]])
    [(W_row, b_row)] = params_from_column_major([(W, b)])
    assert W_row.tolist() == [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]] and b_row.tolist() == [10.0, 20.0]
    assert W_row.flags.c_contiguous


def test_to_column_major_transposes_weight_and_makes_bias_a_column():
    [(W_col, b_col)] = params_to_column_major([(np.arange(6.0).reshape(3, 2), np.array([1.0, 2.0]))])
    assert W_col.tolist() == [[0.0, 2.0, 4.0], [1.0, 3.0, 5.0]] and b_col.tolist() == [[1.0], [2.0]]


def test_flat_column_major_bias_is_accepted():
    [(_, b)] = params_from_column_major([(np.ones((2, 3)), np.array([1.0, 2.0]))])
    assert b.tolist() == [1.0, 2.0]


@given(params=column_major_params())
def test_round_trip_from_column_major_is_identity(params):
    assert_params_identical(params_to_column_major(params_from_column_major(params)), params)


@given(params=column_major_params())
def test_round_trip_from_row_major_is_identity(params):
    row = params_from_column_major(params)
    assert_params_identical(params_from_column_major(params_to_column_major(row)), row)


@given(shape=shapes())
def test_batch_round_trip(shape):
    x = np.random.default_rng(0).standard_normal(shape)
    assert batch_from_column_major(x).shape == shape[::-1]
    assert np.array_equal(batch_to_column_major(batch_from_column_major(x)), x)


def test_conversion_copies():
    W, b = np.ones((2, 3)), np.ones((2, 1))
    [(W_row, b_row)] = params_from_column_major([(W, b)])
    W_row[...], b_row[...] = 5.0, 5.0
    assert (W == 1).all() and (b == 1).all()


@pytest.mark.parametrize("n", [1, 4])
def test_column_major_forward_equals_row_major_forward_transposed(n):
    """Seed 003's w2 @ tanh(w1 @ x + b1) + b2 and Sequential on the converted weights agree."""
    net = init_randn(build_mlp([3, 5, 2], "tanh"), 3, bias="randn")
    (w1, b1), (w2, b2) = params_to_column_major(net.linear_params())
    x = np.random.default_rng(n).standard_normal((3, n))
    column_major = w2 @ np.tanh(w1 @ x + b1) + b2
    net.set_linear_params(params_from_column_major([(w1, b1), (w2, b2)]))
    assert_close(net.forward(batch_from_column_major(x)).T, column_major, "row-major forward, transposed")


@pytest.mark.parametrize("pair, match", [
    ((np.ones(3), np.ones(3)), r"W must be 2-D, got shape \(3,\)"),
    ((np.ones((2, 3)), np.ones((3, 1))), r"b must be \(2, 1\), got \(3, 1\)"),
    ((np.ones((2, 3)), np.ones((1, 2))), r"b must be \(2, 1\), got \(1, 2\)"),
    ((np.ones((2, 3)), np.ones((2, 1, 1))), r"got \(2, 1, 1\)"),
    (np.ones((2, 3)), "expected a \\(W, b\\) pair, got ndarray"),
])
def test_bad_column_major_params_raise(pair, match):
    with pytest.raises(ShapeError, match=match):
        params_from_column_major([pair])


@pytest.mark.parametrize("pair, match", [
    ((np.ones((3, 2)), np.ones((2, 1))), r"layer 1: row-major b must be \(2,\), got \(2, 1\)"),
    ((np.ones((3, 2)), np.ones(3)), r"got \(3,\)"),
    ((np.ones((3, 2)),), "pair"),
])
def test_bad_row_major_params_raise(pair, match):
    with pytest.raises(ShapeError, match=match):
        params_to_column_major([(np.ones((2, 2)), np.ones(2)), pair])


@pytest.mark.parametrize("x", [np.ones(3), np.ones((2, 3, 4))])
@pytest.mark.parametrize("convert", [batch_from_column_major, batch_to_column_major])
def test_bad_batch_raises(convert, x):
    with pytest.raises(ShapeError, match=re.escape(f"got shape {x.shape}")):
        convert(x)
