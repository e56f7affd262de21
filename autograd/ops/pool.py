"""Pooling over (N, C, H, W) images: max_pool2d (with its adjoint max_unpool2d) and
avg_pool2d (with its adjoint avg_pool2d_backward).

Windows are visited one kernel offset at a time: each offset is one strided view of the
padded image holding, for every output cell, its window's element at that offset, so a
pass never loops over pixels. Max pooling takes window maxima in that way (rows first, then
columns); backward recovers each window's first arg-max from x == max (no index array is
kept) and scatters with one masked strided write per offset. The pairs max_pool2d /
max_unpool2d (for fixed arg-max positions) and avg_pool2d / avg_pool2d_backward are each
other's adjoints, so `create_graph=True` gives gradients of any order.
"""
import numpy as np

from ..function import Op
from ..tensor import Tensor
from .common import as_tensor
from .conv import _check_image, _pad, pair
from .dispatch import apply


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
    for size, k, s, p, d in zip(x._array.shape[2:], kernel, stride, padding, dilation):
        k = d * (k - 1) + 1  # the dilated window's extent
        span = size + 2 * p - k
        if span < 0:
            h, w = x._array.shape[2:]
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


class MaxPool2d(Op):
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
        ctx.x_shape = x._array.shape
        ctx.indices = indices
        if indices is not None:
            return _gather(x._array, indices)
        out = done if done is not None else _max_pool_values(x._array, kernel, stride, padding, out_hw, extra,
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


class MaxUnpool2d(Op):
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
        return MaxUnpool2d.kernel(g._array, x_shape=x_shape, indices=indices, maxima=maxima)

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
    if x._array.ndim == 3:  # unbatched (C, H, W), as PyTorch allows
        out = max_pool2d(x.unsqueeze(0), kernel_size, stride, padding, dilation, ceil_mode, return_indices)
        return (out[0].squeeze(0), Tensor(out[1]._array[0])) if return_indices else out.squeeze(0)
    dilation = pair(dilation, "dilation", "max_pool2d", 1)
    kernel, stride, padding, out_hw, extra = _pool_args("max_pool2d", x, kernel_size, stride, padding, ceil_mode,
                                                        dilation)
    geometry = dict(kernel=kernel, stride=stride, padding=padding, out_hw=out_hw, extra=extra, dilation=dilation)
    if not return_indices:
        return MaxPool2d.apply(x, **geometry)
    values, arg = _max_pool_local(x._array, kernel, stride, padding, out_hw, None, extra, dilation)
    out = MaxPool2d.apply(x, done=values, **geometry)
    return out, Tensor(_local_to_flat(arg, kernel, stride, padding, out_hw, x._array.shape[3], dilation))


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
    idx = indices._array if hasattr(indices, "grad_fn") else np.asarray(indices)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{op}: indices must be integers; got dtype {idx.dtype.name}, expected int64.")
    if idx.shape != x._array.shape:
        raise ValueError(f"{op}: indices must have the shape of x; got {idx.shape}, expected {x._array.shape}.")
    kernel = pair(kernel_size, "kernel_size", op, 1)
    stride = kernel if stride is None else pair(stride, "stride", op, 1)
    padding = pair(padding, "padding", op, 0)
    n, c, ho, wo = x._array.shape
    if output_size is None:
        h = (ho - 1) * stride[0] - 2 * padding[0] + kernel[0]
        w = (wo - 1) * stride[1] - 2 * padding[1] + kernel[1]
    else:
        h, w = (int(v) for v in tuple(output_size)[-2:])
    if idx.size and (idx.min() < 0 or idx.max() >= h * w):
        raise ValueError(f"{op}: indices must lie in [0, H·W); got values in [{idx.min()}, {idx.max()}], "
                         f"expected [0, {h * w}).")
    return MaxUnpool2d.apply(x, indices=idx.astype(np.int64, copy=False), x_shape=(n, c, h, w))


class AvgPool2d(Op):
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
        xd = x._array
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


class AvgPool2dBackward(Op):
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
        return AvgPool2dBackward.kernel(g._array, x_shape=x_shape, **attrs)

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
    if x._array.ndim == 3:  # unbatched (C, H, W), as PyTorch allows
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
    want = x._array.shape[:2] + tuple(out_hw)
    if g._array.shape != want:
        raise ValueError(f"avg_pool2d_backward: grad_output must have the pooled shape; got {g._array.shape}, "
                         f"expected {want}.")
    return AvgPool2dBackward.apply(g, x_shape=x._array.shape, kernel=kernel, stride=stride, padding=padding,
                                   out_hw=out_hw, count_include_pad=count_include_pad,
                                   divisor_override=divisor_override, extra=extra)
