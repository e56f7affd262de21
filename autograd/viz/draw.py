"""Graphviz pictures of a computation graph: `draw_graph`, `render` and the model behind them.

A graph is read through the engine's graph protocol only (see `autograd/engine.py`): an op
item has a non-empty ``next`` tuple of upstream items, a leaf has ``next == ()``. Tensor
graphs have `Node` op items (their output Tensor is held weakly) and leaf Tensors; Scalar
graphs have Scalars, which are op items when made by an op. Each op item becomes TWO picture
nodes, the op (ellipse) and the value it made (record); each leaf becomes one value node.
Edges run value → op → value, the direction of the forward pass.

The walk is iterative (no recursion), so deep chains can be drawn, or summarized once they
pass `max_nodes`.
"""
import os

import graphviz
import numpy as np

from ..fileio import atomic_write
from ..function import Node
from ..scalar import CONSTANT_LOCAL_OPS, Scalar
from ..tensor import Tensor

# fill colours by role; the stepper adds its own for current / done / pending
COLOURS = {
    "root": "#b9e4b0",         # the output(s) backward starts from
    "param": "#ffe9a8",        # parameters (named by `params`, or an nn.Parameter)
    "leaf": "#cfe3fa",         # other leaves that require grad (inputs)
    "const": "#ffffff",        # a root that does not require grad
    "value": "#f4f4f4",        # intermediate values
    "op": "#e6def5",           # op nodes
    "current": "#ffb347",      # stepper: the node that just ran
    "done_op": "#9fd89a",      # stepper: ops already run
    "pending": "#ececec",      # stepper: not reached yet
}
PENDING_FONT = "#9a9a9a"
PREVIEW_MAX = 16  # arrays with at most this many elements are shown in full

INSTALL_HINT = ("install it (Debian/Ubuntu: apt-get install graphviz, macOS: brew install graphviz, "
                "conda: conda install graphviz), or read the DOT text in `.source`")


class GraphvizNotFoundError(graphviz.ExecutableNotFound):
    """Raised when rendering needs Graphviz's `dot` program and it is not installed.

    A `RuntimeError` (and a `graphviz.ExecutableNotFound`) whose message says how to install
    Graphviz. The DOT source of a graph (``graph.source``) never needs `dot`.
    """

    def __init__(self, what="draw_graph"):
        RuntimeError.__init__(self, f"{what}: Graphviz's `dot` program was not found; {INSTALL_HINT}.")


class Picture(graphviz.Digraph):
    """The `graphviz.Digraph` returned by `draw_graph`: rendering errors say how to get `dot`.

    Everything of `graphviz.Digraph` works (``.source``, ``.render()``, ``.pipe()``, inline
    display in Jupyter through ``_repr_mimebundle_``); where `dot` is missing, `pipe` and
    `render` raise `GraphvizNotFoundError` (a RuntimeError) instead of graphviz's bare error.
    """

    def pipe(self, *args, **kwargs):
        """Run `dot` on the source and return the output (see `graphviz.Digraph.pipe`).

        Raises:
            GraphvizNotFoundError: if Graphviz's `dot` is not installed.
        """
        try:
            return super().pipe(*args, **kwargs)
        except graphviz.ExecutableNotFound as exc:
            if isinstance(exc, GraphvizNotFoundError):
                raise
            raise GraphvizNotFoundError("draw_graph") from exc

    def render(self, *args, **kwargs):
        """Write the source and the rendered file (see `graphviz.Digraph.render`).

        Raises:
            GraphvizNotFoundError: if Graphviz's `dot` is not installed.
        """
        try:
            return super().render(*args, **kwargs)
        except graphviz.ExecutableNotFound as exc:
            if isinstance(exc, GraphvizNotFoundError):
                raise
            raise GraphvizNotFoundError("draw_graph") from exc


