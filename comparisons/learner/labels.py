"""The documented set of diagnosis labels. Every Finding.diagnosis.label is one of these keys."""
from __future__ import annotations

LABELS: dict[str, str] = {
    # the code could not be checked as given
    "raised": "the learner's function raised an exception",
    "bad_structure": "the return value is not (loss, [(dW, db), ...]) / [(W, b), ...] as documented "
                     "(or a class adapter cannot drive the learner's object)",
    "bad_shape": "a returned array has the wrong shape (not explained by a transpose)",
    "non_finite": "a returned value is NaN or Inf on finite input",
    "mutates_input": "the function changed params, X or y in place",
    # the learner's run ended (events.py): the check stops calling it, and fails
    "exited": "the learner's code exited (sys.exit, raise SystemExit, os._exit) instead of returning",
    "timed_out": "a call did not return within the time limit (--timeout): an endless loop, a wait",
    "crashed": "the learner's process was killed by a signal (SIGSEGV, SIGKILL, ...) or broke its channel",
    "out_of_memory": "MemoryError in the learner's code, or its process hit the memory limit (--memory-mb)",
    "interrupted": "the learner's code raised KeyboardInterrupt",
    # the classic backprop bugs
    "wrong_scale": "every gradient is a constant multiple of torch's (N x: sum instead of mean; 1/N x; "
                   "2 x or 1/2 x: the MSE factor 2; N/2 x: half_sum instead of mean)",
    "wrong_sign": "gradients point the wrong way (-1 x torch's): error taken as y - yhat, or update adds",
    "transposed": "dW is the transpose of the right gradient (visible on a square layer, where shapes agree)",
    "bias_not_summed": "db is not the sum over the batch of dL/dz (taken from one row, averaged, or kept per row)",
    "wrong_activation_derivative": "an activation's derivative is wrong in one layer (evaluated on the "
                                   "pre-activation instead of the activation, a ReLU mask on a LeakyReLU, ...)",
    "missing_output_activation_derivative": "the output activation's derivative is left out of dL/dz",
    "cache_off_by_one": "a layer's weight gradient uses another layer's cached input (or the pre-activation z "
                        "where the activation a belongs), or f' is taken from another layer's cached activation",
    "stale_weights": "the delta is sent back through a weight that was already updated this step",
    "grad_accumulation": "gradients accumulate across calls or steps instead of being recomputed",
    "lr_applied_twice": "the learning rate is applied twice (or not at all, or the lr argument is ignored) in "
                        "the update",
    "batch_dependent": "right for batch size 1, wrong for batch > 1",
    "unknown": "no known label fits: the figures are shown as they are",
}
