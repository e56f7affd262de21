"""Issue 11 §2 for the losses and layers (autograd/ops/loss.py, cross_entropy.py, layers.py): every VJP is
written once (no grad-mode branch), fused ops apply backward Functions only when the backward
is recorded, and the losses take softmax/log-softmax/sigmoid/softplus from the public ops."""
import inspect
import re

import numpy as np
import pytest

import autograd as ag
from autograd.function import Function
from autograd.ops import activation as ac
from autograd.ops import cross_entropy, layers, loss
from autograd.ops import network as nw

FUNCTIONS = [obj for mod in (loss, cross_entropy, layers) for obj in vars(mod).values()
             if isinstance(obj, type) and issubclass(obj, Function) and obj.__module__ == mod.__name__]


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.__name__)
def test_vjp_is_written_once(fn):
    src = inspect.getsource(fn.vjp)
    assert not re.search(r"\b_grad\b|grad_mode|is_grad_enabled|saved_tensors", src), fn.__name__
    assert "Tensor ops" not in (fn.__doc__ or "") + (fn.vjp.__doc__ or "")


def _counting(monkeypatch, module, name):
    calls = []
    original = getattr(module, name)

    def wrapper(*args, **kwargs):
        calls.append(type(args[0]).__name__)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)
    return calls


def test_cross_entropy_takes_log_softmax_from_the_public_op(monkeypatch):
    calls = _counting(monkeypatch, nw, "log_softmax")
    x = ag.Tensor(np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]]), requires_grad=True)
    out = ag.cross_entropy(x, np.array([1, 2]))
    assert calls == ["Tensor"]
    p = np.exp(x.data) / np.exp(x.data).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(out.item(), -np.mean(np.log(p[[0, 1], [1, 2]])), rtol=1e-12)


def test_cross_entropy_probability_target_gradient_uses_the_public_log_softmax(monkeypatch):
    x = ag.Tensor(np.array([[1.0, 2.0, 0.5]]), requires_grad=True)
    t = ag.Tensor(np.array([[0.2, 0.5, 0.3]]), requires_grad=True)
    loss_value = ag.cross_entropy(x, t)
    calls = _counting(monkeypatch, nw, "log_softmax")
    (gt,) = ag.grad(loss_value, [t])
    assert len(calls) == 1  # T̄ = −G log_softmax(X): the public op (its values, in a plain backward)
    logp = x.data - np.log(np.exp(x.data).sum())
    np.testing.assert_allclose(gt.data, -logp, rtol=1e-12)


def test_bce_with_logits_takes_sigmoid_and_softplus_from_the_public_ops(monkeypatch):
    sig = _counting(monkeypatch, ac, "sigmoid")
    sp = _counting(monkeypatch, ac, "softplus")
    x = ag.Tensor(np.array([-1000.0, -2.0, 0.0, 3.0, 1000.0]), requires_grad=True)
    y = ag.Tensor(np.array([0.0, 1.0, 0.5, 0.25, 1.0]), requires_grad=True)
    out = ag.nn.functional.binary_cross_entropy_with_logits(x, y, reduction="sum")
    gx, gy = ag.grad(out, [x, y])
    assert sp and sig
    xs = x.data
    s = np.array([0.0, 1 / (1 + np.exp(2.0)), 0.5, 1 / (1 + np.exp(-3.0)), 1.0])
    np.testing.assert_allclose(gx.data, s - y.data, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(gy.data, -xs, rtol=1e-12)
    assert np.isfinite(out.item())


def test_fused_backward_ops_are_recorded_only_under_create_graph(monkeypatch):
    """A plain backward runs CrossEntropyBackward's and BatchNormBackward's numpy kernels
    directly (no node); create_graph records them, so the next derivative is theirs."""
    applied = []
    for cls in (cross_entropy.CrossEntropyBackward, layers.BatchNormBackward, layers.BatchNormWeightBackward):
        original = cls.apply.__func__

        def counting(klass, *inputs, _original=original, **attrs):
            applied.append(klass.__name__)
            return _original(klass, *inputs, **attrs)

        monkeypatch.setattr(cls, "apply", classmethod(counting))
    rng = np.random.default_rng(0)
    x = ag.Tensor(rng.standard_normal((4, 3)), requires_grad=True)
    w = ag.Tensor(rng.uniform(0.5, 2.0, 3), requires_grad=True)
    y = ag.batch_norm(x, None, None, w, None, training=True)
    total = ag.cross_entropy(y, np.array([0, 2, 1, 1]))
    plain = ag.grad(total, [x, w], retain_graph=True)
    assert applied == []
    recorded = ag.grad(total, [x, w], create_graph=True)
    assert sorted(set(applied)) == ["BatchNormBackward", "BatchNormWeightBackward", "CrossEntropyBackward"]
    for p, r in zip(plain, recorded):
        np.testing.assert_allclose(r.data, p.data, rtol=0, atol=1e-14)


def test_cross_entropy_third_derivative_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    xv, tv, v = rng.standard_normal((3, 4)), rng.dirichlet(np.ones(4), 3), rng.standard_normal((3, 4))
    x = ag.Tensor(xv, requires_grad=True)
    t = ag.Tensor(tv, requires_grad=True)
    (gx,) = ag.grad(ag.cross_entropy(x, t, label_smoothing=0.1), [x], create_graph=True)
    (hv,) = ag.grad((gx * v).sum(), [x], create_graph=True)
    third = ag.grad((hv * hv).sum(), [x, t])
    X = torch.tensor(xv, requires_grad=True)
    T = torch.tensor(tv, requires_grad=True)
    (GX,) = torch.autograd.grad(torch.nn.functional.cross_entropy(X, T, label_smoothing=0.1), X, create_graph=True)
    (HV,) = torch.autograd.grad((GX * torch.tensor(v)).sum(), X, create_graph=True)
    THIRD = torch.autograd.grad((HV * HV).sum(), [X, T])
    for ours, theirs in zip(third, THIRD):
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-10, atol=1e-12)
