"""Loss modules and functional losses against PyTorch: values and gradients for every
reduction, weights, ignore_index, label_smoothing, probability targets; stability at ±1000;
double backward (the create_graph path of every fused VJP); error messages."""
import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from autograd.gradcheck import gradgradcheck

TOL = {np.float64: {"rtol": 1e-10, "atol": 1e-12}, np.float32: {"rtol": 2e-5, "atol": 2e-6}}
DTYPES = [np.float64, np.float32]


def _torch_dtype(torch, dtype):
    return torch.float64 if dtype == np.float64 else torch.float32


def _run(torch, ours_fn, theirs_fn, x, target, dtype, target_grad=False, **kw):
    """Call both losses; compare value and input (and target) gradients for a random Ḡ."""
    rng = np.random.default_rng(0)
    x = x.astype(dtype)
    xt = ag.Tensor(x, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    if target.dtype.kind == "f":
        target = target.astype(dtype)
        yt = ag.Tensor(target, requires_grad=target_grad)
        ty = torch.tensor(target, requires_grad=target_grad)
    else:
        yt, ty = target, torch.from_numpy(target)
    tkw = {k: torch.from_numpy(np.asarray(v, dtype=dtype)) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    out = ours_fn(**kw)(xt, yt)
    tout = theirs_fn(**tkw)(tx, ty)
    assert out.shape == tuple(tout.shape)
    assert out.dtype == dtype
    np.testing.assert_allclose(out.data, tout.detach().numpy(), **TOL[dtype])
    g = rng.standard_normal(out.shape).astype(dtype)
    out.backward(g)
    tout.backward(torch.from_numpy(g))
    np.testing.assert_allclose(xt.grad.data, tx.grad.numpy(), **TOL[dtype])
    assert xt.grad.dtype == dtype
    if target_grad:
        np.testing.assert_allclose(yt.grad.data, ty.grad.numpy(), **TOL[dtype])
    return out


REDUCTIONS = ["mean", "sum", "none"]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_l1(torch, dtype, reduction):
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    for ours, theirs in [(nn.MSELoss, torch.nn.MSELoss), (nn.L1Loss, torch.nn.L1Loss)]:
        _run(torch, ours, theirs, x, y, dtype, target_grad=True, reduction=reduction)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce(torch, dtype, reduction):
    rng = np.random.default_rng(2)
    x, y = rng.uniform(0.02, 0.98, (5, 3)), rng.uniform(0, 1, (5, 3))
    _run(torch, nn.BCELoss, torch.nn.BCELoss, x, y, dtype, target_grad=True, reduction=reduction)
    _run(torch, nn.BCELoss, torch.nn.BCELoss, x, y, dtype, reduction=reduction, weight=rng.uniform(0.5, 2, 3))


def test_bce_clamps_log_like_torch(torch):
    x = np.array([0.0, 1.0, 1e-50, 0.5, 1.0])
    y = np.array([1.0, 0.0, 1.0, 0.3, 1.0])
    out = _run(torch, nn.BCELoss, torch.nn.BCELoss, x, y, np.float64, reduction="none")
    np.testing.assert_allclose(out.data[:2], [100.0, 100.0])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits(torch, dtype, reduction):
    rng = np.random.default_rng(3)
    x, y = 3 * rng.standard_normal((5, 4)), rng.uniform(0, 1, (5, 4))
    _run(torch, nn.BCEWithLogitsLoss, torch.nn.BCEWithLogitsLoss, x, y, dtype, target_grad=True,
         reduction=reduction)
    _run(torch, nn.BCEWithLogitsLoss, torch.nn.BCEWithLogitsLoss, x, y, dtype, target_grad=True,
         reduction=reduction, weight=rng.uniform(0.5, 2, (5, 1)), pos_weight=rng.uniform(0.5, 3, 4))


@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_with_logits_stable_at_1000(torch, dtype):
    x = np.array([-1000.0, 1000.0, -1000.0, 1000.0, 0.0])
    y = np.array([1.0, 0.0, 0.0, 1.0, 0.5])
    out = _run(torch, nn.BCEWithLogitsLoss, torch.nn.BCEWithLogitsLoss, x, y, dtype, reduction="none",
               pos_weight=np.full(5, 2.0))
    assert np.all(np.isfinite(out.data))
    np.testing.assert_allclose(out.data[:4], [2000.0, 1000.0, 0.0, 0.0], rtol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", [{}, {"weight": "w"}, {"ignore_index": 2}, {"label_smoothing": 0.15},
                                     {"weight": "w", "ignore_index": 1, "label_smoothing": 0.3},
                                     {"ignore_index": -100}])
def test_cross_entropy_class_indices(torch, dtype, reduction, options):
    rng = np.random.default_rng(4)
    C = 5
    kw = dict(options, reduction=reduction)
    if kw.get("weight") == "w":
        kw["weight"] = rng.uniform(0.3, 2.0, C)
    for shape in [(7, C), (3, C, 2, 4)]:
        x = 2 * rng.standard_normal(shape)
        t = rng.integers(0, C, (shape[0],) + shape[2:])
        t.flat[::3] = kw.get("ignore_index", 0) if "ignore_index" in kw and kw["ignore_index"] >= 0 else t.flat[::3]
        _run(torch, nn.CrossEntropyLoss, torch.nn.CrossEntropyLoss, x, t, dtype, **kw)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", [{}, {"weight": "w"}, {"label_smoothing": 0.2},
                                     {"weight": "w", "label_smoothing": 0.1}])
