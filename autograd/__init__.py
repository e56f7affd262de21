"""tracegrad's engine: Tensor and Scalar on one graph, the backward sweep, ops and checks."""
from .tensor import Tensor, set_default_dtype, get_default_dtype
from .function import Function, Node
from .grad_mode import no_grad, enable_grad, set_grad_enabled, is_grad_enabled, detect_anomaly
from .engine import grad, unbroadcast
from .creation import (tensor, zeros, ones, full, arange, eye, rand, randn, zeros_like, ones_like,
                       manual_seed)
from .ops import registry as _registry
from .ops.elementwise import eq, ne, lt, le, gt, ge
from .gradcheck import gradcheck, gradgradcheck, GradcheckError

_registry.install(Tensor)
globals().update(_registry.public_functions())  # autograd.<name> for every op in the table

from .scalar import Scalar  # noqa: E402
from . import functional  # noqa: E402
from . import viz  # noqa: E402
