"""`Tensor`: an ndarray with a gradient, recorded into the graph by the ops it goes through.

Differentiable methods and operators (``+``, ``@``, ``exp``, ``sum`` …) are attached to the
class from the op table in `autograd/ops/registry.py`; this file holds the value itself.
"""
import weakref
from sys import getrefcount as _refcount

import numpy as np

from . import grad_mode

_grad = grad_mode._grad
_default_dtype = [np.dtype(np.float32)]
# reference counts of an unshared gradient Tensor and of its array at the sweep's leaf step
# (set by `engine._calibrate_adoption` at import; 0, 0: never adopt, always copy)
_adopt_limits = [0, 0]
_engine = []  # [engine.backward], filled in when engine.py is imported (it imports this module)


def set_default_dtype(dtype):
    """Set the floating dtype that Python floats and lists become (default float32).

    Args:
        dtype: a numpy floating dtype or its name (``'float64'``, ``np.float32`` …).

    Raises:
        TypeError: if `dtype` is not a floating dtype.
    """
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"set_default_dtype: dtype must be floating; got {dt.name}, expected float32 or float64.")
    _default_dtype[0] = dt


def get_default_dtype():
    """Return the floating dtype Python floats become (np.dtype, default float32)."""
    return _default_dtype[0]


def _to_array(data, dtype=None):
    """ndarray from a number, nested list, ndarray or Tensor, by DESIGN.md's dtype rules."""
    if isinstance(data, Tensor):
        arr = data.data
    elif isinstance(data, np.ndarray):
        arr = data
    else:
        arr = np.asarray(data)
        if dtype is None and not isinstance(data, np.generic):
            kind = arr.dtype.kind
            if kind == "f":
                arr = arr.astype(_default_dtype[0])
            elif kind in "iu":
                arr = arr.astype(np.int64)
            elif kind == "O":
                raise TypeError(f"Tensor: cannot make a tensor from {type(data).__name__}; "
                                f"expected a number, a nested list of numbers or an ndarray.")
    if dtype is not None:
        arr = arr.astype(np.dtype(dtype), copy=False)
    return arr


def apply_hooks(hooks, grad):
    """Pass `grad` through tensor hooks in order; a hook returning a Tensor replaces it.

    The one hook rule of the engine: leaves (`Tensor._accumulate`), non-leaves
    (`Node._run_hooks`) and gradients captured by `autograd.grad` all use it.
    """
    for hook in hooks:
        new = hook(grad)
        if new is not None:
            grad = new
    return grad


class _HookHandle:
    """Returned by `register_hook`; `.remove()` takes the hook off again."""

    __slots__ = ("_list", "_fn")

    def __init__(self, hooks, fn):
        self._list = hooks
        self._fn = fn

    def remove(self):
        """Remove the hook (no-op if already removed)."""
        if self._fn in self._list:
            self._list.remove(self._fn)