def test_cross_entropy_probability_targets(torch, dtype, reduction, options):
    rng = np.random.default_rng(5)
    kw = dict(options, reduction=reduction)
    if kw.get("weight") == "w":
        kw["weight"] = rng.uniform(0.3, 2.0, 4)
    for shape in [(6, 4), (2, 4, 3)]:
        x = rng.standard_normal(shape)
        p = np.exp(rng.standard_normal(shape))
        p /= p.sum(axis=1, keepdims=True)
        _run(torch, nn.CrossEntropyLoss, torch.nn.CrossEntropyLoss, x, p, dtype, target_grad=True, **kw)


def test_cross_entropy_unbatched_and_target_kinds(torch):
    x = np.array([0.5, -1.0, 2.0])
    for reduction in REDUCTIONS:
        _run(torch, nn.CrossEntropyLoss, torch.nn.CrossEntropyLoss, x, np.array(2), np.float64, reduction=reduction)
    logits = ag.Tensor(np.random.default_rng(6).standard_normal((3, 4)))
    a = F.cross_entropy(logits, [1, 0, 3]).item()
    b = F.cross_entropy(logits, np.array([1, 0, 3], dtype=np.int32)).item()
    c = F.cross_entropy(logits, ag.Tensor(np.array([1, 0, 3]))).item()
    assert a == b == c
    # the demo's case: a float32 minibatch and int64 labels
    out = F.cross_entropy(ag.Tensor(np.zeros((2, 10), dtype=np.float32)), np.array([3, 4]))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.item(), np.log(10), rtol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_stable_at_1000(torch, dtype):
    x = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, 1000.0], [1000.0, 1000.0, -1000.0]])
    t = np.array([1, 2, 0])
    out = _run(torch, nn.CrossEntropyLoss, torch.nn.CrossEntropyLoss, x, t, dtype, reduction="none",
               label_smoothing=0.1)
    assert np.all(np.isfinite(out.data))
    xt = ag.Tensor(x.astype(dtype), requires_grad=True)
    F.cross_entropy(xt, t).backward()
    assert np.all(np.isfinite(xt.grad.data))
    # gradient is softmax − onehot (divided by N)
    expected = np.array([[1, -1, 0], [0, 0, 0], [0.5 - 1, 0.5, 0]]) / 3
    np.testing.assert_allclose(xt.grad.data, expected, atol=1e-6)


def test_cross_entropy_all_ignored_mean_is_nan_like_torch(torch):
    x = np.random.default_rng(7).standard_normal((2, 3))
    t = np.array([-100, -100])
    ours = F.cross_entropy(ag.Tensor(x), t)
    theirs = torch.nn.functional.cross_entropy(torch.from_numpy(x), torch.from_numpy(t))
    assert np.isnan(ours.item()) and np.isnan(theirs.item())
    assert F.cross_entropy(ag.Tensor(x), t, reduction="sum").item() == 0.0
    for fn in (F.cross_entropy, F.nll_loss):
        xt = ag.Tensor(x, requires_grad=True)
        fn(xt, t).backward()
        np.testing.assert_array_equal(xt.grad.data, np.zeros((2, 3)))  # torch's gradient is 0 too


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss(torch, dtype, reduction):
    rng = np.random.default_rng(8)
    x = np.log(rng.dirichlet(np.ones(4), 6))
    t = rng.integers(0, 4, 6)
    t[2] = 3
    _run(torch, nn.NLLLoss, torch.nn.NLLLoss, x, t, dtype, reduction=reduction)
    _run(torch, nn.NLLLoss, torch.nn.NLLLoss, x, t, dtype, reduction=reduction, weight=rng.uniform(0.5, 2, 4),
         ignore_index=3)
    x3 = rng.standard_normal((2, 4, 5))
    _run(torch, nn.NLLLoss, torch.nn.NLLLoss, x3, rng.integers(0, 4, (2, 5)), dtype, reduction=reduction)


