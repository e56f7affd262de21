"""Pictures and stepping (autograd.viz): DOT structure, rendering, and stepping == backward."""
import html
import os
import re
import shutil
import sys

import numpy as np
import pytest

import autograd
from autograd import Scalar, Tensor
from autograd.function import Node
from autograd.graph import enter_module, exit_module
from autograd.viz import BackwardStepper, GraphvizNotFoundError, draw_graph, render
from tests.conftest import IN_CI

from .micrograd_cases import more_ops_expr

NODE_RE = re.compile(r"^\s*([vo]\d+) \[", re.MULTILINE)
EDGE_RE = re.compile(r"^\s*([vo]\d+) -> ([vo]\d+)", re.MULTILINE)



def nodes(src):
    """Picture node ids in DOT text."""
    return NODE_RE.findall(src)


def edges(src):
    """(tail, head) pairs in DOT text."""
    return EDGE_RE.findall(src)


def label_of(src, node_id):
    m = re.search(rf"^\s*{node_id} \[label=\"((?:[^\"\\]|\\.)*)\"", src, re.MULTILINE)
    assert m, f"no label for {node_id}"
    return m.group(1)


def require_dot():
    """Skip without Graphviz's `dot` locally; fail in CI (the Makefile installs it)."""
    if shutil.which("dot") is None:
        if IN_CI:
            pytest.fail("Graphviz's `dot` is required in CI (make dot / apt-get install graphviz)")
        pytest.skip("Graphviz's `dot` is not installed")


@pytest.fixture
def module_stack():
    """Give tests a stack-like view of this thread's running module (enter on append, exit
    on pop), left as it was afterwards."""
    class Stack:
        def __init__(self):
            self.tokens = []

        def append(self, name):
            self.tokens.append(enter_module(name))

        def pop(self):
            exit_module(self.tokens.pop())

    stack = Stack()
    yield stack
    while stack.tokens:
        stack.pop()


# -- graphs used by several tests ------------------------------------------------------------
def micrograd_expr():
    """micrograd's README expression, with every node: returns (g, leaves, all nodes)."""
    a = Scalar(-4.0, "a")
    b = Scalar(2.0, "b")
    return more_ops_expr(a, b), (a, b)


def scalar_neuron():
    """A tanh neuron (micrograd lecture): o = tanh(x1 w1 + x2 w2 + b)."""
    x1, x2 = Scalar(2.0, "x1"), Scalar(0.0, "x2")
    w1, w2 = Scalar(-3.0, "w1"), Scalar(1.0, "w2")
    b = Scalar(6.8813735870195432, "b")
    x1w1 = x1 * w1
    x1w1.label = "x1w1"
    x2w2 = x2 * w2
    x2w2.label = "x2w2"
    n = x1w1 + x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o, (x1, x2, w1, w2, b), (x1w1, x2w2, n, o)


def all_scalars(root):
    seen, stack = {root}, [root]
    while stack:
        for p in stack.pop().next:
            if p not in seen:
                seen.add(p)
                stack.append(p)
    return seen


def mlp(dtype=np.float32, seed=0):
    """Leaves and loss of a two-layer MLP from Tensor ops: mean(relu(x W1 + b1) W2 + b2)."""
    rng = np.random.default_rng(seed)
    x = Tensor(rng.standard_normal((5, 4)).astype(dtype), requires_grad=True, name="x")
    W1 = Tensor(rng.standard_normal((4, 3)).astype(dtype), requires_grad=True)
    b1 = Tensor(rng.standard_normal(3).astype(dtype), requires_grad=True)
    W2 = Tensor(rng.standard_normal((3, 2)).astype(dtype), requires_grad=True)
    b2 = Tensor(rng.standard_normal(2).astype(dtype), requires_grad=True)
    return (x, W1, b1, W2, b2)


def mlp_loss(x, W1, b1, W2, b2):
    return ((x @ W1 + b1).relu() @ W2 + b2).mean()


MLP_PARAMS = ("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias")


# -- draw_graph: structure ---------------------------------------------------------------------
def test_scalar_graph_one_node_per_value_and_op():
    g, _ = micrograd_expr()
    src = draw_graph(g).source
    scalars = all_scalars(g)
    op_scalars = [s for s in scalars if s.next]
    ids = nodes(src)
    assert len(ids) == len(set(ids)) == len(scalars) + len(op_scalars)
    assert sum(i.startswith("o") for i in ids) == len(op_scalars)
    # edges: one per operand use into each op, and op -> its value
    assert len(edges(src)) == sum(len(s.next) for s in op_scalars) + len(op_scalars)
    for tail, head in edges(src):
        assert tail[0] != head[0]  # value -> op -> value, never value -> value


