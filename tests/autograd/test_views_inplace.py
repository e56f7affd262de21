"""Memory shared is state shared: views, detach, in-place ops and augmented assignment,
checked against PyTorch (issue: never a silent wrong result)."""
import numpy as np
import pytest

import autograd as ag
import nn
import optim
from autograd import Tensor

torch = pytest.importorskip("torch")

A = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
B = np.array([[1.0, 2.0, -3.0], [0.5, -0.5, 4.0]])


def leaf(lib, values=A, requires_grad=True):
    if lib is ag:
        return Tensor(np.array(values, dtype=np.float64), requires_grad=requires_grad)
    return torch.tensor(np.array(values, dtype=np.float64), requires_grad=requires_grad)


def arr(t):
    if t is None:
        return None
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


# Each case builds a graph with in-place changes through views and returns the tensors whose
# values and gradients must equal PyTorch's.
def view_add_then_mul(lib):
    x = leaf(lib)
    y = x * 1.0
    y.reshape(6).mul_(10.0)
    y.sum().backward()
    return y, x.grad


def row_view_mul(lib):
    x = leaf(lib)
    y = x * 1.0
    y[0].mul_(10.0)
    (y * y).sum().backward()
    return y, x.grad


def slice_view_times_tensor(lib):
    x, w = leaf(lib), leaf(lib, B)
    y = x * 1.0
    y[:, 1:].mul_(w[:, 1:])
    (y * y).sum().backward()
    return y, x.grad, w.grad


def overlapping_sibling_views(lib):
    x = leaf(lib)
    y = x * 1.0
    row, col = y[0], y[:, 0]
    row.mul_(3.0)  # col[0] shares row[0]'s memory: col's history must follow
    (col * col).sum().backward()
    return col, x.grad


def transpose_view_after_base_inplace(lib):
    x = leaf(lib)
    y = x * 1.0
    t = y.T
    y.mul_(2.0)
    (t * t).sum().backward()
    return t, x.grad


def copy_into_view_of_plain_tensor(lib):
    w = leaf(lib, B)
    z = leaf(lib, A, requires_grad=False)
    z[1].copy_(w[0] * 2.0)
    (z * z).sum().backward()
    return z, w.grad


def view_of_view_add(lib):
    x, w = leaf(lib), leaf(lib, B)
    y = x * 3.0
    v = y.T[1:]  # (2, 2) view of a view
    v.add_(w.T[1:] * 2.0)
    (y * x).sum().backward()
    return y, x.grad, w.grad


def split_pieces_are_views(lib):
    x = leaf(lib)
    y = x * 1.0
    # PyTorch refuses in-place changes of split's outputs; its narrow views give the same answer
    first, second = (y[:, :2], y[:, 2:]) if lib is torch else y.split(2, axis=1)
    second.mul_(-2.0)
    (y.sin() + first.sum()).sum().backward()
    return y, x.grad


def augmented_assignment_records(lib):
    x, w = leaf(lib), leaf(lib, B)
    y = x * 2.0
    y += w
    y *= x
    y -= 1.0
    y /= w.abs() + 1.0
    y.sum().backward()
    return y, x.grad, w.grad


def squeeze_unsqueeze_flatten_share_memory(lib):
    x = leaf(lib)
    y = x * 1.0
    y.unsqueeze(0).squeeze(0).flatten()[1:3].add_(5.0)
    (y ** 2).sum().backward()
    return y, x.grad


CASES = [view_add_then_mul, row_view_mul, slice_view_times_tensor, overlapping_sibling_views,
         transpose_view_after_base_inplace, copy_into_view_of_plain_tensor, view_of_view_add,
         split_pieces_are_views, augmented_assignment_records, squeeze_unsqueeze_flatten_share_memory]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.__name__)
def test_inplace_through_views_matches_torch(case):
    ours, theirs = case(ag), case(torch)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(arr(a), arr(b), rtol=1e-12, atol=1e-12)


# -- modified saved tensors: PyTorch's RuntimeError, never a stale gradient ------------------
def saved_changed_through_reshape_view(lib):
    x = leaf(lib)
    y = x * 1.0
    z = (y * y).sum()
    y.reshape(6).add_(1.0)
    z.backward()


def saved_changed_through_detach(lib):
    x = leaf(lib)
    z = (x * x).sum()
    x.detach().add_(1.0)
    z.backward()


def saved_output_changed_through_detach(lib):
    x = leaf(lib)
    y = x.exp()
    alias = y.detach()
    z = y.sum()
    del y  # the output dies; its detached alias still shares the counter
    alias.mul_(2.0)
    z.backward()


