"""Lazy layers (issue 15 §3): sizes inferred at the first call, PyTorch's placeholders before
it, PyTorch's initialization and class after it, optimizers built before it — against PyTorch."""
import numpy as np
import pytest

import autograd as ag
import nn
import optim
from nn.parameter import is_lazy

torch = pytest.importorskip("torch")

CASES = {  # name: (constructor args, input shape, eager class)
    "LazyLinear": ((3,), (2, 5), "Linear"),
    "LazyConv2d": ((4, 3), (2, 3, 6, 6), "Conv2d"),
    "LazyBatchNorm1d": ((), (6, 3), "BatchNorm1d"),
    "LazyBatchNorm2d": ((), (4, 3, 2, 2), "BatchNorm2d"),
}


def _repr(module):
    return repr(module).replace(", bias=True", "")  # PyTorch 2.13's batch norms show a bias flag; ours do not


def _pair(name, *args, **kwargs):
    return getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)


def _copy_from_torch(ours, theirs):
    """Give `ours` the values of `theirs` (same names and shapes)."""
    with ag.no_grad():
        for (n, t), (tn, tt) in zip(ours.state_dict().items(), theirs.state_dict().items()):
            assert n == tn and tuple(t.shape) == tuple(tt.shape)
            t.copy_(ag.tensor(tt.detach().numpy().copy()))


@pytest.mark.parametrize("name", CASES)
def test_before_first_call_matches_torch(name):
    args, _, _ = CASES[name]
    ours, theirs = _pair(name, *args)
    assert _repr(ours) == _repr(theirs)
    assert [repr(p) for p in ours.parameters()] == [repr(p) for p in theirs.parameters()]
    assert [repr(b) for b in ours.buffers()] == [repr(b) for b in theirs.buffers()]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert all(isinstance(p, nn.UninitializedParameter) and isinstance(p, nn.Parameter) for p in ours.parameters())
    assert ours.has_uninitialized_params() and theirs.has_uninitialized_params()


@pytest.mark.parametrize("name", CASES)
def test_first_call_infers_sizes_and_becomes_eager_class(name):
    args, shape, eager = CASES[name]
    ours, theirs = _pair(name, *args)
    params = list(ours.parameters())
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    ours(ag.tensor(x))
    theirs(torch.tensor(x))
    assert type(ours) is getattr(nn, eager) and type(theirs) is getattr(torch.nn, eager)
    assert _repr(ours) == _repr(theirs)
    assert list(ours.parameters()) == params or all(a is b for a, b in zip(ours.parameters(), params))
    assert all(type(p) is nn.Parameter for p in ours.parameters())
    assert all(not is_lazy(b) and type(b) is ag.Tensor for b in ours.buffers())
    assert {n: tuple(t.shape) for n, t in ours.state_dict().items()} == \
           {n: tuple(t.shape) for n, t in theirs.state_dict().items()}
    assert not ours._forward_pre_hooks  # the inferring hook is gone: the eager fast path runs


@pytest.mark.parametrize("name", CASES)
def test_outputs_and_gradients_match_torch_from_same_weights(name):
    args, shape, _ = CASES[name]
    ours, theirs = _pair(name, *args)
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape).astype(np.float32)
    ours(ag.tensor(x))
    theirs(torch.tensor(x))
    _copy_from_torch(ours, theirs)
    x = rng.standard_normal(shape).astype(np.float32)
    xo, xt = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yo, yt = ours(xo), theirs(xt)
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-6)
    (yo * yo).sum().backward()
    (yt * yt).sum().backward()
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-5)
    for p, tp in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-4, atol=1e-5)
    for b, tb in zip(ours.buffers(), theirs.buffers()):
        np.testing.assert_allclose(b.numpy(), tb.numpy(), rtol=1e-5, atol=1e-6)


