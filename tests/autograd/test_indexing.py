"""Indexing and joining: getitem (basic, advanced, masks, mixed), index_put and __setitem__,
concatenate/cat, stack, split, chunk, pad — values, gradients (incl. double backward and
float32) against PyTorch, and their error messages."""
import numpy as np
import pytest

import autograd as ag
from autograd import Tensor

from ..conftest import require_torch

RNG = np.random.default_rng(7)
A = RNG.standard_normal((4, 5, 3))


def _tidx(torch, index):
    conv = lambda i: torch.from_numpy(i) if isinstance(i, np.ndarray) else i
    return tuple(conv(i) for i in index) if isinstance(index, tuple) else conv(index)


INDICES = [
    2, -1, slice(1, 3), (slice(None), 0), (Ellipsis, 1), (None, 1, slice(None, None, 2)),
    (1, 2, 0), (slice(3, 0, 2), slice(None), None), np.array([0, 3, 0, 0]),
    np.array([[1, 2], [2, 2]]), np.array([True, False, True, True]),
    (np.array([0, 2, 0]), np.array([1, 1, 1])), (slice(None), np.array([4, 0, 4]), 2),
    (np.array([1, 1]), slice(None), np.array([0, 2])), A[..., 0] > 0, (A[:, :, 0] > 0, 1),
    (Ellipsis, np.array([2, 2, 0])), (slice(0, 0),),
]


@pytest.mark.parametrize("index", INDICES, ids=lambda i: repr(i)[:40])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_getitem_matches_numpy_and_torch(index, dtype):
    torch = require_torch()
    x = Tensor(A.astype(dtype), requires_grad=True)
    out = x[index]
    ref = A.astype(dtype)[index]
    assert out.shape == ref.shape and out.dtype == dtype
    np.testing.assert_array_equal(out.detach().numpy(), ref)
    v = RNG.standard_normal(out.shape).astype(dtype)
    out.backward(v)
    tx = torch.tensor(A.astype(dtype), requires_grad=True)
    tout = tx[_tidx(torch, index)]
    tout.backward(torch.from_numpy(v))
    assert x.grad.dtype == dtype
    np.testing.assert_allclose(x.grad.detach().numpy(), tx.grad.numpy(), rtol=1e-6, atol=1e-6)


def test_getitem_with_tensor_and_list_indices():
    x = Tensor(A, requires_grad=True)
    idx = Tensor(np.array([3, 3, 1]))
    np.testing.assert_array_equal(x[idx].detach().numpy(), A[[3, 3, 1]])
    np.testing.assert_array_equal(x[[3, 3, 1]].data, A[[3, 3, 1]])
    mask = Tensor(A[:, 0, 0] > 0)
    np.testing.assert_array_equal(x[mask].detach().numpy(), A[A[:, 0, 0] > 0])
    np.testing.assert_array_equal(x[idx, Tensor(np.array(2))].detach().numpy(), A[[3, 3, 1], 2])
    np.testing.assert_array_equal(x[[]].data, A[np.array([], dtype=np.intp)])
    x[idx].sum().backward()
    expected = np.zeros_like(A)
    expected[3] = 2.0
    expected[1] = 1.0
    np.testing.assert_array_equal(x.grad.detach().numpy(), expected)


def test_changing_the_index_array_after_forward_does_not_change_the_gradient():
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    idx = np.array([0, 0, 1])
    mask = np.array([True, False, True])
    y = x[idx].sum() + x[mask].sum() * 10.0 + ag.index_put(x, idx, 0.0).sum() * 100.0
    idx[:] = 2
    mask[:] = False
    y.backward()
    np.testing.assert_array_equal(x.grad.detach().numpy(), [2.0 + 10.0, 1.0, 10.0 + 100.0])


def test_repeated_indices_accumulate():
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    y = x[np.array([0, 0, 0, 2])] * Tensor(np.array([1.0, 2.0, 3.0, 4.0]))
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.detach().numpy(), [6.0, 0.0, 4.0])


def test_basic_getitem_is_a_view_advanced_is_a_copy():
    base = Tensor(np.arange(6.0).reshape(2, 3))
    row = base[0]
    row.add_(100.0)  # writes into base, as in PyTorch
    np.testing.assert_array_equal(base.detach().numpy()[0], [100.0, 101.0, 102.0])
    assert base._version == row._version == 1
    col = base[:, 0]
    base.detach().numpy()[:] = -1.0
    np.testing.assert_array_equal(col.detach().numpy(), [-1.0, -1.0])
    picked = base[np.array([0, 1]), 0]  # advanced indexing copies
    picked.add_(5.0)
    np.testing.assert_array_equal(base.detach().numpy(), -np.ones((2, 3)))
    assert base._version == 1 and picked._version == 1


