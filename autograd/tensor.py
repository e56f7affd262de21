"""`Tensor`: an ndarray with a gradient, recorded into the graph by the ops it goes through.

This file holds the value itself: its array, gradient, version counter, views and hooks. It
imports nothing above it (the layering in pyproject.toml). What runs an op — the differentiable
methods and operators (``+``, ``@``, ``exp``, ``sum`` …), the in-place ones (``add_``, ``+=``,
``t[i] = v``: `autograd/ops/inplace.py`), PyTorch's conversions (``to``, ``float()``, ``t()`` …:
`autograd/ops/conversions.py`), numpy's ufunc hook and ``backward()`` (the engine) —
is attached to the class once, from the op table (`autograd/ops/registry.py`, `install`).
"""
import weakref
from sys import getrefcount as _refcount

import numpy as np

from . import grad_mode
from .device import CPU as _CPU
from .device import check_device

_grad = grad_mode._grad
_default_dtype = [np.dtype(np.float32)]
# native numeric dtypes `_to_array` passes at once; others are checked: numeric kinds only
# ("biufc"), converted to the native byte order
_PLAIN_DTYPES = frozenset(np.dtype(c) for c in "?bhilqBHILQefdgFDG")
_KIND_NAMES = {"O": "Python objects", "U": "strings", "S": "bytes", "M": "datetimes", "m": "timedeltas",
               "V": "structured (void) data"}


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
    """ndarray from a number, nested list, ndarray or Tensor, by DESIGN.md's dtype rules.

    Only bool, integer, floating and complex data are accepted, in the machine's byte order
    (a big-endian ndarray is converted, a copy); a plain native ndarray is kept as it is.

    Raises:
        TypeError: for object, string, bytes, datetime/timedelta or structured (void) data.
    """
    if isinstance(data, Tensor):
        arr = data._array
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
    if dtype is not None:
        arr = arr.astype(np.dtype(dtype), copy=False)
    if arr.dtype not in _PLAIN_DTYPES:  # one set lookup for the usual dtypes
        dt = arr.dtype
        if dt.kind not in "biufc":
            what = _KIND_NAMES.get(dt.kind, "non-numeric data")
            raise TypeError(f"Tensor: cannot make a tensor from {what}; got dtype {dt}, expected bool, integer, "
                            f"floating or complex numbers (a number, a nested list of numbers or an ndarray).")
        if not dt.isnative:
            arr = arr.astype(dt.newbyteorder("="))  # big-endian → native: the ops compare dtypes
    return arr


def apply_hooks(hooks, grad):
    """Pass `grad` through tensor hooks in order; a hook returning a Tensor replaces it.

    The one hook rule of the engine: leaves (`Tensor._accumulate`), non-leaves
    (`Node._run_hooks`) and gradients captured by `autograd.grad` all use it.

    Raises:
        TypeError: if a hook returns something other than a Tensor or None.
        RuntimeError: if a hook returns a gradient of another shape or dtype (as PyTorch:
            the hook is named, never the op that later receives the gradient).
    """
    for hook in hooks:
        new = hook(grad)
        if new is not None:
            if not isinstance(new, Tensor):
                raise TypeError(f"backward: hook '{_hook_name(hook)}' returned {type(new).__name__}; "
                                f"expected a Tensor or None.")
            bad = _differs(new, grad)
            if bad:
                raise RuntimeError(f"backward: hook '{_hook_name(hook)}' has changed the {bad[0]} of the gradient; "
                                   f"{bad[1]}.")
            grad = new
    return grad


def _hook_name(hook):
    return getattr(hook, "__name__", None) or type(hook).__name__


