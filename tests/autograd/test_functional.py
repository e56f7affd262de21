"""`autograd.functional` (vjp, jvp, jacobian, hessian, hvp) against
`torch.autograd.functional`, and `gradcheck` / `gradgradcheck` themselves."""
from functools import partial

import numpy as np
import pytest

import autograd as ag
from autograd import Function, Tensor
from autograd import functional as F

from ..conftest import require_torch

RNG = np.random.default_rng(11)
X = RNG.standard_normal((2, 3))
Y = RNG.standard_normal(3)
W = RNG.standard_normal((3, 4))


def f_ag(x):
    return ag.tanh(x @ Tensor(W)) * 2.0


def f_t(torch):
    return lambda x: torch.tanh(x @ torch.from_numpy(W)) * 2.0


def g_ag(x, y):
    return (ag.exp(x * 0.5) * y).sum(axis=0), (x * x).sum()


def g_t(torch):
    return lambda x, y: (((x * 0.5).exp() * y).sum(dim=0), (x * x).sum())


def s_ag(x, y):
    return (ag.tanh(x) * y).sum() + (x ** 3).sum() * y.sum()


def s_t(torch):
    return lambda x, y: (torch.tanh(x) * y).sum() + (x ** 3).sum() * y.sum()


def close(ours, theirs, rtol=1e-12, atol=1e-13):
    if isinstance(theirs, (tuple, list)):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            close(o, t, rtol, atol)
        return
    assert isinstance(ours, Tensor)
    assert ours.shape == tuple(theirs.shape), (ours.shape, tuple(theirs.shape))
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=rtol, atol=atol)


def tt(torch, a):
    return torch.from_numpy(np.array(a))


def close_to_torch(torch, name, f_ours, f_theirs, inputs, v):
    """F.<name>(f_ours, inputs, v) equals torch.autograd.functional.<name>(f_theirs, …), where
    `inputs` and `v` are arrays or tuples of arrays."""
    def convert(make, arrays):
        return tuple(make(a) for a in arrays) if isinstance(arrays, tuple) else make(arrays)

    ours = getattr(F, name)(f_ours, convert(Tensor, inputs), convert(Tensor, v))
    to_torch = partial(tt, torch)
    theirs = getattr(torch.autograd.functional, name)(f_theirs, convert(to_torch, inputs), convert(to_torch, v))
    close(ours[0], theirs[0])
    close(ours[1], theirs[1])


def test_vjp_matches_torch():
    torch = require_torch()
    close_to_torch(torch, "vjp", f_ag, f_t(torch), X, RNG.standard_normal((2, 4)))
    close_to_torch(torch, "vjp", g_ag, g_t(torch), (X, Y), (RNG.standard_normal(3), np.array(1.5)))


def test_vjp_scalar_output_default_v_and_inputs_untouched():
    x = Tensor(X)
    out, g = F.vjp(lambda t: (t * t).sum(), x)
    np.testing.assert_allclose(g.data, 2 * X)
    np.testing.assert_allclose(out.data, np.sum(X * X))
    assert not x.requires_grad and x.grad is None
    with pytest.raises(RuntimeError, match="vjp: v can be omitted only for a single one-element tensor"):
        F.vjp(f_ag, Tensor(X))
    with pytest.raises(ValueError, match=r"vjp: v has shape \(2,\); expected \(2, 4\)"):
        F.vjp(f_ag, Tensor(X), Tensor(np.ones(2)))


def test_jvp_matches_torch():
    torch = require_torch()
    close_to_torch(torch, "jvp", f_ag, f_t(torch), X, RNG.standard_normal((2, 3)))
    close_to_torch(torch, "jvp", g_ag, g_t(torch), (X, Y), (RNG.standard_normal((2, 3)), RNG.standard_normal(3)))


def test_jacobian_matches_torch():
    torch = require_torch()
    ours = F.jacobian(f_ag, Tensor(X))
    theirs = torch.autograd.functional.jacobian(f_t(torch), tt(torch, X))
    assert ours.shape == (2, 4, 2, 3)
    close(ours, theirs)
    ours = F.jacobian(lambda x, y: ag.exp(x * 0.5).sum(axis=0) * y, (Tensor(X), Tensor(Y)))
    theirs = torch.autograd.functional.jacobian(lambda x, y: (x * 0.5).exp().sum(dim=0) * y,
                                                (tt(torch, X), tt(torch, Y)))
    assert isinstance(ours, tuple) and ours[0].shape == (3, 2, 3) and ours[1].shape == (3, 3)
    close(ours, theirs)
    ours = F.jacobian(g_ag, (Tensor(X), Tensor(Y)))
    theirs = torch.autograd.functional.jacobian(g_t(torch), (tt(torch, X), tt(torch, Y)))
    close(ours, theirs)


def test_jacobian_create_graph_is_differentiable():
    x = Tensor(np.array([0.5, -1.0]), requires_grad=True)
    jac = F.jacobian(lambda t: t ** 3, x, create_graph=True)
    np.testing.assert_allclose(jac.data, np.diag(3 * np.array([0.5, -1.0]) ** 2))
    assert jac.requires_grad


