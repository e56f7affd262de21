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
from autograd.viz.training import _num


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
        snaps.append((loss.item(), {n: (p.detach().numpy().copy(), p.grad.detach().numpy().copy()) for n, p in model.named_parameters()}))
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


class Skip(nn.Module):
    """A model that is not a Sequential: a functional op between two modules and a skip connection."""

    def __init__(self):
        super().__init__()
        self.a = nn.Linear(4, 4)
        self.act = nn.Tanh()
        self.b = nn.Linear(4, 2)

    def forward(self, x):
        h = self.a(x).relu()
        return self.b(self.act(h) + h)


def edges_of(svg):
    return sorted(re.findall(r'data-from="(m\d+)" data-to="(m\d+)"', svg))


def test_the_models_graph_follows_the_data_between_modules():
    ag.manual_seed(0)
    rec = TrainingRecorder(Skip(), every=2)
    train(rec, steps=3)
    svg = rec.graph_svg()
    titles = dict(re.findall(r'id="(m\d+)-title"[^>]*>([^<]*)<', svg))
    assert titles == {"m0": "input", "m1": "a: Linear", "m2": "act: Tanh", "m3": "b: Linear", "m4": "loss"}
    # input → a → (relu) → act → (+ h) → b → loss, and the skip a → (relu) → b
    assert edges_of(svg) == [("m0", "m1"), ("m1", "m2"), ("m1", "m3"), ("m2", "m3"), ("m3", "m4")]
    g = rec.params["b.weight"]["g"]
    assert 'id="m3-p0" class="tg-p0" x="7" y="29.5">weight ‖w‖ ' in svg and svg.count(f"‖∇‖ {_num(g[-1])}") == 1
    first = rec.graph_svg(at=0)
    assert f"‖∇‖ {_num(g[0])}" in first and g[0] != g[-1]
    boxes = re.compile(r'<g id="m\d+" [^>]*transform="[^"]*"')
    assert boxes.findall(first) == boxes.findall(svg)  # the same positions at every record
    assert json.loads(json.dumps(rec.data()))["graph"][3]["params"] == [["weight", "b.weight"], ["bias", "b.bias"]]


def test_num_writes_numbers_as_javascripts_toprecision():
    # Number(v).toPrecision(4) in a browser gives these (the page rewrites the texts tracegrad wrote)
    cases = {0.0: "0.000", 1.0: "1.000", 0.1775: "0.1775", 9.99951: "10.00", 12345.0: "1.235e+4",
             -0.00001234: "-0.00001234", 1.234e-7: "1.234e-7", 2.5e-300: "2.500e-300", float("nan"): "·",
             float("inf"): "·", None: "·", 1234.4: "1234"}
    assert {v: _num(v) for v in cases} == cases


def test_live_widget_redraws_the_graph_every_record():
    pytest.importorskip("ipywidgets")
    rec = TrainingRecorder(model(), every=2)
    view = rec.widget()
    assert view.value.startswith('<div class="tg-train-live">')  # no graph before the first forward pass
    train(rec, steps=3)
    g = rec.params["0.weight"]["g"]
    assert f'id="m1-p0" class="tg-p0" x="7" y="29.5">weight ‖w‖ {_num(rec.params["0.weight"]["w"][1])} ‖∇‖ ' \
           f'{_num(g[1])}<' in view.value
    before = re.findall(r'<g id="m\d+" [^>]*>', view.value)
    train(rec, steps=2)
    assert f"‖∇‖ {_num(rec.params['0.weight']['g'][2])}<" in view.value
    assert re.findall(r'<g id="m\d+" [^>]*>', view.value) == before


def test_forward_passes_before_the_first_record_are_not_all_kept():
    rec = TrainingRecorder(model(), every=1)
    x = Tensor(np.ones((2, 4), np.float32))
    for _ in range(5):  # e.g. an evaluation before training: only the last pass is traced
        rec.model(x)
    assert [name for name, _, _ in rec._trace] == ["0", "1", "2"]
    train(rec, steps=1)
    assert rec._trace == [] and len(re.findall(r'<g id="m\d+"', rec.graph_svg())) == 5
