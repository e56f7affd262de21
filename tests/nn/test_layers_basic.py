"""Linear, Identity, Flatten, the activation layers and nn.utils, against PyTorch from the
same weights; nn.functional exports; Module.__call__ overhead."""
import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F


def _copy_to_torch(torch, ours, theirs):
    theirs.load_state_dict({k: torch.from_numpy(v.detach().numpy().copy()) for k, v in ours.state_dict().items()})


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_linear_matches_torch(torch, dtype):
    rng = np.random.default_rng(0)
    ours = nn.Linear(5, 3, dtype=dtype)
    theirs = torch.nn.Linear(5, 3).to(torch.float64 if dtype == np.float64 else torch.float32)
    _copy_to_torch(torch, ours, theirs)
    x = rng.standard_normal((4, 2, 5)).astype(dtype)
    g = rng.standard_normal((4, 2, 3)).astype(dtype)
    xt = ag.Tensor(x, requires_grad=True)
    out = ours(xt)
    out.backward(g)
    tx = torch.tensor(x, requires_grad=True)
    tout = theirs(tx)
    tout.backward(torch.from_numpy(g))
    tol = {"rtol": 1e-5, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-12}
    assert out.dtype == dtype and ours.weight.grad.dtype == dtype
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), **tol)
    np.testing.assert_allclose(xt.grad.detach().numpy(), tx.grad.numpy(), **tol)
    np.testing.assert_allclose(ours.weight.grad.detach().numpy(), theirs.weight.grad.numpy(), **tol)
    np.testing.assert_allclose(ours.bias.grad.detach().numpy(), theirs.bias.grad.numpy(), **tol)


def test_linear_shapes_init_and_no_bias():
    ag.manual_seed(0)
    lin = nn.Linear(400, 300)
    assert lin.weight.shape == (300, 400) and lin.bias.shape == (300,)
    assert lin.weight.dtype == np.float32
    bound = 1 / np.sqrt(400)
    w = lin.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    # U(-b, b) has variance b²/3
    assert abs(w.var() / (bound ** 2 / 3) - 1) < 0.02
    assert np.abs(lin.bias.detach().numpy()).max() <= bound
    lin2 = nn.Linear(3, 2, bias=False)
    assert lin2.bias is None and [n for n, _ in lin2.named_parameters()] == ["weight"]
    assert lin2(ag.ones(3)).shape == (2,)
    assert repr(lin2) == "Linear(in_features=3, out_features=2, bias=False)"
    ag.manual_seed(7)
    a = nn.Linear(3, 3).weight.detach().numpy().copy()
    ag.manual_seed(7)
    np.testing.assert_array_equal(nn.Linear(3, 3).weight.data, a)


def test_mlp_matches_torch_after_state_dict_copy(torch):
    rng = np.random.default_rng(1)
    ours = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 4), nn.ReLU(), nn.Linear(4, 3))
    theirs = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.ReLU(), torch.nn.Linear(8, 4), torch.nn.ReLU(),
                                 torch.nn.Linear(4, 3))
    _copy_to_torch(torch, ours, theirs)
    x = rng.standard_normal((10, 6)).astype(np.float32)
    y = rng.integers(0, 3, 10)
    loss = nn.CrossEntropyLoss()(ours(ag.Tensor(x)), y)
    loss.backward()
    tloss = torch.nn.CrossEntropyLoss()(theirs(torch.from_numpy(x)), torch.from_numpy(y))
    tloss.backward()
    np.testing.assert_allclose(loss.item(), tloss.item(), rtol=1e-5)
    tparams = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.detach().numpy(), tparams[name].grad.numpy(), rtol=1e-4, atol=1e-6)


def test_identity_and_flatten():
    x = ag.randn(2, 3, 4, 5)
    assert nn.Identity(3, foo=1)(x) is x
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 5)
    assert nn.Flatten(start_dim=2)(x).shape == (2, 3, 20)
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"
    xg = ag.randn(2, 3, 4, requires_grad=True)
    nn.Flatten()(xg).sum().backward()
    np.testing.assert_array_equal(xg.grad.detach().numpy(), np.ones((2, 3, 4), dtype=np.float32))


