"""Indexing ops: `getitem` (``x[index]``, numpy's basic and advanced indexing) and
`index_put` (an out-of-place ``x[index] = value``, with optional accumulation).

Reading entries at an index is the linear map S, whose transpose Sᵀ scatters (adds) a
gradient back into those entries. So the two are each other's adjoints: getitem's VJP is an
index_put (with accumulation) into zeros, and index_put's VJP is a getitem and an index_put. Each VJP is written once
and applies these ops with `dispatch.apply`: numpy on ndarrays in a plain backward, recorded ops on
Tensors under create_graph, so higher-order gradients work.

Index kinds (numpy semantics): ints, slices, None, Ellipsis, integer arrays / int Tensors /
lists (advanced; repeated positions accumulate in the VJP) and bool arrays / bool Tensors
(masks), alone or mixed in a tuple.
"""
import numpy as np

from ..function import Op
from ..tensor import Tensor, make_view
from .common import as_tensor
from .dispatch import apply

_ZERO = bytes(64)  # the buffer of Getitem.vjp's zeros (any dtype up to 64 bytes; read-only)


def _index_item(item):
    """One index component → what numpy takes; second value: 0 basic, 1 bool mask, 2 int array."""
    cls = item.__class__
    if cls is int or cls is slice or item is None or item is Ellipsis:
        return item, 0
    if cls is bool or cls is np.bool_:
        return item, 1
    if isinstance(item, np.integer):
        return int(item), 0
    if isinstance(item, Tensor):
        item = item._array
    elif isinstance(item, (list, tuple, range)):  # x[[0, 2]], x[range(2)]: integer arrays
        arr = np.asarray(item)
        item = arr.astype(np.intp) if arr.size == 0 else arr
    if isinstance(item, np.ndarray):
        kind = item.dtype.kind
        if kind == "b":
            return item, 1
        if kind in "iu":
            if item.ndim == 0:
                return int(item), 0
            return item, 2
        raise TypeError(f"getitem: index arrays must have an integer or bool dtype; got dtype "
                        f"{item.dtype.name}, expected int64 or bool.")
    raise TypeError(f"getitem: invalid index of type {type(item).__name__}; expected ints, slices, None, "
                    f"Ellipsis, ranges, lists, or integer/bool arrays or Tensors.")


def normalize_index(index):
    """Turn a user index into numpy's form.

    Args:
        index: an int, slice, None, Ellipsis, int/bool ndarray, Tensor or list, or a tuple
            of these.

    Returns:
        (index, scatter): the index numpy takes (Tensors replaced by their arrays, lists by
        arrays), and ``scatter`` — ``"add"`` when an integer array may repeat positions
        (its adjoint must accumulate), ``"set"`` otherwise.

    Raises:
        TypeError: for float index arrays or other unsupported index types.
    """
    if index.__class__ is tuple:
        kinds = 0
        items = []
        for item in index:
            item, kind = _index_item(item)
            items.append(item)
            kinds |= 1 << kind
        return tuple(items), ("add" if kinds & 4 else "set")
    item, kind = _index_item(index)
    return item, ("add" if kind == 2 else "set")


def _own(index):
    """The index with its arrays copied, for a recorded node (a later change of the caller's
    index array must not change the gradient)."""
    if index.__class__ is tuple:
        return tuple(i.copy() if i.__class__ is np.ndarray else i for i in index)
    return index.copy() if index.__class__ is np.ndarray else index


def _has_int_array(index):
    items = index if index.__class__ is tuple else (index,)
    return any(isinstance(i, np.ndarray) and i.dtype.kind in "iu" for i in items)


def _axes_used(item):
    if item is None:
        return 0
    if isinstance(item, np.ndarray) and item.dtype.kind == "b":
        return item.ndim
    if isinstance(item, (bool, np.bool_)):
        return 0
    return 1


