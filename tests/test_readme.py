"""The README stays true: each of its Python examples runs on its own, as written, in a fresh
namespace; it speaks only of what the repository holds (its links and the docs' links resolve)."""
import math
import os
import pathlib
import re
import shutil

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def _python_blocks():
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def _run_alone(block):
    """Run one README block in a namespace of its own; return that namespace."""
    namespace = {"__name__": "__main__"}
    exec(compile(block, "README.md", "exec"), namespace)
    return namespace


def _with(namespaces, *names, without=()):
    """The one namespace that defines all `names` and none of `without`."""
    found = [ns for ns in namespaces if all(n in ns for n in names) and not any(n in ns for n in without)]
    assert len(found) == 1, (names, len(found))
    return found[0]


def test_readme_python_blocks_run_each_on_its_own(tmp_path, monkeypatch):
    from autograd.viz import GraphvizNotFoundError
    blocks = _python_blocks()
    assert len(blocks) >= 4
    monkeypatch.chdir(tmp_path)
    has_dot = shutil.which("dot") is not None
    if not has_dot and os.environ.get("CI"):
        pytest.fail("Graphviz's `dot` must be installed in CI (make dot)")
    namespaces = []
    for block in blocks:
        if not has_dot and "render(" in block:
            # the README says rendering needs `dot`: without it, the error that says how to install it
            with pytest.raises(GraphvizNotFoundError, match="Graphviz's `dot` program was not found; install it"):
                _run_alone(block)
            lines = block.splitlines()
            block = "\n".join(lines[:max(i for i, line in enumerate(lines) if "render(" in line)])
        namespaces.append(_run_alone(block))
    assert _with(namespaces, "W", "gW")["W"].grad.shape == (3, 2)
    # the Scalar example and the stepping example: each shows the gradients of ONE backward
    t = math.tanh(2.0 * -3.0 + 2.0 ** 2)
    expected = ((1 - t * t) * (-3.0 + 2 * 2.0), (1 - t * t) * 2.0)  # (1 − c²)(b + 2a), (1 − c²) a
    scalar = _with(namespaces, "a", "b", "c", without=("stepper",))
    stepped = _with(namespaces, "a", "b", "c", "stepper")
    for ns in (scalar, stepped):
        assert (ns["a"].grad, ns["b"].grad) == pytest.approx(expected, rel=1e-12)
    assert round(expected[0], 4) == 0.0707 and round(expected[1], 4) == 0.1413  # the values the README prints
    assert stepped["stepper"].step() is None  # run() finished the sweep
    assert stepped["step"].name == "tanh" and stepped["picture"].source.startswith("digraph")
    assert (tmp_path / "c.svg").exists() and "tgExplorer" in (tmp_path / "backprop.html").read_text(encoding="utf-8")
    if has_dot:
        assert (tmp_path / "graph.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
    import nn
    saved = nn.load(tmp_path / "ckpt.npz")
    assert set(saved) == {"model", "optim"} and "0.weight" in saved["model"]


def test_stepping_block_runs_without_earlier_blocks(tmp_path, monkeypatch):
    # the "See and step through backprop" block once needed `c` and `loss` from earlier blocks
    monkeypatch.chdir(tmp_path)
    block = next(b for b in _python_blocks() if "BackwardStepper" in b)
    lines = block.splitlines()
    ns = _run_alone("\n".join(line for line in lines if "render(" not in line))
    assert ns["a"].grad == pytest.approx((1 - math.tanh(-2.0) ** 2) * 1.0, rel=1e-12)


def _links(path):
    """The targets of the Markdown links [text](target) and images in `path`, code blocks left out."""
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
    return re.findall(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)", text)


def _docs():
    return [README] + sorted((ROOT / "docs").glob("*.md"))


def test_readme_and_docs_links_point_to_files_in_the_repository():
    checked = 0
    for doc in _docs():
        for target in _links(doc):
            if re.match(r"[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
                continue  # a web address or an anchor in the same page
            path = (doc.parent / target.split("#")[0]).resolve()
            assert path.exists(), f"{doc.relative_to(ROOT)} links to {target}, which does not exist"
            assert ROOT in path.parents, f"{doc.relative_to(ROOT)} links outside the repository: {target}"
            checked += 1
    assert checked >= 1


def test_readme_and_docs_speak_only_of_the_repository():
    assert "docs/contract.md" in _links(README)
    for doc in _docs():
        text = doc.read_text(encoding="utf-8")
        for outside in ("DESIGN.md", "shared folder", "../shared", "/work/"):
            assert outside not in text, f"{doc.relative_to(ROOT)} mentions {outside!r}"


def _code_spans(path):
    return re.findall(r"`([^`\n]+)`", path.read_text(encoding="utf-8"))


def test_paths_named_in_readme_and_docs_exist():
    # a path in backquotes whose first folder is in the repository (autograd/ops/, docs/contract.md, …)
    top = {p.name for p in ROOT.iterdir()}
    for doc in _docs():
        for span in _code_spans(doc):
            if re.fullmatch(r"[\w.-]+/[\w./-]*", span) and span.split("/")[0] in top:
                assert (ROOT / span).exists(), f"{doc.relative_to(ROOT)} names {span}, which does not exist"


def _resolve(dotted):
    """The object named `autograd.x.y` / `nn.x` / `optim.x`, importing submodules as needed."""
    import importlib
    parts = dotted.split(".")
    obj = importlib.import_module(parts[0])
    for i, part in enumerate(parts[1:], 1):
        if not hasattr(obj, part):
            importlib.import_module(".".join(parts[:i + 1]))
        obj = getattr(obj, part)
    return obj


def test_contract_names_exist():
    # every autograd.…, nn.… and optim.… name the contract writes in backquotes can be imported
    names = set()
    for span in _code_spans(ROOT / "docs" / "contract.md"):
        names.update(re.findall(r"(?<![\w.])((?:autograd|nn|optim)(?:\.[A-Za-z_]\w*)+)", span))
    assert len(names) >= 60
    missing = []
    for name in sorted(names):
        try:
            _resolve(name)
        except (ImportError, AttributeError):
            missing.append(name)
    assert missing == []


def test_contract_ops_exist():
    # the op lists (`exp log …`, `reshape(*shape)`, …) name autograd functions or Tensor methods
    import autograd
    import nn
    text = (ROOT / "docs" / "contract.md").read_text(encoding="utf-8")
    section = text[text.index("## Differentiable ops"):text.index("### Dtypes")]
    arguments = {"axis", "pad_width"}  # spans that name an argument, not an op
    checked, missing = 0, []
    for span in re.findall(r"`([^`\n]+)`", section):
        call = re.match(r"([a-z_]\w*)\(", span)
        names = span.split() if re.fullmatch(r"[a-z_]\w*( [a-z_]\w*)*", span) else [call.group(1)] if call else []
        for name in set(names) - arguments:
            checked += 1
            if not any(hasattr(owner, name) for owner in (autograd, autograd.Tensor, nn.functional)):
                missing.append(name)
    assert checked >= 60 and missing == []


def test_readme_inline_equalities_hold():
    # prose claims written as code, e.g. `ag.ops.network.Linear.rule == "X̄ = Ḡ W, …"`
    import autograd as ag
    claims = [s for s in _code_spans(README) if s.startswith("ag.") and " == " in s]
    assert claims
    for claim in claims:
        assert eval(claim, {"ag": ag}), claim


def test_docs_python_blocks_run_each_on_its_own(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for doc in _docs()[1:]:
        for block in re.findall(r"```python\n(.*?)```", doc.read_text(encoding="utf-8"), flags=re.S):
            _run_alone(block)


def test_from_pytorch_block_runs_on_tracegrad(tmp_path, monkeypatch):
    # "From PyTorch": one import switches, the device idiom picks the CPU, training moves the loss
    import autograd
    import nn
    monkeypatch.chdir(tmp_path)
    block = next(b for b in _python_blocks() if "import autograd as torch" in b)
    ns = _run_alone(block)
    assert ns["torch"] is autograd and ns["device"] == "cpu"
    assert isinstance(ns["net"], nn.Module) and ns["torch"].nn is nn
    assert math.isfinite(ns["out"].item())


def test_threads_note_names_real_settings():
    # the threads note: threadpoolctl's threadpool_limits, and make bench at 1 thread and all cores
    text = README.read_text(encoding="utf-8")
    assert "OMP_NUM_THREADS" in text and "threadpool_limits" in text
    threadpoolctl = pytest.importorskip("threadpoolctl")
    assert callable(threadpoolctl.threadpool_limits)
    assert "benchmarks/run.py" in (ROOT / "Makefile").read_text(encoding="utf-8")
    assert 'default="1,all"' in (ROOT / "benchmarks" / "run.py").read_text(encoding="utf-8")