def _differs(value, like):
    """What differs between two Tensors' arrays: None when shape and dtype match, else
    ``('size', 'got shape …, expected …')`` or ``('type', 'got …, expected …')`` (PyTorch's words)."""
    if value._array.shape != like._array.shape:
        return "size", f"got shape {value.shape}, expected {like.shape}"
    if value._array.dtype != like._array.dtype:
        return "type", f"got {value.dtype.name}, expected {like.dtype.name}"
    return None


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
        data (Tensor): the values as a leaf cut from the graph that shares this tensor's memory,
            as PyTorch's (see the property); the ndarray is ``numpy()`` or ``np.asarray(t)``.
        grad (Tensor or None), requires_grad (bool), grad_fn (Node or None), name (str or None).

    Raises:
        TypeError: if `requires_grad` is set on an integer or bool tensor, or the data is not
            numeric.
    """

    # `grad` and `requires_grad` are properties over the slots `_grad` and `_requires_grad`: their
    # setters check what is assigned; the engine's hot paths read and write the slots directly
    __slots__ = ("_array", "_grad", "_requires_grad", "grad_fn", "_name", "_vc", "_base", "_view", "_hooks",
                 "_retains_grad", "__weakref__")
    __array_priority__ = 1000
    next = ()  # graph protocol (engine.py): a tensor is a leaf item with no upstream items
    _leaf = True

    def __init__(self, data, requires_grad=False, dtype=None, name=None):
        arr = _to_array(data, dtype)
        self._array = arr
        self._grad = None
        self.grad_fn = None
        self._name = name
        self._vc = None
        self._base = None
        self._hooks = None
        self._retains_grad = False
        self._requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _make(cls, data, requires_grad, grad_fn):
        """Fast constructor for arrays the engine made itself (no checks, no copies)."""
        t = object.__new__(cls)
        t._array = data
        t._grad, t._requires_grad = None, requires_grad
        t.grad_fn = grad_fn
        t._name = None
        t._vc = None
        t._base = None
        t._hooks = None
        t._retains_grad = False
        return t

    # -- properties -----------------------------------------------------------------------
    @property
    def requires_grad(self):
        """bool: whether gradients flow to this tensor. Settable on a leaf (see `requires_grad_`).

        Raises (on assignment):
            TypeError: True on an integer or bool tensor.
            RuntimeError: False on a non-leaf (use `detach()`).
        """
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        """Checked like `requires_grad_`."""
        self.requires_grad_(value)

    @property
    def grad(self):
        """Tensor or None: the accumulated gradient; assignable (None, or a Tensor of this shape
        and dtype).

        Raises (on assignment):
            TypeError: for anything but a Tensor or None.
            RuntimeError: for a Tensor of another shape or dtype, as PyTorch.
        """
        return self._grad

    @grad.setter
    def grad(self, value):
        """Check `value` (None, or a Tensor of this shape and dtype) and store it."""
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"grad: assigned grad must be a Tensor or None; got {type(value).__name__}.")
            bad = _differs(value, self)
            if bad:
                raise RuntimeError(f"grad: assigned grad has data of a different {bad[0]}; {bad[1]}.")
        self._grad = value

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
        return self._array.shape

    @property
    def ndim(self):
        """int: number of axes."""
        return self._array.ndim

    @property
    def dtype(self):
        """np.dtype: the element type."""
        return self._array.dtype

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
            return self._array.shape
        return self._array.shape[dim]

    def numel(self):
        """int: the number of elements."""
        return self._array.size

    def __len__(self):
        if self._array.ndim == 0:
            raise TypeError("len: len() of a 0-d tensor; expected at least one axis.")
        return self._array.shape[0]

    def __iter__(self):
        """Iterate over the first axis: ``self[0], self[1], …`` (each a differentiable getitem).

        Raises:
            TypeError: for a 0-d tensor.
        """
        if self._array.ndim == 0:
            raise TypeError("iter: iteration over a 0-d tensor; expected at least one axis.")
        for i in range(self._array.shape[0]):
            yield self[i]

    def numpy(self):
        """The underlying ndarray (shared, not copied), as PyTorch's ``Tensor.numpy()``.

        Raises:
            RuntimeError: if the tensor requires grad (the array would escape the graph:
                use ``detach().numpy()``), as PyTorch.
        """
        if self.requires_grad:
            raise RuntimeError("numpy: can't call numpy() on a tensor that requires grad. "
                               "Hint: use tensor.detach().numpy() instead.")
        return self._array

    @property
    def data(self):
        """Tensor: this tensor's values as a new leaf that shares its memory and is cut from the
        graph (requires_grad=False), as PyTorch's ``Tensor.data``: ``w.data.normal_(0, 0.01)``,
        ``w.data -= lr * w.grad`` change ``w`` in place without being recorded. The ndarray itself
        is ``t.numpy()`` (or ``np.asarray(t)``).

        Unlike PyTorch, the result shares `w`'s version counter (as `detach()` does): an
        in-place change through ``.data`` of a value saved for a pending backward raises
        backward's "modified by an inplace operation" error instead of a silently wrong
        gradient.

        Assigning ``t.data = other`` (a Tensor) makes `t` hold `other`'s memory — shape and
        dtype may change, as in PyTorch; `t` keeps its grad, history and hooks.

        Raises (on assignment):
            TypeError: if `other` is not a Tensor, or is not floating while `t` requires grad.
        """
        return self.detach()

    @data.setter
    def data(self, other):
        """Point this tensor at `other`'s memory (see the getter)."""
        if not isinstance(other, Tensor):
            raise TypeError(f"data: assigned data must be a Tensor; got {type(other).__name__}, expected a Tensor. "
                            f"Hint: wrap it with autograd.tensor(...).")
        arr = other._array
        if self._requires_grad and arr.dtype.kind != "f":
            raise TypeError(f"data: a tensor that requires grad needs floating data; got dtype {arr.dtype.name}, "
                            f"expected a floating dtype.")
        if self._base is not None:  # no longer a view of its base: memory of its own from now on
            self._base = self._view = None
            self._vc = [self._version]
        self._array = arr

    def __array__(self, dtype=None, copy=None):
        if dtype is not None and np.dtype(dtype) != self._array.dtype:
            return self._array.astype(dtype)
        return self._array

    def item(self):
        """The value of a one-element tensor as a Python number.

        Raises:
            ValueError: if the tensor has more than one element.
        """
        if self._array.size != 1:
            raise ValueError(f"item: only one-element tensors convert to a Python number; got shape {self.shape}.")
        return self._array.item()

    def tolist(self):
        """Nested Python lists of the values (a number for a 0-d tensor)."""
        return self._array.tolist()

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self._array.dtype.kind not in "iu":
            raise TypeError(f"index: only integer tensors can be used as an index; got dtype {self.dtype.name}.")
        return int(self.item())

    def __bool__(self):
        if self._array.size != 1:
            raise ValueError(f"bool: the truth value of a tensor with {self._array.size} elements is ambiguous; "
                             f"use .any() or .all().")
        return bool(self._array.item())

    __hash__ = object.__hash__

    # -- graph ----------------------------------------------------------------------------
    def detach(self):
        """A new leaf Tensor sharing this data, with no history and requires_grad=False.

        It shares this tensor's version counter (as in PyTorch): an in-place change through
        either is seen by backward checks of tensors saved from the other.
        """
        out = Tensor._make(self._array, False, None)
        out._vc = self._counter()
        return out

    # -- memory shared: one version counter, views of a base --------------------------------
    @property
    def _version(self):
        """int: how many in-place changes the memory of this tensor has seen (shared with its
        views, its base and `detach()`ed tensors, as PyTorch's version counter)."""
        vc = self._vc
        return vc[0] if vc is not None else 0

    @_version.setter
    def _version(self, value):
        self._counter()[0] = int(value)

    def _counter(self):
        """This tensor's version counter, a one-element list shared by everything that shares
        its memory; made on first need (most tensors never share memory nor change)."""
        vc = self._vc
        if vc is None:
            vc = self._vc = [0]
            node = self.grad_fn
            if node is not None and node._out_index >= 0:  # its saved output: check through vc
                node._out_vc = vc
        return vc

    def _bump(self):
        """Count one in-place change of this tensor's memory."""
        self._counter()[0] += 1

    def _sync_view(self):
        """Bring a view's history up to date with its base after an in-place change.

        A view (`_base` set) records, in `_view`, how it is made from its base (a tuple of
        view steps) and the version at which its history was last derived. When the shared
        memory changed since (an in-place op on the base or on another view), the view's
        values now depend on the base's current history: replay the view steps on the base,
        as PyTorch regenerates a view's grad_fn. Called (in grad mode) by `Function.apply`
        when it records and by in-place ops before they read the history.
        """
        steps, seen, made_in_grad_mode = self._view
        now = self._vc[0]
        if seen == now or not _grad.enabled:
            return
        base = self._base
        if base.requires_grad:
            if made_in_grad_mode:  # a view made in no_grad() keeps no history (PyTorch)
                r = replay_view(base, steps)
                self.grad_fn = r.grad_fn
                self._requires_grad = r._requires_grad
        elif self.grad_fn is not None:
            self.grad_fn = None
            self._requires_grad = False
        self._view = (steps, now, made_in_grad_mode)

    def requires_grad_(self, requires_grad=True):
        """Set `requires_grad` in place; returns self. Also ``t.requires_grad = value``.

        Raises:
            TypeError: when turning it on for integer, bool or complex dtypes (complex autograd
                is not designed yet).
            RuntimeError: when turning it off on a non-leaf.
        """
        if requires_grad and self._array.dtype.kind != "f":
            kind = {"b": "bool", "c": "complex"}.get(self._array.dtype.kind, "integer")
            raise TypeError(f"Tensor: {kind} tensors cannot require grad; got dtype {self._array.dtype.name}, "
                            f"expected a floating dtype.")
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError("requires_grad_: cannot turn off requires_grad on a non-leaf tensor. Hint: use "
                               "detach() for a tensor of the same values outside the graph.")
        self._requires_grad = bool(requires_grad)
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

    def _accumulate(self, grad, adopt=None):
        """Leaf sink of the backward sweep: run hooks, then add `grad` into `.grad`.

        Without create_graph the first gradient is copied into a buffer this tensor owns
        (a VJP may hand the same array to several inputs) and later ones are added in place.
        `adopt`: None, or the engine's calibrated reference-count limits below which the
        gradient's array is unshared and may be adopted instead of copied (the sweep's leaf step).
        """
        if self._hooks:
            grad = apply_hooks(self._hooks, grad)
        old = self._grad
        if old is not None and old._array.shape != grad._array.shape:
            # only after ``t.data = other`` of another shape: adding would broadcast (PyTorch does, silently)
            raise RuntimeError(f"backward: the gradient of shape {grad.shape} cannot be accumulated into .grad of "
                               f"shape {old.shape}; expected .grad to have the tensor's shape {self.shape}. Hint: "
                               f"set t.grad = None after replacing t.data with data of another shape.")
        if grad.grad_fn is not None or (old is not None and old.grad_fn is not None):
            self._grad = grad if old is None else old + grad
        elif old is None:
            arr = grad._array
            # Adopt the VJP's fresh array instead of copying it when nothing else can see it, as
            # PyTorch's AccumulateGrad steals an unshared gradient. `adopt` comes only from the
            # sweep's leaf step; the reference counts an unshared gradient has there are measured
            # once by `engine._calibrate_adoption` (limits 0 until then, or if that failed: copy).
            if (adopt is not None and arr.base is None and arr.dtype is self._array.dtype and arr.flags.writeable
                    and _refcount(grad) <= adopt[0] and _refcount(arr) <= adopt[1]):
                # the unshared gradient Tensor itself becomes .grad (a plain one: no hooks, no grad)
                plain = grad.__class__ is Tensor and grad._hooks is None and not grad._requires_grad
                self._grad = grad if plain else Tensor._make(arr, False, None)
            else:
                self._grad = Tensor._make(np.array(arr, dtype=self._array.dtype, copy=True), False, None)
        else:
            old._array += grad._array

    # -- conversion -----------------------------------------------------------------------
    def __repr__(self):
        body = np.array2string(self._array, separator=", ", precision=4, prefix="tensor(")
        extra = ""
        if self._array.dtype != _default_dtype[0] and self._array.dtype.kind == "f":
            extra += f", dtype={self._array.dtype.name}"
        if self.grad_fn is not None:
            extra += f", grad_fn=<{self.grad_fn.fn.__name__}Backward>"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        if self.name:
            extra += f", name={self.name!r}"
        return f"tensor({body}{extra})"

    def cpu(self):
        """Self: tracegrad's tensors always live in CPU memory."""
        return self

    def is_contiguous(self):
        """bool: whether the memory is laid out row-major (C order), as PyTorch's."""
        return bool(self._array.flags.c_contiguous)

    def cuda(self, device=None, non_blocking=False):
        """PyTorch's ``Tensor.cuda``: tracegrad computes on the CPU only.

        Raises:
            RuntimeError: always (no CUDA device), saying so; ``autograd.cuda.is_available()``
                is False.
        """
        check_device("cuda" if device is None else device, "cuda")

    def __format__(self, spec):
        """Format a 0-d tensor as its value (``f"{loss:.4f}"``), as PyTorch; also a one-element
        tensor when a spec is given. Otherwise ``str(self)``.

        Raises:
            TypeError: if a non-empty spec is given for a tensor of more than one element.
        """
        if self._array.ndim == 0 or (spec and self._array.size == 1):
            return format(self._array.item(), spec)
        if spec:
            raise TypeError(f"format: a format spec applies to one-element tensors; got shape {self.shape}, "
                            f"spec {spec!r}. Hint: format the values of t.tolist(), or use str(t).")
        return str(self)

    # -- device (issue 15: tracegrad computes on the CPU; see autograd/device.py) ----------------
    @property
    def device(self):
        """The device holding the data: always ``device(type='cpu')`` (`autograd.device`)."""
        return _CPU


