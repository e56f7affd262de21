"""SVG pictures without Graphviz (autograd.viz.draw_svg) and the layout behind them."""
import html
import re
import shutil

import numpy as np
import pytest

from autograd import Scalar
from autograd.viz import draw_svg
from autograd.viz.draw import preview
from autograd.viz.layout import compute_layout
from autograd.viz.svg import wrap

from .test_viz import MLP_PARAMS, micrograd_expr, mlp, mlp_loss

try:
    import igraph  # noqa: F401
    HAVE_IGRAPH = True
except ImportError:  # the built-in layering takes over
    HAVE_IGRAPH = False

BOX_RE = re.compile(r'<g id="([vo]\d+)" class="tg-node[^"]*" transform="translate\(([-\d.]+),([-\d.]+)\)"')
RECT_RE = re.compile(r'<g id="([vo]\d+)"[^>]*>(?:<title>[^<]*</title>)?<rect width="([\d.]+)" height="([\d.]+)"')


def boxes(svg):
    """id → (x, y, w, h) of every box in an SVG written by tracegrad."""
    pos = {m.group(1): (float(m.group(2)), float(m.group(3))) for m in BOX_RE.finditer(svg)}
    size = {m.group(1): (float(m.group(2)), float(m.group(3))) for m in RECT_RE.finditer(svg)}
    return {k: pos[k] + size[k] for k in pos}


def assert_no_overlap(bx):
    items = list(bx.items())
    for i, (a, (x, y, w, h)) in enumerate(items):
        for b, (x2, y2, w2, h2) in items[i + 1:]:
            assert x + w <= x2 or x2 + w2 <= x or y + h <= y2 or y2 + h2 <= y, (a, b)


def test_draw_svg_without_dot_has_every_value_and_op(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)  # no Graphviz anywhere
    leaves = mlp(np.float64)
    loss = mlp_loss(*leaves)
    loss.backward()
    pic = draw_svg(loss, params=dict(zip(MLP_PARAMS, leaves[1:])))
    assert pic.scene.layout.engine == ("igraph" if HAVE_IGRAPH else "builtin")
    bx = boxes(pic.source)
    # 5 leaves + 6 op values, 6 ops (matmul, add, relu, matmul, add, mean)
    assert sorted(k[0] for k in bx) == ["o"] * 6 + ["v"] * 11
    assert pic.source.count('class="tg-edge"') == 6 + 10
    matmul = loss.grad_fn.next[0].next[0].next[0].next[0].next[0]  # mean ← add ← matmul ← relu ← add ← matmul
    assert matmul.fn.name == "matmul" and html.escape(matmul.fn.rule) in pic.source
    assert "fc1.weight" in pic.source
    shown = wrap("grad " + preview(leaves[1].grad.data))  # the gradient is shown, wrapped
    assert all(f">{html.escape(line)}</text>" in pic.source for line in shown)
    assert_no_overlap(bx)
    assert pic.scene.layout.width <= 1000
    assert pic._repr_svg_() is pic.source


def test_layout_is_computed_once_and_is_deterministic():
    g, _ = micrograd_expr()
    a = draw_svg(g).source
    b = draw_svg(g).source
    assert boxes(a) == boxes(b)
    assert_no_overlap(boxes(a))


def test_long_chain_stacks_top_down_within_notebook_width():
    x = Scalar(0.3, "x")
    y = x
    for _ in range(40):
        y = y.tanh()
    pic = draw_svg(y)
    lay = pic.scene.layout
    assert lay.direction == "TB" and lay.width <= 1000
    small = draw_svg(Scalar(1.0, "a") * Scalar(2.0, "b"))
    assert small.scene.layout.direction == "LR"  # a small graph reads left to right


def test_big_matrices_are_summarized():
    from autograd import Tensor
    w = Tensor(np.arange(64.0).reshape(8, 8), requires_grad=True, name="w")
    pic = draw_svg((w * 2.0).sum(), show_data=True)
    assert "data mean 31.5  std 18.47  norm 292.1" in pic.source
    assert pic.scene.layout.width <= 1000


def test_layout_with_dot_engine():
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's `dot` is not installed")
    lay = compute_layout([(60, 30), (80, 40), (50, 20)], [(0, 1), (1, 2), (0, 2)], "TB", "dot")
    assert lay.engine == "dot" and lay.smooth
    ys = [p[1] for p in lay.pos]
    assert ys[0] < ys[1] < ys[2]  # top-down
    assert all(len(r) >= 4 for r in lay.routes)


def test_layout_errors(monkeypatch):
    with pytest.raises(ValueError, match=r"^compute_layout: unknown direction; got 'up', expected one of"):
        compute_layout([(10, 10)], [], direction="up")
    with pytest.raises(ValueError, match=r"^compute_layout: unknown engine; got 'neato'"):
        compute_layout([(10, 10)], [], engine="neato")
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    with pytest.raises(RuntimeError, match=r"^compute_layout: Graphviz's `dot` program was not found.*"
                                           r"Hint: use engine='igraph'"):
        compute_layout([(10, 10)], [], engine="dot")


def test_caption_above_the_graph():
    pic = draw_svg(Scalar(1.0, "a") * Scalar(2.0, "b"), caption="batch of 2, labels 0 1, loss 0.5")
    assert '<text class="tg-caption" x="4" y="14.0">batch of 2, labels 0 1, loss 0.5</text>' in pic.source
    plain = draw_svg(Scalar(1.0, "a") * Scalar(2.0, "b"))
    assert boxes(plain.source) == boxes(pic.source)  # boxes keep their place inside the shifted group
    assert pic.source.count('<g transform="translate(2.0,22.0)">') == 1


def test_svg_save(tmp_path):
    pic = draw_svg(Scalar(1.0, "a") * Scalar(2.0, "b"))
    path = pic.save(tmp_path / "g.svg")
    assert open(path, encoding="utf-8").read() == pic.source
    assert f"laid out by {'igraph' if HAVE_IGRAPH else 'builtin'}" in repr(pic)


def test_builtin_layout_without_igraph(monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "igraph", None)  # igraph not installed
    g, _ = micrograd_expr()
    pic = draw_svg(g)
    assert pic.scene.layout.engine == "builtin"
    bx = boxes(pic.source)
    assert len(bx) == len(pic.scene.boxes) and pic.source.count('class="tg-edge"') == len(pic.scene.edges)
    assert_no_overlap(bx)
    assert pic.scene.layout.width <= 1000
    # every edge runs from its tail's border down to its head's (top-down), through its bends
    for (u, v), route in zip(pic.scene.edges, pic.scene.layout.routes):
        assert route[0][1] < route[-1][1]
    with pytest.raises(ImportError, match=r"^compute_layout: igraph is not installed.*Hint: pip install igraph"):
        compute_layout([(10, 10)], [], engine="igraph")
    assert compute_layout([(10, 10), (10, 10)], [(0, 1)], engine="builtin").engine == "builtin"
