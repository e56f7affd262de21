"""Exercises whose answers the library checks: ``check(name, answer, **context)``.

Each exercise has a name (see `exercises()`); the learner writes an answer (a number, an
array, a function or a `Function` subclass) and `check` compares it with what the engine
computes, reporting a `Result` that says passed or failed with the expected and received
values. A stub answer (``None``, or code that raises ``NotImplementedError``) is reported as
"not yet solved" without raising, so a notebook of unsolved exercises still runs from top to
bottom; ``check(..., strict=True)`` raises ``AssertionError`` unless the answer passes (the
solutions notebook uses it).

Example::

    from autograd.exercises import check
    def linear_grads(X, W, G):          # Z = X W, G = Z̄
        return G @ W.T, X.T @ G          # X̄, W̄
    check("linear_vjp", linear_grads)    # ✓ linear_vjp: passed.
"""
import numpy as np

import autograd as ag

from .function import Function
from .gradcheck import GradcheckError, gradcheck
from .viz.stepper import BackwardStepper

PASSED, FAILED, NOT_SOLVED = "passed", "failed", "not yet solved"


class Result:
    """The outcome of one `check`.

    Attributes:
        name (str): the exercise.
        status (str): ``"passed"``, ``"failed"`` or ``"not yet solved"``.
        expected: what the engine computed (None when not solved).
        received: what the answer gave (None when not solved).
        message (str): one line for the learner, naming both values on failure.

    ``bool(result)`` is True only when the answer passed.
    """

    __slots__ = ("expected", "message", "name", "received", "status")

    def __init__(self, name, status, expected=None, received=None, detail=""):
        self.name, self.status, self.expected, self.received = name, status, expected, received
        if status == PASSED:
            self.message = f"✓ {name}: passed.{(' ' + detail) if detail else ''}"
        elif status == NOT_SOLVED:
            self.message = f"… {name}: not yet solved ({detail or 'the answer is still the stub'})."
        else:
            self.message = (f"✗ {name}: {detail}; expected {_show(expected)}, received {_show(received)}.")

    @property
    def passed(self):
        """bool: the answer passed."""
        return self.status == PASSED

    def __bool__(self):
        return self.passed

    def __repr__(self):
        return self.message


def _show(value):
    """A short, deterministic text for a value in a message."""
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(_show(v) for v in value) + ")"
    if isinstance(value, ag.Tensor):
        value = value._array
    if isinstance(value, (np.ndarray, np.generic)):
        return np.array2string(np.asarray(value), precision=5, suppress_small=True, threshold=12, edgeitems=2,
                               separator=", ").replace("\n", "")
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


class _Mismatch(Exception):
    """Raised by a checker: (detail, expected, received)."""


def _close(label, expected, received, rtol=1e-4, atol=1e-6):
    """Compare `received` with `expected` (arrays or numbers); raise `_Mismatch` otherwise."""
    if isinstance(received, ag.Tensor):
        received = received._array
    exp = np.asarray(expected, dtype=np.float64)
    try:
        rec = np.asarray(received, dtype=np.float64)
    except (TypeError, ValueError):
        raise _Mismatch(f"{label} is not a number or array", expected, received) from None
    if rec.shape != exp.shape:
        raise _Mismatch(f"{label} has shape {rec.shape}, not {exp.shape}", exp.shape, rec.shape)
    if not np.allclose(rec, exp, rtol=rtol, atol=atol):
        raise _Mismatch(f"{label} differs", expected, received)


_EXERCISES = {}


def _exercise(name, notebook, summary):
    """Register a checker ``fn(answer, **context) -> (expected, received, detail)``."""
    def register(fn):
        _EXERCISES[name] = (notebook, summary, fn)
        return fn
    return register


def exercises():
    """The exercises `check` knows.

    Returns:
        dict[str, str]: name → "notebook NN: what the answer must be".
    """
    return {name: f"notebook {nb}: {summary}" for name, (nb, summary, _) in _EXERCISES.items()}


