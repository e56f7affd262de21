"""The reference site builds with `mkdocs build --strict` (a broken reference fails), its API
pages carry the docstrings and every op's rule, and the notebooks are pages. Skipped where
mkdocs is not installed (outside the dev extra); required in CI."""
import importlib.util
import os
import pathlib
import subprocess
import sys

import pytest

from tests.conftest import IN_CI

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def mkdocs():
    missing = [m for m in ("mkdocs", "mkdocs_jupyter", "mkdocstrings_handlers.python", "material")
               if importlib.util.find_spec(m.split(".")[0]) is None]
    if missing:
        why = f"docs packages missing: {', '.join(missing)} (pip install -e '.[docs]', part of the dev extra)"
        (pytest.fail if IN_CI else pytest.skip)(why)


def _build(config, site):
    env = dict(os.environ, PYTHONPATH=str(ROOT), NO_MKDOCS_2_WARNING="1")
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def site(mkdocs, tmp_path_factory):
    site = tmp_path_factory.mktemp("site")
    proc = _build(ROOT / "mkdocs.yml", site)
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stderr[-4000:]}"
    return site


def test_api_pages_render_docstrings_and_op_rules(site):
    ops = (site / "api" / "ops" / "index.html").read_text(encoding="utf-8")
    assert 'id="autograd.ops.arithmetic.Matmul"' in ops
    assert "tr((Ḡ Bᵀ)ᵀ dA) ⇒ Ā = Ḡ Bᵀ" in ops  # each op's derivation, from its docstring
    assert r"\(\bar A = \bar G B^\top,\; \bar B = A^\top \bar G\)" in ops  # the rule table, typeset as math
    pages = {name: (site / "api" / name / "index.html").read_text(encoding="utf-8")
             for name in ("autograd", "nn", "optim", "viz")}
    assert 'id="autograd.tensor.Tensor"' in pages["autograd"] and 'id="autograd.exercises.check"' in pages["autograd"]
    assert 'id="nn.linear.Linear"' in pages["nn"] and 'id="nn.normalization.BatchNorm1d"' in pages["nn"]
    assert 'id="optim.sgd.SGD"' in pages["optim"] and 'id="optim.adam.Adam"' in pages["optim"]
    assert 'id="autograd.viz.stepper.BackwardStepper"' in pages["viz"]


def test_notebooks_are_pages_and_the_contract_is_linked(site):
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        page = site / "notebooks" / nb.stem / "index.html"
        assert page.exists(), f"{nb.name} is not a page of the site"
    assert "Course topics II" in (site / "notebooks" / "08_course_topics_training" / "index.html").read_text("utf-8")
    assert (site / "contract" / "index.html").exists()
    assert 'href="contract/"' in (site / "index.html").read_text(encoding="utf-8")


def test_strict_build_fails_on_a_broken_reference(mkdocs, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# Broken\n\nSee [a missing object][autograd.no_such_thing] and [a page](missing.md).\n")
    config = tmp_path / "mkdocs.yml"
    config.write_text(f"site_name: t\ndocs_dir: {docs}\nplugins:\n  - mkdocstrings:\n      handlers:\n"
                      f"        python:\n          paths: [{ROOT}]\n")
    proc = _build(config, tmp_path / "site")
    assert proc.returncode == 1
    assert "missing.md" in proc.stderr and "autograd.no_such_thing" in proc.stderr
