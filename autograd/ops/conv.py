"""Convolution and pooling over (N, C, H, W) images: conv2d (with its two adjoint ops
conv2d_input and conv2d_weight), max_pool2d (with its adjoint max_unpool2d) and avg_pool2d.

Notation. A convolution (PyTorch's, i.e. a cross-correlation) with stride s, padding p,
dilation d and kernel (kH, kW) reads the zero-padded input X_p at

    Y[n, o, h, w] = b[o] + Σ_{c, i, j} W[o, c, i, j] · X_p[n, c, h·s + i·d, w·s + j·d].

im2col gathers the patches into columns Col[n, (c, i, j), (h, w)] = X_p[n, c, h·s + i·d,
w·s + j·d] (one strided copy per kernel offset (i, j)), so the whole forward is one batched
matrix product Y[n] = W₂ Col[n] with W₂ = W reshaped to (C_out, C_in·kH·kW) (per group).
col2im is its adjoint: it scatter-adds columns back into the padded image, again one
strided slice per kernel offset (never a loop over pixels).

The three conv ops are closed under differentiation (each VJP is one of the other two), so
`create_graph=True` gives gradients of any order:
    conv2d(X, W)            → X̄ = conv2d_input(Ḡ, W),  W̄ = conv2d_weight(X, Ḡ)
    conv2d_input(G, W)      → Ḡ = conv2d(Ā, W),         W̄ = conv2d_weight(Ā, G)
    conv2d_weight(X, G)     → X̄ = conv2d_input(G, B̄),  Ḡ = conv2d(X, B̄)
(Ā, B̄: the adjoints of the respective outputs). max_pool2d and max_unpool2d are each
other's adjoints for fixed arg-max indices; avg_pool2d's VJP is a depthwise conv2d_input.
"""
import numpy as np

from ..function import Function
from ..grad_mode import _state
from ..tensor import Tensor
from .common import as_tensor


# -- argument handling ---------------------------------------------------------------------
def _pair(value, what, op, minimum):
    """An int or a pair of ints → a tuple of 2 ints ≥ `minimum`, or a clear error."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        out = (int(value), int(value))
    elif isinstance(value, (tuple, list)) and len(value) == 2 and all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value):
        out = (int(value[0]), int(value[1]))
    else:
        raise TypeError(f"{op}: {what} must be an int or a pair of ints; got {value!r}.")
    if out[0] < minimum or out[1] < minimum:
        raise ValueError(f"{op}: {what} must be >= {minimum}; got {value!r}, expected values >= {minimum}.")
    return out


def _check_image(op, x, name="x"):
    if x.data.ndim != 4:
        raise ValueError(f"{op}: {name} must be 4-D (N, C, H, W); got shape {x.data.shape}, expected 4 dims.")
    if x.data.dtype.kind != "f":
        raise TypeError(f"{op}: {name} must have a floating dtype; got {x.data.dtype.name}, expected float32 or float64.")


def _out_size(size, k, s, p, d):
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def _pad(xd, padding, value=0.0):
    """Copy of (N, C, H, W) `xd` with `padding` rows/cols of `value` on each side (or xd)."""
    ph, pw = padding
    if not ph and not pw:
        return xd
    n, c, h, w = xd.shape
    out = np.full((n, c, h + 2 * ph, w + 2 * pw), value, dtype=xd.dtype)
    out[:, :, ph:ph + h, pw:pw + w] = xd
    return out


def _im2col(xp, kernel, out_hw, stride, dilation, channels_first=False):
    """Columns (N, C, kH, kW, Ho, Wo) of the padded image `xp` (or (C, kH, kW, N, Ho, Wo) when
    `channels_first`): one strided copy per kernel offset."""
    n, c = xp.shape[:2]
    (kh, kw), (ho, wo), (sh, sw), (dh, dw) = kernel, out_hw, stride, dilation
    if channels_first:
        cols = np.empty((c, kh, kw, n, ho, wo), dtype=xp.dtype)
        src = xp.transpose(1, 0, 2, 3)
    else:
        cols = np.empty((n, c, kh, kw, ho, wo), dtype=xp.dtype)
        src = xp
    for i in range(kh):
        r = i * dh
        for j in range(kw):
            q = j * dw
            part = src[:, :, r:r + sh * (ho - 1) + 1:sh, q:q + sw * (wo - 1) + 1:sw]
            if channels_first:
                cols[:, i, j] = part
            else:
                cols[:, :, i, j] = part
    return cols


def _col2im(cols, x_shape, padding, stride, dilation):
    """Adjoint of `_im2col` + padding: scatter-add channels-first columns
    (C, kH, kW, N, Ho, Wo) into an image of `x_shape` (N, C, H, W), the padding border
    cropped away. One strided add per kernel offset; returns a (transposed) view."""
    n, c, h, w = x_shape
    (ph, pw), (sh, sw), (dh, dw) = padding, stride, dilation
    kh, kw, _, ho, wo = cols.shape[1:]
    xp = np.zeros((c, n, h + 2 * ph, w + 2 * pw), dtype=cols.dtype)
    for i in range(kh):
        r = i * dh
        for j in range(kw):
            q = j * dw
            xp[:, :, r:r + sh * (ho - 1) + 1:sh, q:q + sw * (wo - 1) + 1:sw] += cols[:, i, j]
    return xp[:, :, ph:ph + h, pw:pw + w].transpose(1, 0, 2, 3)


def _conv_forward(xd, wd, bias, stride, padding, dilation, groups):
    """(Y, Col): the convolution (+ bias) and its channels-first columns (C_in·kH·kW, N·Ho·Wo)."""
    n, cin, h, w = xd.shape
    cout, cg, kh, kw = wd.shape
    ho = _out_size(h, kh, stride[0], padding[0], dilation[0])
    wo = _out_size(w, kw, stride[1], padding[1], dilation[1])
    cols = _im2col(_pad(xd, padding), (kh, kw), (ho, wo), stride, dilation, channels_first=True)
    k = cg * kh * kw
    prod = np.matmul(wd.reshape(groups, cout // groups, k), cols.reshape(groups, k, n * ho * wo))
    prod = prod.reshape(cout, n, ho, wo).transpose(1, 0, 2, 3)
    out = np.empty((n, cout, ho, wo), dtype=prod.dtype)
    if bias is None:
        np.copyto(out, prod)
    else:
        np.add(prod, bias.reshape(-1, 1, 1), out=out)
    return out, cols


def _conv_input_grad(gd, wd, x_shape, stride, padding, dilation, groups):
    """X̄ = col2im(W₂ᵀ Ḡ): the transposed convolution of Ḡ (N, C_out, Ho, Wo) with W."""
    n, cout, ho, wo = gd.shape
    _, cg, kh, kw = wd.shape
    k = cg * kh * kw
    og = cout // groups
    # channels-first columns (C_in·kH·kW, N·Ho·Wo) = W₂ᵀ Ḡ, one matrix product per group
    g2 = gd.transpose(1, 0, 2, 3).reshape(groups, og, n * ho * wo)
    cols = np.matmul(wd.reshape(groups, og, k).transpose(0, 2, 1), g2)
    return _col2im(cols.reshape(groups * cg, kh, kw, n, ho, wo), x_shape, padding, stride, dilation)


def _conv_weight_grad(xd, gd, w_shape, stride, padding, dilation, groups, cols=None):
    """W̄[o, c, i, j] = Σ_{n, h, w} Ḡ[n, o, h, w] X_p[n, c, h·s + i·d, w·s + j·d] (correlation);
    `cols` are the forward's channels-first columns of X when still at hand."""
    n, cout, ho, wo = gd.shape
    _, cg, kh, kw = w_shape
    # columns as (C_in·kH·kW, N·Ho·Wo) and Ḡ as (C_out, N·Ho·Wo): one matrix product per group
    if cols is None:
        cols = _im2col(_pad(xd, padding), (kh, kw), (ho, wo), stride, dilation, channels_first=True)
    k = cg * kh * kw
    og = cout // groups
    g2 = gd.transpose(1, 0, 2, 3).reshape(groups, og, n * ho * wo)
    c2 = cols.reshape(groups, k, n * ho * wo)
    return np.matmul(g2, c2.transpose(0, 2, 1)).reshape(w_shape)


