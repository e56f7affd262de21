"""Normalization layers and their functional forms.

Layers: `BatchNorm1d`, `BatchNorm2d` (the fused op `autograd.batch_norm`), `LayerNorm`,
`GroupNorm`, `InstanceNorm2d` (composites of Tensor ops: mean, subtract, multiply, power).
Functions (PyTorch's `torch.nn.functional` signatures): `batch_norm` (re-exported from
`autograd.ops.layers`), `layer_norm`, `group_norm`, `instance_norm`.

Every norm computes X̂ = (X − μ)/√(σ² + eps) with the biased variance σ² over its axes, then
γ ⊙ X̂ + β per channel (or per normalized element for LayerNorm). eps = 1e-5 by default.
"""
import numpy as np

from autograd.device import check_device
from autograd.ops.layers import batch_norm, update_running
from autograd.tensor import Tensor, get_default_dtype

from .module import Module
from .parameter import Parameter

__all__ = ["BatchNorm1d", "BatchNorm2d", "LayerNorm", "GroupNorm", "InstanceNorm2d", "batch_norm", "layer_norm",
           "group_norm", "instance_norm"]


def _normalize(x, axes, eps):
    """(x − mean)/√(var + eps) over `axes` (biased variance), with Tensor ops (differentiable)."""
    mu = x.mean(axis=axes, keepdims=True)
    xc = x - mu
    var = (xc * xc).mean(axis=axes, keepdims=True)
    return xc * (var + eps) ** -0.5


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Layer normalization over the last len(normalized_shape) axes (Ba et al., arXiv:1607.06450).

    Args:
        input (Tensor): (*, *normalized_shape), floating.
        normalized_shape (int or tuple): the trailing shape normalized together.
        weight, bias (Tensor or None): of `normalized_shape`, elementwise γ and β.
        eps (float): added to the variance in the denominator.

    Returns:
        Tensor of input's shape and dtype.

    Raises:
        ValueError: if input's trailing shape is not `normalized_shape`, or weight/bias shapes differ.
    """
    shape = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) else tuple(normalized_shape)
    x = input if isinstance(input, Tensor) else Tensor(input)
    k = len(shape)
    if k == 0 or x.shape[x.ndim - k:] != shape or x.ndim < k:
        raise ValueError(f"layer_norm: input's trailing shape must equal normalized_shape; got input "
                         f"{x.shape}, expected (*, {', '.join(map(str, shape))}).")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.shape != shape:
            raise ValueError(f"layer_norm: {name} must have normalized_shape; got {t.shape}, expected {shape}.")
    out = _normalize(x, tuple(range(x.ndim - k, x.ndim)), eps)
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Group normalization: channels split into `num_groups` groups, each normalized over its
    channels and spatial positions per sample (Wu & He, arXiv:1803.08494).

    Args:
        input (Tensor): (N, C, *), floating, C divisible by num_groups.
        num_groups (int): number of groups.
        weight, bias (Tensor or None): (C,) per-channel γ and β.
        eps (float): added to the variance in the denominator.

    Returns:
        Tensor of input's shape and dtype.

    Raises:
        ValueError: if input has fewer than 2 dims or C is not divisible by num_groups.
    """
    x = input if isinstance(input, Tensor) else Tensor(input)
    if x.ndim < 2 or x.shape[1] % num_groups:
        raise ValueError(f"group_norm: input must be (N, C, *) with C divisible by num_groups; got shape "
                         f"{x.shape}, num_groups {num_groups}.")
    n, c = x.shape[:2]
    out = _normalize(x.reshape(n, num_groups, -1), (2,), eps).reshape(x.shape)
    return _affine(out, weight, bias)


def _affine(out, weight, bias):
    shape = (1, -1) + (1,) * (out.ndim - 2)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """Instance normalization: each (sample, channel) plane normalized over its spatial axes
    (Ulyanov et al., arXiv:1607.08022); PyTorch's functional signature.

    Args:
        input (Tensor): (N, C, *spatial), floating.
        running_mean, running_var (Tensor or None): (C,) statistics; with `use_input_stats` they
            are updated in place with the batch average of the per-instance mean and unbiased
            variance (momentum-weighted), as PyTorch does.
        weight, bias (Tensor or None): (C,) per-channel γ and β.
        use_input_stats (bool): normalize with each instance's statistics (True) or with the
            running ones (False).
        momentum (float): weight of the new statistic. eps (float): added to the variance.

    Returns:
        Tensor of input's shape and dtype.

    Raises:
        ValueError: if input has fewer than 3 dims, or use_input_stats is False without running
            statistics, or a plane has a single value.
    """
    x = input if isinstance(input, Tensor) else Tensor(input)
    if x.ndim < 3:
        raise ValueError(f"instance_norm: input must be (N, C, *spatial); got shape {x.shape}, "
                         f"expected at least 3 dims.")
    axes = tuple(range(2, x.ndim))
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise ValueError("instance_norm: use_input_stats=False needs running_mean and running_var; got None.")
        return batch_norm(x, running_mean, running_var, weight, bias, training=False, eps=eps)
    m = np.asarray(x)[0, 0].size
    if m <= 1:
        raise ValueError(f"instance_norm: expected more than 1 spatial element per channel; got input shape "
                         f"{x.shape}.")
    if running_mean is not None or running_var is not None:
        mean = np.asarray(x).mean(axis=axes)
        var = np.asarray(x).var(axis=axes) * (m / (m - 1))
        if running_mean is not None:
            update_running(running_mean, mean.mean(axis=0), momentum)
        if running_var is not None:
            update_running(running_var, var.mean(axis=0), momentum)
    return _affine(_normalize(x, axes, eps), weight, bias)


