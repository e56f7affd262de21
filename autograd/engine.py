"""The backward sweep (written once, as a generator), `backward`, `grad` and `unbroadcast`.

Graph items: an op node (a Tensor's `Node`, or a `Scalar` made by an op) has a non-empty
`next` tuple of upstream items (None where no gradient flows; it may be a computed
property) and ``_leaf = False``; its step returns one (upstream item, adjoint) pair per
input — `_run_node` for a `Node`, ``_backprop(g)`` for a Scalar — so the sweep reads
`next` once per node, when counting. A leaf (a Tensor with no `grad_fn`, or an input
Scalar) has ``next == ()``, ``_leaf = True`` (class attributes) and an
``_accumulate(grad)`` sink.

The sweep is Kahn's algorithm on the reversed graph: an iterative depth-first pass counts,
for every item, how many edges feed it a gradient; an item runs once all of them arrived.
No recursion anywhere, so million-node chains work.
"""
from collections import deque
from sys import getrefcount

import numpy as np

from . import grad_mode
from .function import Node
from .tensor import Tensor, apply_hooks

_grad, _anomaly = grad_mode._grad, grad_mode._anomaly


def unbroadcast(grad, shape):
    """Sum a gradient over the axes along which an input of `shape` was broadcast.

    Args:
        grad (Tensor or np.ndarray): gradient in the broadcast (output) shape.
        shape (tuple[int]): the input's shape.

    Returns:
        the same kind as `grad`, of `shape`: leading extra axes summed away, size-1 axes
        summed with keepdims (a Tensor op, so recorded under create_graph).

    Raises:
        ValueError: if `shape` does not broadcast to ``grad.shape``.

    VJP rule: for y = broadcast(x), dL = ⟨Ḡ, dy⟩ = ⟨Σ_broadcast-axes Ḡ, dx⟩ ⇒ x̄ = Σ Ḡ.
    """
    gshape = grad.shape
    if gshape == shape:
        return grad
    lead = len(gshape) - len(shape)
    ok = lead >= 0
    axes = list(range(lead)) if ok else []
    if ok:
        for i, s in enumerate(shape):
            gs = gshape[lead + i]
            if s == 1 and gs != 1:
                axes.append(lead + i)
            elif s != gs:
                ok = False
                break
    if not ok:
        raise ValueError(f"unbroadcast: a gradient of shape {gshape} cannot be reduced to shape {shape}; "
                         f"expected a shape that {shape} broadcasts to.")
    out = grad.sum(axis=tuple(axes), keepdims=True) if axes else grad
    if out.shape != shape:
        out = out.reshape(shape)
    return out


def _as_grad(value, like_shape, like_dtype, what):
    """Turn a user-given gradient (Tensor, ndarray or number) into a Tensor of the right shape."""
    if isinstance(value, Tensor):
        g = value
    else:
        g = Tensor._make(np.asarray(value, dtype=like_dtype), False, None)
    if g._array.shape != like_shape:
        if g._array.size == 1 and np.prod(like_shape, dtype=int) == 1:
            g = Tensor._make(g._array.reshape(like_shape), g.requires_grad, None) if g.grad_fn is None else g.reshape(like_shape)
        else:
            raise ValueError(f"{what}: gradient has shape {g._array.shape}; expected the output's shape {like_shape}.")
    return g


def _item_of(t):
    """The graph item a Tensor feeds gradients into: its node, or itself as a leaf."""
    return t.grad_fn if t.grad_fn is not None else t


_NOTHING = (None, None)  # the (item, adjoint) pair of an input no gradient flows to


