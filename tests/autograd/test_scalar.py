"""`Scalar`, the micrograd `Value` drop-in: micrograd's own test expressions against PyTorch
in float64, and its attribute names (`_prev`, `_op`, `label`, grads on every node)."""
import gc
import math

import numpy as np
import pytest

from autograd import Scalar

from ..conftest import require_torch
from .micrograd_cases import more_ops_expr, sanity_check_expr


def _t(torch, v):
    return torch.tensor([v], dtype=torch.float64, requires_grad=True)


def test_micrograd_sanity_check():
    torch = require_torch()
    x = Scalar(-4.0)
    y = sanity_check_expr(x)
    y.backward()

    tx = _t(torch, -4.0)
    ty = sanity_check_expr(tx)
    ty.backward()

    assert y.data == ty.item()
    assert x.grad == tx.grad.item()
    assert (y.data, x.grad) == (-20.0, 46.0)


def test_micrograd_more_ops():
    torch = require_torch()
    a = Scalar(-4.0)
    b = Scalar(2.0)
    g = more_ops_expr(a, b)
    g.backward()

    ta, tb = _t(torch, -4.0), _t(torch, 2.0)
    tg = more_ops_expr(ta, tb)
    tg.backward()

    assert abs(g.data - tg.item()) < 1e-12
    assert abs(a.grad - ta.grad.item()) < 1e-12 * abs(ta.grad.item())
    assert abs(b.grad - tb.grad.item()) < 1e-12 * abs(tb.grad.item())
    assert abs(g.data - 24.70408163265306) < 1e-12


@pytest.mark.parametrize("name", ["tanh", "exp", "sigmoid", "sin", "cos", "log", "relu"])
def test_unary_functions_match_torch(name):
    torch = require_torch()
    for v in (-1.0, 0.123, 2.0):
        if name == "log" and v <= 0:
            continue
        x = Scalar(v)
        y = getattr(x, name)()
        y.backward()
        tx = _t(torch, v)
        ty = getattr(torch, name)(tx)
        ty.backward()
        assert abs(y.data - ty.item()) < 1e-12
        assert abs(x.grad - tx.grad.item()) < 1e-12


def test_binary_ops_and_reflected_forms_match_torch():
    torch = require_torch()
    a, b = Scalar(1.5), Scalar(-0.7)
    out = (a / b - 3.0 / a + (2.0 - b) * a - b ** 2 + 2 ** a + (-a)) * 0.5
    out.backward()
    ta, tb = _t(torch, 1.5), _t(torch, -0.7)
    tout = (ta / tb - 3.0 / ta + (2.0 - tb) * ta - tb ** 2 + 2 ** ta + (-ta)) * 0.5
    tout.backward()
    assert abs(out.data - tout.item()) < 1e-12
    assert abs(a.grad - ta.grad.item()) < 1e-12
    assert abs(b.grad - tb.grad.item()) < 1e-12


def test_scalar_pow_scalar():
    torch = require_torch()
    a, b = Scalar(1.7), Scalar(2.3)
    y = a ** b
    y.backward()
    ta, tb = _t(torch, 1.7), _t(torch, 2.3)
    (ta ** tb).backward()
    assert abs(y.data - 1.7 ** 2.3) < 1e-12
    assert abs(a.grad - ta.grad.item()) < 1e-12
    assert abs(b.grad - tb.grad.item()) < 1e-12
    assert abs(b.grad - 1.7 ** 2.3 * math.log(1.7)) < 1e-12
    assert y._op == "**" and y._prev == {a, b}


def test_prev_is_a_set_and_op_symbols():
    a, b = Scalar(2.0, label="a"), Scalar(3.0)
    c = a * b
    assert isinstance(c._prev, set) and c._prev == {a, b}
    assert a._prev == set() and a._op == ""
    assert (a + b)._op == "+" and c._op == "*" and (a - b)._op == "-" and (a / b)._op == "/"
    assert (a ** 2)._op == "**2" and a.relu()._op == "ReLU" and a.tanh()._op == "tanh"
    assert a.exp()._op == "exp" and (-a)._op == "neg"
    d = a + a
    assert d._prev == {a}
    d.backward()
    assert a.grad == 2.0


def test_label_is_alias_of_name():
    a = Scalar(1.0, label="a")
    assert a.label == "a" and a.name == "a"
    a.label = "weight"
    assert a.name == "weight"
    b = Scalar(1.0, name="b")
    assert b.label == "b"