def test_scalar_records_look_like_micrograd():
    o, _, _ = scalar_neuron()
    o.backward()
    src = draw_graph(o).source
    assert "{ x1 | data 2.0000 | grad -1.5000 }" in src
    assert "{ w1 | data -3.0000 | grad 1.0000 }" in src
    assert "{ o | data 0.7071 | grad 1.0000 }" in src
    assert "{ n | data 0.8814 | grad 0.5000 }" in src
    # op nodes: the _op symbol and the rule
    labels = [label_of(src, i) for i in nodes(src) if i.startswith("o")]
    assert sorted(lab.split("\\n")[0] for lab in labels) == ["*", "*", "+", "+", "tanh"]
    assert any(lab == "tanh\\nā = ḡ·(1 − out²)" for lab in labels)
    bare = draw_graph(o, show_rules=False, show_grad=False).source
    assert "{ x1 | data 2.0000 }" in bare
    assert "ā" not in bare


def test_tensor_graph_structure_labels_and_rules():
    x, W1, b1, W2, b2 = mlp()
    loss = mlp_loss(x, W1, b1, W2, b2)
    params = dict(zip(MLP_PARAMS, (W1, b1, W2, b2)))
    src = draw_graph(loss, params=params).source
    ids = nodes(src)
    # ops: matmul, add, relu, matmul, add, mean; values: 5 leaves + 6 outputs
    assert sum(i.startswith("o") for i in ids) == 6
    assert sum(i.startswith("v") for i in ids) == 11
    assert len(edges(src)) == (2 + 2 + 1 + 2 + 2 + 1) + 6
    op_labels = [label_of(src, i) for i in ids if i.startswith("o")]
    names = sorted(lab.split("\\n")[0] for lab in op_labels)
    assert names == ["add", "add", "matmul", "matmul", "mean", "relu"]
    assert loss.grad_fn.next[0].next[0].fn.name == "matmul"
    matmul_rule = loss.grad_fn.next[0].next[0].fn.rule
    assert matmul_rule and f"matmul\\n{matmul_rule}" in op_labels
    for qual in MLP_PARAMS:
        assert f"{{ {qual} | " in src
    assert "{ x | (5, 4) float32 }" in src
    assert "(3, 2) float32" in src and "() float32" in src
    # parameters, other leaves, intermediates and the root have different fills
    fills = {lab: re.search(rf"^\s*{i} \[.*fillcolor=\"([^\"]+)\"", src, re.MULTILINE).group(1)
             for i in ids if i.startswith("v") for lab in [label_of(src, i)]}
    fill_x = next(f for lab, f in fills.items() if lab.startswith("{ x |"))
    fill_w = next(f for lab, f in fills.items() if lab.startswith("{ fc1.weight"))
    fill_root = next(f for lab, f in fills.items() if lab.startswith("{ () float32"))
    fill_mid = next(f for lab, f in fills.items() if lab.startswith("{ (5, 3) float32"))
    assert len({fill_x, fill_w, fill_root, fill_mid}) == 4
    no_shapes = draw_graph(loss, show_shapes=False, show_rules=False).source
    assert "float32" not in no_shapes and matmul_rule not in no_shapes


def test_tensor_names_edges_follow_the_graph():
    a = Tensor([1.0, 2.0], requires_grad=True, name="a")
    b = Tensor([3.0, 4.0], requires_grad=True, name="b")
    c = a * b
    c.name = "c"
    d = (c + a).sum()
    src = draw_graph(d).source
    by_label = {label_of(src, i).split(" | ")[0].lstrip("{ "): i for i in nodes(src) if i.startswith("v")}
    va, vb, vc = by_label["a"], by_label["b"], by_label["c"]
    es = set(edges(src))
    mul_op = "o" + vc[1:]
    assert (va, mul_op) in es and (vb, mul_op) in es and (mul_op, vc) in es
    add_ops = [h for t, h in es if t == vc]
    assert len(add_ops) == 1 and (va, add_ops[0]) in es  # a feeds both mul and add
    assert label_of(src, add_ops[0]).startswith("add")


def test_same_input_twice_gives_two_edges():
    a = Tensor([1.0, -2.0], requires_grad=True)
    y = (a * a).sum()
    src = draw_graph(y).source
    mul = next(i for i in nodes(src) if i.startswith("o") and label_of(src, i).startswith("mul"))
    assert sum(1 for t, h in edges(src) if h == mul) == 2


def test_leaf_and_constant_roots():
    w = Tensor(np.ones((2, 2)), requires_grad=True, name="w")
    src = draw_graph(w).source
    assert nodes(src) == ["v0"] and edges(src) == []
    c = Tensor([1.0, 2.0])
    assert len(nodes(draw_graph(c, w).source)) == 2