def _run_node(node, g, retain_graph, create_graph, hooks=True):
    """Apply a Tensor op node's VJP to its output adjoint `g`; return one (upstream item,
    adjoint) pair per input, checked and reduced to the input's shape and dtype.

    Adjoints are ndarrays in a plain backward and Tensors when `create_graph` records the
    backward: a VJP body is written once, with operations that both kinds support (numpy
    ufuncs run tracegrad's ops on Tensors), and the engine decides which kind flows.
    `hooks=False` when the node's tensor hooks already ran (its gradient was captured)."""
    if hooks and node._hooks is not None:
        g = node._run_hooks(g)
    fn = node.fn
    if fn.tensor_vjp and not create_graph:
        g = _as_tensor(g)  # a user's Function (PyTorch's habit): its VJP gets Tensors
    grads = fn.vjp(node, g)  # in grad mode `create_graph`, set by the sweep
    if not retain_graph:
        node._saved = None  # what was saved for backward is needed no more
        node._freed = True
    if grads.__class__ is not tuple:
        grads = (grads,) if not isinstance(grads, list) else tuple(grads)
    n1 = node._n1  # two inputs (the common case): the pair from the slots (see `Node.next`)
    nxt = (node._n0, n1) if n1.__class__ is not object else node.next
    if len(grads) != len(nxt):
        raise RuntimeError(f"backward: vjp of '{fn.name}' returned {len(grads)} gradients; "
                           f"expected {len(nxt)}, one per input.")
    out = []
    i = -1
    for item, gi in zip(nxt, grads):
        i += 1
        if item is None or gi is None:
            out.append(_NOTHING)
            continue
        if create_graph:
            if gi.__class__ is not Tensor and not isinstance(gi, Tensor):
                gi = Tensor._make(np.asarray(gi), False, None)  # a constant adjoint
            arr = gi._array
        else:
            if gi.__class__ is not np.ndarray:
                gi = gi._array if isinstance(gi, Tensor) else np.asarray(gi)  # (0-d results are numpy scalars)
            arr = gi
        shape = item.shape
        if arr.shape != shape:
            try:
                gi = unbroadcast(gi, shape)
            except ValueError:
                raise RuntimeError(
                    f"backward: vjp of '{fn.name}' returned shape {arr.shape} for input {i} of shape "
                    f"{shape}; expected a shape that broadcasts to {shape}.") from None
        dt = arr.dtype
        if dt is not item.dtype and dt != item.dtype:  # builtin dtypes are singletons: `is` first
            if dt.kind == "f" and np.dtype(item.dtype).kind == "f":
                gi = gi.astype(item.dtype)  # mixed-precision op: cast back, as PyTorch does
            else:
                raise RuntimeError(
                    f"backward: vjp of '{fn.name}' returned dtype {dt.name} for input {i}; "
                    f"expected {np.dtype(item.dtype).name}.")
        if _anomaly[0] and not np.all(np.isfinite(gi._array if create_graph else gi)):
            trace = "".join(node.trace or ["(no forward trace: the op was recorded outside detect_anomaly)\n"])
            raise RuntimeError(
                f"backward: '{fn.name}' returned a NaN or Inf gradient for input {i}. "
                f"The op was created here:\n{trace}")
        out.append((item, gi))
    return out


def _as_tensor(g):
    """An adjoint as a Tensor (plain backward keeps ndarrays; hooks and results see Tensors)."""
    if g.__class__ is np.ndarray:
        return Tensor._make(g, False, None)
    if isinstance(g, np.generic):  # 0-d arithmetic gives numpy scalars
        return Tensor._make(np.asarray(g), False, None)
    return g  # a Tensor, None, or a Scalar graph's float


def _leaf_hooks(leaf, g):
    """A captured leaf's gradient after its tensor hooks (as `_accumulate` would run them)."""
    hooks = getattr(leaf, "_hooks", None)
    return apply_hooks(hooks, _as_tensor(g)) if hooks else g