def test_int_and_array_separated_by_slice_follow_numpy():
    x = Tensor(A, requires_grad=True)
    out = x[0, :, np.array([2, 0])]  # numpy puts the advanced axes first: (2, 5); torch gives (5, 2)
    assert out.shape == (2, 5)
    np.testing.assert_array_equal(out.detach().numpy(), A[0, :, [2, 0]])
    out.backward(np.ones((2, 5)))
    expected = np.zeros_like(A)
    expected[0, :, [2, 0]] = 1.0
    np.testing.assert_array_equal(x.grad.detach().numpy(), expected)


def test_negative_step_slices_follow_numpy():
    x = Tensor(A, requires_grad=True)
    out = x[::-1, 3:0:-2]
    np.testing.assert_array_equal(out.detach().numpy(), A[::-1, 3:0:-2])
    out.backward(np.ones(out.shape))
    expected = np.zeros_like(A)
    expected[:, [3, 1]] = 1.0
    np.testing.assert_array_equal(x.grad.detach().numpy(), expected)


def test_setitem_on_saved_output_reports_version():
    a = Tensor(np.ones(3), requires_grad=True)
    y = ag.tanh(a)
    y[0] = 2.0
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation: its output of 'tanh' \(shape \(3,\), "
                                           r"float64\) is at version 1; expected version 0"):
        y.sum().backward()


def test_iteration_uses_getitem_and_stops():
    x = Tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    rows = list(x)
    assert len(rows) == 3 and all(r.shape == (2,) for r in rows)
    (rows[0] * 1.0 + rows[2] * 2.0).sum().backward()
    np.testing.assert_array_equal(x.grad.detach().numpy(), [[1, 1], [0, 0], [2, 2]])
    with pytest.raises(TypeError, match="iter: iteration over a 0-d tensor"):
        list(Tensor(1.0))
    a, b = Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert a.tolist() == [1.0, 2.0] and b.tolist() == [3.0, 4.0]


