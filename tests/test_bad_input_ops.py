"""Bad input to manual/'s ops, one test per case, each also given to torch.

Where torch refuses the same thing, manual/ refuses it with torch's key words: the test runs torch, and each key
word must be in torch's message (so it is torch's word, not only ours) and in ours; words only ours must hold
(the sizes torch leaves out) are checked in ours alone. Where torch lets the input through (a target that
broadcasts, integer targets promoted, NaN hyper-parameters), manual/ refuses on purpose and the test shows torch
taking it. Where both take it (ignored class indices, a batch of one in evaluation), the values agree.
"""
from __future__ import annotations

import math
import warnings
from functools import partial

import numpy as np
import pytest
import torch
from torch import nn

import manual
from manual.conv import Conv2d
from manual.dropout import Dropout
from manual.errors import DTypeError, NonFiniteError, ParityInputError, ShapeError
from manual.norm import BatchNorm1d, LayerNorm
from manual.pool import AvgPool2d, MaxPool2d

NAN = math.nan
PARAMS = [nn.Parameter(torch.zeros(2))]
RNG = np.random.default_rng(0)
PROBS, LOGITS, OTHER = RNG.random((4, 3)), RNG.normal(size=(4, 3)), RNG.random((4, 3))
IMAGES = RNG.normal(size=(2, 3, 4, 4))
T = torch.from_numpy
OPTIMIZERS = ("SGD", "Adam", "AdamW", "RMSprop", "Adagrad")


def optimizers(name: str, **kwargs) -> tuple:
    """(manual's, torch's) constructor calls with the same arguments (SGD's lr given when the case has none)."""
    if name == "SGD":
        kwargs = {"lr": 0.1, **kwargs}
    return lambda: getattr(manual, name)(**kwargs), lambda: getattr(torch.optim, name)(PARAMS, **kwargs)