def iter_backward(roots, grads, retain_graph=False, create_graph=False, capture=None, steps=True):
    """The backward sweep as a generator: one step per op node, in execution order.

    Args:
        roots (list): graph items to start from (Tensors' nodes, leaf Tensors or Scalars).
        grads (list): their output adjoints (Tensors for Tensor roots, floats for Scalars).
        retain_graph (bool): keep saved values after each VJP.
        create_graph (bool): the grad mode the sweep runs in (VJPs, hooks, leaf accumulation),
            as in PyTorch: True records the gradients' graph (higher-order gradients). The
            calling thread's mode is set once per sweep, and is the caller's again at each yield.
        capture (dict or None): graph items whose total gradient is wanted (by `grad`); when
            given, leaves are not accumulated and the sweep stops once all were captured.
        steps (bool): yield after every node (the stepper); False runs the whole sweep in the
            first ``next()`` and yields nothing: `backward` and `grad` skip a generator switch
            per node (~5 % of a Scalar sweep).

    Yields:
        tuple (node, grad_output, sent): the op node run, the adjoint it received, and the
        (upstream item, adjoint) pairs it sent, one per input ((None, None) where none
        flowed). Gradients of leaves whose last contribution came in this step are applied
        before the yield.

    An item fed by one edge only (most nodes of a chain or a sum) never enters the buffers:
    its adjoint goes straight onto the ready stack with it.
    """
    grad = _grad
    outer = grad.enabled  # the caller's mode: restored at each yield and at the end
    grad.enabled = create_graph
    try:
        for step in _sweep(roots, grads, retain_graph, create_graph, capture, steps):
            grad.enabled = outer
            outer = None  # yielded: the mode is the caller's until the next resume
            yield step
            outer = grad.enabled
            grad.enabled = create_graph
    finally:
        if outer is not None:
            grad.enabled = outer


def _sweep(roots, grads, retain_graph, create_graph, capture, steps):
    """The body of `iter_backward` (same arguments and steps), run in its grad mode."""
    # 1. dependency counts: how many edges deliver a gradient to each item
    deps = {}
    stack = []
    for r in roots:
        if r not in deps:
            deps[r] = 0
            stack.append(r)
    dget = deps.get
    push = stack.append
    pop = stack.pop
    while stack:
        for p in pop().next:
            if p is None:
                continue
            n = dget(p)
            if n is None:
                deps[p] = 1
                if not p._leaf:
                    push(p)
            else:
                deps[p] = n + 1
    # 2. sum the roots' adjoints; roots nothing else feeds are ready
    buffers = {}
    for r, g in zip(roots, grads):
        if not create_graph and isinstance(g, Tensor):
            g = g._array  # a plain backward carries ndarrays (see `_run_node`)
        prev = buffers.get(r)
        buffers[r] = g if prev is None else prev + g
    remaining = len(capture) if capture is not None else -1
    ready = []  # stack of (item, its total adjoint)
    for r in list(buffers):
        if deps[r]:  # a root that other roots feed too: its buffer is open (count < 0, see 3.)
            deps[r] = -deps[r]
        else:
            g = buffers.pop(r)
            if not r._leaf:
                ready.append((r, g))
            elif capture is None:
                r._accumulate(_as_tensor(g))
            elif r in capture:
                capture[r] = _leaf_hooks(r, g)
                remaining -= 1
    if remaining == 0:
        return
    # 3. run each node once all its incoming gradients are summed. deps[p] = n > 0: no gradient
    # arrived yet, n to come (n = 1: the one arrival is the total: no buffer); n < 0: a partial
    # sum is in `buffers`, −n to come.
    bpop = buffers.pop
    push = ready.append
    pop = ready.pop
    while ready:
        node, g = pop()
        hooks = True
        if capture is not None and node in capture:
            if node.__class__ is Node and node._hooks is not None:
                g = node._run_hooks(g)  # tensor hooks apply to captured gradients too (PyTorch)
                hooks = False
            capture[node] = g
            remaining -= 1
            if remaining == 0:
                if steps:
                    yield node, _as_tensor(g), []
                return
        sent = (_run_node(node, g, retain_graph, create_graph, hooks) if node.__class__ is Node
                else node._backprop(g))
        for p, gi in sent:
            if p is None:
                continue
            n = deps[p]
            if n != 1:
                if n > 1:  # the first of n gradients: open the buffer
                    deps[p] = 1 - n
                    buffers[p] = gi
                    continue
                n += 1
                if n:  # more to come
                    deps[p] = n
                    buffers[p] = buffers[p] + gi
                    continue
                gi = bpop(p) + gi
            if not p._leaf:
                push((p, gi))
            elif capture is None:  # the leaf may adopt a fresh, unshared gradient array (limits below)
                p._accumulate(_as_tensor(gi), _adopt_limits)
            elif p in capture:
                capture[p] = _leaf_hooks(p, gi)
                remaining -= 1
        if steps:  # the stepper shows Tensors
            yield node, _as_tensor(g), [(p, _as_tensor(gi)) for p, gi in sent]
        if remaining == 0:
            return


