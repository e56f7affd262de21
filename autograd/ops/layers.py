"""Network layers as single ops: embedding (with its adjoint embedding_dense_backward),
dropout (inverted or classic) and a fused batch normalization with the closed-form VJP.

Each VJP is written once: on ndarrays in a plain backward, on Tensors (recorded) under
``create_graph=True``. The fused ones apply backward ops (`EmbeddingDenseBackward`,
`BatchNormBackward`, `BatchNormWeightBackward`) through `dispatch.apply`: their numpy kernel
runs directly in a plain backward, and their own VJP is the next derivative.
"""
import math

import numpy as np

from ..creation import get_rng
from ..engine import grad
from ..function import Op
from ..tensor import Tensor
from .common import as_tensor
from .dispatch import apply


# -- embedding -----------------------------------------------------------------------------
class Embedding(Op):
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
    def kernel(weight, *, indices, padding_idx=None, zero_padding=False):
        """The forward formula on an ndarray table (`dispatch.apply` calls it in a plain backward)."""
        out = weight[indices]
        if zero_padding and padding_idx is not None:
            out[indices == padding_idx] = 0
        return out

    @staticmethod
    def forward(ctx, weight, *, indices, padding_idx=None, zero_padding=False):
        """Compute the op on the inputs' ndarrays (see the class docstring); returns an ndarray."""
        ctx.indices = indices
        ctx.padding_idx = padding_idx
        ctx.num_weights = weight._array.shape[0]
        return Embedding.kernel(weight._array, indices=indices, padding_idx=padding_idx, zero_padding=zero_padding)

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints for the output adjoint `grad_out`, by the rule in the class docstring."""
        return (apply(EmbeddingDenseBackward, grad_out, indices=ctx.indices, num_weights=ctx.num_weights,
                      padding_idx=ctx.padding_idx),)


class EmbeddingDenseBackward(Op):
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
    def kernel(g, *, indices, num_weights, padding_idx=None):
        """The forward formula on an ndarray G (`dispatch.apply` calls it in a plain backward)."""
        d = g.shape[-1]
        out = np.zeros((num_weights, d), dtype=g.dtype)
        np.add.at(out, indices.reshape(-1), g.reshape(-1, d))
        if padding_idx is not None:
            out[padding_idx] = 0
        return out

    @staticmethod
    def forward(ctx, grad_output, *, indices, num_weights, padding_idx=None):
        """Compute the op on the inputs' ndarrays (see the class docstring); returns an ndarray."""
        ctx.indices = indices
        ctx.padding_idx = padding_idx
        return EmbeddingDenseBackward.kernel(grad_output._array, indices=indices, num_weights=num_weights,
                                             padding_idx=padding_idx)

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints for the output adjoint `grad_out`, by the rule in the class docstring."""
        return (apply(Embedding, grad_out, indices=ctx.indices, padding_idx=ctx.padding_idx, zero_padding=True),)


def _indices(op, indices, num):
    idx = indices._array if isinstance(indices, Tensor) else np.asarray(indices)
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
    if weight._array.ndim != 2:
        raise ValueError(f"{op}: weight must be 2-D (num_embeddings, D); got shape {weight._array.shape}, "
                         f"expected 2 dims.")
    if weight._array.dtype.kind != "f":
        raise TypeError(f"{op}: weight must be floating; got dtype {weight._array.dtype.name}.")
    num = weight._array.shape[0]
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
    if grad_output._array.shape[:-1] != idx.shape:
        raise ValueError(f"{op}: grad_output must have shape indices.shape + (D,); got {grad_output._array.shape} "
                         f"for indices {idx.shape}.")
    return EmbeddingDenseBackward.apply(grad_output, indices=idx, num_weights=int(num_weights),
                                        padding_idx=_padding_idx(op, padding_idx, int(num_weights)))


# -- dropout -------------------------------------------------------------------------------
class Dropout(Op):
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
        return x._array * mask

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
    dt = x._array.dtype
    if dt.kind != "f":
        raise TypeError(f"{op}: x must be floating; got dtype {dt.name}, expected float32 or float64.")
    p = float(p)
    if not training:
        if inverted or p == 0.0:
            return x
        return Dropout.apply(x, mask=np.asarray(1.0 - p, dtype=dt))
    if p == 1.0:
        mask = np.zeros(x._array.shape, dtype=dt)
    else:
        mask = (get_rng().random(x._array.shape, dtype=np.float32 if dt == np.float32 else np.float64) >= p).astype(dt)
        if inverted and p > 0.0:
            mask *= np.asarray(1.0 / (1.0 - p), dtype=dt)
    return Dropout.apply(x, mask=mask)


# -- batch normalization -------------------------------------------------------------------
class BatchNorm(Op):
    """Y = γ ⊙ X̂ + β with X̂ = (X − μ) ⊘ σ per channel, from batch statistics
    (μ = mean, σ² = biased variance + eps over every axis but the channel axis 1).

    Args: x (N, C, *) floating; optional weight γ (C,) and bias β (C,). Attrs: eps; mean,
        invstd (C,) the batch statistics 1/σ the public function computed (constants: the
        values of x's statistics, which the VJP's ops differentiate themselves);
        has_weight, has_bias.
    Returns: Tensor of x's shape and dtype.
    VJP (M = number of entries per channel, sums over the non-channel axes):
        dX̂ = (dX − dμ)/σ − X̂ dσ/σ, dμ = (1/M) Σ dX, dσ = (1/M) Σ X̂ ⊙ dX
        ⟨Ḡ ⊙ γ, dX̂⟩ summed ⇒ X̄ = (1/M) (γ/σ) (M Ḡ − Σ Ḡ − X̂ Σ(Ḡ ⊙ X̂))  (`BatchNormBackward`),
        γ̄ = Σ Ḡ ⊙ X̂  (`BatchNormWeightBackward`),  β̄ = Σ Ḡ.
    Reference: Ioffe & Szegedy, arXiv:1502.03167.
    """
    name = "batch_norm"
    rule = "X̄ = γ/(M σ) ⊙ (M Ḡ − ΣḠ − X̂ ⊙ Σ(Ḡ⊙X̂)),  γ̄ = Σ Ḡ⊙X̂,  β̄ = Σ Ḡ  (M entries per channel)"
    rule_latex = (r"\bar X = \tfrac{\gamma}{M \sigma}\big(M \bar G - \textstyle\sum \bar G - \hat X \sum \bar G \odot "
                  r"\hat X\big),\; \bar\gamma = \textstyle\sum \bar G \odot \hat X,\; \bar\beta = \sum \bar G")

    @staticmethod
    def kernel(x, *params, eps, mean, invstd, has_weight, has_bias, centered=None):
        """The forward formula on ndarrays (`dispatch.apply` calls it in a plain backward)."""
        shape = _channel_view(x.ndim)
        scale = invstd * params[0] if has_weight else invstd
        # `centered` (x − μ, a scratch array the caller made for the variance) is reused in place
        out = centered if centered is not None else x - mean.reshape(shape)
        out *= scale.reshape(shape)
        if has_bias:
            out += params[-1].reshape(shape)
        return out

    @staticmethod
    def forward(ctx, x, *params, eps, mean, invstd, has_weight, has_bias, centered=None):
        """Compute the op on the inputs' ndarrays (see the class docstring); returns an ndarray."""
        ctx.eps, ctx.mean, ctx.invstd = eps, mean, invstd
        ctx.has_weight, ctx.has_bias = has_weight, has_bias
        if has_weight:
            ctx.save_for_backward(x, params[0])
        else:
            ctx.save_for_backward(x)
        return BatchNorm.kernel(x._array, *[p._array for p in params], eps=eps, mean=mean, invstd=invstd,
                                has_weight=has_weight, has_bias=has_bias, centered=centered)

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints for the output adjoint `grad_out`, by the rule in the class docstring."""
        x, *weight = ctx.saved                                             # x, and γ when affine
        need = ctx.needs_input_grad
        stats = dict(eps=ctx.eps, mean=ctx.mean, invstd=ctx.invstd)
        gsum = _channel_sum(grad_out) if need[0] or ctx.has_bias and need[-1] else None          # β̄
        gxhat = apply(BatchNormWeightBackward, grad_out, x, **stats) if need[0] or ctx.has_weight and need[1] else None
        # the two sums are X̄'s too: its kernel gets their values (its own VJP differentiates X̄ itself)
        grads = [apply(BatchNormBackward, grad_out, x, *weight, sums=(np.asarray(gsum), np.asarray(gxhat)), **stats)
                 if need[0] else None]
        if ctx.has_weight:
            grads.append(gxhat if need[1] else None)
        if ctx.has_bias:
            grads.append(gsum if need[-1] else None)
        return tuple(grads)


def _channel_view(ndim):
    """Shape (1, -1, 1, …) that puts a (C,) vector on axis 1 of an ndim-dimensional array."""
    return (1, -1) + (1,) * (ndim - 2)


def _channel_sum(a):
    """Σ over every axis but the channel axis 1 of an (N, C, *) ndarray or Tensor → (C,)."""
    n, c = a.shape[:2]
    return a.reshape(n, c, -1).sum(axis=2).sum(axis=0)


class BatchNormBackward(Op):
    """X̄ = γ J Ḡ: batch_norm's input adjoint, as an op of its own so that it can be
    differentiated again. J = ∂X̂/∂X per channel, J v = r (v − m(v) − X̂ m(X̂ v)) with
    r = 1/σ and m the mean over the channel's M entries; J is symmetric.

    Args: grad G and x (N, C, *), optional weight γ (C,), one floating dtype. Attrs: eps,
        mean, invstd (C,) of x, and optionally sums = (Σ G, Σ G ⊙ X̂) (C,) (constants: values
        the kernel would compute, spared to it).
    Returns: (N, C, *), dtype of x.
    VJP (A = the adjoint of X̄, B = γ A; per channel a = Σ B ⊙ (G − m(G)), b = Σ B ⊙ X̂,
    c = m(X̂ ⊙ G); X̄ = γ J G is linear in G and γ; ⟨B, J G⟩ = r a − r b c, with
    ∇_X r = −(r²/M) X̂, ∇_X ⟨B, X̂⟩ = J B, ∇_X m(X̂ G) = J G / M):
        Ḡ = J (γ A) = J B,   γ̄ = Σ A ⊙ J G,
        X̄′ = −(r²/M) X̂ (a − b c) − r c J B − (r b / M) J G
    """
    name = "batch_norm_backward"
    rule = "Ḡ = J(γA),  γ̄ = Σ A⊙JG,  X̄ = −(r²/M)X̂(a − bc) − rc J(γA) − (rb/M) JG"
    rule_latex = (r"\bar G = J(\gamma A),\; \bar\gamma = \textstyle\sum A \odot J G,\; "
                  r"\bar X = -\tfrac{r^2}{M}\hat X (a - bc) - rc\,J(\gamma A) - \tfrac{rb}{M} J G")

    @staticmethod
    def kernel(g, x, *weight, eps, mean, invstd, sums=None):
        """X̄ on ndarrays (the forward formula; `dispatch.apply` calls it in a plain backward):
        a ⊙ Ḡ + b ⊙ (X − μ) + c per channel, with the sums Σ Ḡ and Σ Ḡ ⊙ X̂."""
        shape = _channel_view(x.ndim)
        m = x.size // x.shape[1]
        if sums is None:
            sums = (_channel_sum(g), BatchNormWeightBackward.kernel(g, x, eps=eps, mean=mean, invstd=invstd))
        gsum, gxhat = sums
        xc = x - mean.reshape(shape)
        k = invstd / m
        if weight:
            k = k * weight[0]
        gx = g * (k * m).reshape(shape)
        xc *= (-k * gxhat * invstd).reshape(shape)
        gx += xc
        gx -= (k * gsum).reshape(shape)
        return gx

    @staticmethod
    def forward(ctx, g, x, *weight, eps, mean, invstd, sums=None):
        """X̄ (see the class docstring); saves G, X (and γ) for the next derivative."""
        ctx.eps = eps
        ctx.save_for_backward(g, x, *weight)
        return BatchNormBackward.kernel(g._array, x._array, *[w._array for w in weight], eps=eps, mean=mean,
                                        invstd=invstd, sums=sums)

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints for the output adjoint A = grad_out (rule in the class docstring)."""
        g, x, *weight = ctx.saved
        need = ctx.needs_input_grad
        axes = (0,) + tuple(range(2, x.ndim))
        m = math.prod(x.shape) // x.shape[1]

        def mean_c(v):
            return v.sum(axis=axes, keepdims=True) / m

        xc = x - mean_c(x)
        r = (mean_c(xc * xc) + ctx.eps) ** -0.5
        xhat = xc * r

        def jac(v):  # J v = r (v − m(v) − X̂ m(X̂ v))
            return r * (v - mean_c(v) - xhat * mean_c(xhat * v))

        b_adj = grad_out * weight[0].reshape(_channel_view(x.ndim)) if weight else grad_out
        jb = jac(b_adj) if need[0] or need[1] else None
        jg = jac(g) if need[1] or (weight and need[2]) else None
        gx = None
        if need[1]:
            a = (b_adj * (g - mean_c(g))).sum(axis=axes, keepdims=True)
            b = (b_adj * xhat).sum(axis=axes, keepdims=True)
            c = mean_c(xhat * g)
            gx = (r * r / m) * xhat * (b * c - a) - (r * c) * jb - (r * b / m) * jg
        grads = [jb if need[0] else None, gx]
        if weight:
            grads.append(_channel_sum(grad_out * jg) if need[2] else None)
        return tuple(grads)


