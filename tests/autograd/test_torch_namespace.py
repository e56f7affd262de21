"""``import autograd as torch`` reaches the packages above the engine (issue 15 §5), lazily."""
import subprocess
import sys

import pytest

import autograd as ag


def _run(code):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)


def test_fresh_interpreter_reaches_nn_optim_and_data():
    code = ("import sys\n"
            "import autograd as torch\n"
            "assert 'nn' not in sys.modules and 'optim' not in sys.modules, 'imported eagerly'\n"
            "assert torch.nn.Linear.__module__ == 'nn.linear'\n"
            "assert torch.nn.functional.relu is __import__('nn').functional.relu\n"
            "assert torch.optim.SGD.__module__ == 'optim.sgd'\n"
            "import nn.data\n"
            "assert torch.utils.data.TensorDataset is nn.data.TensorDataset\n"
            "assert torch.utils.data.DataLoader is nn.data.DataLoader\n"
            "assert torch.utils.data.Dataset is nn.data.Dataset\n"
            "from autograd import nn as n2, optim as o2\n"
            "assert n2 is sys.modules['nn'] and o2 is sys.modules['optim']\n"
            "print('ok')\n")
    proc = _run(code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


def test_import_autograd_does_not_import_nn():
    proc = _run("import sys, autograd, autograd.utils.data\n"
                "print(sorted(m for m in ('nn', 'optim', 'nn.data') if m in sys.modules))")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_unknown_names_raise_attribute_error():
    with pytest.raises(AttributeError, match="module 'autograd' has no attribute 'nonexistent'"):
        ag.nonexistent  # noqa: B018
    with pytest.raises(AttributeError, match="module 'autograd.utils.data' has no attribute 'Sampler'"):
        ag.utils.data.Sampler  # noqa: B018
    assert {"nn", "optim", "utils", "device", "cuda"} <= set(dir(ag))
    assert {"DataLoader", "TensorDataset"} <= set(dir(ag.utils.data))


def test_tutorial_data_pipeline_through_torch_names():
    torch = ag
    X, y = torch.randn(10, 3), torch.arange(10)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=4, shuffle=False)
    batches = [yb.tolist() for _, yb in loader]
    assert batches == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
