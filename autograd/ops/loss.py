"""Fused loss ops (PyTorch semantics): one `Function` per loss, forward and VJP side by side.

Every loss computes an elementwise (per-sample) loss ℓ and reduces it: ``'none'`` keeps ℓ,
``'sum'`` gives Σ ℓ, ``'mean'`` gives Σ ℓ / D (D = the number of elements, or the sum of the
class weights for `cross_entropy`/`nll_loss` with class-index targets). In the VJPs the
reduction's adjoint is written G: G = Ḡ / D (mean), Ḡ (sum) or Ḡ itself (none).

Each VJP is written once: on ndarrays in a plain backward, on Tensors (recorded) with
``create_graph=True``, so second derivatives come from differentiating that same body
(`dispatch` covers np.where, the public ops and the backward Function `CrossEntropyBackward`).
Softmax, log-softmax, sigmoid and softplus are the public ops' own code, not private copies.

Targets that are class indices (int arrays), class weights and `pos_weight` are constants
(no gradient); floating targets are differentiable inputs, as in PyTorch.
"""
import warnings

import numpy as np

from ..engine import grad
from ..function import Op
from ..tensor import Tensor
from . import elementwise as ew
from . import network as nw
from .common import as_tensor
from .dispatch import apply, call, where

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


def _per_class(G, shape):
    """G of a class-axis loss reshaped to broadcast against the (N, C, d1, …) input: ℓ of
    'none' is (N, d1, …), so G gets a size-1 class axis; a 0-d G broadcasts as it is."""
    return G.reshape((shape[0], 1) + shape[2:]) if G.ndim else G


def _log_softmax(xd):
    """log softmax over the class axis 1 of an ndarray: the public op's values."""
    return call(nw.log_softmax, xd, axis=1)


def _softmax(x):
    """softmax over the class axis 1: the public op (Tensor) or its values (ndarray)."""
    return call(nw.softmax, x, axis=1)


_ROWS = {}  # N → read-only np.arange(N): the row index of the class-axis pick, made once per N


def _rows(n):
    """np.arange(n) (int64, read-only), cached for batch sizes up to 4096."""
    rows = _ROWS.get(n)
    if rows is None:
        rows = np.arange(n)
        if n <= 4096:
            rows.flags.writeable = False
            if len(_ROWS) >= 64:
                _ROWS.clear()
            _ROWS[n] = rows
    return rows


def _gather(a, target):
    """a[i, target[i], …] for a (N, C, …) and target (N, …): the class-axis pick."""
    if a.ndim == 2:
        return a[_rows(a.shape[0]), target]
    return np.take_along_axis(a, target[:, None], axis=1)[:, 0]


def _add_at(a, target, values):
    """a[i, target[i], …] += values[i, …] in place (one target per position: no collisions)."""
    if a.ndim == 2:
        a[_rows(a.shape[0]), target] += values
    else:
        idx = target[:, None]
        values = values[:, None] if np.ndim(values) else values
        np.put_along_axis(a, idx, np.take_along_axis(a, idx, axis=1) + values, axis=1)


def _class_weighted(elem, target, valid, weight):
    """(ℓ ⊙ valid · w_t, D = Σ valid · w_t): the class weights of the targets applied to the
    per-position loss, and the weighted mean's denominator (class-index targets)."""
    if weight is not None:
        w_t = weight[target]
        if valid is not None:
            w_t = w_t * valid
        return elem * w_t, w_t.sum()
    if valid is not None:
        return elem * valid, int(valid.sum())
    return elem, elem.size


def _class_view(shape):
    """Shape (1, C, 1, …) that puts a (C,) vector on axis 1 of an (N, C, d1, …) array."""
    return (1, shape[1]) + (1,) * (len(shape) - 2)