def test_show_data_small_and_summary_for_large():
    a = Tensor(np.array([1.0, -2.0, 3.0], dtype=np.float32), requires_grad=True, name="a")
    big = Tensor(np.arange(20, dtype=np.float32).reshape(4, 5), requires_grad=True, name="big")
    y = (a * 2.0).sum() + big.sum()
    y.backward()
    src = draw_graph(y, show_data=True).source
    assert "data [ 1.0000, -2.0000,  3.0000]" in src
    assert "grad [2.0000, 2.0000, 2.0000]" in src
    m = np.arange(20.0)
    assert f"data mean {m.mean():.4g}  std {m.std():.4g}  norm {np.linalg.norm(m):.4g}" in src
    assert f"grad mean 1  std 0  norm {np.sqrt(20):.4g}" in src
    assert "| data" not in draw_graph(y).source
    assert "| grad" not in draw_graph(y, show_grad=False).source


def test_intermediate_values_come_from_consumers_saved_inputs():
    """A node keeps no reference to its output; the picture finds an intermediate's values
    through the op that saved it (mul saves both operands), and loses them after backward."""
    a = Tensor(np.array([1.0, -2.0, 3.0], dtype=np.float32), requires_grad=True, name="a")
    y = ((a * 2.0) * a).sum()  # the intermediate a*2 is held only by the second mul's saved inputs
    assert y.grad_fn.next[0].output() is None  # no weak reference per op
    src = draw_graph(y, show_data=True).source
    assert "data [ 2.0000, -4.0000,  6.0000]" in src
    y.backward()
    after = draw_graph(y, show_data=True).source
    assert "data [ 2.0000, -4.0000,  6.0000]" not in after  # saved values were freed


def test_named_intermediate_is_found_by_name():
    a = Tensor([1.0, 2.0], requires_grad=True)
    c = a + a
    assert c.grad_fn.output() is None
    c.name = "c"
    assert c.grad_fn.output() is c  # naming links it for pictures
    assert "{ c |" in draw_graph((c * 1.0).sum()).source


def test_flattened_roots_and_alias():
    a = Tensor([1.0], requires_grad=True)
    y1, y2 = a.exp(), a * 3.0
    assert draw_graph([y1, y2]).source == draw_graph(y1, y2).source
    assert autograd.viz.draw_dot is draw_graph


def test_bad_roots():
    with pytest.raises(ValueError, match=r"^draw_graph: no roots given"):
        draw_graph()
    with pytest.raises(TypeError, match=r"^draw_graph: roots must be Tensors or Scalars; got int"):
        draw_graph(3)
    with pytest.raises(TypeError, match=r"^draw_graph: roots mix Tensors and Scalars"):
        draw_graph(Scalar(1.0), Tensor([1.0]))


# -- module clusters ---------------------------------------------------------------------------
def test_clusters_named_after_modules_and_nested(module_stack):
    x, W1, b1, W2, b2 = mlp()
    module_stack.append("encoder.fc1")
    h = (x @ W1 + b1)
    module_stack.pop()
    h = h.relu()
    module_stack.append("head")
    z = h @ W2 + b2
    module_stack.pop()
    loss = z.mean()
    params = {"encoder.fc1.weight": W1, "encoder.fc1.bias": b1, "head.weight": W2, "head.bias": b2}
    src = draw_graph(loss, params=params).source
    assert 'subgraph "cluster_encoder.fc1" {' in src
    assert "subgraph cluster_encoder {" in src
    assert "subgraph cluster_head {" in src
    assert 'label="encoder.fc1"' in src and "label=encoder " in src and "label=head " in src
    # nesting: encoder.fc1 is inside encoder (deeper indentation, between its braces)
    lines = src.split("\n")
    start = next(i for i, ln in enumerate(lines) if ln.strip() == "subgraph cluster_encoder {")
    inner = next(i for i, ln in enumerate(lines) if ln.strip() == 'subgraph "cluster_encoder.fc1" {')
    assert inner > start and lines[inner].startswith("\t\t")
    # the ops made in encoder.fc1 sit in its cluster, relu and mean at top level
    block = []
    depth = 0
    for ln in lines[inner:]:
        if ln.strip().endswith("{"):
            depth += 1
        elif ln.strip() == "}":
            depth -= 1
            if depth == 0:
                break
        block.append(ln)
    text = "\n".join(block)
    assert "matmul" in text and "add" in text and "encoder.fc1.weight" in text
    assert "relu" not in text and "mean" not in text
    flat = draw_graph(loss, params=params, group_modules=False).source
    assert "subgraph" not in flat
    assert nodes(flat) and sorted(nodes(flat)) == sorted(nodes(src))