def saved_changed_through_row_view(lib):
    x = leaf(lib)
    y = x * 1.0
    z = y.tanh().sum()  # tanh saves its output, a new tensor: y's own change is fine...
    w = (y * 3.0).sum()
    y2 = y.exp()  # ...but exp of y saves y's output, changed below through a view of it
    y2[0].zero_()
    (z + w + y2.sum()).backward()


@pytest.mark.parametrize("case", [saved_changed_through_reshape_view, saved_changed_through_detach,
                                  saved_output_changed_through_detach, saved_changed_through_row_view],
                         ids=lambda c: c.__name__)
def test_modified_saved_tensor_raises_like_torch(case):
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        case(torch)
    with pytest.raises(RuntimeError, match=r"backward: one of the variables needed for gradient computation has been "
                                           r"modified by an inplace operation: (saved item \d|its output) of '\w+' "
                                           r"\(shape \(\d(, \d)*\), float64\) is at version \d; expected version \d\."):
        case(ag)


def test_error_names_op_saved_item_and_versions():
    x = leaf(ag)
    y = x * 2.0
    z = (y * y.exp()).sum()
    y.reshape(6).add_(1.0)
    y.T.mul_(2.0)
    with pytest.raises(RuntimeError, match=r"saved item 0 of 'mul' \(shape \(2, 3\), float64\) is at version 2; "
                                           r"expected version 0\. Hint: use an out-of-place op, or clone\(\)"):
        z.backward()


def make_model():
    ag.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))


def test_optimizer_step_between_forward_and_backward_raises():
    model = make_model()
    opt = optim.SGD(model.parameters(), lr=0.1)
    loss = (model(Tensor(np.ones((5, 3), np.float32))) ** 2).sum()
    loss.backward(retain_graph=True)
    v = model[2].weight._version  # nn.init counted its changes at construction
    opt.step()
    with pytest.raises(RuntimeError, match=rf"modified by an inplace operation: saved item 1 of 'linear' "
                                           rf"\(shape \(2, 4\), float32\) is at version {v + 1}; expected version {v}\."):
        loss.backward()


def test_load_state_dict_and_init_between_forward_and_backward_raise():
    model = make_model()
    loss = model(Tensor(np.ones((5, 3), np.float32))).sum()
    v = model[2].weight._version
    model.load_state_dict(make_model().state_dict())
    with pytest.raises(RuntimeError, match=rf"saved item \d of 'linear' .* is at version {v + 1}; expected version {v}"):
        loss.backward()
    loss = model(Tensor(np.ones((5, 3), np.float32))).sum()
    v = model[0].weight._version
    nn.init.kaiming_uniform_(model[0].weight)
    with pytest.raises(RuntimeError, match=rf"saved item 1 of 'linear' \(shape \(4, 3\), float32\) is at version "
                                           rf"{v + 1}; expected version {v}"):
        loss.backward()


def test_state_dict_values_share_the_version_counter():
    model = make_model()
    sd = model.state_dict()
    loss = model(Tensor(np.ones((2, 3), np.float32))).sum()
    v = model[0].weight._version
    sd["0.weight"].add_(1.0)
    assert model[0].weight._version == sd["0.weight"]._version == v + 1
    with pytest.raises(RuntimeError, match=r"saved item 1 of 'linear'"):
        loss.backward()


# -- views share one version counter -----------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda y: y.reshape(6), lambda y: y.view(3, 2), lambda y: y.T, lambda y: y.transpose(0, 1),
    lambda y: y.permute(1, 0), lambda y: y.unsqueeze(0), lambda y: y.flatten(), lambda y: y[0],
    lambda y: y[:, 1:], lambda y: y[..., None], lambda y: y.detach(), lambda y: y[None].squeeze(0),
    lambda y: y.split(1)[1], lambda y: y.chunk(3, dim=1)[2],
], ids=["reshape", "view", "T", "transpose", "permute", "unsqueeze", "flatten", "int", "slice",
        "None", "detach", "squeeze", "split", "chunk"])
def test_views_share_memory_and_version(make):
    y = Tensor(np.arange(6.0).reshape(2, 3)) * 1.0
    v = make(y)
    assert np.shares_memory(v.data, y.data)
    v.mul_(2.0)
    assert y._version == v._version == 1
    y.add_(1.0)
    assert v._version == 2
    t = make(torch.arange(6.0, dtype=torch.float64).reshape(2, 3) * 1.0)
    t.mul_(2.0)
    np.testing.assert_array_equal(v.data, make(Tensor(np.arange(6.0).reshape(2, 3) * 1.0)).data * 0 + arr(t) + 1.0)


