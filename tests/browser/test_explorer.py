"""The backprop explorer in a real browser: stepping, stable positions, partial sums, final gradients."""
import os
import pathlib
import time

import numpy as np
import pytest

from autograd import Scalar, Tensor
from autograd.viz import BackwardStepper
from autograd.viz.explorer import _text, mathml
from autograd.viz.svg import wrap
from tests.autograd.test_viz import MLP_PARAMS, micrograd_expr, mlp, mlp_loss


def open_explorer(page, stepper, tmp_path, name="x.html", **kw):
    path = tmp_path / name
    stepper.save_html(path, **kw)
    page.goto(path.as_uri())
    page.wait_for_function("window.tgExplorer !== undefined")
    return path


def positions(page):
    """Every box's on-screen rectangle, relative to the SVG (scrolling does not count)."""
    return page.evaluate("""() => {
        const svg = document.querySelector('svg.tg-graph').getBoundingClientRect();
        const out = {};
        document.querySelectorAll('.tg-node').forEach(e => {
            const r = e.getBoundingClientRect();
            out[e.id] = [r.left - svg.left, r.top - svg.top, r.width, r.height];
        });
        return out;
    }""")


def box_text(page, box_id, field):
    """The text of a field (all its lines joined) in a box, as shown."""
    return page.evaluate("""([id, field]) => Array.from(document.querySelectorAll(
        '#' + id + ' text[class^="tg-' + field + '"]')).map(t => t.textContent).filter(t => t).join('\\n')""",
                         [box_id, field])


def text_of(page, elem_id):
    """textContent of an element (SVG texts are not HTMLElements: no inner_text)."""
    return page.evaluate("id => document.getElementById(id).textContent", elem_id)


def edge_label(page, tail, head):
    """The adjoint written on the edge tail → head."""
    return page.evaluate("""([a, b]) => {
        const e = document.querySelector('path.tg-edge[data-from="' + a + '"][data-to="' + b + '"]');
        return document.getElementById('el' + e.id.slice(1)).textContent; }""", [tail, head])


def step_shown(page):
    return page.evaluate("tgExplorer.step")


def expected_grad_text(g):
    return "\n".join(wrap("grad " + _text(g)))


def test_buttons_keys_and_positions_never_move(page, tmp_path):
    g, _ = micrograd_expr()
    st = BackwardStepper(g)
    open_explorer(page, st, tmp_path)
    n = page.evaluate("tgExplorer.count")
    assert n == 1 + 2 * len(st)  # forward ops, the seed, backward ops
    assert step_shown(page) == -1
    before = positions(page)
    page.click("#tg-next")
    page.click("#tg-next")
    assert step_shown(page) == 1
    page.click("#tg-prev")
    assert step_shown(page) == 0
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    assert step_shown(page) == 1
    assert positions(page) == before
    page.keyboard.press("End")
    assert step_shown(page) == n - 1 and positions(page) == before
    page.click("#tg-reset")
    assert step_shown(page) == -1
    # play: steps advance by themselves, pause stops them
    page.fill("#tg-speed", "30")
    page.click("#tg-play")
    page.wait_for_function("tgExplorer.step >= 3")
    page.click("#tg-play")
    k = step_shown(page)
    time.sleep(0.2)
    assert step_shown(page) == k and not page.evaluate("tgExplorer.playing")
    assert positions(page) == before
    # jump to a node
    jump = page.evaluate("tgExplorer.jump")
    target = sorted(jump, key=jump.get)[3]
    page.select_option("#tg-jump", target)
    assert step_shown(page) == jump[target]
    assert page.evaluate(f"document.getElementById('{target}').classList.contains('tg-cur')") or target.startswith("v")


