"""nn.Module, Parameter and the containers: registration, walks, state_dict, modes, repr,
qualified names on the module stack."""
import re

import numpy as np
import pytest

import autograd as ag
import nn
from autograd.grad_mode import _grad


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.register_buffer("count", ag.Tensor(np.zeros(2, dtype=np.float32)))
        self.register_buffer("scratch", ag.Tensor(np.ones(1, dtype=np.float32)), persistent=False)
        self.scale = nn.Parameter(np.ones(4, dtype=np.float32))

    def forward(self, x):
        return self.fc(x) * self.scale


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.head = nn.Sequential(nn.ReLU(), nn.Linear(4, 2))

    def forward(self, x):
        return self.head(self.block(x))


def test_parameter_is_leaf_tensor_with_grad():
    p = nn.Parameter([1.0, 2.0])
    assert isinstance(p, ag.Tensor) and p.requires_grad and p.is_leaf
    assert p.dtype == np.float32
    assert repr(p).startswith("Parameter containing:\ntensor(")
    q = nn.Parameter(np.zeros(3))  # ndarray keeps its dtype
    assert q.dtype == np.float64
    t = ag.Tensor(np.ones(2, dtype=np.float32))
    assert nn.Parameter(t).detach().numpy() is t.detach().numpy()  # shares memory
    assert not nn.Parameter(t, requires_grad=False).requires_grad
    y = p * 2
    assert type(y) is ag.Tensor and not y.is_leaf
    with pytest.raises(TypeError, match="integer tensors cannot require grad"):
        nn.Parameter(np.arange(3))


def test_registration_and_lookup():
    b = Block()
    assert list(b._parameters) == ["scale"]
    assert list(b._modules) == ["fc"]
    assert list(b._buffers) == ["count", "scratch"]
    assert b.count is b._buffers["count"]
    b.register_parameter("extra", None)
    assert b.extra is None
    assert [n for n, _ in b.named_parameters()] == ["scale", "fc.weight", "fc.bias"]
    with pytest.raises(TypeError, match="cannot assign Tensor as parameter 'scale'"):
        b.scale = ag.Tensor([1.0])
    b.scale = None
    assert b.scale is None and "scale" in b._parameters
    with pytest.raises(AttributeError, match="'Block' object has no attribute 'nope'"):
        _ = b.nope
    del b.fc
    assert "fc" not in b._modules
    with pytest.raises(KeyError, match="already exists"):
        b.register_buffer("count2", None) or b.register_parameter("count", None)
    with pytest.raises(KeyError, match="without '.'"):
        b.register_buffer("a.b", None)
    with pytest.raises(TypeError, match="expected a Tensor or None"):
        b.register_buffer("bad", np.ones(2))


def test_setattr_before_init_raises():
    class Bad(nn.Module):
        def __init__(self):
            self.w = nn.Parameter([1.0])

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Bad()


def test_walks_parameters_buffers_modules():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["block.scale", "block.fc.weight", "block.fc.bias", "head.1.weight", "head.1.bias"]
    assert len(list(net.parameters())) == 5
    assert [n for n, _ in net.named_buffers()] == ["block.count", "block.scratch"]
    mods = [n for n, _ in net.named_modules()]
    assert mods == ["", "block", "block.fc", "head", "head.0", "head.1"]
    assert next(iter(net.modules())) is net
    assert [n for n, _ in net.named_children()] == ["block", "head"]
    assert list(net.parameters(recurse=False)) == []


def test_shared_parameters_and_modules_counted_once():
    lin = nn.Linear(2, 2)
    seq = nn.Sequential(lin, nn.ReLU(), lin)
    assert len(list(seq.parameters())) == 2
    assert [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias"]
    assert len(list(seq.modules())) == 3
    # state_dict lists shared modules under every name, like PyTorch
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_state_dict_order_and_sharing():
    net = Net()
    sd = net.state_dict()
    assert list(sd) == ["block.scale", "block.count", "block.fc.weight", "block.fc.bias",
                        "head.1.weight", "head.1.bias"]
    assert all(type(v) is ag.Tensor and not v.requires_grad for v in sd.values())
    assert np.shares_memory(sd["block.fc.weight"].detach().numpy(), net.block.fc.weight.detach().numpy())
    kv = net.state_dict(keep_vars=True)
    assert kv["block.fc.weight"] is net.block.fc.weight


def test_state_dict_keys_match_torch(torch):
    ours = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Sequential(nn.Linear(8, 8), nn.Tanh()), nn.Linear(8, 3))
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(),
                                 torch.nn.Sequential(torch.nn.Linear(8, 8), torch.nn.Tanh()), torch.nn.Linear(8, 3))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for k, v in ours.state_dict().items():
        assert v.shape == tuple(theirs.state_dict()[k].shape)


