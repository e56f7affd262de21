"""`Function` (one differentiable op) and `Node` (its record in the graph, the `ctx`).

A `Function` subclass defines `forward(ctx, *inputs, **attrs)` on ndarrays and
`vjp(ctx, grad_out)` with Tensor ops. `Function.apply` runs the forward and, when grad mode
is on and an input requires grad, returns a Tensor whose `grad_fn` is the `Node` that
`forward` filled in. The node holds only what backward needs: the upstream graph items
(`next`), the flags `needs_input_grad`, what was saved, and the output's shape and dtype.
It never holds its own output strongly, so graphs are acyclic in memory and are freed by
reference counting alone; it keeps a weak reference to the output only where one is needed
(the output was saved for backward, `retain_grad`, an in-place rebase): a weakref per op
would be one more GC-tracked object per recorded op (a recorded op now leaves the node, plus
the saved-items tuple where something was saved: see `Node.next` and `_SHAPES`).
"""
import traceback
import weakref

import numpy as np

from . import grad_mode
from .tensor import Tensor, apply_hooks

_make = Tensor._make
_new = object.__new__
_NO_NEEDS = [(False,) * n for n in range(9)]
_ONE, _MANY = object(), object()  # markers in `Node._n1`: one input; not two inputs (see `Node.next`)
_NEEDS_TT, _NEEDS_TF, _NEEDS_FT, _NEEDS_T = (True, True), (True, False), (False, True), (True,)
# output shape → one shared tuple: `data.shape` is a new tuple each time, and a node keeping it
# is one more long-lived allocation per recorded op, which makes the cyclic GC run more often
_SHAPES = {}

_grad, _anomaly, _modules_running = grad_mode._grad, grad_mode._anomaly, grad_mode._modules_running