def test_forward_values_appear_then_adjoints_flow(page, tmp_path):
    x1, w1 = Scalar(0.5, "x1"), Scalar(-1.0, "w1")
    o = (x1 * w1).tanh()
    o.name = "o"
    st = BackwardStepper(o)
    open_explorer(page, st, tmp_path)
    # boxes: v0 x1, v1 w1, v2 x1*w1 (+ o2), v3 o (+ o3)
    ids = page.evaluate("Object.keys(tgExplorer.jump)")
    assert "o2" in ids and "o3" in ids
    assert box_text(page, "v0", "data") == "data 0.5000"
    assert box_text(page, "v3", "data") == "data ·" and box_text(page, "v3", "grad") == "grad ·"
    page.keyboard.press("ArrowRight")  # forward: *
    assert box_text(page, "v2", "data") == "data -0.5000"
    page.keyboard.press("ArrowRight")  # forward: tanh
    assert box_text(page, "v3", "data") == f"data {np.tanh(-0.5):.4f}"
    page.keyboard.press("ArrowRight")  # the seed
    assert box_text(page, "v3", "grad") == "grad 1.0000"
    page.keyboard.press("ArrowRight")  # backward: tanh, its rule in the panel and the adjoint on its edge
    panel = page.evaluate("document.getElementById('tg-panel').textContent")
    assert "tanh" in panel and "ā = ḡ·(1 − out²)" in panel and r"\bar a = \bar g\,(1 - \mathrm{out}^2)" in panel
    if mathml(r"\bar a") is not None:  # the rule typeset as MathML: a rendered formula, with the bar over ā
        box = page.evaluate("(() => { const r = document.querySelector('#tg-panel math').getBoundingClientRect();"
                            " return [r.width, r.height]; })()")
        assert box[0] > 50 and box[1] > 10
        assert page.evaluate("document.querySelector('#tg-panel math mover mi').textContent") == "a"
    assert edge_label(page, "v2", "o3") == f"{1 - np.tanh(-0.5) ** 2:.4f}"
    assert box_text(page, "v2", "grad") == f"grad {1 - np.tanh(-0.5) ** 2:.4f}"
    page.keyboard.press("ArrowLeft")
    assert edge_label(page, "v2", "o3") == "" and box_text(page, "v2", "grad") == "grad ·"


def test_fork_shows_partial_sum_between_its_contributions(page, tmp_path):
    a = Scalar(3.0, "a")
    b = a * 2.0      # a's first consumer
    c = a.tanh()     # a's second consumer
    out = b * c
    st = BackwardStepper(out)
    open_explorer(page, st, tmp_path)
    box = "v0"  # a, the first item drawn
    assert "a" == text_of(page, f"{box}-title")
    assert box_text(page, box, "count") == "0 of 2 contributions"
    a2 = Scalar(3.0, "a")  # the reference: the same graph, backward()
    b2, c2 = a2 * 2.0, a2.tanh()
    (b2 * c2).backward()
    first = 2.0 * c.data  # ∂out/∂b · ∂b/∂a, or ∂out/∂c · ∂c/∂a: whichever the sweep runs first
    second = b.data * (1 - c.data ** 2)
    n = page.evaluate("tgExplorer.count")
    seen = []
    for k in range(n):
        page.evaluate(f"tgExplorer.go({k})")
        seen.append((box_text(page, box, "count"), box_text(page, box, "grad")))
    partial = [s for s in seen if s[0] == "1 of 2 contributions"]
    assert partial, seen
    assert partial[0][1] in (expected_grad_text(first), expected_grad_text(second))
    assert seen[-1] == ("2 of 2 contributions ✓", expected_grad_text(a2.grad))
    assert a.grad == 0.0  # the stepper was put back where it was (not started)
    st.run()
    assert a.grad == a2.grad and abs(a2.grad - (first + second)) < 1e-12


def test_final_gradients_equal_backward(page, tmp_path):
    leaves = mlp(np.float64)
    st = BackwardStepper(mlp_loss(*leaves), params=dict(zip(MLP_PARAMS, leaves[1:])))
    open_explorer(page, st, tmp_path)
    ref = [Tensor(t.detach().numpy().copy(), requires_grad=True) for t in leaves]
    mlp_loss(*ref).backward()
    page.keyboard.press("End")
    final = page.evaluate("tgExplorer.final")
    for i, r in enumerate(ref):  # leaves are v0..v4 in drawing order? find them by their text
        box = f"v{[j for j, it in enumerate(st._model.items) if it is leaves[i]][0]}"
        np.testing.assert_array_equal(np.array(final[box]), r.grad.data)
        assert box_text(page, box, "grad") == expected_grad_text(r.grad.data)