def _conv_attrs(ctx, stride, padding, dilation, groups):
    ctx.stride, ctx.padding, ctx.dilation, ctx.groups = stride, padding, dilation, groups


# -- conv2d and its two adjoints -----------------------------------------------------------
class Conv2d(Function):
    """Y = conv(X, W) + b: 2-D cross-correlation (PyTorch's conv2d), by im2col and one
    batched matrix product.

    Args: x (N, C_in, H, W), weight (C_out, C_in/groups, kH, kW), optional bias (C_out,);
        one floating dtype. Attrs: stride, padding, dilation (pairs of ints), groups (int).
    Returns: (N, C_out, Ho, Wo), Ho = ⌊(H + 2p − d(kH − 1) − 1)/s⌋ + 1 (Wo likewise);
        dtype of x.
    Raises: see `conv2d`.
    VJP (per group; Col = im2col(X_p), Y[n] = W₂ Col[n] + b 1ᵀ, dL = Σ_n tr(Ḡ[n]ᵀ dY[n])):
        dY[n] = dW₂ Col[n] + W₂ dCol[n] + db 1ᵀ
        tr(Ḡ[n]ᵀ dW₂ Col[n]) = tr((Ḡ[n] Col[n]ᵀ)ᵀ dW₂)  ⇒ W̄₂ = Σ_n Ḡ[n] Col[n]ᵀ
            (correlation of the input with Ḡ: conv2d_weight)
        tr(Ḡ[n]ᵀ W₂ dCol[n]) = tr((W₂ᵀ Ḡ[n])ᵀ dCol[n]) ⇒ Col̄[n] = W₂ᵀ Ḡ[n],
            X̄ = col2im(Col̄) (im2col is linear, col2im its adjoint: the transposed
            convolution, conv2d_input)
        tr(Ḡ[n]ᵀ db 1ᵀ) = (Ḡ[n] 1)ᵀ db                ⇒ b̄ = Σ_{n, h, w} Ḡ
        The forward's columns Col are kept on ctx for the first weight gradient only (a
        cache of a pure function of the saved x: recomputed by a second, retained backward;
        double backward is unaffected since conv2d_weight takes x itself as its input).
    Reference: tr(AB) = tr(BA); im2col as in Chellapilla et al. (2006).
    """
    name = "conv2d"
    rule = "X̄ = col2im(W₂ᵀ Ḡ),  W̄₂ = Σₙ Ḡ Colᵀ,  b̄ = Σ Ḡ"
    rule_latex = (r"\bar X = \mathrm{col2im}(W_2^\top \bar G),\; \bar W_2 = \sum_n \bar G\,\mathrm{Col}^\top,"
                  r"\; \bar b = \textstyle\sum \bar G")

    @staticmethod
    def forward(ctx, x, weight, *bias, stride, padding, dilation, groups):
        """Compute the op on the inputs' ndarrays (see the class docstring); returns an ndarray."""
        _conv_attrs(ctx, stride, padding, dilation, groups)
        ctx.save_for_backward(x, weight)
        out, cols = _conv_forward(x.data, weight.data, bias[0].data if bias else None, stride, padding, dilation,
                                  groups)
        # cache of im2col(x) for the first weight gradient (a pure function of the saved x)
        ctx.cols = cols if ctx.needs_input_grad[1] else None
        return out

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints for the output adjoint `grad_out`, by the rule in the class docstring."""
        x, weight = ctx.saved_tensors
        need = ctx.needs_input_grad
        attrs = dict(stride=ctx.stride, padding=ctx.padding, dilation=ctx.dilation, groups=ctx.groups)
        cols, ctx.cols = ctx.cols, None  # used once; a retained graph recomputes it
        gx = Conv2dInput.apply(grad_out, weight, x_shape=x.data.shape, **attrs) if need[0] else None
        gw = Conv2dWeight.apply(x, grad_out, w_shape=weight.data.shape, cols=cols, **attrs) if need[1] else None
        if len(need) == 3:
            return gx, gw, (grad_out.sum(axis=(0, 2, 3)) if need[2] else None)
        return gx, gw


class Conv2dInput(Function):
    """X̄ = conv2d_input(G, W): the transposed convolution (gradient of conv2d w.r.t. its
    input), computed as col2im(W₂ᵀ G) with one strided add per kernel offset.

    Args: grad_output G (N, C_out, Ho, Wo), weight (C_out, C_in/groups, kH, kW). Attrs:
        x_shape (N, C_in, H, W) (needed: with stride > 1 several H give the same Ho),
        stride, padding, dilation, groups as in conv2d.
    Returns: (N, C_in, H, W), dtype of G.
    VJP (the map is bilinear: X̄ = Jᵀ(W) G where J(W) X = conv2d(X, W); Ā = adjoint of X̄):
        ⟨Ā, Jᵀ(W) dG⟩ = ⟨J(W) Ā, dG⟩                  ⇒ Ḡ = conv2d(Ā, W)
        ⟨Ā, Jᵀ(dW) G⟩ = Σ Ā[n,c,·] G[n,o,·] dW[o,c,·]  ⇒ W̄ = conv2d_weight(Ā, G)
    """
    name = "conv2d_input"
    rule = "Ḡ = conv2d(Ā, W),  W̄ = conv2d_weight(Ā, G)"
    rule_latex = r"\bar G = \mathrm{conv2d}(\bar A, W),\; \bar W = \mathrm{conv2d\_weight}(\bar A, G)"

    @staticmethod
    def forward(ctx, grad_output, weight, *, x_shape, stride, padding, dilation, groups):
        """Compute the op on the inputs' ndarrays (see the class docstring); returns an ndarray."""
        _conv_attrs(ctx, stride, padding, dilation, groups)
        ctx.x_shape = x_shape
        if ctx.needs_input_grad[0] or ctx.needs_input_grad[1]:
            ctx.save_for_backward(grad_output, weight)
        return _conv_input_grad(grad_output.data, weight.data, x_shape, stride, padding, dilation, groups)

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints for the output adjoint `grad_out`, by the rule in the class docstring."""
        g, weight = ctx.saved_tensors
        need = ctx.needs_input_grad
        attrs = dict(stride=ctx.stride, padding=ctx.padding, dilation=ctx.dilation, groups=ctx.groups)
        gg = Conv2d.apply(grad_out, weight, **attrs) if need[0] else None
        gw = Conv2dWeight.apply(grad_out, g, w_shape=weight.data.shape, **attrs) if need[1] else None
        return gg, gw


class Conv2dWeight(Function):
    """W̄ = conv2d_weight(X, G): the gradient of conv2d w.r.t. its weight, the correlation
    Σ_n G[n] Col(X)[n]ᵀ of the input with the output gradient.

    Args: x (N, C_in, H, W), grad_output G (N, C_out, Ho, Wo). Attrs: w_shape
        (C_out, C_in/groups, kH, kW), stride, padding, dilation, groups as in conv2d.
    Returns: (C_out, C_in/groups, kH, kW), dtype of x.
    VJP (bilinear in X and G; B̄ = adjoint of the output):
        ⟨B̄, conv2d_weight(dX, G)⟩ = Σ G[n,o,·] B̄[o,c,·] dX[n,c,·] ⇒ X̄ = conv2d_input(G, B̄)
        ⟨B̄, conv2d_weight(X, dG)⟩ = ⟨conv2d(X, B̄), dG⟩           ⇒ Ḡ = conv2d(X, B̄)
    """
    name = "conv2d_weight"
    rule = "X̄ = conv2d_input(G, B̄),  Ḡ = conv2d(X, B̄)"
    rule_latex = r"\bar X = \mathrm{conv2d\_input}(G, \bar B),\; \bar G = \mathrm{conv2d}(X, \bar B)"

    @staticmethod
    def forward(ctx, x, grad_output, *, w_shape, stride, padding, dilation, groups, cols=None):
        """Compute the op on the inputs' ndarrays (see the class docstring); returns an ndarray."""
        _conv_attrs(ctx, stride, padding, dilation, groups)
        if ctx.needs_input_grad[0] or ctx.needs_input_grad[1]:
            ctx.save_for_backward(x, grad_output)
        return _conv_weight_grad(x.data, grad_output.data, w_shape, stride, padding, dilation, groups, cols)

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints for the output adjoint `grad_out`, by the rule in the class docstring."""
        x, g = ctx.saved_tensors
        need = ctx.needs_input_grad
        attrs = dict(stride=ctx.stride, padding=ctx.padding, dilation=ctx.dilation, groups=ctx.groups)
        gx = Conv2dInput.apply(g, grad_out, x_shape=x.data.shape, **attrs) if need[0] else None
        gg = Conv2d.apply(x, grad_out, **attrs) if need[1] else None
        return gx, gg


def _conv_args(op, stride, padding, dilation, groups):
    stride = _pair(stride, "stride", op, 1)
    if isinstance(padding, str):
        if padding != "valid":
            raise ValueError(f"{op}: padding must be an int, a pair of ints or 'valid'; got {padding!r}.")
        padding = 0
    padding = _pair(padding, "padding", op, 0)
    dilation = _pair(dilation, "dilation", op, 1)
    if not isinstance(groups, (int, np.integer)) or isinstance(groups, bool) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int; got {groups!r}, expected an int >= 1.")
    return stride, padding, dilation, int(groups)


def _check_conv(op, x_shape, w_shape, stride, padding, dilation, groups):
    n, cin, h, w = x_shape
    cout, cg, kh, kw = w_shape
    if cin != cg * groups:
        raise ValueError(f"{op}: x.shape[1] must equal weight.shape[1] * groups; got x {tuple(x_shape)}, "
                         f"weight {tuple(w_shape)}, groups {groups}, expected {cg * groups} input channels.")
    if cout % groups:
        raise ValueError(f"{op}: weight.shape[0] must be divisible by groups; got weight {tuple(w_shape)}, "
                         f"groups {groups}.")
    eh, ew = dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1
    ph, pw = h + 2 * padding[0], w + 2 * padding[1]
    if kh < 1 or kw < 1 or eh > ph or ew > pw:
        raise ValueError(f"{op}: the (dilated) kernel is larger than the padded input; got kernel "
                         f"({eh}, {ew}), padded input ({ph}, {pw}), expected kernel <= input.")


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution (cross-correlation, as PyTorch's `conv2d`).

    Args:
        x (Tensor): (N, C_in, H, W), floating.
        weight (Tensor): (C_out, C_in/groups, kH, kW), same dtype as x.
        bias (Tensor or None): (C_out,).
        stride, padding, dilation: int or (h, w) pair (padding may be 'valid' = 0); zero padding.
        groups (int): C_in and C_out split into `groups` independent convolutions.

    Returns:
        Tensor (N, C_out, Ho, Wo), Ho = ⌊(H + 2·pad − dil·(kH − 1) − 1)/stride⌋ + 1; dtype of x.

    Raises:
        ValueError: for non-4-D x or weight, a channel mismatch, C_out not divisible by groups,
            a kernel larger than the padded input, a bias that is not (C_out,), or non-positive
            stride/dilation/groups or negative padding.
        TypeError: for non-floating or mismatched dtypes, or malformed int arguments.

    Source: Y[n,o,h,w] = b[o] + Σ_{c,i,j} W[o,c,i,j] X_p[n, c, h·s + i·d, w·s + j·d]; see `Conv2d`.
    """
    op = "conv2d"
    x, weight = as_tensor(x), as_tensor(weight)
    _check_image(op, x)
    if weight.data.ndim != 4:
        raise ValueError(f"{op}: weight must be 4-D (C_out, C_in/groups, kH, kW); got shape "
                         f"{weight.data.shape}, expected 4 dims.")
    if weight.data.dtype != x.data.dtype:
        raise TypeError(f"{op}: x and weight must have the same dtype; got {x.data.dtype.name} and "
                        f"{weight.data.dtype.name}.")
    stride, padding, dilation, groups = _conv_args(op, stride, padding, dilation, groups)
    _check_conv(op, x.data.shape, weight.data.shape, stride, padding, dilation, groups)
    attrs = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    if bias is None:
        return Conv2d.apply(x, weight, **attrs)
    bias = as_tensor(bias, x)
    if bias.data.shape != (weight.data.shape[0],):
        raise ValueError(f"{op}: bias must have shape (C_out,); got {bias.data.shape}, expected "
                         f"({weight.data.shape[0]},).")
    if bias.data.dtype != x.data.dtype:
        raise TypeError(f"{op}: bias must have the dtype of x; got {bias.data.dtype.name}, expected "
                        f"{x.data.dtype.name}.")
    return Conv2d.apply(x, weight, bias, **attrs)


