"""Fused loss ops (PyTorch semantics): one `Function` per loss, forward and VJP side by side.

Every loss computes an elementwise (per-sample) loss ℓ and reduces it: ``'none'`` keeps ℓ,
``'sum'`` gives Σ ℓ, ``'mean'`` gives Σ ℓ / D (D = the number of elements, or the sum of the
class weights for `cross_entropy`/`nll_loss` with class-index targets). In the VJPs the
reduction's adjoint is written G: G = Ḡ / D (mean), Ḡ (sum) or Ḡ itself (none).

Each VJP has two forms with the same formula: plain numpy when backward runs without a graph
(the common case: fast), and Tensor ops when ``create_graph=True`` (so double backward works).

Targets that are class indices (int arrays), class weights and `pos_weight` are constants
(no gradient); floating targets are differentiable inputs, as in PyTorch.
"""
import warnings

import numpy as np

from .. import grad_mode
from ..function import Function
from ..tensor import Tensor
from . import elementwise as ew
from .common import as_tensor

_grad = grad_mode._grad
_REDUCTIONS = ("mean", "sum", "none")


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
        if x.data.dtype.kind in "iub":
            raise TypeError(f"{op}: {what} must be floating; got dtype {x.data.dtype.name}, expected float32 or float64.")
    if x.data.dtype.kind != "f":
        raise TypeError(f"{op}: {what} must be floating; got dtype {x.data.dtype.name}, expected float32 or float64.")
    return x


def _float_target(op, target, like):
    """A floating target (Tensor kept as is, so it can carry a gradient; arrays cast to like's dtype)."""
    if isinstance(target, Tensor):
        if target.data.dtype.kind != "f":
            raise TypeError(f"{op}: target must be floating; got dtype {target.data.dtype.name}, "
                            f"expected {like.data.dtype.name}.")
        if target.data.dtype != like.data.dtype:
            target = target.astype(like.data.dtype)
        return target
    arr = np.asarray(target)
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"{op}: target must be numeric; got dtype {arr.dtype.name}, expected {like.data.dtype.name}.")
    return _const(arr.astype(like.data.dtype, copy=False))


def _aux_array(op, name, value, like, shape=None):
    """Optional constant (weight, pos_weight) as an ndarray of like's dtype, or None."""
    if value is None:
        return None
    arr = value.data if isinstance(value, Tensor) else np.asarray(value)
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"{op}: {name} must be numeric; got dtype {arr.dtype.name}.")
    arr = arr.astype(like.data.dtype, copy=False)
    if shape is not None and arr.shape != shape:
        raise ValueError(f"{op}: {name} must have shape {shape}; got {arr.shape}.")
    return arr


def _check_broadcast(op, x, y, what="target"):
    """Shape of x and y broadcast together, warning like PyTorch when they differ."""
    xs, ys = x.data.shape, y.data.shape
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


def _scale_np(ctx, grad_out):
    """The reduction's adjoint G as an ndarray broadcasting against ℓ."""
    g = grad_out.data
    if ctx.reduction == "mean":
        if not ctx.count:  # nothing counted (all targets ignored): zero gradient, as in PyTorch
            return np.zeros_like(g)
        return g / np.asarray(ctx.count, dtype=g.dtype)
    return g


def _scale_t(ctx, grad_out):
    """The reduction's adjoint G as a Tensor (graph path)."""
    if ctx.reduction == "mean":
        count = ctx.count if ctx.count else np.inf  # nothing counted: zero gradient
        return grad_out / _const(np.asarray(count, dtype=grad_out.data.dtype))
    return grad_out


# -- class-probability helpers (class axis 1) -------------------------------------------------
def _log_softmax_np(x):
    """log softmax over axis 1, stable: z = x − max, log p = z − log Σ exp z."""
    z = x - x.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def _softmax_np(x):
    """softmax over axis 1, stable."""
    e = np.exp(x - x.max(axis=1, keepdims=True))
    e /= e.sum(axis=1, keepdims=True)
    return e


