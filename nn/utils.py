"""Gradient clipping (PyTorch's `torch.nn.utils.clip_grad_norm_` / `clip_grad_value_`)."""
import math

import numpy as np

from autograd.graph import increment_version
from autograd.tensor import Tensor


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale all gradients together, in place, so that their joint norm is at most `max_norm`.

    total = ‖(‖g₁‖_p, ‖g₂‖_p, …)‖_p (the p-norm of all gradient entries as one vector; the
    max |entry| for p = inf); every gradient is multiplied by min(1, max_norm / (total + 1e-6)).
    A non-finite total scales as in PyTorch: by 0 for an infinite total (its ±inf entries
    become NaN), by NaN for a NaN total.

    Args:
        parameters: a Tensor or an iterable of Tensors (those without `.grad` are skipped).
        max_norm (float): the largest allowed total norm.
        norm_type (float or 'inf'): p (default 2).
        error_if_nonfinite (bool): raise if the total norm is NaN or infinite (then no
            gradient is changed).
        foreach: accepted for PyTorch compatibility and ignored.

    Returns:
        Tensor: the total norm before clipping, 0-d, dtype of the gradients.

    Raises:
        RuntimeError: if `error_if_nonfinite` and the total norm is NaN or infinite.
    """
    grads = _grads(parameters)
    p = float(norm_type)
    if not grads:
        return Tensor(np.asarray(0.0, dtype=np.float32))
    dtype = grads[0].dtype
    if math.isinf(p):
        norms = [np.max(np.abs(np.asarray(g))) if g.numel() else np.zeros((), dtype) for g in grads]
        total = np.max(np.asarray(norms, dtype=dtype))
    else:
        norms = np.asarray([np.sum(np.abs(np.asarray(g)) ** p) ** (1.0 / p) for g in grads], dtype=dtype)
        total = np.sum(norms ** p) ** (1.0 / p)
    total = np.asarray(total, dtype=dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is "
                           f"non-finite; got {float(total)}, expected a finite number. Hint: pass "
                           f"error_if_nonfinite=False to clip anyway.")
    coef = float(max_norm) / (float(total) + 1e-6)
    if not coef >= 1.0:  # also a NaN coefficient (NaN total): every gradient becomes NaN, as PyTorch
        with np.errstate(invalid="ignore"):  # inf · 0 = NaN, as in PyTorch
            for g in grads:
                arr = np.asarray(g)
                arr *= np.asarray(coef, dtype=g.dtype)
    return Tensor(total)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clip every gradient entry, in place, to [−clip_value, clip_value].

    Args:
        parameters: a Tensor or an iterable of Tensors (those without `.grad` are skipped).
        clip_value (float): the bound, ≥ 0.
        foreach: accepted for PyTorch compatibility and ignored.

    Raises:
        ValueError: if `clip_value` is negative.
    """
    v = float(clip_value)
    if v < 0:
        raise ValueError(f"clip_grad_value_: clip_value must be non-negative; got {clip_value}, expected >= 0.")
    for g in _grads(parameters):
        np.clip(np.asarray(g), -v, v, out=np.asarray(g))


def parameters_to_vector(parameters):
    """Concatenate the parameters, flattened, into one 1-D Tensor (a copy, no graph).

    Args:
        parameters: an iterable of Tensors (one dtype).

    Returns:
        Tensor of shape (Σ numel,).
    """
    arrays = [np.asarray(p).reshape(-1) for p in parameters]
    return Tensor(np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.float32))


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of the 1-D `vec` into the parameters, in place (no graph).

    Args:
        vec (Tensor or ndarray): shape (Σ numel,).
        parameters: an iterable of Tensors, in the order of `parameters_to_vector`.

    Raises:
        ValueError: if `vec` is not 1-D or its length differs from the total size.
    """
    v = np.asarray(vec)
    params = list(parameters)
    total = sum(p.numel() for p in params)
    if v.ndim != 1 or v.size != total:
        raise ValueError(f"vector_to_parameters: expected a 1-D vector of {total} elements; got shape {v.shape}.")
    start = 0
    for p in params:
        n = p.numel()
        np.copyto(np.asarray(p), v[start:start + n].reshape(p.shape), casting="unsafe")
        increment_version(p)
        start += n