def render(graph, path, format="svg"):
    """Render `graph` with Graphviz's `dot` and write it to `path` (atomically).

    Args:
        graph (graphviz.Digraph): e.g. the result of `draw_graph`.
        path (str or os.PathLike): the output file, written as given.
        format (str): any Graphviz output format: ``'svg'``, ``'png'``, ``'pdf'`` …

    Returns:
        str: `path`.

    Raises:
        TypeError: if `graph` is not a graphviz graph.
        GraphvizNotFoundError (a RuntimeError): if `dot` is not installed; the message says
            how to install Graphviz.
        OSError: if `path` is read-only, a directory or not a regular file, or the write fails
            (the previous file is kept; `autograd.fileio.atomic_write` writes through symlinks
            and keeps an existing file's mode).
    """
    if not isinstance(graph, (graphviz.Digraph, graphviz.Graph)):
        raise TypeError(f"render: graph must be a graphviz.Digraph; got {type(graph).__name__}.")
    try:
        data = graph.pipe(format=format)
    except graphviz.ExecutableNotFound as exc:
        raise GraphvizNotFoundError("render") from exc
    atomic_write(path, lambda f: f.write(data), "render")
    return os.fspath(path)


def to_svg(graph, what="draw_graph"):
    """The graph rendered as an SVG string.

    Raises:
        GraphvizNotFoundError: if Graphviz's `dot` is not installed.
    """
    try:
        return graph.pipe(format="svg", encoding="utf-8")
    except graphviz.ExecutableNotFound as exc:
        raise GraphvizNotFoundError(what) from exc


# -- text helpers ------------------------------------------------------------------------------
_RECORD_SPECIAL = str.maketrans({c: "\\" + c for c in "{}|<>\""})


def _rec(text):
    """Escape text for one field of a Graphviz record label; lines become left-justified."""
    text = text.replace("\\", "\\\\").translate(_RECORD_SPECIAL)
    if "\n" in text:
        text = "\\l".join(text.split("\n")) + "\\l"
    return text


def _plain(text):
    """Escape text for an ordinary (non-record) label; newlines become centred breaks."""
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def preview(arr):
    """Short text for an array: the values when it has ≤ 16 elements, else mean/std/norm.

    Args:
        arr: ndarray, Tensor or number.

    Returns:
        str: e.g. ``'[1.0000, 2.0000]'`` or ``'mean 0.01 std 1.02 norm 32.1'``.
    """
    if isinstance(arr, Tensor):
        arr = arr._array
    if isinstance(arr, float):
        return f"{arr:.4f}"
    a = np.asarray(arr)
    if a.size <= PREVIEW_MAX:
        if a.ndim == 0:
            return f"{a.item():.4f}" if a.dtype.kind == "f" else str(a.item())
        return np.array2string(a, precision=4, separator=", ", suppress_small=True, floatmode="fixed"
                               if a.dtype.kind == "f" else "maxprec")
    f = a.astype(np.float64)
    return f"mean {f.mean():.4g}  std {f.std():.4g}  norm {np.sqrt(np.sum(f * f)):.4g}"


def fmt_bytes(n):
    """Bytes as text: ``'48 B'``, or ``'1.5 KiB (1536 B)'`` with the exact count kept."""
    if n < 1024:
        return f"{n} B"
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f} {unit} ({n} B)"
    return f"{n} B"  # pragma: no cover


def _shape_text(shape, dtype):
    return f"{tuple(shape)} {np.dtype(dtype).name}"


def _is_parameter(t):
    return any(c.__name__ == "Parameter" for c in type(t).__mro__)


