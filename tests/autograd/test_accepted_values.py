"""Which data a Tensor accepts (numeric kinds only, native byte order) and who may require grad."""
import re

import numpy as np
import pytest

import nn
from autograd import Tensor

NOT_NUMERIC = [
    ("Python objects", "object", np.array([object(), 1], dtype=object)),
    ("Python objects", "object", None),
    ("strings", "<U3", "abc"),
    ("strings", "<U21", [1, "a"]),
    ("strings", "<U1", np.str_("a")),
    ("bytes", "|S2", b"ab"),
    ("datetimes", "datetime64[D]", np.datetime64("2020-01-01")),
    ("datetimes", "datetime64[s]", np.array(["2020-01-01T00:00:00"], dtype="M8[s]")),
    ("timedeltas", "timedelta64[s]", np.array([1, 2], dtype="m8[s]")),
    ("structured (void) data", "[('a', '<f4')]", np.zeros(2, dtype=[("a", "f4")])),
]


@pytest.mark.parametrize("what, dtype, data", NOT_NUMERIC, ids=[f"{d[0]}-{d[1]}" for d in NOT_NUMERIC])
def test_non_numeric_data_is_refused(what, dtype, data):
    msg = (f"Tensor: cannot make a tensor from {what}; got dtype {dtype}, expected bool, integer, floating or "
           f"complex numbers (a number, a nested list of numbers or an ndarray).")
    with pytest.raises(TypeError, match=re.escape(msg)):
        Tensor(data)


def test_non_numeric_dtype_argument_is_refused():
    with pytest.raises(TypeError, match=r"Tensor: cannot make a tensor from Python objects; got dtype object"):
        Tensor([1.0, 2.0], dtype=object)
    with pytest.raises(TypeError, match=r"Tensor: cannot make a tensor from strings"):
        Tensor([1.0, 2.0], dtype=str)
    with pytest.raises(TypeError, match=r"Tensor: cannot make a tensor from Python objects"):
        nn.Parameter(np.array([1.0, None], dtype=object))


@pytest.mark.parametrize("dtype", [">f4", ">f8", ">i8", ">c16"])
def test_big_endian_data_becomes_native(dtype):
    raw = np.arange(3).astype(dtype)
    t = Tensor(raw)
    assert t.dtype == np.dtype(dtype).newbyteorder("=") and t.dtype.isnative
    np.testing.assert_array_equal(t.detach().numpy(), raw)
    assert Tensor([1, 2], dtype=dtype).dtype.isnative


def test_big_endian_floats_go_through_ops():
    """Used to fail: 'must share one floating dtype; got float32, float32, float32'."""
    x = Tensor(np.array([1.0, 2.0, 3.0], dtype=">f4"), requires_grad=True)
    w = Tensor(np.ones((3, 2), dtype=">f4"), requires_grad=True)
    b = Tensor(np.zeros(2, dtype=np.float32), requires_grad=True)
    y = nn.functional.linear(x, w.T, b)
    (y * y).sum().backward()
    assert y.dtype == np.float32
    np.testing.assert_allclose(x.grad.detach().numpy(), 2 * 6.0 * np.ones(3) * 2, rtol=1e-6)
    p = nn.Parameter(np.ones(2, dtype=">f8"))
    assert p.dtype == np.float64 and p.dtype.isnative


def test_native_ndarray_is_kept_without_copy():
    a = np.ones(4, dtype=np.float32)
    assert Tensor(a).numpy() is a
    c = np.ones(2, dtype=np.complex128)
    assert Tensor(c).numpy() is c  # complex data is fine without grad


def test_complex_tensor_cannot_require_grad():
    msg = "Tensor: complex tensors cannot require grad; got dtype complex128, expected a floating dtype."
    with pytest.raises(TypeError, match=re.escape(msg)):
        Tensor(np.array([1 + 2j]), requires_grad=True)
    with pytest.raises(TypeError, match=r"Tensor: complex tensors cannot require grad; got dtype complex64"):
        Tensor(np.ones(2, dtype=np.complex64)).requires_grad_()
    assert Tensor(np.ones(2, dtype=np.float16), requires_grad=True).requires_grad
