"""The networks `python -m comparisons bench` times: the seeds' shapes, two MNIST-sized MLPs, four
1024-wide layers, an MNIST-sized conv net, and a scaling sweep in width (at batch 64) and in batch (at width 256)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BenchCase:
    name: str
    sizes: tuple[int, ...]
    activation: str
    batch: int
    group: str          # seed | mlp | conv | width sweep | batch sweep
    image: tuple[int, int, int] | None = None   # a conv net's (C, H, W) input (bench_conv.py); sizes: (C*H*W, out)
    channels: int = 0                           # its Conv2d's out_channels

    @property
    def label(self) -> str:
        if self.image:
            return f"{'x'.join(map(str, self.image))} conv{self.channels}-pool-{self.sizes[-1]} {self.activation}"
        return f"{'-'.join(map(str, self.sizes))} {self.activation}"

    @property
    def input_shape(self) -> tuple[int, ...]:
        """One sample's shape."""
        return self.image or self.sizes[:1]


SWEEP_WIDTHS = (16, 64, 256, 1024, 2048)
SWEEP_BATCHES = (1, 16, 256, 4096)

CASES: tuple[BenchCase, ...] = (
    BenchCase("relu_regression", (2, 2, 1), "relu", 80, "seed"),
    BenchCase("xor", (2, 4, 1), "relu", 4, "seed"),
    BenchCase("sine", (1, 4, 1), "tanh", 20, "seed"),
    BenchCase("quadratic", (1, 10, 20, 30, 40, 1), "relu", 100, "seed"),
    BenchCase("mnist_b64", (784, 256, 256, 10), "relu", 64, "mlp"),
    BenchCase("mnist_b256", (784, 256, 256, 10), "relu", 256, "mlp"),
    BenchCase("wide1024x4", (1024, 1024, 1024, 1024, 1024), "relu", 512, "mlp"),
    BenchCase("cnn_b64", (784, 10), "relu", 64, "conv", image=(1, 28, 28), channels=8),
    *(BenchCase(f"width{w}", (w, w, w, 10), "relu", 64, "width sweep") for w in SWEEP_WIDTHS),
    *(BenchCase(f"batch{n}", (256, 256, 256, 10), "relu", n, "batch sweep") for n in SWEEP_BATCHES),
)
QUICK = ("xor", "sine", "mnist_b64")


def select_cases(names: str | None, quick: bool) -> list[BenchCase]:
    """Cases by comma-separated name (every case, or QUICK's, when none); ValueError names the known ones."""
    by_name = {c.name: c for c in CASES}
    wanted = [n.strip() for n in names.split(",") if n.strip()] if names else list(QUICK if quick else by_name)
    unknown = [n for n in wanted if n not in by_name]
    if unknown or not wanted:
        raise ValueError(f"unknown bench case(s) {', '.join(unknown) or repr(names)}; known: {', '.join(by_name)}")
    return [by_name[n] for n in wanted]