def test_log_softmax_plus_nll_equals_cross_entropy():
    rng = np.random.default_rng(9)
    x = ag.Tensor(rng.standard_normal((5, 3)))
    t = rng.integers(0, 3, 5)
    np.testing.assert_allclose(F.nll_loss(F.log_softmax(x, dim=1), t).item(), F.cross_entropy(x, t).item(),
                               rtol=1e-12)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(torch, dtype, reduction, log_target):
    rng = np.random.default_rng(10)
    x = np.log(rng.dirichlet(np.ones(5), 4))
    y = rng.dirichlet(np.ones(5), 4)
    if log_target:
        y = np.log(y)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's note about 'mean'
        _run(torch, nn.KLDivLoss, torch.nn.KLDivLoss, x, y, dtype, target_grad=True, reduction=reduction,
             log_target=log_target)


def test_kl_div_batchmean_is_the_kl_and_zero_targets():
    p = np.array([[0.5, 0.5, 0.0], [0.2, 0.3, 0.5]])
    q = np.array([[0.25, 0.25, 0.5], [0.2, 0.3, 0.5]])
    out = F.kl_div(ag.Tensor(np.log(q)), p, reduction="batchmean")
    np.testing.assert_allclose(out.item(), (np.log(2.0) + 0.0) / 2, rtol=1e-12)
    assert np.isfinite(out.item())


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_hinge_loss(torch, dtype, reduction):
    rng = np.random.default_rng(11)
    s = np.array([2.0, 0.3, -0.4, -1.7, 0.9, 0.1])
    y = np.array([1.0, 1.0, -1.0, -1.0, -1.0, 1.0])
    for margin in (1.0, 0.5):
        out = nn.HingeLoss(margin=margin, reduction=reduction)(ag.Tensor(s.astype(dtype)), y)
        expected = np.maximum(0, margin - y * s)
        expected = expected.mean() if reduction == "mean" else expected.sum() if reduction == "sum" else expected
        np.testing.assert_allclose(out.data, expected, rtol=1e-6)
    st = ag.Tensor(s, requires_grad=True)
    F.hinge_loss(st, y.astype(np.int64)).backward()
    np.testing.assert_allclose(st.grad.data, np.where(1 - y * s > 0, -y, 0) / 6)
    assert rng is not None


LOSS_FNS = [
    ("mse", lambda x, y: F.mse_loss(x, y), "real"),
    ("l1", lambda x, y: F.l1_loss(x, y, reduction="sum"), "real"),
    ("bce", lambda x, y: F.binary_cross_entropy(x, y, weight=np.array([1.0, 2.0, 0.5])), "unit"),
    ("bce_logits", lambda x, y: F.binary_cross_entropy_with_logits(x, y, pos_weight=np.array([1.0, 2.0, 0.5]),
                                                                   reduction="none"), "unit"),
    ("kl", lambda x, y: F.kl_div(x, y, reduction="batchmean"), "logprob"),
    ("kl_log", lambda x, y: F.kl_div(x, y, log_target=True), "logprob"),
    ("hinge", lambda x, y: F.hinge_loss(x, y), "pm1"),
    ("ce_prob", lambda x, y: F.cross_entropy(x, y, weight=np.array([1.0, 2.0, 0.5]), label_smoothing=0.2), "prob"),
]