def _register_affine(module, weight, bias, shape, dt):
    """Register `module`'s weight (ones) and bias (zeros) Parameters of `shape`, each as None when off."""
    if weight:
        module.weight = Parameter(np.ones(shape, dtype=dt))
    else:
        module.register_parameter("weight", None)
    if bias:
        module.bias = Parameter(np.zeros(shape, dtype=dt))
    else:
        module.register_parameter("bias", None)


class _NormBase(Module):
    """Shared state of the batch and instance norms: settings, per-channel weight/bias and the
    running-statistics buffers (see `BatchNorm2d` for the arguments)."""

    def __init__(self, num_features, eps, momentum, affine, track_running_stats, device, dtype):
        check_device(device, type(self).__name__)  # tracegrad computes on the CPU: another device raises
        super().__init__()
        dt = get_default_dtype() if dtype is None else np.dtype(dtype)
        self.num_features = int(num_features)
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        _register_affine(self, affine, affine, num_features, dt)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(num_features, dtype=dt)))
            self.register_buffer("running_var", Tensor(np.ones(num_features, dtype=dt)))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, dtype=np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def extra_repr(self):
        """The layer's settings, shown inside its repr."""
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")


class _BatchNorm(_NormBase):
    """Shared body of BatchNorm1d/2d (see `BatchNorm2d` for the arguments)."""

    _dims = ()
    _expected = ""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 device=None, dtype=None):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype)

    def reset_running_stats(self):
        """running_mean ← 0, running_var ← 1, num_batches_tracked ← 0."""
        if self.track_running_stats:
            np.asarray(self.running_mean)[...] = 0
            np.asarray(self.running_var)[...] = 1
            np.asarray(self.num_batches_tracked)[...] = 0

    def reset_parameters(self):
        """Reset the running statistics and set weight ← 1, bias ← 0."""
        self.reset_running_stats()
        if self.affine:
            np.asarray(self.weight)[...] = 1
            np.asarray(self.bias)[...] = 0

    def forward(self, x):
        """Normalize x with batch statistics (training, updating the running ones) or with the
        running statistics (eval)."""
        ndim = x.ndim
        if ndim not in self._dims:
            raise ValueError(f"{type(self).__name__}: expected {self._expected} input; got shape {tuple(x.shape)}.")
        if x.shape[1] != self.num_features:
            raise ValueError(f"{type(self).__name__}: expected {self.num_features} channels on axis 1; got shape "
                             f"{tuple(x.shape)}.")
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            count = np.asarray(self.num_batches_tracked)
            count += 1
            if self.momentum is None:
                factor = 1.0 / float(np.asarray(self.num_batches_tracked))
        use_batch = self.training or self.running_mean is None
        track = not self.training or self.track_running_stats
        return batch_norm(x, self.running_mean if track else None, self.running_var if track else None,
                          self.weight, self.bias, use_batch, factor, self.eps)