class BatchNormWeightBackward(Op):
    """γ̄ = Σ Ḡ ⊙ X̂ (sums over every axis but the channel axis 1): batch_norm's weight
    adjoint, as an op of its own so that it can be differentiated again.

    Args: grad G and x (N, C, *), one floating dtype. Attrs: eps, and mean, invstd (C,) of x
        (constants: x's statistics, spared to the kernel).
    Returns: (C,), dtype of x.
    VJP (Ā (C,) = the adjoint of γ̄; ⟨Ā, Σ G ⊙ X̂⟩ is bilinear in G and X̂(X), dX̂ = J dX):
        Ḡ = Ā ⊙ X̂ = batch_norm(X) with weight Ā (`BatchNorm` again),
        X̄ = J (Ā G) = Ā J G  (`BatchNormBackward` with weight Ā).
    """
    name = "batch_norm_weight_backward"
    rule = "Ḡ = Ā ⊙ X̂,  X̄ = Ā J Ḡ"
    rule_latex = r"\bar G = \bar A \odot \hat X,\; \bar X = \bar A\, J G"

    @staticmethod
    def kernel(g, x, *, eps, mean, invstd):
        """γ̄ on ndarrays (`dispatch.apply` calls it in a plain backward): Σ Ḡ ⊙ (X − μ), times 1/σ."""
        n, c = x.shape[:2]
        xc = x - mean.reshape(_channel_view(x.ndim))
        return np.einsum("ncp,ncp->c", g.reshape(n, c, -1), xc.reshape(n, c, -1)) * invstd

    @staticmethod
    def forward(ctx, g, x, *, eps, mean, invstd):
        """γ̄ (see the class docstring); saves G and X for the next derivative."""
        ctx.eps, ctx.mean, ctx.invstd = eps, mean, invstd
        ctx.save_for_backward(g, x)
        return BatchNormWeightBackward.kernel(g._array, x._array, eps=eps, mean=mean, invstd=invstd)

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints for the output adjoint Ā = grad_out (rule in the class docstring)."""
        g, x = ctx.saved
        need = ctx.needs_input_grad
        stats = dict(eps=ctx.eps, mean=ctx.mean, invstd=ctx.invstd)
        gg = apply(BatchNorm, x, grad_out, has_weight=True, has_bias=False, **stats) if need[0] else None
        gx = apply(BatchNormBackward, g, x, grad_out, **stats) if need[1] else None
        return gg, gx


def batch_norm_weight_backward(grad_output, input, eps=1e-5):
    """The gradient of training-mode `batch_norm` with respect to its weight γ for the output
    adjoint `grad_output`: γ̄ = Σ Ḡ ⊙ X̂ (see `BatchNormWeightBackward`).

    Args:
        grad_output (Tensor): (N, C, *), the adjoint of batch_norm's output (differentiable).
        input (Tensor): (N, C, *) floating (differentiable).
        eps (float): added to the variance in the denominator.

    Returns:
        Tensor (C,) of input's dtype.

    Raises:
        ValueError, TypeError: as `batch_norm`; ValueError if grad_output does not have input's shape.
    """
    x = as_tensor(input)
    weight = Tensor(np.ones(x._array.shape[1:2], dtype=x._array.dtype), requires_grad=True)
    out = batch_norm(x, None, None, weight, None, training=True, eps=eps)
    return grad(out, weight, as_tensor(grad_output, x), create_graph=True)[0]


def batch_norm_backward(grad_output, input, weight=None, eps=1e-5):
    """The gradient of training-mode `batch_norm` with respect to its input for the output
    adjoint `grad_output`: X̄ = γ J Ḡ, the op `BatchNormBackward` that batch_norm's VJP
    applies (double backward of batch_norm differentiates it).

    Args:
        grad_output (Tensor): (N, C, *), the adjoint of batch_norm's output (differentiable).
        input (Tensor): (N, C, *) floating (differentiable).
        weight (Tensor or None): (C,) γ (differentiable).
        eps (float): added to the variance in the denominator.

    Returns:
        Tensor of input's shape and dtype.

    Raises:
        ValueError, TypeError: as `batch_norm`; ValueError if grad_output does not have input's shape.
    """
    x = as_tensor(input)
    if not x.requires_grad:
        x = x.detach().requires_grad_()
    out = batch_norm(x, None, None, weight, None, training=True, eps=eps)
    return grad(out, x, as_tensor(grad_output, x), create_graph=True)[0]


def update_running(buf, new, momentum):
    """buf ← (1 − momentum)·buf + momentum·new, in place; a Tensor's version is bumped.

    Used by `batch_norm` and by ``nn``'s instance norm for running statistics.

    Args:
        buf (Tensor or np.ndarray): the running statistic, (C,).
        new (np.ndarray): this batch's statistic, (C,); cast to buf's dtype.
        momentum (float): weight of `new`.
    """
    data = buf._array if isinstance(buf, Tensor) else buf
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
    xd = x._array
    if xd.ndim < 2:
        raise ValueError(f"{op}: input must have at least 2 dims (N, C, *); got shape {xd.shape}.")
    if xd.dtype.kind != "f":
        raise TypeError(f"{op}: input must be floating; got dtype {xd.dtype.name}, expected float32 or float64.")
    c = xd.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        if t is not None and np.shape(t._array if isinstance(t, Tensor) else t) != (c,):
            raise ValueError(f"{op}: {name} must have shape (C,); got {np.shape(getattr(t, 'data', t))}, "
                             f"expected ({c},).")
    for name, t in (("weight", weight), ("bias", bias)):
        if isinstance(t, Tensor) and t._array.dtype != xd.dtype:
            raise TypeError(f"{op}: {name} must have the dtype of input; got {t._array.dtype.name}, expected "
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
    rm = running_mean._array if isinstance(running_mean, Tensor) else np.asarray(running_mean)
    rv = running_var._array if isinstance(running_var, Tensor) else np.asarray(running_var)
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
