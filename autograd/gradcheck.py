"""Finite-difference checks of the engine's gradients: `gradcheck` and `gradgradcheck`."""
import numpy as np

from .engine import grad
from .tensor import Tensor


class GradcheckError(RuntimeError):
    """Raised by `gradcheck` when an analytical derivative differs from the numerical one.

    The message names the input, the output, the element index and both values.
    """


def _outputs(value):
    if isinstance(value, Tensor):
        return [value]
    return [v for v in value if isinstance(v, Tensor)]


def _prepare(inputs):
    single = isinstance(inputs, Tensor)
    items = [inputs] if single else list(inputs)
    out = []
    for x in items:
        if isinstance(x, Tensor) and x._array.dtype.kind == "f" and x.requires_grad:
            x = Tensor(np.array(x._array, dtype=np.float64), requires_grad=True)
        out.append(x)
    return out


def _jacobians(fn, xs, eps):
    """Analytical and numerical Jacobians: dict (input i, output k) → (analytical, numerical)."""
    diff = [i for i, x in enumerate(xs) if isinstance(x, Tensor) and x.requires_grad]
    outs = _outputs(fn(*xs))
    outs = [o for o in outs if o._array.dtype.kind == "f"]
    result = {}
    for k, o in enumerate(outs):
        n_out = o._array.size
        analytical = {i: np.zeros((n_out, xs[i]._array.size)) for i in diff}
        if o.requires_grad:
            for j in range(n_out):
                seed = np.zeros(o._array.shape)
                seed.reshape(-1)[j] = 1.0
                gs = grad([o], [xs[i] for i in diff], [seed], retain_graph=True, allow_unused=True)
                for i, g in zip(diff, gs):
                    if g is not None:
                        analytical[i][j] = np.asarray(g._array, dtype=np.float64).reshape(-1)
        for i in diff:
            numerical = np.zeros_like(analytical[i])
            flat = xs[i]._array.reshape(-1)
            for m in range(flat.size):
                orig = flat[m]
                flat[m] = orig + eps
                plus = np.array(_outputs(fn(*xs))[k]._array, dtype=np.float64).reshape(-1)
                flat[m] = orig - eps
                minus = np.array(_outputs(fn(*xs))[k]._array, dtype=np.float64).reshape(-1)
                flat[m] = orig
                numerical[:, m] = (plus - minus) / (2 * eps)
            result[(i, k)] = (analytical[i], numerical)
    return result


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """Compare the engine's gradients of `fn` with central finite differences in float64.

    Args:
        fn: callable taking the inputs and returning a Tensor or a sequence of Tensors (any
            shape: every output element is checked).
        inputs: a Tensor or a sequence; floating Tensors that require grad are replaced by
            float64 copies and checked, other items are passed through.
        eps (float): finite-difference step. atol, rtol (float): |a − n| ≤ atol + rtol·|n|.
        raise_exception (bool): raise on failure (default) or return False.

    Returns:
        True when every Jacobian entry agrees.

    Raises:
        GradcheckError: naming the input, output, element index and both values.

    Source: central differences (f(x+ε) − f(x−ε)) / 2ε, error O(ε²).
    """
    xs = _prepare(inputs)
    for (i, k), (a, n) in _jacobians(fn, xs, eps).items():
        bad = np.abs(a - n) > atol + rtol * np.abs(n)
        if bad.any():
            j, m = np.argwhere(bad)[0]
            if not raise_exception:
                return False
            idx = np.unravel_index(m, xs[i]._array.shape) if xs[i]._array.ndim else ()
            raise GradcheckError(
                f"gradcheck: Jacobian mismatch for input {i} at index {tuple(int(v) for v in idx)} "
                f"(output {k}, element {int(j)}): numerical {n[j, m]:.8g}, analytical {a[j, m]:.8g}.")
    return True


def gradgradcheck(fn, inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """Check second derivatives: `gradcheck` of x, v ↦ VJP(fn)(x)·v built with create_graph.

    Args:
        fn, inputs, eps, atol, rtol, raise_exception: as in `gradcheck`.
        grad_outputs: adjoints v for fn's outputs; random (seeded) when None.

    Returns:
        True when every second-order Jacobian entry agrees.

    Raises:
        GradcheckError: as in `gradcheck`.
    """
    xs = _prepare(inputs)
    outs = _outputs(fn(*xs))
    rng = np.random.default_rng(0)
    if grad_outputs is None:
        vs = [Tensor(rng.standard_normal(o._array.shape), requires_grad=True) for o in outs]
    else:
        grad_outputs = [grad_outputs] if isinstance(grad_outputs, Tensor) else list(grad_outputs)
        vs = [Tensor(np.array(np.asarray(v), dtype=np.float64), requires_grad=True) for v in grad_outputs]
    n = len(xs)
    diff = [i for i, x in enumerate(xs) if isinstance(x, Tensor) and x.requires_grad]

    def first_order(*args):
        ins, adj = list(args[:n]), list(args[n:])
        os = _outputs(fn(*ins))
        gs = grad(os, [ins[i] for i in diff], adj, create_graph=True, allow_unused=True)
        return [g for g in gs if g is not None and g.requires_grad]

    return gradcheck(first_order, xs + vs, eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception)
