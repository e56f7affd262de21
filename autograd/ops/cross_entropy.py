"""Losses over a class axis (PyTorch semantics): `cross_entropy` from logits, fused with
log-softmax, its logits' adjoint as the op `cross_entropy_backward`, and `nll_loss` from
log-probabilities; one `Function` per op with its forward and VJP side by side. The reduction
they share with the elementwise losses, and the argument checks, are in `loss`.

The input is (N, C) or (N, C, d1, …) with the classes on axis 1 (or unbatched (C,)). Targets
are class indices (int, (N, d1, …)) or, for `cross_entropy`, class probabilities of the input's
shape. ``'mean'`` divides by D = the sum of the class weights of the non-ignored targets
(class indices) or the number of positions (probabilities); G is the reduction's adjoint, as
in `loss`.

Each VJP is written once: on ndarrays in a plain backward, on Tensors (recorded) with
``create_graph=True``, so second derivatives come from differentiating that same body
(`dispatch` covers the public ops and the backward Function `CrossEntropyBackward`). Softmax
and log-softmax are the public ops' own code, not private copies.

Class-index targets and class weights are constants (no gradient); probability targets are
differentiable inputs, as in PyTorch.
"""
import numpy as np

from ..engine import grad
from ..function import Op
from ..tensor import Tensor
from . import network as nw
from .common import as_tensor
from .dispatch import apply, call
from .loss import _REDUCTIONS, _aux_array, _check_reduction, _const, _float_input, _float_target, _reduce, _scale


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