def test_load_state_dict_roundtrip_and_in_place():
    a, b = Net(), Net()
    w = b.block.fc.weight
    result = b.load_state_dict(a.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert b.block.fc.weight is w  # same Parameter object, values copied
    for (ka, va), (kb, vb) in zip(a.state_dict().items(), b.state_dict().items()):
        assert ka == kb
        np.testing.assert_array_equal(va.detach().numpy(), vb.detach().numpy())
    # ndarrays and nested lists are accepted
    sd = {k: v.detach().numpy().tolist() for k, v in a.state_dict().items()}
    sd["block.scale"] = np.full(4, 3.0)
    b.load_state_dict(sd)
    np.testing.assert_array_equal(b.block.scale.detach().numpy(), np.full(4, 3.0, dtype=np.float32))
    assert b.block.scale.dtype == np.float32


def test_load_state_dict_errors_name_keys():
    net = Net()
    sd = net.state_dict()
    del sd["block.count"]
    sd["block.extra"] = ag.zeros(1)
    sd["head.1.weight"] = ag.zeros(5, 5)
    before = net.head[1].bias.detach().numpy().copy()
    sd["head.1.bias"] = ag.zeros(2)
    with pytest.raises(RuntimeError) as info:
        net.load_state_dict(sd)
    msg = str(info.value)
    assert 'Missing key(s) in state_dict: "block.count"' in msg
    assert 'Unexpected key(s) in state_dict: "block.extra"' in msg
    assert "size mismatch for head.1.weight: copying a param with shape (5, 5)" in msg
    assert "the shape in current model is (2, 4)" in msg
    np.testing.assert_array_equal(net.head[1].bias.detach().numpy(), before)  # nothing copied on error
    # strict=False: shapes still checked, key lists returned
    del sd["head.1.weight"]
    res = net.load_state_dict(sd, strict=False)
    assert res.missing_keys == ["block.count", "head.1.weight"]
    assert res.unexpected_keys == ["block.extra"]
    np.testing.assert_array_equal(net.head[1].bias.detach().numpy(), np.zeros(2))


def test_load_state_dict_from_torch(torch):
    theirs = torch.nn.Sequential(torch.nn.Linear(5, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    ours = nn.Sequential(nn.Linear(5, 3), nn.ReLU(), nn.Linear(3, 2))
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)
    np.testing.assert_allclose(ours(ag.Tensor(x)).data, theirs(torch.from_numpy(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    # torch tensors themselves (parameters that require grad) are accepted too
    theirs2 = torch.nn.Sequential(torch.nn.Linear(5, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    ours.load_state_dict(dict(theirs2.named_parameters()))
    np.testing.assert_array_equal(ours[2].weight.detach().numpy(), theirs2[2].weight.detach().numpy())


def test_state_dict_with_batchnorm_matches_torch(torch):
    ours = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU())
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.ReLU())
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict(theirs.state_dict())
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]


def test_train_eval_propagate():
    net = Net()
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    assert net.train() is net
    assert all(m.training for m in net.modules())
    net.head.train(False)
    assert net.training and not net.head.training and not net.head[1].training
    with pytest.raises(ValueError, match="train: mode must be a bool"):
        net.train("yes")


def test_zero_grad():
    net = Net()
    out = net(ag.randn(5, 3)).sum()
    out.backward()
    assert all(p.grad is not None for p in net.parameters())
    grads = {id(p): p.grad for p in net.parameters()}
    net.zero_grad(set_to_none=False)
    for p in net.parameters():
        assert p.grad is grads[id(p)] and not np.any(p.grad.detach().numpy())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_to_dtype_in_place():
    net = Net()
    w = net.block.fc.weight
    net(ag.randn(2, 3)).sum().backward()
    assert net.to(np.float64) is net
    assert net.block.fc.weight is w and w.dtype == np.float64 and w.grad.dtype == np.float64
    assert net.block.count.dtype == np.float64
    assert net(ag.randn(2, 3, dtype=np.float64)).dtype == np.float64
    assert net.to("float32").block.fc.weight.dtype == np.float32
    with pytest.raises(TypeError, match="to: expected a floating dtype; got int64"):
        net.to(np.int64)


def test_apply_post_order():
    net = Net()
    seen = []
    assert net.apply(lambda m: seen.append(type(m).__name__)) is net
    assert seen == ["Linear", "Block", "ReLU", "Linear", "Sequential", "Net"]


def test_repr_like_torch(torch):
    ours = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Sequential(nn.Linear(8, 2, bias=False)))
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(),
                                 torch.nn.Sequential(torch.nn.Linear(8, 2, bias=False)))
    assert repr(ours) == repr(theirs)
    assert repr(nn.Linear(2, 3)) == "Linear(in_features=2, out_features=3, bias=True)"


def test_call_pushes_qualified_names():
    net = Net()
    seen = []

    class Probe(nn.Module):
        def forward(self, x):
            seen.append(_grad.module)
            return x

    net.head.append(Probe())
    x = ag.randn(2, 3, requires_grad=True)
    out = net(x)
    assert seen == ["head.2"]  # the innermost running module of this thread
    assert _grad.module is None
    # the nodes record the innermost module
    assert out.grad_fn.module == "head.1"
    mul = net.block(x)
    assert mul.grad_fn.module == "block"
    assert net.block.fc(x).grad_fn.module == "block.fc"


def test_qualified_names_follow_nesting_after_construction():
    inner = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    assert inner[0]._qualname == "0"
    outer = nn.Module()
    outer.features = inner
    assert inner._qualname == "features" and inner[0]._qualname == "features.0"
    top = nn.ModuleDict({"net": outer})
    assert inner[1]._qualname == "net.features.1"
    out = top["net"].features(ag.randn(1, 2, requires_grad=True))
    assert out.grad_fn.module == "net.features.1"


def test_stack_popped_on_error():
    class Boom(nn.Module):
        def forward(self, x):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        nn.Sequential(Boom())(ag.zeros(1))
    assert _grad.module is None


def test_module_names_are_per_thread():
    # two threads running different modules tag their own nodes (the running module is per thread)
    import threading
    barrier = threading.Barrier(2)
    results = {}

    class Wait(nn.Module):
        def forward(self, x):
            barrier.wait(timeout=10)  # both threads are inside their module's forward here
            return x * 2.0

    def run(net):
        out = net(ag.randn(3, requires_grad=True))
        results[id(net)] = out.grad_fn.module

    deep, shallow = nn.Sequential(nn.Identity(), nn.Sequential(Wait())), nn.Sequential(Wait())
    threads = [threading.Thread(target=run, args=(net,)) for net in (deep, shallow)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {id(deep): "1.0", id(shallow): "0"} and _grad.module is None


def test_missing_super_init_hint():
    class NoInit(nn.Module):
        def __init__(self):
            self.k = 3

        def forward(self, x):
            return x

    m = NoInit()
    with pytest.raises(AttributeError, match=r"Hint: call super\(\).__init__\(\) at the start of NoInit.__init__"):
        m(1)


def test_deepcopy_and_pickle():
    import copy
    import pickle
    net = Net()
    for clone in (copy.deepcopy(net), pickle.loads(pickle.dumps(net))):
        assert list(clone.state_dict()) == list(net.state_dict())
        assert clone.block.fc.weight is not net.block.fc.weight
        assert isinstance(clone.block.fc.weight, nn.Parameter) and clone.block.fc.weight.requires_grad
        np.testing.assert_array_equal(clone.block.fc.weight.detach().numpy(), net.block.fc.weight.detach().numpy())
        x = ag.randn(2, 3)
        np.testing.assert_array_equal(clone(x).data, net(x).data)


def test_forward_hooks():
    net = Net()
    seen = []
    h1 = net.block.fc.register_forward_hook(lambda m, args, out: seen.append((type(m).__name__, out.shape)))
    h2 = net.head.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    out = net(ag.randn(2, 3))
    assert seen == [("Linear", (2, 4))]
    np.testing.assert_allclose(out.detach().numpy(), np.broadcast_to(net.head[1].bias.detach().numpy(), (2, 2)))  # input zeroed
    h2.remove()
    h2.remove()
    doubled = net.block.register_forward_hook(lambda m, args, out: out * 2)
    x = ag.randn(2, 3)
    np.testing.assert_allclose(net.block(x).data, 2 * (net.block.fc(x) * net.block.scale).data, rtol=1e-6)
    doubled.remove()
    h1.remove()
    net(x)
    assert len(seen) == 3  # fc ran three times while h1 was on


def test_forward_not_defined():
    with pytest.raises(NotImplementedError, match="forward is not defined"):
        nn.Module()(1)


def test_sequential_indexing_and_editing():
    a, b, c = nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1)
    seq = nn.Sequential(a, b)
    seq.append(c)
    assert len(seq) == 3 and seq[-1] is c and list(seq) == [a, b, c]
    assert list(seq[1:]._modules.values()) == [b, c]
    del seq[0]
    assert list(seq._modules) == ["0", "1"] and seq[0] is b
    from collections import OrderedDict
    named = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 3)), ("act", nn.ReLU())]))
    assert [n for n, _ in named.named_parameters()] == ["fc.weight", "fc.bias"]
    assert named(ag.ones(4, 2)).shape == (4, 3)
    with pytest.raises(IndexError, match="index 5 is out of range"):
        seq[5]
    with pytest.raises(TypeError, match="Sequential: argument 0 is a int; expected a Module"):
        nn.Sequential(3)


