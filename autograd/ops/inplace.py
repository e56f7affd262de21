"""In-place ops: ``add_``, ``mul_``, ``+=``, ``fill_``, ``copy_``, ``t[i] = v``, the random
fills ``normal_``/``uniform_`` — Tensor methods attached from the op table (registry.py).

Every one follows one pattern (PyTorch's semantics): `check_inplace` refuses what PyTorch
refuses (a leaf that requires grad in grad mode, an expand view's shared memory …); the new
values are computed out of place by the ordinary differentiable ops (so no derivative is
written here); `write_back` copies them into the tensor's memory, bumps its version counter
and, when the result was recorded, rebases the tensor's history on it — through the base
for a view (`scatter_view`, PyTorch's CopySlices).
"""
import weakref

import numpy as np

from .. import creation
from ..grad_mode import _grad
from ..tensor import Tensor, replay_view
from .arithmetic import add, div, mul, sub
from .common import broadcasts_to
from .indexing import index_put
from .shape import reshape


def check_inplace(self, op):
    """Refuse an in-place op where PyTorch does; bring a stale view's history up to date.

    Raises:
        RuntimeError: if the memory is read-only (an `expand` view, whose elements share
            memory), if self is a leaf that requires grad (or a view of one), or a view
            made in no_grad() of a tensor that requires grad, while grad mode is on.
    """
    if not self._array.flags.writeable:
        raise RuntimeError(
            f"{op}: unsupported operation: more than one element of the written-to tensor refers to a "
            f"single memory location, or its memory is read-only; got a tensor of shape {self.shape} made by "
            f"expand/broadcast_to or from a read-only array, expected writable memory. Hint: clone() the "
            f"tensor before the in-place operation.")
    if not _grad.enabled:
        return
    if self.requires_grad and self.grad_fn is None:
        raise RuntimeError(
            f"{op}: a leaf Variable that requires grad is being used in an in-place operation; "
            f"expected it inside no_grad(). Hint: wrap parameter updates in `with no_grad():`.")
    base = self._base
    if base is not None:
        if base.requires_grad and base.grad_fn is None:
            raise RuntimeError(
                f"{op}: a view of a leaf Variable that requires grad is being used in an in-place "
                f"operation; expected it inside no_grad(). Hint: clone() the view, or update the leaf "
                f"inside `with no_grad():`.")
        if base.requires_grad and not self._view[2]:
            raise RuntimeError(
                f"{op}: a view was created in no_grad mode and is being modified in place with grad mode "
                f"enabled; expected a view made with grad mode on. Hint: make the view outside no_grad(), "
                f"or clone() it.")
        self._sync_view()


def operand(self, op, other=None):
    """Self as the operand of the out-of-place op an in-place op writes back (checked).

    When that op is recorded it may save its operand for backward, but self's data is
    about to be overwritten: so it gets a snapshot (a copy of the data carrying self's
    history), and backward sees the old values. Without recording, self itself.
    """
    check_inplace(self, op)
    if _grad.enabled and (self.requires_grad or getattr(other, "requires_grad", False)):
        return Tensor._make(self._array.copy(), self.requires_grad, self.grad_fn)
    return self