def test_clusters_from_nn_module():
    import nn
    autograd.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    x = Tensor(np.ones((2, 4), dtype=np.float32))
    loss = model(x).sum()
    src = draw_graph(loss, params=dict(model.named_parameters())).source
    assert "subgraph cluster_0 {" in src and "subgraph cluster_2 {" in src
    assert "{ 0.weight | (3, 4) float32 }" in src
    assert "linear" in src or "matmul" in src
    assert 'label="0: Linear"' not in src  # a dict of names does not know the module classes
    by_model = draw_graph(loss, params=model).source  # a Module names its own parameters ...
    # ... and its submodules: the same picture, clusters labelled "qualname: Class"
    assert by_model == (src.replace("label=0 ", 'label="0: Linear" ')
                        .replace("label=1 ", 'label="1: ReLU" ').replace("label=2 ", 'label="2: Linear" '))
    assert 'label="0: Linear"' in by_model and 'label="2: Linear"' in by_model


# -- show_saved --------------------------------------------------------------------------------
def test_show_saved_bytes_and_total():
    x = Tensor(np.ones((4, 3), dtype=np.float32), requires_grad=True)   # 48 B
    W = Tensor(np.ones((3, 2), dtype=np.float32), requires_grad=True)   # 24 B
    loss = ((x @ W).relu() + (x @ W).exp()).sum()
    src = draw_graph(loss, show_saved=True).source
    # both matmuls keep x and W (same arrays, counted once); relu and exp keep their outputs
    assert src.count("saved: input 0 (4, 3) float32, 48 B") == 2
    assert src.count("saved: input 1 (3, 2) float32, 24 B") == 2
    assert "saved: output (4, 2) float32, 32 B" in src
    assert "saved: nothing" in src  # add, sum
    assert 'label="saved for backward: 136 B in 4 arrays"' in src
    assert "saved" not in draw_graph(loss).source
    loss.backward()
    freed = draw_graph(loss, show_saved=True).source
    assert "saved: freed" in freed and 'label="saved for backward: 0 B in 0 arrays"' in freed


def test_show_saved_large_counts_kib():
    x = Tensor(np.ones((32, 32), dtype=np.float64), requires_grad=True)
    src = draw_graph(x.exp().sum(), show_saved=True).source
    assert "saved: output (32, 32) float64, 8.0 KiB (8192 B)" in src
    assert "saved for backward: 8.0 KiB (8192 B) in 1 arrays" in src


def test_show_saved_scalars():
    o, _, _ = scalar_neuron()
    src = draw_graph(o, show_saved=True).source
    # 2 muls keep 2 local derivatives each, tanh keeps 1; the 2 adds keep nothing (their local
    # derivatives are the constant 1): 5 floats, and Scalars hold numbers, not arrays
    assert src.count("saved: 2 local derivatives, 16 B") == 2
    assert src.count("saved: nothing") == 2
    assert "saved: 1 local derivative, 8 B" in src
    assert 'label="saved for backward: 40 B in 5 numbers"' in src
    neg = draw_graph(-(Scalar(1.0) - Scalar(2.0)), show_saved=True).source
    assert neg.count("saved: nothing") == 2 and 'label="saved for backward: 0 B in 0 numbers"' in neg


# -- max_nodes ---------------------------------------------------------------------------------
def test_max_nodes_gives_summary():
    x = Scalar(0.5, "x")
    y = x
    for _ in range(40):
        y = (y * 0.9).tanh()
    full = draw_graph(y, max_nodes=None).source
    assert len(nodes(full)) == 121 + 80  # x, 40 constants 0.9, 80 op values; 80 ops
    small = draw_graph(y, max_nodes=100)
    src = small.source
    assert nodes(src) == [] and edges(src) == []
    assert src.count("[label=") == 1 and "shape=note" in src
    assert "201 nodes (121 values, 80 ops) > max_nodes=100" in src
    assert "* ×40" in src and "tanh ×40" in src
    assert "leaves: 41 (0 parameters)" in src  # x and the 40 constants 0.9
    assert "max_nodes=201" in src


def test_long_chain_is_summarized_without_recursion():
    a = Tensor(np.ones(3), requires_grad=True)
    y = a
    for _ in range(3000):
        y = y * 1.0
    src = draw_graph(y.sum(), show_saved=True).source
    assert "mul ×3000" in src and "sum ×1" in src
    assert "saved for backward:" in src
    assert len(nodes(draw_graph(y, max_nodes=10_000).source)) == 2 * 3000 + 1