def test_reshape_that_copies_is_not_a_view():
    y = Tensor(np.arange(6.0).reshape(2, 3)).T  # non-contiguous: reshape must copy
    r = y.reshape(6)
    assert not np.shares_memory(r.data, y.data)
    r.add_(1.0)
    assert y._version == 0 and r._version == 1


def test_expand_view_refuses_inplace_like_torch():
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor refers to a single"):
        torch.ones(3, 1).expand(3, 4).add_(1.0)
    with pytest.raises(RuntimeError, match=r"add_: unsupported operation: more than one element of the written-to "
                                           r"tensor refers to a single memory location"):
        Tensor(np.ones((3, 1))).expand(3, 4).add_(1.0)


def test_view_of_leaf_requiring_grad_refuses_inplace_in_grad_mode():
    for lib in (torch, ag):
        w = leaf(lib)
        with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad is being used in an "
                                               "in-place operation"):
            w[0].add_(1.0)
        with lib.no_grad():
            w[0].add_(1.0)  # allowed without recording, and it writes into the leaf
        np.testing.assert_array_equal(arr(w)[0], A[0] + 1.0)


def test_view_made_in_no_grad_refuses_inplace_in_grad_mode():
    for lib in (torch, ag):
        y = leaf(lib) * 1.0
        with lib.no_grad():
            v = y[0]
        with pytest.raises(RuntimeError, match="view was created in no_grad mode and is being modified in"):
            v.mul_(2.0)


# -- augmented assignment is in place ------------------------------------------------------
def test_sgd_by_hand_with_augmented_assignment_updates_the_parameter():
    results = []
    for lib in (ag, torch):
        w = leaf(lib)
        memory = arr(w)
        for _ in range(3):
            loss = ((w * w) * 0.5).sum()
            loss.backward()
            with lib.no_grad():
                w -= 0.1 * w.grad
                w.grad.zero_()
        assert w._version == 3 and w.is_leaf and w.requires_grad
        if lib is ag:
            assert np.shares_memory(w.data, memory)  # same memory, not a rebound name
        results.append(arr(w))
    np.testing.assert_allclose(results[0], results[1], rtol=1e-14)
    np.testing.assert_allclose(results[0], A * 0.9 ** 3, rtol=1e-14)


@pytest.mark.parametrize("op", ["+=", "-=", "*=", "/="])
def test_augmented_assignment_on_leaf_requiring_grad_raises(op):
    for lib in (torch, ag):
        w = leaf(lib)
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
            exec(f"w {op} 2.0", {"w": w})


def test_augmented_assignment_keeps_identity_and_dtype():
    x = Tensor(np.arange(3, dtype=np.int64))
    same = x
    x += 2
    assert same is x and x.dtype == np.int64 and x.tolist() == [2, 3, 4] and x._version == 1
    with pytest.raises(TypeError, match=r"add_: result type float(32|64) can't be cast to the dtype of the tensor "
                                        r"written in place; got float(32|64), expected int64"):
        x += 0.5
    with pytest.raises(RuntimeError):
        t = torch.arange(3)
        t += 0.5
    f = Tensor(np.ones(3, np.float32))
    f *= Tensor(np.full(3, 2.0))  # float64 operand into float32 memory: same kind, cast as PyTorch
    assert f.dtype == np.float32 and f.tolist() == [2.0, 2.0, 2.0]


def test_view_never_copies_like_torch():
    y = Tensor(np.arange(6.0).reshape(2, 3)).T  # non-contiguous
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        torch.arange(6.0).reshape(2, 3).T.view(6)
    with pytest.raises(RuntimeError, match=r"view: a tensor of shape \(3, 2\) and strides \(8, 24\) cannot be "
                                           r"viewed as \(6,\) without copying.*Hint: use \.reshape"):
        y.view(6)
    assert not y.is_contiguous() and y.contiguous().is_contiguous() and y.contiguous() is not y
    v = y.contiguous().view(6)
    np.testing.assert_array_equal(v.data, [0.0, 3.0, 1.0, 4.0, 2.0, 5.0])
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert x.contiguous() is x
    (x.T.contiguous().view(6) * Tensor(np.arange(6.0))).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[0.0, 2.0, 4.0], [1.0, 3.0, 5.0]])
