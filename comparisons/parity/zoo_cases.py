"""The zoo: networks trained as people train them (mini-batches in a shuffled order shared by both sides,
several epochs, scikit-learn data, an optimizer with options), each the same in NumPy and torch.

A case names its data, network, loss, optimizer, batch size and epochs; `batches()` gives the shared
order: one permutation of the training rows per epoch from RandomState(seed), cut into batches.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

import manual
from manual.conv import Conv2d
from manual.flatten import Flatten
from manual.pool import MaxPool2d


@dataclass(frozen=True)
class Split:
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def _split(X, y, seed: int = 0) -> Split:
    """75/25, standardised with the training rows' mean and std."""
    from sklearn.model_selection import train_test_split

    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=seed)
    mu, sd = X_tr.mean(0), X_tr.std(0) + 1e-12
    return Split((X_tr - mu) / sd, y_tr, (X_te - mu) / sd, y_te)


def moons(column: bool = False) -> Split:
    from sklearn.datasets import make_moons

    X, y = make_moons(n_samples=300, noise=0.2, random_state=0)
    return _split(X, y.reshape(-1, 1).astype(float) if column else y)


def classification() -> Split:
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=400, n_features=10, n_informative=5, n_classes=3, random_state=0)
    return _split(X, y)


def digits() -> Split:
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return _split(X, y)


def digit_images() -> Split:
    """digits() as (N, 1, 8, 8) images, for a convolutional net."""
    s = digits()
    return Split(s.X_train.reshape(-1, 1, 8, 8), s.y_train, s.X_test.reshape(-1, 1, 8, 8), s.y_test)


def digits_cnn_layers(dtype) -> list:
    """Conv2d(1, 8, 3, padding=1) -> ReLU -> MaxPool2d(2) -> Flatten -> Linear(8*4*4, 10)."""
    return [Conv2d(1, 8, 3, padding=1, dtype=dtype), manual.ReLU(), MaxPool2d(2), Flatten(),
            manual.Linear(8 * 4 * 4, 10, dtype=dtype)]


def regression() -> Split:
    from sklearn.datasets import make_regression

    X, y = make_regression(n_samples=300, n_features=5, noise=10.0, random_state=0)
    return _split(X, ((y - y.mean()) / y.std()).reshape(-1, 1))


@dataclass(frozen=True)
class ZooCase:
    name: str
    data: Callable[[], Split]
    sizes: tuple[int, ...]
    activations: str
    make_loss: Callable[[], object]
    make_optimizer: Callable[[], manual.Optimizer]
    batch_size: int
    epochs: int
    task: str = "accuracy"          # accuracy | R2
    seed: int = 0
    layers: Callable[[np.dtype], list] | None = None   # a network other than an MLP of `sizes`: its layers
    label: str = ""                 # the table's network column, for `layers`
    dtypes: tuple[str, ...] = ("float64", "float32")   # float32 is judged by rounding bounds (every layer has one)

    def build(self, dtype) -> manual.Sequential:
        if self.layers is not None:
            return manual.init_torch_default(manual.Sequential(*self.layers(np.dtype(dtype))), self.seed)
        return manual.init_torch_default(manual.build_mlp(list(self.sizes), self.activations, dtype=dtype), self.seed)

    def batches(self, n_rows: int) -> list[np.ndarray]:
        rng = np.random.RandomState(self.seed)
        order = []
        for _ in range(self.epochs):
            perm = rng.permutation(n_rows)
            order += [perm[i:i + self.batch_size] for i in range(0, n_rows, self.batch_size)]
        return order

    def describe(self) -> str:
        if self.label:
            return self.label
        return "-".join(map(str, self.sizes)) + f" {self.activations}"


CASES = (
    ZooCase("moons_sgd_momentum", moons, (2, 16, 16, 2), "relu", lambda: manual.CrossEntropyLoss(),
            lambda: manual.SGD(0.1, momentum=0.9), batch_size=32, epochs=30),
    ZooCase("classification_adam", classification, (10, 32, 3), "tanh",
            lambda: manual.CrossEntropyLoss(label_smoothing=0.1), lambda: manual.Adam(1e-2), batch_size=64, epochs=20),
    ZooCase("digits_nesterov", digits, (64, 64, 10), "relu", lambda: manual.CrossEntropyLoss(),
            lambda: manual.SGD(0.05, momentum=0.9, nesterov=True), batch_size=64, epochs=5),
    ZooCase("moons_logits_rmsprop", lambda: moons(column=True), (2, 16, 1), "tanh", lambda: manual.BCEWithLogitsLoss(),
            lambda: manual.RMSprop(1e-2), batch_size=32, epochs=20),
    ZooCase("regression_huber_adamw", regression, (5, 32, 1), "silu", lambda: manual.HuberLoss(),
            lambda: manual.AdamW(1e-2), batch_size=32, epochs=20, task="R2"),
    ZooCase("classification_adagrad_gelu", classification, (10, 24, 24, 3), "gelu",
            lambda: manual.CrossEntropyLoss(weight=np.array([1.0, 2.0, 0.5])), lambda: manual.Adagrad(0.05),
            batch_size=50, epochs=10),
    ZooCase("digits_cnn", digit_images, (), "relu", lambda: manual.CrossEntropyLoss(),
            lambda: manual.SGD(0.05, momentum=0.9), batch_size=64, epochs=3, layers=digits_cnn_layers,
            label="conv8-pool-10 relu"),
)


def case_by_name(name: str) -> ZooCase:
    from manual.validate import lookup

    return lookup("zoo case", name, {c.name: c for c in CASES})