# -- the graph model ---------------------------------------------------------------------------
class GraphModel:
    """The items of a graph reachable from some roots, ready to be drawn (one walk, no recursion).

    Args:
        roots (sequence): Tensors and/or Scalars (lists and tuples of them are flattened).
        params (dict, iterable of (name, Tensor) pairs, or an nn.Module, optional): names
            for parameters, e.g. ``dict(model.named_parameters())`` or the model itself; they
            label leaves and put them in their module's cluster.

    Attributes:
        items (list): graph items in drawing order (upstream first): `Node`s, leaf Tensors,
            Scalars.
        index (dict): item → position in `items` (picture ids are ``v<i>`` and ``o<i>``).
        kind (str): ``'tensor'`` or ``'scalar'``.
        root_items (list): the roots' graph items; root_tensors: item → root Tensor.
        param_names (dict): id(Tensor) → qualified name.
        module_types (dict): qualified module name → class name (``'0'`` → ``'Linear'``),
            known when `params` is an nn.Module; cluster labels then read ``0: Linear``.
        uses (dict): item → number of edges from it into ops (the engine's dependency count).
        held (dict): Node → its output Tensor where a consumer saved it for backward.

    Raises:
        TypeError: if a root is not a Tensor or Scalar, or Tensors and Scalars are mixed.
        ValueError: if no root is given.
    """

    __slots__ = ("held", "index", "items", "kind", "module_types", "param_names", "root_items",
                 "root_tensors", "uses")

    def __init__(self, roots, params=None, what="draw_graph"):
        flat = []
        stack = list(reversed(roots))
        while stack:
            r = stack.pop()
            if isinstance(r, (list, tuple)):
                stack.extend(reversed(r))
            else:
                flat.append(r)
        if not flat:
            raise ValueError(f"{what}: no roots given; expected at least one Tensor or Scalar.")
        kinds = set()
        for r in flat:
            if isinstance(r, Tensor):
                kinds.add("tensor")
            elif isinstance(r, Scalar):
                kinds.add("scalar")
            else:
                raise TypeError(f"{what}: roots must be Tensors or Scalars; got {type(r).__name__}.")
        if len(kinds) > 1:
            raise TypeError(f"{what}: roots mix Tensors and Scalars; got both, expected one kind.")
        self.kind = kinds.pop()
        self.param_names = {}
        self.module_types = {}
        if params is not None:
            if hasattr(params, "named_modules"):  # an nn.Module: its submodules' class names
                self.module_types = {name: type(mod).__name__ for name, mod in params.named_modules() if name}
            if hasattr(params, "named_parameters"):  # an nn.Module
                params = params.named_parameters()
            pairs = params.items() if hasattr(params, "items") else params
            for name, p in pairs:
                self.param_names[id(p)] = str(name)
        self.root_items = []
        self.root_tensors = {}
        for r in flat:
            item = r.grad_fn if (self.kind == "tensor" and r.grad_fn is not None) else r
            if item not in self.root_tensors:
                self.root_items.append(item)
                self.root_tensors[item] = r
        # iterative depth-first walk; post-order reversed gives upstream-first drawing order
        seen = set()
        uses = {}
        order = []
        for root in self.root_items:
            if root in seen:
                continue
            seen.add(root)
            stack = [(root, iter(root.next))]
            while stack:
                item, it = stack[-1]
                for p in it:
                    if p is None:
                        continue
                    uses[p] = uses.get(p, 0) + 1
                    if p not in seen:
                        seen.add(p)
                        stack.append((p, iter(p.next)))
                        break
                else:
                    stack.pop()
                    order.append(item)
        self.items = order
        self.index = {item: i for i, item in enumerate(order)}
        self.uses = uses
        # intermediate tensors known from the inputs their consumers saved for backward (a
        # node does not keep its own output, see function.py)
        self.held = {}
        for item in order:
            if item.__class__ is Node:
                for t in item._saved or ():
                    if isinstance(t, Tensor) and t.grad_fn is not None:
                        self.held.setdefault(t.grad_fn, t)

    def op_items(self):
        """The op items (those with a non-empty ``next``), upstream first."""
        return [it for it in self.items if it.next]

    # -- facts about one item ----------------------------------------------------------------
    def op_name(self, item):
        """Public op name (``'matmul'``) of a Node, or the `_op` symbol of a Scalar."""
        return item.fn.name if item.__class__ is Node else item._op

    def op_rule(self, item):
        """Plain-text VJP rule of an op item."""
        return item.fn.rule if item.__class__ is Node else item.rule

    def module_of(self, item):
        """Qualified module name an item is drawn in ('' for none)."""
        if item.__class__ is Node:
            return item.module or ""
        if isinstance(item, Tensor):
            name = self.param_names.get(id(item))
            if name and "." in name:
                return name.rsplit(".", 1)[0]
        return ""

    def value_tensor(self, item):
        """The Tensor behind a value node, if still alive (a Node's output is held weakly)."""
        if item.__class__ is Node:
            t = self.root_tensors.get(item)
            if t is None:
                t = self.held.get(item)
            return t if t is not None else item.output()
        return item if isinstance(item, Tensor) else None

    def value_data(self, item):
        """The value's array if known: the live Tensor, else a saved output, else None."""
        t = self.value_tensor(item)
        if t is not None:
            return t._array
        if item.__class__ is Node and item._out_index >= 0 and item._saved is not None:
            return item._saved[item._out_index]
        return None

    def role(self, item):
        """One of 'root', 'param', 'leaf', 'const', 'value' (chooses the fill colour)."""
        if item in self.root_tensors:
            if self.kind == "tensor" and not self.root_tensors[item].requires_grad:
                return "const"
            return "root"
        if item.next:
            return "value"
        if isinstance(item, Tensor) and (id(item) in self.param_names or _is_parameter(item)):
            return "param"
        return "leaf"

    def value_name(self, item):
        """Label of a value: its parameter name, else its ``name`` (may be '')."""
        if self.kind == "scalar":
            return item.name or ""
        t = self.value_tensor(item)
        if t is None:
            return ""
        return self.param_names.get(id(t)) or t.name or ""

    def saved(self, item):
        """What an op item keeps for backward: list of (description, nbytes, array or None).

        For a Node: the items of `save_for_backward` (inputs by position, the output) and any
        ndarray stored on the ctx; None when they were freed. For a Scalar: its local
        derivatives (8 bytes each), nothing for ``+``, ``−`` and negation, whose local
        derivatives are the constants ±1 shared by every such node.
        """
        if item.__class__ is not Node:
            if item._op in CONSTANT_LOCAL_OPS:
                return []
            n = len(item.next if item._local is None else item._local)
            return [(f"{n} local derivative{'s' if n != 1 else ''}", 8 * n, None)]
        if item._freed:
            return None
        out = []
        for i, s in enumerate(item._saved or ()):
            if i == item._out_index:
                desc, arr = "output", s
            elif isinstance(s, Tensor):
                arr = s._array
                desc = "tensor"
                for j, p in enumerate(item.next):
                    if p is not None and (p is s or p is s.grad_fn):
                        desc = f"input {j}"
                        break
                name = self.param_names.get(id(s)) or s.name
                if name:
                    desc += f" {name}"
            elif isinstance(s, np.ndarray):
                desc, arr = "array", s
            else:
                continue
            out.append((f"{desc} {_shape_text(arr.shape, arr.dtype)}", int(arr.nbytes), arr))
        for key, val in item.__dict__.items():
            if isinstance(val, np.ndarray):
                out.append((f"ctx.{key} {_shape_text(val.shape, val.dtype)}", int(val.nbytes), val))
        return out


