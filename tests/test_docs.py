"""Every public function, class and method of autograd/, nn/ and optim/ has a docstring, and
every differentiable op's docstring carries its VJP derivation and its rule as data."""
import ast
import pathlib

import pytest

from tests.autograd.op_db import OPS

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _public_defs_without_docstring():
    missing = []
    for pkg in ("autograd", "nn", "optim"):
        for path in sorted((ROOT / pkg).rglob("*.py")):
            rel = path.relative_to(ROOT)
            if any(part.startswith("_") and part != "__init__.py" for part in rel.parts):
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            stack = [(tree, "")]
            while stack:
                node, prefix = stack.pop()
                for child in ast.iter_child_nodes(node):
                    if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                        if not child.name.startswith("_") and ast.get_docstring(child) is None:
                            missing.append(f"{rel}:{child.lineno} {prefix}{child.name}")
                        if isinstance(child, ast.ClassDef) and not child.name.startswith("_"):
                            stack.append((child, prefix + child.name + "."))
    return missing


def test_public_definitions_have_docstrings():
    assert _public_defs_without_docstring() == []


@pytest.mark.parametrize("info", [i for i in OPS if i.function is not None], ids=lambda i: i.name)
def test_op_documents_its_vjp(info):
    fn = info.function
    assert fn.__doc__ and "VJP" in fn.__doc__, f"{fn.__name__} docstring lacks a 'VJP' derivation"
    if info.grad:
        assert fn.rule and fn.rule_latex, f"{fn.__name__} lacks rule / rule_latex data"
    assert fn.name, f"{fn.__name__} has no public name"
