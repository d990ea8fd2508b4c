"""Training and evaluation mode, as torch.nn.Module's `training` flag, train() and eval()."""
from __future__ import annotations


class TrainEval:
    """Layers that behave differently in training (Dropout, BatchNorm1d) start in training mode."""

    training: bool = True

    def train(self, mode: bool = True):
        """Set training mode (or evaluation with mode=False); returns self, as torch."""
        self.training = bool(mode)
        return self

    def eval(self):
        """Evaluation mode: same as train(False)."""
        return self.train(False)
