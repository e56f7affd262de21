"""Lazy layers: `LazyLinear`, `LazyConv2d`, `LazyBatchNorm1d`, `LazyBatchNorm2d` (PyTorch's
``torch.nn.modules.lazy`` design).

A lazy layer is built without its input size. Until its first call its parameters (and
running-statistics buffers) are placeholders (`UninitializedParameter`,
`UninitializedBuffer`); the first call reads the size from the input, materializes them in
place, runs the eager class's `reset_parameters` (so the initialization is PyTorch's) and
turns the module into the eager class (`cls_to_become`: a `LazyLinear` becomes a `Linear`).
Because placeholders are materialized in place, an optimizer built before the first call
updates the real parameters afterwards, as in PyTorch.

Differences from PyTorch: ops on a placeholder see an empty (0,) array (so they fail on
shapes, with the op's own message) rather than PyTorch's "uninitialized parameter" error
(`nn.init` functions do refuse placeholders with that message). As in PyTorch,
`load_state_dict` into a module that was never called materializes its placeholders with
the checkpoint's shapes (no initialization), and the first call then only switches the class
(our sizes — ``in_features`` … — are then read from the loaded weights; PyTorch leaves 0).
"""
from autograd.device import check_device

from .conv import Conv2d
from .linear import Linear
from .normalization import BatchNorm1d, BatchNorm2d
from .parameter import UninitializedBuffer, UninitializedParameter, is_lazy


def _infer_parameters(module, args):
    """Forward pre-hook of a lazy module: size from the input, then become the eager class."""
    module.initialize_parameters(*args)
    if not module.has_uninitialized_params():
        module._initialize_hook.remove()
        del module._initialize_hook
        module.__class__ = module.cls_to_become


class LazyModuleMixin:
    """Base of the lazy layers: `initialize_parameters(input)` (the subclass's) runs before
    the first forward, then the module becomes `cls_to_become`.

    Attributes:
        cls_to_become (type): the eager class the module turns into after its first call.
    """

    cls_to_become = None

    def _make_lazy(self, *names):
        """Replace the named parameters and buffers (those not None) by placeholders of
        their dtype and register the inferring pre-hook."""
        for name in names:
            old = getattr(self, name)
            if old is None:
                continue
            if name in self._parameters:
                setattr(self, name, UninitializedParameter(old.requires_grad, old.dtype))
            else:
                self._buffers[name] = UninitializedBuffer(dtype=old.dtype)
        self._initialize_hook = self.register_forward_pre_hook(_infer_parameters)

    def has_uninitialized_params(self):
        """True while a parameter or buffer of this module is still a placeholder."""
        return any(is_lazy(t) for t in list(self._parameters.values()) + list(self._buffers.values()))

    def _materialize(self, shapes):
        """Materialize the placeholders named in `shapes` (name → shape) and reset the
        parameters by the eager class's rule (the module must already hold its sizes)."""
        for name, shape in shapes.items():
            t = getattr(self, name)
            if t is not None and is_lazy(t):
                t.materialize(shape)
        self.cls_to_become.reset_parameters(self)

    def reset_parameters(self):
        """Does nothing until the sizes are known (the first call resets by the eager rule)."""
        if not self.has_uninitialized_params():
            self.cls_to_become.reset_parameters(self)


def _input_check(module, x, min_ndim, expected):
    if not hasattr(x, "shape") or len(x.shape) < min_ndim:
        got = tuple(x.shape) if hasattr(x, "shape") else type(x).__name__
        raise ValueError(f"{type(module).__name__}: cannot infer the input size; got input {got}, expected "
                         f"{expected}.")


class LazyLinear(LazyModuleMixin, Linear):
    """`Linear` whose `in_features` is inferred from the first input (``x.shape[-1]``).

    Args:
        out_features (int): size of each output sample.
        bias (bool): learn an additive bias (default True).
        device: the CPU or None. dtype: floating dtype of the parameters.

    Attributes:
        weight, bias: `UninitializedParameter` until the first call, then (out_features,
            in_features) and (out_features,) Parameters from `Linear`'s initialization
            U(−1/√in_features, 1/√in_features); the module is then a `Linear`.

    Shape: input (*, in_features), output (*, out_features).

    Raises:
        ValueError: if `out_features` is negative, or the first input has no last axis.
        RuntimeError: for a device other than the CPU.
    """

    cls_to_become = Linear

    def __init__(self, out_features, bias=True, device=None, dtype=None):
        check_device(device, "LazyLinear")
        Linear.__init__(self, 0, out_features, bias, dtype=dtype)
        self._make_lazy("weight", "bias")

    def initialize_parameters(self, x, *args, **kwargs):
        """Infer `in_features` from ``x.shape[-1]`` and initialize weight and bias."""
        if self.has_uninitialized_params():
            _input_check(self, x, 1, "a tensor of shape (*, in_features)")
            self.in_features = int(x.shape[-1])
            self._materialize({"weight": (self.out_features, self.in_features), "bias": (self.out_features,)})
        elif not self.in_features:  # loaded from a state dict before any call
            self.in_features = int(self.weight.shape[1])