def test_getitem_double_backward_matches_torch():
    torch = require_torch()
    idx = np.array([0, 0, 2, 1])
    w = RNG.standard_normal(4)
    x0 = RNG.standard_normal(3)
    x = Tensor(x0, requires_grad=True)
    (g,) = ag.grad((x[idx] ** 3 * Tensor(w)).sum(), x, create_graph=True)
    (h,) = ag.grad((g * g).sum(), x)
    tx = torch.tensor(x0, requires_grad=True)
    (tg,) = torch.autograd.grad((tx[torch.from_numpy(idx)] ** 3 * torch.from_numpy(w)).sum(), tx, create_graph=True)
    (th,) = torch.autograd.grad((tg * tg).sum(), tx)
    np.testing.assert_allclose(g.detach().numpy(), tg.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(h.detach().numpy(), th.numpy(), rtol=1e-12)
    assert ag.gradgradcheck(lambda t: t[idx] ** 2, [x])
    assert ag.gradgradcheck(lambda t: t[1:, None] ** 3, [x])


@pytest.mark.parametrize("index,match", [
    (7, r"getitem: index 7 is out of range for axis 0 with size 4; got index 7, expected -4 <= index < 4\."),
    (-5, r"getitem: index -5 is out of range for axis 0 with size 4"),
    ((0, 5), r"getitem: index 5 is out of range for axis 1 with size 5"),
    ((Ellipsis, 3), r"getitem: index 3 is out of range for axis 2 with size 3"),
    ((None, 0, np.array([1, 9])), r"getitem: index 9 is out of range for axis 1 with size 5"),
    ((0, 0, 0, 0), (r"getitem: too many indices for a tensor of shape \(4, 5, 3\); got 4 indexed axes, "
                    r"expected at most 3\.")),
    (np.ones((4, 4), dtype=bool), (r"getitem: a bool mask of shape \(4, 4\) does not match the indexed axes "
                                   r"\(0, 1\) of shape \(4, 5\)")),
])
def test_getitem_index_errors(index, match):
    with pytest.raises(IndexError, match=match):
        Tensor(A)[index]


def test_getitem_type_errors():
    with pytest.raises(TypeError, match=r"getitem: index arrays must have an integer or bool dtype; got dtype float32"):
        Tensor(A)[Tensor(np.array([0.0], dtype=np.float32))]
    with pytest.raises(TypeError, match=r"getitem: invalid index of type str"):
        Tensor(A)["a"]


# -- index_put and __setitem__ -----------------------------------------------------------
def test_index_put_out_of_place_and_grads_match_torch():
    torch = require_torch()
    x0, v0 = RNG.standard_normal((4, 3)), RNG.standard_normal((2, 3))
    idx = np.array([3, 1])
    x, v = Tensor(x0, requires_grad=True), Tensor(v0, requires_grad=True)
    out = ag.index_put(x, idx, v)
    np.testing.assert_array_equal(x.detach().numpy(), x0)
    w = RNG.standard_normal((4, 3))
    (out * Tensor(w)).sum().backward()
    tx, tv = torch.tensor(x0, requires_grad=True), torch.tensor(v0, requires_grad=True)
    tout = torch.index_put(tx, (torch.from_numpy(idx),), tv)
    (tout * torch.from_numpy(w)).sum().backward()
    np.testing.assert_array_equal(out.detach().numpy(), tout.detach().numpy())
    np.testing.assert_allclose(x.grad.detach().numpy(), tx.grad.numpy())
    np.testing.assert_allclose(v.grad.detach().numpy(), tv.grad.numpy())


def test_index_put_accumulate_matches_torch():
    torch = require_torch()
    x0, v0 = RNG.standard_normal(5), RNG.standard_normal(4)
    idx = np.array([1, 1, 4, 1])
    x, v = Tensor(x0, requires_grad=True), Tensor(v0, requires_grad=True)
    out = x.index_put(idx, v, accumulate=True)
    tx, tv = torch.tensor(x0, requires_grad=True), torch.tensor(v0, requires_grad=True)
    tout = torch.index_put(tx, (torch.from_numpy(idx),), tv, accumulate=True)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-14)
    w = RNG.standard_normal(5)
    (out * Tensor(w)).sum().backward()
    (tout * torch.from_numpy(w)).sum().backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), tx.grad.numpy())
    np.testing.assert_allclose(v.grad.detach().numpy(), tv.grad.numpy())
    assert ag.gradgradcheck(lambda a, b: ag.index_put(a, idx, b * b, accumulate=True) ** 2, [x, v])