def _q_and_s(shape, dtype, t, target, valid, weight, eps):
    """Cross-entropy's target weights Q (broadcasting against the (N, C, …) logits) and
    s = Σ_c Q_c (N, 1, …): for probability targets `t` (an ndarray or a Tensor, so Q stays
    differentiable in t), Q = w ((1 − ε) t + ε / C); for class indices, the dense constant
    Q = valid ((1 − ε) w_t onehot(t) + (ε / C) w)."""
    C = shape[1]
    wv = weight.reshape(_class_view(shape)) if weight is not None else None
    if t is not None:
        q = t if eps == 0 else t * (1 - eps) + eps / C
        if wv is not None:
            q = q * wv
        return q, q.sum(axis=1, keepdims=True)
    q = np.zeros(shape, dtype=dtype)
    w_t = weight[target] if weight is not None else np.ones(target.shape, dtype=dtype)
    _add_at(q, target, (1 - eps) * w_t)
    s = (1 - eps) * w_t
    if eps:
        q += (eps / C) * (wv if wv is not None else np.ones(_class_view(shape), dtype))
        s = s + (eps / C) * (weight.sum() if weight is not None else C)
    if valid is not None:
        q *= valid[:, None]
        s = s * valid
    return q, s[:, None].astype(dtype, copy=False)


