"""Affine and shape layers: `Linear`, `Identity`, `Flatten`."""
import numpy as np

import autograd as ag
from autograd.device import check_device
from autograd.tensor import get_default_dtype

from . import init
from .module import Module
from .parameter import Parameter


class Identity(Module):
    """Returns its input unchanged (a placeholder that accepts and ignores any arguments).

    Shape: input (*), output (*), the same Tensor.
    """

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
        """Return `x` itself."""
        return x


class Linear(Module):
    """Affine map y = x Wᵀ + b (fused `autograd.linear`).

    Args:
        in_features (int): size of each input sample.
        out_features (int): size of each output sample.
        bias (bool): learn an additive bias (default True).
        dtype: floating dtype of the parameters (default: the default float dtype, float32).

    Attributes:
        weight (Parameter): (out_features, in_features), initialized from
            U(−1/√in_features, 1/√in_features) (PyTorch's default: `kaiming_uniform_` with
            a = √5).
        bias (Parameter or None): (out_features,), from the same U(−1/√in, 1/√in).

    Shape: input (*, in_features), output (*, out_features).

    Raises:
        ValueError: if a feature count is negative.
    """

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        check_device(device, type(self).__name__)  # tracegrad computes on the CPU: another device raises
        super().__init__()
        if in_features < 0 or out_features < 0:
            raise ValueError(f"Linear: feature counts must be non-negative; got in_features={in_features}, "
                             f"out_features={out_features}.")
        dt = get_default_dtype() if dtype is None else np.dtype(dtype)
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        self.weight = Parameter(np.empty((out_features, in_features), dtype=dt))
        if bias:
            self.bias = Parameter(np.empty((out_features,), dtype=dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """Draw weight and bias from U(−1/√in_features, 1/√in_features) (PyTorch's default)."""
        init.default_init_(self.weight, self.bias)

    def forward(self, x):
        """y = x Wᵀ + b for x of shape (*, in_features)."""
        return ag.linear(x, self.weight, self.bias)

    def extra_repr(self):
        """The settings shown inside the module's repr."""
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Flatten(Module):
    """Flattens the axes start_dim … end_dim into one.

    Args:
        start_dim (int): first axis to flatten (default 1, keeping the batch axis).
        end_dim (int): last axis to flatten (default −1).

    Shape: input (N, *dims), output (N, ∏ dims) with the defaults.
    """

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, x):
        """Flatten `x` from `start_dim` to `end_dim`."""
        return ag.flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self):
        """The settings shown inside the module's repr."""
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
