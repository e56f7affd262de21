"""Convolution layer: `Conv2d` (the op is `autograd.conv2d`)."""

import numpy as np

import autograd as ag
from autograd.device import check_device
from autograd.ops.conv import pair
from autograd.tensor import get_default_dtype

from . import init
from .module import Module
from .parameter import Parameter


class Conv2d(Module):
    """2-D convolution over (N, C_in, H, W) images (PyTorch's `Conv2d`; a cross-correlation).

    Args:
        in_channels (int): C_in. out_channels (int): C_out.
        kernel_size (int or pair): (kH, kW).
        stride, padding, dilation (int or pair): as in `autograd.conv2d` (zero padding;
            padding may also be 'valid').
        groups (int): split channels into independent groups (C_in and C_out divisible by it).
        bias (bool): learn a per-channel bias (default True).
        padding_mode (str): only 'zeros' is supported.
        dtype: floating dtype of the parameters (default: the default float dtype).

    Attributes:
        weight (Parameter): (C_out, C_in/groups, kH, kW), from `kaiming_uniform_(a=√5)`, i.e.
            U(−1/√fan_in, 1/√fan_in) with fan_in = C_in/groups·kH·kW (PyTorch's default).
        bias (Parameter or None): (C_out,), from U(−1/√fan_in, 1/√fan_in).

    Shape: input (N, C_in, H, W), output (N, C_out, Ho, Wo) with
        Ho = ⌊(H + 2·padding − dilation·(kH − 1) − 1)/stride⌋ + 1 (Wo likewise).

    Raises:
        ValueError: for non-positive channel counts, channels not divisible by groups, or an
            unsupported padding_mode.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None):
        check_device(device, type(self).__name__)  # tracegrad computes on the CPU: another device raises
        super().__init__()
        if in_channels <= 0 or out_channels <= 0 or groups <= 0:
            raise ValueError(f"Conv2d: in_channels, out_channels and groups must be positive; got "
                             f"{in_channels}, {out_channels}, {groups}.")
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"Conv2d: in_channels and out_channels must be divisible by groups; got "
                             f"{in_channels}, {out_channels} and groups {groups}.")
        if padding_mode != "zeros":
            raise ValueError(f"Conv2d: padding_mode {padding_mode!r} is not supported; expected 'zeros'.")
        dt = get_default_dtype() if dtype is None else np.dtype(dtype)
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size = pair(kernel_size, "kernel_size", "Conv2d", 1)
        self.stride = pair(stride, "stride", "Conv2d", 1)
        self.padding = padding if isinstance(padding, str) else pair(padding, "padding", "Conv2d", 0)
        self.dilation = pair(dilation, "dilation", "Conv2d", 1)
        self.groups = int(groups)
        self.padding_mode = padding_mode
        self.weight = Parameter(np.empty((out_channels, in_channels // groups) + self.kernel_size, dtype=dt))
        if bias:
            self.bias = Parameter(np.empty((out_channels,), dtype=dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """weight ~ kaiming_uniform_(a=√5); bias ~ U(−1/√fan_in, 1/√fan_in) (PyTorch's default)."""
        init.default_init_(self.weight, self.bias)

    def forward(self, x):
        """Convolve x (N, C_in, H, W) with the layer's weight and bias."""
        return ag.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)

    def extra_repr(self):
        """The layer's settings, shown inside its repr."""
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0, 0):
            s += f", padding={self.padding}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s
