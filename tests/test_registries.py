"""Walk every registry (activations, losses, layers) and fail, naming the entry, for one registered without
its torch twin, its parity test, its finite-difference test or (activations and losses) its learner-check
case. The test tables are read from the test modules that run them, so an entry is covered only where a
test really draws it."""
import importlib.util
import sys
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
from torch import nn

from comparisons.learner.spec import LearnerSpec, LearnerSpecError
from comparisons.parity import rounding_layers, rounding_losses
from manual import ACTIVATION_REGISTRY, LAYER_REGISTRY, LOSS_REGISTRY, Linear, parse_activation
from torch_ref import mirror_loss, torch_layer

TESTS = Path(__file__).parent


@lru_cache(maxsize=None)
def table(path: str, name: str):
    """A test module's case table (the module imported by its path, its folder on sys.path for its helpers)."""
    file = TESTS / path
    sys.path.insert(0, str(file.parent))
    try:
        spec = importlib.util.spec_from_file_location(f"registry_walk_{file.stem}", file)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(file.parent))
    return getattr(module, name)


def _names(cases) -> set[str]:
    """Entry names of a table: activation spellings ('elu:0.5'), loss or layer names, pytest.param values."""
    out = set()
    for case in cases:
        value = case.values[0] if hasattr(case, "values") else case
        out.add(parse_activation(value).name if ":" in value or value in ACTIVATION_REGISTRY else value)
    return out


def activation_twin(name: str) -> bool:
    op = ACTIVATION_REGISTRY[name]
    return isinstance(getattr(nn, op.torch, None), type) and isinstance(getattr(nn, op.torch)(**op.params), nn.Module)


def loss_twin(name: str) -> bool:
    return isinstance(mirror_loss(LOSS_REGISTRY[name].build()), nn.Module)


def layer_twin(name: str) -> bool:
    make, _ = table("manual/test_layers.py", "REGISTERED").get(name, (None, None))
    return make is not None and isinstance(torch_layer(make(np.float64)), nn.Module)


def spec_accepts(name: str) -> bool:
    op = LOSS_REGISTRY[name]
    output = "sigmoid" if op.input == "probability" else "identity"
    try:
        return LearnerSpec.create(sizes=[2, 3, 3], activations="tanh", output=output, loss=name).loss == name
    except LearnerSpecError:
        return False


def layer_rounding_rule(name: str) -> bool:
    """Linear's rule is rounding.py's own; every other layer's is in rounding_layers.RULES."""
    return LAYER_REGISTRY[name].cls is Linear or any(issubclass(LAYER_REGISTRY[name].cls, kind) for kind, _ in rounding_layers.RULES)


def loss_rounding_rule(name: str) -> bool:
    return any(isinstance(LOSS_REGISTRY[name].build(), kind) for kind, _ in rounding_losses.RULES)


def activation_learner_case(name: str) -> bool:
    seeds = {"relu", "leaky_relu", "sigmoid", "tanh", "identity"}   # the catalogue's learners (tests/learners)
    return name in _names(table("comparisons/test_learner_activations.py", "CORRECT")) | seeds


REQUIREMENTS = {  # kind: (registry, [(what, holds(name), where to add it)])
    "activation": (ACTIVATION_REGISTRY, [
        ("a torch twin", activation_twin, "its `torch` class name in manual/activation_registry.py"),
        ("parity and finite-difference cases",
         lambda n: n in _names(table("manual/test_activation_registry.py", "CASES")),
         "CASES in tests/manual/test_activation_registry.py"),
        ("a learner-check case", activation_learner_case, "CORRECT in tests/comparisons/test_learner_activations.py"),
    ]),
    "loss": (LOSS_REGISTRY, [
        ("a torch twin", loss_twin, "its `torch` class in manual/losses/registry.py (or torch_ref/losses.py)"),
        ("a parity and a finite-difference case",
         lambda n: n in table("manual/test_loss_parity.py", "REGISTERED"),
         "REGISTERED in tests/manual/test_loss_parity.py"),
        ("a learner-check case", lambda n: spec_accepts(n) and n in _names(
            table("comparisons/test_learner_losses.py", "CORRECT")),
         "the learner spec and CORRECT in tests/comparisons/test_learner_losses.py"),
        ("a float32 rounding rule", loss_rounding_rule, "RULES in comparisons/parity/rounding_losses.py"),
    ]),
    "layer": (LAYER_REGISTRY, [
        ("a torch twin", layer_twin, "its entry in manual/layer_registry.py"),
        ("parity and finite-difference cases", lambda n: n in table("manual/test_layers.py", "REGISTERED"),
         "REGISTERED in tests/manual/test_layers.py"),
        ("a float32 rounding rule", layer_rounding_rule, "RULES in comparisons/parity/rounding_layers.py"),
    ]),
}
WALK = [(kind, name, what) for kind, (registry, needs) in REQUIREMENTS.items() for name in registry
        for what, _, _ in needs]


@pytest.mark.parametrize("kind, name, what", WALK, ids=[f"{k}-{n}-{w.split()[1]}" for k, n, w in WALK])
def test_every_registered_op_has_its_twin_and_tests(kind, name, what):
    holds, where = next((h, w) for t, h, w in REQUIREMENTS[kind][1] if t == what)
    assert holds(name), f"{kind} {name!r} is registered without {what}: add it to {where}"


def test_the_walk_fails_loudly_for_an_entry_without_tests(monkeypatch):
    """A made-up loss entry (a copy of mse under a new name) has a twin, but no parity or learner case."""
    from dataclasses import replace
    monkeypatch.setitem(LOSS_REGISTRY, "mse_copy", replace(LOSS_REGISTRY["mse"], name="mse_copy"))
    _, needs = REQUIREMENTS["loss"]
    assert [what for what, holds, _ in needs if not holds("mse_copy")] == [
        "a parity and a finite-difference case", "a learner-check case"]