def write_back(self, op, result):
    """Write `result` (a Tensor computed out of place) into self and bump the version.

    When `result` is recorded, self takes over its history (PyTorch's rebase), so later
    uses of self differentiate through the in-place op. When self is a view, the write
    goes into its base's memory and it is the base whose history is rebased (PyTorch's
    CopySlices): the base becomes "the old base with the view's elements replaced by
    `result`" (`scatter_view`), and the view's history is replayed from the new base.

    Raises:
        ValueError: if `result` does not have self's shape.
        TypeError: if `result`'s dtype cannot be cast to self's (float into an integer).
    """
    if result._array.shape != self._array.shape:
        raise ValueError(f"{op}: the result of shape {result.shape} cannot be written into a tensor of "
                         f"shape {self.shape}; expected the operand to broadcast to {self.shape}.")
    if result._array.dtype != self._array.dtype:
        if not np.can_cast(result._array.dtype, self._array.dtype, "same_kind"):
            raise TypeError(f"{op}: result type {result.dtype.name} can't be cast to the dtype of the "
                            f"tensor written in place; got {result.dtype.name}, expected {self.dtype.name} "
                            f"or a type that casts to it.")
        if result.grad_fn is not None:
            result = result.astype(self._array.dtype)  # the history must carry self's dtype
    node = result.grad_fn
    base = self._base
    if base is not None and node is not None:
        write_back(base, op, scatter_view(base, self._view[0], result))
        self._sync_view()
        return self
    np.copyto(self._array, result._array, casting="same_kind")
    self._bump()
    if node is not None:
        self.grad_fn = node
        self._requires_grad = True
        node._out_ref = weakref.ref(self)
        if node._out_index >= 0:  # the node saved its output: that is self's data from now on
            i = node._out_index
            node._saved = node._saved[:i] + (self._array,) + node._saved[i + 1:]
            versions = list(node._versions or (0,) * len(node._saved))
            versions[i] = self._version
            node._versions = tuple(versions)
    return self


def add_(self, other, alpha=1):
    """self += alpha * other, in place (version bumped); returns self."""
    a = operand(self, "add_", other)
    other = a if other is self else other
    return write_back(self, "add_", add(a, other if alpha == 1 else mul(other, alpha)))


def sub_(self, other, alpha=1):
    """self -= alpha * other, in place; returns self."""
    a = operand(self, "sub_", other)
    other = a if other is self else other
    return write_back(self, "sub_", sub(a, other if alpha == 1 else mul(other, alpha)))


def mul_(self, other):
    """self *= other, in place; returns self."""
    a = operand(self, "mul_", other)
    return write_back(self, "mul_", mul(a, a if other is self else other))


def div_(self, other):
    """self /= other, in place; returns self."""
    a = operand(self, "div_", other)
    return write_back(self, "div_", div(a, a if other is self else other))


def iadd(self, other):
    """``self += other``: `add_` (in place, as in PyTorch)."""
    return self.add_(other)


def isub(self, other):
    """``self -= other``: `sub_` (in place, as in PyTorch)."""
    return self.sub_(other)


def imul(self, other):
    """``self *= other``: `mul_` (in place, as in PyTorch)."""
    return self.mul_(other)


def itruediv(self, other):
    """``self /= other``: `div_` (in place, as in PyTorch)."""
    return self.div_(other)


def zero_(self):
    """Fill with zeros in place; returns self (see `fill_`)."""
    return fill(self, "zero_", 0)


def fill_(self, value):
    """Fill with `value` in place; returns self.

    Recorded like PyTorch: on a tensor in a graph, gradients to the old values are zero
    (and a Tensor value that requires grad receives the summed gradient).
    """
    return fill(self, "fill_", value)


def copy_(self, src):
    """Copy `src` (Tensor, ndarray or number broadcastable to self) into self; returns self.

    Recorded when self or src requires grad (grad mode on): src receives Ḡ (summed over
    broadcast axes, cast to its dtype), the overwritten values receive zero.

    Raises:
        ValueError: if `src` does not broadcast to self's shape.
    """
    return fill(self, "copy_", src)


def fill(self, op, src):
    """Write `src` (Tensor, ndarray or number broadcastable to self) into self in place, for
    the in-place op named `op` (fill_, copy_, zero_, normal_, uniform_); returns self.

    Recorded as an `index_put` of the whole tensor when self or src requires grad (grad mode
    on): src receives Ḡ summed over its broadcast axes, the overwritten values zero.

    Raises:
        ValueError: if `src` does not broadcast to self's shape.
        RuntimeError: where `check_inplace` refuses the write.
    """
    check_inplace(self, op)
    src_data = src._array if isinstance(src, Tensor) else np.asarray(src)
    if not broadcasts_to(src_data.shape, self._array.shape):
        raise ValueError(f"{op}: source of shape {src_data.shape} does not broadcast to {self.shape}; "
                         f"expected a broadcastable source.")
    if _grad.enabled and (self.requires_grad or getattr(src, "requires_grad", False)):
        if not isinstance(src, Tensor):
            src = Tensor._make(np.asarray(src_data, dtype=self._array.dtype), False, None)
        return write_back(self, op, index_put(self, Ellipsis, src))
    np.copyto(self._array, src_data, casting="unsafe")
    self._bump()
    return self


