"""autograd.exercises.check: a right answer passes, a wrong one fails naming the expected and
received values, a stub is "not yet solved" without raising, strict=True raises."""
import re

import numpy as np
import pytest

import autograd as ag
from autograd import Function
from autograd.exercises import check, deep_relu_variance_ratio, exercises
from autograd.viz import BackwardStepper


class SiLU(Function):
    name = "silu"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a.data / (1 + np.exp(-a.data))

    @staticmethod
    def vjp(ctx, grad_out):
        (a,) = ctx.saved_tensors
        s = ag.sigmoid(a)
        return (grad_out * (s + a * s * (1 - s)),)


class SiLUWrongVJP(SiLU):
    @staticmethod
    def vjp(ctx, grad_out):
        (a,) = ctx.saved_tensors
        return (grad_out * ag.sigmoid(a),)


class SiLUStub(Function):
    @staticmethod
    def forward(ctx, a):
        raise NotImplementedError


def ce_grad(z, y):
    p = np.exp(z - z.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    p[np.arange(len(y)), y] -= 1
    return p / len(y)


def bn_backward(x, gamma, g, eps):
    xh = (x - x.mean(0)) / np.sqrt(x.var(0) + eps)
    m = x.shape[0]
    dx = gamma / np.sqrt(x.var(0) + eps) / m * (m * g - g.sum(0) - xh * (g * xh).sum(0))
    return dx, (g * xh).sum(0), g.sum(0)


RIGHT = {
    "silu_function": SiLU,
    "linear_vjp": lambda X, W, G: (G @ W.T, X.T @ G),
    "cross_entropy_grad": ce_grad,
    "batchnorm_backward": bn_backward,
    "init_scale": np.sqrt(2 / 256),
    "conv_output_size": lambda n, k, s, p: (n + 2 * p - k) // s + 1,
}

# (wrong answer, a regex the message must match: the failing part, then expected and received)
WRONG = {
    "silu_function": (SiLUWrongVJP, r"Jacobian mismatch for input 0 at index \(0, 0\).*numerical 0\.56269987, "
                                    r"analytical 0\.53139121; expected the numerical"),
    "linear_vjp": (lambda X, W, G: (G @ W.T, G.T @ X), r"W̄ has shape \(2, 3\), not \(3, 2\); expected \(3, 2\), "
                                                      r"received \(2, 3\)\."),
    "cross_entropy_grad": (lambda z, y: ce_grad(z, y) * len(y), r"∂L/∂logits differs; expected \[\[.*\]\], "
                                                                r"received \[\[.*\]\]\."),
    "batchnorm_backward": (lambda x, gm, g, eps: (g * gm, (g * x).sum(0), g.sum(0)), r"x̄ differs; expected"),
    "init_scale": (1 / 16, r"std 0\.0625 changes the variance over 20 layers by ×2\.79e-06; expected a ratio in "
                           r"\[0\.5, 2\], received 2\.79\d*e-06\."),
    "conv_output_size": (lambda n, k, s, p: (n - k) // s + 1, r"for n=28, k=5, stride=1, padding=2; expected 28, "
                                                             r"received 24\."),
}


def test_every_exercise_has_a_right_and_a_wrong_answer_here():
    assert set(exercises()) == set(RIGHT) | {"next_adjoint"} == set(WRONG) | {"next_adjoint"}


@pytest.mark.parametrize("name", sorted(RIGHT))
def test_right_answer_passes(name):
    r = check(name, RIGHT[name], strict=True)
    assert r.passed and bool(r) and r.status == "passed"
    assert r.message.startswith(f"✓ {name}: passed.")


@pytest.mark.parametrize("name", sorted(WRONG))
def test_wrong_answer_fails_with_expected_and_received(name):
    answer, pattern = WRONG[name]
    r = check(name, answer)
    assert r.status == "failed" and not r
    assert r.message.startswith(f"✗ {name}: ")
    assert "expected " in r.message and "received " in r.message
    assert re.search(pattern, r.message), r.message
    with pytest.raises(AssertionError, match=pattern):
        check(name, answer, strict=True)


def test_wrong_array_message_carries_both_values():
    r = check("linear_vjp", lambda X, W, G: (G @ W.T, 2 * X.T @ G))
    rng = np.random.default_rng(1)
    X, _, G = rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), rng.normal(size=(4, 2))
    np.testing.assert_allclose(r.expected, X.T @ G)
    np.testing.assert_allclose(r.received, 2 * X.T @ G)
    assert r.message.startswith("✗ linear_vjp: W̄ differs; expected [[")


@pytest.mark.parametrize("stub", [None, SiLUStub])
def test_stub_is_not_yet_solved_and_does_not_raise(stub):
    r = check("silu_function", stub)
    assert r.status == "not yet solved" and not r
    assert r.message.startswith("… silu_function: not yet solved")
    with pytest.raises(AssertionError, match="silu_function: not yet solved"):
        check("silu_function", stub, strict=True)


def test_error_in_the_answer_is_a_failure_naming_it():
    r = check("conv_output_size", lambda n, k, s, p: n / 0)
    assert r.message == ("✗ conv_output_size: the answer raised an error; expected a result, "
                         "received ZeroDivisionError: division by zero.")


def test_next_adjoint_takes_the_step_and_compares_what_it_sent():
    a, b = ag.Scalar(2.0), ag.Scalar(-3.0)
    stepper = BackwardStepper(a * b + a)
    assert check("next_adjoint", None, stepper=stepper).status == "not yet solved"
    assert stepper.index == -1  # a stub does not advance the sweep
    assert check("next_adjoint", (1.0, 1.0), stepper=stepper, strict=True)
    r = check("next_adjoint", (2.0, -3.0), stepper=stepper)  # swapped: ā = ḡ·b = -3, b̄ = ḡ·a = 2
    assert r.message == ("✗ next_adjoint: step 1 (*: ā = ḡ·b,  b̄ = ḡ·a), adjoint 0 differs; "
                         "expected -3, received 2.")
    assert stepper.done
    assert "the sweep is already over" in check("next_adjoint", 1.0, stepper=stepper).message


def test_next_adjoint_tensor_single_and_tuple():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    stepper = BackwardStepper((x * x).sum())
    assert check("next_adjoint", np.ones(2), stepper=stepper)  # sum sends Ḡ broadcast
    r = check("next_adjoint", np.ones(2), stepper=stepper)
    assert "mul: Ā = Ḡ ⊙ B,  B̄ = Ḡ ⊙ A) sends 2 adjoint(s)" in r.message


def test_unknown_exercise_and_missing_context():
    with pytest.raises(ValueError, match=r"^check: unknown exercise 'nope'; expected one of batchnorm_backward"):
        check("nope", 1)
    with pytest.raises(TypeError, match=r"^check: 'next_adjoint' needs stepper=BackwardStepper; got NoneType\."):
        check("next_adjoint", 1.0)


def test_he_scale_keeps_variance_xavier_halves_it_per_layer():
    assert 0.5 <= deep_relu_variance_ratio(np.sqrt(2 / 256)) <= 2
    assert deep_relu_variance_ratio(np.sqrt(1 / 256)) < 2.0 ** -15
