"""The one declared set of diagnosis labels: every Finding.diagnosis.label is one of LABELS.

Each label is declared once here, with its meaning, as a constant (labels.WRONG_SCALE == "wrong_scale");
the modules that give labels use the constants, and say at import which they give:
    produces(__name__, WRONG_SCALE, WRONG_SIGN)
which raises ImportError naming the module and the label when one is not declared. Once every producing
module is imported (comparisons.learner.api does it last), check_every_label_produced() raises ImportError for
a declared label that no module gives. Diagnosis (comparisons/report.py) refuses an undeclared label too.
Standard library only: the learner's worker process imports it (through events.py).
"""
from __future__ import annotations

LABELS: dict[str, str] = {}                # label -> what it means, in declaration order
PRODUCERS: dict[str, set[str]] = {}        # label -> the modules that declared they give it


class LabelError(ImportError):
    """A label used but not declared, or declared but given by no module."""


def declare(label: str, meaning: str) -> str:
    """Add `label` to LABELS (once) and return it, for the module constant."""
    if label in LABELS:
        raise LabelError(f"label {label!r} is declared twice in comparisons.learner.labels")
    LABELS[label] = meaning
    return label


# the code could not be checked as given
RAISED = declare("raised", "the learner's function raised an exception")
BAD_STRUCTURE = declare("bad_structure", "the return value is not (loss, [(dW, db), ...]) / [(W, b), ...] as "
                        "documented (or a class adapter cannot drive the learner's object)")
BAD_SHAPE = declare("bad_shape", "a returned array has the wrong shape (not explained by a transpose)")
NON_FINITE = declare("non_finite", "a returned value is NaN or Inf on finite input")
MUTATES_INPUT = declare("mutates_input", "the function changed params, X or y in place")
# the learner's run ended (events.py): the check stops calling it, and fails
EXITED = declare("exited", "the learner's code exited (sys.exit, raise SystemExit, os._exit) instead of returning")
TIMED_OUT = declare("timed_out", "a call did not return within the time limit (--timeout): an endless loop, a wait")
CRASHED = declare("crashed", "the learner's process was killed by a signal (SIGSEGV, SIGKILL, ...) or broke its "
                  "channel")
OUT_OF_MEMORY = declare("out_of_memory", "MemoryError in the learner's code, or its process hit the memory limit "
                        "(--memory-mb)")
INTERRUPTED = declare("interrupted", "the learner's code raised KeyboardInterrupt")
# the classic backprop bugs
WRONG_SCALE = declare("wrong_scale", "every gradient is a constant multiple of torch's (N x: sum instead of mean; "
                      "1/N x; 2 x or 1/2 x: the MSE factor 2; N/2 x: half_sum instead of mean)")
WRONG_SIGN = declare("wrong_sign", "gradients point the wrong way (-1 x torch's): error taken as y - yhat, or "
                     "update adds")
TRANSPOSED = declare("transposed", "dW is the transpose of the right gradient (visible on a square layer, where "
                     "shapes agree)")
BIAS_NOT_SUMMED = declare("bias_not_summed", "db is not the sum over the batch of dL/dz (taken from one row, "
                          "averaged, or kept per row)")
WRONG_ACTIVATION_DERIVATIVE = declare("wrong_activation_derivative", "an activation's derivative is wrong in one "
                                      "layer (evaluated on the pre-activation instead of the activation, a ReLU "
                                      "mask on a LeakyReLU, the square missing, ..., or a form not known, with "
                                      "its layer)")
WRONG_LINEAR_BACKWARD = declare("wrong_linear_backward", "a Linear's backward sends the wrong dL/dx to the layer "
                                "below while the dL/dz reaching it is right: not delta @ W.T but W not transposed, "
                                "another layer's W, dW in place of W, ...")
MISSING_OUTPUT_ACTIVATION_DERIVATIVE = declare("missing_output_activation_derivative", "the output activation's "
                                               "derivative is left out of dL/dz")
CACHE_OFF_BY_ONE = declare("cache_off_by_one", "a layer's weight gradient uses another layer's cached input (or "
                           "the pre-activation z where the activation a belongs), or f' is taken from another "
                           "layer's cached activation")
STALE_WEIGHTS = declare("stale_weights", "the delta is sent back through a weight that was already updated this step")
GRAD_ACCUMULATION = declare("grad_accumulation", "gradients accumulate across calls or steps instead of being "
                            "recomputed")
LR_APPLIED_TWICE = declare("lr_applied_twice", "the learning rate is applied twice (or not at all, or the lr "
                           "argument is ignored) in the update")
BATCH_DEPENDENT = declare("batch_dependent", "right for batch size 1, wrong for batch > 1")
UNKNOWN = declare("unknown", "no known label fits: the figures are shown as they are")


def undeclared(labels) -> list[str]:
    """The labels among `labels` that LABELS does not declare, in order."""
    return [label for label in labels if label not in LABELS]


def produces(module: str, *labels: str) -> tuple[str, ...]:
    """Record that `module` gives these labels; LabelError (an ImportError) naming both when one is undeclared."""
    for label in undeclared(labels):
        raise LabelError(f"{module} gives the label {label!r}, which comparisons.learner.labels does not "
                         f"declare (declared: {', '.join(LABELS)})")
    for label in labels:
        PRODUCERS.setdefault(label, set()).add(module)
    return labels


def check_every_label_produced(producers: dict[str, set[str]] | None = None) -> None:
    """LabelError naming the first declared label that no module (of `producers`, default PRODUCERS) gives."""
    producers = PRODUCERS if producers is None else producers
    for label in LABELS:
        if not producers.get(label):
            raise LabelError(f"label {label!r} is declared in comparisons.learner.labels but no module gives it "
                             f"(each giving module calls labels.produces(__name__, ...)): remove it or give it")
