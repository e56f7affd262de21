"""Convolution and pooling over (N, C, H, W) images: conv2d (with its two adjoint ops
conv2d_input and conv2d_weight), max_pool2d (with its adjoint max_unpool2d) and avg_pool2d.

Notation. A convolution (PyTorch's, i.e. a cross-correlation) with stride s, padding p,
dilation d and kernel (kH, kW) reads the zero-padded input X_p at

    Y[n, o, h, w] = b[o] + Σ_{c, i, j} W[o, c, i, j] · X_p[n, c, h·s + i·d, w·s + j·d].

im2col gathers the patches into columns Col[(c, i, j), n, (h, w)] = X_p[n, c, h·s + i·d,
w·s + j·d] (one strided copy per kernel offset (i, j)), so the whole forward is one batched
matrix product Y[n] = W₂ Col[n] with W₂ = W reshaped to (C_out, C_in·kH·kW) (per group),
written straight into the (N, C_out, Ho, Wo) output. col2im is its adjoint: it scatter-adds
columns back into the padded image, again one strided slice per kernel offset (never a loop
over pixels), a few images at a time so the columns stay in cache. With stride 1 and one
group the input gradient instead pads Ḡ to the padded image's plane, so that each kernel
offset is one contiguous shifted add over a whole block (`_conv_input_grad_flat`).

Speed notes (float32 stays float32 throughout): columns are built for a few images at a
time (≤ 2 MB) and never kept (only x is saved), the weight gradient Σ_n Ḡ[n] Col[n]ᵀ is one
batched product per block, max pooling makes one strided pass per window offset (the
arg-max is recovered in backward from x == max).

The three conv ops are closed under differentiation (each VJP is one of the other two), so
`create_graph=True` gives gradients of any order:
    conv2d(X, W)            → X̄ = conv2d_input(Ḡ, W),  W̄ = conv2d_weight(X, Ḡ)
    conv2d_input(G, W)      → Ḡ = conv2d(Ā, W),         W̄ = conv2d_weight(Ā, G)
    conv2d_weight(X, G)     → X̄ = conv2d_input(G, B̄),  Ḡ = conv2d(X, B̄)
(Ā, B̄: the adjoints of the respective outputs). max_pool2d and max_unpool2d are each
other's adjoints for fixed arg-max indices; avg_pool2d's VJP is a depthwise conv2d_input.
"""
import threading

import numpy as np

from ..function import Function
from ..tensor import Tensor
from .common import as_tensor
from .dispatch import apply


# -- argument handling ---------------------------------------------------------------------
def pair(value, what, op, minimum):
    """An int or a pair of ints → a tuple of 2 ints ≥ `minimum` (also used by ``nn.Conv2d``).

    Args:
        value: an int or a tuple/list of two ints (bools refused).
        what (str): the argument's name for messages (``"stride"``).
        op (str): the caller's name, first in messages.
        minimum (int): the smallest value allowed.

    Returns:
        tuple[int, int].

    Raises:
        TypeError: if `value` is not an int or a pair of ints.
        ValueError: if a value is below `minimum`.
    """
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


def _check_image(op, x, name="x", unbatched_ok=False):
    if x.data.ndim != 4:
        if unbatched_ok:
            raise ValueError(f"{op}: {name} must be 4-D (N, C, H, W) or 3-D (C, H, W); got shape {x.data.shape}, "
                             f"expected 3 or 4 dims.")
        raise ValueError(f"{op}: {name} must be 4-D (N, C, H, W); got shape {x.data.shape}, expected 4 dims.")
    if x.data.dtype.kind != "f":
        raise TypeError(f"{op}: {name} must have a floating dtype; got {x.data.dtype.name}, expected float32 or float64.")


def _out_size(size, k, s, p, d):
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def _pad(xd, padding, value=0.0, extra=(0, 0)):
    """Copy of (N, C, H, W) `xd` with `padding` rows/cols of `value` on each side, and `extra`
    more at the bottom/right (ceil-mode pooling); or xd itself when nothing is added."""
    ph, pw = padding
    eh, ew = extra
    if not ph and not pw and not eh and not ew:
        return xd
    n, c, h, w = xd.shape
    out = np.full((n, c, h + 2 * ph + eh, w + 2 * pw + ew), value, dtype=xd.dtype)
    out[:, :, ph:ph + h, pw:pw + w] = xd
    return out


def _im2col(xp, kernel, out_hw, stride, dilation):
    """Channels-first columns (C, kH, kW, N, Ho, Wo) of the padded image `xp` (N, C, Hp, Wp):
    one strided copy per kernel offset, into the thread's scratch array (valid until the next
    block is built)."""
    n, c = xp.shape[:2]
    (kh, kw), (ho, wo), (sh, sw), (dh, dw) = kernel, out_hw, stride, dilation
    cols = _scratch((c, kh, kw, n, ho, wo), xp.dtype)
    src = xp.transpose(1, 0, 2, 3)
    for i in range(kh):
        r = i * dh
        for j in range(kw):
            q = j * dw
            cols[:, i, j] = src[:, :, r:r + sh * (ho - 1) + 1:sh, q:q + sw * (wo - 1) + 1:sw]
    return cols


_CHUNK = 1 << 19  # elements of the largest column block built at once (2 MB in float32)
_scratch_store = threading.local()


