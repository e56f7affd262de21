"""The layers of the code base (STYLE.md §2, §10): nn and optim use autograd's public names
only, and the import contracts of pyproject.toml's ``[tool.importlinter]`` hold."""
import ast
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import autograd as ag
from autograd.graph import increment_version

from .conftest import IN_CI

ROOT = Path(__file__).resolve().parents[1]
ABOVE = ("nn", "optim")  # the packages layered above autograd



def _own_private_attributes():
    """Private attribute names that nn and optim assign on their own objects (``self._x = …``)."""
    names = set()
    for package in ABOVE:
        for path in (ROOT / package).rglob("*.py"):
            names.update(re.findall(r"\bself\.(_[a-z]\w*)\s*=", path.read_text()))
    return names


def _private_attribute_pattern():
    """A regex for the private attributes of Tensor and Node (read from the classes) that nn and
    optim do not define themselves, any ``Tensor._x``, and autograd's private module globals."""
    private = {n for cls in (ag.Tensor, ag.Node) for n in (*dir(cls), *getattr(cls, "__slots__", ()))
               if n.startswith("_") and not n.startswith("__")} - _own_private_attributes()
    return re.compile(r"Tensor\._(?!_)\w+|\.(?:" + "|".join(sorted(private)) + r")\b|"
                      r"\b_default_dtype\b|\b_to_array\b|\b_module_stack\b|\b_adopt_limits\b|\b_engine\b")


PRIVATE_ATTRIBUTES = _private_attribute_pattern()


def _private_uses(path):
    """``(line, text)`` of each use of a private autograd name in the Python file `path`."""
    source = path.read_text()
    tree = ast.parse(source)
    aliases = set()  # names bound to autograd or one of its modules (`import autograd as ag`)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == "autograd":
                    if any(part.startswith("_") for part in a.name.split(".")):
                        out.append((node.lineno, f"import {a.name}"))
                    aliases.add(a.asname or a.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module.split(".")[0] == "autograd":
            if any(part.startswith("_") for part in node.module.split(".")):
                out.append((node.lineno, f"from {node.module} import …"))
            for a in node.names:
                if a.name.startswith("_"):
                    out.append((node.lineno, f"from {node.module} import {a.name}"))
                elif a.name[:1].islower():  # a module or function of autograd
                    aliases.add(a.asname or a.name)
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                and node.attr.startswith("_") and not node.attr.startswith("__")):
            out.append((node.lineno, f"{node.value.id}.{node.attr}"))
    for i, line in enumerate(source.splitlines(), 1):
        code = line.split("#", 1)[0]
        out.extend((i, m.group()) for m in PRIVATE_ATTRIBUTES.finditer(code))
    return out


def test_finder_sees_each_kind_of_private_use(tmp_path):
    """The checker below would catch each spelling it is meant to catch."""
    bad = tmp_path / "bad.py"
    bad.write_text("import autograd as ag\nfrom autograd.tensor import Tensor, _default_dtype\n"
                   "from autograd._fileio import atomic_write\nx = ag._registry\nt = Tensor._make(1, False, None)\n"
                   "t._version += 1\n")
    found = {text for _, text in _private_uses(bad)}
    assert {"from autograd.tensor import _default_dtype", "from autograd._fileio import …", "ag._registry",
            "Tensor._make", "._version"} <= found


def test_nn_and_optim_use_only_public_autograd_names():
    """No `_private` name of autograd is used in nn/ or optim/: they go through the public seam
    (`get_default_dtype`, `from_numpy`, `autograd.graph.increment_version` …)."""
    found = [f"{path.relative_to(ROOT)}:{line}: {text}"
             for package in ABOVE for path in sorted((ROOT / package).rglob("*.py"))
             for line, text in _private_uses(path)]
    assert not found, "private autograd names used above autograd:\n" + "\n".join(found)


def test_increment_version_counts_like_torch():
    """`increment_version` bumps the shared counter of a tensor, of a list of tensors, and makes
    a backward through a graph that saved the old values fail, as in PyTorch."""
    torch = pytest.importorskip("torch")
    ours, theirs = ag.tensor([1.0, 2.0], requires_grad=True), torch.tensor([1.0, 2.0], requires_grad=True)
    ys, ty = (ours * ours).sum(), (theirs * theirs).sum()
    view, tview = ours.detach(), theirs.detach()
    for bump, x, v in ((increment_version, ours, view), (torch.autograd.graph.increment_version, theirs, tview)):
        before = x._version
        bump(v)
        bump([x, x])
        assert x._version == v._version == before + 3
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        ty.backward()
    with pytest.raises(RuntimeError, match=r"^backward: one of the variables needed for gradient computation has "
                                           r"been modified by an inplace operation: saved item 0 of 'mul'"):
        ys.backward()


def test_increment_version_rejects_non_tensors():
    with pytest.raises(TypeError, match=r"^increment_version: expected a Tensor or an iterable of Tensors; "
                                        r"got ndarray\.$"):
        increment_version(np.ones(2))
    with pytest.raises(TypeError, match=r"^increment_version: expected a Tensor or an iterable of Tensors; "
                                        r"got int\.$"):
        increment_version(3)


def test_from_numpy_is_the_non_recording_constructor():
    """nn and optim wrap arrays they made with `autograd.from_numpy`: no copy, no grad."""
    arr = np.arange(3.0)
    t = ag.from_numpy(arr)
    assert t.numpy() is arr and not t.requires_grad and t.grad_fn is None


def test_import_contracts_hold():
    """`lint-imports` keeps every contract of pyproject.toml's ``[tool.importlinter]``: nn and optim
    above autograd and independent of each other; inside autograd grad_mode → tensor → function
    → engine → ops → (scalar, functional, gradcheck, graph) → viz → exercises, with Tensor's
    method-level imports of the ops as the one listed exception; inside ops the registry above
    the families above `common`."""
    try:
        import importlinter  # noqa: F401
    except ImportError:
        (pytest.fail if IN_CI else pytest.skip)("import-linter is not installed (pip install -e '.[dev]')")
    run = subprocess.run([sys.executable, "-c", "from importlinter.cli import lint_imports_command as c; c()",
                          "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    assert re.search(r"Contracts: (\d+) kept, 0 broken", run.stdout).group(1) == "3", run.stdout


OPS_DIR = ROOT / "autograd" / "ops"


def _ops_contract_families():
    """The op modules named in the middle layer of pyproject's ``autograd.ops`` contract."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")  # (tomllib is Python ≥ 3.11)
    layers = re.search(r'containers = \["autograd\.ops"\]\s*layers = \[(.*?)\]', text, re.S).group(1)
    return {name.strip() for layer in re.findall(r'"([^"]*)"', layers) for name in re.split(r"[|:]", layer)}


def test_every_op_module_is_in_the_ops_contract():
    """A module added under autograd/ops/ is placed in the declared layering (an unlisted module
    would be checked by no contract)."""
    modules = {p.stem for p in OPS_DIR.glob("*.py") if p.stem != "__init__"}
    assert modules == _ops_contract_families()


def test_op_modules_are_at_most_600_lines():
    """Issue 11 §3: an op family module a reader can hold; a larger one is split by family (as
    elementwise → elementwise, activation, compare; loss → loss, cross_entropy; reduce →
    reduce, statistics, norm)."""
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in sorted(OPS_DIR.glob("*.py"))}
    assert {name: n for name, n in sizes.items() if n > 600} == {}