_ONES = {}  # (shape, dtype) → a read-only array of ones: the implicit seed of backward()


def _ones(shape, dtype):
    """A shared read-only one-element array of ones (the seed of ``loss.backward()``)."""
    key = (shape, dtype)
    arr = _ONES.get(key)
    if arr is None:
        arr = np.ones(shape, dtype)
        arr.flags.writeable = False
        if len(_ONES) < 64:
            _ONES[key] = arr
    return arr


def _prepare(outputs, grad_outputs, what):
    """Validate outputs and their adjoints; return (roots, grads) for `iter_backward`."""
    roots, grads = [], []
    for out, g in zip(outputs, grad_outputs):
        if not isinstance(out, Tensor):
            raise TypeError(f"{what}: outputs must be Tensors; got {type(out).__name__}.")
        if not out.requires_grad:
            raise RuntimeError(f"{what}: the output does not require grad and has no grad_fn; "
                               f"expected a tensor computed from inputs with requires_grad=True.")
        if g is None:
            if out._array.size != 1:
                raise RuntimeError(f"{what}: grad can be implicitly created only for one-element outputs; "
                                   f"got shape {out.shape}, expected a gradient argument of that shape.")
            g = Tensor._make(_ones(out._array.shape, out._array.dtype), False, None)
        else:
            g = _as_grad(g, out._array.shape, out._array.dtype, what)
        roots.append(_item_of(out))
        grads.append(g)
    return roots, grads