def _log_softmax_t(x):
    """log softmax over axis 1 with Tensor ops (graph path). The subtracted max is a
    constant: log softmax does not depend on it, so its gradient is exact."""
    z = x - _const(x.data.max(axis=1, keepdims=True))
    return z - ew.log(ew.exp(z).sum(axis=1, keepdims=True))


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


class CrossEntropy(Function):
    """Cross-entropy from logits, fused with log-softmax (class axis 1).

    Args: logits (N, C) or (N, C, d1, …), floating; with class-index targets only logits is a
        Tensor input and attrs `target` (int array (N, d1, …)), `valid` (bool mask of targets
        ≠ ignore_index, or None), `weight` ((C,) or None), `label_smoothing` ε, `reduction`;
        with probability targets, the target (same shape as logits) is a second Tensor input.
    Returns: 0-d Tensor ('mean', 'sum') or ℓ of shape (N, d1, …) ('none'); dtype of logits.

    Forward (per position; the log-sum-exp trick keeps it finite at logits ±1000):
        m = max_c x_c, z = x − m, lse = log Σ_c exp z_c (= logsumexp(x) − m), log p = z − lse
        (exp z ≤ 1, so nothing overflows; the largest term of the sum is 1, so log never sees 0).
        Class index t: ℓ = −log p_t = lse − z_t, the negative log-likelihood of t under
        p = softmax(x), which is the cross-entropy H(onehot(t), p). In general
        ℓ = −Σ_c Q_c log p_c with the target weights Q:
        class indices t: Q_c = valid · ((1 − ε) w_t 1[c = t] + (ε / C) w_c),
                         'mean' divides by D = Σ valid · w_t (PyTorch's weighted mean);
        probabilities T: Q_c = w_c ((1 − ε) T_c + ε / C), 'mean' divides by D = N·d1·….
    VJP (per position, adjoint G of ℓ; p = softmax(x) = exp(log p)):
        d lse = Σ_k p_k dx_k = ⟨p, dx⟩ ⇒ d log p_c = dx_c − ⟨p, dx⟩
        dℓ = −Σ_c Q_c d log p_c = −⟨Q, dx⟩ + s ⟨p, dx⟩ = ⟨s p − Q, dx⟩,  s = Σ_c Q_c
        ⇒ X̄ = G ⊙ (s p − Q); for one-hot targets without weights or smoothing (s = 1):
          X̄ = G ⊙ (softmax(X) − onehot(t))
        dℓ / dT_c = −(1 − ε) w_c log p_c ⇒ T̄ = −G (1 − ε) w ⊙ log p   (probability targets)
    """
    name = "cross_entropy"
    rule = "X̄ = Ḡ ⊙ (softmax(X) − onehot(t))"
    rule_latex = r"\bar X = \bar G \odot (\mathrm{softmax}(X) - \mathrm{onehot}(t))"

    @staticmethod
    def forward(ctx, x, *maybe_target, target=None, valid=None, weight=None, label_smoothing=0.0,
                reduction="mean"):
        """The loss value (see the class docstring); saves what the VJP needs."""
        xd = x.data
        ctx.reduction = reduction
        ctx.eps = eps = label_smoothing
        ctx.weight = weight
        z = np.subtract(xd, xd.max(axis=1, keepdims=True))
        if not maybe_target and valid is None and weight is None and not eps:
            # the common case (class indices, nothing ignored, no weight or smoothing): ℓ = lse − z_t;
            # exp(z) and its sum are kept: the VJP's softmax is e / Σe (no second exp pass)
            ctx.target = target
            ctx.valid = None
            z_t = _gather(z, target)
            e = np.exp(z, out=z)                                           # z is reused as exp(z)
            s = e.sum(axis=1, keepdims=True)
            ctx.save_for_backward(x, _const(e), _const(s))
            elem = np.log(s[:, 0])
            elem -= z_t
            ctx.count = n = elem.size
            if reduction == "mean" and n:  # `_reduce`'s mean (Σ ℓ / n in ℓ's dtype), fewer round trips
                return np.asarray(np.add.reduce(elem, axis=None) / np.asarray(n, dtype=elem.dtype))
            return _reduce(elem, reduction, n)
        C = xd.shape[1]
        if maybe_target:  # class probabilities
            lse = np.log(np.exp(z).sum(axis=1, keepdims=True))
            t = maybe_target[0]
            ctx.save_for_backward(x, t)
            q = t.data if eps == 0 else t.data * (1 - eps) + eps / C
            if weight is not None:
                q = q * weight.reshape(_class_view(xd.shape))
            elem = (q * (lse - z)).sum(axis=1)
            ctx.count = elem.size
            return _reduce(elem, reduction)
        ctx.save_for_backward(x)
        ctx.target = target
        ctx.valid = valid
        z_t = _gather(z, target)
        if eps:
            if weight is None:
                z_sum = z.sum(axis=1)
            else:
                z_sum = (z * weight.reshape(_class_view(xd.shape))).sum(axis=1)
        lse = np.log(np.exp(z, out=z).sum(axis=1))                         # z is reused as exp(z)
        elem, ctx.count = _class_weighted(lse - z_t, target, valid, weight)  # −log p_t, weighted
        if eps:
            if weight is None:
                smooth = C * lse - z_sum                                   # −Σ_c log p_c
            else:
                smooth = lse * weight.sum() - z_sum                        # −Σ_c w_c log p_c
            if valid is not None:
                smooth = smooth * valid
            elem = (1 - eps) * elem + (eps / C) * smooth
        return _reduce(elem.astype(xd.dtype, copy=False), reduction, ctx.count)

    @staticmethod
    def _q_index(ctx, shape, dtype):
        """Dense Q and s = Σ_c Q (class-index targets) as arrays of `shape` / (N, 1, …)."""
        C = shape[1]
        eps, weight, valid, target = ctx.eps, ctx.weight, ctx.valid, ctx.target
        q = np.zeros(shape, dtype=dtype)
        w_t = weight[target] if weight is not None else np.ones(target.shape, dtype=dtype)
        _add_at(q, target, (1 - eps) * w_t)
        s = (1 - eps) * w_t
        if eps:
            wv = weight.reshape(_class_view(shape)) if weight is not None else np.ones(_class_view(shape), dtype)
            q += (eps / C) * wv
            s = s + (eps / C) * (weight.sum() if weight is not None else C)
        if valid is not None:
            q *= valid[:, None]
            s = s * valid
        return q, s[:, None].astype(dtype, copy=False)

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints for the output adjoint Ḡ (rule in the class docstring)."""
        saved = ctx.saved_tensors
        x = saved[0]
        prob = len(ctx.needs_input_grad) == 2  # the probability target is a second input
        if len(saved) == 3 and not _grad.enabled:
            # the common case (class indices, nothing ignored, no weight or smoothing), numpy
            # path, with exp(z) and Σ exp(z) from the forward
            if not ctx.needs_input_grad[0]:
                return (None,)
            G = _scale_np(ctx, grad_out)
            e, s = saved[1].data, saved[2].data
            none = ctx.reduction == "none"
            p = e * ((G[:, None] if none else G) / s)                    # G ⊙ softmax(x)
            if none:
                _add_at(p, ctx.target, -G)                               # − G ⊙ onehot(t)
            elif e.ndim == 2:
                p[_rows(e.shape[0]), ctx.target] -= G                    # (a − G = a + (−G) exactly)
            else:
                _add_at(p, ctx.target, -G)
            return (_const(p),)
        need_x = ctx.needs_input_grad[0]
        need_t = prob and ctx.needs_input_grad[1]
        shape, dtype = x.data.shape, x.data.dtype
        C = shape[1]
        eps = ctx.eps
        wv = ctx.weight.reshape(_class_view(shape)) if ctx.weight is not None else None
        if not _grad.enabled:  # numpy path
            G = _scale_np(ctx, grad_out)
            if ctx.reduction == "none":
                G = G[:, None]
            gx = gt = None
            if prob:
                t = saved[1].data
                if need_x:
                    q = t if eps == 0 else t * (1 - eps) + eps / C
                    if wv is not None:
                        q = q * wv
                    gx = (_softmax_np(x.data) * q.sum(axis=1, keepdims=True) - q) * G
                if need_t:
                    gt = _log_softmax_np(x.data) * (-(1 - eps) * G)
                    if wv is not None:
                        gt = gt * wv
                return _const(gx) if gx is not None else None, _const(gt) if gt is not None else None
            if not need_x:
                return (None,)
            xd = x.data
            p = np.subtract(xd, xd.max(axis=1, keepdims=True))
            np.exp(p, out=p)
            p /= p.sum(axis=1, keepdims=True)
            q, s = CrossEntropy._q_index(ctx, shape, dtype)
            p *= s
            p -= q
            p *= G
            return (_const(p),)
        # graph path (create_graph=True)
        G = _scale_t(ctx, grad_out)
        if ctx.reduction == "none":
            G = G.reshape((shape[0], 1) + shape[2:])
        logp = _log_softmax_t(x)
        p = ew.exp(logp)
        if prob:
            t = saved[1]
            q = t if eps == 0 else t * (1 - eps) + eps / C
            if wv is not None:
                q = q * _const(wv)
            gx = (p * q.sum(axis=1, keepdims=True) - q) * G if need_x else None
            gt = None
            if need_t:
                gt = logp * G * (-(1 - eps))
                if wv is not None:
                    gt = gt * _const(wv)
            return gx, gt
        if not need_x:
            return (None,)
        q, s = CrossEntropy._q_index(ctx, shape, dtype)
        return ((p * _const(s) - _const(q)) * G,)


class NllLoss(Function):
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
        xd = x.data
        ctx.target, ctx.valid, ctx.weight, ctx.reduction = target, valid, weight, reduction
        ctx.in_shape = xd.shape
        elem, ctx.count = _class_weighted(-_gather(xd, target), target, valid, weight)
        return _reduce(elem.astype(xd.dtype, copy=False), reduction, ctx.count)

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints for the output adjoint Ḡ (rule in the class docstring)."""
        dtype = grad_out.data.dtype
        target, valid, weight = ctx.target, ctx.valid, ctx.weight
        q = np.ones(target.shape, dtype=dtype) if weight is None else weight[target]
        if valid is not None:
            q = q * valid
        dense = np.zeros(ctx.in_shape, dtype=dtype)
        _add_at(dense, target, -q)
        if not _grad.enabled:
            G = _scale_np(ctx, grad_out)
            return (_const(dense * (G[:, None] if ctx.reduction == "none" else G)),)
        G = _scale_t(ctx, grad_out)
        if ctx.reduction == "none":
            G = G.reshape((ctx.in_shape[0], 1) + ctx.in_shape[2:])
        return (_const(dense) * G,)


