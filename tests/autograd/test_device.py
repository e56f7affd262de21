"""Devices on a CPU engine (issue 15 §2): `autograd.device`, `Tensor.device`, ``to(device)``,
`autograd.cuda`, and a clear RuntimeError for any device but the CPU."""
import pickle

import numpy as np
import pytest

import autograd as ag
import nn
from autograd.device import check_device, parse_to_args

CPU_ONLY = "tracegrad computes on the CPU only; got device '{}', expected 'cpu'"


def test_device_object_matches_torch():
    torch = pytest.importorskip("torch")
    for args in [("cpu",), ("cpu:0",), ("cpu", 0), ("cuda",), ("cuda:1",), ("mps",)]:
        ours, theirs = ag.device(*args), torch.device(*args)
        assert (repr(ours), str(ours), ours.type, ours.index) == (repr(theirs), str(theirs), theirs.type,
                                                                  theirs.index)
    assert ag.device("cpu") == ag.device("cpu") and ag.device("cpu") != ag.device("cpu", 0)
    assert ag.device(ag.device("cpu:0")) == ag.device("cpu", 0)
    assert hash(ag.device("cpu")) == hash(ag.device("cpu"))
    assert pickle.loads(pickle.dumps(ag.device("cpu", 0))) == ag.device("cpu:0")


def test_device_equals_its_string():
    # deliberate difference: torch.device("cpu") == "cpu" is False in PyTorch
    assert ag.device("cpu") == "cpu" and ag.device("cpu:0") == "cpu:0" and ag.device("cpu") != "cuda"
    assert {ag.device("cpu"): 1}["cpu"] == 1


def test_device_errors_match_torch_messages():
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda, .* device type at start of device "
                                           "string: foo"):
        ag.device("foo")
    with pytest.raises(RuntimeError, match=r"Invalid device string: 'cuda:x'"):
        ag.device("cuda:x")
    with pytest.raises(TypeError, match="device: expected a device string such as 'cpu'; got float"):
        ag.device(1.5)
    with pytest.raises(AttributeError, match="read-only"):
        ag.device("cpu").type = "cuda"


def test_tensor_device_is_the_cpu():
    t = ag.ones(2)
    assert t.device == ag.device("cpu") and t.device.type == "cpu" and repr(t.device) == "device(type='cpu')"
    assert nn.Linear(2, 2).weight.device == "cpu"


def test_cuda_namespace_has_no_devices():
    torch = pytest.importorskip("torch")
    assert ag.cuda.is_available() is False and ag.cuda.device_count() == 0
    assert torch.cuda.is_available() is False  # the oracle machine has no GPU either
    ag.cuda.manual_seed(0)
    ag.cuda.manual_seed_all(0)
    device = ag.device("cuda" if ag.cuda.is_available() else "cpu")  # the tutorial idiom
    assert device == "cpu"


def test_accelerator_namespace_matches_torch_without_one():
    torch = pytest.importorskip("torch")
    assert ag.accelerator.is_available() is torch.accelerator.is_available() is False
    assert ag.accelerator.current_accelerator() is torch.accelerator.current_accelerator() is None
    assert ag.accelerator.device_count() == torch.accelerator.device_count() == 0
    # the official quickstart's idiom
    device = ag.accelerator.current_accelerator().type if ag.accelerator.is_available() else "cpu"
    assert device == "cpu"


def test_parse_to_args_forms():
    f64 = np.dtype(np.float64)
    assert parse_to_args(("cpu",), {}) == (ag.device("cpu"), None, False)
    assert parse_to_args((ag.device("cpu"), np.float64), {}) == ("cpu", f64, False)
    assert parse_to_args((np.float64,), {"copy": True}) == (None, f64, True)
    assert parse_to_args(("float64",), {}) == (None, f64, False)
    assert parse_to_args((), {"device": "cpu", "dtype": "float64", "non_blocking": True}) == ("cpu", f64, False)
    assert parse_to_args((ag.ones(2, dtype=np.float64),), {}) == ("cpu", f64, False)
    assert parse_to_args((), {}) == (None, None, False)


@pytest.mark.parametrize("dev, shown", [("cuda", "cuda"), ("cuda:0", "cuda:0"), ("mps", "mps"),
                                        (ag.device("cuda", 1), "cuda:1"), (0, "cuda:0")])
def test_parse_to_args_refuses_other_devices(dev, shown):
    with pytest.raises(RuntimeError, match="Tensor.to: " + CPU_ONLY.format(shown)):
        parse_to_args((dev,), {}, "Tensor.to")
    with pytest.raises(RuntimeError, match="Tensor.to: " + CPU_ONLY.format(shown)):
        parse_to_args((), {"device": dev}, "Tensor.to")


def test_parse_to_args_type_errors():
    with pytest.raises(TypeError, match=r"to: unexpected keyword arguments \['foo'\]"):
        parse_to_args((), {"foo": 1})
    with pytest.raises(TypeError, match="to: expected a device or a dtype; got 'nonsense'"):
        parse_to_args(("nonsense",), {})
    with pytest.raises(TypeError, match="to: dtype given twice"):
        parse_to_args((np.float32,), {"dtype": np.float64})
    with pytest.raises(TypeError, match="to: device given twice"):
        parse_to_args(("cpu",), {"device": "cpu"})
    with pytest.raises(TypeError, match="to: the device must be the first positional argument"):
        parse_to_args((np.float32, "cpu"), {})
    with pytest.raises(TypeError, match="to: expected at most 2 positional arguments"):
        parse_to_args(("cpu", np.float32, 1), {})
    with pytest.raises(TypeError, match="check: device must be a device, a str or an int; got list"):
        check_device(["cpu"], "check")


def test_module_to_device():
    net = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    w = net[0].weight
    assert net.to(ag.device("cpu")) is net and net.to("cpu") is net and net.cpu() is net
    assert net.to(device="cpu") is net and net[0].weight is w and w.dtype == np.float32
    assert net.to("cpu", np.float64) is net and w.dtype == np.float64 and net[1].running_mean.dtype == np.float64
    assert net.to(ag.ones(1, dtype=np.float32)) is net and w.dtype == np.float32
    for dev in ["cuda", "cuda:0", "mps", ag.device("cuda")]:
        with pytest.raises(RuntimeError, match="Module.to: " + CPU_ONLY.format(dev)):
            net.to(dev)
    with pytest.raises(RuntimeError, match="Module.cuda: " + CPU_ONLY.format("cuda")):
        net.cuda()
    with pytest.raises(TypeError, match="to: expected a floating dtype; got int64"):
        net.to("cpu", np.int64)


def test_tensor_to_device():
    t = ag.tensor([1.0, 2.0], requires_grad=True)
    assert t.to("cpu") is t and t.to(ag.device("cpu")) is t and t.to(t.device) is t
    y = t.to("cpu", np.float64)
    assert y.dtype == np.float64 and y.device == "cpu"
    y.sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), [1.0, 1.0])
    with pytest.raises(RuntimeError, match="to: " + CPU_ONLY.format("cuda")):
        t.to("cuda")
    with pytest.raises(RuntimeError, match="to: " + CPU_ONLY.format("mps")):
        t.to(device="mps")
    with pytest.raises(RuntimeError, match="cuda: " + CPU_ONLY.format("cuda")):
        t.cuda()


def test_tensor_cpu_is_self():
    t = ag.ones(2)
    assert t.cpu() is t
