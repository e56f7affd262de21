"""The live training view: TrainingRecorder records per-layer statistics every k steps."""
import json
import re

import numpy as np
import pytest

import autograd as ag
import nn
import optim
from autograd import Tensor
from autograd.viz import TrainingRecorder


def train(rec, steps=7):
    rng = np.random.default_rng(0)
    model = rec.model
    opt = optim.SGD(model.parameters(), lr=0.1)
    snaps = []
    for _ in range(steps):
        x = Tensor(rng.standard_normal((8, 4)).astype(np.float32))
        loss = (model(x) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        snaps.append((loss.item(), {n: (p.data.copy(), p.grad.data.copy()) for n, p in model.named_parameters()}))
        rec.record(loss)
        opt.step()
    return snaps


def model():
    ag.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))


def test_records_every_k_steps_the_norms_histograms_and_activations():
    rec = TrainingRecorder(model(), every=3)
    snaps = train(rec)
    assert rec.steps == [0, 3, 6] and rec.calls == 7
    for j, k in enumerate(rec.steps):
        loss, params = snaps[k]
        assert rec.loss[j] == pytest.approx(loss)
        for name, (w, g) in params.items():
            assert rec.params[name]["w"][j] == pytest.approx(np.linalg.norm(w.astype(np.float64)))
            assert rec.params[name]["g"][j] == pytest.approx(np.linalg.norm(g.astype(np.float64)))
            assert sum(rec.params[name]["hist"][j]) == w.size
            assert rec.params[name]["lo"][j] == pytest.approx(float(w.min()))
    assert set(rec.acts) == {"0", "1", "2"}
    assert all(len(a["std"]) == 3 and np.isfinite(a["std"]).all() for a in rec.acts.values())
    assert rec.acts["1"]["mean"][0] >= 0  # a ReLU's output
    rec.close()
    assert not rec.model[0]._forward_hooks


def test_live_widget_redraws_and_html_is_self_contained(tmp_path):
    pytest.importorskip("ipywidgets")
    rec = TrainingRecorder(model(), every=2)
    view = rec.widget()
    assert "0 records" in view.value
    train(rec, steps=5)
    assert "3 records (every 2 steps, 5 steps so far)" in view.value and "0.weight" in view.value
    path = rec.save_html(tmp_path / "run.html")
    page = open(path, encoding="utf-8").read()
    data = json.loads(re.search(r'id="tg-train-data">(.*?)</script>', page).group(1))
    assert data["steps"] == [0, 2, 4] and data["params"]["2.bias"]["g"] == rec.params["2.bias"]["g"]
    assert "<script>" in page and "src=" not in page


def test_every_must_be_positive():
    with pytest.raises(ValueError, match=r"^TrainingRecorder: every must be at least 1; got 0"):
        TrainingRecorder(model(), every=0)
