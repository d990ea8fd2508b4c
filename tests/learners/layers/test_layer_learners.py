"""The layer learners through check_layer_fn, check_layer_class and check_dict_net: every correct one passes,
every buggy one fails with its expected label and diagnosis."""
from __future__ import annotations

import pytest

from comparisons import check_dict_net, check_layer_class, check_layer_fn

from . import buggy, classes, two_layer_net
from . import cs231n as ok

CORRECT = [("affine", ok.affine_forward, ok.affine_backward), ("relu", ok.relu_forward, ok.relu_backward),
           ("softmax_loss", ok.softmax_loss, None), ("svm_loss", ok.svm_loss, None),
           ("batchnorm", ok.batchnorm_forward, ok.batchnorm_backward),
           ("dropout", ok.dropout_forward, ok.dropout_backward),
           ("conv", ok.conv_forward_naive, ok.conv_backward_naive),
           ("max_pool", ok.max_pool_forward_naive, ok.max_pool_backward_naive)]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("layer, forward, backward", CORRECT, ids=[c[0] for c in CORRECT])
def test_correct_layer_functions_pass(layer, forward, backward, dtype):
    report = check_layer_fn(forward, backward, layer=layer, dtype=dtype)
    assert report.passed, str(report)
    assert report.max_rel("grad", "loss") < (1e-14 if dtype == "float64" else 1e-6)


@pytest.mark.parametrize("name, layer, forward, backward, label, words", buggy.BUGGY, ids=[b[0] for b in buggy.BUGGY])
def test_buggy_layer_functions_fail_with_their_diagnosis(name, layer, forward, backward, label, words):
    report = check_layer_fn(forward, backward, layer=layer)
    assert not report.passed
    diagnosis = report.findings[0].diagnosis
    assert (diagnosis.label, words in diagnosis.summary) == (label, True), str(report)


@pytest.mark.parametrize("obj, kind, names", [
    (classes.Dense, "affine", None), (classes.TorchLinear(), "affine", None), (classes.ReLU, "relu", None),
    (classes.Kernel, "affine", {"w": "kernel", "b": "offset", "dw": "kernel_g", "db": "offset_g"}),
], ids=["Dense", "TorchLinear", "ReLU", "Kernel_named"])
def test_correct_layer_objects_pass(obj, kind, names):
    report = check_layer_class(obj, layer_kind=kind, names=names)
    assert report.passed, str(report)


@pytest.mark.parametrize("obj, kind, label, words", [
    (classes.DenseAccumulating, "affine", "grad_accumulation", "accumulates across calls"),
    (classes.DenseMeanBias, "affine", "bias_not_summed", "averages"),
    (classes.ReLUValue, "relu", "wrong_activation_derivative", "value"),
    (classes.Kernel, "affine", "bad_structure", "names={'b': 'your_attribute'}"),
], ids=["accumulating", "mean_bias", "relu_value", "unguessable_names"])
def test_buggy_layer_objects_fail_with_their_diagnosis(obj, kind, label, words):
    report = check_layer_class(obj, layer_kind=kind)
    assert not report.passed
    diagnosis = report.findings[0].diagnosis
    assert (diagnosis.label, words in diagnosis.summary) == (label, True), str(report)


def test_a_torch_layout_object_is_detected_and_read_back():
    report = check_layer_class(classes.TorchLinear(), layer_kind="affine", layout="column")
    assert report.passed, str(report)
    assert not check_layer_class(classes.TorchLinear(), layer_kind="affine", layout="row").passed


@pytest.mark.parametrize("model, kwargs", [
    (two_layer_net.TwoLayerNet(), {}), (two_layer_net.TwoLayerNet(reg=0.3), {"reg": 0.3}),
    (two_layer_net.renamed_loss, {"sizes": [4, 6, 3], "names": two_layer_net.RENAMED}),
], ids=["auto_names", "reg", "mapped_names"])
def test_correct_dict_nets_pass(model, kwargs):
    report = check_dict_net(model, **kwargs)
    assert report.passed, str(report)


def test_a_dict_net_whose_gradient_is_not_averaged_is_n_times_off():
    report = check_dict_net(two_layer_net.TwoLayerNetNotAveraged())
    assert report.labels == ["wrong_scale"] and "N x" in report.diagnosis.summary, str(report)
    assert "ratio to torch 5 on N=5, 1 on N=1, 3 on N=3" in str(report)


def test_a_dict_net_checked_without_its_reg_is_caught():
    report = check_dict_net(two_layer_net.TwoLayerNet(reg=0.3))
    assert not report.passed and report.findings[0].diff.name == "loss"