def index_error(op, index, shape):
    """The IndexError (or TypeError) to raise after numpy refused `index` on `shape`.

    Walks the index to say which component is wrong and why (out of range, mask shape,
    too many indices), in STYLE.md's one-sentence form.
    """
    items = index if isinstance(index, tuple) else (index,)
    ndim = len(shape)
    used = sum(_axes_used(i) for i in items if i is not Ellipsis)
    if used > ndim:
        return IndexError(f"{op}: too many indices for a tensor of shape {shape}; got {used} indexed axes, "
                          f"expected at most {ndim}.")
    axis = 0
    for item in items:
        if item is Ellipsis:
            axis += ndim - used
            continue
        if item is None or isinstance(item, (bool, np.bool_)):
            continue
        if isinstance(item, np.ndarray) and item.dtype.kind == "b":
            want = shape[axis:axis + item.ndim]
            if item.shape != want:
                return IndexError(f"{op}: a bool mask of shape {item.shape} does not match the indexed axes "
                                  f"{tuple(range(axis, axis + item.ndim))} of shape {want}; got mask {item.shape}, "
                                  f"expected {want}.")
            axis += item.ndim
            continue
        n = shape[axis]
        if isinstance(item, (int, np.ndarray)):
            vals = np.asarray(item)
            if vals.size:
                bad = vals[(vals < -n) | (vals >= n)]
                if bad.size:
                    return IndexError(f"{op}: index {int(bad.flat[0])} is out of range for axis {axis} with size "
                                      f"{n}; got index {int(bad.flat[0])}, expected -{n} <= index < {n}.")
        axis += 1
    return IndexError(f"{op}: invalid index for a tensor of shape {shape}; got {index!r}.")


class Getitem(Op):
    """Z = A[index]: numpy indexing (basic: ints, slices, None, Ellipsis; advanced: integer
    arrays or Tensors, bool masks, mixed).

    Args: a: Tensor; index (attr): normalized by `normalize_index`; scatter (attr): ``"add"``
        when integer arrays may repeat positions.
    Returns: Tensor of numpy's result shape and a's dtype: a view of a's memory for a basic
        index (ints, slices, None, Ellipsis; `getitem` marks it as a view, sharing a's
        version counter, as PyTorch), a new array for an advanced one.
    Raises: IndexError if an index is out of range, a mask does not match, or there are
        too many indices.
    VJP: Z = S A with S the 0/1 selection matrix (one 1 per row, vec form); dL = ⟨Ḡ, S dA⟩
        = ⟨Sᵀ Ḡ, dA⟩ ⇒ Ā = Sᵀ Ḡ: zeros of A's shape with Ḡ added at `index`; positions
        selected k times receive the sum of their k gradients (np.add.at).
    """
    name = "getitem"
    rule = "Ā = scatter_add(0, index, Ḡ)"
    rule_latex = r"\bar A = S^\top \bar G \;(\text{scatter-add at index})"

    @staticmethod
    def forward(ctx, a, index, scatter):
        """A[index] (IndexError with the op name for a bad index)."""
        data = a._array
        try:
            out = data[index]
        except IndexError:
            raise index_error("getitem", index, data.shape) from None
        ctx.index = _own(index) if ctx.needs_input_grad[0] else index
        ctx.scatter = scatter
        ctx.in_shape = data.shape
        return out

    @staticmethod
    def vjp(ctx, grad_out):
        """Ā = zeros of A's shape with Ḡ scattered (added) at index: the op `IndexPut`."""
        shape = ctx.in_shape  # zeros as a stride-0 view of _ZERO, which IndexPut recognizes (no
        # array of A's size is written twice; np.broadcast_to would cost ~5 µs of Python per call)
        zeros = np.ndarray(shape, grad_out.dtype, _ZERO, strides=(0,) * len(shape))
        return (apply(IndexPut, zeros, grad_out, index=ctx.index, accumulate=ctx.scatter == "add"),)