# -- views: tensors that share their base's memory -------------------------------------------
def make_view(out, src, step):
    """Mark `out`, whose array is a numpy view of `src`'s, as a view of `src`; returns out.

    The view shares src's version counter, keeps its root base (never a view itself) and
    the steps that make it from that base, so in-place changes through either side are
    seen (saved-tensor checks) and accounted for in the graph (`ops.inplace.write_back`).

    Args:
        out (Tensor): the result of a view op on src (returned as it is when it is src).
        src (Tensor): the op's input.
        step (tuple): ``(fn, arg)`` such that ``fn(t, arg)`` makes the view from a tensor of
            src's shape: `reshape`, `permute`, `expand` or a basic-index `getitem`.
    """
    if out is src:
        return out
    vc = src._vc
    if vc is None:
        vc = src._vc = [0]
    out._vc = vc
    base = src._base
    if base is None:
        out._base = src
        out._view = ((step,), vc[0], _grad.enabled)
    else:
        out._base = base
        out._view = (src._view[0] + (step,), vc[0], _grad.enabled)
    return out


def replay_view(t, steps):
    """Apply view steps (see `make_view`) to `t`: the view of `t` they describe (recorded
    when t requires grad, so the result's history is "this view of t")."""
    for fn, arg in steps:
        t = fn(t, arg)
    return t
