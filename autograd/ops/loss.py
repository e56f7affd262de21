"""Elementwise losses (PyTorch semantics): mse_loss, l1_loss, the binary cross-entropies (of
probabilities and of logits), kl_div and hinge_loss, one `Function` per loss with its forward
and VJP side by side; and the reduction every loss shares. The losses over a class axis
(cross_entropy, nll_loss) are in `cross_entropy`.

Every loss computes an elementwise (per-sample) loss ℓ and reduces it: ``'none'`` keeps ℓ,
``'sum'`` gives Σ ℓ, ``'mean'`` gives Σ ℓ / D (D = the number of elements, or the sum of the
class weights for `cross_entropy`/`nll_loss` with class-index targets). In the VJPs the
reduction's adjoint is written G: G = Ḡ / D (mean), Ḡ (sum) or Ḡ itself (none).

Each VJP is written once: on ndarrays in a plain backward, on Tensors (recorded) with
``create_graph=True``, so second derivatives come from differentiating that same body
(`dispatch` covers np.where and the public ops). Sigmoid and softplus are the public ops' own
code, not private copies.

Weights and `pos_weight` are constants (no gradient); floating targets are differentiable
inputs, as in PyTorch.
"""
import warnings

import numpy as np

from ..function import Op
from ..tensor import Tensor
from . import activation as act
from .common import as_tensor, broadcasts_to
from .dispatch import call, where

_REDUCTIONS = ("mean", "sum", "none")
_INF = float("inf")


# -- helpers ---------------------------------------------------------------------------------
def _const(arr):
    """A constant (no-grad) Tensor around an ndarray."""
    return Tensor._make(arr, False, None)


def _check_reduction(op, reduction, allowed=_REDUCTIONS):
    if reduction not in allowed:
        raise ValueError(f"{op}: reduction must be one of {', '.join(repr(r) for r in allowed)}; "
                         f"got {reduction!r}.")


def _float_input(op, x, what="input"):
    """`x` as a floating Tensor (TypeError otherwise)."""
    if not isinstance(x, Tensor):
        x = Tensor(x) if isinstance(x, (list, tuple)) else as_tensor(x)
        if x._array.dtype.kind in "iub":
            raise TypeError(f"{op}: {what} must be floating; got dtype {x._array.dtype.name}, expected float32 or float64.")
    if x._array.dtype.kind != "f":
        raise TypeError(f"{op}: {what} must be floating; got dtype {x._array.dtype.name}, expected float32 or float64.")
    return x


def _float_target(op, target, like):
    """A floating target (Tensor kept as is, so it can carry a gradient; arrays cast to like's dtype)."""
    if isinstance(target, Tensor):
        if target._array.dtype.kind != "f":
            raise TypeError(f"{op}: target must be floating; got dtype {target._array.dtype.name}, "
                            f"expected {like._array.dtype.name}.")
        if target._array.dtype != like._array.dtype:
            target = target.astype(like._array.dtype)
        return target
    arr = np.asarray(target)
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"{op}: target must be numeric; got dtype {arr.dtype.name}, expected {like._array.dtype.name}.")
    return _const(arr.astype(like._array.dtype, copy=False))


def _aux_array(op, name, value, like, shape=None):
    """Optional constant (weight, pos_weight) as an ndarray of like's dtype, or None."""
    if value is None:
        return None
    arr = value._array if isinstance(value, Tensor) else np.asarray(value)
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"{op}: {name} must be numeric; got dtype {arr.dtype.name}.")
    arr = arr.astype(like._array.dtype, copy=False)
    if shape is not None and arr.shape != shape:
        raise ValueError(f"{op}: {name} must have shape {shape}; got {arr.shape}.")
    return arr


def _check_broadcast(op, x, y, what="target"):
    """Shape of x and y broadcast together, warning like PyTorch when they differ."""
    xs, ys = x._array.shape, y._array.shape
    if xs == ys:
        return xs
    try:
        shape = np.broadcast_shapes(xs, ys)
    except ValueError:
        raise ValueError(f"{op}: input of shape {xs} and {what} of shape {ys} do not broadcast; "
                         f"expected equal shapes.") from None
    warnings.warn(f"{op}: using a {what} size {ys} that is different to the input size {xs}; they are "
                  f"broadcast to {shape}, which is likely not what you want.", stacklevel=3)
    return shape


