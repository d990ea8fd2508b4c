"""Hand-written NumPy networks: forward and backward by hand. Never imports torch."""
from .activation_layers import ACTIVATIONS, ELU, GELU, Hardtanh, SiLU, Softplus, make_activation
from .activation_op import ActivationOp, ChosenActivation
from .activation_registry import REGISTRY as ACTIVATION_REGISTRY
from .activation_spelling import parse_activation
from .activations import Identity, LeakyReLU, ReLU, Sigmoid, Tanh
from .errors import (ArchitectureMismatch, DTypeError, NonFiniteError, ParityInputError, ShapeError,
                     UnknownNameError)
from .gradcheck import GradcheckResult, gradcheck, numerical_gradient, relative_error
from .init import (calculate_fan_in_and_fan_out, calculate_gain, constant_, init_linear_weights, init_randn,
                   init_torch_default, initialise, kaiming_normal_, kaiming_uniform_, ones_, orthogonal_,
                   xavier_normal_, xavier_uniform_, zeros_)
from .layout import (batch_from_column_major, batch_to_column_major, params_from_column_major,
                     params_to_column_major)
from .linear import Linear
from .layer_registry import REGISTRY as LAYER_REGISTRY
from .layer_registry import LayerOp
from .losses import (LOSSES, BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, L1Loss, LossOp, MSELoss,
                     NLLLoss, SmoothL1Loss, loss_op, make_loss)
from .losses import REGISTRY as LOSS_REGISTRY
from .network import Params, Sequential, build_mlp
from .optim import (OPTIMIZERS, SGD, Adagrad, Adam, AdamW, CosineAnnealingLR, LRScheduler, Optimizer,
                    RMSprop, StepLR, make_optimizer)
from .softmax import LogSoftmax, Softmax, log_softmax, softmax

__all__ = [
    "ACTIVATION_REGISTRY", "ActivationOp", "ChosenActivation", "ELU", "GELU", "Hardtanh", "SiLU", "Softplus",
    "parse_activation",
    "ACTIVATIONS", "LOSSES", "OPTIMIZERS", "SGD", "Adagrad", "Adam", "AdamW", "ArchitectureMismatch", "BCELoss",
    "BCEWithLogitsLoss", "CrossEntropyLoss", "HuberLoss", "L1Loss", "NLLLoss", "SmoothL1Loss",
    "LAYER_REGISTRY", "LOSS_REGISTRY", "LayerOp", "LogSoftmax", "LossOp", "Softmax", "log_softmax", "loss_op",
    "softmax",
    "CosineAnnealingLR", "DTypeError", "GradcheckResult", "Identity", "LRScheduler", "LeakyReLU", "Linear",
    "MSELoss", "NonFiniteError", "Optimizer", "Params", "ParityInputError", "RMSprop", "ReLU", "Sequential",
    "ShapeError", "Sigmoid", "StepLR", "Tanh", "UnknownNameError", "batch_from_column_major",
    "batch_to_column_major", "build_mlp", "calculate_fan_in_and_fan_out", "calculate_gain", "constant_",
    "gradcheck", "init_linear_weights", "init_randn", "init_torch_default", "initialise", "kaiming_normal_",
    "kaiming_uniform_", "make_activation", "make_loss", "make_optimizer", "numerical_gradient", "ones_",
    "orthogonal_", "params_from_column_major", "params_to_column_major", "relative_error", "xavier_normal_",
    "xavier_uniform_", "zeros_"
]