# -- rendering ---------------------------------------------------------------------------------
def test_render_svg_with_dot(tmp_path):
    require_dot()
    x, W1, b1, W2, b2 = mlp()
    loss = mlp_loss(x, W1, b1, W2, b2)
    g = draw_graph(loss, show_data=True, show_saved=True)
    out = render(g, tmp_path / "mlp.svg")
    with open(out, encoding="utf-8") as f:
        text = f.read()
    assert text.lstrip().startswith("<?xml") and "<svg" in text
    assert "matmul" in text and "relu" in text and "mean" in text
    assert os.listdir(tmp_path) == ["mlp.svg"]
    png = render(g, str(tmp_path / "mlp.png"), format="png")
    with open(png, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert "image/svg+xml" in g._repr_mimebundle_()
    o, _, _ = scalar_neuron()
    g.render(outfile=str(tmp_path / "neuron.pdf"))
    svg = draw_graph(o).pipe(format="svg", encoding="utf-8")
    assert "tanh" in svg and "x1" in svg


def test_render_without_dot_says_how_to_install(tmp_path, monkeypatch):
    o, _, _ = scalar_neuron()
    g = draw_graph(o)
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` on this PATH
    assert "tanh" in g.source  # the DOT text never needs Graphviz
    with pytest.raises(RuntimeError, match=r"^render: Graphviz's `dot` program was not found; install it "
                                           r"\(Debian/Ubuntu: apt-get install graphviz, macOS: brew install"):
        render(g, tmp_path / "x.svg")
    assert not (tmp_path / "x.svg").exists()
    with pytest.raises(GraphvizNotFoundError, match="apt-get install graphviz"):
        g.pipe(format="svg")
    with pytest.raises(RuntimeError, match="brew install graphviz"):
        g._repr_mimebundle_()
    with pytest.raises(RuntimeError, match="apt-get install graphviz"):
        g.render(outfile=str(tmp_path / "y.svg"))
    import graphviz
    with pytest.raises(graphviz.ExecutableNotFound):
        g.pipe()
    step = BackwardStepper(o)
    s = step.step()
    assert s._repr_svg_() is None
    html = s._repr_html_()
    assert "apt-get install graphviz" in html and "digraph" in html


def test_step_html_without_dot_is_the_explorer_at_that_step(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` on this PATH
    o, leaves, _ = scalar_neuron()
    st = BackwardStepper(o)
    s0 = st.step()
    st.step()
    grads = [x.grad for x in leaves]
    page = s0._repr_html_()
    assert "step 0 of 5" in page and page.count("<iframe srcdoc=") == 1
    assert re.search(r'"start":6[,}]', html.unescape(page))  # after 5 forward steps and the seed: backward step 0
    assert "apt-get install graphviz" in page and "digraph" in page  # folded away under the explorer
    assert st.index == 1 and [x.grad for x in leaves] == grads  # drawing it did not move the stepper
    assert re.search(r'"start":5[,}]', html.unescape(BackwardStepper(o)._repr_html_()))  # none taken: the seed


def test_render_rejects_non_graphs(tmp_path):
    with pytest.raises(TypeError, match=r"^render: graph must be a graphviz.Digraph; got str"):
        render("digraph {}", tmp_path / "a.svg")


# -- BackwardStepper on Scalars ----------------------------------------------------------------
def test_stepper_scalar_steps_equal_backward():
    g_ref, leaves_ref = micrograd_expr()
    g_ref.backward()
    g, leaves = micrograd_expr()
    stepper = BackwardStepper(g)
    n_ops = sum(1 for s in all_scalars(g) if s.next)
    assert len(stepper) == n_ops
    steps = []
    while True:
        s = stepper.step()
        if s is None:
            break
        steps.append(s)
    assert [s.index for s in steps] == list(range(n_ops))
    assert stepper.step() is None and stepper.done
    assert len({id(s.node) for s in steps}) == n_ops
    for (a, b) in zip(leaves, leaves_ref):
        assert a.grad == b.grad
    assert leaves[0].grad == pytest.approx(138.83381924198252)  # micrograd's README values
    assert leaves[1].grad == pytest.approx(645.5772594752186)
    # every node keeps its gradient, exactly as backward() leaves them
    ref_nodes = sorted((s.data, s.grad) for s in all_scalars(g_ref))
    got_nodes = sorted((s.data, s.grad) for s in all_scalars(g))
    assert got_nodes == ref_nodes


def test_stepper_scalar_step_fields():
    o, _, (_, _, n, _) = scalar_neuron()
    st = BackwardStepper(o)
    s0 = st.step()
    assert s0.index == 0 and s0.node is o and s0.name == "tanh"
    assert s0.grad_output == 1.0
    assert s0.grad_inputs == pytest.approx((0.5,))
    assert s0.rule == o.rule and s0.rule_latex == o.rule_latex and "ā" in s0.rule
    s1 = st.step()
    assert s1.node is n and s1.name == "+" and s1.grad_output == pytest.approx(0.5)
    assert len(s1.grad_inputs) == len(n.next)
    assert "Step 1: +" in repr(s1)


def test_stepper_leaf_gradients_arrive_with_their_last_contribution():
    a = Scalar(3.0, "a")
    b = a * 2.0
    c = a * a
    y = b + c            # a feeds two ops: its grad is applied in the later one's step
    st = BackwardStepper(y)
    order = []
    for s in st:
        order.append(s.node)
        if s.node is order[0]:
            assert a.grad == 0.0
    assert order[0] is y
    assert a.grad == pytest.approx(2.0 + 2 * 3.0)
    # run_to a leaf: the step that applied its gradient; at that moment it is final
    st.reset()
    assert a.grad == 0.0 and y.grad == 0.0 and b.grad == 0.0
    step = st.run_to(a)
    assert step.node in (b, c) and step.index == 2 and a.grad == pytest.approx(8.0)
    assert st.step() is None


def test_stepper_reset_restores_scalar_grads():
    o, leaves, mids = scalar_neuron()
    for i, s in enumerate(leaves + mids):
        s.grad = 0.25 * i
    before = [s.grad for s in leaves + mids]
    st = BackwardStepper(o)
    st.step()
    st.step()
    st.reset()
    assert [s.grad for s in leaves + mids] == before
    assert st.index == -1 and st.steps == []
    first = st.run()
    assert [s.index for s in first] == list(range(5))
    after_stepper = [s.grad for s in leaves + mids]
    st.reset()
    o.backward()  # micrograd accumulates on top of existing grads, like the stepper
    assert [s.grad for s in leaves + mids] == after_stepper


def test_stepper_run_to_op_and_errors():
    o, _, (x1w1, _, n, _) = scalar_neuron()
    st = BackwardStepper(o)
    s = st.run_to(x1w1)
    assert s.node is x1w1 and st.steps[-1] is s
    assert st.run_to(n) is st.steps[1]  # already taken: returned as is
    with pytest.raises(ValueError, match=r"^BackwardStepper.run_to: the node is not part of this graph"):
        st.run_to(Scalar(1.0))


# -- BackwardStepper on Tensors ----------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_stepper_mlp_equals_backward(dtype):
    ref = mlp(dtype)
    mlp_loss(*ref).backward()
    leaves = mlp(dtype)
    loss = mlp_loss(*leaves)
    st = BackwardStepper(loss)
    assert len(st) == 6
    steps = list(st)
    assert steps[0].name == "mean" and len(steps) == 6
    assert [s.index for s in steps] == list(range(6))
    for t, r in zip(leaves, ref):
        assert t.grad is not None and t.grad.dtype == dtype
        np.testing.assert_array_equal(t.grad.detach().numpy(), r.grad.detach().numpy())
    assert st.step() is None
    # grad_output / grad_inputs of each step have the right shapes and dtypes
    for s in steps:
        assert s.grad_output.shape == s.node.shape and s.grad_output.dtype == dtype
        assert len(s.grad_inputs) == len(s.node.next)
        for p, gi in zip(s.node.next, s.grad_inputs):
            assert gi.shape == p.shape and gi.dtype == dtype
        assert s.rule == s.node.fn.rule and s.rule_latex == s.node.fn.rule_latex
    # the stepper retained the graph: a backward afterwards still works and adds up
    loss.backward()
    for t, r in zip(leaves, ref):
        np.testing.assert_allclose(t.grad.detach().numpy(), 2 * r.grad.detach().numpy(), rtol=1e-6)


def test_stepper_tensor_gradient_argument_and_fan_out():
    rng = np.random.default_rng(3)
    a = Tensor(rng.standard_normal((3, 2)), requires_grad=True)
    b = Tensor(rng.standard_normal(2), requires_grad=True)
    y = (a * b).exp() + a * 2.0 - b   # a used twice, b three times (broadcast)
    G = rng.standard_normal((3, 2))
    st = BackwardStepper(y, gradient=G)
    st.run()
    ga, gb = a.grad.detach().numpy().copy(), b.grad.detach().numpy().copy()
    a.grad = b.grad = None
    y.backward(G)
    np.testing.assert_array_equal(ga, a.grad.detach().numpy())
    np.testing.assert_array_equal(gb, b.grad.detach().numpy())


def test_stepper_reset_restores_tensor_grads():
    x, W1, b1, W2, b2 = leaves = mlp(np.float64)
    loss = mlp_loss(*leaves)
    old = Tensor(np.full((4, 3), 7.0))
    W1.grad = old
    st = BackwardStepper(loss)
    st.run_to(loss.grad_fn.next[0])  # through the last add
    st.run()
    assert W1.grad is old and not np.all(old.detach().numpy() == 7.0)   # accumulated in place
    st.reset()
    assert W1.grad is old and np.all(old.detach().numpy() == 7.0)
    assert x.grad is None and b1.grad is None and W2.grad is None and b2.grad is None
    assert st.index == -1 and not st.done
    st.run()
    first = [t.grad.detach().numpy().copy() for t in leaves]
    st.reset()
    st.run()
    for t, f in zip(leaves, first):
        np.testing.assert_array_equal(t.grad.detach().numpy(), f)
    st.reset()
    W1.grad = None
    loss.backward(retain_graph=True)
    ref = W1.grad.detach().numpy().copy()
    np.testing.assert_allclose(first[1] - 7.0, ref)


def test_stepper_reset_midway_and_retained_grad():
    a = Tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
    h = a.exp()
    h.retain_grad()
    y = (h * a).sum()
    st = BackwardStepper(y)
    st.run()
    assert h.grad is not None
    np.testing.assert_allclose(h.grad.detach().numpy(), a.detach().numpy())
    st.reset()
    assert h.grad is None and a.grad is None
    st.step()
    st.reset()
    assert a.grad is None
    assert len(st.run()) == 3


def test_stepper_cnn_equals_backward():
    rng = np.random.default_rng(5)

    def build():
        x = Tensor(rng.standard_normal((2, 1, 6, 6)), requires_grad=True)
        w = Tensor(rng.standard_normal((3, 1, 3, 3)), requires_grad=True)
        bias = Tensor(rng.standard_normal(3), requires_grad=True)
        return x, w, bias

    state = rng.bit_generator.state
    ref = build()
    rng.bit_generator.state = state
    leaves = build()

    def loss_of(x, w, bias):
        return autograd.conv2d(x, w, bias, padding=1).relu().mean()

    loss_of(*ref).backward()
    loss = loss_of(*leaves)
    st = BackwardStepper(loss)
    assert len(st.run()) == len(st)
    for t, r in zip(leaves, ref):
        np.testing.assert_array_equal(t.grad.detach().numpy(), r.grad.detach().numpy())
    assert "conv2d" in draw_graph(loss).source


def test_stepper_errors():
    with pytest.raises(TypeError, match=r"^BackwardStepper: root must be a Tensor or Scalar; got float"):
        BackwardStepper(1.0)
    with pytest.raises(RuntimeError, match=r"^BackwardStepper: the output does not require grad"):
        BackwardStepper(Tensor([1.0]))
    a = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^BackwardStepper: grad can be implicitly created only"):
        BackwardStepper(a * 2.0)
    with pytest.raises(ValueError, match=r"BackwardStepper: gradient has shape \(2,\)"):
        BackwardStepper(a * 2.0, gradient=np.ones(2))
    with pytest.raises(TypeError, match=r"^BackwardStepper: unknown option 'colour'"):
        BackwardStepper((a * 2.0).sum(), colour="red")
    y = (a.exp() * 2.0).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=r"^BackwardStepper: the saved values of '.*' were already freed.*"
                                           r"retain_graph=True"):
        BackwardStepper(y)