def test_initialization_is_the_eager_rule():
    ag.manual_seed(0)
    lin = nn.LazyLinear(200)
    lin(ag.ones(1, 16))
    w, b = lin.weight.detach().numpy(), lin.bias.detach().numpy()
    bound = 1 / np.sqrt(16)
    assert w.shape == (200, 16) and np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert np.abs(b).max() <= bound and np.abs(b).max() > 0.9 * bound
    conv = nn.LazyConv2d(50, 3, groups=2)
    conv(ag.ones(1, 4, 5, 5))
    bound = 1 / np.sqrt(2 * 9)  # fan_in = C_in/groups · kH · kW
    assert conv.weight.shape == (50, 2, 3, 3) and 0.9 * bound < np.abs(conv.weight.detach().numpy()).max() <= bound
    bn = nn.LazyBatchNorm1d(affine=True)
    bn.eval()
    bn(ag.zeros(2, 5))
    assert bn.weight.tolist() == [1.0] * 5 and bn.bias.tolist() == [0.0] * 5
    assert bn.running_mean.tolist() == [0.0] * 5 and bn.running_var.tolist() == [1.0] * 5


@pytest.mark.parametrize("opt", ["SGD", "Adam"])
def test_optimizer_built_before_first_call_trains_as_torch(opt):
    ours = nn.Sequential(nn.LazyLinear(4), nn.ReLU(), nn.LazyLinear(1))
    theirs = torch.nn.Sequential(torch.nn.LazyLinear(4), torch.nn.ReLU(), torch.nn.LazyLinear(1))
    kwargs = {"lr": 0.05, "momentum": 0.9} if opt == "SGD" else {"lr": 0.01}
    o_ours = getattr(optim, opt)(ours.parameters(), **kwargs)
    o_theirs = getattr(torch.optim, opt)(theirs.parameters(), **kwargs)
    rng = np.random.default_rng(2)
    x = rng.standard_normal((8, 3)).astype(np.float32)
    y = rng.standard_normal((8, 1)).astype(np.float32)
    ours(ag.tensor(x))
    theirs(torch.tensor(x))
    _copy_from_torch(ours, theirs)
    losses = []
    for _ in range(5):
        lo = ((ours(ag.tensor(x)) - ag.tensor(y)) ** 2).mean()
        lt = ((theirs(torch.tensor(x)) - torch.tensor(y)) ** 2).mean()
        o_ours.zero_grad()
        o_theirs.zero_grad()
        lo.backward()
        lt.backward()
        o_ours.step()
        o_theirs.step()
        losses.append((lo.item(), lt.item()))
    np.testing.assert_allclose(*zip(*losses), rtol=1e-5)
    assert losses[-1][0] < losses[0][0]


def test_dtype_and_to_before_first_call():
    lin = nn.LazyLinear(2, dtype=np.float64)
    lin(ag.ones(1, 3, dtype=np.float64))
    assert lin.weight.dtype == np.float64
    lin = nn.LazyLinear(2).to(np.float64)  # as PyTorch: the placeholder keeps the dtype to come
    lin(ag.ones(1, 3, dtype=np.float64))
    assert lin.weight.dtype == np.float64 and lin.bias.dtype == np.float64


def test_lazy_without_bias_and_unbatched_conv():
    lin = nn.LazyLinear(2, bias=False)
    assert lin.bias is None and len(list(lin.parameters())) == 1
    assert lin(ag.ones(4, 3)).shape == (4, 2) and lin.bias is None
    conv = nn.LazyConv2d(2, 3, bias=False)
    assert conv(ag.ones(3, 5, 5)).shape == (2, 3, 3) and conv.in_channels == 3
    bn = nn.LazyBatchNorm2d(affine=False, track_running_stats=False)
    assert bn(ag.randn(2, 3, 2, 2)).shape == (2, 3, 2, 2) and type(bn) is nn.BatchNorm2d
    assert bn.num_features == 3  # PyTorch leaves 0 here (no placeholder to size)