# -- public functions ------------------------------------------------------------------------
def _index_target(op, target, x):
    """Class-index targets as an int64 array of shape (N, d1, …), checked against x (N, C, …)."""
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    xs = x.data.shape
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
    if x.data.ndim == 0:
        raise ValueError(f"{op}: {what} must have at least 1 dimension; got shape (), expected (N, C) or (C,).")
    if x.data.ndim == 1:
        return x.reshape((1,) + x.data.shape), True
    return x, False


def _class_args(op, input, target, weight, reduction, label_smoothing=None):
    """Checked (x batched (N, C, …), unbatched flag, C, weight array, target data) for the
    class-axis losses; `label_smoothing` is checked when given."""
    x = _float_input(op, input)
    if reduction not in _REDUCTIONS:
        _check_reduction(op, reduction)
    if label_smoothing is not None and not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{op}: label_smoothing must be in [0, 1]; got {label_smoothing}.")
    shape = x.data.shape
    if len(shape) >= 2:
        unbatched = False
    else:
        x, unbatched = _as_batched(op, x, "input")
        shape = x.data.shape
    C = shape[1]
    w = None if weight is None else _aux_array(op, "weight", weight, x, (C,))
    if target.__class__ is np.ndarray:
        tdata = target
    else:
        tdata = target.data if isinstance(target, Tensor) else np.asarray(target)
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
            t = t.reshape((1,) + t.data.shape)
        if t.data.shape != x.data.shape:
            raise ValueError(f"{op}: probability target shape {t.data.shape} does not match the input shape "
                             f"{x.data.shape}; expected equal shapes.")
        out = CrossEntropy.apply(x, t, weight=w, label_smoothing=float(label_smoothing), reduction=reduction)
    else:
        raise TypeError(f"{op}: target must hold class indices (int) or probabilities (float); "
                        f"got dtype {tdata.dtype.name}.")
    if unbatched and reduction == "none":
        out = out.reshape(())
    return out


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
    """G w: the reduction's adjoint times the constant weight w (None: no weight), an ndarray
    without a graph and a Tensor when ``create_graph=True``."""
    if not _grad.enabled:
        G = _scale_np(ctx, grad_out)
        return G if w is None else G * w
    G = _scale_t(ctx, grad_out)
    return G if w is None else G * _const(w)


