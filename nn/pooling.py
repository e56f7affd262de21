"""Pooling layers: `MaxPool2d`, `AvgPool2d` (the ops are `autograd.max_pool2d/avg_pool2d`)."""
import autograd as ag

from .module import Module


class MaxPool2d(Module):
    """2-D max pooling (PyTorch's `MaxPool2d`; padding counts as −∞).

    Args:
        kernel_size (int or pair): window (kH, kW).
        stride (int, pair or None): default kernel_size.
        padding (int or pair): at most half the kernel.
        dilation (int or pair): spacing of the window's cells.
        ceil_mode (bool): round the output size up (see `autograd.max_pool2d`).
        return_indices (bool): also return the flat H·W indices of the maxima (int64 Tensor).

    Shape: input (N, C, H, W) or (C, H, W), output (N, C, Ho, Wo),
        Ho = ⌊(H + 2·padding − dilation·(kH − 1) − 1)/stride⌋ + 1 (⌈…⌉ with ceil_mode).
    """

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode
        self.dilation = dilation

    def forward(self, x):
        """Max over each window of x (N, C, H, W) (and the arg-max indices with return_indices)."""
        return ag.max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                             self.return_indices)

    def extra_repr(self):
        """The layer's settings, shown inside its repr."""
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool2d(Module):
    """2-D average pooling (PyTorch's `AvgPool2d`; zero padding).

    Args:
        kernel_size (int or pair): window (kH, kW).
        stride (int, pair or None): default kernel_size.
        padding (int or pair): at most half the kernel.
        ceil_mode (bool): round the output size up (see `autograd.avg_pool2d`).
        count_include_pad (bool): divide by kH·kW (True) or by the number of non-padding cells
            (False).
        divisor_override (int or None): divide by it instead.

    Shape: input (N, C, H, W) or (C, H, W), output (N, C, Ho, Wo),
        Ho = ⌊(H + 2·padding − kH)/stride⌋ + 1 (⌈…⌉ with ceil_mode).
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override
        self.ceil_mode = ceil_mode

    def forward(self, x):
        """Mean over each window of x (N, C, H, W)."""
        return ag.avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad,
                             self.divisor_override)

    def extra_repr(self):
        """The layer's settings, shown inside its repr."""
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
