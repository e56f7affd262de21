"""The training view in a real browser: the model's graph redrawn at each recorded step, positions fixed."""
import pathlib
import time

import numpy as np
import pytest

import autograd as ag
import nn
import optim
from autograd import Tensor
from autograd.viz import BackwardStepper, TrainingRecorder
from autograd.viz.training import _num
from tests.browser.test_explorer import _load_demo, open_explorer, positions, text_of


def recorded_run(steps=9, every=2):
    """A small model trained `steps` steps with a recorder, and a fresh loss to explore."""
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    rec = TrainingRecorder(model, every=every)
    opt = optim.SGD(model.parameters(), lr=0.1)
    rng = np.random.default_rng(0)
    norms = []  # per step: the gradient norm of 0.weight, as backward() left it
    for _ in range(steps):
        loss = (model(Tensor(rng.standard_normal((8, 4)).astype(np.float32))) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        norms.append(float(np.linalg.norm(model[0].weight.grad.data.astype(np.float64))))
        rec.record(loss)
        opt.step()
    rec.close()
    loss = (model(Tensor(rng.standard_normal((8, 4)).astype(np.float32))) ** 2).mean()
    return model, rec, loss, norms


def graph_positions(page):
    return {k: v for k, v in positions(page).items() if k.startswith("m")}


def scrub(page, record):
    page.fill("#tg-train-slider", str(record))
    assert page.evaluate("tgTraining.record") == record


def test_scrubbing_the_recording_redraws_the_module_boxes_in_place(page, tmp_path):
    model, rec, loss, norms = recorded_run()
    open_explorer(page, BackwardStepper(loss, params=model), tmp_path, recording=rec)
    # the boxes: input → 0: Linear → 1: ReLU → 2: Linear → loss (the explorer's ids are v…/o…/e…)
    assert [text_of(page, f"m{k}-title") for k in range(5)] == ["input", "0: Linear", "1: ReLU", "2: Linear", "loss"]
    assert page.evaluate("document.querySelectorAll('path.tg-edge[data-from=\"m1\"][data-to=\"m2\"]').length") == 1
    scrub(page, 1)
    at1, pos1 = text_of(page, "m1-p0"), graph_positions(page)
    assert at1 == f"weight ‖w‖ {_num(rec.params['0.weight']['w'][1])} ‖∇‖ {_num(norms[2])}"
    assert text_of(page, "m2-act") == f"out μ {_num(rec.acts['1']['mean'][1])} σ {_num(rec.acts['1']['std'][1])}"
    assert text_of(page, "m4-loss") == f"loss {_num(rec.loss[1])}"
    mark1 = page.evaluate("document.getElementById('m1-mark').getAttribute('x1')")
    scrub(page, 3)
    at3, pos3 = text_of(page, "m1-p0"), graph_positions(page)
    assert at3 == f"weight ‖w‖ {_num(rec.params['0.weight']['w'][3])} ‖∇‖ {_num(norms[6])}"
    assert norms[2] != norms[6] and at1 != at3  # different gradient norms on the same box …
    assert pos1 == pos3 and len(pos1) == 5  # … which has not moved, nor has any other
    assert page.evaluate("document.getElementById('m1-mark').getAttribute('x1')") != mark1
    # the explorer above still steps, and collapsing its modules leaves the training view alone
    page.click("#tg-modules")
    assert page.evaluate("document.querySelectorAll('.tg-train-graph .tg-hidden').length") == 0
    page.click("#tg-modules")


def test_saved_recording_alone_shows_the_graph_at_the_last_record(page, tmp_path):
    _, rec, _, norms = recorded_run(steps=5, every=1)
    page.goto(pathlib.Path(rec.save_html(tmp_path / "run.html")).as_uri())
    page.wait_for_function("window.tgTraining !== undefined")
    assert page.evaluate("tgTraining.record") == 4
    assert text_of(page, "m1-p0").endswith(f"‖∇‖ {_num(norms[4])}")
    pos = graph_positions(page)
    scrub(page, 0)
    assert text_of(page, "m1-p0").endswith(f"‖∇‖ {_num(norms[0])}") and graph_positions(page) == pos


def test_numbers_are_written_as_the_browser_writes_them(page):
    values = [0.0, 1.0, 0.1775, 9.99951, 12345.0, 1234.5, -0.00001234, 1.234e-7, 2.5e-300, 0.00012345, 5e-324, 1e21]
    assert page.evaluate("vs => vs.map(v => v.toPrecision(4))", values) == [_num(v) for v in values]


@pytest.mark.parametrize("model", ["mlp", "cnn"])
def test_demo_page_scrubs_the_runs_graph_and_opens_within_a_second(page, tmp_path, model):
    demo = _load_demo()
    epochs = "20" if model == "mlp" else "2"  # the MLP: `make demo`'s run; the CNN: a short one
    result = demo.main(["--model", model, "--epochs", epochs, "--quiet", "--seed", "0", "--out", str(tmp_path)])
    path = pathlib.Path(result["explorer"])
    size = path.stat().st_size
    t0 = time.perf_counter()
    page.goto(path.as_uri())
    page.wait_for_function("window.tgExplorer !== undefined && tgExplorer.readyAt > 0")
    wall = time.perf_counter() - t0
    ready = page.evaluate("tgExplorer.readyAt")
    n = page.evaluate("tgTraining.count")
    titles = page.evaluate("Array.from(document.querySelectorAll('.tg-train-graph .tg-title')).map(e => e.textContent)")
    first = "0: Conv2d" if model == "cnn" else "0: Linear"
    assert titles[0] == "input" and titles[1] == first and titles[-1] == "loss"
    scrub(page, 1)
    a, pos = text_of(page, "m1-p0"), graph_positions(page)
    t1 = time.perf_counter()
    scrub(page, n - 1)
    scrub_ms = (time.perf_counter() - t1) * 1000
    b = text_of(page, "m1-p0")
    assert a.split("‖∇‖")[1] != b.split("‖∇‖")[1] and graph_positions(page) == pos
    print(f"\n{model} demo page with the run's graph: {size} bytes, {n} records, {len(titles)} boxes, ready "
          f"{ready:.0f} ms after navigation start (goto → ready {wall * 1000:.0f} ms), scrub {scrub_ms:.0f} ms")
    assert size <= 2_000_000 and ready <= 1000