ACTIVATIONS = [
    (lambda: nn.ReLU(), lambda T: T.nn.ReLU()),
    (lambda: nn.LeakyReLU(0.2), lambda T: T.nn.LeakyReLU(0.2)),
    (lambda: nn.ELU(0.7), lambda T: T.nn.ELU(0.7)),
    (lambda: nn.GELU(), lambda T: T.nn.GELU()),
    (lambda: nn.GELU("tanh"), lambda T: T.nn.GELU("tanh")),
    (lambda: nn.Sigmoid(), lambda T: T.nn.Sigmoid()),
    (lambda: nn.Tanh(), lambda T: T.nn.Tanh()),
    (lambda: nn.Softplus(), lambda T: T.nn.Softplus()),
    (lambda: nn.Softplus(beta=2.0, threshold=3.0), lambda T: T.nn.Softplus(beta=2.0, threshold=3.0)),
    (lambda: nn.Softmax(dim=1), lambda T: T.nn.Softmax(dim=1)),
    (lambda: nn.LogSoftmax(dim=-1), lambda T: T.nn.LogSoftmax(dim=-1)),
]


@pytest.mark.parametrize("make", ACTIVATIONS, ids=lambda m: repr(m[0]()))
def test_activation_layers_match_torch(torch, make):
    ours_f, theirs_f = make
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 4, 5)) * 3
    x = np.where(np.abs(x) < 1e-3, 0.5, x)
    g = rng.standard_normal((3, 4, 5))
    xt = ag.Tensor(x, requires_grad=True)
    out = ours_f()(xt)
    out.backward(g)
    tx = torch.tensor(x, requires_grad=True)
    tout = theirs_f(torch)(tx)
    tout.backward(torch.from_numpy(g))
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(xt.grad.detach().numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-12)
    assert out.dtype == np.float64
    x32 = ag.Tensor(x.astype(np.float32))
    assert ours_f()(x32).dtype == np.float32


def test_activation_reprs_match_torch(torch):
    for ours_f, theirs_f in ACTIVATIONS:
        assert repr(ours_f()) == repr(theirs_f(torch))


def test_functional_exports_are_autograd_objects():
    for name in ["linear", "conv2d", "max_pool2d", "avg_pool2d", "embedding", "dropout", "softmax", "log_softmax",
                 "relu", "leaky_relu", "elu", "gelu", "sigmoid", "tanh", "softplus"]:
        assert getattr(F, name) is getattr(ag, name), name
    for name in ["mse_loss", "l1_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy",
                 "nll_loss", "kl_div", "hinge_loss", "pad"]:
        assert callable(getattr(F, name)), name


@pytest.mark.parametrize("pad", [(1, 2), (1, 0, 2, 1), (0, 0, 0, 0, 1, 1), (-1, 2), (2, -1, -1, 1)])
def test_functional_pad_matches_torch(torch, pad):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 4))
    g = None
    xt = ag.Tensor(x, requires_grad=True)
    out = F.pad(xt, pad, value=0.5)
    tx = torch.tensor(x, requires_grad=True)
    tout = torch.nn.functional.pad(tx, pad, value=0.5)
    assert out.shape == tuple(tout.shape)
    np.testing.assert_array_equal(out.detach().numpy(), tout.detach().numpy())
    g = rng.standard_normal(out.shape)
    out.backward(g)
    tout.backward(torch.from_numpy(g))
    np.testing.assert_array_equal(xt.grad.detach().numpy(), tx.grad.numpy())


def test_functional_pad_errors():
    with pytest.raises(ValueError, match="pad: the pad list must have an even length"):
        F.pad(ag.ones(2, 2), (1, 2, 3))
    with pytest.raises(ValueError, match="pad: the pad list must have an even length of at most 2 \\* 1"):
        F.pad(ag.ones(2), (1, 1, 1, 1))
    with pytest.raises(ValueError, match="only mode='constant'"):
        F.pad(ag.ones(2), (1, 1), mode="reflect")


