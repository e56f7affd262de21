"""Tutorial programs run unchanged on PyTorch and on tracegrad (issue 15, "Build and prove").

Each program in tests/tutorials/programs/ is the code of a textbook or tutorial section
(d2l.ai's PyTorch chapters, PyTorch's Quickstart) with the dataset swapped for `DATA`. Its
source text is executed twice, with ``torch`` bound to PyTorch and to `autograd`, and the
numbers it leaves in ``RESULT`` must agree.

The two runs draw different random numbers (initial weights, minibatch order, dropout
masks: each library has its own generator), so the numbers agree within what that
randomness allows, stated per program: trajectories that start from near-zero weights agree
closely, trained networks agree on final loss and accuracy within a band, and every program
must actually learn on both.
"""
import contextlib
import io
import re

import numpy as np
import pytest

import autograd

from . import harness

torch = pytest.importorskip("torch")
# the book's float(l.sum()) on a loss that requires grad: PyTorch warns, the program is as written
pytestmark = pytest.mark.filterwarnings("ignore:Converting a tensor with requires_grad=True to a scalar")


def _last(values):
    return values[-1] if isinstance(values, list) else values


# per program: {key: (rtol, atol)} for values that must agree ("last:" compares a list's final
# value, otherwise whole (nested) lists elementwise; "*" every key), and {key: bound} each
# run's value must stay under ("min:" for a lower bound)
EXACT = ({"*": (1e-5, 1e-6)}, {})
SPECS = {
    "tensors_basics": EXACT,
    "autograd_basics": EXACT,
    "conv_basics": EXACT,
    "parameters_init": EXACT,
    "linreg_scratch": ({"w": (0, 5e-3), "b": (0, 5e-3), "last:losses": (0, 5e-5)}, {"last:losses": 1e-4}),
    "linreg_concise": ({"w": (0, 5e-3), "b": (0, 5e-3), "last:losses": (0, 5e-5)}, {"last:losses": 2e-4}),
    "softmax_scratch": ({"losses": (0.05, 0.02), "test_acc": (0, 0.05), "own_accuracy": (0, 0.05)},
                        {"min:test_acc": 0.85}),
    "softmax_concise": ({"losses": (0.05, 0.02), "test_acc": (0, 0.05)}, {"min:test_acc": 0.85}),
    "mlp_scratch": ({"last:losses": (0.3, 0.05), "test_acc": (0, 0.08)}, {"min:test_acc": 0.8}),
    "mlp_lazy": ({"last:losses": (0.5, 0.05), "test_acc": (0, 0.08), "in_features": (0, 0)},
                 {"min:test_acc": 0.8}),
    "dropout_scratch": ({"last:losses": (0.5, 0.1), "test_acc": (0, 0.15)}, {"min:test_acc": 0.5}),
    "dropout_concise": ({"last:losses": (0.5, 0.1), "test_acc": (0, 0.12)}, {"min:test_acc": 0.7}),
    "batchnorm_scratch": ({"last:losses": (0.5, 0.1), "test_acc": (0, 0.12)}, {"min:test_acc": 0.6}),
    "lenet_lazy": ({"last:losses": (0.6, 0.1), "test_acc": (0, 0.12), "flat_features": (0, 0)},
                   {"min:test_acc": 0.7}),
    "lenet_batchnorm": ({"last:losses": (0.5, 0.1), "test_acc": (0, 0.1), "bn_running_var_mean": (0.3, 0.05),
                         "batches": (0, 0)}, {"min:test_acc": 0.8}),
    "quickstart": ({"last:losses": (0.4, 0.1), "test_acc": (0, 0.1)}, {"min:test_acc": 0.8}),
    "weight_decay": ({"test_loss_decay": (0.3, 0.2), "norm_decay": (0.2, 0), "test_loss_concise": (0.6, 0.5),
                      "norm_concise": (0.3, 0)}, {"test_loss_decay": 5.0, "test_loss_concise": 10.0}),
}



@pytest.fixture(scope="module")
def data():
    return harness.make_images()


def _run(name, module, data):
    with contextlib.redirect_stdout(io.StringIO()):
        return harness.run(name, module, data)


def _assert_same(a, b, rtol, atol, where):
    """Nested lists/tuples of numbers and bools: same structure, bools and ints equal, floats close."""
    if isinstance(b, (list, tuple)):
        assert isinstance(a, (list, tuple)) and len(a) == len(b), f"{where}: {a!r} vs {b!r}"
        for i, (x, y) in enumerate(zip(a, b)):
            _assert_same(x, y, rtol, atol, f"{where}[{i}]")
    elif isinstance(b, (bool, str)):
        assert a == b, f"{where}: {a!r} vs {b!r}"
    else:
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"{where} (tracegrad vs PyTorch)")


def _check(name, ours, theirs):
    agree, bounds = SPECS[name]
    if "*" in agree:
        assert sorted(ours) == sorted(theirs), name
        agree = dict.fromkeys(theirs, agree["*"])
    for key, (rtol, atol) in agree.items():
        last = key.startswith("last:")
        k = key.removeprefix("last:")
        a, b = (_last(ours[k]), _last(theirs[k])) if last else (ours[k], theirs[k])
        _assert_same(a, b, rtol, atol, f"{name}: {key}")
    for key, bound in bounds.items():
        lower = key.startswith("min:")
        k = key.removeprefix("min:").removeprefix("last:")
        for who, result in (("tracegrad", ours), ("PyTorch", theirs)):
            value = _last(result[k])
            assert (value >= bound) if lower else (value <= bound), f"{name}: {who}'s {k} = {value}, bound {bound}"


def _params():
    names = sorted(p.stem for p in harness.PROGRAMS.glob("*.py"))
    assert sorted(SPECS) == names, "every program needs a SPECS entry"
    return names


@pytest.fixture(autouse=True)
def _one_thread():
    # the machine's cores are shared: single-threaded BLAS and torch keep both runs fast
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize("name", _params())
def test_program_agrees_with_pytorch(name, data):
    theirs = _run(name, torch, data)
    ours = _run(name, autograd, data)
    _check(name, ours, theirs)


def test_programs_never_import_torch():
    """The same text runs on both: a program (or the d2l library) must not import torch itself."""
    for path in [*harness.PROGRAMS.glob("*.py"), harness.HERE / "d2l_torch.py"]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(import torch|from torch[ .])", text, re.M), path.name


def test_lazy_programs_saw_eager_classes(data):
    ours = _run("mlp_lazy", autograd, data)
    assert ours["classes"] == "Linear" and ours["in_features"] == 256


def test_d2l_library_holds_the_saved_functions():
    d2l = harness.d2l_module(autograd, harness.make_images(n_train=10, n_test=10))
    for name in ("synthetic_data", "linreg", "squared_loss", "sgd", "load_array", "train_ch3", "train_ch6"):
        assert callable(getattr(d2l, name)), name
    assert d2l.torch is autograd and d2l.try_gpu() == autograd.device("cpu")
