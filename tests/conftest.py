"""Shared test setup: float64 gradchecks, hypothesis profile, and 'no silent skips in CI'."""
import os

import numpy as np
import pytest
from hypothesis import settings

settings.register_profile("tracegrad", deadline=None, max_examples=25, derandomize=True)
settings.load_profile("tracegrad")

IN_CI = bool(os.environ.get("CI"))


def require_torch():
    """Import torch; skip where it is absent, but fail in CI (parity tests must run there)."""
    try:
        import torch
    except ImportError:
        if IN_CI:
            pytest.fail("torch is required in CI for the parity tests (pip install -e '.[dev]')")
        pytest.skip("torch is not installed")
    torch.set_num_threads(1)
    return torch


@pytest.fixture
def torch():
    return require_torch()


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