class BatchNorm1d(_BatchNorm):
    """Batch normalization over (N, C) or (N, C, L) inputs (Ioffe & Szegedy, arXiv:1502.03167).

    Args:
        num_features (int): C.
        eps (float): added to the variance in the denominator (default 1e-5).
        momentum (float or None): weight of the NEW batch statistic in the running update
            r ← (1 − momentum)·r + momentum·batch (default 0.1); None = cumulative average
            (momentum 1/num_batches_tracked).
        affine (bool): learn γ (weight, init 1) and β (bias, init 0) of shape (C,).
        track_running_stats (bool): keep running_mean (init 0), running_var (init 1, updated
            with the unbiased M/(M − 1) variance) and num_batches_tracked (int64, 0-d) buffers;
            without them eval mode also uses batch statistics.
        dtype: floating dtype of parameters and buffers.

    Shape: input (N, C) or (N, C, L); output the same.

    Raises:
        ValueError: for other input ranks, a wrong channel count, or a single value per channel
            in training.
    """

    _dims = (2, 3)
    _expected = "2D (N, C) or 3D (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch normalization over (N, C, H, W) inputs, per channel over N, H, W (Ioffe &
    Szegedy, arXiv:1502.03167).

    Args:
        num_features (int): C.
        eps (float): added to the variance in the denominator (default 1e-5).
        momentum (float or None): weight of the NEW batch statistic in the running update
            (default 0.1); None = cumulative average.
        affine (bool): learn γ (weight, init 1) and β (bias, init 0) of shape (C,).
        track_running_stats (bool): keep running_mean, running_var (unbiased update) and
            num_batches_tracked (int64, 0-d) buffers.
        dtype: floating dtype of parameters and buffers.

    Shape: input (N, C, H, W); output the same.

    Raises:
        ValueError: for other input ranks, a wrong channel count, or a single value per channel
            in training.
    """

    _dims = (4,)
    _expected = "4D (N, C, H, W)"


class LayerNorm(Module):
    """Layer normalization over the trailing `normalized_shape` (Ba et al., arXiv:1607.06450).

    Args:
        normalized_shape (int or tuple): trailing shape normalized together.
        eps (float): added to the variance in the denominator (default 1e-5).
        elementwise_affine (bool): learn weight (init 1) and bias (init 0) of normalized_shape.
        bias (bool): learn the bias (when elementwise_affine).
        dtype: floating dtype of the parameters.

    Shape: input (*, *normalized_shape); output the same.

    Raises:
        ValueError: if the input's trailing shape differs from normalized_shape.
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None, dtype=None):
        check_device(device, type(self).__name__)  # tracegrad computes on the CPU: another device raises
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) else tuple(normalized_shape)
        self.normalized_shape = tuple(int(s) for s in shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        dt = get_default_dtype() if dtype is None else np.dtype(dtype)
        _register_affine(self, elementwise_affine, elementwise_affine and bias, self.normalized_shape, dt)

    def reset_parameters(self):
        """weight ← 1, bias ← 0."""
        if self.weight is not None:
            np.asarray(self.weight)[...] = 1
        if self.bias is not None:
            np.asarray(self.bias)[...] = 0

    def forward(self, x):
        """Normalize x over its trailing normalized_shape axes."""
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        """The layer's settings, shown inside its repr."""
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class GroupNorm(Module):
    """Group normalization (Wu & He, arXiv:1803.08494).

    Args:
        num_groups (int): number of channel groups (num_channels divisible by it).
        num_channels (int): C.
        eps (float): added to the variance in the denominator (default 1e-5).
        affine (bool): learn per-channel weight (init 1) and bias (init 0).
        dtype: floating dtype of the parameters.

    Shape: input (N, C, *); output the same.

    Raises:
        ValueError: if num_channels is not divisible by num_groups.
    """

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None):
        check_device(device, type(self).__name__)  # tracegrad computes on the CPU: another device raises
        super().__init__()
        if num_groups <= 0 or num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels must be divisible by num_groups; got num_channels "
                             f"{num_channels}, num_groups {num_groups}.")
        self.num_groups, self.num_channels = int(num_groups), int(num_channels)
        self.eps = eps
        self.affine = affine
        _register_affine(self, affine, affine, num_channels, get_default_dtype() if dtype is None else np.dtype(dtype))

    def reset_parameters(self):
        """weight ← 1, bias ← 0."""
        if self.affine:
            np.asarray(self.weight)[...] = 1
            np.asarray(self.bias)[...] = 0

    def forward(self, x):
        """Normalize x (N, C, *) per sample and channel group."""
        return group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        """The layer's settings, shown inside its repr."""
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"


class InstanceNorm2d(_NormBase):
    """Instance normalization of (N, C, H, W) (or unbatched (C, H, W)) inputs: each plane
    normalized over H, W (Ulyanov et al., arXiv:1607.08022).

    Args:
        num_features (int): C.
        eps (float): added to the variance in the denominator (default 1e-5).
        momentum (float): weight of the new statistic in the running update (default 0.1).
        affine (bool): learn per-channel weight (init 1) and bias (init 0) (default False).
        track_running_stats (bool): keep running_mean/running_var/num_batches_tracked and use
            them in eval mode (default False); as in PyTorch, num_batches_tracked stays 0.
        dtype: floating dtype of parameters and buffers.

    Shape: input (N, C, H, W) or (C, H, W); output the same.

    Raises:
        ValueError: for other input ranks.
    """

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False, track_running_stats=False,
                 device=None, dtype=None):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype)

    def forward(self, x):
        """Normalize each (sample, channel) plane of x."""
        if x.ndim not in (3, 4):
            raise ValueError(f"InstanceNorm2d: expected 3D (C, H, W) or 4D (N, C, H, W) input; got shape "
                             f"{tuple(x.shape)}.")
        unbatched = x.ndim == 3
        if unbatched:
            x = x.unsqueeze(0)
        use_input_stats = self.training or not self.track_running_stats
        out = instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias, use_input_stats,
                            0.1 if self.momentum is None else self.momentum, self.eps)
        return out.squeeze(0) if unbatched else out