# -- drawing -----------------------------------------------------------------------------------
class DrawState:
    """What the stepper overlays on a picture (internal).

    Attributes:
        step (int): the index of the step being shown (-1: before the first step).
        step_of (dict): op item → index of the step that ran it.
        grads (dict): item → list of (step index, gradient) shown on its value node.
        edge_grads (dict): (input item, op item) → gradient sent along that edge at `step`.
    """

    __slots__ = ("edge_grads", "grads", "step", "step_of")

    def __init__(self, step, step_of, grads, edge_grads):
        self.step = step
        self.step_of = step_of
        self.grads = grads
        self.edge_grads = edge_grads

    def grad_at(self, item):
        """The gradient shown for `item` at this step, or None if it has none yet."""
        hist = self.grads.get(item)
        if not hist:
            return None
        best = None
        for k, g in hist:
            if k <= self.step:
                best = g
        return best


def _value_label(model, item, show_data, show_grad, show_shapes, state):
    """Record label of a value node."""
    if model.kind == "scalar":
        fields = [_rec(item.name or "")]
        fields.append(f"data {item.data:.4f}")
        if show_grad:
            if state is None:
                fields.append(f"grad {item.grad:.4f}")
            else:
                g = state.grad_at(item)
                fields.append(f"grad {g:.4f}" if g is not None else "grad ·")
        return "{ " + " | ".join(fields) + " }"
    fields = []
    name = model.value_name(item)
    if name:
        fields.append(_rec(name))
    if show_shapes:
        shape, dtype = (item.shape, item.dtype) if item.__class__ is Node else (item._array.shape, item._array.dtype)
        fields.append(_rec(_shape_text(shape, dtype)))
    if show_data:
        data = model.value_data(item)
        if data is not None:
            fields.append(_rec("data " + preview(data)))
    if show_grad:
        if state is not None:
            g = state.grad_at(item)
        else:
            g = None
            t = model.value_tensor(item)
            if t is not None and t.grad is not None:
                g = t.grad._array
        if g is not None:
            fields.append(_rec("grad " + preview(g)))
    if not fields:
        fields.append(" ")
    return "{ " + " | ".join(fields) + " }"