class CrossEntropy(Op):
    """Cross-entropy from logits, fused with log-softmax (class axis 1).

    Args: logits (N, C) or (N, C, d1, …), floating; with class-index targets only logits is a
        Tensor input and attrs `target` (int array (N, d1, …)), `valid` (bool mask of targets
        ≠ ignore_index, or None), `weight` ((C,) or None), `label_smoothing` ε, `reduction`;
        with probability targets, the target (same shape as logits) is a second Tensor input.
    Returns: 0-d Tensor ('mean', 'sum') or ℓ of shape (N, d1, …) ('none'); dtype of logits.

    Forward (per position): log p = log_softmax(x) over the class axis (the public op's
        code: the log-sum-exp trick keeps it finite at logits ±1000).
        Class index t: ℓ = −log p_t, the negative log-likelihood of t under
        p = softmax(x), which is the cross-entropy H(onehot(t), p). In general
        ℓ = −Σ_c Q_c log p_c with the target weights Q:
        class indices t: Q_c = valid · ((1 − ε) w_t 1[c = t] + (ε / C) w_c),
                         'mean' divides by D = Σ valid · w_t (PyTorch's weighted mean);
        probabilities T: Q_c = w_c ((1 − ε) T_c + ε / C), 'mean' divides by D = N·d1·….
    VJP (per position, adjoint G of ℓ; p = softmax(x)):
        d lse = Σ_k p_k dx_k = ⟨p, dx⟩ ⇒ d log p_c = dx_c − ⟨p, dx⟩
        dℓ = −Σ_c Q_c d log p_c = −⟨Q, dx⟩ + s ⟨p, dx⟩ = ⟨s p − Q, dx⟩,  s = Σ_c Q_c
        ⇒ X̄ = G ⊙ (s p − Q)  (the backward op `CrossEntropyBackward`); for one-hot targets
          without weights or smoothing (s = 1): X̄ = G ⊙ (softmax(X) − onehot(t))
        dℓ / dT_c = −(1 − ε) w_c log p_c ⇒ T̄ = −G (1 − ε) w ⊙ log_softmax(X)
          (probability targets; log_softmax is the public op)
    """
    name = "cross_entropy"
    rule = "X̄ = Ḡ ⊙ (softmax(X) − onehot(t))"
    rule_latex = r"\bar X = \bar G \odot (\mathrm{softmax}(X) - \mathrm{onehot}(t))"

    @staticmethod
    def forward(ctx, x, *maybe_target, target=None, valid=None, weight=None, label_smoothing=0.0,
                reduction="mean"):
        """The loss value (see the class docstring); saves what the VJP needs."""
        xd = x._array
        ctx.reduction = reduction
        ctx.eps = eps = label_smoothing
        ctx.weight, ctx.target, ctx.valid = weight, target, valid
        logp = _log_softmax(xd)
        # log p is kept only as an input of `CrossEntropyBackward` (its kernel's softmax is exp(log p))
        ctx.save_for_backward(x, _const(logp), *maybe_target)
        if maybe_target:  # class probabilities
            q, _ = _q_and_s(xd.shape, xd.dtype, maybe_target[0]._array, None, None, weight, eps)
            elem = (q * logp).sum(axis=1)
            np.negative(elem, out=elem)
            ctx.count = elem.size
            return _reduce(elem, reduction)
        elem = _gather(logp, target)                                       # log p_t (a new array)
        np.negative(elem, out=elem)                                        # −log p_t
        if valid is None and weight is None and not eps:
            # the common case (class indices, nothing ignored, no weight or smoothing)
            ctx.count = n = elem.size
            if reduction == "mean" and n:  # `_reduce`'s mean (Σ ℓ / n in ℓ's dtype), fewer round trips
                return np.asarray(np.add.reduce(elem, axis=None) / np.asarray(n, dtype=elem.dtype))
            return _reduce(elem, reduction, n)
        elem, ctx.count = _class_weighted(elem, target, valid, weight)     # −log p_t, weighted
        if eps:
            C = xd.shape[1]
            if weight is not None:
                logp = logp * weight.reshape(_class_view(xd.shape))
            smooth = logp.sum(axis=1)
            np.negative(smooth, out=smooth)                                # −Σ_c w_c log p_c
            if valid is not None:
                smooth = smooth * valid
            elem = (1 - eps) * elem + (eps / C) * smooth
        return _reduce(elem.astype(xd.dtype, copy=False), reduction, ctx.count)

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints for the output adjoint Ḡ (rule in the class docstring)."""
        x, logp, *t = ctx.saved
        need = ctx.needs_input_grad
        G = _per_class(_scale(ctx, grad_out), x.shape)
        gx = apply(CrossEntropyBackward, G, x, logp, *t, target=ctx.target, valid=ctx.valid, weight=ctx.weight,
                   eps=ctx.eps) if need[0] else None
        if not t:
            return (gx,)
        gt = None
        if need[1]:
            gt = (G * -(1 - ctx.eps)) * call(nw.log_softmax, x, axis=1)
            if ctx.weight is not None:
                gt = gt * ctx.weight.reshape(_class_view(x.shape))
        return gx, gt


class CrossEntropyBackward(Op):
    """X̄ = G ⊙ (s softmax(X) − Q): the logits' adjoint of `cross_entropy` (see there for Q
    and s = Σ_c Q_c), as an op of its own so that it can be differentiated again.

    Args: grad G (0-d, or (N, 1, d1, …) for reduction 'none'), logits X (N, C, d1, …),
        L = log_softmax(X) from the forward (a constant: X̄ depends on X through X itself, L
        only spares the kernel a second softmax) and, for probability targets, the target T
        (X's shape). Attrs (class-index targets: Q is a constant): target, valid, weight, eps
        as in `CrossEntropy`.
    Returns: (N, C, d1, …), dtype of X.
    VJP (A = the adjoint of X̄, p = softmax(X); Q and s are linear in T, constant in X and G):
        dX̄ = dG ⊙ (s p − Q) + G s dp + G (ds p − dQ),  dp = p ⊙ (dX − ⟨p, dX⟩)
        ⟨A, dG ⊙ (s p − Q)⟩            ⇒ Ḡ = Σ_c A ⊙ (s p − Q)   (the engine sums the class axis)
        ⟨A, G s p ⊙ (dX − ⟨p, dX⟩)⟩    ⇒ X̄′ = p ⊙ (B − ⟨B, p⟩),  B = G s ⊙ A  (softmax's VJP)
        dQ = (1 − ε) w ⊙ dT, ds = Σ_c dQ_c ⇒ T̄ = (1 − ε) w ⊙ G (⟨A, p⟩ − A)
    """
    name = "cross_entropy_backward"
    rule = "Ḡ = Σ A ⊙ (s p − Q),  X̄ = p ⊙ (B − ⟨B, p⟩), B = G s A"
    rule_latex = (r"\bar G = \textstyle\sum_c A \odot (s p - Q),\; \bar X = p \odot (B - \langle B, p \rangle),"
                  r"\; B = G s A")

    @staticmethod
    def kernel(g, x, logp, *t, target=None, valid=None, weight=None, eps=0.0):
        """X̄ on ndarrays (the forward formula; `dispatch.apply` calls it in a plain backward)."""
        p = np.exp(logp)                                                   # softmax(x), updated in place
        if t or valid is not None or weight is not None or eps:
            q, s = _q_and_s(x.shape, x.dtype, t[0] if t else None, target, valid, weight, eps)
            p *= s
            p -= q
        else:
            _add_at(p, target, -1)                                         # p − onehot(t)
        p *= g
        return p

    @staticmethod
    def forward(ctx, g, x, logp, *t, target=None, valid=None, weight=None, eps=0.0):
        """X̄ (see the class docstring); saves G, X (and T) for the next derivative."""
        ctx.target, ctx.valid, ctx.weight, ctx.eps = target, valid, weight, eps
        ctx.save_for_backward(g, x, *t)
        return CrossEntropyBackward.kernel(g._array, x._array, logp._array, *[v._array for v in t], target=target,
                                           valid=valid, weight=weight, eps=eps)

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints for the output adjoint A = grad_out (rule in the class docstring)."""
        g, x, *t = ctx.saved
        need = ctx.needs_input_grad
        p = _softmax(x)
        q, s = _q_and_s(x.shape, x.dtype, t[0] if t else None, ctx.target, ctx.valid, ctx.weight, ctx.eps)
        gg = grad_out * (p * s - q) if need[0] else None
        gx = None
        if need[1]:
            b = grad_out * (g * s)
            gx = p * (b - (b * p).sum(axis=1, keepdims=True))
        if not t:
            return gg, gx, None
        gt = None
        if need[3]:
            gt = ((grad_out * p).sum(axis=1, keepdims=True) - grad_out) * (g * (1 - ctx.eps))
            if ctx.weight is not None:
                gt = gt * ctx.weight.reshape(_class_view(x.shape))
        return gg, gx, None, gt


class NllLoss(Op):
    """Negative log-likelihood of class indices given log-probabilities (class axis 1).

    Args: log_probs (N, C) or (N, C, d1, …), floating Tensor; attrs `target` (int array
        (N, d1, …)), `valid` (bool mask of targets ≠ ignore_index, or None), `weight` ((C,) or
        None), `reduction`.
    Returns: 0-d Tensor ('mean', 'sum') or ℓ of shape (N, d1, …) ('none').

    Forward: ℓ = −valid · w_t · log_probs[t]; 'mean' divides by D = Σ valid · w_t.
    VJP (dℓ = −valid w_t dX_t = ⟨−Q, dX⟩ with Q_c = valid w_t 1[c = t]):
        X̄ = −G ⊙ Q  (the adjoint scattered to the target class; zero elsewhere).
    """
    name = "nll_loss"
    rule = "X̄ = −Ḡ ⊙ w_t onehot(t)"
    rule_latex = r"\bar X = -\bar G \odot w_t\, \mathrm{onehot}(t)"

    @staticmethod
    def forward(ctx, x, target=None, valid=None, weight=None, reduction="mean"):
        """The loss value (see the class docstring); saves what the VJP needs."""
        xd = x._array
        ctx.target, ctx.valid, ctx.weight, ctx.reduction = target, valid, weight, reduction
        ctx.in_shape = xd.shape
        elem, ctx.count = _class_weighted(-_gather(xd, target), target, valid, weight)
        return _reduce(elem.astype(xd.dtype, copy=False), reduction, ctx.count)

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints for the output adjoint Ḡ (rule in the class docstring)."""
        target, valid, weight = ctx.target, ctx.valid, ctx.weight
        q = np.ones(target.shape, dtype=grad_out.dtype) if weight is None else weight[target]
        if valid is not None:
            q = q * valid
        dense = np.zeros(ctx.in_shape, dtype=grad_out.dtype)
        _add_at(dense, target, -q)                                         # −Q, a constant
        return (dense * _per_class(_scale(ctx, grad_out), ctx.in_shape),)


# -- public functions ------------------------------------------------------------------------
def _index_target(op, target, x):
    """Class-index targets as an int64 array of shape (N, d1, …), checked against x (N, C, …)."""
    t = target._array if isinstance(target, Tensor) else np.asarray(target)
    xs = x._array.shape
    ts = t.shape
    if len(xs) == 2:  # (N, C): targets (N,)
        if len(ts) != 1 or ts[0] != xs[0]:
            raise ValueError(f"{op}: target shape {ts} does not match the input shape {xs}; expected {xs[:1]}.")
    elif ts != xs[:1] + xs[2:]:
        raise ValueError(f"{op}: target shape {ts} does not match the input shape {xs}; "
                         f"expected {xs[:1] + xs[2:]}.")
    return t if t.dtype is _I64 else t.astype(np.int64, copy=False)


_I64, _U64 = np.dtype(np.int64), np.dtype(np.uint64)


def _validity(op, t, C, ignore_index):
    """(valid mask or None, targets with ignored entries replaced by 0); checks the range."""
    valid = None
    if not t.size:
        return valid, t
    if (ignore_index is None or not 0 <= ignore_index < C) and t.view(_U64).max() < C:
        # the common case in one pass: read as unsigned, a negative target is huge, so max < C
        # means 0 <= t < C; and an ignore_index outside [0, C) then matches no target
        return valid, t
    lo, hi = int(t.min()), int(t.max())
    if ignore_index is not None and lo <= ignore_index <= hi:
        hit = t == ignore_index
        valid = ~hit
        t = np.where(valid, t, 0)
        lo, hi = int(t.min()), int(t.max())
    if lo < 0 or hi >= C:
        bad = lo if lo < 0 else hi
        raise ValueError(f"{op}: target {bad} is out of bounds; got {bad}, expected 0 <= target < {C} "
                         f"or ignore_index ({ignore_index}).")
    return valid, t


def _as_batched(op, x, what):
    """Check x is (N, C, …) or (C,); return (x batched, unbatched flag)."""
    if x._array.ndim == 0:
        raise ValueError(f"{op}: {what} must have at least 1 dimension; got shape (), expected (N, C) or (C,).")
    if x._array.ndim == 1:
        return x.reshape((1,) + x._array.shape), True
    return x, False


def _class_args(op, input, target, weight, reduction, label_smoothing=None):
    """Checked (x batched (N, C, …), unbatched flag, C, weight array, target data) for the
    class-axis losses; `label_smoothing` is checked when given."""
    x = _float_input(op, input)
    if reduction not in _REDUCTIONS:
        _check_reduction(op, reduction)
    if label_smoothing is not None and not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{op}: label_smoothing must be in [0, 1]; got {label_smoothing}.")
    shape = x._array.shape
    if len(shape) >= 2:
        unbatched = False
    else:
        x, unbatched = _as_batched(op, x, "input")
        shape = x._array.shape
    C = shape[1]
    w = None if weight is None else _aux_array(op, "weight", weight, x, (C,))
    if target.__class__ is np.ndarray:
        tdata = target
    else:
        tdata = target._array if isinstance(target, Tensor) else np.asarray(target)
    return x, unbatched, C, w, tdata


def _class_indices(op, tdata, x, C, ignore_index, unbatched):
    """(valid mask or None, int64 targets (N, d1, …)) from class-index target data."""
    if unbatched:
        tdata = tdata.reshape((1,) + tdata.shape)
    return _validity(op, _index_target(op, tdata, x), C, ignore_index)


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """Cross-entropy between logits and targets (PyTorch's `cross_entropy`), fused with a
    stable log-softmax over the class axis 1 (see `CrossEntropy`).

    Args:
        input: logits (N, C), (N, C, d1, …) or unbatched (C,); float32/float64 Tensor.
        target: class indices, int (N,), (N, d1, …) or () (Tensor, ndarray or list), values
            in [0, C) or `ignore_index`; or class probabilities, floating, same shape as input
            (differentiable when a Tensor that requires grad).
        weight: optional (C,) rescaling weight per class (Tensor or ndarray; no gradient).
        ignore_index (int): class-index targets equal to it add nothing (and are excluded from
            the mean's denominator).
        reduction (str): 'mean' (weighted mean over non-ignored positions), 'sum' or 'none'.
        label_smoothing (float): ε in [0, 1]: the target becomes (1 − ε)·target + ε/C.

    Returns:
        Tensor: 0-d, or (N, d1, …) for 'none'; input's dtype.

    Raises:
        TypeError: for a non-floating input or a non-numeric target.
        ValueError: for mismatched shapes, out-of-range targets, a bad reduction, weight shape
            or label_smoothing.
    """
    op = "cross_entropy"
    x, unbatched, C, w, tdata = _class_args(op, input, target, weight, reduction, label_smoothing)
    kind = tdata.dtype.kind
    if kind in "iu":  # class indices (checked first: the common case)
        valid, t = _class_indices(op, tdata, x, C, ignore_index, unbatched)
        out = CrossEntropy.apply(x, target=t, valid=valid, weight=w, label_smoothing=float(label_smoothing),
                                 reduction=reduction)
    elif kind == "f":
        t = _float_target(op, target, x)
        if unbatched:
            t = t.reshape((1,) + t._array.shape)
        if t._array.shape != x._array.shape:
            raise ValueError(f"{op}: probability target shape {t._array.shape} does not match the input shape "
                             f"{x._array.shape}; expected equal shapes.")
        out = CrossEntropy.apply(x, t, weight=w, label_smoothing=float(label_smoothing), reduction=reduction)
    else:
        raise TypeError(f"{op}: target must hold class indices (int) or probabilities (float); "
                        f"got dtype {tdata.dtype.name}.")
    if unbatched and reduction == "none":
        out = out.reshape(())
    return out


def cross_entropy_backward(grad_output, input, target, weight=None, ignore_index=-100, reduction="mean",
                           label_smoothing=0.0):
    """The gradient of `cross_entropy` with respect to its logits for the loss adjoint
    `grad_output`: X̄ = G ⊙ (s softmax(X) − Q), the op `CrossEntropyBackward` that
    cross_entropy's VJP applies (double backward of cross_entropy differentiates it).

    Args:
        grad_output: adjoint of the loss: 0-d for 'mean' and 'sum', the loss's shape
            (N, d1, …) for 'none'; floating Tensor (differentiable).
        input, target, weight, ignore_index, reduction, label_smoothing: as `cross_entropy`
            (input and a probability target are differentiable).

    Returns:
        Tensor of input's shape and dtype.

    Raises:
        TypeError, ValueError: as `cross_entropy`; ValueError if grad_output does not have the
            loss's shape.
    """
    x = _float_input("cross_entropy_backward", input)
    if not x.requires_grad:
        x = x.detach().requires_grad_()
    loss = cross_entropy(x, target, weight, ignore_index, reduction, label_smoothing)
    return grad(loss, x, as_tensor(grad_output, x), create_graph=True)[0]


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    """Negative log-likelihood loss of class indices given log-probabilities (PyTorch's
    `nll_loss`; see `NllLoss`). Use with `log_softmax` outputs.

    Args:
        input: log-probabilities (N, C), (N, C, d1, …) or unbatched (C,); floating Tensor.
        target: int class indices (N,), (N, d1, …) or (), in [0, C) or `ignore_index`.
        weight: optional (C,) class weights (no gradient).
        ignore_index (int): targets equal to it add nothing (excluded from the mean).
        reduction (str): 'mean' (weighted), 'sum' or 'none'.

    Returns:
        Tensor: 0-d, or (N, d1, …) for 'none'.

    Raises:
        TypeError: for a non-floating input or non-integer target.
        ValueError: for mismatched shapes, out-of-range targets, a bad reduction or weight.
    """
    op = "nll_loss"
    x, unbatched, C, w, tdata = _class_args(op, input, target, weight, reduction)
    if tdata.dtype.kind not in "iu":
        raise TypeError(f"{op}: target must hold int class indices; got dtype {tdata.dtype.name}, expected int64.")
    valid, t = _class_indices(op, tdata, x, C, ignore_index, unbatched)
    out = NllLoss.apply(x, target=t, valid=valid, weight=w, reduction=reduction)
    if unbatched and reduction == "none":
        out = out.reshape(())
    return out


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
    return call(ew.softplus, -x, threshold=_INF)


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
            s = call(ew.sigmoid, x)
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
    try:
        ok = np.broadcast_shapes(arr.shape, x._array.shape) == x._array.shape
    except ValueError:
        ok = False
    if not ok:
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
