"""The live training view: `TrainingRecorder` records a model's statistics every k steps.

Per parameter: the weight norm, the gradient norm and a small histogram of the weights; per
module with no submodules: the mean and std of its output (a forward hook, armed only on the
steps that are recorded); and the loss. `graph_svg` draws the model's graph — one box per
module, laid out once from the first step's forward pass, so nothing moves — each box showing
that record's statistics and a sparkline. In a notebook `widget()` redraws the graph and a
table of sparklines after every record while training runs; `save_html(path)` (or passing the
recorder to `BackwardStepper.save_html(..., recording=rec)`) writes a scrubbable recording of
the run: a slider over the recorded steps rewrites the boxes' texts, moves a marker along every
sparkline and shows that step's histograms. Reads the model through ``named_parameters()`` / ``named_modules()`` only (no
import of `nn`).
"""
import html
import json
import math
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from ..function import Node
from .explorer import _asset
from .svg import LINE_H, PAD_X, PAD_Y, Box, Scene, save_text

SPARK_W, SPARK_H = 150, 26
BINS = 16
NUM_W = 11  # characters of the widest number `_num` writes ("-0.00001235")
FOUR = Decimal("1.000")  # 4 significant digits
TRACE_MAX = 100_000  # autograd nodes walked back from a module's input to the modules that made it


def _num(v):
    """`v` with 4 significant digits, written as JavaScript's ``Number.toPrecision(4)`` writes it
    (the page's script rewrites the same texts); ``'·'`` for None or a non-finite value."""
    if v is None or not math.isfinite(v):
        return "·"
    if v == 0:
        return "0.000"
    d = Decimal(v)  # exact; a tie rounds away from zero, as JavaScript's does
    e = d.adjusted()
    mant = d.scaleb(-e).quantize(FOUR, rounding=ROUND_HALF_UP)
    if abs(mant) >= 10:
        mant, e = (mant / 10).quantize(FOUR, rounding=ROUND_HALF_UP), e + 1
    if e < -6 or e >= 4:
        return f"{mant}e{'+' if e >= 0 else '-'}{abs(e)}"
    return str(mant.scaleb(e).quantize(Decimal(1).scaleb(-max(0, 3 - e))))


def _sources(x, producer):
    """The modules whose outputs `x` was computed from: `x` itself, else the nearest module
    outputs found walking its autograd graph back (`producer`: id of an output or its grad_fn
    → module name)."""
    if id(x) in producer:
        return [producer[id(x)]]
    out, seen, stack = [], set(), [x.grad_fn] if x.grad_fn is not None else []
    while stack and len(seen) < TRACE_MAX:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        name = producer.get(id(node))
        if name is not None:
            if name not in out:
                out.append(name)
            continue
        stack.extend(p for p in node.next if isinstance(p, Node))
    return out


def _tensors(obj):
    """The Tensors in a forward's arguments or output (tuples and lists flattened)."""
    if isinstance(obj, (tuple, list)):
        return [t for o in obj for t in _tensors(o)]
    return [obj] if hasattr(obj, "grad_fn") else []


def _norm(a):
    a = np.asarray(a, dtype=np.float64)
    return float(np.sqrt(np.sum(a * a)))


