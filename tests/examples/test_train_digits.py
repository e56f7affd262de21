"""The main job runs end to end on the real digits and learns them."""
import importlib.util
import os
import pathlib
import re

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
    html = (out / "backprop.html").read_text(encoding="utf-8")  # the explorer, written with or without `dot`
    assert result["explorer"] == str(out / "backprop.html") and str(out / "backprop.html") in printed
    assert "<script>" in html and "loss " in html and "labels " in html and "0.weight" in html
    assert "tg-train-data" in html  # the recording of the run (per-layer norms every 10 batches)
    if shutil.which("dot") is None:
        if os.environ.get("CI"):
            pytest.fail("Graphviz's `dot` must be installed in CI (make dot)")
        svg = (out / "graph.svg").read_text(encoding="utf-8")  # tracegrad's own drawing
        assert "Graphviz" in printed and result["graph"] == str(out / "graph.svg") and "<svg" in svg
        texts = [dot_source, svg]
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


def test_cnn_learns_digits_with_default_flags(demo):
    # the real defaults for --model cnn (12 epochs, SGD lr 0.02, momentum 0.9); ~0.4–0.9 s per epoch
    result = demo.main(["--model", "cnn", "--quiet", "--no-plots"])
    assert len(result["losses"]) == 12
    assert result["test_accuracy"] >= 0.97, result["test_accuracy"]
    kinds = {type(m).__name__ for m in result["model"].modules()}
    assert {"Conv2d", "BatchNorm2d", "MaxPool2d", "Dropout", "Linear"} <= kinds
    for p in result["model"].parameters():
        assert p.dtype.name == "float32" and p.grad.dtype.name == "float32"


def test_cnn_split_is_standardized_images(demo):
    import numpy as np
    X_train, _, X_test, _ = demo.load_split(0, as_images=True)
    assert X_train.shape == (1437, 1, 8, 8) and X_test.shape == (360, 1, 8, 8) and X_train.dtype == np.float32
    np.testing.assert_allclose(X_train.mean(axis=0), 0, atol=1e-5)
    flat = demo.load_split(0)[0]
    np.testing.assert_array_equal(X_train.reshape(len(X_train), -1), flat)


def _states_equal(a, b):
    import numpy as np
    sa, sb = a.state_dict(), b.state_dict()
    assert list(sa) == list(sb)
    return {k for k in sa if not np.array_equal(sa[k].data, sb[k].data)}


@pytest.mark.parametrize("model, flags", [
    ("mlp", ["--optimizer", "adam", "--schedule", "exponential"]),
    ("cnn", []),  # SGD with momentum buffers, batch-norm running statistics, dropout masks
])
def test_resume_equals_uninterrupted_run(demo, tmp_path, model, flags):
    base = ["--model", model, "--quiet", "--no-plots", "--seed", "3", "--batch-size", "64"] + flags
    full = demo.main(base + ["--epochs", "3"])
    ckpt = str(tmp_path / "ckpt.npz")
    first = demo.main(base + ["--epochs", "1", "--save", ckpt])
    assert first["checkpoint"] == ckpt and len(first["losses"]) == 1
    resumed = demo.main(["--resume", ckpt, "--epochs", "3", "--quiet", "--no-plots"])
    assert resumed["losses"] == full["losses"] and len(resumed["losses"]) == 3
    assert len(resumed["epoch_times"]) == 2
    assert _states_equal(full["model"], resumed["model"]) == set()  # every parameter and buffer, exactly
    if model == "cnn":
        assert any(k.endswith("running_mean") for k in full["model"].state_dict())
    assert resumed["test_accuracy"] == full["test_accuracy"]


def test_resume_in_two_steps_with_plots(demo, tmp_path):
    # 1 → 2 → 3 epochs, the pictures on in the middle run, equals 3 epochs in one go
    base = ["--model", "cnn", "--quiet", "--seed", "1", "--batch-size", "128"]
    full = demo.main(base + ["--epochs", "3", "--no-plots"])
    a, b = str(tmp_path / "a.npz"), str(tmp_path / "b.safetensors")
    demo.main(base + ["--epochs", "1", "--no-plots", "--save", a])
    mid = demo.main(["--resume", a, "--epochs", "2", "--quiet", "--save", b, "--out", str(tmp_path / "pics")])
    assert len(mid["test_accuracies"]) == 2 and mid["test_accuracies"][0] != mid["test_accuracies"][0]  # NaN
    end = demo.main(["--resume", b, "--epochs", "3", "--quiet", "--no-plots"])
    assert end["losses"] == full["losses"]
    assert _states_equal(full["model"], end["model"]) == set()