def losses(name: str, yhat: np.ndarray, y: np.ndarray, **kwargs) -> tuple:
    """(manual's, torch's) forward of the loss class `name` on the same arrays (array arguments as tensors)."""
    tensors = {k: T(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    return (lambda: getattr(manual, name)(**kwargs).forward(yhat, y),
            lambda: getattr(nn, name)(**tensors)(T(yhat), T(y)))


def layers(make_manual, make_torch, x: np.ndarray) -> tuple:
    """(manual's, torch's) forward of a fresh layer (torch's in float64) on x. In a loop, give the makers as
    functools.partial, not lambdas, which would all see the loop's last class."""
    return lambda: make_manual().forward(x), lambda: make_torch().double()(T(x))


def case(pair: tuple, error: type, words: tuple = (), own: tuple = (), *, id: str):
    return pytest.param(*pair, error, words, own, id=id)


BOTH_REFUSE = [
    # optimizers: torch.optim's own checks, word for word
    *[case(optimizers("SGD", nesterov=True, **kwargs), ParityInputError,
           ("Nesterov momentum requires a momentum and zero dampening",), (own,), id=f"sgd-nesterov-{name}")
      for name, kwargs, own in (("no-momentum", {}, "momentum=0.0"),
                                ("dampening", {"momentum": 0.9, "dampening": 0.1}, "dampening=0.1"))],
    *[case(optimizers(name, lr=-0.1), ParityInputError, ("Invalid learning rate: -0.1",), id=f"{name}-lr-negative")
      for name in OPTIMIZERS],
    *[case(optimizers(name, lr=NAN), ParityInputError, ("Invalid learning rate: nan",), id=f"{name}-lr-nan")
      for name in OPTIMIZERS if name != "SGD"],     # torch's SGD checks lr < 0, which NaN passes: below
    *[case(optimizers(name, momentum=-0.5), ParityInputError, ("Invalid momentum value: -0.5",),
           id=f"{name}-momentum-negative") for name in ("SGD", "RMSprop")],
    case(optimizers("Adam", betas=(1.0, 0.999)), ParityInputError, ("Invalid beta parameter at index 0: 1.0",),
         id="Adam-beta1-one"),
    case(optimizers("AdamW", betas=(0.9, -0.1)), ParityInputError, ("Invalid beta parameter at index 1: -0.1",),
         id="AdamW-beta2-negative"),
    case(optimizers("Adam", betas=(0.9, 1.5)), ParityInputError, ("Invalid beta parameter at index 1: 1.5",),
         id="Adam-beta2-above-one"),
    *[case(optimizers(name, eps=-1e-8), ParityInputError, ("Invalid epsilon value: -1e-08",), id=f"{name}-eps-negative")
      for name in ("Adam", "AdamW", "RMSprop", "Adagrad")],
    *[case(optimizers(name, weight_decay=-0.1), ParityInputError, ("Invalid weight_decay value: -0.1",),
           id=f"{name}-weight-decay-negative") for name in OPTIMIZERS],
    case(optimizers("RMSprop", alpha=-0.5), ParityInputError, ("Invalid alpha value: -0.5",), id="RMSprop-alpha"),
    case(optimizers("Adagrad", lr_decay=-1.0), ParityInputError, ("Invalid lr_decay value: -1",),
         id="Adagrad-lr-decay"),
    case(optimizers("Adagrad", initial_accumulator_value=-1.0), ParityInputError,
         ("Invalid initial_accumulator_value value: -1",), id="Adagrad-initial-accumulator"),
    # a target whose shape does not fit, each loss family
    *[case(losses(name, PROBS, OTHER.T.copy()), ShapeError, ("size", "must match"), ("(3, 4)", "(4, 3)"),
           id=f"{name}-target-transposed") for name in ("MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss")],
    *[case(losses(name, PROBS, OTHER[:, :1].copy()), ShapeError, ("target size", "input size"), ("(4, 1)", "(4, 3)"),
           id=f"{name}-target-one-column") for name in ("BCELoss", "BCEWithLogitsLoss")],
    *[case(losses(name, LOGITS, np.zeros((4, 1), np.int64)), ShapeError, ("1D target",), ("(4, 1)", "expected (4,)"),
           id=f"{name}-index-target-2d") for name in ("CrossEntropyLoss", "NLLLoss")],
    *[case(losses(name, LOGITS, np.zeros(5, np.int64)), ShapeError, ("batch_size (4)", "batch_size (5)"),
           id=f"{name}-index-target-batch") for name in ("CrossEntropyLoss", "NLLLoss")],
    case(losses("CrossEntropyLoss", LOGITS, OTHER[:, :2].copy()), ShapeError, ("target",), ("(4, 2)", "(4, 3)"),
         id="CrossEntropyLoss-probability-target-classes"),
    # a target dtype that does not fit
    *[case(losses(name, LOGITS, np.array([0.0, 1.0, 2.0, 0.0])), DTypeError, ("target dtype",), ("float64",),
           id=f"{name}-float-class-indices") for name in ("CrossEntropyLoss", "NLLLoss")],
    case(losses("CrossEntropyLoss", LOGITS, np.array([True, False, True, False])), DTypeError, ("target dtype",),
         ("bool",), id="CrossEntropyLoss-bool-class-indices"),
    case(losses("BCELoss", PROBS, np.ones((4, 3), np.int64)), DTypeError, ("dtype", "expected"), ("int64",),
         id="BCELoss-int-target"),
    case(losses("BCELoss", PROBS, OTHER.astype(np.float32)), DTypeError, ("dtype", "expected"), ("float32",),
         id="BCELoss-float32-target"),
    # class indices out of range (ignore_index aside: below)
    *[case(losses(name, LOGITS, np.array(y)), ParityInputError, (f"Target {bad} is out of bounds",),
           (f"at sample {at}",), id=f"{name}-class-{bad}")
      for name in ("CrossEntropyLoss", "NLLLoss") for y, bad, at in (([0, 1, 3, 0], 3, 2), ([0, -1, 2, 0], -1, 1))],
    # probabilities outside [0, 1], NaN included
    case(losses("BCELoss", np.array([[0.5], [NAN]]), np.ones((2, 1))), ShapeError,
         ("all elements of input should be between 0 and 1",), ("sigmoid",), id="BCELoss-nan-probability"),
    # layers
    *[case(layers(lambda: BatchNorm1d(3), lambda: nn.BatchNorm1d(3), np.ones(shape)), ShapeError,
           ("Expected more than 1 value per channel when training, got input size",), (str(shape),),
           id=f"BatchNorm1d-train-batch-1-{len(shape)}d") for shape in ((1, 3), (1, 3, 1))],
    case(layers(lambda: BatchNorm1d(3, track_running_stats=False).eval(),
                lambda: nn.BatchNorm1d(3, track_running_stats=False).eval(), np.ones((1, 3))), ShapeError,
         ("Expected more than 1 value per channel when training",), id="BatchNorm1d-untracked-eval-batch-1"),
    case(layers(lambda: Conv2d(3, 4, 5), lambda: nn.Conv2d(3, 4, 5), IMAGES), ShapeError,
         ("Calculated padded input size per channel: (4 x 4). Kernel size: (5 x 5). Kernel size can't be greater than "
          "actual input size",), ("output would be empty",), id="Conv2d-empty-output"),
    case(layers(lambda: Conv2d(3, 4, 3, dilation=3), lambda: nn.Conv2d(3, 4, 3, dilation=3), IMAGES), ShapeError,
         ("Calculated padded input size per channel: (4 x 4). Kernel size: (7 x 7)",),
         id="Conv2d-dilated-empty-output"),
    case(layers(lambda: Conv2d(2, 4, 3), lambda: nn.Conv2d(2, 4, 3), IMAGES), ShapeError,
         ("Given groups=1, weight of size [4, 2, 3, 3], expected input[2, 3, 4, 4] to have 2 channels, but got 3 "
          "channels instead",), id="Conv2d-wrong-channels"),
    case(layers(lambda: Conv2d(3, 4, 3), lambda: nn.Conv2d(3, 4, 3), IMAGES.astype(np.float32)), DTypeError,
         ("type",), ("float32", "float64"), id="Conv2d-float32-input"),
    case((lambda: Conv2d(3, 4, 3, stride=0), lambda: nn.Conv2d(3, 4, 3, stride=0)(torch.ones(1, 3, 5, 5))),
         ParityInputError, ("non-positive stride is not supported",), id="Conv2d-stride-0"),
    case((lambda: Conv2d(3, 4, 3, padding=-1), lambda: nn.Conv2d(3, 4, 3, padding=-1)(torch.ones(1, 3, 5, 5))),
         ParityInputError, ("negative padding is not supported",), id="Conv2d-padding-negative"),
    *[case(layers(partial(mine, 5), partial(theirs, 5), IMAGES), ShapeError,
           ("Given input size: (3x4x4). Calculated output size: (3x0x0). Output size is too small",),
           id=f"{mine.__name__}-kernel-over-input") for mine, theirs in ((MaxPool2d, nn.MaxPool2d),
                                                                          (AvgPool2d, nn.AvgPool2d))],
    *[case(layers(partial(mine, 5, padding=1), partial(theirs, 5, padding=1), IMAGES[:, :, :2, :2].copy()), ShapeError,
           ("Given input size: (3x2x2). Calculated output size: (3x0x0). Output size is too small",),
           id=f"{mine.__name__}-kernel-over-padded-input") for mine, theirs in ((MaxPool2d, nn.MaxPool2d),
                                                                                 (AvgPool2d, nn.AvgPool2d))],
    *[case((partial(mine, 2, padding=2), lambda t=theirs: t(2, padding=2)(torch.ones(1, 1, 4, 4))), ParityInputError,
           ("pad should be at most half of effective kernel size, but got pad=",), id=f"{mine.__name__}-padding")
      for mine, theirs in ((MaxPool2d, nn.MaxPool2d), (AvgPool2d, nn.AvgPool2d))],
    case(layers(lambda: manual.Linear(3, 2), lambda: nn.Linear(3, 2), LOGITS[:, :2].copy()), ShapeError, ("shape",),
         ("Linear input", "(4, 2)", "(N, 3)"), id="Linear-wrong-width"),
    case(layers(lambda: manual.Linear(3, 2), lambda: nn.Linear(3, 2), LOGITS.astype(np.float32)), DTypeError,
         ("dtype",), ("float32", "float64"), id="Linear-float32-input"),
    case((lambda: manual.Linear(2.5, 3), lambda: nn.Linear(2.5, 3)), ShapeError, ("ints",), ("2.5->3",),
         id="Linear-float-size"),
    case((lambda: manual.Linear(-1, 3), lambda: nn.Linear(-1, 3)), ShapeError, ("-1",), ("positive",),
         id="Linear-negative-size"),
    case(layers(lambda: LayerNorm(3), lambda: nn.LayerNorm(3), LOGITS[:, :2].copy()), ShapeError,
         ("Given normalized_shape=[3], expected input with shape [*, 3], but got input of size[4, 2]",),
         id="LayerNorm-wrong-shape"),
    case((lambda: Dropout(1.5), lambda: nn.Dropout(1.5)), ParityInputError,
         ("dropout probability has to be between 0 and 1, but got 1.5",), id="Dropout-p-above-one"),
]


@pytest.mark.filterwarnings("ignore:Using a target size")    # torch warns before it refuses a transposed target
@pytest.mark.parametrize("ours, theirs, error, words, own", BOTH_REFUSE)
def test_refused_with_torch_s_words(ours, theirs, error, words, own):
    with pytest.raises(Exception) as torch_error:
        theirs()
    with pytest.raises(error) as our_error:
        ours()
    theirs_text, ours_text = str(torch_error.value), str(our_error.value)
    for word in words:
        assert word.lower() in theirs_text.lower(), f"{word!r} is not torch's word: torch says {theirs_text!r}"
        assert word.lower() in ours_text.lower(), f"{word!r} (torch: {theirs_text!r}) is not in ours: {ours_text!r}"
    for word in own:
        assert word in ours_text, f"{word!r} is not in {ours_text!r}"


ONLY_MANUAL_REFUSES = [   # torch takes these (broadcasting, promoting, or keeping a NaN); manual/ names them
    *[case(losses(name, PROBS, OTHER[:, :1].copy()), ShapeError,
           ("target size (4, 1) is not the input size", "nothing is broadcast"), id=f"{name}-broadcasting-target")
      for name in ("MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss")],
    *[case(losses(name, PROBS, np.ones((4, 3), np.int64)), DTypeError, ("target has dtype int64, expected float64",),
           id=f"{name}-int-target") for name in ("MSELoss", "L1Loss", "HuberLoss")],
    case(losses("MSELoss", PROBS, OTHER.astype(np.float32)), DTypeError,
         ("target has dtype float32, expected float64", "nothing is promoted"), id="MSELoss-float32-target"),
    case(losses("CrossEntropyLoss", LOGITS, np.array([0, 1, 2, 0]), weight=np.array([1.0, NAN, 1.0])),
         NonFiniteError, ("class weight holds 1 non-finite value(s)",), id="CrossEntropyLoss-nan-class-weight"),
    case(losses("BCEWithLogitsLoss", LOGITS, OTHER, pos_weight=np.array([1.0, np.inf, 1.0])), NonFiniteError,
         ("pos_weight holds 1 non-finite value(s)",), id="BCEWithLogitsLoss-inf-pos-weight"),
    case((lambda: manual.CrossEntropyLoss(label_smoothing=NAN), lambda: nn.CrossEntropyLoss(label_smoothing=NAN)),
         ParityInputError, ("label_smoothing must be between 0.0 and 1.0, got nan",), id="label-smoothing-nan"),
    case(optimizers("SGD", lr=NAN), ParityInputError, ("Invalid learning rate: nan",), id="SGD-lr-nan"),
    case(optimizers("SGD", momentum=NAN), ParityInputError, ("Invalid momentum value: nan",), id="SGD-momentum-nan"),
    case((lambda: Dropout(NAN), lambda: nn.Dropout(NAN)), ParityInputError,
         ("dropout probability has to be between 0 and 1, but got nan",), id="Dropout-p-nan"),
    *[case(layers(partial(mine, 2), partial(theirs, 2), np.ones((1, 1, 4, 4), np.int64)), DTypeError,
           (f"{mine.name} input has dtype int64: use float32 or float64",), id=f"{mine.__name__}-int-input")
      for mine, theirs in ((MaxPool2d, nn.MaxPool2d), (AvgPool2d, nn.AvgPool2d))],
]


@pytest.mark.parametrize("ours, theirs, error, words, own", ONLY_MANUAL_REFUSES)
def test_refused_where_torch_takes_it(ours, theirs, error, words, own):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")     # torch's broadcasting warning: it still computes
        theirs()
    with pytest.raises(error) as our_error:
        ours()
    for word in words:
        assert word in str(our_error.value), f"{word!r} is not in {our_error.value}"


def same_value(pair: tuple) -> None:
    ours, theirs = pair
    np.testing.assert_allclose(ours(), theirs().detach().numpy(), rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("name", ["CrossEntropyLoss", "NLLLoss"])
@pytest.mark.parametrize("y, kwargs", [([0, -100, 2, 0], {}), ([0, 3, 1, 3], {"ignore_index": 3}),
                                       ([1, -7, -7, 2], {"ignore_index": -7})], ids=["default", "3", "negative"])
def test_ignore_index_is_allowed_out_of_range(name, y, kwargs):
    same_value(losses(name, LOGITS, np.array(y), **kwargs))


@pytest.mark.parametrize("dtype", [np.uint8, np.int32, np.int64])
def test_integer_class_indices_of_any_width_are_taken(dtype):
    """torch takes int64 and uint8 only ("expected target dtype to be Long or Byte"); manual/ takes any integer
    array, and torch_ref.target_tensor gives torch int64, so the mirror computes the same loss."""
    y = np.array([0, 1, 2, 0], dtype)
    assert manual.CrossEntropyLoss().forward(LOGITS, y) == nn.CrossEntropyLoss()(T(LOGITS), T(y.astype(np.int64)))


def test_batch_norm_takes_a_batch_of_one_in_evaluation():
    layer, twin = BatchNorm1d(3), nn.BatchNorm1d(3).double()
    layer.buffers["running_mean"][...] = twin.running_mean.numpy()[...] = [0.5, -1.0, 2.0]
    layer.eval(), twin.eval()
    x = LOGITS[:1].copy()
    np.testing.assert_allclose(layer.forward(x), twin(T(x)).detach().numpy(), rtol=1e-15)
