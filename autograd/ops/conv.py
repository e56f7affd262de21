"""Convolution over (N, C, H, W) images: conv2d with its two adjoint ops conv2d_input and
conv2d_weight (pooling is in `pool.py`).

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
batched product per block.

The three conv ops are closed under differentiation (each VJP is one of the other two), so
`create_graph=True` gives gradients of any order:
    conv2d(X, W)            → X̄ = conv2d_input(Ḡ, W),  W̄ = conv2d_weight(X, Ḡ)
    conv2d_input(G, W)      → Ḡ = conv2d(Ā, W),         W̄ = conv2d_weight(Ā, G)
    conv2d_weight(X, G)     → X̄ = conv2d_input(G, B̄),  Ḡ = conv2d(X, B̄)
(Ā, B̄: the adjoints of the respective outputs).
"""
import threading

import numpy as np

from ..function import Op
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
    if x._array.ndim != 4:
        if unbatched_ok:
            raise ValueError(f"{op}: {name} must be 4-D (N, C, H, W) or 3-D (C, H, W); got shape {x._array.shape}, "
                             f"expected 3 or 4 dims.")
        raise ValueError(f"{op}: {name} must be 4-D (N, C, H, W); got shape {x._array.shape}, expected 4 dims.")
    if x._array.dtype.kind != "f":
        raise TypeError(f"{op}: {name} must have a floating dtype; got {x._array.dtype.name}, expected float32 or float64.")


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
class Conv2d(Op):
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
        return _conv_forward(x._array, weight._array, bias[0]._array if bias else None, stride, padding, dilation,
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


class Conv2dInput(Op):
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
        return _conv_input_grad(grad_output._array, weight._array, x_shape, stride, padding, dilation, groups)

    @staticmethod
    def vjp(ctx, grad_out):
        """Input adjoints for the output adjoint `grad_out`, by the rule in the class docstring."""
        g, weight = ctx.saved
        need = ctx.needs_input_grad
        attrs = _saved_conv_attrs(ctx)
        gg = apply(Conv2d, grad_out, weight, **attrs) if need[0] else None
        gw = apply(Conv2dWeight, grad_out, g, w_shape=weight.shape, **attrs) if need[1] else None
        return gg, gw


class Conv2dWeight(Op):
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
        return _conv_weight_grad(x._array, grad_output._array, w_shape, stride, padding, dilation, groups)

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
    if x._array.ndim == 3:  # unbatched (C, H, W), as PyTorch allows
        return conv2d(x.unsqueeze(0), weight, bias, stride, padding, dilation, groups).squeeze(0)
    _check_image(op, x, unbatched_ok=True)
    if weight._array.ndim != 4:
        raise ValueError(f"{op}: weight must be 4-D (C_out, C_in/groups, kH, kW); got shape "
                         f"{weight._array.shape}, expected 4 dims.")
    if weight._array.dtype != x._array.dtype:
        raise TypeError(f"{op}: x and weight must have the same dtype; got {x._array.dtype.name} and "
                        f"{weight._array.dtype.name}.")
    if isinstance(padding, str) and padding == "same":
        padding = _same_padding(op, weight._array.shape, stride, dilation)
    stride, padding, dilation, groups = _conv_args(op, stride, padding, dilation, groups)
    _check_conv(op, x._array.shape, weight._array.shape, stride, padding, dilation, groups)
    attrs = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    if bias is None:
        return Conv2d.apply(x, weight, **attrs)
    bias = as_tensor(bias, x)
    if bias._array.shape != (weight._array.shape[0],):
        raise ValueError(f"{op}: bias must have shape (C_out,); got {bias._array.shape}, expected "
                         f"({weight._array.shape[0]},).")
    if bias._array.dtype != x._array.dtype:
        raise TypeError(f"{op}: bias must have the dtype of x; got {bias._array.dtype.name}, expected "
                        f"{x._array.dtype.name}.")
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
    if weight._array.dtype != grad_output._array.dtype:
        raise TypeError(f"{op}: weight and grad_output must have the same dtype; got {weight._array.dtype.name} "
                        f"and {grad_output._array.dtype.name}.")
    stride, padding, dilation, groups = _conv_args(op, stride, padding, dilation, groups)
    x_shape = tuple(int(s) for s in input_size)
    _check_conv(op, x_shape, weight._array.shape, stride, padding, dilation, groups)
    _check_out_shape(op, grad_output._array.shape, x_shape, weight._array.shape, stride, padding, dilation)
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
    if x._array.dtype != grad_output._array.dtype:
        raise TypeError(f"{op}: x and grad_output must have the same dtype; got {x._array.dtype.name} "
                        f"and {grad_output._array.dtype.name}.")
    stride, padding, dilation, groups = _conv_args(op, stride, padding, dilation, groups)
    w_shape = tuple(int(s) for s in weight_size)
    _check_conv(op, x._array.shape, w_shape, stride, padding, dilation, groups)
    _check_out_shape(op, grad_output._array.shape, x._array.shape, w_shape, stride, padding, dilation)
    return Conv2dWeight.apply(x, grad_output, w_shape=w_shape, stride=stride, padding=padding,
                              dilation=dilation, groups=groups)


def _check_out_shape(op, g_shape, x_shape, w_shape, stride, padding, dilation):
    expected = (x_shape[0], w_shape[0], _out_size(x_shape[2], w_shape[2], stride[0], padding[0], dilation[0]),
                _out_size(x_shape[3], w_shape[3], stride[1], padding[1], dilation[1]))
    if tuple(g_shape) != expected:
        raise ValueError(f"{op}: grad_output has the wrong shape; got {tuple(g_shape)}, expected {expected}.")