class MseLoss(Function):
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
        d = x.data - y.data
        ctx.count = d.size
        return _reduce(d * d, reduction)

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints for the output adjoint Ḡ (rule in the class docstring)."""
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        if not _grad.enabled:
            gx = (x.data - y.data) * (2 * _scale_np(ctx, grad_out))
            return (_const(gx) if need_x else None), (_const(-gx) if need_y else None)
        gx = (x - y) * (_scale_t(ctx, grad_out) * 2)
        return (gx if need_x else None), (-gx if need_y else None)


class L1Loss(Function):
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
        d = x.data - y.data
        ctx.sign = np.sign(d)
        ctx.count = d.size
        return _reduce(np.abs(d), reduction)

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints for the output adjoint Ḡ (rule in the class docstring)."""
        need_x, need_y = ctx.needs_input_grad
        if not _grad.enabled:
            gx = ctx.sign * _scale_np(ctx, grad_out)
            return (_const(gx) if need_x else None), (_const(-gx) if need_y else None)
        gx = _scale_t(ctx, grad_out) * _const(ctx.sign)
        return (gx if need_x else None), (-gx if need_y else None)


def _weighted_reduce(ctx, elem, weight, reduction):
    """Reduce w ⊙ ℓ (weight None: ℓ) over all its elements; saves the mean's count on ctx."""
    if weight is not None:
        elem = elem * weight
    ctx.count = elem.size
    return _reduce(elem, reduction)