def conv2d_input(input_size, weight, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """Gradient of conv2d with respect to its input (PyTorch's `torch.nn.grad.conv2d_input`):
    the transposed convolution of `grad_output` with `weight` (see `Conv2dInput`).

    Args:
        input_size (tuple): (N, C_in, H, W) of the convolution's input.
        weight (Tensor): (C_out, C_in/groups, kH, kW).
        grad_output (Tensor): (N, C_out, Ho, Wo), Ho/Wo as conv2d gives for `input_size`.
        stride, padding, dilation, groups: as in `conv2d`.

    Returns:
        Tensor (N, C_in, H, W), dtype of grad_output.

    Raises:
        ValueError: if the shapes are inconsistent with a conv2d of `input_size`.
        TypeError: for mismatched dtypes.
    """
    op = "conv2d_input"
    weight, grad_output = as_tensor(weight), as_tensor(grad_output)
    _check_image(op, grad_output, "grad_output")
    if weight.data.dtype != grad_output.data.dtype:
        raise TypeError(f"{op}: weight and grad_output must have the same dtype; got {weight.data.dtype.name} "
                        f"and {grad_output.data.dtype.name}.")
    stride, padding, dilation, groups = _conv_args(op, stride, padding, dilation, groups)
    x_shape = tuple(int(s) for s in input_size)
    _check_conv(op, x_shape, weight.data.shape, stride, padding, dilation, groups)
    _check_out_shape(op, grad_output.data.shape, x_shape, weight.data.shape, stride, padding, dilation)
    return Conv2dInput.apply(grad_output, weight, x_shape=x_shape, stride=stride, padding=padding,
                             dilation=dilation, groups=groups)


def conv2d_weight(x, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """Gradient of conv2d with respect to its weight (PyTorch's `torch.nn.grad.conv2d_weight`):
    the correlation of the input with `grad_output` (see `Conv2dWeight`).

    Args:
        x (Tensor): (N, C_in, H, W), the convolution's input.
        weight_size (tuple): (C_out, C_in/groups, kH, kW).
        grad_output (Tensor): (N, C_out, Ho, Wo).
        stride, padding, dilation, groups: as in `conv2d`.

    Returns:
        Tensor of `weight_size`, dtype of x.

    Raises:
        ValueError: if the shapes are inconsistent with a conv2d of x.
        TypeError: for mismatched dtypes.
    """
    op = "conv2d_weight"
    x, grad_output = as_tensor(x), as_tensor(grad_output)
    _check_image(op, x)
    _check_image(op, grad_output, "grad_output")
    if x.data.dtype != grad_output.data.dtype:
        raise TypeError(f"{op}: x and grad_output must have the same dtype; got {x.data.dtype.name} "
                        f"and {grad_output.data.dtype.name}.")
    stride, padding, dilation, groups = _conv_args(op, stride, padding, dilation, groups)
    w_shape = tuple(int(s) for s in weight_size)
    _check_conv(op, x.data.shape, w_shape, stride, padding, dilation, groups)
    _check_out_shape(op, grad_output.data.shape, x.data.shape, w_shape, stride, padding, dilation)
    return Conv2dWeight.apply(x, grad_output, w_shape=w_shape, stride=stride, padding=padding,
                              dilation=dilation, groups=groups)


def _check_out_shape(op, g_shape, x_shape, w_shape, stride, padding, dilation):
    expected = (x_shape[0], w_shape[0], _out_size(x_shape[2], w_shape[2], stride[0], padding[0], dilation[0]),
                _out_size(x_shape[3], w_shape[3], stride[1], padding[1], dilation[1]))
    if tuple(g_shape) != expected:
        raise ValueError(f"{op}: grad_output has the wrong shape; got {tuple(g_shape)}, expected {expected}.")


# -- pooling -------------------------------------------------------------------------------
def _pool_args(op, x, kernel_size, stride, padding):
    _check_image(op, x)
    kernel = _pair(kernel_size, "kernel_size", op, 1)
    stride = kernel if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0) \
        else _pair(stride, "stride", op, 1)
    padding = _pair(padding, "padding", op, 0)
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        raise ValueError(f"{op}: padding must be at most half the kernel size; got padding {padding}, "
                         f"kernel_size {kernel}.")
    h, w = x.data.shape[2:]
    ho, wo = _out_size(h, kernel[0], stride[0], padding[0], 1), _out_size(w, kernel[1], stride[1], padding[1], 1)
    if ho < 1 or wo < 1:
        raise ValueError(f"{op}: the kernel is larger than the padded input; got kernel {kernel}, padded input "
                         f"({h + 2 * padding[0]}, {w + 2 * padding[1]}), expected kernel <= input.")
    return kernel, stride, padding, (ho, wo)


def _gather(xd, idx):
    """out[n, c, h, w] = xd[n, c].flat[idx[n, c, h, w]] (take along each plane)."""
    n, c, h, w = xd.shape
    flat = xd.reshape(n * c, h * w)
    return np.take_along_axis(flat, idx.reshape(n * c, -1), axis=1).reshape(idx.shape)


def _scatter(gd, idx, x_shape):
    """Adjoint of `_gather`: out[n, c].flat[idx[n, c, h, w]] += gd[n, c, h, w] (repeats add)."""
    n, c, h, w = x_shape
    plane = h * w
    pos = (idx.reshape(n * c, -1) + (np.arange(n * c) * plane)[:, None]).reshape(-1)
    out = np.bincount(pos, weights=gd.reshape(-1), minlength=n * c * plane)
    return out.astype(gd.dtype, copy=False).reshape(x_shape)


def _window_slices(kernel, stride, out_hw):
    """Per kernel offset t = i·kW + j: the strided (rows, cols) slices of the padded image
    that hold, for every output cell, its window's element at offset (i, j)."""
    (kh, kw), (sh, sw), (ho, wo) = kernel, stride, out_hw
    return [(slice(i, i + sh * (ho - 1) + 1, sh), slice(j, j + sw * (wo - 1) + 1, sw))
            for i in range(kh) for j in range(kw)]


def _max_pool_local(xd, kernel, stride, padding, out_hw):
    """(values, arg): window maxima and the offset t = i·kW + j of each window's first
    maximum (row-major), by one strided pass per kernel offset (no window copies)."""
    xp = _pad(xd, padding, -np.inf)
    slices = _window_slices(kernel, stride, out_hw)
    best = xp[(Ellipsis,) + slices[0]].copy()
    itype = np.int8 if len(slices) <= 127 else np.int32
    arg = np.zeros(best.shape, dtype=itype)
    better = np.empty(best.shape, dtype=bool)
    tmp = np.empty(best.shape, dtype=itype)
    for t, sl in enumerate(slices[1:], 1):
        view = xp[(Ellipsis,) + sl]
        np.greater(view, best, out=better)
        np.maximum(best, view, out=best)
        # the last offset that beat the running maximum is the first arg-max (branch-free)
        np.multiply(better, itype(t), out=tmp)
        np.maximum(arg, tmp, out=arg)
    return best, arg


def _local_to_flat(arg, kernel, stride, padding, out_hw, width):
    """Window offsets → flat H·W indices into each unpadded plane (PyTorch's indices)."""
    (_, kw), (sh, sw), (ph, pw), (ho, wo) = kernel, stride, padding, out_hw
    arg = arg.astype(np.int64)
    row = arg // kw + (np.arange(ho) * sh - ph)[:, None]
    col = arg % kw + (np.arange(wo) * sw - pw)
    return row * width + col


def _max_pool_indices(xd, kernel, stride, padding, out_hw):
    """(values, indices): window maxima and the flat H·W index of the first arg-max of each."""
    values, arg = _max_pool_local(xd, kernel, stride, padding, out_hw)
    return values, _local_to_flat(arg, kernel, stride, padding, out_hw, xd.shape[3])


def _max_pool_backward(gd, arg, x_shape, kernel, stride, padding, out_hw):
    """X̄ from Ḡ and the window offsets of the maxima: one masked strided write (or add, where
    windows overlap) per kernel offset."""
    n, c, h, w = x_shape
    (ph, pw) = padding
    gp = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=gd.dtype)
    overlap = stride[0] < kernel[0] or stride[1] < kernel[1]
    mask = np.empty(arg.shape, dtype=bool)
    for t, sl in enumerate(_window_slices(kernel, stride, out_hw)):
        view = gp[(Ellipsis,) + sl]
        np.equal(arg, t, out=mask)
        if overlap:
            view += gd * mask
        else:
            np.multiply(gd, mask, out=view)
    if ph or pw:
        return gp[:, :, ph:ph + h, pw:pw + w]
    return gp


