"""tracegrad's neural-network package: Module, Parameter, layers, losses, init, data, save/load."""
from .parameter import Parameter
from .module import Module
from .container import Sequential, ModuleList, ModuleDict
from .linear import Linear, Identity, Flatten
from .activation import ReLU, LeakyReLU, ELU, GELU, Sigmoid, Tanh, Softplus, Softmax, LogSoftmax
from .loss import (MSELoss, L1Loss, BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, NLLLoss, KLDivLoss,
                   HingeLoss)
from .conv import Conv2d
from .pooling import MaxPool2d, AvgPool2d
from .dropout import Dropout
from .embedding import Embedding
from .normalization import BatchNorm1d, BatchNorm2d, LayerNorm, GroupNorm, InstanceNorm2d
from .serialization import save, load
from . import functional, init, utils, data, datasets

__all__ = [
    "Parameter", "Module", "Sequential", "ModuleList", "ModuleDict", "Linear", "Identity", "Flatten",
    "ReLU", "LeakyReLU", "ELU", "GELU", "Sigmoid", "Tanh", "Softplus", "Softmax", "LogSoftmax",
    "MSELoss", "L1Loss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "NLLLoss", "KLDivLoss", "HingeLoss",
    "Conv2d", "MaxPool2d", "AvgPool2d", "Dropout", "Embedding",
    "BatchNorm1d", "BatchNorm2d", "LayerNorm", "GroupNorm", "InstanceNorm2d",
    "save", "load", "functional", "init", "utils", "data", "datasets",
]
