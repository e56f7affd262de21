"""Factories and functions tutorials call (issue 15 §4): `normal`, ``size=``, ``device=``,
``requires_grad=``, `dot`/`mv`/`mm`/`bmm`, and a range or a list as an index — against PyTorch."""
import numpy as np
import pytest

import autograd as ag


@pytest.mark.parametrize("name", ["zeros", "ones", "rand", "randn"])
def test_size_keyword_and_varargs_match_torch(name):
    torch = pytest.importorskip("torch")
    ours, theirs = getattr(ag, name), getattr(torch, name)
    for args, kwargs in [((2, 3), {}), (((2, 3),), {}), (([2, 3],), {}), ((), {"size": (2, 3)}),
                         ((), {"size": [4]}), ((), {"size": 4})]:
        if kwargs.get("size") == 4 and name in ("zeros", "ones", "rand", "randn"):
            kwargs = {"size": (4,)}  # torch's size= takes a sequence only
        t = ours(*args, **kwargs)
        assert t.shape == tuple(theirs(*args, **kwargs).shape) and t.dtype == np.float32
    t = ours(2, dtype=np.float64, device="cpu", requires_grad=True)
    assert t.dtype == np.float64 and t.requires_grad and t.is_leaf
    with pytest.raises(TypeError, match=f"{name}: sizes given twice; got \\(2,\\) and size=\\(2,\\)"):
        ours(2, size=(2,))
    with pytest.raises(RuntimeError, match=f"{name}: tracegrad computes on the CPU only; got device 'cuda'"):
        ours(2, device="cuda")


def test_full_and_friends_take_size_and_device():
    torch = pytest.importorskip("torch")
    assert ag.full(size=(2, 2), fill_value=3.0).tolist() == torch.full(size=(2, 2), fill_value=3.0).tolist()
    assert ag.full(3, 1.5, requires_grad=True).requires_grad
    assert ag.arange(3, device="cpu").tolist() == [0, 1, 2]
    assert ag.eye(2, device=ag.device("cpu")).tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert ag.tensor([1.0], device="cpu").tolist() == [1.0]
    for fn in (lambda: ag.full((2,), 1.0, device="mps"), lambda: ag.arange(3, device="cuda:0"),
               lambda: ag.eye(2, device="cuda"), lambda: ag.tensor([1.0], device="cuda")):
        with pytest.raises(RuntimeError, match="tracegrad computes on the CPU only"):
            fn()


def test_normal_numbers_and_size():
    ag.manual_seed(0)
    w = ag.normal(0, 0.01, size=(2000, 10), requires_grad=True)  # d2l's initialization
    assert w.shape == (2000, 10) and w.dtype == np.float32 and w.requires_grad and w.is_leaf
    assert abs(float(w.detach().numpy().mean())) < 1e-3 and abs(float(w.detach().numpy().std()) - 0.01) < 2e-4
    x = ag.normal(3.0, 2.0, (20000,))
    assert abs(float(x.mean()) - 3.0) < 0.05 and abs(float(x.std()) - 2.0) < 0.05
    assert ag.normal(0, 1, (3,), dtype=np.float64).dtype == np.float64
    assert ag.normal(5.0, 0.0, size=(2,)).tolist() == [5.0, 5.0]


def test_normal_tensor_arguments_match_torch_shapes():
    torch = pytest.importorskip("torch")
    mean = ag.zeros(3, 1, dtype=np.float64)
    y = ag.normal(mean, ag.ones(4) * 0 + 2.0)
    assert y.shape == tuple(torch.normal(torch.zeros(3, 1, dtype=torch.float64), torch.ones(4) * 2).shape)
    assert ag.normal(ag.full((2,), 7.0), 0.0).tolist() == [7.0, 7.0]
    assert ag.normal(1.0, ag.zeros(2, dtype=np.float64)).dtype == np.float64


