"""Bug labels are one declared set (comparisons/learner/labels.py), checked when the modules that give them
are imported: an undeclared label, a declared label nobody gives, a Knobs field composite.py forgets."""
import dataclasses
import importlib.util

import pytest

import comparisons.learner.api  # noqa: F401 (imports every module that gives a label)
from comparisons.learner import composite, events, labels, mutants, reference
from comparisons.learner.labels import LABELS, LabelError, check_every_label_produced, produces
from comparisons.learner.spec import LearnerSpec
from comparisons.report import Diagnosis


def fresh_import(name: str):
    """Execute module `name` again in a new module object (not put in sys.modules), as an import would."""
    spec = importlib.util.find_spec(name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_each_label_is_declared_once_as_a_constant():
    assert len(LABELS) == 23 and all(getattr(labels, label.upper()) == label for label in LABELS)
    with pytest.raises(LabelError, match="'unknown' is declared twice"):
        labels.declare("unknown", "again")


def test_every_declared_label_is_given_by_some_module():
    check_every_label_produced()
    # the catalogue's mutant and the localisation (api imports both); the layer checks too once imported
    assert {"comparisons.learner.mutants", "comparisons.learner.localise"} <= labels.PRODUCERS["stale_weights"] <= {
        "comparisons.learner.mutants", "comparisons.learner.localise", "comparisons.learner.layer_check_bugs"}
    assert set(labels.PRODUCERS["exited"]) == {"comparisons.learner.events"}


def test_a_typo_in_a_given_label_fails_naming_module_and_label():
    with pytest.raises(ImportError, match=r"my\.module gives the label 'wrong_scal', which .* does not declare"):
        produces("my.module", labels.WRONG_SIGN, "wrong_scal")


def test_a_declared_label_that_no_module_gives_fails():
    given = {k: v for k, v in labels.PRODUCERS.items() if k != "batch_dependent"}
    with pytest.raises(ImportError, match="label 'batch_dependent' is declared .* but no module gives it"):
        check_every_label_produced(given)


@pytest.mark.parametrize("module, label", [("comparisons.learner.mutants", "stale_weights"),
                                           ("comparisons.learner.events", "interrupted"),
                                           ("comparisons.learner.diagnose", "grad_accumulation")])
def test_importing_a_module_that_gives_an_undeclared_label_fails(module, label, monkeypatch):
    monkeypatch.delitem(LABELS, label)
    with pytest.raises(ImportError, match=rf"{module} gives the label '{label}'"):
        fresh_import(module)


def test_every_mutant_is_labelled_from_the_catalogue():
    assert set(mutants.CATALOGUE.values()) <= set(LABELS)
    spec = LearnerSpec.create(sizes=[3, 3, 3, 2], activations="leaky_relu", output="sigmoid", loss="bce")
    found = {m.label for m in mutants.mutants_for(spec, step=True)}
    assert found == set(mutants.CATALOGUE.values())


def test_every_event_label_is_declared():
    assert set(events.EVENT_LABELS) == set(events.HEADLINES) <= set(LABELS)
    with pytest.raises(AssertionError):
        events.LearnerEvent("wrong_scale", "what", "hint")


def test_composite_knows_how_to_combine_every_knob():
    composite.check_knobs()
    assert set(composite._KNOBS) | set(composite._APART) == {f.name for f in dataclasses.fields(reference.Knobs)}


def test_a_knob_forgotten_by_composite_fails_naming_it():
    with pytest.raises(ImportError, match=r"Knobs\.stale is neither in _KNOBS"):
        composite.check_knobs(combined=("dw_source", "transpose", "bias"))
    wider = dataclasses.make_dataclass("Knobs", [("scale_db", float, 1.0)], bases=(reference.Knobs,), frozen=True)
    with pytest.raises(ImportError, match=r"Knobs\.scale_db is neither in _KNOBS"):
        composite.check_knobs(knobs=wider)
    with pytest.raises(ImportError, match="'biass' in _KNOBS/_APART is no field of Knobs"):
        composite.check_knobs(combined=("dw_source", "transpose", "bias", "stale", "biass"))


def test_a_diagnosis_refuses_an_undeclared_label():
    assert Diagnosis(labels.WRONG_SCALE, "2 x").label == "wrong_scale"
    with pytest.raises(ValueError, match="undeclared diagnosis label 'wrong_scal'"):
        Diagnosis("wrong_scal", "2 x")
