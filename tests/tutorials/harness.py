"""Run one tutorial program (a file of tests/tutorials/programs/) with a given module bound
to the name ``torch``: the same source text runs on PyTorch and on tracegrad.

A program reads its data from ``DATA`` (numpy arrays made here, the stand-in for the
tutorials' Fashion-MNIST downloads), may import the standard library and numpy, never
imports torch, and leaves its numbers in a dict ``RESULT`` (floats and lists of floats).
"""
import pathlib
import random

import numpy as np

NOISE = 3.0  # per-pixel noise: the classes overlap enough that accuracies stay below 1
PROGRAMS = pathlib.Path(__file__).resolve().parent / "programs"


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
    env = {"torch": torch_module, "DATA": {k: v.copy() for k, v in data.items()}, "__name__": "__tutorial__"}
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), env)  # noqa: S102 (our own files)
    return env["RESULT"]