_EPS_BCE = float(np.float32(1e-12))  # PyTorch's floor for x (1 − x) in the BCE gradient (a C float)


class BinaryCrossEntropy(Function):
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
        xd, yd = x.data, y.data
        with np.errstate(divide="ignore"):
            log_x = np.maximum(np.log(xd), -100)
            log_1x = np.maximum(np.log1p(-xd), -100)
        elem = -(yd * log_x + (1 - yd) * log_1x)
        return _weighted_reduce(ctx, elem, weight, reduction)

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints for the output adjoint Ḡ (rule in the class docstring)."""
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        w = ctx.weight
        eps = np.asarray(_EPS_BCE, dtype=x.data.dtype)
        G = _weighted_g(ctx, grad_out, w)
        gx = gy = None
        if not _grad.enabled:
            xd, yd = x.data, y.data
            if need_x:
                gx = _const(G * (xd - yd) / np.maximum(xd * (1 - xd), eps))
            if need_y:
                with np.errstate(divide="ignore"):
                    gy = _const(G * (np.maximum(np.log1p(-xd), -100) - np.maximum(np.log(xd), -100)))
            return gx, gy
        if need_x:
            den = x * (1 - x)
            gx = G * (x - y) / ew.where(den.data > eps, den, eps)
        if need_y:
            xd = x.data
            log_x = ew.where(xd > np.exp(-100.0), ew.log(ew.where(xd > 0, x, 1.0)), -100.0)
            one_m = 1 - x
            log_1x = ew.where(one_m.data > np.exp(-100.0), ew.log(ew.where(one_m.data > 0, one_m, 1.0)), -100.0)
            gy = G * (log_1x - log_x)
        return gx, gy


def _softplus_neg_np(x):
    """log(1 + exp(−x)), stable: log1p(exp(−|x|)) + max(−x, 0)."""
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0)


def _sigmoid_np(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1, e) / (1 + e)


def _abs_t(x):
    return ew.where(x.data >= 0, x, -x)


def _softplus_neg_t(x):
    """log(1 + exp(−x)) with Tensor ops (graph path), stable."""
    return ew.log(1 + ew.exp(-_abs_t(x))) + ew.where(x.data < 0, -x, 0.0)


def _sigmoid_t(x):
    e = ew.exp(-_abs_t(x))
    return ew.where(x.data >= 0, _const(np.ones((), x.data.dtype)), e) / (1 + e)


class BinaryCrossEntropyWithLogits(Function):
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
        xd, yd = x.data, y.data
        sp = _softplus_neg_np(xd)
        if pos_weight is None:
            elem = (1 - yd) * xd + sp
        else:
            elem = (1 - yd) * xd + (1 + (pos_weight - 1) * yd) * sp
        return _weighted_reduce(ctx, elem, weight, reduction)

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints for the output adjoint Ḡ (rule in the class docstring)."""
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        w, pw = ctx.weight, ctx.pos_weight
        G = _weighted_g(ctx, grad_out, w)
        gx = gy = None
        if not _grad.enabled:
            xd, yd = x.data, y.data
            if need_x:
                s = _sigmoid_np(xd)
                gx = (s - yd) if pw is None else ((1 + (pw - 1) * yd) * s - pw * yd)
                gx = _const(gx * G)
            if need_y:
                gy = -xd if pw is None else (pw - 1) * _softplus_neg_np(xd) - xd
                gy = _const(gy * G)
            return gx, gy
        if need_x:
            s = _sigmoid_t(x)
            if pw is None:
                gx = (s - y) * G
            else:
                pwt = _const(pw)
                gx = ((1 + (pwt - 1) * y) * s - pwt * y) * G
        if need_y:
            gy = -x if pw is None else _softplus_neg_t(x) * _const(pw - 1) - x
            gy = gy * G
        return gx, gy