def test_normal_errors():
    with pytest.raises(TypeError, match=r"normal: size is required when mean and std are numbers; got mean=0, "
                                        r"std=1\. Hint: normal\(0, 1, size=\(2, 3\)\)"):
        ag.normal(0, 1)
    with pytest.raises(TypeError, match="normal: size cannot be given with a Tensor mean or std"):
        ag.normal(ag.zeros(2), 1.0, (2,))
    with pytest.raises(ValueError, match="normal: std must be non-negative; got -1.0"):
        ag.normal(0, -1.0, (2,))
    with pytest.raises(ValueError, match=r"normal: shapes of mean \(2,\) and std \(3,\) do not broadcast"):
        ag.normal(ag.zeros(2), ag.ones(3))
    with pytest.raises(TypeError, match="normal: a Tensor mean or std must be floating; got int64"):
        ag.normal(ag.arange(3), 1.0)
    with pytest.raises(RuntimeError, match="normal: tracegrad computes on the CPU only"):
        ag.normal(0, 1, (2,), device="cuda")


@pytest.mark.parametrize("name, shapes", [("dot", [(4,), (4,)]), ("mv", [(3, 4), (4,)]),
                                          ("mm", [(2, 3), (3, 5)]), ("bmm", [(2, 3, 4), (2, 4, 5)])])
def test_products_match_torch_values_and_gradients(name, shapes):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in shapes]
    ours = [ag.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, ref = getattr(ag, name)(*ours), getattr(torch, name)(*theirs)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-12)
    (out * out).sum().backward()
    (ref * ref).sum().backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(getattr(ours[0], name)(ours[1]).detach().numpy(), ref.detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("name, shapes, exc, match", [
    ("dot", [(2, 2), (2,)], ValueError, r"dot: expected two vectors \(1-D and 1-D\); got 2-D and 1-D of shapes "
                                        r"\(2, 2\) and \(2,\)\. Hint: use matmul"),
    ("dot", [(3,), (4,)], ValueError, r"dot: shapes \(3,\) and \(4,\) cannot be multiplied; got inner sizes 3 "
                                      r"and 4, expected equal"),
    ("mv", [(3, 4), (3,)], ValueError, r"mv: shapes \(3, 4\) and \(3,\) cannot be multiplied"),
    ("mm", [(3,), (3, 2)], ValueError, r"mm: expected two matrices \(2-D and 2-D\); got 1-D and 2-D"),
    ("mm", [(2, 3), (4, 5)], ValueError, r"mm: shapes \(2, 3\) and \(4, 5\) cannot be multiplied; got inner "
                                         r"sizes 3 and 4"),
    ("bmm", [(2, 3), (3, 3, 5)], ValueError, r"bmm: expected two batches of matrices \(3-D and 3-D\); got 2-D"),
    ("bmm", [(2, 2, 3), (3, 3, 5)], ValueError, r"bmm: batch sizes differ; got shapes \(2, 2, 3\) and "
                                                r"\(3, 3, 5\)"),
    ("bmm", [(2, 2, 3), (2, 4, 5)], ValueError, r"bmm: shapes \(2, 2, 3\) and \(2, 4, 5\) cannot be multiplied"),
])
def test_product_shape_errors_where_torch_raises(name, shapes, exc, match):
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError):  # PyTorch refuses the same operands
        getattr(torch, name)(*[torch.ones(s) for s in shapes])
    with pytest.raises(exc, match=match):
        getattr(ag, name)(*[ag.ones(s) for s in shapes])


def test_product_dtype_mismatch():
    with pytest.raises(TypeError, match="dot: both operands must have the same dtype; got float32 and float64"):
        ag.dot(ag.ones(3), ag.ones(3, dtype=np.float64))
    with pytest.raises(TypeError, match="mm: both operands must have the same dtype; got float64 and float32"):
        ag.mm(ag.ones(2, 2, dtype=np.float64), ag.ones(2, 2))


@pytest.mark.parametrize("index", [range(2), range(3, 0, -2), [0, 2], (range(1, 3), [0, 2]),
                                   (slice(None), range(2)), [True, False, True, False]],
                         ids=["range", "range-step", "list", "range-list", "slice-range", "bool"])
def test_range_and_list_indices_match_torch(index):
    torch = pytest.importorskip("torch")
    a = np.arange(12.0).reshape(4, 3)
    x, tx = ag.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = x[index], tx[index]
    np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
