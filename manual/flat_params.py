"""An MLP's parameters as views of one flat array, and a training backward's gradients as views of another,
so that plain SGD is  p -= lr * g  once over the whole net: two NumPy calls a step, not two per parameter.

Nothing else sees a difference: each Linear keeps its parameters in its `params` dict (views, written in
place by set_params, optimizers and learners as before). A training backward (record=False) writes the
gradients into the flat array, and the next one overwrites them, as torch's .grad is reused; a recording
backward still makes new arrays. `live()` says whether the views are still what the layers hold (a
parameter replaced by a new array, a recording backward, a deep copy: then optimizers go parameter by
parameter, with the same values).
"""
from __future__ import annotations

import numpy as np


class FlatParams:
    """Flat storage for `layers`' parameters (every parametrised layer a Linear: layers[i].params[k])."""

    def __init__(self, layers: list):
        owners = [(i, layer) for i, layer in enumerate(layers) if layer.params]
        arrays = [v for _, layer in owners for v in layer.params.values()]
        self.params = np.empty(sum(a.size for a in arrays), arrays[0].dtype)
        self.grads = np.zeros_like(self.params)
        self.into: list[dict | None] = [None] * len(layers)   # per layer: the views its training backward fills
        self._layers = [layer for _, layer in owners]
        self.spans: list[tuple[str, int, int, tuple]] = []     # (state_dict name, start, stop, shape) in `params`
        start = 0
        for i, layer in owners:
            views = {}
            for k, a in layer.params.items():
                stop = start + a.size
                self.spans.append((f"{i}.{k}", start, stop, a.shape))
                p = self.params[start:stop].reshape(a.shape)
                p[...] = a
                layer.params[k], views[k] = p, self.grads[start:stop].reshape(a.shape)
                start = stop
            self.into[i] = views
            layer.grads = dict(views)

    def params_live(self) -> bool:
        """Whether every layer's parameters are still views of `params` (none replaced by a new array)."""
        params = self.params
        for layer in self._layers:
            for p in layer.params.values():
                if p.base is not params:
                    return False
        return True

    def copy(self) -> dict[str, np.ndarray]:
        """A copy of every parameter by name, in one copy of `params` (each a view of it); for params_live() nets."""
        flat = self.params.copy()
        return {name: flat[start:stop].reshape(shape) for name, start, stop, shape in self.spans}

    def live(self) -> bool:
        """Whether every layer's parameters are still views of `params` and its gradients views of `grads` (the
        last backward was a training one, and no array was replaced since)."""
        if not self.params_live():
            return False
        grads = self.grads
        for layer in self._layers:
            if len(layer.grads) != len(layer.params):
                return False
            for g in layer.grads.values():
                if g.base is not grads:
                    return False
        return True
