"""Sequential network: layers in order, parameters named as torch's state_dict names them."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .activation_layers import make_activation
from .activations import Activation
from .errors import ArchitectureMismatch, ShapeError
from .flat_params import FlatParams
from .layer_registry import LAYER_CLASSES
from .linear import Linear
from .validate import as_float_dtype, check_array, check_same_keys

Params = list[tuple[np.ndarray, np.ndarray]]  # [(W, b), ...], W (fan_in, fan_out), b (fan_out,)
LAYERS = (Activation, *LAYER_CLASSES)     # every registered layer (manual/layer_registry.py), and activations
_RELEASED = (Linear, Activation)     # whose cache only their backward reads: training frees it after that


class Sequential:
    """y = layer_n(... layer_1(layer_0(x))).

    forward(x) records every layer's output in `outputs`; backward(dy) records dL/d(output of layer i)
    in `deltas` (for a Linear that is dL/dz, for an activation dL/da), fills `grads` and returns dL/dx.
    Training passes record=False (nothing kept: a Linear's or an activation's cache is freed once its backward
    has run, so a second backward needs a new forward) and need_input_grad=False.
    Parameter names are "<layer index>.<weight|bias>", exactly torch.nn.Sequential's state_dict keys.
    An MLP (every parametrised layer a Linear) keeps its parameters in one flat array (flat_params.py): building
    the net copies each Linear's arrays into it and gives the layer views of it, so read a layer's parameters
    from the layer or the net after building it (an array taken from a Linear before is no longer the net's).
    A training backward writes the gradients into a second flat array, overwritten by the next one.
    """

    def __init__(self, *layers):
        if not layers:
            raise ArchitectureMismatch("empty network: Sequential needs at least one Linear layer")
        for layer in layers:
            if not isinstance(layer, LAYERS):
                raise ArchitectureMismatch(f"unsupported layer {layer!r}: use an activation or one of "
                                           f"{', '.join(c.__name__ for c in LAYER_CLASSES)}")
        if not any(layer.params for layer in layers):
            raise ArchitectureMismatch("network has no Linear layer, so nothing to train")
        linears = [layer for layer in layers if isinstance(layer, Linear)]
        for a, b in zip(linears, linears[1:]):
            if a.fan_out != b.fan_in:
                raise ShapeError(f"{a.describe()} feeds {b.describe()}: sizes do not chain")
        dtypes = {v.dtype for layer in layers for v in layer.params.values()}
        if len(dtypes) > 1:
            raise ArchitectureMismatch(f"layers mix dtypes {sorted(map(str, dtypes))}")
        self.layers = list(layers)
        self.outputs: list[np.ndarray] = []
        self.deltas: list[np.ndarray] = []
        self._output_shape: tuple | None = None
        self._released = False       # whether a training backward freed the caches of the last forward
        # structure, found once: the first parametrised layer and, for an MLP, the input's width
        self._first = next(i for i, layer in enumerate(self.layers) if layer.params)
        self._in_width = self.layers[self._first].fan_in if isinstance(self.layers[self._first], Linear) else None
        self._param_keys = [(f"{i}.{k}", layer, k) for i, layer in enumerate(self.layers) for k in layer.params]
        self._frees = [isinstance(layer, _RELEASED) for layer in self.layers]   # whose cache training frees
        # an MLP's parameters and training gradients live in flat arrays (plain SGD: one update for the net)
        mlp = all(isinstance(layer, Linear) for layer in self.layers if layer.params)
        self.flat_params: FlatParams | None = FlatParams(self.layers) if mlp else None

    # ---- structure -------------------------------------------------------------------------------
    @property
    def first_param_layer(self) -> int:
        """Index of the first layer with parameters (the layers before it need no gradient in training)."""
        return self._first

    @property
    def dtype(self) -> np.dtype:
        _, layer, k = self._param_keys[0]      # the first parameter's: every layer's (checked in __init__)
        return layer.params[k].dtype

    @property
    def linears(self) -> list[Linear]:
        return [layer for layer in self.layers if isinstance(layer, Linear)]

    @property
    def is_mlp_input(self) -> bool:
        """Whether the first parametrised layer is a Linear (then the input is (N, sizes[0]))."""
        return self._in_width is not None

    @property
    def input_shape(self) -> tuple | None:
        """(None, sizes[0]) when the input feeds a Linear; None when the layers check shapes themselves."""
        return (None, self.sizes[0]) if self.is_mlp_input else None

    @property
    def sizes(self) -> list[int]:
        lin = self.linears
        return [lin[0].fan_in] + [layer.fan_out for layer in lin] if lin else []

    def describe(self) -> str:
        """e.g. '2-10-10-2 (Linear, LeakyReLU(0.01), Linear, LeakyReLU(0.01), Linear)'; a net whose input feeds
        another layer (a Conv2d) lists every layer's own description."""
        if not self.is_mlp_input:
            return "(" + ", ".join(layer.describe() for layer in self.layers) + ")"
        kinds = ", ".join("Linear" if isinstance(layer, Linear) else layer.describe() for layer in self.layers)
        return "-".join(map(str, self.sizes)) + f" ({kinds})"

    def layer_label(self, i: int) -> str:
        """'layer 2 (Linear 10->10)': how messages name a layer."""
        return f"layer {i} ({self.layers[i].describe()})"

    def param_layer(self, name: str) -> str:
        """'0.weight' -> 'layer 0 (Linear 2->10)'."""
        return self.layer_label(int(name.split(".")[0]))

    # ---- parameters ------------------------------------------------------------------------------
    @property
    def params(self) -> dict[str, np.ndarray]:
        """Live parameter arrays by name; an optimizer updates these in place. (A layer's parameter names are fixed
        at construction, so their state_dict names are made once, in __init__.)"""
        return {name: layer.params[k] for name, layer, k in self._param_keys}

    @property
    def grads(self) -> dict[str, np.ndarray]:
        """The last backward's gradients by parameter name (a layer's grads have its params' keys; one without
        gradients yet is left out, names made once in __init__ as for `params`)."""
        return {name: layer.grads[k] for name, layer, k in self._param_keys if k in layer.grads}

    def named_params_and_grads(self) -> list[tuple[str, np.ndarray, np.ndarray]]:
        """[(name, live parameter, its last gradient)]: what an optimizer's step reads, in one pass (KeyError for a
        parameter without a gradient, as net.grads[name] gives)."""
        return [(name, layer.params[k], layer.grads[k]) for name, layer, k in self._param_keys]

    @property
    def buffers(self) -> dict[str, np.ndarray]:
        """Live buffers (BatchNorm1d's running statistics) by state_dict name; no optimizer touches them."""
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in getattr(layer, "buffers", {}).items()}

    @property
    def training(self) -> bool:
        return all(getattr(layer, "training", True) for layer in self.layers)

    def train(self, mode: bool = True) -> Sequential:
        """Training mode (or evaluation with mode=False) for every layer that has one; returns self."""
        for layer in self.layers:
            if hasattr(layer, "train"):
                layer.train(mode)
        return self

    def eval(self) -> Sequential:
        return self.train(False)

    def get_params(self) -> dict[str, np.ndarray]:
        """A copy of every parameter, by name (an MLP's in one copy of its flat array)."""
        flat = self.flat_params
        if flat is not None and flat.params_live():
            return flat.copy()
        return {k: v.copy() for k, v in self.params.items()}

    def set_params(self, values: dict[str, np.ndarray]) -> None:
        """Copy `values` into the parameters; names, shapes, dtype and finiteness are checked first."""
        current = self.params
        check_same_keys("set_params", values.keys(), current.keys())
        for name, v in values.items():
            check_array(f"parameter {name}", v, dtype=self.dtype, shape=current[name].shape)
        for name, v in values.items():
            current[name][...] = v

    def linear_params(self) -> Params:
        """Copies as [(W, b), ...] in the seeds' layout."""
        return [(layer.params["weight"].copy(), layer.params["bias"].copy()) for layer in self.linears]

    def set_linear_params(self, params: Params) -> None:
        """Inverse of linear_params()."""
        names = [i for i, layer in enumerate(self.layers) if isinstance(layer, Linear)]
        if len(params) != len(names):
            raise ArchitectureMismatch(f"got {len(params)} (W, b) pairs for {len(names)} Linear layers")
        values = {}
        for i, pair in zip(names, params):
            if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
                raise ShapeError(f"parameters of layer {i} must be a (W, b) pair, got {type(pair).__name__}")
            values[f"{i}.weight"], values[f"{i}.bias"] = pair
        self.set_params(values)

    # ---- maths -----------------------------------------------------------------------------------
    def forward(self, x: np.ndarray, record: bool = True) -> np.ndarray:
        """The network's output; with `record`, every layer's output is kept in `outputs`."""
        dtype = self.dtype
        if not (type(x) is np.ndarray and x.dtype == dtype       # the full check only to name what is wrong
                and (self._in_width is None or (x.ndim == 2 and x.shape[1] == self._in_width))):
            check_array("network input", x, dtype=dtype, shape=self.input_shape, finite=False)
        self.outputs, self._output_shape, self._released = [], None, False
        for layer in self.layers:
            x = layer.forward(x)
            if record:
                self.outputs.append(x)
        self._output_shape = x.shape
        return x

    __call__ = forward

    def backward(self, dy: np.ndarray, need_input_grad: bool = True, record: bool = True) -> np.ndarray | None:
        """Fills `grads`; returns dL/dx, or None without `need_input_grad` (training never reads it, and
        the first parametrised layer then skips its largest product). With `record`, every dL/d(output) is kept in
        `deltas`."""
        if self._output_shape is None:
            raise RuntimeError("backward() called before forward()")
        if self._released:
            raise RuntimeError("backward() called again after a training backward (record=False), which freed the "
                               "layers' caches (as torch frees the graph): call forward() again first")
        if not (type(dy) is np.ndarray and dy.dtype == self.dtype and dy.shape == self._output_shape):
            check_array("dL/d(output)", dy, dtype=self.dtype, shape=self._output_shape, finite=False)
        self.deltas = [None] * len(self.layers) if record else []
        # without dL/dx, stop at the first parametrised layer: the layers before it have no parameters
        first = 0 if need_input_grad else self._first
        layers, frees = self.layers, self._frees
        into = self.flat_params.into if self.flat_params is not None and not record else None   # training: flat gradients
        for i in range(len(layers) - 1, first - 1, -1):
            layer = layers[i]
            if record:
                self.deltas[i] = dy
            if into is not None and into[i] is not None:
                dy = layer.backward(dy, need_input_grad or i != first, into=into[i])
            elif i == first and not need_input_grad:
                layer.backward(dy, need_input_grad=False)
            else:
                dy = layer.backward(dy)
            if not record and frees[i]:
                layer.cache = {}        # consumed: freed now, as autograd frees what a node saved
                self._released = True
        return dy if need_input_grad else None


def build_mlp(sizes: Sequence[int], activations: str | Sequence[str], output: str = "identity",
              *, dtype=np.float64) -> Sequential:
    """Linear layers of `sizes`, a hidden activation after each but the last, then `output`.

    `activations` is one spelling for every hidden layer or a list with one per hidden layer ('relu',
    'leaky_relu:0.05': activation_spelling.py).
    An `identity` output adds no layer, so parameter names stay 0, 2, 4, ...
    """
    sizes = [int(s) for s in sizes]
    if len(sizes) < 2:
        raise ArchitectureMismatch(f"sizes {sizes} need at least an input and an output size")
    n_hidden = len(sizes) - 2
    names = [activations] * n_hidden if isinstance(activations, str) else list(activations)
    if len(names) != n_hidden:
        raise ArchitectureMismatch(f"sizes {sizes} have {n_hidden} hidden layer(s) "
                                   f"but {len(names)} activation(s) were given: {names}")
    dt = as_float_dtype(dtype)
    layers: list = []
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        layers.append(Linear(a, b, dtype=dt))
        if i < n_hidden:
            layers.append(make_activation(names[i]))
    out = make_activation(output)
    if type(out).__name__ != "Identity":
        layers.append(out)
    return Sequential(*layers)
