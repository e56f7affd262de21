"""Run one tutorial program (a file of tests/tutorials/programs/) with a given module bound
to the name ``torch``: the same source text runs on PyTorch and on tracegrad.

A program reads its data from ``DATA`` (numpy arrays made here, the stand-in for the
tutorials' Fashion-MNIST downloads), may use ``d2l`` (the book's library: the functions the
programs mark ``#@save`` and d2l_torch.py, run with the same ``torch``), may import the
standard library and numpy, never imports torch, and leaves its numbers in a dict
``RESULT`` and/or a training ``history`` [(train loss, train acc, test acc) per epoch].
"""
import ast
import pathlib
import random
import types

import numpy as np

NOISE = 3.0  # per-pixel noise: the classes overlap enough that accuracies stay below 1
HERE = pathlib.Path(__file__).resolve().parent
PROGRAMS = HERE / "programs"
SAVED_FROM = ("linreg_scratch", "linreg_concise")  # chapters whose #@save functions join d2l, in order


def _saved_functions(name):
    """Source of the top-level functions program `name` marks ``#@save`` on their def line."""
    text = (PROGRAMS / f"{name}.py").read_text(encoding="utf-8")
    lines = text.splitlines()
    return [ast.get_source_segment(text, node) for node in ast.parse(text).body
            if isinstance(node, ast.FunctionDef) and "#@save" in lines[node.lineno - 1]]


def d2l_module(torch_module, data):
    """The book's library for one run: saved functions, then d2l_torch.py, with `torch_module`."""
    d2l = types.ModuleType("d2l")
    d2l.__dict__.update(torch=torch_module, DATA=data)
    source = "\n\n".join(s for name in SAVED_FROM for s in _saved_functions(name))
    source += "\n\n" + (HERE / "d2l_torch.py").read_text(encoding="utf-8")
    exec(compile(source, "d2l", "exec"), d2l.__dict__)  # noqa: S102 (our own files)
    return d2l


def make_images(n_train=600, n_test=200, classes=10, side=16, seed=0):
    """A 10-class image set: each class a smooth random template, samples = template + noise.

    Returns:
        dict: ``X_train`` (n_train, 1, side, side) float32, ``y_train`` (n_train,) int64,
        ``X_test``/``y_test`` likewise; ``X_flat_*`` the images flattened to (n, side²).
    """
    rng = np.random.default_rng(seed)
    coarse = rng.standard_normal((classes, side // 4, side // 4))
    templates = np.kron(coarse, np.ones((4, 4)))  # (classes, side, side) blocky patterns
    data = {}
    for part, n in (("train", n_train), ("test", n_test)):
        y = rng.integers(0, classes, n)
        X = (templates[y] + NOISE * rng.standard_normal((n, side, side))) / np.sqrt(1 + NOISE ** 2)  # unit variance
        data[f"X_{part}"] = X[:, None].astype(np.float32)
        data[f"X_flat_{part}"] = X.reshape(n, -1).astype(np.float32)
        data[f"y_{part}"] = y.astype(np.int64)
    return data


def run(name, torch_module, data):
    """Execute program `name` with ``torch`` bound to `torch_module`; return its RESULT.

    Every generator a program may use is seeded the same way for both runs (the module's
    own by ``manual_seed(0)``, Python's `random`, numpy's global one).
    """
    path = PROGRAMS / f"{name}.py"
    torch_module.manual_seed(0)
    random.seed(0)
    np.random.seed(0)
    data = {k: v.copy() for k, v in data.items()}
    env = {"torch": torch_module, "DATA": data, "d2l": d2l_module(torch_module, data), "__name__": "__tutorial__"}
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), env)  # noqa: S102 (our own files)
    result = {}
    if "history" in env:
        train_loss, train_acc, test_acc = (list(v) for v in zip(*env["history"]))
        result.update(losses=train_loss, train_acc=train_acc[-1], test_acc=test_acc[-1])
    result.update(env.get("RESULT", {}))
    return result