def _reduce(elem, reduction, count=None):
    """Reduce the elementwise loss `elem`: 'none', 'sum', or 'mean' (Σ / count, default size)."""
    if reduction == "none":
        return elem
    total = elem.sum(dtype=elem.dtype)
    if reduction == "sum":
        return np.asarray(total)
    n = elem.size if count is None else count
    if not n:  # an empty mean (or all targets ignored) is NaN, as in PyTorch
        return np.asarray(np.nan, dtype=elem.dtype)
    return np.asarray(total / np.asarray(n, dtype=elem.dtype), dtype=elem.dtype)


def _scale(ctx, grad_out):
    """The reduction's adjoint G (an ndarray or a Tensor, as grad_out) broadcasting against ℓ;
    'mean' with nothing counted (all targets ignored) gives a zero gradient, as in PyTorch."""
    if ctx.reduction == "mean":
        return grad_out / np.asarray(ctx.count if ctx.count else _INF, dtype=grad_out.dtype)
    return grad_out


# -- elementwise losses ------------------------------------------------------------------------
def _weighted_g(ctx, grad_out, w):
    """G w: the reduction's adjoint times the constant weight w (None: no weight), of
    grad_out's kind (ndarray or Tensor)."""
    G = _scale(ctx, grad_out)
    return G if w is None else G * w


class MseLoss(Op):
    """Mean squared error ℓ = (X − Y)² (numpy broadcasting of X and Y).

    Args: input X, target Y: floating Tensors of broadcastable (normally equal) shapes; attr
        `reduction`.
    Returns: 0-d Tensor ('mean', 'sum') or ℓ ('none'); dtype of X.
    VJP (dℓ = 2 (X − Y) ⊙ (dX − dY)): X̄ = 2 G ⊙ (X − Y), Ȳ = −X̄.
    """
    name = "mse_loss"
    rule = "X̄ = 2 Ḡ ⊙ (X − Y),  Ȳ = −X̄"
    rule_latex = r"\bar X = 2 \bar G \odot (X - Y),\; \bar Y = -\bar X"

    @staticmethod
    def forward(ctx, x, y, reduction="mean"):
        """The loss value (see the class docstring); saves what the VJP needs."""
        ctx.reduction = reduction
        ctx.save_for_backward(x, y)
        d = x._array - y._array
        ctx.count = d.size
        return _reduce(d * d, reduction)

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints for the output adjoint Ḡ (rule in the class docstring)."""
        x, y = ctx.saved
        need_x, need_y = ctx.needs_input_grad
        gx = (x - y) * (_scale(ctx, grad_out) * 2)
        return (gx if need_x else None), (-gx if need_y else None)


class L1Loss(Op):
    """Mean absolute error ℓ = |X − Y|.

    Args: input X, target Y: floating Tensors of broadcastable shapes; attr `reduction`.
    Returns: 0-d Tensor ('mean', 'sum') or ℓ ('none').
    VJP (dℓ = sign(X − Y) ⊙ (dX − dY); subgradient 0 where X = Y, as PyTorch):
        X̄ = G ⊙ sign(X − Y), Ȳ = −X̄.
    """
    name = "l1_loss"
    rule = "X̄ = Ḡ ⊙ sign(X − Y),  Ȳ = −X̄"
    rule_latex = r"\bar X = \bar G \odot \mathrm{sign}(X - Y),\; \bar Y = -\bar X"

    @staticmethod
    def forward(ctx, x, y, reduction="mean"):
        """The loss value (see the class docstring); saves what the VJP needs."""
        ctx.reduction = reduction
        d = x._array - y._array
        ctx.sign = np.sign(d)
        ctx.count = d.size
        return _reduce(np.abs(d), reduction)

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints for the output adjoint Ḡ (rule in the class docstring)."""
        need_x, need_y = ctx.needs_input_grad
        gx = _scale(ctx, grad_out) * ctx.sign
        return (gx if need_x else None), (-gx if need_y else None)