# -- stepper pictures --------------------------------------------------------------------------
def test_stepper_pictures_mark_current_done_pending():
    leaves = mlp(np.float64)
    loss = mlp_loss(*leaves)
    st = BackwardStepper(loss, params=dict(zip(MLP_PARAMS, leaves[1:])))
    start = st.graph().source
    assert "#ffb347" not in start
    assert start.count('fillcolor="#ececec"') == len(nodes(start)) - 1  # all pending but the root value
    s0 = st.step()
    s1 = st.step()
    src0, src1 = s0.graph().source, s1.graph().source
    for src, s in ((src0, s0), (src1, s1)):
        assert src.count('fillcolor="#ffb347"') == 1  # exactly one current op
        cur = re.search(r"^\s*(o\d+) \[.*fillcolor=\"#ffb347\"", src, re.MULTILINE).group(1)
        assert label_of(src, cur).startswith(s.name)
    assert src1.count('fillcolor="#9fd89a"') == 1  # the mean op is done
    # gradients: shown on done values; the current op's outgoing gradients label its edges
    assert "grad 1.0000" in src0
    assert src1.count("dir=back") == 2  # add sends to its two inputs
    assert "fc2.bias" in src1 and "grad [" in label_of(src1, next(
        i for i in nodes(src1) if label_of(src1, i).startswith("{ fc2.bias")))
    st.run()
    end = st.graph().source
    assert "#ececec" not in end and end.count('fillcolor="#9fd89a"') == 5
    # an old step still draws its own moment
    assert s0.graph().source == src0


