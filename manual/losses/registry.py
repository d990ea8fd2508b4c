"""The losses known by name, each described once (a LossOp): its manual class and arguments, its torch twin,
its reduction coefficient, the targets it takes and what its input must be.

make_loss, torch_ref's mirror_loss, the learner spec's loss names, the learner's factor tables
(comparisons/learner/scale.py) and its probes' targets (probes.py) all read this table: adding a loss is one
entry here (its class in this package if the terms are new) and its tests.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from ..validate import lookup
from .bce import BCELoss, BCEWithLogitsLoss
from .cross_entropy import CrossEntropyLoss, NLLLoss
from .mse import MSELoss
from .robust import HuberLoss, L1Loss, SmoothL1Loss


@dataclass(frozen=True)
class Coefficient:
    """The reduction: L = coef * N**pn * K**pk * (sum of the loss's terms), N batch rows, K outputs; the
    gradient dL/dyhat carries the same coefficient on the terms' derivative."""

    coef: Fraction
    pn: int = 0
    pk: int = 0

    def __post_init__(self):
        object.__setattr__(self, "coef", Fraction(self.coef))

    def __call__(self, n: int, k: int) -> float:
        return float(self.coef) * float(n) ** self.pn * float(k) ** self.pk


SUM = Coefficient(1)
MEAN = Coefficient(1, -1, -1)       # over all N*K elements
ROW_MEAN = Coefficient(1, -1, 0)    # over the N rows: the terms are per row (cross-entropy, NLL)

TARGETS = {  # what a probe draws as y for the loss, and why
    "real": "real values y (N, K), drawn U(0, 1)",
    "binary": "0 or 1 per element, y (N, K)",
    "one_hot": "one-hot rows y (N, K): one class per sample, as probabilities",
    "index": "class indices y (N,), an integer array in [0, K)",
}
INPUTS = {  # what yhat, the last layer's output, must be
    "any": "any real values",
    "probability": "probabilities in (0, 1): a sigmoid output",
    "logits": "logits: the sigmoid or softmax is inside the loss, so the output layer has none",
}


@dataclass(frozen=True)
class LossOp:
    """One loss by name: everything the project needs to build it, mirror it and check a learner on it.

    cls, args   the manual loss: cls(**args)
    torch       the twin's class, in torch.nn, else in torch_ref/losses.py (conventions torch has no class for);
                torch_args: the manual loss's attributes passed to its constructor by the same names
    coefficient its reduction, a function of (N, K) (scale.py derives its factor tables from it)
    target      the form of y (TARGETS) probes draw by default; other_targets: the other forms it takes
                (cross-entropy: class indices too, as torch's);  input: what yhat must be (INPUTS)
    text        what it computes, in one line, for help texts
    """

    name: str
    cls: type
    torch: str
    coefficient: Coefficient
    text: str
    args: dict = field(default_factory=dict)
    torch_args: tuple[str, ...] = ("reduction",)
    target: str = "real"
    input: str = "any"
    other_targets: tuple[str, ...] = ()

    def __post_init__(self):
        if not {self.target, *self.other_targets} <= set(TARGETS) or self.input not in INPUTS:
            raise ValueError(f"loss {self.name}: target must be one of {list(TARGETS)}, input one of {list(INPUTS)}")

    def build(self):
        """A fresh manual loss."""
        return self.cls(**self.args)

    @property
    def reduction(self) -> str:
        """The manual class's reduction argument ('mean', 'sum', 'half_sum', ...): how messages name it."""
        return self.args.get("reduction", "mean")

    @property
    def targets(self) -> tuple[str, ...]:
        """Every target form it takes, the default first."""
        return (self.target, *self.other_targets)

    @property
    def classes(self) -> bool:
        """Its targets are classes (one-hot rows or indices), so it needs K >= 2 outputs."""
        return self.target in ("one_hot", "index")


def _mse(name, reduction, coefficient, text, torch="MSELoss", torch_args=("reduction",)):
    return LossOp(name, MSELoss, torch, coefficient, text, {"reduction": reduction}, torch_args)


REGISTRY: dict[str, LossOp] = {op.name: op for op in (
    _mse("mse", "mean", MEAN, "mean((yhat - y)**2) over all N*K elements, as torch.nn.MSELoss()"),
    _mse("sum", "sum", SUM, "sum((yhat - y)**2), as torch.nn.MSELoss(reduction='sum')"),
    _mse("half_sum", "half_sum", Coefficient(Fraction(1, 2)), "0.5 * sum((yhat - y)**2) (seeds 000 and 004)",
         torch="HalfSumLoss", torch_args=()),
    _mse("half_mse", "half_mean", Coefficient(Fraction(1, 2), -1, -1),
         "0.5 * mean((yhat - y)**2) over all N*K elements (a tutorial cost)", torch="ScaledMSELoss"),
    _mse("half_sum_mean", "half_sum_mean", Coefficient(Fraction(1, 2), -1, 0),
         "(1/N) sum_n 0.5 |yhat_n - y_n|**2 (Nielsen's quadratic cost)", torch="ScaledMSELoss"),
    LossOp("bce", BCELoss, "BCELoss", MEAN, "binary cross-entropy, mean over all N*K elements, as torch.nn.BCELoss()",
           {"reduction": "mean"}, target="binary", input="probability"),
    LossOp("bce_sum", BCELoss, "BCELoss", SUM, "binary cross-entropy, summed, as torch.nn.BCELoss(reduction='sum')",
           {"reduction": "sum"}, target="binary", input="probability"),
    LossOp("bce_with_logits", BCEWithLogitsLoss, "BCEWithLogitsLoss", MEAN,
           "binary cross-entropy on logits, mean over all N*K elements, as torch.nn.BCEWithLogitsLoss()",
           {"reduction": "mean"}, ("reduction", "pos_weight"), target="binary", input="logits"),
    LossOp("cross_entropy", CrossEntropyLoss, "CrossEntropyLoss", ROW_MEAN,
           "softmax cross-entropy on logits, mean over the N rows, as torch.nn.CrossEntropyLoss()",
           {"reduction": "mean"}, ("weight", "ignore_index", "reduction", "label_smoothing"), "one_hot", "logits",
           ("index",)),
    LossOp("cross_entropy_sum", CrossEntropyLoss, "CrossEntropyLoss", SUM,
           "softmax cross-entropy on logits, summed, as torch.nn.CrossEntropyLoss(reduction='sum')",
           {"reduction": "sum"}, ("weight", "ignore_index", "reduction", "label_smoothing"), "one_hot", "logits",
           ("index",)),
    LossOp("nll", NLLLoss, "NLLLoss", ROW_MEAN,
           "negative log-likelihood of log-probabilities, mean over the N rows, as torch.nn.NLLLoss()",
           {"reduction": "mean"}, ("weight", "ignore_index", "reduction"), "index"),
    LossOp("l1", L1Loss, "L1Loss", MEAN, "mean(|yhat - y|) over all N*K elements, as torch.nn.L1Loss()",
           {"reduction": "mean"}),
    LossOp("smooth_l1", SmoothL1Loss, "SmoothL1Loss", MEAN,
           "smooth L1 (quadratic below beta = 1), mean over all N*K elements, as torch.nn.SmoothL1Loss()",
           {"reduction": "mean"}, ("reduction", "beta")),
    LossOp("huber", HuberLoss, "HuberLoss", MEAN,
           "Huber (quadratic below delta = 1), mean over all N*K elements, as torch.nn.HuberLoss()",
           {"reduction": "mean"}, ("reduction", "delta")),
)}


def loss_op(name: str) -> LossOp:
    """The entry for `name`, or an UnknownNameError listing every name."""
    return lookup("loss", name, REGISTRY)


def make_loss(name: str):
    """A manual loss by name (each with torch's default arguments): mse, sum, half_sum, half_mse, half_sum_mean,
    bce, bce_sum, bce_with_logits, cross_entropy, cross_entropy_sum, nll, l1, smooth_l1, huber."""
    return loss_op(name).build()


def twin_entry(loss) -> LossOp | None:
    """The entry whose torch twin computes what the manual loss `loss` computes: the one of its class and
    reduction, else (reduction 'none', say) the first of its class whose twin takes a reduction."""
    cls = next((c for c in type(loss).__mro__ if any(op.cls is c for op in REGISTRY.values())), None)
    same = [op for op in REGISTRY.values() if op.cls is cls]      # a subclass is mirrored as its base
    exact = [op for op in same if op.reduction == getattr(loss, "reduction", None)]
    return (exact or [op for op in same if "reduction" in op.torch_args] or [None])[0]


LOSSES = {name: op.build for name, op in REGISTRY.items()}   # name -> a function building it
