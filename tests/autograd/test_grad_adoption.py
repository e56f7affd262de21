"""A leaf adopts a fresh, unshared VJP gradient instead of copying it (tensor._accumulate);
these tests pin both sides: the copy is skipped where it is safe, and never otherwise."""
import numpy as np

import autograd as ag
import autograd.ops.network as network
from autograd import Tensor


def _f32(*shape, value=None, rng=np.random.default_rng(0)):
    return (np.full(shape, value, np.float32) if value is not None
            else rng.standard_normal(shape).astype(np.float32))


def test_linear_gradients_are_adopted(monkeypatch):
    made = {}
    orig = network.Linear.vjp

    def spy(ctx, grad_out):
        out = orig(ctx, grad_out)
        assert out[1].__class__ is np.ndarray  # a plain backward carries ndarrays
        made["w"], made["b"] = id(out[1]), id(out[2])  # ids only: no extra reference
        return out

    monkeypatch.setattr(network.Linear, "vjp", staticmethod(spy))
    x = Tensor(_f32(4, 5))
    w = Tensor(_f32(3, 5), requires_grad=True)
    b = Tensor(_f32(3), requires_grad=True)
    ag.linear(x, w, b).sum().backward()
    assert id(w.grad.detach().numpy()) == made["w"] and id(b.grad.detach().numpy()) == made["b"]
    np.testing.assert_allclose(w.grad.detach().numpy(), np.ones((4, 3), np.float32).T @ x.detach().numpy(), rtol=1e-6)


def test_one_gradient_sent_to_two_leaves_is_not_shared():
    a, b = Tensor(_f32(3), requires_grad=True), Tensor(_f32(3), requires_grad=True)
    (a + b).sum().backward()
    assert not np.shares_memory(a.grad.detach().numpy(), b.grad.detach().numpy())


def test_user_gradient_is_never_adopted():
    g = Tensor(_f32(3, value=2.0))
    x = Tensor(_f32(3, value=1.0), requires_grad=True)
    x.backward(g)
    x.backward(g)
    y, z = Tensor(_f32(3), requires_grad=True), Tensor(_f32(3), requires_grad=True)
    s = y + z
    s.backward(g, retain_graph=True)
    s.backward(g)
    assert np.all(g.detach().numpy() == 2.0)
    assert np.all(x.grad.detach().numpy() == 4.0) and np.all(y.grad.detach().numpy() == 4.0) and np.all(z.grad.detach().numpy() == 4.0)


def test_gradient_kept_by_a_hook_is_not_adopted():
    kept = []
    x = Tensor(_f32(4, 5), requires_grad=True)
    x.register_hook(kept.append)
    ag.linear(x, Tensor(_f32(3, 5)), Tensor(_f32(3))).sum().backward()
    x.grad.data += 1
    assert not np.shares_memory(kept[0].detach().numpy(), x.grad.detach().numpy())