def test_speed_of_a_step_on_a_1000_node_graph(page, tmp_path):
    x = Tensor(np.linspace(-1, 1, 4), requires_grad=True, name="x")
    y = x
    for _ in range(500):
        y = y.tanh()
    root = y.sum()
    st = BackwardStepper(root)
    assert len(st._model.items) + len(st) >= 1000
    path = open_explorer(page, st, tmp_path, "big.html")
    size = path.stat().st_size
    n = page.evaluate("tgExplorer.count")
    times = page.evaluate("""(n) => {
        const out = [];
        for (let k = 0; k < 40; k++) {
            const t0 = performance.now();
            tgExplorer.go(Math.floor(n / 2) + k);
            document.body.offsetHeight;  // force style and layout
            out.push(performance.now() - t0);
        }
        const t0 = performance.now(); tgExplorer.go(n - 1); document.body.offsetHeight; out.push(performance.now() - t0);
        return out;
    }""", n)
    times.sort()
    median = times[len(times) // 2]
    print(f"\n1000+-node graph: {size} bytes, {n} steps, one step median {median:.1f} ms, worst {times[-1]:.1f} ms")
    assert median <= 50 and size <= 2_000_000


@pytest.mark.parametrize("model", ["mlp", "cnn"])
def test_demo_explorer_opens_within_a_second(page, tmp_path, model):
    demo = _load_demo()
    ag_seed = 0
    import autograd as ag
    import nn
    ag.manual_seed(ag_seed)
    builder, as_images = demo.MODELS[model][:2]
    X, y, _, _ = demo.load_split(0, as_images=as_images)
    net = builder()
    paths = demo.draw_step(net, nn.CrossEntropyLoss(), Tensor(X[:32]), Tensor(y[:32]), str(tmp_path))
    size = os.path.getsize(paths["explorer"])
    t0 = time.perf_counter()
    page.goto(pathlib.Path(paths["explorer"]).as_uri())
    page.wait_for_function("window.tgExplorer !== undefined && tgExplorer.readyAt > 0")
    wall = time.perf_counter() - t0
    ready = page.evaluate("tgExplorer.readyAt")
    step = page.evaluate("""() => { const t0 = performance.now(); tgExplorer.next(); document.body.offsetHeight;
                                    return performance.now() - t0; }""")
    print(f"\n{model} demo explorer: {size} bytes, ready {ready:.0f} ms after navigation start "
          f"(goto → ready {wall * 1000:.0f} ms), first step {step:.1f} ms")
    assert size <= 2_000_000 and ready <= 1000
    assert "loss" in page.inner_text(".tg-caption") and "labels" in page.inner_text(".tg-caption")


def _load_demo():
    import importlib.util
    root = pathlib.Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("train_digits", root / "examples" / "train_digits.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_module_frames_collapse_to_their_gradient_norms(page, tmp_path):
    import autograd as ag
    import nn
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    x = Tensor(np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32))
    loss = model(x).sum()
    st = BackwardStepper(loss, params=model)
    open_explorer(page, st, tmp_path)
    st.run()  # the reference gradients
    before = positions(page)
    assert text_of(page, "cluster_0-n0") == "‖∇0.weight‖ ·"
    page.keyboard.press("End")
    page.click("#tg-modules")
    assert page.evaluate("document.getElementById('cluster_0').classList.contains('tg-collapsed')")
    norms = {name: float(np.sqrt(np.sum(p.grad.data.astype(np.float64) ** 2))) for name, p in model.named_parameters()}
    assert text_of(page, "cluster_0-n0") == f"‖∇0.weight‖ {norms['0.weight']:.4g}"
    assert text_of(page, "cluster_2-n1") == f"‖∇2.bias‖ {norms['2.bias']:.4g}"
    hidden = page.evaluate("Array.from(document.querySelectorAll('.tg-node.tg-hidden')).map(e => e.id)")
    assert hidden and all(before[b] for b in hidden)
    page.keyboard.press("Home")  # the norms go back to unknown with the steps
    assert text_of(page, "cluster_0-n0") == "‖∇0.weight‖ ·"
    page.click("#cluster_0 .tg-clabel")  # expand one frame by its label
    assert not page.evaluate("document.getElementById('cluster_0').classList.contains('tg-collapsed')")
    page.click("#tg-modules")  # some frames are still collapsed: the button expands them all
    assert page.evaluate("document.querySelectorAll('.tg-hidden').length") == 0
    assert positions(page) == before


def test_training_recording_scrubs(page, tmp_path):
    import autograd as ag
    import nn
    import optim
    from autograd.viz import TrainingRecorder
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    rec = TrainingRecorder(model, every=2)
    opt = optim.SGD(model.parameters(), lr=0.1)
    rng = np.random.default_rng(0)
    for _ in range(9):
        loss = (model(Tensor(rng.standard_normal((8, 4)).astype(np.float32))) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        rec.record(loss)
        opt.step()
    loss = (model(Tensor(rng.standard_normal((8, 4)).astype(np.float32))) ** 2).mean()  # a fresh step to explore
    open_explorer(page, BackwardStepper(loss, params=model), tmp_path, recording=rec)
    assert page.evaluate("tgExplorer.count") > 0 and page.evaluate("tgTraining.count") == 5
    assert page.inner_text("#tg-train-at").startswith("step 8 (record 5 of 5")
    page.fill("#tg-train-slider", "1")
    assert page.inner_text("#tg-train-at").startswith("step 2 (record 2 of 5")
    assert f"‖∇‖ {rec.params['0.weight']['g'][1]:.4g}"[:10] in page.inner_text(".tg-train table")


COLLAPSED_OVERLAPS = """() => {
    const R = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
    const hit = (a, b) => a[0] < b[2] - 0.5 && b[0] < a[2] - 0.5 && a[1] < b[3] - 0.5 && b[1] < a[3] - 0.5;
    const shown = [], out = [];
    document.querySelectorAll('#tg-view .tg-cluster.tg-collapsed').forEach(c => {
        const box = R(c.querySelector('.tg-cbox'));
        c.querySelectorAll('.tg-clabel, .tg-cnote').forEach(t => {  // its texts are inside it
            const r = R(t);
            if (r[0] < box[0] || r[2] > box[2] + 1 || r[1] < box[1] || r[3] > box[3] + 1) { out.push([c.id, t.textContent]); }
        });
        shown.push([c.id, box]);
    });
    document.querySelectorAll('#tg-view .tg-node:not(.tg-hidden)').forEach(n => shown.push([n.id, R(n)]));
    for (let i = 0; i < shown.length; i++) for (let j = i + 1; j < shown.length; j++)
        if (shown[i][0].startsWith('cluster_') && hit(shown[i][1], shown[j][1])) { out.push([shown[i][0], shown[j][0]]); }
    return out;
}"""


def test_collapsed_frames_cover_no_neighbour(page, tmp_path):
    import autograd as ag
    import nn

    class Scale(nn.Module):  # parameters only: laid out on the first layer, amid the first Linear's
        def __init__(self):
            super().__init__()
            self.s, self.t, self.u = (nn.Parameter(ag.ones(1)) for _ in range(3))

        def forward(self, x):
            return x * self.s + self.t * self.u

    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(1, 1), Scale(), nn.Linear(1, 1), nn.ReLU(), nn.Linear(1, 1))
    st = BackwardStepper(model(Tensor(np.ones((2, 1), np.float32))).sum(), params=model)
    open_explorer(page, st, tmp_path)
    before = positions(page)
    page.keyboard.press("End")  # the notes show their longest texts (numbers)
    page.click("#tg-modules")
    assert page.evaluate("document.querySelectorAll('#tg-view .tg-cluster.tg-collapsed').length") == 5
    assert page.evaluate(COLLAPSED_OVERLAPS) == []
    assert text_of(page, "cluster_1-n2").startswith("‖∇1.u‖ ")
    page.click("#tg-modules")  # expand them all
    for path in ("0", "1"):  # one at a time, next to expanded neighbours
        page.click(f"#cluster_{path} .tg-clabel")
        assert page.evaluate(COLLAPSED_OVERLAPS) == []
        page.click(f"#cluster_{path} .tg-clabel")
    assert page.evaluate("document.querySelectorAll('.tg-hidden').length") == 0 and positions(page) == before


def test_notebook_widget_frame_runs_the_explorer_at_the_current_step(page):
    x1, w1 = Scalar(0.5, "x1"), Scalar(-1.0, "w1")
    o = (x1 * w1).tanh()
    st = BackwardStepper(o)
    st.step()  # the notebook's stepper is at backward step 0
    page.set_content(st.iframe(height=500))  # what widget() shows in a cell (an ipywidgets.HTML of it)
    frame = page.frames[1]
    frame.wait_for_function("window.tgExplorer !== undefined")
    assert frame.evaluate("tgExplorer.step") == len(st) + 1  # forward steps, the seed, then backward step 0
    assert "tanh" in frame.inner_text("#tg-panel")
    frame.click("#tg-next")
    assert frame.evaluate("tgExplorer.step") == len(st) + 2 and st.index == 0


@pytest.mark.parametrize("case", ["same input twice", "leaf root", "constant input"])
def test_edge_cases_end_with_backwards_gradients(page, tmp_path, case):
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True, name="x")
    if case == "same input twice":
        st, ref = BackwardStepper((x * x).sum()), 2 * x.data
    elif case == "leaf root":
        st, ref = BackwardStepper(x, gradient=np.full((2, 3), 3.0)), np.full((2, 3), 3.0)
    else:
        st, ref = BackwardStepper((x * Tensor(np.full((2, 3), 5.0)) + 1.0).sum()), np.full((2, 3), 5.0)
    open_explorer(page, st, tmp_path)
    page.keyboard.press("End")
    np.testing.assert_array_equal(np.array(page.evaluate("tgExplorer.final")["v0"]), ref)
    assert box_text(page, "v0", "grad") == expected_grad_text(ref)
    if case == "same input twice":  # both contributions arrive in the one step of mul
        assert box_text(page, "v0", "count") == "2 of 2 contributions ✓"
