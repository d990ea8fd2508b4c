"""Generated inputs for property tests, and the dtype tolerances every parity test compares with.

shapes()    2-D batch shapes (N, features)
nets()      random MLPs: 1..3 hidden layers, widths 1..6, an activation name per hidden layer,
            identity or sigmoid output, float64, weights from a drawn seed
batches(n)  (x, y) for net n: x in [-3, 3], y in [0, 1] (valid targets for MSE and BCE alike)
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import manual

# Measured (see the report in tests/): float64 parity errors are a few ulps of the values compared,
# float32 a few float32 ulps. rtol and atol come together, by dtype.
TOLERANCES = {np.dtype(np.float64): {"rtol": 1e-12, "atol": 1e-14},
              np.dtype(np.float32): {"rtol": 1e-5, "atol": 1e-6}}


def assert_close(actual, expected, where: str) -> None:
    """Same shape, same dtype, values within the dtype's tolerance; `where` names the tensor."""
    __tracebackhide__ = True
    expected = np.asarray(expected)
    np.testing.assert_allclose(actual, expected, strict=True, err_msg=where, **TOLERANCES[expected.dtype])


def _floats(lo: float = -3.0, hi: float = 3.0):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, width=64)


@st.composite
def shapes(draw, max_rows: int = 8, max_cols: int = 6) -> tuple[int, int]:
    return draw(st.integers(1, max_rows)), draw(st.integers(1, max_cols))


@st.composite
def nets(draw, activations=tuple(manual.ACTIVATIONS), dtype=np.float64) -> manual.Sequential:
    n_hidden = draw(st.integers(1, 3))
    sizes = draw(st.lists(st.integers(1, 6), min_size=n_hidden + 2, max_size=n_hidden + 2))
    names = draw(st.lists(st.sampled_from(activations), min_size=n_hidden, max_size=n_hidden))
    output = draw(st.sampled_from(["identity", "sigmoid"]))
    net = manual.build_mlp(sizes, names, output, dtype=dtype)
    init = draw(st.sampled_from(["torch_default", "randn_bias"]))
    return manual.initialise(net, init, draw(st.integers(0, 2**32 - 1)))


@st.composite
def batches(draw, net: manual.Sequential, max_rows: int = 8) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(1, max_rows))
    x = draw(hnp.arrays(np.float64, (n, net.sizes[0]), elements=_floats()))
    y = draw(hnp.arrays(np.float64, (n, net.sizes[-1]), elements=_floats(0.0, 1.0)))
    return x.astype(net.dtype), y.astype(net.dtype)