def _op_label(model, item, show_rules, show_saved):
    lines = [model.op_name(item)]
    if show_rules:
        rule = model.op_rule(item)
        if rule:
            lines.append(rule)
    if show_saved:
        saved = model.saved(item)
        if saved is None:
            lines.append("saved: freed")
        elif not saved:
            lines.append("saved: nothing")
        else:
            for desc, nbytes, _ in saved:
                lines.append(f"saved: {desc}, {fmt_bytes(nbytes)}")
    return _plain("\n".join(lines))


def _saved_caption(model):
    """The picture's note on memory: bytes kept for backward, in arrays (Tensors) or numbers (Scalars)."""
    total, count = _saved_total(model)
    if model.kind == "scalar":  # 8 bytes per local derivative
        return f"saved for backward: {fmt_bytes(total)} in {total // 8} numbers"
    return f"saved for backward: {fmt_bytes(total)} in {count} arrays"


def _saved_total(model):
    """(total bytes, number of arrays) kept for backward; arrays shared by ops count once."""
    seen = set()
    total = 0
    count = 0
    for item in model.items:
        if not item.next:
            continue
        saved = model.saved(item)
        for _, nbytes, arr in saved or ():
            if arr is not None:
                if id(arr) in seen:
                    continue
                seen.add(id(arr))
            total += nbytes
            count += 1
    return total, count


def _summary(model, max_nodes, rankdir, show_saved):
    """A small picture for a graph too large to draw: one note with counts."""
    g = Picture(name="tracegrad", graph_attr={"rankdir": rankdir},
                node_attr={"fontname": "Helvetica", "fontsize": "11"})
    n_ops = 0
    by_op = {}
    by_module = {}
    leaves = params = 0
    for item in model.items:
        if item.next:
            n_ops += 1
            name = model.op_name(item)
            by_op[name] = by_op.get(name, 0) + 1
            mod = model.module_of(item)
            if mod:
                by_module[mod] = by_module.get(mod, 0) + 1
        else:
            leaves += 1
            if model.role(item) == "param":
                params += 1
    n_nodes = len(model.items) + n_ops
    top_ops = sorted(by_op.items(), key=lambda kv: (-kv[1], kv[0]))[:20]
    lines = [(f"graph too large to draw: {n_nodes} nodes ({len(model.items)} values, {n_ops} ops) "
              f"> max_nodes={max_nodes}"),
             f"leaves: {leaves} ({params} parameters), roots: {len(model.root_items)}",
             "ops by count: " + ", ".join(f"{k} ×{v}" for k, v in top_ops)]
    if by_module:
        lines.append("modules: " + ", ".join(f"{k} ({v} ops)" for k, v in sorted(by_module.items())[:20]))
    if show_saved:
        lines.append(_saved_caption(model))
    lines.append(f"Hint: pass max_nodes={n_nodes} or more to draw every node.")
    g.node("summary", label=_plain("\n".join(lines)), shape="note", style="filled", fillcolor="#fff8dc")
    return g