def test_init_refuses_placeholders_as_torch():
    lin, tlin = nn.LazyLinear(3), torch.nn.LazyLinear(3)
    with pytest.raises(ValueError, match="uninitialized parameter"):
        torch.nn.init.normal_(tlin.weight)
    with pytest.raises(ValueError, match="normal_: the tensor is an uninitialized parameter of a lazy module; got "
                                         "UninitializedParameter, expected a tensor with a shape. Hint: call the "
                                         "module on a batch first"):
        nn.init.normal_(lin.weight)
    with pytest.raises(ValueError, match="xavier_uniform_: the tensor is an uninitialized parameter"):
        nn.init.xavier_uniform_(lin.weight)


def test_first_input_errors():
    with pytest.raises(ValueError, match=r"LazyConv2d: expected 3D \(unbatched\) or 4D \(batched\) input; got "
                                         r"input \(2, 3\)"):
        nn.LazyConv2d(2, 3)(ag.ones(2, 3))
    with pytest.raises(ValueError, match="LazyConv2d: in_channels must be divisible by groups; got in_channels 3 "
                                         "and groups 2"):
        nn.LazyConv2d(4, 3, groups=2)(ag.ones(1, 3, 5, 5))
    with pytest.raises(ValueError, match=r"LazyBatchNorm1d: cannot infer the input size; got input \(4,\), "
                                         r"expected 2D \(N, C\) or 3D \(N, C, L\) input"):
        nn.LazyBatchNorm1d()(ag.ones(4))
    with pytest.raises(ValueError, match=r"LazyLinear: cannot infer the input size; got input \(\)"):
        nn.LazyLinear(2)(ag.tensor(1.0))
    with pytest.raises(ValueError, match="Conv2d: in_channels, out_channels and groups must be positive"):
        nn.LazyConv2d(0, 3)
    with pytest.raises(RuntimeError, match="LazyLinear: tracegrad computes on the CPU only; got device 'cuda'"):
        nn.LazyLinear(2, device="cuda")


def test_lazy_modules_in_a_tutorial_net():
    """d2l's concise MLP/LeNet style: only the output sizes are written."""
    net = nn.Sequential(nn.LazyConv2d(6, 5, padding=2), nn.LazyBatchNorm2d(), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Flatten(), nn.LazyLinear(10), nn.LazyBatchNorm1d())
    assert len([p for p in net.parameters() if is_lazy(p)]) == 8
    out = net(ag.randn(4, 1, 8, 8))
    assert out.shape == (4, 10)
    assert [type(m).__name__ for m in net] == ["Conv2d", "BatchNorm2d", "ReLU", "MaxPool2d", "Flatten", "Linear",
                                               "BatchNorm1d"]
    assert net[5].in_features == 6 * 4 * 4 and not any(is_lazy(p) for p in net.parameters())


@pytest.mark.parametrize("name", CASES)
def test_load_state_dict_before_first_call_materializes_as_torch(name):
    args, shape, eager = CASES[name]
    trained, ttrained = _pair(name, *args)
    x = np.random.default_rng(3).standard_normal(shape).astype(np.float32)
    trained(ag.tensor(x))
    ttrained(torch.tensor(x))
    _copy_from_torch(trained, ttrained)
    ours, theirs = _pair(name, *args)
    params = list(ours.parameters())
    ours.load_state_dict(trained.state_dict())
    theirs.load_state_dict(ttrained.state_dict())
    assert all(type(p) is nn.Parameter for p in params) and type(ours) is getattr(nn, name)  # still lazy class
    ours.eval()
    theirs.eval()
    np.testing.assert_allclose(ours(ag.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    assert type(ours) is getattr(nn, eager) and all(a is b for a, b in zip(ours.parameters(), params))
    for n, t in trained.state_dict().items():
        np.testing.assert_array_equal(ours.state_dict()[n].numpy(), t.numpy())
    size = {"LazyLinear": "in_features", "LazyConv2d": "in_channels"}.get(name, "num_features")
    assert getattr(ours, size) == (shape[-1] if name == "LazyLinear" else shape[1])