class Node:
    """One recorded op in the graph; passed to `forward`/`vjp` as ``ctx``.

    Attributes:
        fn (type): the `Function` subclass that made it.
        next (tuple): per input, the upstream graph item: a `Node` (input made by an op), the
            leaf `Tensor` itself (leaf that requires grad), or None (no gradient needed).
        needs_input_grad (tuple[bool]): per input, whether a gradient must be computed.
        shape (tuple[int]), dtype (np.dtype): of the op's output.
        module (str or None): qualified name of the innermost `nn.Module` running at creation.
        trace (list[str] or None): creation stack, recorded under `detect_anomaly()`.

    Ops may set further attributes on ``ctx`` in `forward` (axes, shapes, flags).
    """

    # `next` is kept in two slots, not a tuple per node: a tuple would be one more long-lived
    # GC-tracked object per recorded op (see `next`)
    __slots__ = ("fn", "_n0", "_n1", "needs_input_grad", "shape", "dtype", "_saved", "_versions", "_out_index",
                 "_out_ref", "_freed", "__dict__", "__weakref__")
    # rarely set: class defaults, an instance sets them in its __dict__ when needed
    module = None
    _out_vc = None  # the saved output's version counter, once something shares its memory
    _leaf = False  # graph protocol (engine.py): an op node, never a leaf
    trace = None
    _hooks = None

    def __init__(self, fn):
        self.fn = fn
        self.next = ()
        self.needs_input_grad = ()
        self._saved = None
        self._versions = None
        self._out_index = -1
        self._out_ref = None
        self._freed = False

    @property
    def next(self):
        """tuple: per input, the upstream graph item (see the class docstring).

        Stored in two slots: ``(_n0, _n1)`` for two inputs, ``_n0`` and `_ONE` for one input,
        and the tuple itself in `_n0` with `_MANY` for any other number.
        """
        b = self._n1
        if b is _ONE:
            return (self._n0,)
        if b is _MANY:
            return self._n0
        return (self._n0, b)

    @next.setter
    def next(self, items):
        """Set the upstream items (a sequence, one per input) into the two slots."""
        n = len(items)
        if n == 2:
            self._n0, self._n1 = items
        elif n == 1:
            self._n0, self._n1 = items[0], _ONE
        else:
            self._n0, self._n1 = tuple(items), _MANY

    # -- saving -----------------------------------------------------------------------------
    def save_for_backward(self, *items):
        """Keep inputs (Tensors) and/or the output (the ndarray `forward` returns) for `vjp`.

        Call at most once per forward. Each Tensor's version is recorded, so an in-place
        change before backward (through it, a view of it or its base, or a detached alias:
        they share one version counter) is reported instead of giving a wrong gradient.
        """
        self._saved = items
        changed = False
        for t in items:
            if t.__class__ is Tensor or isinstance(t, Tensor):
                if t._vc is not None and t._vc[0]:
                    changed = True
            else:  # an ndarray: `apply` looks whether it is the output (index -2: "look")
                self._out_index = -2
        # versions are recorded only when one is non-zero (a parameter after an optimizer step)
        if changed:
            self._versions = tuple([t._version if isinstance(t, Tensor) else 0 for t in items])

    @property
    def saved_tensors(self):
        """Tuple of Tensors saved by `save_for_backward`; the output comes back as a Tensor
        attached to this node (so double backward works).

        Raises:
            RuntimeError: if the graph was already freed by a backward without
                ``retain_graph=True``, or a saved tensor was modified in place since.
        """
        items = self._checked_saved()
        oi = self._out_index
        if oi < 0:
            return items
        out = list(items)
        out[oi] = Tensor._make(items[oi], True, self)  # the output, attached to this node
        return tuple(out)

    @property
    def saved(self):
        """What `save_for_backward` kept, for a VJP body: Tensors while the backward is
        recorded (``create_graph=True``, grad mode on), their ndarrays in a plain backward —
        the same kind as the adjoint the engine passes, so one body serves both.

        Raises:
            RuntimeError: as `saved_tensors`.
        """
        if _grad.enabled:
            return self.saved_tensors
        items = self._checked_saved()
        oi = self._out_index  # the saved output is kept as its ndarray already
        if oi < 0:
            return (items[0]._array,) if len(items) == 1 else tuple([t._array for t in items])
        return tuple([t if i == oi else t._array for i, t in enumerate(items)])

    def _checked_saved(self):
        """The saved items (input Tensors; the output as its ndarray) after checking that the
        graph was not freed and that no saved tensor's memory changed since it was saved."""
        if self._freed:
            raise RuntimeError(
                f"backward: the saved values of '{self.fn.name}' were already freed by an earlier "
                f"backward. Hint: pass retain_graph=True to the first backward() to backprop twice.")
        items = self._saved
        if items is None:
            return ()
        versions = self._versions
        oi = self._out_index
        if versions is None and oi < 0:  # the common case: inputs saved at version 0, still there
            for t in items:
                vc = t._vc
                if vc is not None and vc[0]:
                    break  # changed: the loop below names it
            else:
                return items
        for i, t in enumerate(items):
            if i != oi:
                vc = t._vc
                now = vc[0] if vc is not None else 0
                saved = versions[i] if versions is not None else 0
                if now != saved:
                    self._raise_version(i, saved, now)
        if oi >= 0:
            vc = self._out_vc
            if vc is None:
                ref = self._out_ref() if self._out_ref is not None else None
                vc = ref._vc if ref is not None else None
            now = vc[0] if vc is not None else 0
            saved = versions[oi] if versions is not None else 0
            if now != saved:
                self._raise_version(oi, saved, now)
        return items

    def _raise_version(self, i, saved, now):
        item = self._saved[i]
        what = "its output" if i == self._out_index else f"saved item {i}"
        raise RuntimeError(
            f"backward: one of the variables needed for gradient computation has been modified by an inplace "
            f"operation: {what} of '{self.fn.name}' (shape {tuple(item.shape)}, {item.dtype.name}) is at "
            f"version {now}; expected version {saved}. Hint: use an out-of-place op, or clone() the tensor "
            f"before changing it.")

    # -- hooks ------------------------------------------------------------------------------
    def _run_hooks(self, grad):
        """The output adjoint after this tensor's hooks; `retain_grad` keeps a copy. `grad` is
        an ndarray in a plain backward (hooks still see and return Tensors)."""
        plain = not isinstance(grad, Tensor)
        t = _make(np.asarray(grad), False, None) if plain else grad
        t = apply_hooks(self._hooks, t)
        ref = self._out_ref() if self._out_ref is not None else None
        if ref is not None and ref._retains_grad:
            ref.grad = t.detach() if ref.grad is None else ref.grad + t.detach()
        return t._array if plain else t

    @property
    def name(self):
        """The op's public name (e.g. ``'matmul'``)."""
        return self.fn.name

    def __repr__(self):
        return f"<{self.fn.__name__}Backward shape={self.shape} dtype={self.dtype}>"

    def output(self):
        """The op's output Tensor while it is alive and referenced weakly (its output was
        saved, it retains its grad, or it was rebased in place), else None."""
        return self._out_ref() if self._out_ref is not None else None