def test_hessian_matches_torch():
    torch = require_torch()
    ours = F.hessian(lambda x: s_ag(x, Tensor(Y)), Tensor(X))
    theirs = torch.autograd.functional.hessian(lambda x: s_t(torch)(x, tt(torch, Y)), tt(torch, X))
    assert ours.shape == (2, 3, 2, 3)
    close(ours, theirs)
    ours = F.hessian(s_ag, (Tensor(X), Tensor(Y)))
    theirs = torch.autograd.functional.hessian(s_t(torch), (tt(torch, X), tt(torch, Y)))
    assert ours[0][1].shape == (2, 3, 3) and ours[1][0].shape == (3, 2, 3)
    close(ours, theirs)
    with pytest.raises(RuntimeError, match=r"hessian: func must return a one-element tensor; got shape \(2, 4\)"):
        F.hessian(f_ag, Tensor(X))


def test_hvp_matches_torch():
    torch = require_torch()
    close_to_torch(torch, "hvp", lambda x: s_ag(x, Tensor(Y)), lambda x: s_t(torch)(x, tt(torch, Y)), X,
                   RNG.standard_normal((2, 3)))
    close_to_torch(torch, "hvp", s_ag, s_t(torch), (X, Y), (RNG.standard_normal((2, 3)), RNG.standard_normal(3)))


# -- gradcheck -------------------------------------------------------------------------------
class Square(Function):
    """Z = A², saving A; the subclasses below give it deliberately broken VJPs."""
    name = "square"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a.data * a.data


class WrongSquare(Square):
    """Z = A², with a deliberately wrong VJP (Ā = 3 Ḡ ⊙ A instead of 2 Ḡ ⊙ A) for the tests."""
    name = "wrong_square"
    rule = "Ā = 3 Ḡ ⊙ A (wrong on purpose)"

    @staticmethod
    def vjp(ctx, grad_out):
        (a,) = ctx.saved_tensors
        return (grad_out * a * 3.0,)


def test_gradcheck_true_on_correct_functions():
    x = Tensor(RNG.standard_normal((2, 3)), requires_grad=True)
    y = Tensor(RNG.standard_normal(3), requires_grad=True)
    assert ag.gradcheck(lambda a, b: ag.tanh(a * b) + ag.exp(b), [x, y]) is True
    assert ag.gradcheck(lambda a: (a @ Tensor(W)).sum(axis=1), x) is True
    assert ag.gradcheck(lambda a, b: (a * b, (a ** 2).sum()), [x, y]) is True
    x32 = Tensor(RNG.standard_normal(3).astype(np.float32), requires_grad=True)
    assert ag.gradcheck(lambda a: a * a, [x32])  # checked on float64 copies


def test_gradcheck_names_input_index_and_both_values():
    x = Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]), requires_grad=True)
    y = Tensor(np.array([0.5, 0.5]), requires_grad=True)
    with pytest.raises(ag.GradcheckError) as info:
        ag.gradcheck(lambda a, b: a * b + WrongSquare.apply(b), [x, y])
    msg = str(info.value)
    assert msg.startswith("gradcheck: Jacobian mismatch for input 1 at index (0,)")
    assert "numerical 2" in msg and "analytical 2.5" in msg, msg
    assert isinstance(info.value, RuntimeError)
    with pytest.raises(ag.GradcheckError, match=r"input 0 at index \(0, 0\) \(output 0, element 0\): "
                                                r"numerical 2, analytical 3\."):
        ag.gradcheck(lambda a: WrongSquare.apply(a), [x])
    assert ag.gradcheck(lambda a: WrongSquare.apply(a), [x], raise_exception=False) is False


def test_gradgradcheck_on_compositions():
    x = Tensor(RNG.standard_normal((2, 3)), requires_grad=True)
    y = Tensor(RNG.standard_normal(3), requires_grad=True)
    assert ag.gradgradcheck(lambda a: ag.tanh(a) * a, [x]) is True
    assert ag.gradgradcheck(lambda a, b: (a * b) ** 2 + ag.exp(a) * b, [x, y]) is True
    assert ag.gradgradcheck(lambda a: a @ Tensor(W) @ Tensor(W.T) * a, [x]) is True
    assert ag.gradgradcheck(lambda a: ag.stack([a[0] * a[1], a[1, ::-1]], axis=0) ** 2, [x]) is True


class DetachedSquare(Square):
    """Z = A² whose VJP has the right value, 2 Ḡ ⊙ A, but treats A as a constant, so its
    second derivative is wrong (for the gradgradcheck test)."""
    name = "detached_square"

    @staticmethod
    def vjp(ctx, grad_out):
        (a,) = ctx.saved_tensors
        return (grad_out * Tensor(2.0 * a.data),)


def test_gradgradcheck_catches_a_wrong_second_derivative():
    x = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    assert ag.gradcheck(lambda a: DetachedSquare.apply(a), [x])
    with pytest.raises(ag.GradcheckError, match=r"gradcheck: Jacobian mismatch for input 0"):
        ag.gradgradcheck(lambda a: DetachedSquare.apply(a), [x])
