"""No dead code or dead guards (issue 11 §3): every private helper of the ops is used by the
library itself, not only by tests, and no test skips for want of a runtime dependency."""
import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _top_level_names(tree):
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            yield node.name
        elif isinstance(node, ast.Assign):
            yield from (t.id for t in node.targets if isinstance(t, ast.Name))


def _unused_private_op_helpers(root=ROOT):
    """``module:name`` of each private top-level name of autograd/ops/ that nothing in autograd/
    uses: named only at its definition in its module, and imported by no other module."""
    sources = {p: p.read_text(encoding="utf-8") for p in sorted((root / "autograd").rglob("*.py"))}
    unused = []
    for path in sorted((root / "autograd" / "ops").glob("*.py")):
        for name in _top_level_names(ast.parse(sources[path])):
            if not name.startswith("_") or name.startswith("__"):
                continue
            word = re.compile(rf"\b{re.escape(name)}\b")
            imported = re.compile(rf"from \.+(?:ops\.)?{path.stem} import [^\n]*\b{re.escape(name)}\b")
            if len(word.findall(sources[path])) <= 1 and not any(
                    imported.search(text) for other, text in sources.items() if other != path):
                unused.append(f"{path.stem}:{name}")
    return unused


def test_every_private_op_helper_is_used_by_the_library():
    assert _unused_private_op_helpers() == []


def test_finder_sees_an_unused_helper(tmp_path):
    """The check above would catch a helper left behind (here one only a test would call)."""
    ops = tmp_path / "autograd" / "ops"
    ops.mkdir(parents=True)
    (ops / "fam.py").write_text("def _used():\n    pass\n\n\ndef _left(x):\n    return x\n\n\ndef f():\n    _used()\n")
    (ops / "other.py").write_text("from .fam import _used\n")
    assert _unused_private_op_helpers(tmp_path) == ["fam:_left"]


def _runtime_dependencies():
    """The import names of pyproject's ``[project] dependencies`` (scipy, numpy …)."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    deps = re.search(r"^dependencies = \[(.*?)\]", text, re.M | re.S).group(1)
    return {re.match(r"[A-Za-z0-9_.-]+", d).group().lower().replace("-", "_") for d in re.findall(r'"([^"]+)"', deps)}


def test_no_test_skips_for_a_runtime_dependency():
    """``pytest.importorskip`` of a package tracegrad itself requires can never skip."""
    deps = _runtime_dependencies()
    assert {"numpy", "scipy"} <= deps
    found = [f"{path.relative_to(ROOT)}:{i}: {m.group(0)}"
             for path in sorted((ROOT / "tests").rglob("*.py"))
             for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             for m in re.finditer(r'importorskip\("([\w.]+)"\)', line) if m.group(1).split(".")[0] in deps]
    assert found == []