class Tensor:
    """An n-dimensional array that records the ops applied to it for reverse-mode autodiff.

    Args:
        data: a number, a nested list or an ``np.ndarray`` (kept without copying), or a Tensor.
        requires_grad (bool): whether gradients flow to this tensor (floating dtypes only).
        dtype: optional numpy dtype or name; default: Python floats → float32 (see
            `set_default_dtype`), ints → int64, bools → bool; an ndarray keeps its dtype.
        name (str): optional label shown in pictures.

    Attributes:
        data (np.ndarray), grad (Tensor or None), requires_grad (bool), grad_fn (Node or None),
        name (str or None).

    Raises:
        TypeError: if `requires_grad` is set on an integer or bool tensor, or the data is not
            numeric.
    """

    __slots__ = ("data", "grad", "requires_grad", "grad_fn", "_name", "_version", "_hooks",
                 "_retains_grad", "__weakref__")
    __array_ufunc__ = None  # numpy defers to our reflected operators (ndarray + Tensor)
    __array_priority__ = 1000
    next = ()  # graph protocol (engine.py): a tensor is a leaf item with no upstream items
    _leaf = True

    def __init__(self, data, requires_grad=False, dtype=None, name=None):
        arr = _to_array(data, dtype)
        self.data = arr
        self.grad = None
        self.grad_fn = None
        self._name = name
        self._version = 0
        self._hooks = None
        self._retains_grad = False
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _make(cls, data, requires_grad, grad_fn):
        """Fast constructor for arrays the engine made itself (no checks, no copies)."""
        t = object.__new__(cls)
        t.data = data
        t.grad = None
        t.requires_grad = requires_grad
        t.grad_fn = grad_fn
        t._name = None
        t._version = 0
        t._hooks = None
        t._retains_grad = False
        return t

    # -- properties -----------------------------------------------------------------------
    @property
    def name(self):
        """str or None: label shown in pictures and repr."""
        return self._name

    @name.setter
    def name(self, value):
        """Set the label; a named non-leaf becomes findable from its node, for pictures."""
        self._name = value
        self._link_node()

    def _link_node(self):
        """Let this tensor's node reach it through a weak reference (retain_grad, names)."""
        node = self.grad_fn
        if node is not None and node.output() is not self:
            node._out_ref = weakref.ref(self)

    @property
    def shape(self):
        """tuple[int]: the array's shape."""
        return self.data.shape

    @property
    def ndim(self):
        """int: number of axes."""
        return self.data.ndim

    @property
    def dtype(self):
        """np.dtype: the element type."""
        return self.data.dtype

    @property
    def is_leaf(self):
        """bool: True when not made by a recorded op (user-made tensors, parameters)."""
        return self.grad_fn is None

    @property
    def T(self):
        """Tensor: all axes reversed (differentiable), like ``ndarray.T``."""
        return self.transpose()

    def size(self, dim=None):
        """The shape (tuple), or the length of axis `dim` (int) when given.

        Raises:
            IndexError: if `dim` is out of range.
        """
        if dim is None:
            return self.data.shape
        return self.data.shape[dim]

    def numel(self):
        """int: the number of elements."""
        return self.data.size

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len: len() of a 0-d tensor; expected at least one axis.")
        return self.data.shape[0]

    def __iter__(self):
        """Iterate over the first axis: ``self[0], self[1], …`` (each a differentiable getitem).

        Raises:
            TypeError: for a 0-d tensor.
        """
        if self.data.ndim == 0:
            raise TypeError("iter: iteration over a 0-d tensor; expected at least one axis.")
        for i in range(self.data.shape[0]):
            yield self[i]

    def numpy(self):
        """The underlying ndarray (shared, not copied)."""
        return self.data

    def __array__(self, dtype=None, copy=None):
        if dtype is not None and np.dtype(dtype) != self.data.dtype:
            return self.data.astype(dtype)
        return self.data

    def item(self):
        """The value of a one-element tensor as a Python number.

        Raises:
            ValueError: if the tensor has more than one element.
        """
        if self.data.size != 1:
            raise ValueError(f"item: only one-element tensors convert to a Python number; got shape {self.shape}.")
        return self.data.item()

    def tolist(self):
        """Nested Python lists of the values (a number for a 0-d tensor)."""
        return self.data.tolist()

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self.data.dtype.kind not in "iu":
            raise TypeError(f"index: only integer tensors can be used as an index; got dtype {self.dtype.name}.")
        return int(self.item())

    def __bool__(self):
        if self.data.size != 1:
            raise ValueError(f"bool: the truth value of a tensor with {self.data.size} elements is ambiguous; "
                             f"use .any() or .all().")
        return bool(self.data.item())

    __hash__ = object.__hash__

    # -- graph ----------------------------------------------------------------------------
    def detach(self):
        """A new leaf Tensor sharing this data, with no history and requires_grad=False."""
        return Tensor._make(self.data, False, None)

    def requires_grad_(self, requires_grad=True):
        """Set `requires_grad` in place on a leaf; returns self.

        Raises:
            TypeError: for integer or bool dtypes.
            RuntimeError: when turning it off on a non-leaf.
        """
        if requires_grad and self.data.dtype.kind not in "fc":
            kind = "bool" if self.data.dtype.kind == "b" else "integer"
            raise TypeError(f"Tensor: {kind} tensors cannot require grad; got dtype {self.data.dtype.name}, "
                            f"expected a floating dtype.")
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError("requires_grad_: cannot turn off requires_grad on a non-leaf tensor; use detach().")
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self):
        """Keep `.grad` on this non-leaf tensor after backward (leaves always keep it)."""
        if self.grad_fn is None:
            return
        self._retains_grad = True
        node = self.grad_fn
        if node._hooks is None:
            node._hooks = []
        self._link_node()

    def register_hook(self, hook):
        """Call ``hook(grad) -> Tensor or None`` with this tensor's gradient during backward.

        A returned Tensor replaces the gradient. For a leaf the hook sees the summed
        gradient once per backward, before it is accumulated into `.grad`.

        Returns:
            a handle whose ``remove()`` takes the hook off.

        Raises:
            RuntimeError: if the tensor does not require grad.
        """
        if not self.requires_grad:
            raise RuntimeError("register_hook: cannot register a hook on a tensor that does not require grad.")
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            node = self.grad_fn
            if node._hooks is None:
                node._hooks = []
            hooks = node._hooks
        hooks.append(hook)
        return _HookHandle(hooks, hook)

    def backward(self, gradient=None, retain_graph=False, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into the `.grad` of every leaf that requires grad.

        Args:
            gradient: the output adjoint Ḡ (Tensor, ndarray or number) of self's shape; may
                be omitted for a one-element tensor (then 1).
            retain_graph (bool): keep saved values so backward can run again.
            create_graph (bool): record the backward ops, for higher-order gradients.
            inputs: optional Tensors; only these accumulate gradients.

        Raises:
            RuntimeError: if self does not require grad, if it has more than one element and no
                gradient is given, or if the graph was freed by an earlier backward.
        """
        _engine[0](self, gradient, retain_graph=retain_graph, create_graph=create_graph, inputs=inputs)

    def _accumulate(self, grad, adopt=False):
        """Leaf sink of the backward sweep: run hooks, then add `grad` into `.grad`.

        Without create_graph the first gradient is copied into a buffer this tensor owns
        (a VJP may hand the same array to several inputs) and later ones are added in place.
        """
        if self._hooks:
            grad = apply_hooks(self._hooks, grad)
        if grad.grad_fn is not None or (self.grad is not None and self.grad.grad_fn is not None):
            self.grad = grad if self.grad is None else self.grad + grad
        elif self.grad is None:
            arr = grad.data
            # Adopt the VJP's fresh array instead of copying it when nothing else can see it, as
            # PyTorch's AccumulateGrad steals an unshared gradient. `adopt` comes only from the
            # sweep's leaf step; the reference counts an unshared gradient has there are measured
            # once by `engine._calibrate_adoption` (limits 0 until then, or if that failed: copy).
            if (adopt and arr.base is None and arr.dtype is self.data.dtype and arr.flags.writeable
                    and _refcount(grad) <= _adopt_limits[0] and _refcount(arr) <= _adopt_limits[1]):
                # the unshared gradient Tensor itself becomes .grad (a plain one: no hooks, no grad)
                plain = grad.__class__ is Tensor and grad._hooks is None and not grad.requires_grad
                self.grad = grad if plain else Tensor._make(arr, False, None)
            else:
                self.grad = Tensor._make(np.array(arr, dtype=self.data.dtype, copy=True), False, None)
        else:
            self.grad.data += grad.data

    # -- conversion -----------------------------------------------------------------------
    def astype(self, dtype):
        """A copy cast to `dtype` (differentiable between floating dtypes)."""
        from .ops.shape import astype
        return astype(self, dtype)

    def __repr__(self):
        body = np.array2string(self.data, separator=", ", precision=4, prefix="tensor(")
        extra = ""
        if self.data.dtype != _default_dtype[0] and self.data.dtype.kind == "f":
            extra += f", dtype={self.data.dtype.name}"
        if self.grad_fn is not None:
            extra += f", grad_fn=<{self.grad_fn.fn.__name__}Backward>"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        if self.name:
            extra += f", name={self.name!r}"
        return f"tensor({body}{extra})"

    # -- in place -------------------------------------------------------------------------
    def _check_inplace(self, op):
        if self.grad_fn is None and self.requires_grad and _grad.enabled:
            raise RuntimeError(
                f"{op}: a leaf tensor that requires grad is used in an in-place operation; "
                f"expected it inside no_grad(). Hint: wrap parameter updates in `with no_grad():`.")

    def _operand(self, op, other=None):
        """Self as the operand of the out-of-place op an in-place op writes back (checked).

        When that op is recorded it may save its operand for backward, but self's data is
        about to be overwritten: so it gets a snapshot (a copy of the data carrying self's
        history), and backward sees the old values. Without recording, self itself.
        """
        self._check_inplace(op)
        if _grad.enabled and (self.requires_grad or getattr(other, "requires_grad", False)):
            return Tensor._make(self.data.copy(), self.requires_grad, self.grad_fn)
        return self

    def _inplace(self, op, result):
        """Write `result` (a Tensor computed out of place) into self and bump the version.

        When `result` is recorded, self takes over its history (PyTorch's rebase), so later
        uses of self differentiate through the in-place op.
        """
        self._check_inplace(op)
        if result.data.shape != self.data.shape:
            raise ValueError(f"{op}: the result of shape {result.shape} cannot be written into a tensor of "
                             f"shape {self.shape}; expected the operand to broadcast to {self.shape}.")
        if result.grad_fn is not None and result.data.dtype != self.data.dtype:
            result = result.astype(self.data.dtype)  # the history must carry self's dtype
        np.copyto(self.data, result.data, casting="same_kind")
        self._version += 1
        node = result.grad_fn
        if node is not None:
            self.grad_fn = node
            self.requires_grad = True
            node._out_ref = weakref.ref(self)
            if node._out_index >= 0:  # the node saved its output: that is self's data from now on
                i = node._out_index
                node._saved = node._saved[:i] + (self.data,) + node._saved[i + 1:]
                versions = list(node._versions or (0,) * len(node._saved))
                versions[i] = self._version
                node._versions = tuple(versions)
        return self

    def add_(self, other, alpha=1):
        """self += alpha * other, in place (version bumped); returns self."""
        from .ops.arithmetic import add, mul
        a = self._operand("add_", other)
        other = a if other is self else other
        return self._inplace("add_", add(a, other if alpha == 1 else mul(other, alpha)))

    def sub_(self, other, alpha=1):
        """self -= alpha * other, in place; returns self."""
        from .ops.arithmetic import mul, sub
        a = self._operand("sub_", other)
        other = a if other is self else other
        return self._inplace("sub_", sub(a, other if alpha == 1 else mul(other, alpha)))

    def mul_(self, other):
        """self *= other, in place; returns self."""
        from .ops.arithmetic import mul
        a = self._operand("mul_", other)
        return self._inplace("mul_", mul(a, a if other is self else other))

    def div_(self, other):
        """self /= other, in place; returns self."""
        from .ops.arithmetic import div
        a = self._operand("div_", other)
        return self._inplace("div_", div(a, a if other is self else other))

    def zero_(self):
        """Fill with zeros in place; returns self (see `fill_`)."""
        return self._fill("zero_", 0)

    def fill_(self, value):
        """Fill with `value` in place; returns self.

        Recorded like PyTorch: on a tensor in a graph, gradients to the old values are zero
        (and a Tensor value that requires grad receives the summed gradient).
        """
        return self._fill("fill_", value)

    def copy_(self, src):
        """Copy `src` (Tensor, ndarray or number broadcastable to self) into self; returns self.

        Recorded when self or src requires grad (grad mode on): src receives Ḡ (summed over
        broadcast axes, cast to its dtype), the overwritten values receive zero.

        Raises:
            ValueError: if `src` does not broadcast to self's shape.
        """
        return self._fill("copy_", src)

    def _fill(self, op, src):
        self._check_inplace(op)
        src_data = src.data if isinstance(src, Tensor) else np.asarray(src)
        if src_data.shape != self.data.shape:
            try:
                ok = np.broadcast_shapes(src_data.shape, self.data.shape) == self.data.shape
            except ValueError:
                ok = False
            if not ok:
                raise ValueError(f"{op}: source of shape {src_data.shape} does not broadcast to {self.shape}; "
                                 f"expected a broadcastable source.")
        if _grad.enabled and (self.requires_grad or getattr(src, "requires_grad", False)):
            from .ops.indexing import index_put
            if not isinstance(src, Tensor):
                src = Tensor._make(np.asarray(src_data, dtype=self.data.dtype), False, None)
            return self._inplace(op, index_put(self, Ellipsis, src))
        np.copyto(self.data, src_data, casting="unsafe")
        self._version += 1
        self._detach_history()
        return self

    def _detach_history(self):
        if self.grad_fn is not None:
            # the values no longer depend on the old history; gradients stop here
            self.grad_fn = None
            self.requires_grad = False

    def __setitem__(self, index, value):
        self._check_inplace("__setitem__")
        if isinstance(index, Tensor):
            index = index.data
        elif isinstance(index, tuple):
            index = tuple(i.data if isinstance(i, Tensor) else i for i in index)
        tracked = isinstance(value, Tensor) and value.requires_grad
        if _grad.enabled and (tracked or self.grad_fn is not None):
            from .ops.indexing import index_put
            if not isinstance(value, Tensor):
                value = Tensor._make(np.asarray(value, dtype=self.data.dtype), False, None)
            self._inplace("__setitem__", index_put(self, index, value))
            return
        self.data[index] = value.data if isinstance(value, Tensor) else value
        self._version += 1