def test_index_put_broadcasts_value_and_keeps_dtype():
    x = Tensor(np.zeros((2, 3), dtype=np.float32), requires_grad=True)
    v = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)  # float64 value into float32
    out = ag.index_put(x, (slice(None),), v)
    assert out.dtype == np.float32
    out.sum().backward()
    assert v.grad.dtype == np.float64 and x.grad.dtype == np.float32
    np.testing.assert_array_equal(v.grad.detach().numpy(), [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(x.grad.detach().numpy(), np.zeros((2, 3)))
    s = Tensor(np.array(5.0), requires_grad=True)
    y = Tensor(np.zeros((2, 3)), requires_grad=True)
    ag.index_put(y, (0, slice(1, 3)), s).sum().backward()
    assert s.grad.item() == 2.0
    np.testing.assert_array_equal(y.grad.detach().numpy(), [[1, 0, 0], [1, 1, 1]])
    with pytest.raises(ValueError, match=r"index_put: value of shape \(2,\) does not broadcast to the indexed "
                                         r"shape \(3,\)"):
        ag.index_put(y, 0, np.ones(2))


def test_setitem_plain_and_recorded():
    torch = require_torch()
    x = Tensor(np.zeros((3, 4)))
    x[1] = 2.0
    x[:, np.array([0, 3])] = np.array([7.0, 8.0])
    x[Tensor(np.array([True, False, False]))] = Tensor(np.ones(4)) * 5.0
    expected = np.zeros((3, 4))
    expected[1] = 2.0
    expected[:, [0, 3]] = [7.0, 8.0]
    expected[0] = 5.0
    np.testing.assert_array_equal(x.detach().numpy(), expected)
    assert x._version == 3 and x.grad_fn is None
    a0, v0 = RNG.standard_normal((3, 4)), RNG.standard_normal(4)
    a, v = Tensor(a0, requires_grad=True), Tensor(v0, requires_grad=True)
    y = a * 1.5 + 0.5
    y[0] = v * 2.0
    y[:, 1] = 0.0
    (y * y).sum().backward()
    ta, tv = torch.tensor(a0, requires_grad=True), torch.tensor(v0, requires_grad=True)
    ty = ta * 1.5 + 0.5
    ty[0] = tv * 2.0
    ty[:, 1] = 0.0
    (ty * ty).sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-14)
    np.testing.assert_allclose(a.grad.detach().numpy(), ta.grad.numpy(), rtol=1e-13)
    np.testing.assert_allclose(v.grad.detach().numpy(), tv.grad.numpy(), rtol=1e-13)


def test_setitem_bad_index_and_value():
    x = Tensor(np.zeros((3, 4)))
    with pytest.raises(IndexError):
        x[3] = 1.0
    with pytest.raises(ValueError):
        x[0] = np.ones(3)
    y = Tensor(np.zeros((3, 4)), requires_grad=True) * 1.0
    with pytest.raises(IndexError, match=r"index_put: index 3 is out of range for axis 0 with size 3"):
        y[3] = 1.0


# -- concatenate / stack ---------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cat_and_stack_match_torch(dtype):
    torch = require_torch()
    arrays = [RNG.standard_normal((2, k, 3)).astype(dtype) for k in (1, 4, 2)]
    xs = [Tensor(a, requires_grad=True) for a in arrays]
    out = ag.cat(xs, dim=1)
    assert ag.concatenate is ag.cat and out.dtype == dtype and out.shape == (2, 7, 3)
    txs = [torch.tensor(a, requires_grad=True) for a in arrays]
    tout = torch.cat(txs, dim=1)
    w = RNG.standard_normal(out.shape).astype(dtype)
    out.backward(w)
    tout.backward(torch.from_numpy(w))
    np.testing.assert_array_equal(out.detach().numpy(), tout.detach().numpy())
    for x, tx in zip(xs, txs):
        assert x.grad.dtype == dtype
        np.testing.assert_array_equal(x.grad.detach().numpy(), tx.grad.numpy())
    same = [RNG.standard_normal((2, 3)).astype(dtype) for _ in range(3)]
    for axis in (0, 1, 2, -1, -3):
        ys = [Tensor(a, requires_grad=True) for a in same]
        tys = [torch.tensor(a, requires_grad=True) for a in same]
        out, tout = ag.stack(ys, axis=axis), torch.stack(tys, dim=axis)
        assert out.shape == tuple(tout.shape)
        w = RNG.standard_normal(out.shape).astype(dtype)
        out.backward(w)
        tout.backward(torch.from_numpy(w))
        for y, ty in zip(ys, tys):
            np.testing.assert_array_equal(y.grad.detach().numpy(), ty.grad.numpy())


def test_cat_mixed_grad_and_promotion():
    a = Tensor(np.ones((1, 2), dtype=np.float32), requires_grad=True)
    b = Tensor(np.array([[1, 2]]))  # int64 without grad
    c = Tensor(np.ones((1, 2)), requires_grad=True)  # float64
    out = ag.cat([a, b], axis=0)
    assert out.dtype == np.float32
    out2 = ag.concatenate((a, c), axis=0)
    assert out2.dtype == np.float64
    (out2 * 2.0).sum().backward()
    assert a.grad.dtype == np.float32 and c.grad.dtype == np.float64
    np.testing.assert_array_equal(a.grad.detach().numpy(), [[2.0, 2.0]])
    assert ag.cat([a]) is a
    assert ag.gradgradcheck(lambda p, q: ag.cat([p * p, q ** 3], axis=1), [c, c * 1.0])


def test_cat_and_stack_errors():
    with pytest.raises(ValueError, match=r"concatenate: tensor 2 has shape \(3, 4\) but tensor 0 has shape \(2, 3\); "
                                         r"expected equal sizes on every axis except axis 1\."):
        ag.cat([ag.zeros(2, 3), ag.zeros(2, 5), ag.zeros(3, 4)], dim=1)
    with pytest.raises(ValueError, match=r"concatenate: zero-dimensional tensors cannot be concatenated"):
        ag.cat([Tensor(1.0), Tensor(2.0)])
    with pytest.raises(ValueError, match=r"concatenate: expected a non-empty sequence of tensors"):
        ag.cat([])
    with pytest.raises(TypeError, match=r"concatenate: expected a sequence of tensors; got a single Tensor"):
        ag.cat(ag.zeros(2))
    with pytest.raises(ValueError, match=r"stack: tensor 1 has shape \(3,\) but tensor 0 has shape \(2,\)"):
        ag.stack([ag.zeros(2), ag.zeros(3)])
    with pytest.raises(ValueError, match=r"stack: axis -3 is out of range for a tensor with 2 dims"):
        ag.stack([ag.zeros(2), ag.zeros(2)], axis=-3)


# -- split / chunk ---------------------------------------------------------------------------
@pytest.mark.parametrize("size,n,axis", [(2, 5, 0), (3, 9, 0), ([1, 0, 4], 5, 0), ((2, 3), 5, 1), (7, 5, 1),
                                         (1, 3, -1)])
def test_split_matches_torch(size, n, axis):
    torch = require_torch()
    shape = [2, 2]
    shape[axis] = n
    a0 = RNG.standard_normal(shape)
    x = Tensor(a0, requires_grad=True)
    parts = x.split(size, axis=axis)
    tx = torch.tensor(a0, requires_grad=True)
    tparts = torch.split(tx, list(size) if isinstance(size, tuple) else size, dim=axis)
    assert isinstance(parts, tuple) and len(parts) == len(tparts)
    loss, tloss = 0.0, 0.0
    for k, (p, tp) in enumerate(zip(parts, tparts)):
        assert p.shape == tuple(tp.shape)
        np.testing.assert_array_equal(p.detach().numpy(), tp.detach().numpy())
        loss = loss + (p * float(k + 1)).sum() * p.sum()
        tloss = tloss + (tp * float(k + 1)).sum() * tp.sum()
    loss.backward()
    tloss.backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), tx.grad.numpy(), rtol=1e-13)