def test_checkpoint_contents(demo, tmp_path):
    import numpy as np

    import nn
    ckpt = str(tmp_path / "c.npz")
    result = demo.main(["--model", "cnn", "--epochs", "1", "--quiet", "--no-plots", "--seed", "0",
                        "--schedule", "cosine", "--save", ckpt])
    loaded = nn.load(ckpt)
    assert loaded["epoch"] == 1 and loaded["args"]["model"] == "cnn" and loaded["args"]["lr"] == 0.02
    model_state = result["model"].state_dict()
    assert set(loaded["model"]) == set(model_state)
    for k, v in model_state.items():
        np.testing.assert_array_equal(loaded["model"][k].data, v.data)
    assert set(loaded["optimizer"]) == {"state", "param_groups"}
    assert len(loaded["optimizer"]["state"]) == len(list(result["model"].parameters()))  # momentum buffers
    assert loaded["scheduler"]["T_max"] == 1 and loaded["scheduler"]["last_epoch"] == 1
    # numpy generator states (128-bit integers) survive the round trip exactly
    assert set(loaded["loader"]) == {"generator"} and set(loaded["rng"]) == {"global"}
    state = loaded["loader"]["generator"]
    assert state["bit_generator"] == "PCG64" and state["state"]["state"] > 2 ** 64
    fresh = np.random.default_rng(0)
    fresh.bit_generator.state = state
    fresh.random()
    assert loaded["history"]["losses"] == result["losses"]
    fresh_model = demo.make_cnn()
    fresh_model.load_state_dict(loaded["model"])  # strict: every key present with its shape


def test_resume_rejects_conflicts(demo, tmp_path, capsys):
    cosine, plain = str(tmp_path / "cos.npz"), str(tmp_path / "plain.npz")
    demo.main(["--epochs", "2", "--quiet", "--no-plots", "--schedule", "cosine", "--save", cosine])
    demo.main(["--epochs", "2", "--quiet", "--no-plots", "--save", plain])
    capsys.readouterr()
    cases = [(["--resume", cosine, "--epochs", "2", "--lr", "0.1"], "--lr 0.1 differs from the checkpoint's 0.05"),
             (["--resume", cosine, "--epochs", "4"], "'cosine' schedule was planned for 2 epochs"),
             (["--resume", plain, "--epochs", "1"], "already has 2 epochs"),
             (["--resume", plain, "--model", "cnn"], "--model cnn differs")]
    for argv, message in cases:
        with pytest.raises(SystemExit):
            demo.main(argv + ["--quiet", "--no-plots"])
        assert message in capsys.readouterr().err, argv
    same = demo.main(["--resume", cosine, "--epochs", "2", "--lr", "0.05", "--quiet", "--no-plots"])
    assert len(same["losses"]) == 2 and same["epoch_times"] == []
    longer = demo.main(["--resume", plain, "--epochs", "3", "--quiet", "--no-plots"])  # schedule 'none' extends
    assert len(longer["losses"]) == 3 and len(longer["epoch_times"]) == 1


