"""Generated inputs for property tests, and the dtype tolerances every parity test compares with.

shapes()    2-D batch shapes (N, features)
nets()      random MLPs: 1..3 hidden layers, widths 1..6, an activation per hidden layer (every registered
            one, some with other parameters than torch's defaults: SPELLINGS),
            identity or sigmoid output, float64 unless asked, weights from a drawn seed and initialiser
batches(n)  (x, y) for net n: x in [-3, 3], y in [0, 1] (valid targets for MSE and BCE alike)
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import manual
from comparisons.compare import allowed, magnitude, within

# rtol and atol come together, by dtype, for comparisons.compare.within (the project's one comparison rule):
# |actual - expected| <= rtol * |expected| + atol * S, S = max(scale, max|expected|), `scale` the largest magnitude
# in the computation that produced the tensor: numpy's and torch's tanh/exp differ by 1-2 ulps, and 1 - y**2 or a
# Linear sum can cancel that into a relative error of 1e-7 on a tiny element, but never beyond a few ulps of `scale`.
# Measured worst (1500 random nets): float64 1.8e-15 * scale, float32 1.9e-6 * scale.
TOLERANCES = {np.dtype(np.float64): {"rtol": 1e-12, "atol": 1e-14},
              np.dtype(np.float32): {"rtol": 1e-5, "atol": 1e-5}}


def assert_close(actual, expected, where: str, scale: float = 1.0) -> None:
    """Same shape, same dtype, and within(actual, expected, scale=scale) at expected's dtype's TOLERANCES;
    `where` names it, and the message gives the worst element and how many are off."""
    __tracebackhide__ = True
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape and actual.dtype == expected.dtype, (
        f"{where}: shape {actual.shape} {actual.dtype}, expected {expected.shape} {expected.dtype}")
    tol = TOLERANCES[expected.dtype]
    ok = within(actual, expected, rtol=tol["rtol"], atol=tol["atol"], scale=scale)
    if not ok.all():
        size = magnitude(expected, scale)
        bound = np.broadcast_to(allowed(np.abs(expected), rtol=tol["rtol"], atol=tol["atol"], size=size), ok.shape)
        diff = np.abs(actual.astype(np.float64) - expected)
        worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(np.where(ok, -np.inf, diff - bound))), ok.shape))
        raise AssertionError(f"{where}: {int((~ok).sum())}/{ok.size} elements off (rtol {tol['rtol']:.0e}, atol "
                             f"{tol['atol']:.0e} x {size:.3g}); worst {list(worst)}: actual {actual[worst].item()!r}, "
                             f"expected {expected[worst].item()!r}, |diff| {diff[worst]:.2e} > "
                             f"allowed {bound[worst]:.2e}")


def _floats(lo: float = -3.0, hi: float = 3.0):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, width=64)


@st.composite
def shapes(draw, max_rows: int = 8, max_cols: int = 6) -> tuple[int, int]:
    return draw(st.integers(1, max_rows)), draw(st.integers(1, max_cols))


SPELLINGS = tuple(manual.ACTIVATIONS) + ("leaky_relu:0.2", "elu:0.5", "gelu:tanh", "softplus:2:10", "hardtanh:-2:0.5")


@st.composite
def nets(draw, activations=SPELLINGS, dtype=np.float64) -> manual.Sequential:
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