class Function:
    """Base class of a differentiable op, as PyTorch's ``torch.autograd.Function``.

    Subclasses define:
        forward(ctx, *inputs, **attrs) -> np.ndarray: computes on the input Tensors' values
            (``np.asarray(x)``, which shares memory; ``x.detach().numpy()`` works too).
        vjp(ctx, grad_out) -> tuple: one Tensor (or ndarray) or None per input; `grad_out`
            and ``ctx.saved_tensors`` are Tensors, so the body may use any Tensor op, and
            ``create_graph=True`` differentiates it again.
    and the class attributes `name` (public op name), `rule` (plain-text VJP rule) and
    `rule_latex` (the same rule in LaTeX), shown by pictures and the stepper.

    Inputs to `apply` that are not Tensors (numbers, axes) must be passed as keyword attrs.
    tracegrad's own ops derive from `Op`, whose VJPs take ndarrays in a plain backward.
    """

    name = "function"
    rule = ""
    rule_latex = ""
    tensor_vjp = True  # the VJP receives Tensors even in a plain backward (see `Op`)

    @staticmethod
    def forward(ctx, *inputs, **attrs):
        """Compute the op's output as an ndarray (subclasses override)."""
        raise NotImplementedError

    @staticmethod
    def vjp(ctx, grad_out):
        """Return the input adjoints for the output adjoint `grad_out` (subclasses override)."""
        raise NotImplementedError(f"backward: op '{getattr(ctx.fn, 'name', '?')}' has no VJP.")

    @classmethod
    def apply(cls, *inputs, **attrs):
        """Run the op on Tensors `inputs` and record it when grad mode is on.

        Returns:
            Tensor: the output, with ``grad_fn`` set when an input requires grad.
        """
        if _grad.enabled:
            n = len(inputs)
            if n == 2:  # unrolled for the common arities (a comprehension is a call in 3.11)
                a, b = inputs
                if a._base is not None or b._base is not None:  # views: history up to date
                    _sync_views(inputs)
                # the upstream items go into the node's two `next` slots; `needs` is one of the
                # shared constant tuples: no allocation
                if a._requires_grad:
                    n0 = a.grad_fn or a
                    if b._requires_grad:
                        needs, n1 = _NEEDS_TT, b.grad_fn or b
                    else:
                        needs, n1 = _NEEDS_TF, None
                elif b._requires_grad:
                    needs, n0, n1 = _NEEDS_FT, None, b.grad_fn or b
                else:
                    needs = None
            elif n == 1:
                a = inputs[0]
                if a._base is not None:
                    a._sync_view()
                if a._requires_grad:
                    needs, n0, n1 = _NEEDS_T, a.grad_fn or a, _ONE
                else:
                    needs = None
            else:
                _sync_views(inputs)
                needs = tuple([t._requires_grad for t in inputs])
                if True in needs:
                    n0, n1 = tuple([(t.grad_fn or t) if t._requires_grad else None for t in inputs]), _MANY
                else:
                    needs = None
            if needs is not None:
                ctx = _new(Node)
                ctx.fn = cls
                ctx.needs_input_grad = needs
                ctx._saved = ctx._versions = ctx._out_ref = None
                ctx._out_index = -1
                ctx._freed = False
                if attrs:
                    raw = cls.forward(ctx, *inputs, **attrs)
                elif n == 2:
                    raw = cls.forward(ctx, a, b)
                else:
                    raw = cls.forward(ctx, *inputs)
                data = raw if raw.__class__ is np.ndarray else np.asarray(raw)
                ctx._n0 = n0
                ctx._n1 = n1
                shape = data.shape
                known = _SHAPES.get(shape)
                ctx.shape = known if known is not None else _shared_shape(shape)
                ctx.dtype = data.dtype
                if _modules_running:  # a module forward runs in some thread: this thread's innermost
                    module = _grad.module
                    if module is not None:
                        ctx.module = module
                if _anomaly[0]:
                    ctx.trace = traceback.format_stack()[:-2]
                out = _make(data, True, ctx)
                if ctx._out_index == -2:  # an ndarray was saved: the output?
                    _find_saved_output(ctx, raw, data, out)
                return out
        ctx = _new(_NoGradNode)
        ctx.fn = cls
        ctx.needs_input_grad = _NO_NEEDS[len(inputs)] if len(inputs) < 9 else (False,) * len(inputs)
        raw = cls.forward(ctx, *inputs, **attrs)
        return _make(raw if raw.__class__ is np.ndarray else np.asarray(raw), False, None)


class Op(Function):
    """Base class of tracegrad's own ops (autograd/ops): each VJP is ONE body written with
    numpy ufuncs, operators and the methods ndarrays and Tensors share (see
    `autograd.ops.dispatch` for the rest), so the engine passes it ndarrays in a plain
    backward (nothing recorded, nothing wrapped: fast) and Tensors when ``create_graph=True``
    records the backward (second derivatives differentiate that same body). Its saved values
    come from ``ctx.saved``, of the adjoint's kind. See STYLE.md section 1.
    """

    tensor_vjp = False


def _shared_shape(shape):
    """Return `shape` as the tuple all nodes of that output shape share (see `_SHAPES`)."""
    if len(_SHAPES) >= 4096:  # many distinct shapes (e.g. varying batch sizes): start again
        _SHAPES.clear()
    _SHAPES[shape] = shape
    return shape


def _find_saved_output(ctx, raw, data, out):
    """After `forward` saved an ndarray (``ctx._out_index == -2``): if it is the output, note its
    index and keep a weak reference to the output Tensor, whose version is checked instead."""
    ctx._out_index = -1
    for i, item in enumerate(ctx._saved):
        if item is raw:
            ctx._out_index = i
            ctx._out_ref = weakref.ref(out)
            if data is not raw:  # a 0-d result numpy gave as a scalar
                ctx._saved = ctx._saved[:i] + (data,) + ctx._saved[i + 1:]


def _sync_views(inputs):
    """Bring the history of every view among `inputs` up to date (see `Tensor._sync_view`)."""
    for t in inputs:
        if t._base is not None:
            t._sync_view()


class _NoGradNode(Node):
    """The ``ctx`` of an op run without recording (no_grad, or no input requires grad):
    nothing is saved, and no graph item is made."""

    __slots__ = ()

    def save_for_backward(self, *items):
        """Nothing to keep: this op is not recorded."""