def _scratch(shape, dtype):
    """A reusable per-thread work array for one column block (never returned to callers):
    reusing it spares the page faults of a fresh multi-megabyte allocation per block."""
    size = 1
    for s in shape:
        size *= s
    dtype = np.dtype(dtype)
    bufs = getattr(_scratch_store, "bufs", None)
    if bufs is None:
        bufs = _scratch_store.bufs = {}
    buf = bufs.get(dtype)
    if buf is None or buf.size < size:
        buf = bufs[dtype] = np.empty(max(size, _CHUNK), dtype=dtype)
    return buf[:size].reshape(shape)


def _col2im_add(xp, cols, n0, stride, dilation):
    """Scatter-add columns (n, C, kH, kW, Ho, Wo) into images n0… of the padded gradient `xp`
    (N, C, Hp, Wp): one strided add per kernel offset."""
    (sh, sw), (dh, dw) = stride, dilation
    nc, _, kh, kw, ho, wo = cols.shape
    dst = xp[n0:n0 + nc]
    for i in range(kh):
        r = i * dh
        for j in range(kw):
            q = j * dw
            dst[:, :, r:r + sh * (ho - 1) + 1:sh, q:q + sw * (wo - 1) + 1:sw] += cols[:, :, i, j]


def _conv_forward(xd, wd, bias, stride, padding, dilation, groups):
    """The convolution (+ bias); columns are built a few images at a time (≤ `_CHUNK`
    elements) so they stay in cache, and each block's product is written straight into the
    (N, C_out, Ho, Wo) output."""
    n, cin, h, w = xd.shape
    cout, cg, kh, kw = wd.shape
    ho = _out_size(h, kh, stride[0], padding[0], dilation[0])
    wo = _out_size(w, kw, stride[1], padding[1], dilation[1])
    xp = _pad(xd, padding)
    k = cg * kh * kw
    w3 = wd.reshape(groups, cout // groups, k)[None]
    out = np.empty((n, groups, cout // groups, ho * wo), dtype=np.result_type(xd, wd))
    step = max(1, _CHUNK // max(1, groups * k * ho * wo))
    for n0 in range(0, n, step):
        cols = _im2col(xp[n0:n0 + step], (kh, kw), (ho, wo), stride, dilation)
        nc = cols.shape[3]
        np.matmul(w3, cols.reshape(groups, k, nc, ho * wo).transpose(2, 0, 1, 3), out=out[n0:n0 + nc])
    out = out.reshape(n, cout, ho, wo)
    if bias is not None:
        out += bias.reshape(-1, 1, 1)
    return out


def _conv_input_grad(gd, wd, x_shape, stride, padding, dilation, groups):
    """X̄ = col2im(W₂ᵀ Ḡ): the transposed convolution of Ḡ (N, C_out, Ho, Wo) with W.

    Columns are built for a few images at a time (≤ `_CHUNK` elements) so they stay in cache."""
    n, cout, ho, wo = gd.shape
    _, cg, kh, kw = wd.shape
    _, cin, h, w = x_shape
    (ph, pw) = padding
    if (groups == 1 and stride == (1, 1) and ho == h + 2 * ph - dilation[0] * (kh - 1)
            and wo == w + 2 * pw - dilation[1] * (kw - 1)):
        return _conv_input_grad_flat(gd, wd, x_shape, padding, dilation)
    k = cg * kh * kw
    og = cout // groups
    wt = wd.reshape(groups, og, k).transpose(0, 2, 1)
    xp = np.zeros((n, cin, h + 2 * ph, w + 2 * pw), dtype=gd.dtype)
    step = max(1, _CHUNK // max(1, groups * k * ho * wo))
    g4 = gd.reshape(n, groups, og, ho * wo)
    for n0 in range(0, n, step):
        # columns Col̄[n] = W₂ᵀ Ḡ[n] (C_in·kH·kW, Ho·Wo), one product per image and group
        gc = g4[n0:n0 + step]
        cols = np.matmul(wt, gc, out=_scratch((gc.shape[0], groups, k, ho * wo), gd.dtype))
        _col2im_add(xp, cols.reshape(cols.shape[0], groups * cg, kh, kw, ho, wo), n0, stride, dilation)
    if ph or pw:
        return xp[:, :, ph:ph + h, pw:pw + w]
    return xp


def _conv_input_grad_flat(gd, wd, x_shape, padding, dilation):
    """Stride 1, one group: X̄ = col2im(W₂ᵀ Ḡ) with whole-block adds.

    Ḡ is laid out channel-major and zero-padded to the padded image's size Hp×Wp, so output
    cell (h, w) sits at flat position h·Wp + w of its plane and kernel offset (i, j) sends it
    to position h·Wp + w + i·d·Wp + j·d of the same plane. Hence, for a block of images, one
    product Col̄ = W₂ᵀ Ḡ (rows ordered by offset, then input channel) followed by kH·kW
    contiguous 1-D adds of the whole (C_in, n, Hp·Wp) block, each shifted by its offset; the
    padding cells of Ḡ are zero, so what lands outside a plane's valid cells is zero or is
    cut away with the padding."""
    n, cout, ho, wo = gd.shape
    _, cin, kh, kw = wd.shape
    _, _, h, w = x_shape
    (ph, pw), (dh, dw) = padding, dilation
    hp, wp = h + 2 * ph, w + 2 * pw
    plane = hp * wp
    kk = kh * kw
    offs = [i * dh * wp + j * dw for i in range(kh) for j in range(kw)]
    tail = offs[-1]
    wr = wd.transpose(2, 3, 1, 0).reshape(kk * cin, cout)
    out = np.empty((n, cin, h, w), dtype=gd.dtype)
    step = max(1, min(n, (_CHUNK // 2) // (kk * cin * plane)))
    gpad = np.zeros((cout, step, hp, wp), dtype=gd.dtype)
    buf = np.empty(cin * step * plane + tail, dtype=gd.dtype)
    gt = gd.transpose(1, 0, 2, 3)
    for n0 in range(0, n, step):
        nc = min(step, n - n0)
        gp = gpad[:, :nc]
        gp[:, :, :ho, :wo] = gt[:, n0:n0 + nc]
        length = cin * nc * plane
        cols = np.matmul(wr, gp.reshape(cout, nc * plane), out=_scratch((kk * cin, nc * plane), gd.dtype))
        cols = cols.reshape(kk, length)
        b = buf[:length + tail]
        b[:length] = cols[0]
        b[length:] = 0
        for t in range(1, kk):
            b[offs[t]:offs[t] + length] += cols[t]
        out[n0:n0 + nc] = b[:length].reshape(cin, nc, hp, wp)[:, :, ph:ph + h, pw:pw + w].transpose(1, 0, 2, 3)
    return out


def _conv_weight_grad(xd, gd, w_shape, stride, padding, dilation, groups):
    """W̄[o, c, i, j] = Σ_{n, h, w} Ḡ[n, o, h, w] X_p[n, c, h·s + i·d, w·s + j·d] (correlation),
    from the columns of a few images at a time."""
    n, cout, ho, wo = gd.shape
    _, cg, kh, kw = w_shape
    k = cg * kh * kw
    og = cout // groups
    xp = _pad(xd, padding)
    g4 = gd.reshape(n, groups, og, ho * wo)
    total = np.zeros((groups, og, k), dtype=gd.dtype)
    step = max(1, _CHUNK // max(1, groups * k * ho * wo))
    for n0 in range(0, n, step):
        cols = _im2col(xp[n0:n0 + step], (kh, kw), (ho, wo), stride, dilation)
        nc = cols.shape[3]
        if groups == 1 and k >= 32:
            # one product Col Ḡᵀ over the block: (k, n·Ho·Wo) @ (n·Ho·Wo, C_out), accumulated transposed
            gt = g4[n0:n0 + nc, 0].transpose(0, 2, 1).reshape(nc * ho * wo, og)
            total[0] += (cols.reshape(k, nc * ho * wo) @ gt).T
        else:
            # per image and group Ḡ[n] Col[n]ᵀ (no transposed copy of Ḡ), summed over the images
            per_image = np.matmul(g4[n0:n0 + nc], cols.reshape(groups, k, nc, ho * wo).transpose(2, 0, 3, 1))
            total += per_image.sum(axis=0)
    return total.reshape(w_shape)


def _conv_attrs(ctx, stride, padding, dilation, groups):
    ctx.stride, ctx.padding, ctx.dilation, ctx.groups = stride, padding, dilation, groups


def _saved_conv_attrs(ctx):
    """The attrs stored by `_conv_attrs`, as keyword arguments for the next conv op's `apply`."""
    return dict(stride=ctx.stride, padding=ctx.padding, dilation=ctx.dilation, groups=ctx.groups)


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
    Reference: tr(AB) = tr(BA); im2col as in Chellapilla et al. (2006).
    """
    name = "conv2d"
    rule = "X̄ = col2im(W₂ᵀ Ḡ),  W̄₂ = Σₙ Ḡ Colᵀ,  b̄ = Σ Ḡ  (W₂: W as a C_out × C_in·kH·kW matrix)"
    rule_latex = (r"\bar X = \mathrm{col2im}(W_2^\top \bar G),\; \bar W_2 = \sum_n \bar G\,\mathrm{Col}^\top,"
                  r"\; \bar b = \textstyle\sum \bar G")

    @staticmethod
    def forward(ctx, x, weight, *bias, stride, padding, dilation, groups):
        """Compute the op on the inputs' ndarrays (see the class docstring); returns an ndarray."""
        _conv_attrs(ctx, stride, padding, dilation, groups)
        ctx.save_for_backward(x, weight)
        return _conv_forward(x.data, weight.data, bias[0].data if bias else None, stride, padding, dilation,
                             groups)

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints for the output adjoint `grad_out`, by the rule in the class docstring."""
        x, weight = ctx.saved
        need = ctx.needs_input_grad
        attrs = _saved_conv_attrs(ctx)
        gx = apply(Conv2dInput, grad_out, weight, x_shape=x.shape, **attrs) if need[0] else None
        gw = apply(Conv2dWeight, x, grad_out, w_shape=weight.shape, **attrs) if need[1] else None
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
        g, weight = ctx.saved
        need = ctx.needs_input_grad
        attrs = _saved_conv_attrs(ctx)
        gg = apply(Conv2d, grad_out, weight, **attrs) if need[0] else None
        gw = apply(Conv2dWeight, grad_out, g, w_shape=weight.shape, **attrs) if need[1] else None
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
    def forward(ctx, x, grad_output, *, w_shape, stride, padding, dilation, groups):
        """Compute the op on the inputs' ndarrays (see the class docstring); returns an ndarray."""
        _conv_attrs(ctx, stride, padding, dilation, groups)
        if ctx.needs_input_grad[0] or ctx.needs_input_grad[1]:
            ctx.save_for_backward(x, grad_output)
        return _conv_weight_grad(x.data, grad_output.data, w_shape, stride, padding, dilation, groups)

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints for the output adjoint `grad_out`, by the rule in the class docstring."""
        x, g = ctx.saved
        need = ctx.needs_input_grad
        attrs = _saved_conv_attrs(ctx)
        gx = apply(Conv2dInput, g, grad_out, x_shape=x.shape, **attrs) if need[0] else None
        gg = apply(Conv2d, x, grad_out, **attrs) if need[1] else None
        return gx, gg


def _conv_args(op, stride, padding, dilation, groups):
    stride = pair(stride, "stride", op, 1)
    if isinstance(padding, str):
        if padding != "valid":
            raise ValueError(f"{op}: padding must be an int, a pair of ints, 'valid' or 'same'; got {padding!r}.")
        padding = 0
    padding = pair(padding, "padding", op, 0)
    dilation = pair(dilation, "dilation", op, 1)
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
        x (Tensor): (N, C_in, H, W) (or unbatched (C_in, H, W)), floating.
        weight (Tensor): (C_out, C_in/groups, kH, kW), same dtype as x.
        bias (Tensor or None): (C_out,).
        stride, padding, dilation: int or (h, w) pair; zero padding. padding may also be 'valid'
            (= 0) or 'same' (keeps H, W; stride 1 and odd dilated kernels only).
        groups (int): C_in and C_out split into `groups` independent convolutions.

    Returns:
        Tensor (N, C_out, Ho, Wo) ((C_out, Ho, Wo) for unbatched x),
        Ho = ⌊(H + 2·pad − dil·(kH − 1) − 1)/stride⌋ + 1; dtype of x.

    Raises:
        ValueError: for x not 3-D/4-D or weight not 4-D, a channel mismatch, C_out not divisible by groups,
            a kernel larger than the padded input, a bias that is not (C_out,), or non-positive
            stride/dilation/groups or negative padding.
        TypeError: for non-floating or mismatched dtypes, or malformed int arguments.

    Source: Y[n,o,h,w] = b[o] + Σ_{c,i,j} W[o,c,i,j] X_p[n, c, h·s + i·d, w·s + j·d]; see `Conv2d`.
    """
    op = "conv2d"
    x, weight = as_tensor(x), as_tensor(weight)
    if x.data.ndim == 3:  # unbatched (C, H, W), as PyTorch allows
        return conv2d(x.unsqueeze(0), weight, bias, stride, padding, dilation, groups).squeeze(0)
    _check_image(op, x, unbatched_ok=True)
    if weight.data.ndim != 4:
        raise ValueError(f"{op}: weight must be 4-D (C_out, C_in/groups, kH, kW); got shape "
                         f"{weight.data.shape}, expected 4 dims.")
    if weight.data.dtype != x.data.dtype:
        raise TypeError(f"{op}: x and weight must have the same dtype; got {x.data.dtype.name} and "
                        f"{weight.data.dtype.name}.")
    if isinstance(padding, str) and padding == "same":
        padding = _same_padding(op, weight.data.shape, stride, dilation)
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


def _same_padding(op, w_shape, stride, dilation):
    """Symmetric padding that keeps H and W (padding='same'; stride 1, odd dilated kernels)."""
    if pair(stride, "stride", op, 1) != (1, 1):
        raise ValueError(f"{op}: padding='same' needs stride 1; got stride {stride!r}, expected 1.")
    d = pair(dilation, "dilation", op, 1)
    total = (d[0] * (w_shape[2] - 1), d[1] * (w_shape[3] - 1))
    if total[0] % 2 or total[1] % 2:
        raise ValueError(f"{op}: padding='same' needs an odd (dilated) kernel size for symmetric padding; got "
                         f"kernel {tuple(w_shape[2:])}, dilation {d}.")
    return (total[0] // 2, total[1] // 2)


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
def _pool_args(op, x, kernel_size, stride, padding, ceil_mode=False, dilation=(1, 1)):
    """Validated (kernel, stride, padding, (Ho, Wo), extra): `extra` rows/cols beyond the
    padding that ceil-mode windows reach at the bottom/right (0 in floor mode)."""
    _check_image(op, x, unbatched_ok=True)
    kernel = pair(kernel_size, "kernel_size", op, 1)
    stride = kernel if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0) \
        else pair(stride, "stride", op, 1)
    padding = pair(padding, "padding", op, 0)
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        raise ValueError(f"{op}: padding must be at most half the kernel size; got padding {padding}, "
                         f"kernel_size {kernel}.")
    out, extra = [], []
    for size, k, s, p, d in zip(x.data.shape[2:], kernel, stride, padding, dilation):
        k = d * (k - 1) + 1  # the dilated window's extent
        span = size + 2 * p - k
        if span < 0:
            h, w = x.data.shape[2:]
            raise ValueError(f"{op}: the kernel is larger than the padded input; got kernel {kernel}, padded input "
                             f"({h + 2 * padding[0]}, {w + 2 * padding[1]}), expected kernel <= input.")
        o = (-(-span // s) if ceil_mode else span // s) + 1
        if ceil_mode and (o - 1) * s >= size + p:  # the last window must start inside input or left padding
            o -= 1
        out.append(o)
        extra.append(max(0, (o - 1) * s + k - (size + 2 * p)))
    return kernel, stride, padding, tuple(out), tuple(extra)


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


def _window_slices(kernel, stride, out_hw, dilation=(1, 1)):
    """Per kernel offset t = i·kW + j: the strided (rows, cols) slices of the padded image
    that hold, for every output cell, its window's element at offset (i·d, j·d)."""
    (kh, kw), (sh, sw), (ho, wo), (dh, dw) = kernel, stride, out_hw, dilation
    return [(slice(i * dh, i * dh + sh * (ho - 1) + 1, sh), slice(j * dw, j * dw + sw * (wo - 1) + 1, sw))
            for i in range(kh) for j in range(kw)]


def _max_pool_values(xd, kernel, stride, padding, out_hw, extra=(0, 0), dilation=(1, 1)):
    """Window maxima (N, C, Ho, Wo), separably: the maximum over each window's kH rows (one
    np.maximum pass per row offset over whole rows: contiguous), then over its kW columns (one
    strided pass per column offset) — 17 % faster than kH·kW strided passes for 2×2 windows."""
    xp = _pad(xd, padding, -np.inf, extra)
    (kh, kw), (sh, sw), (ho, wo), (dh, dw) = kernel, stride, out_hw, dilation
    rows = _running_max([xp[:, :, i * dh:i * dh + sh * (ho - 1) + 1:sh] for i in range(kh)])
    return _running_max([rows[..., j * dw:j * dw + sw * (wo - 1) + 1:sw] for j in range(kw)])


def _running_max(views):
    """The elementwise maximum of same-shape `views`, as a new array."""
    if len(views) == 1:
        return views[0].copy()
    best = np.maximum(views[0], views[1])
    for v in views[2:]:
        np.maximum(best, v, out=best)
    return best


def _last_nan_offsets(xp, out, slices):
    """Per window whose maximum is NaN, the offset t of its LAST NaN (PyTorch's arg-max there:
    its kernel takes a NaN whenever it meets one); −1 elsewhere. None when no maximum is NaN."""
    if not np.isnan(out).any():
        return None
    pick = np.full(out.shape, -1, dtype=np.int32)
    for t, sl in enumerate(slices):
        pick[np.isnan(xp[(Ellipsis,) + sl])] = t
    return pick


def _max_pool_masks(xd, out, kernel, stride, padding, out_hw, extra=(0, 0), dilation=(1, 1)):
    """Yield (slices, mask) per kernel offset t (row-major): mask marks the windows whose first
    maximum sits at offset t (x == max there and at no earlier offset); a window whose maximum
    is NaN has its last NaN as arg-max, as in PyTorch."""
    xp = _pad(xd, padding, -np.inf, extra)
    slices = _window_slices(kernel, stride, out_hw, dilation)
    nan_pick = _last_nan_offsets(xp, out, slices)
    taken = np.zeros(out.shape, dtype=bool)
    mask = np.empty(out.shape, dtype=bool)
    last = len(slices) - 1
    for t, sl in enumerate(slices):
        np.equal(xp[(Ellipsis,) + sl], out, out=mask)
        if nan_pick is not None:
            mask |= nan_pick == t
        np.greater(mask, taken, out=mask)  # mask ∧ ¬taken
        if t < last:
            np.logical_or(taken, mask, out=taken)
        yield sl, mask


def _max_pool_local(xd, kernel, stride, padding, out_hw, values=None, extra=(0, 0), dilation=(1, 1)):
    """(values, arg): window maxima and the offset t = i·kW + j of each window's first maximum."""
    if values is None:
        values = _max_pool_values(xd, kernel, stride, padding, out_hw, extra, dilation)
    itype = np.int8 if kernel[0] * kernel[1] <= 127 else np.int32
    arg = np.zeros(values.shape, dtype=itype)
    for t, (_, mask) in enumerate(_max_pool_masks(xd, values, kernel, stride, padding, out_hw, extra, dilation)):
        if t:
            arg += mask * itype(t)
    return values, arg


def _local_to_flat(arg, kernel, stride, padding, out_hw, width, dilation=(1, 1)):
    """Window offsets → flat H·W indices into each unpadded plane (PyTorch's indices)."""
    (_, kw), (sh, sw), (ph, pw), (ho, wo), (dh, dw) = kernel, stride, padding, out_hw, dilation
    arg = arg.astype(np.int64)
    row = (arg // kw) * dh + (np.arange(ho) * sh - ph)[:, None]
    col = (arg % kw) * dw + (np.arange(wo) * sw - pw)
    return row * width + col


def _max_pool_indices(xd, kernel, stride, padding, out_hw, extra=(0, 0)):
    """(values, indices): window maxima and the flat H·W index of the first arg-max of each."""
    values, arg = _max_pool_local(xd, kernel, stride, padding, out_hw, extra=extra)
    return values, _local_to_flat(arg, kernel, stride, padding, out_hw, xd.shape[3])


def _max_pool_backward(gd, xd, out, kernel, stride, padding, out_hw, extra=(0, 0), dilation=(1, 1)):
    """X̄ from Ḡ, the input and the maxima: one masked strided write (or add, where windows
    overlap) per kernel offset; the mask is the offset's first-maximum indicator."""
    n, c, h, w = xd.shape
    (ph, pw) = padding
    plain = dilation == (1, 1)
    overlap = not plain or stride[0] < kernel[0] or stride[1] < kernel[1]
    hp, wp = h + 2 * ph + extra[0], w + 2 * pw + extra[1]
    tiled = plain and stride == kernel and out_hw[0] * kernel[0] == hp and out_hw[1] * kernel[1] == wp
    # when the windows tile the image exactly every cell is written below: no zero fill needed
    gp = (np.empty if tiled else np.zeros)((n, c, hp, wp), dtype=gd.dtype)
    for sl, mask in _max_pool_masks(xd, out, kernel, stride, padding, out_hw, extra, dilation):
        view = gp[(Ellipsis,) + sl]
        if overlap:
            view += gd * mask
        else:
            np.multiply(gd, mask, out=view)
    if hp != h or wp != w:
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
        overlap the contributions add. Ties: the first maximum (row-major) gets it all; in a
        window holding NaN (maximum NaN) the last NaN does, as in PyTorch.
        The forward only takes maxima; backward recovers the first arg-max per window from the
        saved x and Y (x == Y at no earlier offset); the scatter is `MaxUnpool2d` at those
        positions (one masked strided write per kernel offset), itself differentiable.
    """
    name = "max_pool2d"
    rule = "X̄ = scatter_add(Ḡ, argmax)"
    rule_latex = r"\bar X = \mathrm{scatter\_add}(\bar G, \arg\max)"

    @staticmethod
    def forward(ctx, x, *, kernel=None, stride=None, padding=None, out_hw=None, indices=None, done=None,
                extra=(0, 0), dilation=(1, 1)):
        """Compute the op on the inputs' ndarrays (see the class docstring); returns an ndarray."""
        ctx.x_shape = x.data.shape
        ctx.indices = indices
        if indices is not None:
            return _gather(x.data, indices)
        out = done if done is not None else _max_pool_values(x.data, kernel, stride, padding, out_hw, extra,
                                                             dilation)
        ctx.geometry = (kernel, stride, padding, out_hw, extra, dilation)
        ctx.save_for_backward(x, out)  # the arg-max is recovered in backward as x == max
        return out

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints for the output adjoint `grad_out`, by the rule in the class docstring."""
        if ctx.indices is not None:
            return (apply(MaxUnpool2d, grad_out, indices=ctx.indices, x_shape=ctx.x_shape),)
        x, out = ctx.saved  # constants here: the arg-max positions are locally constant in x
        return (apply(MaxUnpool2d, grad_out, x_shape=ctx.x_shape,
                      maxima=(np.asarray(x), np.asarray(out), ctx.geometry)),)


class MaxUnpool2d(Function):
    """X = max_unpool2d(G, I): scatter-add each value of G (N, C, Ho, Wo) to the flat H·W
    position I (int64, same shape) of its plane of an (N, C, H, W) zero image.

    Args: g (N, C, Ho, Wo) floating. Attrs: indices (N, C, Ho, Wo) int64 in [0, H·W),
        x_shape (N, C, H, W); or, instead of indices, maxima = (x, y, geometry): the positions
        are then the first maxima of max_pool2d's windows (x == y), scattered to by one masked
        strided write per kernel offset (max_pool2d's backward; no index array is built).
    Returns: (N, C, H, W), dtype of g. Unlike PyTorch (which keeps one of repeated indices),
        repeated indices add up, so this is exactly the adjoint of max_pool2d.
    VJP: X = Sᵀ-free form X.flat[I] += G is linear, X = S G with S the scatter matrix;
        ⟨Ā, S dG⟩ = ⟨Sᵀ Ā, dG⟩ and Sᵀ Ā = Ā.flat[I] ⇒ Ḡ = gather(Ā, I) (max_pool2d at fixed I).
    """
    name = "max_unpool2d"
    rule = "Ḡ = gather(Ā, I)"
    rule_latex = r"\bar G = \bar A[I]"

    @staticmethod
    def kernel(g, *, x_shape, indices=None, maxima=None):
        """The scatter on an ndarray G (see the class docstring)."""
        if indices is None:
            x, y, geometry = maxima
            return _max_pool_backward(g, x, y, *geometry)
        return _scatter(g, indices, x_shape)

    @staticmethod
    def forward(ctx, g, *, x_shape, indices=None, maxima=None):
        """Compute the op on the inputs' ndarrays (see the class docstring); returns an ndarray."""
        ctx.indices, ctx.maxima = indices, maxima
        return MaxUnpool2d.kernel(g.data, x_shape=x_shape, indices=indices, maxima=maxima)

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints for the output adjoint `grad_out`, by the rule in the class docstring."""
        indices = ctx.indices
        if indices is None:  # the first maxima of the windows, as flat H·W indices
            x, y, (kernel, stride, padding, out_hw, extra, dilation) = ctx.maxima
            _, arg = _max_pool_local(x, kernel, stride, padding, out_hw, y, extra, dilation)
            indices = _local_to_flat(arg, kernel, stride, padding, out_hw, x.shape[3], dilation)
        return (apply(MaxPool2d, grad_out, indices=indices),)


def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """2-D max pooling (PyTorch's `max_pool2d`, argument order included; padding with −∞).

    Args:
        x (Tensor): (N, C, H, W) (or unbatched (C, H, W)), floating.
        kernel_size: int or (kH, kW).
        stride: int or pair; None (default) = kernel_size.
        padding: int or pair, at most half the kernel.
        dilation: int or pair; spacing of the window's cells (PyTorch's).
        ceil_mode (bool): Ho = ⌈(H + 2·pad − kH)/stride⌉ + 1 (a last window that starts in the
            input or left padding may run past the end; the overhang counts as −∞).
        return_indices (bool): also return the int64 (N, C, Ho, Wo) flat H·W positions of the
            maxima (PyTorch's convention, for `max_unpool2d`).

    Returns:
        Tensor (N, C, Ho, Wo), Ho = ⌊(H + 2·pad − dil·(kH − 1) − 1)/stride⌋ + 1, dtype of x; or
        the pair (values, indices) with return_indices.

    Raises:
        ValueError: for x not 3-D/4-D, non-positive kernel/stride, negative padding or padding above
            half the kernel, or a kernel larger than the padded input.
        TypeError: for a non-floating x or malformed int arguments.

    The gradient goes to the first maximum of each window and accumulates where windows
    overlap (see `MaxPool2d`). Each window offset is one strided pass: no window copies.
    """
    x = as_tensor(x)
    if x.data.ndim == 3:  # unbatched (C, H, W), as PyTorch allows
        out = max_pool2d(x.unsqueeze(0), kernel_size, stride, padding, dilation, ceil_mode, return_indices)
        return (out[0].squeeze(0), Tensor(out[1].data[0])) if return_indices else out.squeeze(0)
    dilation = pair(dilation, "dilation", "max_pool2d", 1)
    kernel, stride, padding, out_hw, extra = _pool_args("max_pool2d", x, kernel_size, stride, padding, ceil_mode,
                                                        dilation)
    geometry = dict(kernel=kernel, stride=stride, padding=padding, out_hw=out_hw, extra=extra, dilation=dilation)
    if not return_indices:
        return MaxPool2d.apply(x, **geometry)
    values, arg = _max_pool_local(x.data, kernel, stride, padding, out_hw, None, extra, dilation)
    out = MaxPool2d.apply(x, done=values, **geometry)
    return out, Tensor(_local_to_flat(arg, kernel, stride, padding, out_hw, x.data.shape[3], dilation))


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
    kernel = pair(kernel_size, "kernel_size", op, 1)
    stride = kernel if stride is None else pair(stride, "stride", op, 1)
    padding = pair(padding, "padding", op, 0)
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
        count_include_pad (bool: divide by kH·kW, or by the number of non-padding cells),
        divisor_override (int or None: divide by it instead).
    Returns: (N, C, Ho, Wo); dtype of x.
    VJP: Y = P X, P linear (each window's sum ⊘ K, K the per-window count) ⇒ X̄ = Pᵀ Ḡ:
        each window's Ḡ ⊘ K spread over its cells (`AvgPool2dBackward`, strided adds per
        kernel offset; differentiable again).
    """
    name = "avg_pool2d"
    rule = "X̄ = Pᵀ Ḡ (each window's Ḡ/K spread over its cells)"
    rule_latex = r"\bar X = P^\top \bar G"

    @staticmethod
    def forward(ctx, x, *, kernel, stride, padding, out_hw, count_include_pad, divisor_override=None,
                extra=(0, 0)):
        """Compute the op on the inputs' ndarrays (see the class docstring); returns an ndarray."""
        xd = x.data
        n, c, h, w = xd.shape
        xp = _pad(xd, padding, 0.0, extra)
        slices = _window_slices(kernel, stride, out_hw)
        out = xp[(Ellipsis,) + slices[0]].copy()
        for sl in slices[1:]:
            out += xp[(Ellipsis,) + sl]
        out *= _avg_inv(xd.dtype, (h, w), kernel, stride, padding, out_hw, count_include_pad, divisor_override)
        ctx.attrs = dict(kernel=kernel, stride=stride, padding=padding, out_hw=out_hw,
                         count_include_pad=count_include_pad, divisor_override=divisor_override, extra=extra)
        ctx.x_shape = xd.shape
        return out

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints for the output adjoint `grad_out`, by the rule in the class docstring."""
        return (apply(AvgPool2dBackward, grad_out, x_shape=ctx.x_shape, **ctx.attrs),)


class AvgPool2dBackward(Function):
    """X̄ = avg_pool2d_backward(G): each window's G ⊘ K spread over its cells (the adjoint of
    `avg_pool2d`, a linear map; one strided add per kernel offset).

    Args: g (N, C, Ho, Wo) floating. Attrs: x_shape (N, C, H, W) and avg_pool2d's geometry
        (kernel, stride, padding, out_hw, count_include_pad, divisor_override, extra).
    Returns: (N, C, H, W), dtype of g.
    VJP: X̄ = Pᵀ G with Y = P X the (linear) pooling ⇒ the adjoint of Pᵀ is P:
        ⟨Ā, Pᵀ dG⟩ = ⟨P Ā, dG⟩ ⇒ Ḡ = avg_pool2d(Ā) with the same geometry.
    """
    name = "avg_pool2d_backward"
    rule = "Ḡ = avg_pool2d(Ā)"
    rule_latex = r"\bar G = \mathrm{avg\_pool2d}(\bar A)"

    @staticmethod
    def kernel(g, *, x_shape, kernel, stride, padding, out_hw, count_include_pad, divisor_override=None,
               extra=(0, 0)):
        """The spread on an ndarray G (see the class docstring)."""
        n, c, h, w = x_shape
        (ph, pw), (eh, ew) = padding, extra
        scaled = g * _avg_inv(g.dtype, (h, w), kernel, stride, padding, out_hw, count_include_pad, divisor_override)
        gp = np.zeros((n, c, h + 2 * ph + eh, w + 2 * pw + ew), dtype=scaled.dtype)
        for sl in _window_slices(kernel, stride, out_hw):
            gp[(Ellipsis,) + sl] += scaled
        return gp[:, :, ph:ph + h, pw:pw + w]

    @staticmethod
    def forward(ctx, g, *, x_shape, **attrs):
        """Compute the op on the input's ndarray (see the class docstring); returns an ndarray."""
        ctx.attrs = attrs
        return AvgPool2dBackward.kernel(g.data, x_shape=x_shape, **attrs)

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints for the output adjoint `grad_out`, by the rule in the class docstring."""
        return (apply(AvgPool2d, grad_out, **ctx.attrs),)


def _avg_inv(dtype, hw, kernel, stride, padding, out_hw, count_include_pad, divisor_override):
    """1/K of avg_pool2d: 1/divisor_override, or the per-window cell counts' inverse."""
    if divisor_override is not None:
        return np.asarray(1.0 / divisor_override, dtype=dtype)
    return _avg_inv_count(dtype, hw, kernel, stride, padding, out_hw, count_include_pad)


def _avg_inv_count(dtype, hw, kernel, stride, padding, out_hw, count_include_pad):
    """1/K per output cell: a scalar array, or an (Ho, Wo) array when windows differ (padding
    excluded, or ceil-mode windows clipped at the end of the padded input)."""
    counts, uniform = [], True
    for size, k, s, p, o in zip(hw, kernel, stride, padding, out_hw):
        start = np.arange(o) * s - p
        if count_include_pad:
            cnt = np.minimum(start + k, size + p) - start
        else:
            cnt = np.minimum(start + k, size) - np.maximum(start, 0)
        uniform = uniform and bool(np.all(cnt == k))
        counts.append(cnt)
    if uniform:
        return np.asarray(1.0 / (kernel[0] * kernel[1]), dtype=dtype)
    return (1.0 / np.outer(counts[0], counts[1])).astype(dtype)


def avg_pool2d(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """2-D average pooling (PyTorch's `avg_pool2d`, argument order included; zero padding).

    Args:
        x (Tensor): (N, C, H, W) (or unbatched (C, H, W)), floating.
        kernel_size: int or (kH, kW).
        stride: int or pair; None (default) = kernel_size.
        padding: int or pair, at most half the kernel.
        ceil_mode (bool): Ho = ⌈(H + 2·pad − kH)/stride⌉ + 1 (the last window may run past
            the padded input; the overhang is not counted).
        count_include_pad (bool): divide by the window's cells inside the padded input (kH·kW
            except for ceil-mode overhangs) (True) or by its cells inside the input (False).
        divisor_override (int or None): divide every window sum by this instead.

    Returns:
        Tensor (N, C, Ho, Wo), Ho = ⌊(H + 2·pad − kH)/stride⌋ + 1; dtype of x.

    Raises:
        ValueError, TypeError: as `max_pool2d`; ValueError for a divisor_override that is not a
            positive int.
    """
    x = as_tensor(x)
    if divisor_override is not None and (not isinstance(divisor_override, (int, np.integer)) or divisor_override < 1):
        raise ValueError(f"avg_pool2d: divisor_override must be a positive int; got {divisor_override!r}.")
    if x.data.ndim == 3:  # unbatched (C, H, W), as PyTorch allows
        return avg_pool2d(x.unsqueeze(0), kernel_size, stride, padding, ceil_mode, count_include_pad,
                          divisor_override).squeeze(0)
    kernel, stride, padding, out_hw, extra = _pool_args("avg_pool2d", x, kernel_size, stride, padding, ceil_mode)
    return AvgPool2d.apply(x, kernel=kernel, stride=stride, padding=padding, out_hw=out_hw, extra=extra,
                           count_include_pad=bool(count_include_pad), divisor_override=divisor_override)


def avg_pool2d_backward(grad_output, x, kernel_size, stride=None, padding=0, ceil_mode=False,
                        count_include_pad=True, divisor_override=None):
    """The gradient of `avg_pool2d` with respect to its input, as a differentiable op
    (PyTorch's ``torch.ops.aten.avg_pool2d_backward``; see `AvgPool2dBackward`).

    Args:
        grad_output (Tensor): (N, C, Ho, Wo) floating, the adjoint of ``avg_pool2d(x, …)``.
        x (Tensor): (N, C, H, W), the pooled input (only its shape is used).
        kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override: as
            `avg_pool2d`.

    Returns:
        Tensor (N, C, H, W), dtype of grad_output.

    Raises:
        ValueError: for bad pooling arguments (as `avg_pool2d`), or if grad_output's shape is
            not the pooled shape.
    """
    x = as_tensor(x)
    kernel, stride, padding, out_hw, extra = _pool_args("avg_pool2d_backward", x, kernel_size, stride, padding,
                                                        ceil_mode)
    g = as_tensor(grad_output)
    want = x.data.shape[:2] + tuple(out_hw)
    if g.data.shape != want:
        raise ValueError(f"avg_pool2d_backward: grad_output must have the pooled shape; got {g.data.shape}, "
                         f"expected {want}.")
    return AvgPool2dBackward.apply(g, x_shape=x.data.shape, kernel=kernel, stride=stride, padding=padding,
                                   out_hw=out_hw, count_include_pad=count_include_pad,
                                   divisor_override=divisor_override, extra=extra)
