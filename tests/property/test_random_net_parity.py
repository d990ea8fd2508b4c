"""Property-based parity: random networks (net_strategies.py) step as their torch mirror does, one step and a
short trajectory, with no false alarm. float64: 300 examples of every layer, loss and optimizer; float32: the
layers the shadow check has rounding rules for (Linear and activations), judged within rounding."""
import pytest
from case_parity import check_case
from hypothesis import Phase, given, settings
from net_strategies import PARAM_RANGES, net_cases

import manual

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@settings(max_examples=300)
@given(net_cases("float64"))
def test_random_float64_networks_step_as_torch_does(case):
    check_case(case)


@settings(max_examples=60)
@given(net_cases("float32"))
def test_random_float32_networks_step_within_rounding_of_torch(case):
    check_case(case)


def test_every_activation_parameter_has_a_range():
    """A newly registered activation parameter is drawn too: it needs a range here or a list of choices."""
    missing = [(op.name, k) for op in manual.ACTIVATION_REGISTRY.values() for k in op.params
               if k not in op.choices and k not in PARAM_RANGES]
    assert not missing


def test_the_cases_reach_every_layer_loss_and_optimizer():
    """Every kind the strategy promises is drawn within 500 examples (generated only, not checked)."""
    seen: set = set()

    @settings(max_examples=500, database=None, phases=[Phase.generate])
    @given(net_cases("float64"))
    def collect(case):
        seen.update({case.loss, case.optimizer.kind, *(spec.kind for spec in case.layers)})

    collect()
    want = {*manual.LOSSES, "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Conv2d", "MaxPool2d", "AvgPool2d",
            "Flatten", "BatchNorm1d", "LayerNorm", "Dropout", *(op.torch for op in manual.ACTIVATION_REGISTRY.values())}
    assert not want - seen