def build_picture(model, *, show_data=False, show_grad=True, show_shapes=True, show_rules=True,
                  show_saved=False, group_modules=True, rankdir="LR", max_nodes=500, state=None):
    """Draw a `GraphModel` (see `draw_graph` for the options); `state` is the stepper's overlay."""
    n_nodes = len(model.items) + sum(1 for it in model.items if it.next)
    if max_nodes is not None and n_nodes > max_nodes:
        return _summary(model, max_nodes, rankdir, show_saved)
    g = Picture(name="tracegrad", graph_attr={"rankdir": rankdir},
                node_attr={"fontname": "Helvetica", "fontsize": "11"},
                edge_attr={"arrowsize": "0.7"})
    # statements per module path ('' = top level)
    bodies = {"": []}

    def put(module, fn, *args, **kwargs):
        if not group_modules or not module:
            module = ""
        if module not in bodies:
            bodies[module] = []
        bodies[module].append((fn, args, kwargs))

    index = model.index
    for item in model.items:
        i = index[item]
        role = model.role(item)
        module = model.module_of(item)
        vstyle = {"shape": "record", "style": "filled", "fillcolor": COLOURS[role]}
        ostyle = {"style": "filled", "fillcolor": COLOURS["op"]}
        if role == "root":
            vstyle["penwidth"] = "2"
        if state is not None:
            # an op is pending, current or done; a value is done once its gradient is known
            status = "done" if state.grad_at(item) is not None else "pending"
            vstatus = status
            if item.next:
                k = state.step_of.get(item)
                status = "pending" if k is None or k > state.step else ("current" if k == state.step else "done")
                vstatus = status if status != "pending" else vstatus
            pending = {"fillcolor": COLOURS["pending"], "fontcolor": PENDING_FONT, "color": "#c0c0c0"}
            if vstatus == "pending":
                vstyle.update(pending)
            elif vstatus == "current":
                vstyle.update(penwidth="3", color="#d35400")
            if status == "pending":
                ostyle.update(pending)
            elif status == "current":
                ostyle.update(fillcolor=COLOURS["current"], penwidth="3", color="#d35400")
            else:
                ostyle["fillcolor"] = COLOURS["done_op"]
        vlabel = _value_label(model, item, show_data, show_grad, show_shapes, state)
        put(module, "node", f"v{i}", label=vlabel, **vstyle)
        if item.next:
            name = model.op_name(item)
            tooltip = f"{item.fn.__name__}Backward" if item.__class__ is Node else name
            put(module, "node", f"o{i}", label=_op_label(model, item, show_rules, show_saved),
                tooltip=tooltip, **ostyle)
    # edges (outside clusters, so a cluster holds only its own nodes)
    edges = []
    for item in model.items:
        if not item.next:
            continue
        i = index[item]
        for p in item.next:
            if p is None:
                continue
            attrs = {}
            if state is not None and show_grad:
                eg = state.edge_grads.get((p, item))
                if eg is not None:
                    attrs = {"label": _plain(preview(eg) if not isinstance(eg, float) else f"{eg:.4f}"),
                             "fontcolor": "#d35400", "color": "#d35400", "dir": "back"}
            edges.append((f"v{index[p]}", f"o{i}", attrs))
        edges.append((f"o{i}", f"v{i}", {}))
    # clusters: deepest first, so each can be added to its parent when complete
    paths = set(bodies)
    for path in list(paths):
        parts = path.split(".") if path else []
        for k in range(1, len(parts)):
            paths.add(".".join(parts[:k]))
    graphs = {}
    for path in sorted(paths, key=lambda p: (-(p.count(".") + 1) if p else 0, p)):
        sub = g if not path else Picture(name=f"cluster_{path}")
        if path:
            kind = model.module_types.get(path)
            sub.attr(label=f"{path}: {kind}" if kind else path, style="rounded,dashed", color="#7f7f7f", fontname="Helvetica",
                     fontsize="11", labeljust="l")
        for fn, args, kwargs in bodies.get(path, ()):
            getattr(sub, fn)(*args, **kwargs)
        graphs[path] = sub
    for path in sorted(graphs, key=lambda p: (-(p.count(".") + 1) if p else 0, p)):
        if not path:
            continue
        parent = path.rsplit(".", 1)[0] if "." in path else ""
        graphs[parent].subgraph(graphs[path])
    for a, b, attrs in edges:
        g.edge(a, b, **attrs)
    if show_saved:
        g.attr(label=_plain(_saved_caption(model)),
               labelloc="b", fontname="Helvetica", fontsize="11")
    return g