def test_flags_parse_to_none_and_defaults_are_documented(demo, capsys):
    args = demo.parse_args([])
    assert all(getattr(args, name) is None for name in demo.RUN_FLAGS + ("epochs",))
    demo.resolve_defaults(args)
    assert (args.model, args.epochs, args.lr, args.batch_size, args.optimizer, args.schedule, args.momentum,
            args.weight_decay, args.seed) == ("mlp", 20, 0.05, 32, "sgd", "none", 0.9, 0.0, 0)
    cnn = demo.resolve_defaults(demo.parse_args(["--model", "cnn", "--optimizer", "adam", "--seed", "4"]))
    assert (cnn.epochs, cnn.lr, cnn.seed, cnn.batch_size) == (12, 1e-3, 4, 32)
    with pytest.raises(SystemExit):
        demo.parse_args(["--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    for text in ("default: mlp", "default: 32", "default: sgd", "default: none", "default: 0.9", "default: 0.0",
                 "default: 0)", "cnn 12, mlp 20", "cnn 0.02, mlp 0.05"):
        assert text in help_text, text


# -- the script as users run it: the README's commands, a run that fails says so ----------------------

def _run_script(argv, cwd):
    """Run examples/train_digits.py with this test's python in `cwd`, this checkout's packages first;
    returns the CompletedProcess (text stdout/stderr)."""
    import subprocess
    import sys
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    return subprocess.run([sys.executable, str(ROOT / "examples" / "train_digits.py"), *argv], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def _readme_training_commands():
    """Every `examples/train_digits.py` command line in the README's sh blocks, as argv lists
    (the interpreter and the script path left out), comments stripped."""
    import re
    import shlex
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            if "examples/train_digits.py" in words:
                i = words.index("examples/train_digits.py")
                assert words[:i] == [".venv/bin/python"], line  # what the README tells users to type
                commands.append(words[i + 1:])
    return commands


def test_readme_lists_the_onecycle_command():
    commands = _readme_training_commands()
    assert len(commands) >= 3
    assert ["--optimizer", "sgd", "--lr", "0.05", "--schedule", "onecycle"] in [c[:6] for c in commands]


@pytest.mark.parametrize("argv", _readme_training_commands(), ids=" ".join)
def test_readme_training_command_reaches_its_result(argv, tmp_path):
    # exactly as written (pictures included, into tmp_path/out), with this test's python
    done = _run_script(argv, tmp_path)
    assert done.returncode == 0, done.stderr
    accuracy = float(re.search(r"test accuracy (\d\.\d+)", done.stdout).group(1))
    assert accuracy >= 0.95, (argv, done.stdout)


def test_diverging_run_exits_nonzero_with_a_message(tmp_path):
    done = _run_script(["--lr", "1000", "--epochs", "3", "--quiet", "--no-plots"], tmp_path)
    assert done.returncode == 1
    assert re.search(r"train_digits: the training loss is not finite at epoch 1, batch \d+; got nan, expected a "
                     r"finite number\. Hint: the run diverged; lower --lr \(got 1000\.0\)\.", done.stderr), done.stderr
    assert "test accuracy" not in done.stdout  # stopped at once


def test_run_stalled_at_chance_exits_nonzero_with_a_message(tmp_path):
    # a peak learning rate of 0.5 kills the ReLUs: the loss stays at ln 10 and the accuracy at chance
    done = _run_script(["--optimizer", "sgd", "--lr", "0.5", "--schedule", "onecycle", "--quiet", "--no-plots"],
                       tmp_path)
    assert done.returncode == 1
    assert "test accuracy 0.1000" in done.stdout
    assert ("train_digits: the run did not learn; got test accuracy 0.1000, expected at least 0.20 (twice "
            "chance). Hint: lower --lr (got 0.5, the peak of the one-cycle schedule).") in done.stderr


def test_stall_raises_training_failed_after_writing_results(demo, tmp_path, capsys):
    ckpt = tmp_path / "c.npz"
    with pytest.raises(demo.TrainingFailed, match=r"the run did not learn; got test accuracy 0\.1000"):
        demo.main(["--lr", "10", "--epochs", "2", "--quiet", "--no-plots", "--save", str(ckpt)])
    assert "test accuracy 0.1000" in capsys.readouterr().out and ckpt.exists()


def test_onecycle_peaks_at_lr_like_torch(demo):
    # --lr is OneCycleLR's max_lr: the same learning rates, batch by batch, as PyTorch's with max_lr=lr (the
    # peak falls on batch 8 of 30)
    import numpy as np
    torch = pytest.importorskip("torch")
    import nn
    model = nn.Linear(2, 2)
    opt = demo.OPTIMIZERS["sgd"](model.parameters(), demo.resolve_defaults(demo.parse_args(["--lr", "0.05"])))
    sched, per_batch = demo.make_schedule("onecycle", opt, 3, 10, 0.05)
    t_opt = torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=0.05, momentum=0.9)
    t_sched = torch.optim.lr_scheduler.OneCycleLR(t_opt, max_lr=0.05, total_steps=30)
    ours, theirs = [], []
    for _ in range(30):
        ours.append(opt.param_groups[0]["lr"])
        theirs.append(t_opt.param_groups[0]["lr"])
        opt.step()
        t_opt.step()
        sched.step()
        t_sched.step()
    assert per_batch
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    assert max(ours) == pytest.approx(0.05)


def test_onecycle_sgd_command_learns(demo):
    # the README's one-cycle command trained to chance (0.10) when the peak was 10 × --lr
    result = demo.main(["--optimizer", "sgd", "--lr", "0.05", "--schedule", "onecycle", "--quiet", "--no-plots"])
    assert result["test_accuracy"] >= 0.95


def test_help_says_lr_is_the_onecycle_peak(demo, capsys):
    with pytest.raises(SystemExit):
        demo.parse_args(["--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "with --schedule onecycle the peak one (OneCycleLR's max_lr" in help_text