@pytest.mark.parametrize("name,fn,kind", LOSS_FNS, ids=[n for n, _, _ in LOSS_FNS])
def test_double_backward(name, fn, kind):
    rng = np.random.default_rng(12)
    x = rng.standard_normal((4, 3))
    if kind == "unit":
        x = rng.uniform(0.1, 0.9, (4, 3)) if name == "bce" else x
        y = rng.uniform(0.1, 0.9, (4, 3))
    elif kind == "logprob":
        x = np.log(rng.dirichlet(np.ones(3), 4))
        y = rng.dirichlet(np.ones(3), 4)
        y = np.log(y) if name == "kl_log" else y
    elif kind == "pm1":
        x = np.array([[0.2, -0.5, 1.5], [-2.0, 0.7, 0.1], [0.4, 1.3, -0.3], [0.6, -0.1, 2.2]])
        y = rng.choice([-1.0, 1.0], (4, 3))
    elif kind == "prob":
        y = rng.dirichlet(np.ones(3), 4)
    else:
        y = rng.standard_normal((4, 3))
    xs = [ag.Tensor(x, requires_grad=True), ag.Tensor(y, requires_grad=True)]
    assert gradgradcheck(fn, xs, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("options", [{}, {"weight": np.array([1.0, 2.0, 0.5, 1.5]), "ignore_index": 1},
                                     {"label_smoothing": 0.2, "reduction": "none"}, {"reduction": "sum"}])
def test_double_backward_class_index_losses(options):
    rng = np.random.default_rng(13)
    x = ag.Tensor(rng.standard_normal((5, 4)), requires_grad=True)
    t = np.array([0, 1, 3, 2, 1])
    assert gradgradcheck(lambda a: F.cross_entropy(a, t, **options), [x], atol=1e-5, rtol=1e-4)
    opts = {k: v for k, v in options.items() if k != "label_smoothing"}
    # nll is linear in its input: the second derivative is zero, the check still runs the graph path
    assert gradgradcheck(lambda a: F.nll_loss(a, t, **opts), [x], atol=1e-5, rtol=1e-4)


def test_cross_entropy_hessian_vector_matches_torch(torch):
    rng = np.random.default_rng(14)
    x = rng.standard_normal((3, 4))
    t = np.array([1, 0, 3])
    v = rng.standard_normal((3, 4))
    xt = ag.Tensor(x, requires_grad=True)
    (g,) = ag.grad(F.cross_entropy(xt, t, label_smoothing=0.1), xt, create_graph=True)
    (hv,) = ag.grad((g * ag.Tensor(v)).sum(), xt)
    tx = torch.tensor(x, requires_grad=True)
    (tg,) = torch.autograd.grad(torch.nn.functional.cross_entropy(tx, torch.from_numpy(t), label_smoothing=0.1), tx,
                                create_graph=True)
    (thv,) = torch.autograd.grad((tg * torch.from_numpy(v)).sum(), tx)
    np.testing.assert_allclose(hv.data, thv.numpy(), rtol=1e-10, atol=1e-12)


def test_loss_module_reprs_and_buffers(torch):
    w = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    ours = nn.CrossEntropyLoss(weight=w)
    theirs = torch.nn.CrossEntropyLoss(weight=torch.from_numpy(w))
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    assert repr(nn.CrossEntropyLoss()) == "CrossEntropyLoss()"
    assert repr(nn.MSELoss(reduction="sum")) == "MSELoss(reduction='sum')"
    assert repr(nn.HingeLoss(margin=0.5)) == "HingeLoss(margin=0.5)"
    assert list(nn.BCEWithLogitsLoss(pos_weight=np.ones(2)).state_dict()) == ["pos_weight"]


def test_loss_errors():
    x = ag.Tensor(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"cross_entropy: target 3 is out of bounds; got 3, expected 0 <= target < 3"):
        F.cross_entropy(x, [0, 3])
    with pytest.raises(ValueError, match=r"cross_entropy: target shape \(2, 1\) does not match the input shape"):
        F.cross_entropy(x, np.zeros((2, 1), dtype=np.int64))
    with pytest.raises(ValueError, match=r"cross_entropy: probability target shape \(2, 4\) does not match"):
        F.cross_entropy(x, np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"cross_entropy: label_smoothing must be in \[0, 1\]; got 1.5"):
        F.cross_entropy(x, [0, 1], label_smoothing=1.5)
    with pytest.raises(TypeError, match="cross_entropy: target must hold class indices"):
        F.cross_entropy(x, np.array(["a", "b"]))
    with pytest.raises(ValueError, match="cross_entropy: input must have at least 1 dimension"):
        F.cross_entropy(ag.Tensor(1.0), [0])
    with pytest.raises(ValueError, match=r"nll_loss: reduction must be one of"):
        F.nll_loss(x, [0, 1], reduction="batchmean")
    with pytest.raises(ValueError, match=r"binary_cross_entropy_with_logits: target shape \(3,\) differs"):
        F.binary_cross_entropy_with_logits(ag.zeros(2), np.zeros(3))
    with pytest.raises(TypeError, match="mse_loss: input must be floating; got dtype int64"):
        F.mse_loss(np.arange(3), np.zeros(3))
    with pytest.warns(UserWarning, match="mse_loss: using a target size"):
        F.mse_loss(ag.zeros(3, 1), np.zeros(3))