def check(name, answer, strict=False, **context):
    """Check an answer to the exercise `name` against the engine.

    Args:
        name (str): one of `exercises()`.
        answer: the learner's answer (its kind is the exercise's: see `exercises()`); None
            means not yet solved.
        strict (bool): raise ``AssertionError`` with the message unless the answer passes.
        **context: what the exercise needs (e.g. ``stepper=`` for ``next_adjoint``).

    Returns:
        Result: passed, failed (with the expected and received values) or not yet solved.

    Raises:
        ValueError: for an unknown exercise name.
        AssertionError: when `strict` and the answer did not pass.
    """
    if name not in _EXERCISES:
        raise ValueError(f"check: unknown exercise {name!r}; expected one of {', '.join(sorted(_EXERCISES))}.")
    fn = _EXERCISES[name][2]
    if answer is None:
        result = Result(name, NOT_SOLVED)
    else:
        try:
            expected, received, detail = fn(answer, **context)
            result = Result(name, PASSED, expected, received, detail)
        except NotImplementedError:
            result = Result(name, NOT_SOLVED, detail="the answer raised NotImplementedError")
        except _Mismatch as e:
            result = Result(name, FAILED, e.args[1], e.args[2], e.args[0])
    if strict and not result.passed:
        raise AssertionError(result.message)
    return result


def _call(answer, *args):
    """Call the learner's function; an error other than NotImplementedError is a failure."""
    try:
        return answer(*args)
    except NotImplementedError:
        raise
    except Exception as e:  # the learner's code failed: report it as the received value
        raise _Mismatch("the answer raised an error", "a result", f"{type(e).__name__}: {e}") from None


# -- notebook 01: the backward sweep ----------------------------------------------------------
@_exercise("next_adjoint", "01", "the adjoints the stepper's next node sends to its inputs "
           "(a number/array, or a tuple with one per input); context: stepper=BackwardStepper")
def _next_adjoint(answer, stepper=None):
    if not isinstance(stepper, BackwardStepper):
        raise TypeError(f"check: 'next_adjoint' needs stepper=BackwardStepper; got {type(stepper).__name__}.")
    step = stepper.step()  # the checker takes the step it asks about
    if step is None:
        raise _Mismatch("the sweep is already over", "a step to predict", answer)
    sent = [g for g in step.grad_inputs if g is not None]
    expected = tuple(g._array if isinstance(g, ag.Tensor) else g for g in sent)
    got = tuple(answer) if isinstance(answer, (tuple, list)) else (answer,)
    got = tuple(g for g in got if g is not None)
    label = f"step {step.index} ({step.name}: {step.rule})"
    if len(got) != len(expected):
        raise _Mismatch(f"{label} sends {len(expected)} adjoint(s)", expected, got)
    for i, (e, r) in enumerate(zip(expected, got)):
        _close(f"{label}, adjoint {i}", e, r)
    return expected, got, f"{label} sent {_show(expected)}."


# -- notebook 02: a new op and the matrix VJP -------------------------------------------------
def _silu(x):
    return x / (1.0 + np.exp(-x))


@_exercise("silu_function", "02", "a Function subclass for Z = A ⊙ σ(A) (SiLU/swish) with forward and "
           "vjp; judged by its forward against numpy and by gradcheck")
def _silu_function(answer):
    if not (isinstance(answer, type) and issubclass(answer, Function)):
        raise _Mismatch("the answer is not a Function subclass", "a subclass of autograd.Function", answer)
    x = np.random.default_rng(0).normal(size=(3, 4))
    out = _call(answer.apply, ag.tensor(x))
    _close("forward", _silu(x), out, rtol=1e-10, atol=1e-12)
    try:
        gradcheck(answer.apply, [ag.tensor(x, requires_grad=True)])
    except GradcheckError as e:
        raise _Mismatch(str(e).rstrip("."), "the numerical value (finite differences)",
                        "the analytical one (your vjp)") from None
    except NotImplementedError:
        raise
    except Exception as e:
        raise _Mismatch("the VJP raised an error", "adjoints", f"{type(e).__name__}: {e}") from None
    return "forward and gradcheck", "forward and gradcheck", "Forward equals x·σ(x) and gradcheck agrees."


@_exercise("linear_vjp", "02", "a function (X, W, G) -> (X̄, W̄) for Z = X W with X (N, D), W (D, M), G = Z̄")
def _linear_vjp(answer):
    rng = np.random.default_rng(1)
    X, W, G = rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), rng.normal(size=(4, 2))
    Xt, Wt = ag.tensor(X, requires_grad=True), ag.tensor(W, requires_grad=True)
    (Xt @ Wt).backward(ag.tensor(G))
    expected = (Xt.grad._array, Wt.grad._array)
    got = _call(answer, X, W, G)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        raise _Mismatch("the answer must return (X̄, W̄)", "a pair of arrays", got)
    _close("X̄", expected[0], got[0])
    _close("W̄", expected[1], got[1])
    return expected, tuple(got), ""


