"""Network layers as single ops: embedding (with its adjoint embedding_dense_backward),
dropout (inverted or classic) and a fused batch normalization with the closed-form VJP.
"""
import numpy as np

from ..creation import get_rng
from ..function import Function
from ..grad_mode import _grad
from ..tensor import Tensor
from .common import as_tensor


# -- embedding -----------------------------------------------------------------------------
class Embedding(Function):
    """Y = W[I]: the rows of the table W at integer indices I (a gather).

    Args: weight W (num_embeddings, D) floating. Attrs: indices I (any shape, int64 in
        [0, num_embeddings)), padding_idx (int or None), zero_padding (bool: give zero rows
        where I == padding_idx; used only by the VJP of embedding_dense_backward).
    Returns: I.shape + (D,), dtype of W.
    VJP: Y = S W with S the one-hot (|I|, num_embeddings) selection matrix;
        tr(Ḡᵀ S dW) = tr((Sᵀ Ḡ)ᵀ dW) ⇒ W̄ = Sᵀ Ḡ = scatter_add(Ḡ, I) (embedding_dense_backward):
        rows picked several times receive the sum of their gradients; the padding_idx row
        receives none (as in PyTorch).
    """
    name = "embedding"
    rule = "W̄ = Sᵀ Ḡ  (scatter-add of Ḡ rows at I)"
    rule_latex = r"\bar W = S^\top \bar G"

    @staticmethod
    def forward(ctx, weight, *, indices, padding_idx=None, zero_padding=False):
        """Compute the op on the inputs' ndarrays (see the class docstring); returns an ndarray."""
        ctx.indices = indices
        ctx.padding_idx = padding_idx
        ctx.num_weights = weight.data.shape[0]
        out = weight.data[indices]
        if zero_padding and padding_idx is not None:
            out[indices == padding_idx] = 0
        return out

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints for the output adjoint `grad_out`, by the rule in the class docstring."""
        return (EmbeddingDenseBackward.apply(grad_out, indices=ctx.indices, num_weights=ctx.num_weights,
                                             padding_idx=ctx.padding_idx),)


class EmbeddingDenseBackward(Function):
    """W̄ = Sᵀ G: scatter-add the rows of G (I.shape + (D,)) into a (num_weights, D) zero table
    at the integer indices I, with the padding_idx row left at zero.

    Args: grad_output G (I.shape + (D,)) floating. Attrs: indices I, num_weights, padding_idx.
    Returns: (num_weights, D), dtype of G.
    VJP: W̄ = P Sᵀ G is linear in G (P zeroes the padding row); ⟨Ā, P Sᵀ dG⟩ = ⟨S P Ā, dG⟩
        ⇒ Ḡ = (P Ā)[I] = embedding(I, Ā) with zero rows where I == padding_idx.
    """
    name = "embedding_dense_backward"
    rule = "Ḡ = (P Ā)[I]"
    rule_latex = r"\bar G = (P \bar A)[I]"

    @staticmethod
    def forward(ctx, grad_output, *, indices, num_weights, padding_idx=None):
        """Compute the op on the inputs' ndarrays (see the class docstring); returns an ndarray."""
        ctx.indices = indices
        ctx.padding_idx = padding_idx
        g = grad_output.data
        d = g.shape[-1]
        out = np.zeros((num_weights, d), dtype=g.dtype)
        np.add.at(out, indices.reshape(-1), g.reshape(-1, d))
        if padding_idx is not None:
            out[padding_idx] = 0
        return out

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints for the output adjoint `grad_out`, by the rule in the class docstring."""
        return (Embedding.apply(grad_out, indices=ctx.indices, padding_idx=ctx.padding_idx, zero_padding=True),)


def _indices(op, indices, num):
    idx = indices.data if isinstance(indices, Tensor) else np.asarray(indices)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{op}: indices must be an integer Tensor or ndarray; got dtype {idx.dtype.name}, "
                        f"expected int64.")
    if idx.size and (idx.min() < 0 or idx.max() >= num):
        raise ValueError(f"{op}: indices must lie in [0, num_embeddings); got values in [{idx.min()}, {idx.max()}], "
                         f"expected [0, {num}).")
    return idx


def _padding_idx(op, padding_idx, num):
    if padding_idx is None:
        return None
    if not -num <= padding_idx < num:
        raise ValueError(f"{op}: padding_idx must be within num_embeddings; got {padding_idx}, expected "
                         f"-{num} <= padding_idx < {num}.")
    return int(padding_idx) % num


def embedding(indices, weight, padding_idx=None):
    """Look up rows of an embedding table (PyTorch's `embedding`, argument order included).

    Args:
        indices (Tensor or ndarray): integer indices of any shape, each in [0, num_embeddings).
        weight (Tensor): (num_embeddings, D), floating.
        padding_idx (int or None): a row that receives no gradient (negative counts from the end).

    Returns:
        Tensor of shape indices.shape + (D,), dtype of weight.

    Raises:
        TypeError: if indices are not integers or weight is not floating.
        ValueError: if weight is not 2-D, an index is out of range or padding_idx is.

    VJP: scatter-add of the output gradient rows into the table (see `Embedding`).
    """
    op = "embedding"
    weight = as_tensor(weight)
    if weight.data.ndim != 2:
        raise ValueError(f"{op}: weight must be 2-D (num_embeddings, D); got shape {weight.data.shape}, "
                         f"expected 2 dims.")
    if weight.data.dtype.kind != "f":
        raise TypeError(f"{op}: weight must be floating; got dtype {weight.data.dtype.name}.")
    num = weight.data.shape[0]
    idx = _indices(op, indices, num)
    return Embedding.apply(weight, indices=idx, padding_idx=_padding_idx(op, padding_idx, num))


def embedding_dense_backward(grad_output, indices, num_weights, padding_idx=None):
    """Gradient of `embedding` with respect to its table (PyTorch's aten op of that name).

    Args:
        grad_output (Tensor): indices.shape + (D,), floating.
        indices (Tensor or ndarray): integer indices, each in [0, num_weights).
        num_weights (int): number of rows of the table.
        padding_idx (int or None): row left at zero.

    Returns:
        Tensor (num_weights, D): Σ of the grad_output rows that picked each table row.

    Raises:
        TypeError: if indices are not integers.
        ValueError: if grad_output.shape != indices.shape + (D,) or an index is out of range.
    """
    op = "embedding_dense_backward"
    grad_output = as_tensor(grad_output)
    idx = _indices(op, indices, int(num_weights))
    if grad_output.data.shape[:-1] != idx.shape:
        raise ValueError(f"{op}: grad_output must have shape indices.shape + (D,); got {grad_output.data.shape} "
                         f"for indices {idx.shape}.")
    return EmbeddingDenseBackward.apply(grad_output, indices=idx, num_weights=int(num_weights),
                                        padding_idx=_padding_idx(op, padding_idx, int(num_weights)))


# -- dropout -------------------------------------------------------------------------------
class Dropout(Function):
    """Y = X ⊙ M with a fixed multiplier M (a random keep-mask times a scale, or a scalar).

    Args: x floating. Attrs: mask (ndarray of x's dtype broadcastable to x: 0 for dropped
        units, 1/(1 − p) (inverted) or 1 (classic) for kept ones; or the scalar 1 − p for the
        classic form at eval time).
    Returns: Tensor of x's shape and dtype.
    VJP: dY = M ⊙ dX ⇒ X̄ = Ḡ ⊙ M (the same mask: dropped units get no gradient).
    """
    name = "dropout"
    rule = "X̄ = Ḡ ⊙ M"
    rule_latex = r"\bar X = \bar G \odot M"

    @staticmethod
    def forward(ctx, x, *, mask):
        """Compute the op on the inputs' ndarrays (see the class docstring); returns an ndarray."""
        ctx.mask = mask
        return x.data * mask

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints for the output adjoint `grad_out`, by the rule in the class docstring."""
        return (grad_out * ctx.mask,)


def dropout(x, p=0.5, training=True, inverted=True):
    """Randomly zero entries of x with probability p (Srivastava et al., JMLR 2014).

    Args:
        x (Tensor): any shape, floating.
        p (float): probability in [0, 1] that an entry is zeroed.
        training (bool): draw a mask (True) or act as at test time (False).
        inverted (bool): True (default, PyTorch's): kept entries are scaled by 1/(1 − p) at
            training time and eval is the identity; False (classic): no scaling at training
            time, and eval multiplies by (1 − p). Either way E[train output] = eval output.

    Returns:
        Tensor of x's shape and dtype (x itself for the identity cases: eval with
        inverted=True, or p = 0 at eval).

    Raises:
        ValueError: if p is outside [0, 1].
        TypeError: if p is not a number or x is not floating.

    The mask comes from the global generator (`autograd.manual_seed`); p = 1 gives zeros.
    """
    op = "dropout"
    x = as_tensor(x)
    if isinstance(p, bool) or not isinstance(p, (int, float, np.floating, np.integer)):
        raise TypeError(f"{op}: p must be a number; got {type(p).__name__}, expected a float in [0, 1].")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}: p must be a probability in [0, 1]; got {p!r}, expected 0 <= p <= 1.")
    dt = x.data.dtype
    if dt.kind != "f":
        raise TypeError(f"{op}: x must be floating; got dtype {dt.name}, expected float32 or float64.")
    p = float(p)
    if not training:
        if inverted or p == 0.0:
            return x
        return Dropout.apply(x, mask=np.asarray(1.0 - p, dtype=dt))
    if p == 1.0:
        mask = np.zeros(x.data.shape, dtype=dt)
    else:
        mask = (get_rng().random(x.data.shape, dtype=np.float32 if dt == np.float32 else np.float64) >= p).astype(dt)
        if inverted and p > 0.0:
            mask *= np.asarray(1.0 / (1.0 - p), dtype=dt)
    return Dropout.apply(x, mask=mask)


# -- batch normalization -------------------------------------------------------------------
class BatchNorm(Function):
    """Y = γ ⊙ X̂ + β with X̂ = (X − μ) ⊘ σ per channel, from batch statistics
    (μ = mean, σ² = biased variance + eps over every axis but the channel axis 1).

    Args: x (N, C, *) floating; optional weight γ (C,) and bias β (C,). Attrs: eps; mean,
        invstd (C,) the batch statistics 1/σ the public function computed (non-tensor facts);
        has_weight, has_bias.
    Returns: Tensor of x's shape and dtype.
    VJP (M = number of entries per channel, sums over the non-channel axes):
        dX̂ = (dX − dμ)/σ − X̂ dσ/σ, dμ = (1/M) Σ dX, dσ = (1/M) Σ X̂ ⊙ dX
        ⟨Ḡ ⊙ γ, dX̂⟩ summed ⇒ X̄ = (1/M) (γ/σ) (M Ḡ − Σ Ḡ − X̂ Σ(Ḡ ⊙ X̂)),
        γ̄ = Σ Ḡ ⊙ X̂,  β̄ = Σ Ḡ.
        Without create_graph this runs in numpy from the saved x and μ, 1/σ; with it, μ and
        σ are recomputed from x with Tensor ops so higher derivatives are exact.
    Reference: Ioffe & Szegedy, arXiv:1502.03167.
    """
    name = "batch_norm"
    rule = "X̄ = γ/(M σ) ⊙ (M Ḡ − ΣḠ − X̂ ⊙ Σ(Ḡ⊙X̂)),  γ̄ = Σ Ḡ⊙X̂,  β̄ = Σ Ḡ  (M entries per channel)"
    rule_latex = (r"\bar X = \tfrac{\gamma}{M \sigma}\big(M \bar G - \textstyle\sum \bar G - \hat X \sum \bar G \odot "
                  r"\hat X\big),\; \bar\gamma = \textstyle\sum \bar G \odot \hat X,\; \bar\beta = \sum \bar G")

    @staticmethod
    def forward(ctx, x, *params, eps, mean, invstd, has_weight, has_bias, centered=None):
        """Compute the op on the inputs' ndarrays (see the class docstring); returns an ndarray."""
        xd = x.data
        shape = (1, -1) + (1,) * (xd.ndim - 2)
        ctx.eps, ctx.mean, ctx.invstd = eps, mean, invstd
        ctx.has_weight, ctx.has_bias = has_weight, has_bias
        scale = invstd
        if has_weight:
            scale = invstd * params[0].data
            ctx.save_for_backward(x, params[0])
        else:
            ctx.save_for_backward(x)
        # `centered` (x − μ, a scratch array the caller made for the variance) is reused in place
        out = centered if centered is not None else xd - mean.reshape(shape)
        out *= scale.reshape(shape)
        if has_bias:
            out += params[-1].data.reshape(shape)
        return out

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints for the output adjoint `grad_out`, by the rule in the class docstring."""
        saved = ctx.saved_tensors
        x = saved[0]
        weight = saved[1] if ctx.has_weight else None
        need = ctx.needs_input_grad
        ndim = x.data.ndim
        axes = (0,) + tuple(range(2, ndim))
        shape = (1, -1) + (1,) * (ndim - 2)
        m = x.data.size // x.data.shape[1]
        if not _grad.enabled:
            # numpy: X̄ = a ⊙ Ḡ + b ⊙ (X − μ) + c per channel, with the sums Σ Ḡ and Σ Ḡ ⊙ (X − μ)
            n, c = x.data.shape[:2]
            xc = x.data - ctx.mean.reshape(shape)
            g3 = grad_out.data.reshape(n, c, -1)
            gsum = g3.sum(axis=2).sum(axis=0)
            gxhat = np.einsum("ncp,ncp->c", g3, xc.reshape(n, c, -1)) * ctx.invstd
            gx = None
            if need[0]:
                k = ctx.invstd / m
                if weight is not None:
                    k = k * weight.data
                gx = grad_out.data * (k * m).reshape(shape)
                xc *= (-k * gxhat * ctx.invstd).reshape(shape)
                gx += xc
                gx -= (k * gsum).reshape(shape)
                gx = Tensor._make(gx, False, None)
            grads = [gx]
            if ctx.has_weight:
                grads.append(Tensor._make(gxhat.astype(x.data.dtype, copy=False), False, None) if need[1] else None)
            if ctx.has_bias:
                grads.append(Tensor._make(gsum, False, None) if need[-1] else None)
            return tuple(grads)
        # create_graph: the same formula with Tensor ops, statistics recomputed from x
        mu = x.mean(axis=axes, keepdims=True)
        xc = x - mu
        var = (xc * xc).mean(axis=axes, keepdims=True)
        inv = (var + np.asarray(ctx.eps, dtype=x.data.dtype)) ** np.asarray(-0.5, dtype=x.data.dtype)
        xhat = xc * inv
        gsum = grad_out.sum(axis=axes, keepdims=True)
        gxhat = (grad_out * xhat).sum(axis=axes, keepdims=True)
        gx = None
        if need[0]:
            k = inv * np.asarray(1.0 / m, dtype=x.data.dtype)
            if weight is not None:
                k = k * weight.reshape(shape)
            gx = k * (grad_out * np.asarray(m, dtype=x.data.dtype) - gsum - xhat * gxhat)
        grads = [gx]
        if ctx.has_weight:
            grads.append(gxhat.reshape(-1) if need[1] else None)
        if ctx.has_bias:
            grads.append(gsum.reshape(-1) if need[-1] else None)
        return tuple(grads)


def update_running(buf, new, momentum):
    """buf ← (1 − momentum)·buf + momentum·new, in place; a Tensor's version is bumped.

    Used by `batch_norm` and by ``nn``'s instance norm for running statistics.

    Args:
        buf (Tensor or np.ndarray): the running statistic, (C,).
        new (np.ndarray): this batch's statistic, (C,); cast to buf's dtype.
        momentum (float): weight of `new`.
    """
    data = buf.data if isinstance(buf, Tensor) else buf
    data *= 1.0 - momentum
    data += momentum * new.astype(data.dtype, copy=False)
    if isinstance(buf, Tensor):
        buf._version += 1


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1,
               eps=1e-5):
    """Batch normalization over the channel axis 1 (PyTorch's functional `batch_norm`).

    Args:
        input (Tensor): (N, C) or (N, C, *) floating.
        running_mean, running_var (Tensor, ndarray or None): (C,) running statistics; updated in
            place when `training` (running_var with the unbiased M/(M − 1) factor).
        weight, bias (Tensor or None): (C,) affine parameters γ and β.
        training (bool): normalize with batch statistics (True) or the running ones (False;
            batch statistics are used anyway when no running statistics are given).
        momentum (float): weight of the new batch statistic in the running update.
        eps (float): added to the variance in the denominator.

    Returns:
        Tensor of input's shape and dtype.

    Raises:
        ValueError: for input with fewer than 2 dims, statistics/parameters not of shape (C,),
            or a single value per channel in training.
        TypeError: for a non-floating input, or weight/bias of another dtype.

    Source: Ioffe & Szegedy, arXiv:1502.03167; the fused op and its closed-form VJP are `BatchNorm`.
    """
    op = "batch_norm"
    x = as_tensor(input)
    xd = x.data
    if xd.ndim < 2:
        raise ValueError(f"{op}: input must have at least 2 dims (N, C, *); got shape {xd.shape}.")
    if xd.dtype.kind != "f":
        raise TypeError(f"{op}: input must be floating; got dtype {xd.dtype.name}, expected float32 or float64.")
    c = xd.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        if t is not None and np.shape(t.data if isinstance(t, Tensor) else t) != (c,):
            raise ValueError(f"{op}: {name} must have shape (C,); got {np.shape(getattr(t, 'data', t))}, "
                             f"expected ({c},).")
    for name, t in (("weight", weight), ("bias", bias)):
        if isinstance(t, Tensor) and t.data.dtype != xd.dtype:
            raise TypeError(f"{op}: {name} must have the dtype of input; got {t.data.dtype.name}, expected "
                            f"{xd.dtype.name}.")
    shape = (1, c) + (1,) * (xd.ndim - 2)
    if training or running_mean is None or running_var is None:
        m = xd.size // c
        if m <= 1 and training:
            raise ValueError(f"{op}: expected more than 1 value per channel when training; got input shape "
                             f"{xd.shape}.")
        n = xd.shape[0]
        mean = xd.reshape(n, c, -1).sum(axis=2).sum(axis=0) / np.asarray(m, dtype=xd.dtype)
        xc = xd - mean.reshape(shape)
        xc3 = xc.reshape(n, c, -1)
        var = np.einsum("ncp,ncp->c", xc3, xc3) / np.asarray(m, dtype=xd.dtype)
        invstd = (1.0 / np.sqrt(var + np.asarray(eps, dtype=xd.dtype))).astype(xd.dtype, copy=False)
        if training and running_mean is not None:
            update_running(running_mean, mean, momentum)
        if training and running_var is not None:
            update_running(running_var, var * (m / max(m - 1, 1)), momentum)
        params = []
        if weight is not None:
            params.append(as_tensor(weight, x))
        if bias is not None:
            params.append(as_tensor(bias, x))
        return BatchNorm.apply(x, *params, eps=eps, mean=mean, invstd=invstd, has_weight=weight is not None,
                               has_bias=bias is not None, centered=xc)
    rm = running_mean.data if isinstance(running_mean, Tensor) else np.asarray(running_mean)
    rv = running_var.data if isinstance(running_var, Tensor) else np.asarray(running_var)
    inv = (1.0 / np.sqrt(rv.astype(xd.dtype) + np.asarray(eps, dtype=xd.dtype))).astype(xd.dtype)
    if weight is not None:
        scale = as_tensor(weight, x) * inv
        shift = -(rm.astype(xd.dtype) * scale)
    else:
        scale = Tensor._make(inv, False, None)
        shift = Tensor._make(-(rm.astype(xd.dtype) * inv), False, None)
    if bias is not None:
        shift = shift + as_tensor(bias, x)
    return x * scale.reshape(shape) + shift.reshape(shape)
