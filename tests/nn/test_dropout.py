"""dropout / Dropout: statistics of the mask (fraction zeroed ≈ p, scaling), both forms
(inverted and classic), eval behaviour, seeding, p = 0 and p = 1, gradients."""
import numpy as np
import pytest

import autograd as ag
from autograd.ops.layers import dropout
from nn.dropout import Dropout


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_inverted_statistics(p, dtype):
    ag.manual_seed(0)
    x = ag.Tensor(np.ones((400, 500), dtype=dtype))
    out = dropout(x, p)
    assert out.dtype == dtype and out.shape == x.shape
    zero = out.detach().numpy() == 0
    assert abs(zero.mean() - p) < 0.005
    np.testing.assert_allclose(out.detach().numpy()[~zero], 1.0 / (1.0 - p), rtol=1e-6)
    assert abs(out.detach().numpy().mean() - 1.0) < 0.02  # unbiased: E[out] = x


def test_classic_form():
    ag.manual_seed(1)
    x = ag.Tensor(np.full((300, 300), 2.0))
    out = dropout(x, 0.25, inverted=False)
    kept = out.detach().numpy() != 0
    assert abs(1 - kept.mean() - 0.25) < 0.01
    np.testing.assert_array_equal(out.detach().numpy()[kept], 2.0)  # no scaling at training time
    ev = dropout(x, 0.25, training=False, inverted=False)
    np.testing.assert_allclose(ev.detach().numpy(), 1.5)  # eval multiplies by 1 − p
    assert abs(out.detach().numpy().mean() - ev.detach().numpy().mean()) < 0.03


def test_eval_identity_and_edge_probabilities():
    x = ag.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert dropout(x, 0.5, training=False) is x
    np.testing.assert_array_equal(dropout(x, 1.0).data, 0)
    np.testing.assert_array_equal(dropout(x, 1.0, inverted=False).data, 0)
    np.testing.assert_array_equal(dropout(x, 0.0).data, x.detach().numpy())
    for bad in (-0.01, 1.01, float("nan")):
        with pytest.raises(ValueError, match=r"dropout: p must be a probability in \[0, 1\]"):
            dropout(x, bad)
    for bad in ("0.5", True, None):
        with pytest.raises(TypeError, match=r"dropout: p must be a number"):
            dropout(x, bad)
    with pytest.raises(TypeError, match=r"dropout: x must be floating; got dtype int64"):
        dropout(ag.Tensor(np.arange(3)), 0.5)


def test_seeded_masks_repeat():
    x = ag.ones(50, 40)
    ag.manual_seed(42)
    a = dropout(x, 0.3).data
    b = dropout(x, 0.3).data
    ag.manual_seed(42)
    np.testing.assert_array_equal(dropout(x, 0.3).data, a)
    assert not np.array_equal(a, b)


@pytest.mark.parametrize("inverted", [True, False])
def test_gradient_uses_the_mask(inverted):
    rng = np.random.default_rng(0)
    x = ag.Tensor(rng.standard_normal((6, 7)), requires_grad=True)
    ag.manual_seed(3)
    out = dropout(x, 0.4, inverted=inverted)
    g = rng.standard_normal(out.shape)
    out.backward(g)
    mask = out.detach().numpy() / x.detach().numpy()
    np.testing.assert_allclose(x.grad.detach().numpy(), g * mask, rtol=1e-12)
    assert set(np.round(np.unique(mask), 12)) <= {0.0, round(1 / 0.6 if inverted else 1.0, 12)}

    def fixed_mask(t):
        ag.manual_seed(3)  # the same mask on every call, so finite differences are meaningful
        return dropout(t, 0.4, inverted=inverted)

    assert ag.gradcheck(fixed_mask, [x])
    assert ag.gradgradcheck(lambda t: fixed_mask(t) * t, [x])


def test_dropout_module():
    m = Dropout(0.2)
    assert repr(m) == "Dropout(p=0.2, inplace=False)"
    ag.manual_seed(0)
    x = ag.ones(200, 200)
    out = m(x)
    assert abs((out.detach().numpy() == 0).mean() - 0.2) < 0.01
    np.testing.assert_allclose(out.detach().numpy()[out.detach().numpy() != 0], 1.25, rtol=1e-6)
    m.eval()
    assert m(x) is x
    assert list(m.state_dict()) == []
    with pytest.raises(ValueError, match=r"Dropout: p must be a probability in \[0, 1\]; got 1.5"):
        Dropout(1.5)
