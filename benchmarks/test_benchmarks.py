"""Checks that the benchmark compares like with like: every implementation of a workload
computes the same loss and the same updated parameters (so the hand-written numpy versions
are correct, not just fast), and the runner's pipeline works end to end.

Run: .venv/bin/python -m pytest -q benchmarks/test_benchmarks.py
"""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import workloads


def _params(step):
    """The parameters of a workload's step closure as float64 ndarrays."""
    out = []
    for p in step.params:
        kind = type(p).__module__.split(".")[0]
        if kind == "torch":
            out.append(p.detach().numpy().astype(np.float64))
        elif isinstance(getattr(p, "data", None), float):
            out.append(np.float64(p.data))  # autograd.Scalar / micrograd Value
        elif kind in ("autograd", "nn"):
            out.append(np.asarray(p, dtype=np.float64))  # tracegrad Tensor / Parameter
        else:
            out.append(np.asarray(p, dtype=np.float64))  # numpy
    return out


def _scalar_params_as_arrays(step, like):
    """Scalar-MLP parameters (a flat list, micrograd order: per neuron w…, b) as `like`'s arrays."""
    flat = [float(v) for v in _params(step)]
    out, k = [], 0
    for w, b in zip(like[0::2], like[1::2]):
        n_out, n_in = w.shape
        wa, ba = np.empty_like(w), np.empty_like(b)
        for i in range(n_out):
            wa[i] = flat[k:k + n_in]
            ba[i] = flat[k + n_in]
            k += n_in + 1
        out += [wa, ba]
    assert k == len(flat)
    return out


def _run(key, impl, steps=2):
    step = workloads.setup(key, impl)
    losses = [step()[0] for _ in range(steps)]
    return step, losses


@pytest.mark.parametrize("key", ["W1", "W2", "W3"])
@pytest.mark.parametrize("impl", ["numpy", "tracegrad"])
def test_same_losses_and_updates_as_torch(key, impl):
    pytest.importorskip("torch")
    ref_step, ref_losses = _run(key, "torch")
    step, losses = _run(key, impl)
    np.testing.assert_allclose(losses, ref_losses, rtol=2e-4)
    ref = _params(ref_step)
    got = _scalar_params_as_arrays(step, ref) if key == "W1" and impl == "tracegrad" else _params(step)
    assert len(got) == len(ref)
    for g, r in zip(got, ref):
        assert g.shape == r.shape
        np.testing.assert_allclose(g, r, rtol=1e-4, atol=2e-6)


def test_micrograd_scalar_mlp_matches_tracegrad():
    pytest.importorskip("micrograd")
    a_step, a_losses = _run("W1", "tracegrad")
    b_step, b_losses = _run("W1", "micrograd")
    np.testing.assert_allclose(a_losses, b_losses, rtol=1e-12)
    np.testing.assert_allclose(_params(a_step), _params(b_step), rtol=1e-12)


@pytest.mark.parametrize("impl", ["numpy", "tracegrad"])
def test_chain_gradient(impl):
    """W4: y = 1.0001ᵏ x + c, so ∂Σy/∂x = 1.0001¹⁰⁰⁰ for every element."""
    if impl == "numpy":
        # the hand-written adjoint loop, checked against the closed form
        g = np.ones(16, np.float32)
        for _ in range(1000):
            g = g * np.float32(1.0001)
        np.testing.assert_allclose(g, 1.0001 ** 1000, rtol=1e-4)
        return
    import autograd as ag
    x = ag.Tensor(workloads.chain_data(), requires_grad=True)
    y = x
    for _ in range(1000):
        y = y * 1.0001 + 0.0001
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full(16, 1.0001 ** 1000), rtol=1e-4)


def test_scalar_chain_loss_is_a_float():
    """W5 on Scalars: the loss is the chain's last value as a float (as every workload's), not
    an object array holding the Scalar."""
    step = workloads.setup("W5", "tracegrad-scalar")
    loss = step()[0]
    y = float(workloads.chain_data()[0])
    for _ in range(workloads.W5_ITERS):
        y = y * 1.0001 + 0.0001
    assert type(loss) is float and loss == pytest.approx(y, rel=1e-12)


def test_numpy_im2col_conv_matches_direct_sum():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 5, 4)).astype(np.float32)
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32)
    out, _ = workloads.conv_forward(x, w, b, 1)
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    ref = np.zeros((2, 4, 5, 4), np.float64)
    for i in range(3):
        for j in range(3):
            ref += np.einsum("nchw,oc->nohw", xp[:, :, i:i + 5, j:j + 4], w[:, :, i, j])
    ref += b[None, :, None, None]
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)
    # adjoint test: <conv(x), g> = <x, conv_backward(g)> for the linear part (b = 0)
    out0, cols0 = workloads.conv_forward(x, w, np.zeros(4, np.float32), 1)
    g = rng.standard_normal(out0.shape).astype(np.float32)
    gx, gw, gb = workloads.conv_backward(g, x.shape, w, cols0, 1)
    np.testing.assert_allclose(np.vdot(out0, g), np.vdot(x, gx), rtol=1e-4)
    np.testing.assert_allclose(np.vdot(out0, g), np.vdot(w, gw), rtol=1e-4)
    np.testing.assert_allclose(gb, g.sum(axis=(0, 2, 3)), rtol=1e-5)


def test_runner_writes_json(tmp_path):
    """run.py end to end on the cheapest workload: table printed, JSON written, threads pinned."""
    out = tmp_path / "bench.json"
    proc = subprocess.run([sys.executable, os.path.join(HERE, "run.py"), "--only", "W4", "--impl", "numpy",
                           "--quick", "--json", str(out)], capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "W4" in proc.stdout and "numpy" in proc.stdout
    report = json.loads(out.read_text())
    assert set(report["threads"]) == {"1", str(report["cores"])}  # one table at 1 thread, one at all cores
    for count, table in report["threads"].items():
        (res,) = table["W4"]["results"]
        assert res["status"] == "ok"
        assert {"step", "forward", "backward"} <= set(res["metrics"])
        assert res["metrics"]["step"]["n"] == 5
        blas = [b for b in res["blas"] if b.get("user_api") == "blas"]
        assert blas and all(b["num_threads"] == int(count) for b in blas)


def test_shared_process_worker_alternates_implementations():
    """worker.py with several implementations: one result each, same step count and first loss."""
    cmd = [sys.executable, os.path.join(HERE, "worker.py"), "W2", "numpy,tracegrad", "--steps", "3",
           "--warmup", "1", "--clock", "cpu"]
    import common
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False, env=common.pinned_env())
    assert proc.returncode == 0, proc.stderr
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    assert [r["impl"] for r in results] == ["numpy", "tracegrad"]
    assert all(r["status"] == "ok" and r["metrics"]["step"]["n"] == 3 for r in results)
    assert results[0]["loss"] == pytest.approx(results[1]["loss"], rel=1e-5)
    assert {"forward", "backward", "update"} <= set(results[1]["metrics"])


def test_unavailable_implementation_is_reported(monkeypatch):
    """A missing DESIGN.md function makes a workload 'not available', not a crash."""
    import common
    mod = type(sys)("fake")
    with pytest.raises(common.NotAvailable, match="missing fake.linear"):
        common.require(mod, "linear")