@pytest.mark.parametrize("n,chunks", [(6, 4), (5, 2), (2, 5), (0, 3), (7, 7), (1, 1)])
def test_chunk_matches_torch(n, chunks):
    torch = require_torch()
    a0 = RNG.standard_normal((3, n))
    parts = ag.chunk(Tensor(a0), chunks, dim=1)
    tparts = torch.chunk(torch.from_numpy(a0), chunks, dim=1)
    assert [p.shape for p in parts] == [tuple(t.shape) for t in tparts]
    for p, tp in zip(parts, tparts):
        np.testing.assert_array_equal(p.detach().numpy(), tp.numpy())
    x = Tensor(a0, requires_grad=True)
    if n:
        ag.cat(x.chunk(chunks, axis=1)[::-1], axis=1).backward(np.arange(3.0 * n).reshape(3, n))
        parts_sizes = [p.shape[1] for p in parts]
        expected = np.split(np.arange(3.0 * n).reshape(3, n), np.cumsum(parts_sizes[::-1])[:-1], axis=1)[::-1]
        np.testing.assert_array_equal(x.grad.detach().numpy(), np.concatenate(expected, axis=1))


def test_split_chunk_errors():
    x = ag.zeros(5, 2)
    with pytest.raises(ValueError, match=r"split: section sizes must sum to the size of axis 0; got \[2, 2\] "
                                         r"\(sum 4\), expected sum 5\."):
        x.split([2, 2])
    with pytest.raises(ValueError, match=r"split: split_size must be positive; got -1"):
        x.split(-1)
    with pytest.raises(ValueError, match=r"split: section sizes must be non-negative; got \[6, -1\]"):
        x.split([6, -1])
    with pytest.raises(TypeError, match=r"split: split_size_or_sections must be an int or a list of ints; got float"):
        x.split(2.5)
    with pytest.raises(ValueError, match=r"split: axis 2 is out of range for a tensor with 2 dims"):
        x.split(1, axis=2)
    with pytest.raises(ValueError, match=r"chunk: a 0-d tensor cannot be split"):
        Tensor(1.0).chunk(2)
    with pytest.raises(ValueError, match=r"chunk: chunks must be positive; got -2, expected an int >= 1\."):
        x.chunk(-2)
    with pytest.raises(TypeError, match=r"chunk: chunks must be an int; got float"):
        x.chunk(2.0)