def _weighted_reduce(ctx, elem, weight, reduction):
    """Reduce w ⊙ ℓ (weight None: ℓ) over all its elements; saves the mean's count on ctx."""
    if weight is not None:
        elem = elem * weight
    ctx.count = elem.size
    return _reduce(elem, reduction)


_EPS_BCE = float(np.float32(1e-12))  # PyTorch's floor for x (1 − x) in the BCE gradient (a C float)


class BinaryCrossEntropy(Op):
    """Binary cross-entropy of probabilities: ℓ = −w [Y max(log X, −100) + (1 − Y) max(log(1 − X), −100)]
    (the logs are clamped at −100 like PyTorch, so X ∈ {0, 1} gives a finite loss).

    Args: input X in [0, 1], target Y (floating, broadcastable); attrs `weight` (array
        broadcast against ℓ, or None) and `reduction`.
    Returns: 0-d Tensor ('mean', 'sum') or ℓ ('none').
    VJP (∂ℓ/∂X = −w (Y / X − (1 − Y) / (1 − X)) = w (X − Y) / (X (1 − X))):
        X̄ = G w (X − Y) / max(X (1 − X), 1e−12)   (PyTorch's floor)
        Ȳ = G w (max(log(1 − X), −100) − max(log X, −100))
    """
    name = "binary_cross_entropy"
    rule = "X̄ = Ḡ w (X − Y) / (X (1 − X)),  Ȳ = Ḡ w (log(1 − X) − log X)"
    rule_latex = r"\bar X = \bar G w \frac{X - Y}{X (1 - X)},\; \bar Y = \bar G w (\log(1 - X) - \log X)"

    @staticmethod
    def forward(ctx, x, y, weight=None, reduction="mean"):
        """The loss value (see the class docstring); saves what the VJP needs."""
        ctx.reduction, ctx.weight = reduction, weight
        ctx.save_for_backward(x, y)
        xd, yd = x._array, y._array
        with np.errstate(divide="ignore"):
            log_x = np.maximum(np.log(xd), -100)
            log_1x = np.maximum(np.log1p(-xd), -100)
        elem = -(yd * log_x + (1 - yd) * log_1x)
        return _weighted_reduce(ctx, elem, weight, reduction)

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints for the output adjoint Ḡ (rule in the class docstring)."""
        x, y = ctx.saved
        need_x, need_y = ctx.needs_input_grad
        G = _weighted_g(ctx, grad_out, ctx.weight)
        gx = gy = None
        if need_x:
            gx = G * (x - y) / np.maximum(x * (1 - x), np.asarray(_EPS_BCE, dtype=x.dtype))
        if need_y:
            xd = np.asarray(x)
            gy = G * (_clamped_log(np.log1p, -x, xd < 1, 0) - _clamped_log(np.log, x, xd > 0, 1))
        return gx, gy


def _clamped_log(log, arg, ok, safe):
    """max(log(arg), −100) where the constant mask `ok` holds, −100 elsewhere (where log(arg)
    is −inf): the argument is replaced by `safe` there, so a recorded log's derivative stays
    finite (PyTorch's clamp of BCE's logs). `log` is np.log or np.log1p (ufuncs: they
    dispatch to tracegrad's ops on Tensors)."""
    return where(ok, np.maximum(log(where(ok, arg, safe)), -100), -100)


def _softplus_neg(x):
    """sp(−x) = log(1 + e^{−x}) = log1p(e^{−|x|}) + max(−x, 0), stable: the public `softplus`
    (no linear threshold) on a Tensor, its values on an ndarray."""
    return call(act.softplus, -x, threshold=_INF)


class BinaryCrossEntropyWithLogits(Op):
    """Sigmoid + binary cross-entropy, fused and stable (finite at logits ±1000):
    ℓ = w [(1 − Y) X + l ⊙ sp(−X)], l = 1 + (pw − 1) Y, sp(−X) = log(1 + e^{−X})
      = log1p(e^{−|X|}) + max(−X, 0)   (equal to −w [pw Y log σ(X) + (1 − Y) log(1 − σ(X))]).

    Args: logits X, target Y (floating, broadcastable); attrs `weight` (broadcast against ℓ),
        `pos_weight` pw (broadcast along the last axis) or None, `reduction`.
    Returns: 0-d Tensor ('mean', 'sum') or ℓ ('none').
    VJP (d sp(−X)/dX = σ(X) − 1):
        X̄ = G w (l ⊙ σ(X) − pw Y)        — without pos_weight: G w (σ(X) − Y)
        Ȳ = G w ((pw − 1) sp(−X) − X)
    """
    name = "binary_cross_entropy_with_logits"
    rule = "X̄ = Ḡ w (σ(X) − Y)  (with pos_weight: Ḡ w (l σ(X) − pw Y))"
    rule_latex = r"\bar X = \bar G w (\sigma(X) - Y)"

    @staticmethod
    def forward(ctx, x, y, weight=None, pos_weight=None, reduction="mean"):
        """The loss value (see the class docstring); saves what the VJP needs."""
        ctx.reduction, ctx.weight, ctx.pos_weight = reduction, weight, pos_weight
        ctx.save_for_backward(x, y)
        xd, yd = x._array, y._array
        sp = _softplus_neg(xd)
        if pos_weight is None:
            elem = (1 - yd) * xd + sp
        else:
            elem = (1 - yd) * xd + (1 + (pos_weight - 1) * yd) * sp
        return _weighted_reduce(ctx, elem, weight, reduction)

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints for the output adjoint Ḡ (rule in the class docstring)."""
        x, y = ctx.saved
        need_x, need_y = ctx.needs_input_grad
        pw = ctx.pos_weight
        G = _weighted_g(ctx, grad_out, ctx.weight)
        gx = gy = None
        if need_x:
            s = call(act.sigmoid, x)
            gx = ((s - y) if pw is None else ((1 + (pw - 1) * y) * s - pw * y)) * G
        if need_y:
            gy = (-x if pw is None else (pw - 1) * _softplus_neg(x) - x) * G
        return gx, gy


class KlDiv(Op):
    """Kullback–Leibler divergence with log-probability input X:
    ℓ = Y (log Y − X) with 0 where Y = 0 (``log_target=False``), or e^Y (Y − X)
    (``log_target=True``, target given as log-probabilities).

    Args: input X, target Y (floating, broadcastable); attrs `reduction` ('mean' over all
        elements, 'batchmean' = sum / X.shape[0], 'sum', 'none') and `log_target`.
    Returns: 0-d Tensor, or ℓ for 'none'.
    VJP: X̄ = −G Y (or −G e^Y);
         Ȳ = G (log Y + 1 − X) where Y > 0, else 0 (or G e^Y (Y − X + 1) with log_target).
    """
    name = "kl_div"
    rule = "X̄ = −Ḡ ⊙ Y,  Ȳ = Ḡ ⊙ (log Y + 1 − X)"
    rule_latex = r"\bar X = -\bar G \odot Y,\; \bar Y = \bar G \odot (\log Y + 1 - X)"

    @staticmethod
    def forward(ctx, x, y, reduction="mean", log_target=False):
        """The loss value (see the class docstring); saves what the VJP needs."""
        ctx.reduction, ctx.log_target = reduction, log_target
        ctx.save_for_backward(x, y)
        xd, yd = x._array, y._array
        if log_target:
            elem = np.exp(yd) * (yd - xd)
        else:
            pos = yd > 0
            with np.errstate(divide="ignore", invalid="ignore"):
                elem = np.where(pos, yd * (np.log(np.where(pos, yd, 1)) - xd), -yd * xd * (~pos))
        if reduction == "batchmean":
            ctx.reduction = "mean"
            ctx.count = xd.shape[0] if xd.ndim else 1
        else:
            ctx.count = elem.size
        return _reduce(elem, ctx.reduction, ctx.count)

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints for the output adjoint Ḡ (rule in the class docstring)."""
        x, y = ctx.saved
        need_x, need_y = ctx.needs_input_grad
        G = _scale(ctx, grad_out)
        if ctx.log_target:
            e = np.exp(y)
            return ((-G * e) if need_x else None), ((G * e * (y - x + 1)) if need_y else None)
        gx = -G * y if need_x else None
        gy = None
        if need_y:
            pos = np.asarray(y) > 0
            gy = G * where(pos, np.log(where(pos, y, 1)) + 1 - x, 0)
        return gx, gy


class HingeLoss(Op):
    """Binary max-margin (hinge) loss ℓ = max(0, margin − Y ⊙ S) for scores S and labels
    Y ∈ {−1, +1}.

    Args: input S, target Y (floating, broadcastable); attrs `margin`, `reduction`.
    Returns: 0-d Tensor ('mean', 'sum') or ℓ ('none').
    VJP (active set A = 1[margin − Y S > 0]; subgradient 0 at the kink):
        S̄ = −G ⊙ A ⊙ Y, Ȳ = −G ⊙ A ⊙ S.
    """
    name = "hinge_loss"
    rule = "S̄ = −Ḡ ⊙ 1[m − Y S > 0] ⊙ Y"
    rule_latex = r"\bar S = -\bar G \odot \mathbb{1}[m - Y S > 0] \odot Y"

    @staticmethod
    def forward(ctx, s, y, margin=1.0, reduction="mean"):
        """The loss value (see the class docstring); saves what the VJP needs."""
        ctx.reduction = reduction
        ctx.save_for_backward(s, y)
        z = margin - y._array * s._array
        ctx.active = z > 0
        ctx.count = z.size
        return _reduce(np.where(ctx.active, z, np.zeros((), z.dtype)), reduction)

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints for the output adjoint Ḡ (rule in the class docstring)."""
        s, y = ctx.saved
        need_s, need_y = ctx.needs_input_grad
        G = _scale(ctx, grad_out) * ctx.active.astype(s.dtype)
        return ((-G * y) if need_s else None), ((-G * s) if need_y else None)


def _check_aux_shape(op, name, arr, x):
    """Raise ValueError unless the constant `arr` broadcasts to x's shape (without growing it)."""
    if arr is None:
        return
    if not broadcasts_to(arr.shape, x._array.shape):
        raise ValueError(f"{op}: {name} of shape {arr.shape} does not broadcast to the input shape "
                         f"{x._array.shape}; expected a broadcastable shape.")


def _pointwise_args(op, input, target, reduction, allowed=_REDUCTIONS):
    x = _float_input(op, input)
    _check_reduction(op, reduction, allowed)
    y = _float_target(op, target, x)
    _check_broadcast(op, x, y)
    return x, y


def _same_shape_args(op, input, target, reduction):
    """Checked (x, y) for the binary cross-entropies: floating input, target of the same shape."""
    x = _float_input(op, input)
    _check_reduction(op, reduction)
    y = _float_target(op, target, x)
    if x._array.shape != y._array.shape:
        raise ValueError(f"{op}: target shape {y._array.shape} differs from the input shape {x._array.shape}; "
                         f"expected equal shapes.")
    return x, y


def mse_loss(input, target, reduction="mean"):
    """Mean squared error ℓ = (input − target)², reduced (see `MseLoss`).

    Args:
        input: floating Tensor (*).
        target: Tensor or ndarray of the same shape (broadcast with a warning otherwise);
            differentiable when a Tensor that requires grad.
        reduction (str): 'mean', 'sum' or 'none'.

    Returns:
        Tensor: 0-d, or the elementwise loss for 'none'; input's dtype.

    Raises:
        TypeError: for a non-floating input. ValueError: for shapes that do not broadcast or a
        bad reduction.
    """
    x, y = _pointwise_args("mse_loss", input, target, reduction)
    return MseLoss.apply(x, y, reduction=reduction)


def l1_loss(input, target, reduction="mean"):
    """Mean absolute error ℓ = |input − target|, reduced (see `L1Loss`).

    Args: input (*) floating; target of the same shape; reduction 'mean', 'sum' or 'none'.

    Returns:
        Tensor: 0-d, or the elementwise loss for 'none'.

    Raises:
        TypeError: for a non-floating input. ValueError: for bad shapes or reduction.
    """
    x, y = _pointwise_args("l1_loss", input, target, reduction)
    return L1Loss.apply(x, y, reduction=reduction)


def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    """Binary cross-entropy of probabilities (see `BinaryCrossEntropy`; logs clamped at −100).

    Args:
        input: probabilities in [0, 1], floating Tensor (*).
        target: values in [0, 1], same shape (differentiable when a Tensor requiring grad).
        weight: optional rescaling weight broadcast against the input (no gradient).
        reduction (str): 'mean', 'sum' or 'none'.

    Returns:
        Tensor: 0-d, or the elementwise loss for 'none'.

    Raises:
        TypeError: for a non-floating input. ValueError: for bad shapes or reduction, or input
        values outside [0, 1].
    """
    op = "binary_cross_entropy"
    x, y = _same_shape_args(op, input, target, reduction)
    xd = x._array
    if xd.size and (xd.min() < 0 or xd.max() > 1):
        raise ValueError(f"{op}: input values must be probabilities in [0, 1]; got values in "
                         f"[{float(xd.min()):.4g}, {float(xd.max()):.4g}]. Hint: use "
                         f"binary_cross_entropy_with_logits on raw scores.")
    w = _aux_array(op, "weight", weight, x)
    _check_aux_shape(op, "weight", w, x)
    return BinaryCrossEntropy.apply(x, y, weight=w, reduction=reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean", pos_weight=None):
    """Sigmoid + binary cross-entropy, fused and numerically stable (see
    `BinaryCrossEntropyWithLogits`).

    Args:
        input: logits, floating Tensor (*).
        target: values in [0, 1], same shape (differentiable when a Tensor requiring grad).
        weight: optional rescaling weight broadcast against the input (no gradient).
        reduction (str): 'mean', 'sum' or 'none'.
        pos_weight: optional weight of positive examples, broadcast along the last axis (e.g.
            one per class), no gradient.

    Returns:
        Tensor: 0-d, or the elementwise loss for 'none'.

    Raises:
        TypeError: for a non-floating input. ValueError: for bad shapes or reduction.
    """
    op = "binary_cross_entropy_with_logits"
    x, y = _same_shape_args(op, input, target, reduction)
    w = _aux_array(op, "weight", weight, x)
    pw = _aux_array(op, "pos_weight", pos_weight, x)
    _check_aux_shape(op, "weight", w, x)
    _check_aux_shape(op, "pos_weight", pw, x)
    return BinaryCrossEntropyWithLogits.apply(x, y, weight=w, pos_weight=pw, reduction=reduction)


def kl_div(input, target, reduction="mean", log_target=False):
    """Kullback–Leibler divergence KL(target ‖ exp(input)) pointwise (see `KlDiv`).

    Args:
        input: log-probabilities, floating Tensor (*).
        target: probabilities (or log-probabilities with `log_target`), same shape.
        reduction (str): 'mean' (over all elements, PyTorch's default), 'batchmean' (sum
            divided by the batch size input.shape[0]: the KL per sample), 'sum' or 'none'.
        log_target (bool): the target holds log-probabilities.

    Returns:
        Tensor: 0-d, or the elementwise terms for 'none'.

    Raises:
        TypeError: for a non-floating input. ValueError: for bad shapes or reduction.
    """
    x, y = _pointwise_args("kl_div", input, target, reduction, _REDUCTIONS + ("batchmean",))
    return KlDiv.apply(x, y, reduction=reduction, log_target=bool(log_target))


def hinge_loss(input, target, margin=1.0, reduction="mean"):
    """Binary hinge loss mean(max(0, margin − target · input)) (see `HingeLoss`).

    Args:
        input: scores, floating Tensor (*).
        target: labels in {−1, +1} (Tensor, ndarray or list; int labels are accepted), same shape.
        margin (float): the margin (default 1.0).
        reduction (str): 'mean', 'sum' or 'none'.

    Returns:
        Tensor: 0-d, or the elementwise loss for 'none'.

    Raises:
        TypeError: for a non-floating input. ValueError: for bad shapes or reduction.
    """
    x, y = _pointwise_args("hinge_loss", input, target, reduction)
    return HingeLoss.apply(x, y, margin=float(margin), reduction=reduction)