def test_grads_kept_on_every_node():
    a, b = Scalar(2.0), Scalar(-3.0)
    c = a * b
    d = c + a
    e = d.tanh()
    e.backward()
    t = math.tanh(-4.0)
    assert e.grad == 1.0
    assert abs(d.grad - (1 - t * t)) < 1e-15
    assert abs(c.grad - (1 - t * t)) < 1e-15
    assert abs(a.grad - (1 - t * t) * (b.data + 1)) < 1e-15
    assert abs(b.grad - (1 - t * t) * a.data) < 1e-15


def test_grad_starts_at_zero_and_accumulates_like_micrograd():
    a = Scalar(3.0)
    assert a.grad == 0.0
    y = a * a
    y.backward()
    assert a.grad == 6.0
    y2 = a * 2.0
    y2.backward()
    assert a.grad == 8.0


def test_scalar_in_a_small_neuron_matches_numpy():
    rng = np.random.default_rng(0)
    xs, ws = rng.standard_normal(4), rng.standard_normal(4)
    x = [Scalar(v) for v in xs]
    w = [Scalar(v) for v in ws]
    act = sum((wi * xi for wi, xi in zip(w, x)), Scalar(0.1)).tanh()
    act.backward()
    t = np.tanh(xs @ ws + 0.1)
    assert abs(act.data - t) < 1e-12
    np.testing.assert_allclose([wi.grad for wi in w], (1 - t * t) * xs, rtol=1e-12)


def test_errors():
    with pytest.raises(TypeError, match="Scalar: data must be a real number; got str"):
        Scalar("x")
    with pytest.raises(TypeError, match=r"Scalar \*\*: exponent must be a number or a Scalar; got str"):
        Scalar(1.0) ** "2"
    with pytest.raises(ValueError, match=r"Scalar.log: expected a positive value; got -1.0"):
        Scalar(-1.0).log()


def _gc_objects_made(op, n):
    """How many GC-tracked objects n calls of op() leave alive (plus a constant overhead)."""
    kept = [None] * n
    gc.collect()
    gc.disable()
    try:
        before = gc.get_count()[0]
        for i in range(n):
            kept[i] = op()
        return gc.get_count()[0] - before
    finally:
        gc.enable()


def test_an_op_node_is_one_gc_tracked_object():
    # W1 builds ~65,000 nodes a step; the cyclic GC's work grows with every tracked object
    # they keep alive, so +, −, ×, negation and ReLU (the MLP's ops) add exactly one each
    a, b = Scalar(2.0), Scalar(-3.0)
    ops = {"*": lambda: a * b, "+": lambda: a + b, "-": lambda: a - b, "neg": lambda: -a,
           "relu>0": lambda: a.relu(), "relu<0": lambda: b.relu()}
    for name, op in ops.items():
        per_node = _gc_objects_made(op, 20) - _gc_objects_made(op, 10)
        assert (name, per_node) == (name, 10)


def test_op_nodes_have_names_labels_and_local_derivatives():
    a, b = Scalar(2.0), Scalar(-3.0)
    c = a * b
    assert c.name == "" and c.label == ""
    c.label = "c"
    assert c.name == "c" and c.label == "c"
    assert c._local is None and (a + b)._local is None and a._local == ()
    assert (a / b)._local == (1.0 / -3.0, -2.0 / 9.0) and a.tanh()._local == (1.0 - math.tanh(2.0) ** 2,)


def test_hand_made_nodes_pass_gradients_through():
    # micrograd's Value(data, _children, _op): every local derivative is 1
    a, b, c = Scalar(1.0), Scalar(2.0), Scalar(3.0)
    one = Scalar(5.0, _children=(a,), _op="f")
    two = Scalar(6.0, _children=(a, b), _op="+")
    three = Scalar(7.0, _children=(a, b, c), _op="g")
    assert one.next == (a,) and two.next == (a, b) and three.next == (a, b, c)
    assert two._prev == {a, b} and two._op == "+" and three._local == (1.0, 1.0, 1.0)
    out = one * 2.0 + two + three
    out.backward()
    assert (a.grad, b.grad, c.grad) == (4.0, 2.0, 1.0)
    assert (one.grad, two.grad, three.grad) == (2.0, 1.0, 1.0)