class KlDiv(Function):
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
        xd, yd = x.data, y.data
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
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        yd = y.data
        if not _grad.enabled:
            G = _scale_np(ctx, grad_out)
            gx = gy = None
            if ctx.log_target:
                e = np.exp(yd)
                if need_x:
                    gx = _const(-G * e)
                if need_y:
                    gy = _const(G * e * (yd - x.data + 1))
            else:
                if need_x:
                    gx = _const(-G * yd)
                if need_y:
                    pos = yd > 0
                    gy = _const(G * np.where(pos, np.log(np.where(pos, yd, 1)) + 1 - x.data, 0))
            return gx, gy
        G = _scale_t(ctx, grad_out)
        if ctx.log_target:
            e = ew.exp(y)
            return ((-G * e) if need_x else None), ((G * e * (y - x + 1)) if need_y else None)
        gx = -G * y if need_x else None
        gy = None
        if need_y:
            pos = yd > 0
            gy = G * ew.where(pos, ew.log(ew.where(pos, y, 1.0)) + 1 - x, 0.0)
        return gx, gy


class HingeLoss(Function):
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
        z = margin - y.data * s.data
        ctx.active = z > 0
        ctx.count = z.size
        return _reduce(np.where(ctx.active, z, np.zeros((), z.dtype)), reduction)

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints for the output adjoint Ḡ (rule in the class docstring)."""
        s, y = ctx.saved_tensors
        need_s, need_y = ctx.needs_input_grad
        act = ctx.active.astype(s.data.dtype)
        if not _grad.enabled:
            G = _scale_np(ctx, grad_out) * act
            return ((_const(-G * y.data) if need_s else None), (_const(-G * s.data) if need_y else None))
        G = _scale_t(ctx, grad_out) * _const(act)
        return ((-G * y) if need_s else None), ((-G * s) if need_y else None)


def _check_aux_shape(op, name, arr, x):
    """Raise ValueError unless the constant `arr` broadcasts to x's shape (without growing it)."""
    if arr is None:
        return
    try:
        ok = np.broadcast_shapes(arr.shape, x.data.shape) == x.data.shape
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"{op}: {name} of shape {arr.shape} does not broadcast to the input shape "
                         f"{x.data.shape}; expected a broadcastable shape.")


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
    if x.data.shape != y.data.shape:
        raise ValueError(f"{op}: target shape {y.data.shape} differs from the input shape {x.data.shape}; "
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
    xd = x.data
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