def setitem(self, index, value):
    """``self[index] = value``, in place (version bumped); recorded as an `index_put` when self or
    value requires grad (grad mode on), written straight into the memory otherwise."""
    check_inplace(self, "__setitem__")
    if isinstance(index, Tensor):
        index = index._array
    elif isinstance(index, tuple):
        index = tuple(i._array if isinstance(i, Tensor) else i for i in index)
    tracked = isinstance(value, Tensor) and value.requires_grad
    if _grad.enabled and (tracked or self.requires_grad):
        if not isinstance(value, Tensor):
            value = Tensor._make(np.asarray(value, dtype=self._array.dtype), False, None)
        write_back(self, "__setitem__", index_put(self, index, value))
        return
    self._array[index] = value._array if isinstance(value, Tensor) else value
    self._bump()


def normal_(self, mean=0.0, std=1.0):
    """Fill with samples of N(mean, std²) in place, drawn from autograd's global generator
    (`autograd.manual_seed`), as ``torch.Tensor.normal_``; returns self.

    Args:
        mean (float): the mean. std (float): the standard deviation, ≥ 0.

    Returns:
        Tensor: self (version bumped). On a tensor in a graph the write is recorded as
        `fill_` is (the old values get zero gradient); no graph links the samples to anything.

    Raises:
        TypeError: for a tensor that is not floating.
        ValueError: for a negative std.
        RuntimeError: for a leaf that requires grad (or a view of one) in grad mode, as the
            other in-place ops (wrap it in ``no_grad()``).
    """
    _check_float_fill(self, "normal_")
    if std < 0:
        raise ValueError(f"normal_: std must be non-negative; got {std}, expected std >= 0.")
    return fill(self, "normal_", creation.get_rng().normal(mean, std, self._array.shape))


def uniform_(self, a=0.0, b=1.0):
    """Fill with samples of the uniform distribution on [a, b) in place, drawn from autograd's
    global generator (`autograd.manual_seed`), as ``torch.Tensor.uniform_(from, to)``;
    returns self.

    Args:
        a (float): the lower bound (PyTorch's `from`). b (float): the upper bound (`to`), ≥ a.

    Returns:
        Tensor: self (version bumped), recorded in a graph as `normal_` is.

    Raises:
        TypeError: for a tensor that is not floating.
        ValueError: if a > b.
        RuntimeError: for a leaf that requires grad (or a view of one) in grad mode.
    """
    _check_float_fill(self, "uniform_")
    if a > b:
        raise ValueError(f"uniform_: expects a <= b; got a={a}, b={b}, expected a <= b.")
    return fill(self, "uniform_", creation.get_rng().uniform(a, b, self._array.shape))


def _check_float_fill(self, op):
    """The dtype check of the random in-place fills (the in-place checks are `_fill`'s)."""
    if self._array.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating tensor; got {self.dtype.name}, expected float32 or "
                        f"float64. Hint: create it with a floating dtype, or cast with .float().")


def scatter_view(base, steps, value):
    """`base` with the elements of its view `steps` replaced by `value`, out of place and
    differentiable: the new history of a base written through one of its views.

    The view's elements are located by replaying the steps on the flat positions
    0 … base.size − 1; the write is an `index_put` at those positions, so
    basē_old = Ḡ with zeros at the view, value̅ = Ḡ at the view (IndexPut's VJP).
    """
    shape = base._array.shape
    positions = replay_view(Tensor._make(np.arange(base._array.size).reshape(shape), False, None), steps)._array
    return reshape(index_put(reshape(base, (-1,)), positions, value), shape)