def test_module_list_and_dict():
    ml = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(ml) == 3 and len(list(ml.parameters())) == 6
    ml.append(nn.ReLU())
    assert isinstance(ml[-1], nn.ReLU)
    assert [n for n, _ in ml.named_parameters()][:2] == ["0.weight", "0.bias"]
    md = nn.ModuleDict({"a": nn.Linear(1, 1)})
    md["b"] = nn.Linear(1, 2)
    assert list(md.keys()) == ["a", "b"] and "b" in md
    assert [n for n, _ in md.named_parameters()] == ["a.weight", "a.bias", "b.weight", "b.bias"]
    md.pop("a")
    assert list(md) == ["b"]
    with pytest.raises(NotImplementedError, match="has no forward"):
        ml(1)


def test_get_submodule_and_parameter():
    net = Net()
    assert net.get_submodule("head.1") is net.head[1]
    assert net.get_parameter("block.fc.bias") is net.block.fc.bias
    with pytest.raises(AttributeError, match="has no submodule 'x'"):
        net.get_submodule("head.x")


def test_requires_grad_():
    net = Net().requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_load_state_dict_is_all_or_nothing():
    """A bad entry late in the state dict (non-numeric, ragged, None) is found before anything
    is copied: RuntimeError naming the key, every parameter unchanged (PyTorch's error type)."""
    torch = pytest.importorskip("torch")
    net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    before = {k: v.detach().numpy().copy() for k, v in net.state_dict().items()}
    good = {k: np.full(v.shape, 7.0) for k, v in before.items()}
    for key, bad, what in [("1.num_batches_tracked", np.array("many"), "of dtype str"),
                           ("2.bias", [[1.0, 2.0], [3.0]], "could not convert"),
                           ("2.bias", None, "NoneType of dtype object")]:
        sd = dict(good, **{key: bad})
        with pytest.raises(RuntimeError, match=rf'load_state_dict: Error\(s\) in loading state_dict for Sequential:'
                                               rf'\n\tWhile copying the parameter named "{re.escape(key)}", .*{what}'):
            net.load_state_dict(sd)
        for k, v in net.state_dict().items():
            np.testing.assert_array_equal(v.detach().numpy(), before[k], err_msg=k)  # 0.weight … not half-copied
    # PyTorch raises the same error type (but has already copied 0.weight … by then)
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Linear(4, 2))
    w = theirs[0].weight.detach().clone()
    with pytest.raises(RuntimeError, match='While copying the parameter named "2.bias"'):
        theirs.load_state_dict(dict({k: torch.full(v.shape, 7.0) for k, v in theirs.state_dict().items()},
                                    **{"2.bias": None}))
    assert not torch.equal(theirs[0].weight, w)  # PyTorch is not all or nothing; we are, deliberately
    # converted to each target's dtype (float64 → float32, float → int64 counter), then copied
    net.load_state_dict(good)
    assert net[0].weight.dtype == np.float32 and float(net[0].weight.detach().numpy()[0, 0]) == 7.0
    assert net[1].num_batches_tracked.dtype == np.int64 and int(net[1].num_batches_tracked.item()) == 7
