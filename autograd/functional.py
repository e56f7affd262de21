"""Whole-function derivatives, following `torch.autograd.functional`: vjp, jvp, jacobian,
hessian, hvp. Inputs are a Tensor or a tuple of Tensors; the functions work on detached
copies that require grad, so the caller's tensors are untouched.
"""
import numpy as np

from .engine import grad
from .ops.join import stack
from .ops.shape import reshape
from .tensor import Tensor


def _inputs(inputs):
    single = isinstance(inputs, Tensor)
    items = (inputs,) if single else tuple(inputs)
    for x in items:
        if not isinstance(x, Tensor):
            raise TypeError(f"functional: inputs must be Tensors; got {type(x).__name__}.")
    return single, tuple(Tensor(x._array.copy(), requires_grad=True) for x in items)


def _outs(value):
    single = isinstance(value, Tensor)
    return single, ((value,) if single else tuple(value))


def _vs(v, like, what):
    if v is None:
        if len(like) != 1 or like[0]._array.size != 1:
            raise RuntimeError(f"{what}: v can be omitted only for a single one-element tensor; "
                               f"expected v of the shapes {[t.shape for t in like]}.")
        return (np.ones(like[0]._array.shape, dtype=like[0]._array.dtype),)
    vs = (v,) if isinstance(v, (Tensor, np.ndarray)) else tuple(v)
    if len(vs) != len(like):
        raise ValueError(f"{what}: got {len(vs)} vectors for {len(like)} tensors; expected one each.")
    out = []
    for vi, t in zip(vs, like):
        arr = vi._array if isinstance(vi, Tensor) else np.asarray(vi, dtype=t._array.dtype)
        if arr.shape != t._array.shape:
            raise ValueError(f"{what}: v has shape {arr.shape}; expected {t._array.shape}.")
        out.append(arr)
    return tuple(out)


def _zeros_for_none(gs, xs):
    return tuple(Tensor(np.zeros_like(x._array)) if g is None else g for g, x in zip(gs, xs))


def _pack(single, items):
    return items[0] if single else tuple(items)


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """Vector-Jacobian product vᵀ J of `func` at `inputs`.

    Args:
        func: Tensor(s) → Tensor(s). inputs: Tensor or tuple. v: adjoint(s) of the outputs'
            shapes (omit for a one-element output). create_graph: keep the graph of the result.
        strict: accepted for PyTorch compatibility (unused inputs give zeros).

    Returns:
        (outputs, vjp): the function's value and vᵀ J in the inputs' shapes.

    Raises:
        ValueError: if v's shapes differ from the outputs'.
    """
    single_in, xs = _inputs(inputs)
    single_out, outs = _outs(func(*xs))
    vs = _vs(v, outs, "vjp")
    gs = grad(outs, xs, vs, create_graph=create_graph, allow_unused=True)
    outs = tuple(o if create_graph else o.detach() for o in outs)
    return _pack(single_out, outs), _pack(single_in, _zeros_for_none(gs, xs))


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """Jacobian-vector product J v of `func` at `inputs` (by the double-VJP trick).

    With u a dummy adjoint, g(u) = Jᵀ u is linear in u, so ∂⟨g(u), v⟩/∂u = J v.

    Returns:
        (outputs, jvp): the value and J v in the outputs' shapes.

    Raises:
        ValueError: if v's shapes differ from the inputs'.
    """
    _, xs = _inputs(inputs)
    single_out, outs = _outs(func(*xs))
    vs = _vs(v, xs, "jvp")
    us = tuple(Tensor(np.zeros_like(o._array), requires_grad=True) for o in outs)
    gs = grad(outs, xs, us, create_graph=True, allow_unused=True)
    pairs = [(g, vi) for g, vi in zip(gs, vs) if g is not None and g.requires_grad]
    if not pairs:
        res = tuple(Tensor(np.zeros_like(o._array)) for o in outs)
    else:
        total = None
        for g, vi in pairs:
            term = (g * Tensor(vi)).sum()
            total = term if total is None else total + term
        res = _zeros_for_none(grad([total], list(us), create_graph=create_graph, allow_unused=True), outs)
    outs = tuple(o if create_graph else o.detach() for o in outs)
    return _pack(single_out, outs), _pack(single_out, res)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False):
    """The Jacobian of `func` at `inputs`, of shape out.shape + in.shape.

    Returns:
        a Tensor for one input and one output; a tuple over inputs when inputs are a tuple;
        a tuple over outputs (of those) when func returns a tuple.
    """
    single_in, xs = _inputs(inputs)
    single_out, outs = _outs(func(*xs))
    result = []
    for o in outs:
        rows = [[] for _ in xs]
        for j in range(o._array.size):
            seed = np.zeros(o._array.shape, dtype=o._array.dtype)
            seed.reshape(-1)[j] = 1
            if o.requires_grad:
                gs = grad([o], xs, [seed], retain_graph=True, create_graph=create_graph, allow_unused=True)
            else:
                gs = (None,) * len(xs)
            for i, g in enumerate(_zeros_for_none(gs, xs)):
                rows[i].append(g)
        per_input = []
        for i, x in enumerate(xs):
            if rows[i]:
                jac = reshape(stack(rows[i], axis=0), o._array.shape + x._array.shape)
            else:
                jac = Tensor(np.zeros(o._array.shape + x._array.shape, dtype=x._array.dtype))
            per_input.append(jac if create_graph else jac.detach())
        result.append(_pack(single_in, per_input))
    return _pack(single_out, result)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False):
    """The Hessian of a scalar-valued `func`: shape in.shape + in.shape (tuple of tuples for
    several inputs).

    Raises:
        RuntimeError: if func's output has more than one element.
    """
    single_in, xs = _inputs(inputs)

    def gradient(*args):
        out = func(*args)
        if out._array.size != 1:
            raise RuntimeError(f"hessian: func must return a one-element tensor; got shape {out.shape}.")
        gs = grad([out], list(args), create_graph=True, allow_unused=True)
        return _pack(single_in, _zeros_for_none(gs, args))

    return jacobian(gradient, xs[0] if single_in else xs, create_graph=create_graph)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """Hessian-vector product H v of a scalar-valued `func` (double backward).

    Returns:
        (output, hvp): the value and H v in the inputs' shapes.

    Raises:
        RuntimeError: if func's output has more than one element.
    """
    single_in, xs = _inputs(inputs)
    out = func(*xs)
    if out._array.size != 1:
        raise RuntimeError(f"hvp: func must return a one-element tensor; got shape {out.shape}.")
    vs = _vs(v, xs, "hvp")
    gs = grad([out], xs, create_graph=True, allow_unused=True)
    total = None
    for g, vi in zip(gs, vs):
        if g is not None and g.requires_grad:
            term = (g * Tensor(vi)).sum()
            total = term if total is None else total + term
    if total is None:
        res = tuple(Tensor(np.zeros_like(x._array)) for x in xs)
    else:
        res = _zeros_for_none(grad([total], xs, create_graph=create_graph, allow_unused=True), xs)
    return (out if create_graph else out.detach()), _pack(single_in, res)
