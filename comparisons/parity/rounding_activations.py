"""Rounding bounds through any registered activation, from its registry facts alone (rounding.py keeps
its sharper rules for the seeds' five: ReLU, LeakyReLU, Sigmoid, Tanh, Identity).

With M = sup |f''| (the entry's curvature), L = max |f'| over [z - e_z, z + e_z] + M e_z and c = 8 ulps:
    forward     e_a = L e_z + c u (|a| + |z|) + |jump of f| where a kink lies within e_z of z
    backward    e_in = e_g L + |g| e_f' + 2u |g f'|,
                e_f' = M e_z + c u (|f'| + 1 + |z|) + KINK_JUMPS |jump of f'| where a kink lies within e_z
The u |z| and u terms are absolute: GELU's 1 + erf(z/sqrt 2) and SiLU's 1 + z (1 - s) cancel, so their
float32 error is a few u of the terms, not of the (tiny) result.
"""
from __future__ import annotations

import numpy as np

from .roundoff import KINK_JUMPS, TRANSCENDENTAL_ULPS


def _near(chosen, z, e_z, jumps) -> np.ndarray:
    """Sum of the jumps of the kinks that lie within e_z of z."""
    out = np.zeros(np.shape(z))
    for kink, jump in jumps:
        out = out + (np.abs(z - kink) <= e_z) * jump
    return out


def _lipschitz(chosen, z, e_z) -> np.ndarray:
    """max |f'| over [z - e_z, z + e_z], from its ends and middle plus the curvature's allowance."""
    d = np.maximum.reduce([np.abs(chosen.from_z(z + s * e_z)) for s in (-1.0, 0.0, 1.0)])
    return d + chosen.op.curvature(chosen.p) * e_z


def forward_bound(chosen, z: np.ndarray, e_z: np.ndarray, u: float) -> tuple[np.ndarray, np.ndarray]:
    """a = f(z) (float64) and the bound on its error."""
    with np.errstate(all="ignore"):
        a = chosen.forward(z)
        e_a = (_lipschitz(chosen, z, e_z) * e_z + TRANSCENDENTAL_ULPS * u * (np.abs(a) + np.abs(z))
               + _near(chosen, z, e_z, chosen.jumps(of_value=True)))
    return a, e_a


def backward_bound(chosen, z: np.ndarray, e_z: np.ndarray, g, e_g, u: float) -> tuple[np.ndarray, np.ndarray]:
    """g_in = g * f'(z) and the bound on its error."""
    with np.errstate(all="ignore"):
        d = chosen.from_z(z)
        e_d = (chosen.op.curvature(chosen.p) * e_z + TRANSCENDENTAL_ULPS * u * (np.abs(d) + 1 + np.abs(z))
               + KINK_JUMPS * _near(chosen, z, e_z, chosen.jumps()))
        return g * d, e_g * _lipschitz(chosen, z, e_z) + np.abs(g) * e_d + 2 * u * np.abs(g * d)