def backward(tensor, gradient=None, retain_graph=False, create_graph=False, inputs=None):
    """Accumulate d(tensor)/d(leaf) into the `.grad` of every leaf that requires grad; the
    method ``Tensor.backward`` (attached by the op table's `install`).

    Args:
        tensor (Tensor): the differentiated quantity.
        gradient: the output adjoint Ḡ (Tensor, ndarray or number) of tensor's shape; may
            be omitted for a one-element tensor (then 1).
        retain_graph (bool): keep saved values so backward can run again.
        create_graph (bool): record the backward ops, for higher-order gradients.
        inputs: optional Tensors; only these accumulate gradients (leaves into `.grad`,
            non-leaves too, like PyTorch).

    Raises:
        RuntimeError: on a tensor without grad, a missing gradient for a non-scalar output,
            a freed graph, an in-place change of a saved tensor, or (under detect_anomaly) a
            NaN/Inf gradient.
    """
    roots, grads = _prepare([tensor], [gradient], "backward")
    retain_graph = retain_graph or create_graph
    if inputs is None:
        deque(iter_backward(roots, grads, retain_graph, create_graph, steps=False), maxlen=0)
        return
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    capture = {_item_of(t): None for t in inputs}
    deque(iter_backward(roots, grads, retain_graph, create_graph, capture, steps=False), maxlen=0)
    for t in inputs:
        g = _as_tensor(capture.get(_item_of(t)))
        if g is not None:
            t.grad = g if t.grad is None else t.grad + g


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=False):
    """Gradients of `outputs` with respect to `inputs`, returned instead of accumulated.

    Args:
        outputs (Tensor or sequence of Tensors): differentiated quantities.
        inputs (Tensor or sequence of Tensors): the variables.
        grad_outputs: adjoints for the outputs (Tensor, ndarray or number each; None for
            one-element outputs).
        retain_graph (bool or None): keep saved values; defaults to `create_graph`.
        create_graph (bool): record the computation, for higher-order derivatives.
        allow_unused (bool): return None for an input the outputs do not depend on.

    Returns:
        tuple of Tensors (or None), one per input, each of the input's shape.

    Raises:
        RuntimeError: for an unused input without ``allow_unused=True``, or see `backward`.
    """
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    single = isinstance(inputs, Tensor)
    inputs = [inputs] if single else list(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, (Tensor, np.ndarray, int, float)):
        grad_outputs = [grad_outputs]
    else:
        grad_outputs = list(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad: got {len(grad_outputs)} grad_outputs for {len(outputs)} outputs; expected one each.")
    for t in inputs:
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise RuntimeError("grad: every input must be a Tensor that requires grad.")
    if retain_graph is None:
        retain_graph = create_graph
    roots, grads = _prepare(outputs, grad_outputs, "grad")
    capture = {_item_of(t): None for t in inputs}
    deque(iter_backward(roots, grads, retain_graph, create_graph, capture, steps=False), maxlen=0)
    result = []
    for i, t in enumerate(inputs):
        g = _as_tensor(capture[_item_of(t)])
        if g is None:
            if not allow_unused:
                raise RuntimeError(f"grad: input {i} of shape {t.shape} was not used to compute the outputs; "
                                   f"expected every input to be used. Hint: pass allow_unused=True.")
        elif not create_graph and g.grad_fn is not None:
            g = g.detach()
        result.append(g)
    return tuple(result)


class _AdoptionProbe(Tensor):
    """A leaf that records the reference counts its gradient has at the sweep's leaf step."""

    __slots__ = ()
    seen = []

    def _accumulate(self, grad, adopt=None):
        arr = grad._array  # the same references as in `Tensor._accumulate`
        if adopt is not None:
            _AdoptionProbe.seen.append((getrefcount(grad), getrefcount(arr)))


class _FreshGradientOp:
    """The calibration's op: its VJP returns a fresh gradient that nothing else holds."""

    name = "calibration"
    tensor_vjp = False  # takes the ndarray adjoint, as tracegrad's ops
    
    @staticmethod
    def vjp(ctx, grad_out):
        """Ā = Ḡ, as a fresh copy."""
        return (grad_out.copy(),)


def _calibrate_adoption():
    """Measure the reference counts of an unshared VJP gradient at the sweep's leaf step.

    `Tensor._accumulate` adopts a gradient array (skips the copy) only at or below these
    counts; they depend on the interpreter (CPython version, how the sweep holds values), so
    they are measured on this interpreter instead of being written down. If the measurement
    is implausible (another interpreter, a changed sweep), the limits stay 0: always copy.
    """
    probe = _AdoptionProbe._make(np.zeros(2, np.float32), True, None)
    node = object.__new__(Node)
    node.fn = _FreshGradientOp
    node.next = (probe,)
    node.needs_input_grad = (True,)
    node._saved = node._versions = node._out_ref = None
    node._out_index = -1
    node._freed = False
    node.shape, node.dtype = (2,), probe._array.dtype
    _AdoptionProbe.seen = []
    prev = _grad.enabled
    try:
        deque(iter_backward([node], [Tensor._make(np.ones(2, np.float32), False, None)], steps=False), maxlen=0)
    except Exception:  # never let a measurement break the import: copy instead
        _AdoptionProbe.seen = []
    finally:
        _grad.enabled = prev
    seen = _AdoptionProbe.seen
    limits = [0, 0]
    if len(seen) == 1 and 2 <= seen[0][0] <= 10 and 2 <= seen[0][1] <= 6:
        limits = list(seen[0])
    return tuple(limits)


# reference counts of an unshared gradient Tensor and of its array at the sweep's leaf step,
# below which `Tensor._accumulate` adopts the array; (0, 0) never adopts (the calibration's
# own sweep passes them too: its probe records instead of comparing)
_adopt_limits = (0, 0)
_adopt_limits = _calibrate_adoption()