def test_stepper_svg_and_html(tmp_path):
    require_dot()
    o, _, _ = scalar_neuron()
    st = BackwardStepper(o)
    html0 = st._repr_html_()
    assert "none taken yet" in html0 and "<svg" in html0
    s = st.step()
    svg = s._repr_svg_()
    assert svg.lstrip().startswith("<?xml") and "tanh" in svg
    html = s._repr_html_()
    assert "step 0 of 5" in html and "<svg" in html and "tanh" in html
    assert st._repr_svg_().count("<svg") == 1


def test_steps_in_jupyter_share_one_layout_and_never_run_graphviz(monkeypatch):
    require_dot()
    import autograd.viz.draw as draw_mod
    o, _, _ = scalar_neuron()
    st = BackwardStepper(o)
    s0, s1 = st.step(), st.step()

    def no_dot(*args, **kwargs):
        raise AssertionError("Graphviz ran to display a step")
    monkeypatch.setattr(draw_mod.Picture, "pipe", no_dot)
    svg0, svg1, html2 = s0._repr_svg_(), s1._repr_svg_(), st._repr_html_()
    boxes = re.compile(r'<g id="([vo]\d+)" class="[^"]*" transform="([^"]+)"')
    assert boxes.findall(svg0) == boxes.findall(svg1) == boxes.findall(html2) and len(boxes.findall(svg0)) == 15  # 10 values, 5 ops
    cur = re.compile(r'<g id="([vo]\d+)" class="[^"]*tg-cur[^"]*"')
    assert cur.findall(svg0) == ["o9"] and cur.findall(svg1) != cur.findall(svg0)  # tanh first, then the next op
    assert svg0.startswith("<?xml") and "<style>" in svg0 and "tanh" in svg0
    grad = re.compile(r'<text id="v8-grad0"[^>]*>([^<]*)<')  # o = tanh(n): n's adjoint, shown after step 0
    assert grad.findall(svg0) == [f"grad {1 - o.data ** 2:.4f}"]
    assert "step 1 of 5" in html2 and st.index == 1  # drawing did not move the stepper


