"""tracegrad's engine: Tensor and Scalar on one graph, the backward sweep, ops and checks.

``import autograd as torch`` also reaches ``torch.nn``, ``torch.nn.functional``,
``torch.optim`` and ``torch.utils.data``: the packages above the engine are imported the
first time one of those names is asked for (`__getattr__`, PEP 562), never at import; so is
``autograd.viz`` (the pictures), which only drawing code needs.
"""
import importlib as _importlib

from .tensor import Tensor, set_default_dtype, get_default_dtype
from .device import device, cuda, accelerator
from .function import Function, Node
from .grad_mode import no_grad, enable_grad, set_grad_enabled, is_grad_enabled, detect_anomaly
from .engine import grad, unbroadcast
from .creation import (tensor, as_tensor, from_numpy, zeros, ones, full, arange, eye, rand, randn, normal,
                       zeros_like, ones_like, empty, empty_like, manual_seed)
from .ops import registry as _registry
from .ops.compare import eq, ne, lt, le, gt, ge, bitwise_or, bitwise_and, bitwise_xor, bitwise_not
from .gradcheck import gradcheck, gradgradcheck, GradcheckError

_registry.install(Tensor)
globals().update(_registry.public_functions())  # autograd.<name> for every op in the table

from .scalar import Scalar  # noqa: E402
from . import functional  # noqa: E402
from . import graph  # noqa: E402
from . import utils  # noqa: E402

# imported on first use: the packages layered above autograd (DESIGN.md), by PyTorch's names for
# them, and the pictures (autograd.viz loads graphviz, igraph and the explorer's assets: thousands
# of objects every cyclic-GC collection would walk, for code that never draws)
_ABOVE = {"nn": "nn", "optim": "optim", "viz": "autograd.viz"}


def __getattr__(name):
    if name in _ABOVE:
        return _importlib.import_module(_ABOVE[name])
    raise AttributeError(f"module 'autograd' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_ABOVE))

# dtype names as PyTorch's, numpy dtypes (np.dtype objects): `autograd.float32`, `autograd.long` …
from numpy import dtype as _dtype  # noqa: E402

float16 = half = _dtype("float16")
float32 = float = _dtype("float32")  # noqa: A001 (a module attribute, as torch.float)
float64 = double = _dtype("float64")
int64 = long = _dtype("int64")
int32 = int = _dtype("int32")  # noqa: A001
int16 = short = _dtype("int16")
int8 = _dtype("int8")
uint8 = _dtype("uint8")
bool = _dtype("bool")  # noqa: A001
# `from autograd import *` exports every public name but those that would shadow builtins
__all__ = [_n for _n in globals() if not _n.startswith("_") and _n not in ("float", "int", "bool", "all", "any")]