class IndexPut(Op):
    """Z = A with Z[index] = V (or Z[index] += V when accumulating); A itself is unchanged.

    Args: a: Tensor; value: Tensor broadcastable to the shape of ``a[index]`` (cast to a's
        dtype); index (attr): a normalized index (see `normalize_index`); accumulate (attr):
        add V at index (repeated positions add up) instead of writing it.
    Returns: Tensor of a's shape and dtype.
    Raises: IndexError for a bad index; ValueError if V does not broadcast to ``a[index]``.
    VJP (S: selection at index, B: broadcast of V to the indexed shape):
        write:      Z = (I − SᵀS) A + Sᵀ B V ⇒ Ā = Ḡ with zeros at index, V̄ = Bᵀ S Ḡ
        accumulate: Z = A + Sᵀ B V          ⇒ Ā = Ḡ,                     V̄ = Bᵀ S Ḡ
        S Ḡ = Ḡ[index] (a getitem); Bᵀ sums over broadcast axes (done by the engine).
    """
    name = "index_put"
    rule = "Ā = Ḡ (0 at index unless accumulate),  V̄ = Ḡ[index]"
    rule_latex = r"\bar A = \bar G \odot \mathbb{1}[\notin \text{index}],\; \bar V = \bar G[\text{index}]"

    @staticmethod
    def forward(ctx, a, value, index, accumulate):
        """Copy of A with V written (or added) at index."""
        x = a._array
        # getitem's VJP passes zeros as a stride-0 view of _ZERO: start from np.zeros, whose
        # pages the OS maps only when written (a slice's Ḡ touches a few of them, a copy all)
        out = np.zeros(x.shape, x.dtype) if x.base is _ZERO else x.copy()
        v = value._array
        try:
            if accumulate:
                np.add.at(out, index, v)
            else:
                out[index] = v
        except IndexError:
            raise index_error("index_put", index, out.shape) from None
        except ValueError:
            raise ValueError(f"index_put: value of shape {v.shape} does not broadcast to the indexed shape "
                             f"{a._array[index].shape}; got {v.shape}, expected a shape that broadcasts to "
                             f"{a._array[index].shape}.") from None
        ctx.index = _own(index) if True in ctx.needs_input_grad else index
        ctx.accumulate = accumulate
        # the adjoint getitem repeats positions iff the index has integer arrays; then its own VJP adds
        ctx.scatter = "add" if _has_int_array(index) else "set"
        ctx.value_shape = v.shape
        ctx.value_dtype = v.dtype
        return out

    @staticmethod
    def vjp(ctx, grad_out):
        """Ā = Ḡ (zeroed at index unless accumulating), V̄ = Ḡ[index]."""
        need_a, need_v = ctx.needs_input_grad
        ga = gv = None
        if need_a:
            if ctx.accumulate:
                ga = grad_out
            else:
                zero = np.zeros((), dtype=grad_out.dtype)
                ga = apply(IndexPut, grad_out, zero, index=ctx.index, accumulate=False)
        if need_v:
            gv = apply(Getitem, grad_out, index=ctx.index, scatter=ctx.scatter)
            extra = len(ctx.value_shape) - gv.ndim
            if extra > 0:  # numpy drops leading size-1 axes of a value written into fewer axes
                gv = gv.reshape((1,) * extra + gv.shape)
            if gv.dtype != ctx.value_dtype:
                gv = gv.astype(ctx.value_dtype)
        return ga, gv


def getitem(a, index):
    """``a[index]`` with numpy's indexing rules, differentiable (see `Getitem`).

    Args:
        a: Tensor (or array-like).
        index: int, slice, None, Ellipsis, int/bool ndarray, Tensor or list, or a tuple of them.

    Returns:
        Tensor of numpy's result shape, a's dtype: a view of a (sharing its memory and
        version counter, as PyTorch's basic indexing) when the index is basic (ints, slices,
        None, Ellipsis), else a new array.

    Raises:
        IndexError: if an index is out of range, a bool mask's shape does not match, or
            there are too many indices.
        TypeError: for float index arrays or unsupported index types.
    """
    if not isinstance(a, Tensor):
        a = as_tensor(a)
    index, scatter = normalize_index(index)
    items = index if index.__class__ is tuple else (index,)
    for i in items:
        if not (i.__class__ is int or i.__class__ is slice or i is None or i is Ellipsis):
            return Getitem.apply(a, index=index, scatter=scatter)
    return basic_getitem(a, items)


def basic_getitem(a, index):
    """The view ``a[index]`` for a basic index (a tuple of ints, slices, None, Ellipsis),
    recorded as `Getitem` and marked as a view of a (see `tensor.make_view`)."""
    if not any(i is Ellipsis for i in index):
        index = index + (Ellipsis,)  # a no-op for numpy, but all-int indices then give a 0-d view
    return make_view(Getitem.apply(a, index=index, scatter="set"), a, (basic_getitem, index))


def index_put(a, index, value, accumulate=False):
    """Out-of-place ``a[index] = value`` (or ``+=`` with `accumulate`), differentiable in
    both a and value (see `IndexPut`). `Tensor.__setitem__` writes its result back in place.

    Args:
        a: Tensor.
        index: any index `getitem` accepts.
        value: Tensor, ndarray or number broadcastable to ``a[index]``; cast to a's dtype.
        accumulate (bool): add value at index; repeated positions add up (PyTorch's
            ``index_put(..., accumulate=True)``).

    Returns:
        Tensor of a's shape and dtype.

    Raises:
        IndexError: for an out-of-range index (see `getitem`).
        ValueError: if value does not broadcast to ``a[index]``.
        TypeError: for float index arrays or unsupported index types.
    """
    if not isinstance(a, Tensor):
        a = as_tensor(a)
    value = as_tensor(value, a)
    index, _ = normalize_index(index)
    return IndexPut.apply(a, value, index=index, accumulate=bool(accumulate))