# -- notebook 03: the cross-entropy gradient --------------------------------------------------
@_exercise("cross_entropy_grad", "03", "a function (logits (N, C), y (N,)) -> ∂L/∂logits for the mean "
           "cross-entropy L")
def _cross_entropy_grad(answer):
    rng = np.random.default_rng(2)
    z, y = rng.normal(size=(5, 4)), rng.integers(0, 4, size=5)
    zt = ag.tensor(z, requires_grad=True)
    ag.cross_entropy(zt, ag.tensor(y)).backward()
    got = _call(answer, z, y)
    _close("∂L/∂logits", zt.grad._array, got)
    return zt.grad._array, got, ""


# -- notebook 04: BatchNorm's backward by hand ------------------------------------------------
@_exercise("batchnorm_backward", "04", "a function (x (N, C), gamma (C,), grad_out (N, C), eps) -> "
           "(x̄, γ̄, β̄) for training-mode BatchNorm, in numpy")
def _batchnorm_backward(answer):
    rng = np.random.default_rng(3)
    x, gamma, beta, g = (rng.normal(size=(6, 3)) * 2 + 1, rng.normal(size=3), rng.normal(size=3),
                         rng.normal(size=(6, 3)))
    eps = 1e-5
    ts = [ag.tensor(a, requires_grad=True) for a in (x, gamma, beta)]
    ag.batch_norm(ts[0], None, None, ts[1], ts[2], training=True, eps=eps).backward(ag.tensor(g))
    expected = tuple(t.grad._array for t in ts)
    got = _call(answer, x, gamma, g, eps)
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        raise _Mismatch("the answer must return (x̄, γ̄, β̄)", "three arrays", got)
    for label, e, r in zip(("x̄", "γ̄", "β̄"), expected, got):
        _close(label, e, r)
    return expected, tuple(got), ""


# -- notebook 05: an init scale that keeps the variance ---------------------------------------
def deep_relu_variance_ratio(std, fan_in=256, depth=20, seed=0):
    """Var of the last layer's pre-activations over the first's, for `depth` ReLU layers.

    Args:
        std (float): standard deviation of every weight (N(0, std²), no bias).
        fan_in (int): the width of every layer. depth (int): the number of layers.
        seed (int): seed of the weights and of the unit-variance input (512 samples).

    Returns:
        float: the ratio (1 means the variance is kept through the depth).
    """
    rng = np.random.default_rng(seed)
    h = ag.tensor(rng.normal(size=(512, fan_in)))
    first = last = None
    for _ in range(depth):
        z = h @ ag.tensor(rng.normal(scale=std, size=(fan_in, fan_in)))
        last = float(z._array.var())
        first = last if first is None else first
        h = ag.relu(z)
    return last / first


@_exercise("init_scale", "05", "the weights' standard deviation (a float) for ReLU layers of width fan_in that "
           "keeps the pre-activations' variance over 20 layers (ratio within [0.5, 2]); context: fan_in=256")
def _init_scale(answer, fan_in=256):
    try:
        std = float(answer)
    except (TypeError, ValueError):
        raise _Mismatch("the answer is not a number", "a standard deviation", answer) from None
    ratio = deep_relu_variance_ratio(std, fan_in)
    if not 0.5 <= ratio <= 2.0:
        raise _Mismatch(f"std {std:.5g} changes the variance over 20 layers by ×{ratio:.3g}",
                        "a ratio in [0.5, 2]", ratio)
    return "a ratio in [0.5, 2]", ratio, f"Variance ratio over 20 layers ×{ratio:.3g}."


# -- notebook 06: convolution output sizes ----------------------------------------------------
_CONV_CASES = ((84, 8, 4, 0), (20, 4, 2, 0), (9, 3, 1, 0), (28, 5, 1, 2), (7, 3, 2, 1), (32, 3, 2, 0))


@_exercise("conv_output_size", "06", "a function (n, k, stride, padding) -> the output size of a "
           "convolution of an n×n input with a k×k kernel")
def _conv_output_size(answer):
    expected, got = [], []
    for n, k, s, p in _CONV_CASES:
        out = ag.conv2d(ag.zeros(1, 1, n, n), ag.zeros(1, 1, k, k), stride=s, padding=p)
        expected.append(out.shape[-1])
        got.append(_call(answer, n, k, s, p))
        if got[-1] != expected[-1]:
            raise _Mismatch(f"for n={n}, k={k}, stride={s}, padding={p}", expected[-1], got[-1])
    return expected, got, f"Sizes {expected}."
