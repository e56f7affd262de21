"""Functional forms: the network ops of `autograd` (the same function objects), the
activations, every loss, and `pad` with PyTorch's flat pad list."""
import autograd as _ag
from autograd import (
    avg_pool2d,
    batch_norm,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    conv2d,
    cross_entropy,
    dropout,
    elu,
    embedding,
    gelu,
    hinge_loss,
    kl_div,
    l1_loss,
    leaky_relu,
    linear,
    log_softmax,
    max_pool2d,
    max_unpool2d,
    mse_loss,
    nll_loss,
    relu,
    sigmoid,
    softmax,
    softplus,
    tanh,
)

from .normalization import group_norm, instance_norm, layer_norm

__all__ = [
    "avg_pool2d", "batch_norm", "binary_cross_entropy", "binary_cross_entropy_with_logits", "conv2d",
    "cross_entropy", "dropout", "elu", "embedding", "gelu", "group_norm", "hinge_loss", "instance_norm", "kl_div",
    "l1_loss", "layer_norm", "leaky_relu", "linear", "log_softmax", "max_pool2d", "max_unpool2d", "mse_loss",
    "nll_loss", "pad", "relu", "sigmoid", "softmax", "softplus", "tanh",
]


def pad(x, pad, value=0.0, *, mode="constant"):
    """Constant padding with PyTorch's flat pad list, last axis first.

    Args:
        x (Tensor): any shape (*), n axes.
        pad (sequence of int): ``(left_last, right_last, left_2nd_last, right_2nd_last, …)``,
            even length ≤ 2n; negative entries crop.
        value (float): the fill value (cast to x's dtype).
        mode (str): only ``'constant'``.

    Returns:
        Tensor: x padded (or cropped) on its last len(pad)/2 axes; differentiable.

    Raises:
        ValueError: for an odd-length or too long pad list, or a mode other than 'constant'.
        TypeError: for non-integer pad entries.
    """
    if mode != "constant":
        raise ValueError(f"pad: only mode='constant' is supported; got {mode!r}, expected 'constant'.")
    x = x if isinstance(x, _ag.Tensor) else _ag.tensor(x)
    pad = tuple(pad)
    n = x.ndim
    if len(pad) % 2 or len(pad) > 2 * n:
        raise ValueError(f"pad: the pad list must have an even length of at most 2 * {n}; got {len(pad)} "
                         f"entries, expected pairs for the last axes.")
    for p in pad:
        if not isinstance(p, int) and not (hasattr(p, "__index__") and not isinstance(p, float)):
            raise TypeError(f"pad: pad entries must be ints; got {type(p).__name__}.")
    pairs = [[0, 0] for _ in range(n)]
    for i in range(len(pad) // 2):
        pairs[n - 1 - i] = [int(pad[2 * i]), int(pad[2 * i + 1])]
    if any(b < 0 or a < 0 for b, a in pairs):
        index = tuple(slice(max(-b, 0), (s - max(-a, 0))) for (b, a), s in zip(pairs, x.shape))
        x = x[index]
        pairs = [[max(b, 0), max(a, 0)] for b, a in pairs]
    if not any(b or a for b, a in pairs):
        return x
    return _ag.pad(x, tuple(tuple(p) for p in pairs), value=value)