def _grads_pair(torch, rng, scale=1.0):
    shapes = [(3, 4), (5,), (2, 2, 2)]
    ours, theirs = [], []
    for s in shapes:
        g = rng.standard_normal(s) * scale
        p = nn.Parameter(np.zeros(s))
        p.grad = ag.Tensor(g.copy())
        tp = torch.zeros(s, dtype=torch.float64, requires_grad=True)
        tp.grad = torch.from_numpy(g.copy())
        ours.append(p)
        theirs.append(tp)
    return ours, theirs


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf")])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(torch, norm_type, max_norm):
    ours, theirs = _grads_pair(torch, np.random.default_rng(4))
    total = nn.utils.clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    assert isinstance(total, ag.Tensor) and total.shape == ()
    np.testing.assert_allclose(total.item(), ttotal.item(), rtol=1e-12)
    for p, tp in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.detach().numpy(), tp.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_clip_grad_norm_nonfinite_and_empty():
    p = nn.Parameter(np.zeros(3))
    p.grad = ag.Tensor(np.array([1.0, np.inf, 0.0]))
    with pytest.raises(RuntimeError, match="clip_grad_norm_: the total norm of order 2.0 of the gradients is non-finite"):
        nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    q = nn.Parameter(np.zeros(3))
    assert nn.utils.clip_grad_norm_([q], 1.0).item() == 0.0
    single = nn.Parameter(np.zeros(2))
    single.grad = ag.Tensor(np.array([3.0, 4.0]))
    assert nn.utils.clip_grad_norm_(single, 1.0).item() == 5.0
    np.testing.assert_allclose(single.grad.detach().numpy(), [0.6, 0.8], rtol=1e-6)


def test_clip_grad_value_matches_torch(torch):
    ours, theirs = _grads_pair(torch, np.random.default_rng(5), scale=2.0)
    nn.utils.clip_grad_value_(ours, 1.5)
    torch.nn.utils.clip_grad_value_(theirs, 1.5)
    for p, tp in zip(ours, theirs):
        np.testing.assert_array_equal(p.grad.detach().numpy(), tp.grad.numpy())
    with pytest.raises(ValueError, match="clip_grad_value_: clip_value must be non-negative"):
        nn.utils.clip_grad_value_(ours, -1.0)


def test_parameters_to_vector_and_back(torch):
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    vec = nn.utils.parameters_to_vector(net.parameters())
    assert vec.shape == (3 * 4 + 4 + 4 * 2 + 2,)
    tnet = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    tnet.load_state_dict({k: torch.from_numpy(v.detach().numpy().copy()) for k, v in net.state_dict().items()})
    np.testing.assert_array_equal(vec.detach().numpy(), torch.nn.utils.parameters_to_vector(tnet.parameters()).detach().numpy())
    nn.utils.vector_to_parameters(np.arange(vec.shape[0], dtype=np.float32), net.parameters())
    np.testing.assert_array_equal(net[0].bias.detach().numpy(), np.arange(12, 16, dtype=np.float32))
    with pytest.raises(ValueError, match="vector_to_parameters: expected a 1-D vector of 26 elements; got shape"):
        nn.utils.vector_to_parameters(np.zeros(3), net.parameters())


@pytest.mark.parametrize("make", [
    lambda d: nn.Linear(2, 3, device=d), lambda d: nn.Conv2d(1, 2, 3, device=d), lambda d: nn.Embedding(4, 2, device=d),
    lambda d: nn.BatchNorm1d(3, device=d), lambda d: nn.BatchNorm2d(3, device=d), lambda d: nn.LayerNorm(3, device=d),
    lambda d: nn.GroupNorm(1, 3, device=d), lambda d: nn.InstanceNorm2d(3, device=d)])
def test_layers_refuse_a_device_other_than_the_cpu(make):
    # accepted silently before: nn.Linear(2, 3, device="cuda") built a CPU layer
    assert make("cpu") is not None and make(None) is not None
    with pytest.raises(RuntimeError, match=r"[A-Za-z0-9]+: tracegrad computes on the CPU only; got device 'cuda'"):
        make("cuda")