class LazyConv2d(LazyModuleMixin, Conv2d):
    """`Conv2d` whose `in_channels` is inferred from the first input (axis 1 of an
    (N, C_in, H, W) batch, axis 0 of an unbatched (C_in, H, W) image).

    Args:
        out_channels (int), kernel_size, stride, padding, dilation, groups, bias,
        padding_mode, dtype: as in `Conv2d`. device: the CPU or None.

    Attributes:
        weight, bias: `UninitializedParameter` until the first call, then `Conv2d`'s
            (C_out, C_in/groups, kH, kW) and (C_out,) Parameters with its initialization
            (kaiming_uniform_(a=√5)); the module is then a `Conv2d`.

    Shape: input (N, C_in, H, W) or (C_in, H, W); output as `Conv2d`.

    Raises:
        ValueError: for settings `Conv2d` refuses, a first input that is not 3-D or 4-D, or
            an inferred C_in not divisible by `groups`.
        RuntimeError: for a device other than the CPU.
    """

    cls_to_become = Conv2d

    def __init__(self, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None):
        check_device(device, "LazyConv2d")
        # `groups` input channels is the smallest valid count: Conv2d's checks run, then in_channels = 0
        Conv2d.__init__(self, groups, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                        padding_mode, dtype=dtype)
        self.in_channels = 0
        self._make_lazy("weight", "bias")

    def initialize_parameters(self, x, *args, **kwargs):
        """Infer `in_channels` from the input and initialize weight and bias."""
        if self.has_uninitialized_params():
            if not hasattr(x, "shape") or len(x.shape) not in (3, 4):
                got = tuple(x.shape) if hasattr(x, "shape") else type(x).__name__
                raise ValueError(f"LazyConv2d: expected 3D (unbatched) or 4D (batched) input; got input {got}.")
            in_channels = int(x.shape[1] if len(x.shape) == 4 else x.shape[0])
            if in_channels % self.groups:
                raise ValueError(f"LazyConv2d: in_channels must be divisible by groups; got in_channels "
                                 f"{in_channels} and groups {self.groups}.")
            self.in_channels = in_channels
            self._materialize({"weight": (self.out_channels, in_channels // self.groups) + self.kernel_size,
                               "bias": (self.out_channels,)})
        elif not self.in_channels:  # loaded from a state dict before any call
            self.in_channels = int(self.weight.shape[1]) * self.groups


class _LazyBatchNorm(LazyModuleMixin):
    """Shared body of the lazy batch norms: C from axis 1 of the first input."""

    def __init__(self, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None, dtype=None):
        check_device(device, type(self).__name__)
        self.cls_to_become.__init__(self, 0, eps, momentum, affine, track_running_stats, dtype=dtype)
        self._make_lazy("weight", "bias", "running_mean", "running_var")

    def initialize_parameters(self, x, *args, **kwargs):
        """Infer `num_features` from ``x.shape[1]``; weight ← 1, bias ← 0, running stats 0 and 1.

        Without placeholders (``affine=False, track_running_stats=False``) C is still
        inferred (PyTorch leaves ``num_features`` 0 there)."""
        if self.has_uninitialized_params() or not self.num_features:
            _input_check(self, x, 2, f"{self._expected} input")
            self.num_features = int(x.shape[1])
        if self.has_uninitialized_params():
            c = (self.num_features,)
            self._materialize({"weight": c, "bias": c, "running_mean": c, "running_var": c})


class LazyBatchNorm1d(_LazyBatchNorm, BatchNorm1d):
    """`BatchNorm1d` whose `num_features` C is inferred from axis 1 of the first input.

    Args:
        eps, momentum, affine, track_running_stats, dtype: as in `BatchNorm1d`.
        device: the CPU or None.

    Attributes:
        weight, bias, running_mean, running_var: placeholders until the first call, then
            (C,) tensors initialized as in `BatchNorm1d` (1, 0, 0, 1); the module is then a
            `BatchNorm1d`. num_batches_tracked: a 0-d int64 buffer from the start.

    Shape: input (N, C) or (N, C, L); output the same.

    Raises:
        ValueError: if the first input has fewer than 2 axes (then as `BatchNorm1d`).
        RuntimeError: for a device other than the CPU.
    """

    cls_to_become = BatchNorm1d


class LazyBatchNorm2d(_LazyBatchNorm, BatchNorm2d):
    """`BatchNorm2d` whose `num_features` C is inferred from axis 1 of the first input; the
    arguments, placeholders and errors are those of `LazyBatchNorm1d`, and after the first
    call the module is a `BatchNorm2d`.

    Shape: input (N, C, H, W); output the same.
    """

    cls_to_become = BatchNorm2d
