"""NumPy arrays into torch tensors (inputs, loss targets) on the device a mirror runs on, and back.

A mirror may run on another device than the CPU (a CUDA GPU): tensors go there with `device=` and come back
with to_array (.cpu()). With no device given nothing moves and nothing is copied: the CPU path is the one it
was before devices existed, byte for byte.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from functools import cache

import numpy as np
import torch

from manual.errors import ParityInputError

from .weights import torch_dtype

Device = str | int | torch.device | None      # as torch's .to(device) takes it; an int is a CUDA index


@cache
def _checked(device: torch.device) -> torch.device:
    if device.type == "meta":
        raise ParityInputError(f"device {str(device)!r} holds no data (a meta tensor has a shape and no values): "
                               "parity needs a device that computes, such as 'cpu' or 'cuda'")
    try:
        torch.empty(1, device=device)
    except Exception as exc:   # torch says why: not compiled with CUDA, no such index, no backend ...
        why = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if device.type == "cuda" and not torch.cuda.is_available():
            why += " (torch.cuda.is_available() is False)"
        raise ParityInputError(f"device {str(device)!r} is not available to torch here: {why}") from None
    return device


def torch_device(device: Device = None) -> torch.device:
    """A device torch can compute on here ('cpu' for None), else ParityInputError naming it and torch's reason
    ('meta', an unknown name, CUDA on a machine without one). Each device is tried once per process."""
    if device is None:
        return torch.device("cpu")
    if isinstance(device, bool) or not isinstance(device, (str, int, torch.device)):
        raise ParityInputError(f"device must be a string such as 'cpu' or 'cuda:0', a CUDA index or a "
                               f"torch.device; got {type(device).__name__}")
    try:
        dev = torch.device(device)
    except RuntimeError as exc:
        raise ParityInputError(f"unknown device {device!r}: {exc}") from None
    return _checked(dev)


def to_tensor(a: np.ndarray, device: Device = None) -> torch.Tensor:
    """NumPy -> torch, same dtype, no copy of meaning (float32 stays float32); on `device` if given (a copy
    there), else sharing a's memory on the CPU."""
    torch_dtype(a.dtype)  # raises on unsupported dtypes
    t = torch.from_numpy(np.ascontiguousarray(a))
    return t if device is None else t.to(torch_device(device))


def target_tensor(y: np.ndarray, dtype: torch.dtype | None = None, device: Device = None) -> torch.Tensor:
    """A loss target for torch: class indices (an integer array) as int64, as torch's classification losses
    take them; float targets in `dtype` (their own if None); on `device` if given."""
    if y.dtype.kind in "iu":
        t = torch.from_numpy(y.astype(np.int64))
        return t if device is None else t.to(torch_device(device))
    t = to_tensor(y, device)
    return t if dtype is None else t.to(dtype)


def to_array(t: torch.Tensor) -> np.ndarray:
    """torch -> NumPy from any device: detached, brought to the CPU (a no-op there: the array shares the
    tensor's memory, as .detach().numpy() does)."""
    return t.detach().cpu().numpy()


@contextlib.contextmanager
def ieee_float32(device: Device = None) -> Iterator[None]:
    """On a CUDA device, float32 matrix products and convolutions in IEEE float32 while inside: TF32 (10-bit
    mantissa, about 1e-3 relative) off for cuBLAS (torch.backends.cuda.matmul.allow_tf32) and cuDNN
    (torch.backends.cudnn.allow_tf32, on by default), each restored on exit. Elsewhere nothing is touched."""
    if device is None or torch.device(device).type != "cuda":
        yield
        return
    flags = (torch.backends.cuda.matmul, torch.backends.cudnn)
    saved = [f.allow_tf32 for f in flags]
    try:
        for f in flags:
            f.allow_tf32 = False
        yield
    finally:
        for f, value in zip(flags, saved):
            f.allow_tf32 = value


def device_off_cpu(model: torch.nn.Module) -> torch.device | None:
    """The model's device where tensors must be sent, or None on the CPU (nothing is moved there)."""
    device = model_device(model)
    return None if device.type == "cpu" else device


def model_device(model: torch.nn.Module) -> torch.device:
    """The device of the model's parameters (the CPU for a model without any); one device, else an error."""
    devices = {p.device for p in model.parameters()} | {b.device for b in model.buffers()}
    if len(devices) > 1:
        raise ParityInputError(f"the torch model's tensors are on several devices ({sorted(map(str, devices))}): "
                               "move it to one with model.to(device)")
    return devices.pop() if devices else torch.device("cpu")
