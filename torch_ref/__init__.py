"""torch.nn mirrors of manual networks, with identical weights copied in both directions."""
from .dtypes import numpy_dtype, torch_dtype
from .layers import manual_layer
from .losses import HalfSumLoss, ScaledMSELoss, mirror_loss
from .models import manual_from_torch, mirror, torch_layer, torch_layer_kind
from .optim import mirror_optimizer, mirror_scheduler
from .tensors import ieee_float32, target_tensor, to_array, to_tensor, torch_device
from .weights import check_same_architecture, copy_into_manual, copy_into_torch

__all__ = ["HalfSumLoss", "ScaledMSELoss", "check_same_architecture", "copy_into_manual", "copy_into_torch",
           "manual_from_torch", "manual_layer", "mirror", "mirror_loss", "mirror_optimizer", "mirror_scheduler",
           "ieee_float32", "numpy_dtype", "target_tensor", "to_array", "to_tensor", "torch_device", "torch_dtype",
           "torch_layer", "torch_layer_kind"]