def draw_graph(*roots, show_data=False, show_grad=True, show_shapes=True, show_rules=True,
               show_saved=False, group_modules=True, rankdir="LR", max_nodes=500, params=None):
    """Draw the computation graph behind Tensors or Scalars as a `graphviz.Digraph`.

    One picture node per value and one per op; edges run value → op → value (the forward
    direction). Value nodes (records) show the name (``tensor.name``, or the qualified name
    given in `params`, e.g. ``fc1.weight``), shape and dtype, and with `show_data` /
    `show_grad` the values (≤ 16 elements) or a mean/std/norm summary. Scalar values look
    like micrograd's records ``{ label | data 2.0000 | grad 1.0000 }`` (always with data).
    Op nodes show the op's public name (``matmul``, ``relu``, ``add``, or the Scalar's `_op`
    symbol) and its VJP rule. Fill colours: green roots, yellow parameters, blue other
    leaves, grey intermediates, lavender ops.

    Args:
        *roots: Tensors or Scalars (lists/tuples of them are flattened) to draw from.
        show_data (bool): show Tensor values (always shown for Scalars).
        show_grad (bool): show gradients that exist (leaves' and retained `.grad`).
        show_shapes (bool): show shape and dtype of Tensor values.
        show_rules (bool): show each op's VJP rule (plain text) under its name.
        show_saved (bool): show what each op keeps for backward, with sizes in bytes, and
            the total (arrays shared by several ops counted once) as the graph's label.
        group_modules (bool): draw the nodes made inside an `nn.Module` (``ctx.module``) in
            a cluster subgraph ``cluster_<qualname>`` labelled with the qualified name,
            nested by dotted path; parameters named in `params` join their module's cluster.
        rankdir (str): Graphviz layout direction, ``'LR'`` or ``'TB'`` …
        max_nodes (int or None): above this many picture nodes, return a one-note summary
            (counts by op, leaves, modules) instead; None draws everything.
        params (dict, iterable of (name, Tensor), or an nn.Module, optional): parameter
            names, e.g. ``dict(model.named_parameters())`` or the model itself (then the
            clusters are also labelled with the module's class: ``0: Linear``).

    Returns:
        graphviz.Digraph (a `Picture`): ``.source`` is the DOT text (no Graphviz needed);
        it renders inline in Jupyter, and `.render()` or `autograd.viz.render` write files.

    Raises:
        TypeError: if a root is not a Tensor or Scalar, or both kinds are mixed.
        ValueError: if no root is given.
        GraphvizNotFoundError (RuntimeError): when rendering without Graphviz's `dot`.
    """
    model = GraphModel(roots, params=params)
    return build_picture(model, show_data=show_data, show_grad=show_grad, show_shapes=show_shapes,
                         show_rules=show_rules, show_saved=show_saved, group_modules=group_modules,
                         rankdir=rankdir, max_nodes=max_nodes)