def test_widget_slider():
    pytest.importorskip("ipywidgets")
    o, _, _ = scalar_neuron()
    st = BackwardStepper(o)
    box = st.slider_widget()
    slider, view = box.children
    assert slider.min == 0 and slider.max == len(st) - 1 and slider.value == 0
    assert st.index == 0 and "step 0 of 5" in view.value
    slider.value = 3
    assert st.index == 3 and "step 3 of 5" in view.value
    slider.value = 1
    assert st.index == 3 and "step 1 of 5" in view.value


def test_widget_is_the_explorer_in_a_frame():
    pytest.importorskip("ipywidgets")
    o, _, _ = scalar_neuron()
    st = BackwardStepper(o)
    w = st.widget(height=500, title="neuron")
    assert type(w).__name__ == "HTML"
    assert w.value.startswith('<iframe srcdoc="&lt;!DOCTYPE html&gt;') and "height:500px" in w.value
    page = html.unescape(w.value.split('srcdoc="', 1)[1].split('" style=', 1)[0])
    assert page == st.html(title="neuron")
    assert "<script>" in page and not re.search(r"https?://(?!www\.w3\.org/)", page)  # only XML namespaces


def test_widget_without_ipywidgets(monkeypatch):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    st = BackwardStepper(scalar_neuron()[0])
    with pytest.raises(ImportError, match=r"^BackwardStepper.widget: ipywidgets is not installed.*"
                                          r"pip install ipywidgets"):
        st.widget()
    with pytest.raises(ImportError, match=r"^BackwardStepper.slider_widget: ipywidgets is not installed.*"
                                          r"pip install ipywidgets"):
        st.slider_widget()


def test_node_is_graph_protocol_item():
    # the pictures read only the graph protocol: a Node's `next`, fn, shape, dtype
    a = Tensor(np.ones(2), requires_grad=True)
    y = a.exp()
    assert isinstance(y.grad_fn, Node) and y.grad_fn.next == (a,)
    assert nodes(draw_graph(y).source) == ["v0", "v1", "o1"]


def test_stepper_leaf_root_and_retained_grad_picture():
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    st = BackwardStepper(w, gradient=np.array([3.0, 4.0]))
    assert len(st) == 0 and st.step() is None and st.done
    np.testing.assert_array_equal(w.grad.detach().numpy(), [3.0, 4.0])
    st.reset()
    assert w.grad is None
    h = w.exp()
    h.retain_grad()
    h.name = "h"
    (h * 2.0).sum().backward()
    src = draw_graph(h * 1.0).source
    assert f"{{ h | (2,) float64 | grad {np.array2string(np.array([2.0, 2.0]), precision=4, floatmode='fixed', separator=', ')} }}" in src


def test_stepper_summary_when_too_large():
    x = Scalar(0.3, "x")
    y = x
    for _ in range(30):
        y = y.tanh()
    st = BackwardStepper(y, max_nodes=20)
    s = st.step()
    src = s.graph().source
    assert "shape=note" in src and "tanh ×30" in src
    assert len(st.run()) == 30