# -- pad ---------------------------------------------------------------------------------
@pytest.mark.parametrize("pad_width", [1, (1, 2), ((0, 1), (2, 0), (1, 1)), [[3, 0]], ((0, 0), (0, 0), (0, 0))])
def test_pad_matches_numpy_and_torch(pad_width):
    torch = require_torch()
    a0 = RNG.standard_normal((2, 3, 2)).astype(np.float32)
    x = Tensor(a0, requires_grad=True)
    out = ag.pad(x, pad_width, value=-2.5)
    ref = np.pad(a0, pad_width, constant_values=-2.5)
    np.testing.assert_array_equal(out.detach().numpy(), ref)
    assert out.dtype == np.float32
    pairs = np.broadcast_to(np.asarray(pad_width), (3, 2))
    tx = torch.tensor(a0, requires_grad=True)
    tout = torch.nn.functional.pad(tx, [int(v) for p in pairs[::-1] for v in p], value=-2.5)
    np.testing.assert_array_equal(out.detach().numpy(), tout.detach().numpy())
    w = RNG.standard_normal(out.shape).astype(np.float32)
    out.backward(w)
    tout.backward(torch.from_numpy(w))
    np.testing.assert_array_equal(x.grad.detach().numpy(), tx.grad.numpy())


def test_pad_double_backward_and_errors():
    x = Tensor(RNG.standard_normal((2, 3)), requires_grad=True)
    assert ag.gradgradcheck(lambda t: ag.pad(t * t, ((1, 0), (0, 2)), value=1.0) ** 2, [x])
    with pytest.raises(ValueError, match=r"pad: pad widths must be non-negative; got \(-1, 1\)"):
        ag.pad(x, (-1, 1))
    with pytest.raises(ValueError, match=r"pad: pad_width .* does not fit a tensor with 2 dims"):
        ag.pad(x, ((1, 1), (1, 1), (1, 1)))
    with pytest.raises(ValueError, match=r"pad: pad_width \(1, 2, 3\) has shape \(3,\); expected an int"):
        ag.pad(x, (1, 2, 3))
    with pytest.raises(TypeError, match=r"pad: pad_width must hold ints; got 1.5"):
        ag.pad(x, 1.5)


def test_jacobian_uses_stack_of_rows():
    jac = ag.functional.jacobian(lambda t: ag.cat([t * 2.0, t[:1] ** 2]), Tensor(np.array([3.0, 4.0])))
    np.testing.assert_allclose(jac.detach().numpy(), [[2.0, 0.0], [0.0, 2.0], [6.0, 0.0]])


# -- random indices (hypothesis) ------------------------------------------------------------
def _random_index(draw, st, shape):
    """One index per axis; with an integer array, no ints (numpy and torch place the axes of
    an int separated from an array differently: we follow numpy, checked above)."""
    with_array = draw(st.booleans())
    kinds = ["array", "slice", "full"] if with_array else ["int", "slice", "full"]
    items = []
    arrays = 0
    for n in shape:
        kind = draw(st.sampled_from(kinds if arrays == 0 else ["slice", "full"]))
        if kind == "int":
            items.append(draw(st.integers(-n, n - 1)))
        elif kind == "slice":
            start = draw(st.integers(0, n))
            items.append(slice(start, draw(st.integers(start, n)), draw(st.integers(1, 2))))
        elif kind == "array":
            arrays += 1
            items.append(np.array(draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=5)), dtype=np.int64))
        else:
            items.append(slice(None))
    return tuple(items)


def test_random_indices_match_torch_and_gradcheck():
    torch = require_torch()
    from hypothesis import given
    from hypothesis import strategies as st

    @given(st.lists(st.integers(1, 4), min_size=1, max_size=3), st.data())
    def check(shape, data):
        index = _random_index(data.draw, st, shape)
        a0 = np.random.default_rng(len(shape)).standard_normal(shape)
        x = Tensor(a0, requires_grad=True)
        out = x[index]
        np.testing.assert_array_equal(out.detach().numpy(), a0[index])
        tx = torch.tensor(a0, requires_grad=True)
        tout = tx[_tidx(torch, index)]
        assert out.shape == tuple(tout.shape)
        v = np.random.default_rng(0).standard_normal(out.shape)
        (g,) = ag.grad(out, x, v)
        (tg,) = torch.autograd.grad(tout, tx, torch.from_numpy(v))
        np.testing.assert_allclose(g.detach().numpy(), tg.numpy(), rtol=1e-12, atol=1e-14)
        assert ag.gradcheck(lambda t: t[index], [x])

    check()
