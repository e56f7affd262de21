"""Pooling layers: `MaxPool2d`, `AvgPool2d` (the ops are `autograd.max_pool2d/avg_pool2d`)."""
import autograd as ag

from .module import Module


class MaxPool2d(Module):
    """2-D max pooling (PyTorch's `MaxPool2d`; padding counts as −∞).

    Args:
        kernel_size (int or pair): window (kH, kW).
        stride (int, pair or None): default kernel_size.
        padding (int or pair): at most half the kernel.
        dilation (int): only 1 is supported. return_indices, ceil_mode (bool): only False.

    Shape: input (N, C, H, W), output (N, C, Ho, Wo), Ho = ⌊(H + 2·padding − kH)/stride⌋ + 1.

    Raises:
        NotImplementedError: for dilation != 1, return_indices or ceil_mode.
    """

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        super().__init__()
        if dilation not in (1, (1, 1)) or return_indices or ceil_mode:
            raise NotImplementedError("MaxPool2d: dilation != 1, return_indices and ceil_mode are not supported; "
                                      "expected the defaults.")
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding

    def forward(self, x):
        """Max over each window of x (N, C, H, W)."""
        return ag.max_pool2d(x, self.kernel_size, self.stride, self.padding)

    def extra_repr(self):
        """The layer's settings, shown inside its repr."""
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(Module):
    """2-D average pooling (PyTorch's `AvgPool2d`; zero padding).

    Args:
        kernel_size (int or pair): window (kH, kW).
        stride (int, pair or None): default kernel_size.
        padding (int or pair): at most half the kernel.
        ceil_mode (bool): only False. count_include_pad (bool): divide by kH·kW (True) or by the
            number of non-padding cells (False). divisor_override: only None.

    Shape: input (N, C, H, W), output (N, C, Ho, Wo), Ho = ⌊(H + 2·padding − kH)/stride⌋ + 1.

    Raises:
        NotImplementedError: for ceil_mode or divisor_override.
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        super().__init__()
        if ceil_mode or divisor_override is not None:
            raise NotImplementedError("AvgPool2d: ceil_mode and divisor_override are not supported; "
                                      "expected the defaults.")
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.count_include_pad = count_include_pad

    def forward(self, x):
        """Mean over each window of x (N, C, H, W)."""
        return ag.avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.count_include_pad)

    def extra_repr(self):
        """The layer's settings, shown inside its repr."""
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