class MaxPool2d(Function):
    """Y = max over each kH×kW window of X (padding counts as −∞).

    Args: x (N, C, H, W) floating. Attrs: kernel, stride, padding (pairs), out_hw; or
        `indices` (N, C, Ho, Wo) int64 flat H·W positions to gather at (the form used by the
        VJP of max_unpool2d, where the arg-max is held fixed).
    Returns: (N, C, Ho, Wo), Ho = ⌊(H + 2p − kH)/s⌋ + 1; dtype of x.
    VJP: Y = X.flat[I] with I the (locally constant) index of the first maximum of each
        window ⇒ dY = dX.flat[I], ⟨Ḡ, dX.flat[I]⟩ = ⟨scatter_add(Ḡ, I), dX⟩
        ⇒ X̄ = max_unpool2d(Ḡ, I): each window's gradient goes to its arg-max; where windows
        overlap the contributions add. Ties: the first maximum (row-major) gets it all.
        Without create_graph the scatter runs in numpy, one masked strided write per kernel
        offset; with it, through the differentiable `MaxUnpool2d`.
    """
    name = "max_pool2d"
    rule = "X̄ = scatter_add(Ḡ, argmax)"
    rule_latex = r"\bar X = \mathrm{scatter\_add}(\bar G, \arg\max)"

    @staticmethod
    def forward(ctx, x, *, kernel=None, stride=None, padding=None, out_hw=None, indices=None):
        """Compute the op on the inputs' ndarrays (see the class docstring); returns an ndarray."""
        ctx.x_shape = x.data.shape
        if indices is not None:
            ctx.indices = indices
            ctx.arg = None
            return _gather(x.data, indices)
        out, arg = _max_pool_local(x.data, kernel, stride, padding, out_hw)
        ctx.arg = arg
        ctx.geometry = (kernel, stride, padding, out_hw)
        return out

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints for the output adjoint `grad_out`, by the rule in the class docstring."""
        if ctx.arg is None:
            return (MaxUnpool2d.apply(grad_out, indices=ctx.indices, x_shape=ctx.x_shape),)
        if not _state[0]:
            return (Tensor._make(_max_pool_backward(grad_out.data, ctx.arg, ctx.x_shape, *ctx.geometry), False,
                                 None),)
        kernel, stride, padding, out_hw = ctx.geometry
        indices = _local_to_flat(ctx.arg, kernel, stride, padding, out_hw, ctx.x_shape[3])
        return (MaxUnpool2d.apply(grad_out, indices=indices, x_shape=ctx.x_shape),)


class MaxUnpool2d(Function):
    """X = max_unpool2d(G, I): scatter-add each value of G (N, C, Ho, Wo) to the flat H·W
    position I (int64, same shape) of its plane of an (N, C, H, W) zero image.

    Args: g (N, C, Ho, Wo) floating. Attrs: indices (N, C, Ho, Wo) int64 in [0, H·W),
        x_shape (N, C, H, W).
    Returns: (N, C, H, W), dtype of g. Unlike PyTorch (which keeps one of repeated indices),
        repeated indices add up, so this is exactly the adjoint of max_pool2d.
    VJP: X = Sᵀ-free form X.flat[I] += G is linear, X = S G with S the scatter matrix;
        ⟨Ā, S dG⟩ = ⟨Sᵀ Ā, dG⟩ and Sᵀ Ā = Ā.flat[I] ⇒ Ḡ = gather(Ā, I) (max_pool2d at fixed I).
    """
    name = "max_unpool2d"
    rule = "Ḡ = gather(Ā, I)"
    rule_latex = r"\bar G = \bar A[I]"

    @staticmethod
    def forward(ctx, g, *, indices, x_shape):
        """Compute the op on the inputs' ndarrays (see the class docstring); returns an ndarray."""
        ctx.indices = indices
        return _scatter(g.data, indices, x_shape)

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints for the output adjoint `grad_out`, by the rule in the class docstring."""
        return (MaxPool2d.apply(grad_out, indices=ctx.indices),)


def max_pool2d(x, kernel_size, stride=None, padding=0):
    """2-D max pooling (PyTorch's `max_pool2d`; padding with −∞, no dilation, floor mode).

    Args:
        x (Tensor): (N, C, H, W), floating.
        kernel_size: int or (kH, kW).
        stride: int or pair; None (default) = kernel_size.
        padding: int or pair, at most half the kernel.

    Returns:
        Tensor (N, C, Ho, Wo), Ho = ⌊(H + 2·pad − kH)/stride⌋ + 1; dtype of x.

    Raises:
        ValueError: for non-4-D x, non-positive kernel/stride, negative padding or padding above
            half the kernel, or a kernel larger than the padded input.
        TypeError: for a non-floating x or malformed int arguments.

    The gradient goes to the first maximum of each window and accumulates where windows
    overlap (see `MaxPool2d`). Fast path (a reshape, no window copy) when stride == kernel
    and padding == 0.
    """
    x = as_tensor(x)
    kernel, stride, padding, out_hw = _pool_args("max_pool2d", x, kernel_size, stride, padding)
    return MaxPool2d.apply(x, kernel=kernel, stride=stride, padding=padding, out_hw=out_hw)


def max_unpool2d(x, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Inverse of max pooling (PyTorch's `max_unpool2d`): put each value at its `indices`
    position of a zero image; repeated indices add up (see `MaxUnpool2d`).

    Args:
        x (Tensor): (N, C, Ho, Wo), floating.
        indices (Tensor or ndarray): int (N, C, Ho, Wo), flat positions in each H·W plane.
        kernel_size, stride (default kernel_size), padding: of the pooling being undone.
        output_size: (H, W) or (N, C, H, W); default (Ho − 1)·stride − 2·pad + kernel.

    Returns:
        Tensor (N, C, H, W), dtype of x.

    Raises:
        ValueError: if indices and x differ in shape or an index is outside [0, H·W).
        TypeError: if indices are not integers.
    """
    op = "max_unpool2d"
    x = as_tensor(x)
    _check_image(op, x)
    idx = indices.data if hasattr(indices, "grad_fn") else np.asarray(indices)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{op}: indices must be integers; got dtype {idx.dtype.name}, expected int64.")
    if idx.shape != x.data.shape:
        raise ValueError(f"{op}: indices must have the shape of x; got {idx.shape}, expected {x.data.shape}.")
    kernel = _pair(kernel_size, "kernel_size", op, 1)
    stride = kernel if stride is None else _pair(stride, "stride", op, 1)
    padding = _pair(padding, "padding", op, 0)
    n, c, ho, wo = x.data.shape
    if output_size is None:
        h = (ho - 1) * stride[0] - 2 * padding[0] + kernel[0]
        w = (wo - 1) * stride[1] - 2 * padding[1] + kernel[1]
    else:
        h, w = (int(v) for v in tuple(output_size)[-2:])
    if idx.size and (idx.min() < 0 or idx.max() >= h * w):
        raise ValueError(f"{op}: indices must lie in [0, H·W); got values in [{idx.min()}, {idx.max()}], "
                         f"expected [0, {h * w}).")
    return MaxUnpool2d.apply(x, indices=idx.astype(np.int64, copy=False), x_shape=(n, c, h, w))


class AvgPool2d(Function):
    """Y = mean over each kH×kW window of X (zero padding).

    Args: x (N, C, H, W) floating. Attrs: kernel, stride, padding (pairs), out_hw,
        count_include_pad (bool: divide by kH·kW, or by the number of non-padding cells).
    Returns: (N, C, Ho, Wo); dtype of x.
    VJP: Y = (1/K) ⊙ conv2d(X, 1, groups=C) (a depthwise convolution with a ones kernel,
        K the per-window count) ⇒ X̄ = conv2d_input(Ḡ ⊘ K, 1, groups=C): each window's Ḡ/K is
        spread over its cells (strided adds per kernel offset).
    """
    name = "avg_pool2d"
    rule = "X̄ = conv2d_input(Ḡ ⊘ K, 1, groups=C)"
    rule_latex = r"\bar X = \mathrm{conv2d\_input}(\bar G \oslash K, \mathbf{1})"

    @staticmethod
    def forward(ctx, x, *, kernel, stride, padding, out_hw, count_include_pad):
        """Compute the op on the inputs' ndarrays (see the class docstring); returns an ndarray."""
        xd = x.data
        n, c, h, w = xd.shape
        (kh, kw), (sh, sw), (ho, wo) = kernel, stride, out_hw
        xp = _pad(xd, padding)
        out = np.zeros((n, c, ho, wo), dtype=xd.dtype)
        for i in range(kh):
            for j in range(kw):
                out += xp[:, :, i:i + sh * (ho - 1) + 1:sh, j:j + sw * (wo - 1) + 1:sw]
        inv = _avg_inv_count(xd.dtype, (h, w), kernel, stride, padding, out_hw, count_include_pad)
        out *= inv
        ctx.inv = inv
        ctx.attrs = (kernel, stride, padding)
        ctx.x_shape = xd.shape
        return out

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints for the output adjoint `grad_out`, by the rule in the class docstring."""
        kernel, stride, padding = ctx.attrs
        c = ctx.x_shape[1]
        scaled = grad_out * ctx.inv
        ones = np.ones((c, 1) + kernel, dtype=grad_out.data.dtype)
        if not _state[0]:
            return (as_tensor(_conv_input_grad(scaled.data, ones, ctx.x_shape, stride, padding, (1, 1), c)),)
        return (Conv2dInput.apply(scaled, as_tensor(ones), x_shape=ctx.x_shape, stride=stride, padding=padding,
                                  dilation=(1, 1), groups=c),)


def _avg_inv_count(dtype, hw, kernel, stride, padding, out_hw, count_include_pad):
    """1/K per output cell: a scalar array, or an (Ho, Wo) array when padding is excluded."""
    if count_include_pad or (not padding[0] and not padding[1]):
        return np.asarray(1.0 / (kernel[0] * kernel[1]), dtype=dtype)
    counts = []
    for size, k, s, p, o in zip(hw, kernel, stride, padding, out_hw):
        start = np.arange(o) * s - p
        counts.append(np.minimum(start + k, size) - np.maximum(start, 0))
    return (1.0 / np.outer(counts[0], counts[1])).astype(dtype)


def avg_pool2d(x, kernel_size, stride=None, padding=0, count_include_pad=True):
    """2-D average pooling (PyTorch's `avg_pool2d`, floor mode, zero padding).

    Args:
        x (Tensor): (N, C, H, W), floating.
        kernel_size: int or (kH, kW).
        stride: int or pair; None (default) = kernel_size.
        padding: int or pair, at most half the kernel.
        count_include_pad (bool): divide by kH·kW (True) or by the number of input cells in
            the window (False).

    Returns:
        Tensor (N, C, Ho, Wo), Ho = ⌊(H + 2·pad − kH)/stride⌋ + 1; dtype of x.

    Raises:
        ValueError, TypeError: as `max_pool2d`.
    """
    x = as_tensor(x)
    kernel, stride, padding, out_hw = _pool_args("avg_pool2d", x, kernel_size, stride, padding)
    return AvgPool2d.apply(x, kernel=kernel, stride=stride, padding=padding, out_hw=out_hw,
                           count_include_pad=bool(count_include_pad))
