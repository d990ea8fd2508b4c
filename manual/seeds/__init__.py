"""The seed systems, rewritten in the project: one module per seed, each naming its seed file.

SYSTEMS lists every system in table order; get_systems(name) selects by system key, module name or
seed number ("004", "xor", "quadratic_relu"). Pure NumPy (000 uses scikit-learn for its data).
"""
from __future__ import annotations

from ..errors import UnknownNameError
from . import leaky_relu_random, quadratic_fit, relu_regression, sine_tanh, xor
from .spec import Data, SeedSystem, Variant

MODULES = {"relu_regression": relu_regression, "quadratic_fit": quadratic_fit,
           "leaky_relu_random": leaky_relu_random, "sine_tanh": sine_tanh, "xor": xor}
SYSTEMS: tuple[SeedSystem, ...] = tuple(s for m in MODULES.values() for s in m.SYSTEMS)


def get_systems(name: str | None = None) -> tuple[SeedSystem, ...]:
    """Every system, or those matching a system key, a module name or a seed number."""
    if name is None:
        return SYSTEMS
    if name in MODULES:
        return MODULES[name].SYSTEMS
    found = tuple(s for s in SYSTEMS if name in (s.key, s.seed))
    if not found:
        known = ", ".join(sorted({*MODULES, *(s.key for s in SYSTEMS), *(s.seed for s in SYSTEMS)}))
        raise UnknownNameError(f"unknown seed system {name!r}; known: {known}")
    return found


def system_by_key(key: str) -> SeedSystem:
    """A system by its key, including those only a variant runs on (001's scalar class)."""
    for s in SYSTEMS:
        if s.key == key:
            return s
        for v in s.variants:
            if v.system is not None and v.system.key == key:
                return v.system
    raise UnknownNameError(f"unknown seed system {key!r}")


__all__ = ["Data", "MODULES", "SYSTEMS", "SeedSystem", "Variant", "get_systems", "system_by_key"]