def _no_nan(obj):
    """The same data with NaN floats as None (JSON has no NaN)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _no_nan(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_no_nan(v) for v in obj]
    return obj


def sparkline(values, width=SPARK_W, height=SPARK_H, colour="#3b6fb6"):
    """A small SVG line of `values` (NaNs skipped), scaled to its own range.

    Returns:
        str: an ``<svg>`` element.
    """
    pts = _spark_points(values, 2, width - 2, 3, height - 6)
    return (f'<svg width="{width}" height="{height}" class="tg-spark"><polyline points="{pts}" fill="none" '
            f'stroke="{colour}" stroke-width="1.3"/></svg>')


def _spark_points(values, x0, x1, y0, h):
    """The points of a sparkline of `values` (NaNs skipped, scaled to their own range) drawn in
    the rectangle from (x0, y0), `h` high, to x1."""
    v = np.asarray(values, dtype=np.float64)
    ok = np.isfinite(v)
    if not ok.any():
        return ""
    lo, hi = float(v[ok].min()), float(v[ok].max())
    span = hi - lo or 1.0
    n = max(len(v) - 1, 1)
    return " ".join(f"{x0 + (x1 - x0) * i / n:.1f},{y0 + h - h * (x - lo) / span:.1f}"
                    for i, x in enumerate(v) if np.isfinite(x))


class TrainingRecorder:
    """Record per-layer weight, gradient and activation statistics every `every` steps.

    Call `record(loss)` once per training step after ``loss.backward()`` (the gradients are
    read then) and before ``optimizer.step()``; every `every`-th call is kept.

    Args:
        model: an `nn.Module` (anything with ``named_parameters()``; with ``named_modules()``
            the outputs of its leaf modules are recorded too).
        every (int): keep one step in `every` (≥ 1).
        bins (int): bins of the weight histograms.

    Attributes:
        steps (list of int): the recorded step numbers (0-based calls of `record`).
        loss (list of float); params (dict): name → {"w": weight norms, "g": gradient norms,
        "hist": histogram counts, "lo"/"hi": histogram ranges}; acts (dict): module name →
        {"mean": [...], "std": [...]}.

    Raises:
        ValueError: if `every` < 1.
    """

    def __init__(self, model, every=10, bins=BINS):
        if int(every) < 1:
            raise ValueError(f"TrainingRecorder: every must be at least 1; got {every}, expected an int ≥ 1.")
        self.model = model
        self.every = int(every)
        self.bins = int(bins)
        self.calls = 0
        self.steps, self.loss = [], []
        self.params = {name: {"w": [], "g": [], "hist": [], "lo": [], "hi": []}
                       for name, _ in model.named_parameters()}
        self.acts = {}
        self._pending = {}
        self._handles = []
        self._view = None
        self._trace = []  # (module name, args, output) of the leaf modules' calls, until the graph is known
        self._graph = []  # per box of the model's graph: the parameters and module its texts show
        self._scene = None  # the model's graph (`graph_svg`), laid out once from the first traced step
        self._types = {}
        if hasattr(model, "named_modules"):
            for name, mod in model.named_modules():
                self._types[name] = type(mod).__name__
                if name and not any(True for _ in mod.children()) and hasattr(mod, "register_forward_hook"):
                    self.acts[name] = {"mean": [], "std": []}
                    self._handles.append(mod.register_forward_hook(self._hook(name)))

    def _hook(self, name):
        def hook(module, args, output):
            if self._scene is None:
                if self._trace and self._trace[0][0] == name:  # the first module again: a new forward pass
                    self._trace.clear()
                self._trace.append((name, args, output))
            if self.calls % self.every == 0 and hasattr(output, "data"):
                d = np.asarray(output._array, dtype=np.float64)
                self._pending[name] = (float(d.mean()), float(d.std()))
        return hook

    def record(self, loss=None):
        """Note one training step; keep its statistics if it is one of every `every` steps.

        Args:
            loss: the step's loss (Tensor, Scalar or number), or None.

        Returns:
            bool: True when this step was kept.
        """
        k = self.calls
        self.calls += 1
        if self._scene is None and (self._trace or not self.acts):
            self._build_graph()
        if k % self.every:
            return False
        self.steps.append(k)
        self.loss.append(float("nan") if loss is None else float(getattr(loss, "data", loss)))
        for name, p in self.model.named_parameters():
            rec = self.params.setdefault(name, {"w": [], "g": [], "hist": [], "lo": [], "hi": []})
            w = np.asarray(p._array, dtype=np.float64)
            rec["w"].append(_norm(w))
            rec["g"].append(float("nan") if p.grad is None else _norm(p.grad._array))
            lo, hi = float(w.min()), float(w.max())
            counts, _ = np.histogram(w, bins=self.bins, range=(lo, hi if hi > lo else lo + 1.0))
            rec["hist"].append(counts.tolist())
            rec["lo"].append(lo)
            rec["hi"].append(hi)
        for name, rec in self.acts.items():
            mean, std = self._pending.pop(name, (float("nan"), float("nan")))
            rec["mean"].append(mean)
            rec["std"].append(std)
        if self._view is not None:
            self._view.value = self.live_html()
        return True

    def close(self):
        """Take the forward hooks off the model."""
        for h in self._handles:
            h.remove()
        self._handles = []

    # -- the model's graph ----------------------------------------------------------------------
    def _build_graph(self):
        """Lay out the model's graph once, from the leaf modules' calls of the first traced step.

        One box per leaf module (and per module holding parameters directly), an ``input`` box
        and a ``loss`` box; module A → module B when B's input was made from A's output (found
        by walking the autograd graph back from B's input, so functional ops in between count).
        """
        trace, self._trace = self._trace, []
        producer = {}  # id of a module's output Tensor or of its grad_fn → the module's name
        order, edges = [], []

        def add_edge(a, b):
            if (a, b) not in edges:
                edges.append((a, b))
        for name, args, output in trace:
            if name not in order:
                order.append(name)
            for x in _tensors(args):
                srcs = _sources(x, producer)
                for src in srcs or ["input"]:
                    add_edge(src, name)
            for o in _tensors(output):
                producer[id(o)] = name
                if o.grad_fn is not None:
                    producer[id(o.grad_fn)] = name
        owners = {}  # module name → [(parameter's short name, full name)]
        for full in self.params:
            mod, _, short = full.rpartition(".")
            owners.setdefault(mod, []).append((short, full))
            if mod not in order:
                order.append(mod)
        fed = {a for a, _ in edges}
        for name in order:
            if name not in fed and any(b == name for _, b in edges):
                add_edge(name, "loss")
        names = ["input"] + order + ["loss"]
        ids = {n: f"m{k}" for k, n in enumerate(names)}
        self._graph = []  # per box: what its texts show (the page's script reads the same)
        boxes = []
        for n in names:
            spec = {"id": ids[n], "params": owners.get(n, []), "act": n if n in self.acts else None,
                    "loss": n == "loss"}
            if n == "input":
                title, lines = "input", []
            elif n == "loss":
                title, lines = "loss", [("loss", "loss " + "0" * NUM_W)]
            else:
                title = f"{n or 'model'}: {self._types.get(n, '?')}"
                lines = [(f"p{j}", f"{short} ‖w‖ {'0' * NUM_W} ‖∇‖ {'0' * NUM_W}")
                         for j, (short, _) in enumerate(spec["params"])]
                if spec["act"] is not None:
                    lines.append(("act", f"out μ {'0' * NUM_W} σ {'0' * NUM_W}"))
            if n != "input":
                spec["spark"] = 1 + len(lines)  # the line the sparkline starts on
                lines += [("spark0", ""), ("spark1", "")]
            boxes.append(Box(ids[n], "value", "param" if spec["params"] else ("root" if n == "loss" else "leaf"),
                             [("title", title)] + lines, tip=title))
            self._graph.append(spec)
        index = {n: k for k, n in enumerate(names)}
        self._scene = Scene(boxes, [(index[a], index[b]) for a, b in edges])

    def _series(self, spec):
        """The values a box's sparkline draws: its parameters' gradient norm (all together), its
        output's std (a module without parameters) or the loss."""
        if spec["loss"]:
            return list(self.loss)
        if spec["params"]:
            out = []
            for i in range(len(self.steps)):
                gs = [self.params[full]["g"][i] for _, full in spec["params"]]
                ok = [g for g in gs if math.isfinite(g)]
                out.append(math.sqrt(sum(g * g for g in ok)) if ok else float("nan"))
            return out
        return list(self.acts[spec["act"]]["std"]) if spec["act"] else []

    def _texts(self, spec, i):
        """(css class, text) of a box's changing lines at record `i`."""
        if spec["loss"]:
            return [("loss", "loss " + _num(self.loss[i]))]
        out = [(f"p{j}", f"{short} ‖w‖ {_num(self.params[full]['w'][i])} ‖∇‖ {_num(self.params[full]['g'][i])}")
               for j, (short, full) in enumerate(spec["params"])]
        if spec["act"] is not None:
            a = self.acts[spec["act"]]
            out.append(("act", f"out μ {_num(a['mean'][i])} σ {_num(a['std'][i])}"))
        return out

    def graph_svg(self, at=-1):
        """The model's graph with each module's statistics at record `at` (-1: the last), as SVG.

        Positions never change (the layout is computed once, at the first step recorded); each
        module's box shows its parameters' weight and gradient norms, its output's mean and std
        and a sparkline over the records (its gradient norm; the output's std for a module
        without parameters; the loss) with a marker at record `at`. Text ids are
        ``m<k>-p<j>``, ``m<k>-act``, ``m<k>-loss``; the marker's is ``m<k>-mark``.

        Returns:
            str: an ``<svg>`` element, or '' before the first traced forward pass.
        """
        if self._scene is None:
            return ""
        n = len(self.steps)
        i = at % n if n else None
        for box, spec in zip(self._scene.boxes, self._graph):
            if i is not None:
                texts = dict(self._texts(spec, i))
                box.lines = [(c, texts.get(c, t)) for c, t in box.lines]
            box.extra = self._box_spark(box, spec, i) if "spark" in spec else ""
        return self._scene.svg(ids=True, edge_prefix="tg-train-")

    def _box_spark(self, box, spec, i):
        w, _ = box.size()
        x0, x1 = PAD_X, w - PAD_X
        y0 = PAD_Y + LINE_H * spec["spark"] + 2
        h = 2 * LINE_H - 5
        v = self._series(spec)
        pts = _spark_points(v, x0, x1, y0, h)
        xm = x0 + (x1 - x0) * (i or 0) / max(len(v) - 1, 1)
        return (f'<rect class="tg-sparkbg" x="{x0}" y="{y0}" width="{x1 - x0}" height="{h}" fill="#fff" stroke="#ddd"/>'
                f'<polyline points="{pts}" fill="none" stroke="#d35400" stroke-width="1.2"/>'
                f'<line id="{box.id}-mark" x1="{xm:.1f}" x2="{xm:.1f}" y1="{y0}" y2="{y0 + h}" data-x0="{x0}" '
                f'data-x1="{x1}" stroke="#555" stroke-dasharray="2 2"/>')

    # -- views --------------------------------------------------------------------------------
    def table_html(self):
        """A static HTML table of sparklines (the live notebook view): loss, then per parameter
        the weight and gradient norms, then per module the output's std, with the last values."""
        def last(v):
            return f"{v[-1]:.4g}" if v else "·"
        rows = [f"<tr><td><b>loss</b></td><td>{sparkline(self.loss, colour='#b03a2e')}</td><td>{last(self.loss)}"
                "</td><td></td><td></td></tr>"]
        for name, r in self.params.items():
            rows.append(f"<tr><td>{html.escape(name)}</td><td>{sparkline(r['w'])}</td><td>‖w‖ {last(r['w'])}</td>"
                        f"<td>{sparkline(r['g'], colour='#d35400')}</td><td>‖∇‖ {last(r['g'])}</td></tr>")
        for name, r in self.acts.items():
            rows.append(f"<tr><td>{html.escape(name)} output</td><td>{sparkline(r['std'], colour='#2e8b57')}</td>"
                        f"<td>std {last(r['std'])}</td><td></td><td>mean {last(r['mean'])}</td></tr>")
        return (f"<div class=\"tg-train-live\"><p>{len(self.steps)} records (every {self.every} steps, "
                f"{self.calls} steps so far)</p><table>{''.join(rows)}</table></div>")

    def live_html(self):
        """What the live view shows: the model's graph at the last record (`graph_svg`; none
        before the first forward pass), then the table of sparklines (`table_html`)."""
        svg = self.graph_svg()
        return (f'<div class="tg-train-graph">{svg}</div>' if svg else "") + self.table_html()

    def widget(self):
        """An ``ipywidgets.HTML`` that redraws the model's graph (each module's statistics, positions
        fixed) and the table after every kept record (live in Jupyter while training runs).

        Raises:
            ImportError: if ipywidgets is not installed (the message says how to get it).
        """
        try:
            import ipywidgets
        except ImportError:
            raise ImportError("TrainingRecorder.widget: ipywidgets is not installed; expected it for the live "
                              "view. Hint: pip install ipywidgets, or save_html(path) after training.") from None
        self._view = ipywidgets.HTML(self.live_html())
        return self._view

    def data(self):
        """The recording as JSON-able data (what the page's script reads)."""
        return {"every": self.every, "steps": self.steps, "loss": self.loss, "params": self.params,
                "acts": self.acts, "graph": self._graph if self._scene is not None else []}

    def section_html(self):
        """The scrubbable recording as an HTML section (inline script and style; used by
        `save_html` and by `BackwardStepper.save_html(..., recording=...)`)."""
        payload = json.dumps(_no_nan(self.data()), separators=(",", ":"), allow_nan=False).replace("</", "<\\/")
        return ("<section class=\"tg-train\"><h2>training run</h2>"
                "<div class=\"tg-train-controls\"><input id=\"tg-train-slider\" type=\"range\" min=\"0\" "
                f"max=\"{max(len(self.steps) - 1, 0)}\" value=\"{max(len(self.steps) - 1, 0)}\"> "
                "<span id=\"tg-train-at\"></span></div>"
                f"<div class=\"tg-train-graph\">{self.graph_svg()}</div><div id=\"tg-train-table\"></div></section>"
                f"<style>{_asset('training.css')}</style>"
                f"<script type=\"application/json\" id=\"tg-train-data\">{payload}</script>"
                f"<script>{_asset('training.js')}</script>")

    def save_html(self, path, title="tracegrad training run"):
        """Write the scrubbable recording as a self-contained HTML file; returns `path`."""
        t = html.escape(title)
        return save_text(path, f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title>"
                               f"</head><body><h1>{t}</h1>{self.section_html()}</body></html>\n")

    def __repr__(self):
        return f"<TrainingRecorder: {len(self.steps)} records of {len(self.params)} parameters, every {self.every}>"
