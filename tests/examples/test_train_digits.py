"""The main job runs end to end on the real digits and learns them."""
import importlib.util
import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _load():
    spec = importlib.util.spec_from_file_location("train_digits", ROOT / "examples" / "train_digits.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def demo():
    return _load()


def test_mlp_learns_digits(demo):
    result = demo.main(["--epochs", "6", "--quiet", "--seed", "0", "--no-plots"])
    assert result["test_accuracy"] >= 0.93
    assert result["losses"][-1] < result["losses"][0] / 3
    for p in result["model"].parameters():
        assert p.dtype.name == "float32" and p.grad.dtype.name == "float32"


def test_split_is_stratified_and_standardized(demo):
    import numpy as np
    X_train, y_train, X_test, y_test = demo.load_split(0)
    assert X_train.shape == (1437, 64) and X_test.shape == (360, 64)
    assert X_train.dtype == np.float32
    np.testing.assert_allclose(X_train.mean(axis=0), 0, atol=1e-5)
    counts_train = np.bincount(y_train) / len(y_train)
    counts_test = np.bincount(y_test) / len(y_test)
    np.testing.assert_allclose(counts_train, counts_test, atol=0.01)


def test_demo_writes_graph_and_curves(demo, tmp_path, capsys):
    import shutil
    out = tmp_path / "pictures"
    result = demo.main(["--epochs", "2", "--quiet", "--seed", "0", "--out", str(out)])
    printed = capsys.readouterr().out
    assert len(result["losses"]) == len(result["train_accuracies"]) == len(result["test_accuracies"]) == 2
    assert all(0.0 <= a <= 1.0 for a in result["train_accuracies"] + result["test_accuracies"])
    png = out / "loss.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and str(png) in printed
    dot_source = (out / "graph.dot").read_text(encoding="utf-8")
    if shutil.which("dot") is None:
        if os.environ.get("CI"):
            pytest.fail("Graphviz's `dot` must be installed in CI (make dot)")
        assert "Graphviz" in printed and result["graph"] == str(out / "graph.dot")
        texts = [dot_source]
    else:
        svg = (out / "graph.svg").read_text(encoding="utf-8")
        assert svg.lstrip().startswith("<?xml") and "<svg" in svg and str(out / "graph.svg") in printed
        texts = [dot_source, svg]
    for text in texts:
        # clusters labelled "qualname: Class", the ops by public name with their rules, named parameters
        for label in ("0: Linear", "1: ReLU", "2: Linear", "3: ReLU", "4: Linear"):
            assert label in text
        assert text.count("cluster_") >= 5
        for op in ("linear", "relu", "cross_entropy", "0.weight", "4.bias", "loss"):
            assert op in text
        assert text.count(">linear<" if text.lstrip().startswith("<?xml") else "label=\"linear") == 3


def test_no_plots_writes_nothing(demo, tmp_path):
    out = tmp_path / "none"
    result = demo.main(["--epochs", "1", "--quiet", "--seed", "0", "--out", str(out), "--no-plots"])
    assert not out.exists() and "graph" not in result and len(result["losses"]) == 1


@pytest.mark.parametrize("flags", [["--optimizer", "adam", "--schedule", "cosine"],
                                   ["--optimizer", "adamw", "--schedule", "onecycle"],
                                   ["--optimizer", "rmsprop", "--schedule", "exponential"],
                                   ["--optimizer", "sgd", "--schedule", "step"]])
def test_optimizers_and_schedules_learn(demo, flags):
    result = demo.main(flags + ["--quiet", "--no-plots", "--seed", "0"])
    assert result["test_accuracy"] >= 0.95, (flags, result["test_accuracy"])
