"""The backprop explorer: one self-contained HTML page (inline SVG, JS and CSS; works offline).

It shows a graph laid out once (`layout.py`; positions never move) and steps through it:
first the forward pass (each op's value appears), then the seed, then the backward sweep one
op node at a time — the current op is highlighted with its rule and the adjoints on its edges,
and a value fed by several consumers shows its running partial sum and "k of n contributions"
until the last one arrives. Every number comes from the engine's own sweep, recorded by a
`BackwardStepper`: running to the end shows exactly the gradients `backward()` gives.

The page holds the SVG and a list of steps; each step lists the texts and box states it
changes. The script (``assets/explorer.js``) rebuilds the state of any step from that list
and touches only the DOM elements whose text or state differs from what is shown.
"""
import html
import json
import re
from importlib import resources

import numpy as np

from ..function import Node
from ..tensor import Tensor
from .draw import preview
from .svg import Box, op_lines, scene_graph, shape_line, value_title, wrap

NOT_KEPT = "(not kept)"  # a Tensor value nothing holds any more (no consumer saved it)
EDGE_LABEL_MAX = 44
CLUSTER_NOTES_MAX = 8  # parameters listed in a collapsed module frame
FINAL_MAX = 1024  # leaves up to this many elements carry their exact final gradient in the page (for checks)  # characters of an adjoint written on an edge (the panel has it in full)


def _asset(name):
    return resources.files("autograd.viz").joinpath("assets", name).read_text(encoding="utf-8")


def _arr(g):
    """A gradient as an ndarray or a float (Scalars)."""
    if isinstance(g, Tensor):
        return g._array
    return g


def _text(g):
    """Short text of a value or gradient: 4 decimals for floats, else `draw.preview`."""
    if g is None:
        return "·"
    if isinstance(g, (float, int)) and not isinstance(g, bool):
        return f"{float(g):.4f}"
    return preview(g)


def _clip(text, n=EDGE_LABEL_MAX):
    return text if len(text) <= n else text[:n - 1] + "…"


class _Field:
    """Lines reserved in a box for a text that changes over the steps (data, grad, count)."""

    def __init__(self, box_id, cls, prefix):
        self.box_id, self.cls, self.prefix = box_id, cls, prefix
        self.texts = []   # every text it will show, to size it
        self.n = 1

    def lines(self, text):
        """The field's text split into its lines (wrapped), padded to the reserved count."""
        out = wrap(self.prefix + text) if text is not None else [self.prefix + "·"]
        return out + [""] * (self.n - len(out))

    def reserve(self, text):
        self.texts.append(text)
        self.n = max(self.n, len(wrap(self.prefix + text)))

    def widest(self):
        """Characters of the longest line the field will show."""
        return max([len(self.prefix) + 1] + [len(t) for text in self.texts for t in wrap(self.prefix + text)])

    def ids(self):
        return [f"{self.box_id}-{self.cls}{j}" for j in range(self.n)]

    def set(self, events, text):
        """Append the (element id, text) events that show `text`."""
        events.extend(zip(self.ids(), self.lines(text)))


def explorer_data(stepper, title=None, caption=None, direction="auto", engine="auto", max_width=1000, start=-1):
    """The scene and the steps of the explorer for a stepper.

    The stepper runs the sweep to the end (its records are the steps shown); a stepper that
    was not done is then put back where it was (reset, and stepped again to the same step),
    so its gradients are as before. `start` is the step the page opens at (-1: the start).

    Returns:
        (Scene, dict): the laid-out scene (with ids on the texts that change) and the JSON-able
        data the page's script reads: ``steps`` (one per forward op, the seed, one per
        backward step), ``init`` (the texts and states before the first step), ``jump``
        (box id → the step that completes it), ``final`` (leaf box id → its gradient as a
        nested list, exactly `backward()`'s, for leaves of at most 1,024 elements), title and caption.
    """
    position, was_done = stepper.index, stepper.done
    stepper.run()
    try:
        return _explorer_data(stepper, title, caption, direction, engine, max_width, start)
    finally:
        if not was_done:
            stepper.reset()
            for _ in range(position + 1):
                stepper.step()


def _explorer_data(stepper, title, caption, direction, engine, max_width, start):
    model = stepper._model
    run = stepper._run
    items = model.items
    index = model.index
    # contributions each value receives (edges into ops that carry a gradient), in sweep order
    arrivals = {}  # item → list of (step index k, adjoint)
    for s in run.steps:
        for p, gi in zip(s.node.next, s.grad_inputs):
            if p is not None and gi is not None:
                arrivals.setdefault(p, []).append((s.index, _arr(gi)))
    total = {}  # item → the engine's total adjoint (an op's received Ḡ, a leaf's .grad after the sweep)
    for s in run.steps:
        total[s.node] = _arr(s.grad_output)
    for item in items:
        if not item.next and run.grads.get(item):
            total[item] = run.grads[item][-1][1]
    for item, g in zip(stepper._roots, stepper._grads):
        total.setdefault(item, _arr(g))
    # running partial sums, summed in the engine's order (first arrival, then + each next one)
    partial = {}  # (item, j) → text after the j-th arrival (1-based)
    for item, arr in arrivals.items():
        acc = None
        n = len(arr)
        for j, (_, gi) in enumerate(arr, 1):
            acc = gi if acc is None else acc + gi
            partial[(item, j)] = _text(total.get(item, acc) if j == n else acc)
    # fields of every box, sized for every text they will show
    fields = {}

    def value_box(i, item):
        bid = f"v{i}"
        lines = [("title", value_title(model, item))]
        sl = shape_line(model, item)
        if sl:
            lines.append(("shape", sl))
        f_data = _Field(bid, "data", "data ")
        v = _value(model, item)
        f_data.reserve(_text(v) if v is not None else NOT_KEPT)
        f_grad = _Field(bid, "grad", "grad ")
        for j in range(1, len(arrivals.get(item, ())) + 1):
            f_grad.reserve(partial[(item, j)])
        if item in total:
            f_grad.reserve(_text(total[item]))
        fields[bid] = {"data": f_data, "grad": f_grad}
        for f in (f_data, f_grad):
            lines += [(f"{f.cls}{j}", "") for j in range(f.n)]
        uses = len(arrivals.get(item, ()))
        if uses > 1:
            lines.append(("count0", f"{uses} of {uses} contributions ✓"))  # sized for its longest text
        return Box(bid, "value", model.role(item), lines, widest=max(f_data.widest(), f_grad.widest()),
                   tip=_tip(model, item), module=model.module_of(item))

    def op_box(i, item):
        return Box(f"o{i}", "op", "op", op_lines(model, item), tip=_tip(model, item), module=model.module_of(item))

    scene = scene_graph(model, value_box, op_box, direction, engine, max_width)
    # the page's state before the first step: leaves show their values, the rest is pending
    text0, state0 = {}, {}
    for i, item in enumerate(items):
        bid = f"v{i}"
        f = fields[bid]
        leaf = not item.next
        ev = []
        f["data"].set(ev, _text(_value(model, item)) if leaf else None)
        f["grad"].set(ev, None)
        if len(arrivals.get(item, ())) > 1:
            ev.append((f"{bid}-count0", f"0 of {len(arrivals[item])} contributions"))
        text0.update(ev)
        state0[bid] = "fwd" if leaf else "pending"
        if item.next:
            state0[f"o{i}"] = "pending"
    # module frames: collapsed, each shows its parameters' gradient norms (updated as they complete)
    notes_of = {}  # leaf item → [(note element id, parameter name)]
    for path in sorted({b.module for b in scene.boxes if b.module}):
        parts = path.split(".")
        for k in range(1, len(parts) + 1):
            sub = ".".join(parts[:k])
            scene.cluster_notes.setdefault(sub, [])
    for i, item in enumerate(items):
        mod = model.module_of(item)
        if item.next or not mod or model.role(item) != "param":
            continue
        name = value_title(model, item)
        parts = mod.split(".")
        for k in range(1, len(parts) + 1):
            notes = scene.cluster_notes[".".join(parts[:k])]
            if len(notes) < CLUSTER_NOTES_MAX:
                eid = f"cluster_{html.escape('.'.join(parts[:k]))}-n{len(notes)}"
                notes.append(_norm_note(name, None))
                text0[eid] = notes[-1]
                notes_of.setdefault(item, []).append((eid, name))
    edge_of = scene.edge_of
    steps = []
    jump = {}
    # forward: one step per op, upstream first
    for i, item in enumerate(items):
        if not item.next:
            continue
        ev = []
        v = _value(model, item)
        fields[f"v{i}"]["data"].set(ev, _text(v) if v is not None else NOT_KEPT)
        ins = [edge_of[(i, j)] for j, p in enumerate(item.next) if p is not None]
        steps.append({"ph": "forward", "t": f"forward: {model.op_name(item)} computes {value_title(model, item)}",
                      "cur": [f"o{i}", f"v{i}"], "set": ev, "st": [[f"o{i}", "fwd"], [f"v{i}", "fwd"]],
                      "act": ins + [edge_of[(i, -1)]], "el": [], "op": _op_panel(model, item),
                      "rows": [["value", _text(v) if v is not None else NOT_KEPT]]})
    # the seed
    ev, st, cur, rows = [], [], [], []
    for item, g in zip(stepper._roots, stepper._grads):
        i = index[item]
        fields[f"v{i}"]["grad"].set(ev, _text(total.get(item, _arr(g))))
        st.append([f"v{i}", "complete"])
        cur.append(f"v{i}")
        rows.append([f"seed of {value_title(model, item) or 'the root'}", _text(_arr(g))])
    steps.append({"ph": "seed", "t": "backward starts: the root's adjoint is the seed (∂out/∂out = 1)",
                  "cur": cur, "set": ev, "st": st, "act": [], "el": [], "op": None, "rows": rows})
    # backward: one step per op node, as the engine ran them
    count = {}
    for s in run.steps:
        item = s.node
        i = index[item]
        ev, st, el, act = [], [[f"o{i}", "done"]], [], []
        rows = [["received Ḡ", _text(_arr(s.grad_output))]]
        for j, (p, gi) in enumerate(zip(item.next, s.grad_inputs)):
            if p is None:
                continue
            k = edge_of[(i, j)]
            act.append(k)
            pname = f"{value_title(model, p)} (v{index[p]})"
            if gi is None:
                rows.append([f"→ {pname}", "no gradient (not needed)"])
                continue
            el.append([k, _clip(_text(_arr(gi)))])
            c = count[p] = count.get(p, 0) + 1
            n = len(arrivals[p])
            pid = f"v{index[p]}"
            fields[pid]["grad"].set(ev, partial[(p, c)])
            if n > 1:
                ev.append((f"{pid}-count0", f"{c} of {n} contributions" + (" ✓" if c == n else "")))
            st.append([pid, "complete" if c == n else "partial"])
            rows.append([f"→ {pname}", _text(_arr(gi))])
            if n > 1:
                rows.append([f"  {pname}: sum so far ({c} of {n})", partial[(p, c)]])
            if c == n and not p.next:
                jump[pid] = len(steps)
                for eid, name in notes_of.get(p, ()):
                    ev.append((eid, _norm_note(name, total.get(p))))
        jump[f"o{i}"] = len(steps)
        jump.setdefault(f"v{i}", len(steps))
        steps.append({"ph": "backward", "t": f"backward step {s.index + 1} of {len(run.steps)}: {s.name}",
                      "cur": [f"o{i}"], "set": ev, "st": st, "act": act, "el": el, "op": _op_panel(model, item),
                      "rows": rows})
    final = {}
    for i, item in enumerate(items):
        if not item.next and item in total and total[item] is not None and np.size(total[item]) <= FINAL_MAX:
            final[f"v{i}"] = np.asarray(total[item], dtype=np.float64).tolist()
    names = {b.id: b.lines[0][1] for b in scene.boxes}
    math = {}  # LaTeX rule → MathML, once per distinct rule
    for st in steps:
        if st["op"] and st["op"]["latex"] and st["op"]["latex"] not in math:
            m = mathml(st["op"]["latex"])
            if m:
                math[st["op"]["latex"]] = m
    data = {"title": title or "tracegrad backprop explorer", "caption": caption or "",
            "init": {"text": text0, "st": state0}, "steps": steps, "jump": jump, "final": final, "names": names,
            "kind": model.kind, "start": int(start), "math": math}
    return scene, data


def _norm_note(name, grad):
    """``'‖∇0.weight‖ 0.1234'`` (· while the gradient is not known)."""
    if grad is None:
        return f"‖∇{name}‖ ·"
    g = np.asarray(grad, dtype=np.float64)
    return f"‖∇{name}‖ {np.sqrt(np.sum(g * g)):.4g}"


def _value(model, item):
    """A value's data (ndarray or float), or None when the Tensor is no longer alive."""
    if model.kind == "scalar":
        return float(item.data)
    return model.value_data(item)


def _tip(model, item):
    if item.next:
        name = model.op_name(item)
        return f"{name}: {model.op_rule(item)}" + (f" (in {model.module_of(item)})" if model.module_of(item) else "")
    return value_title(model, item)


def _op_panel(model, item):
    latex = item.fn.rule_latex if item.__class__ is Node else item.rule_latex
    return {"name": model.op_name(item), "rule": model.op_rule(item), "latex": latex or "",
            "module": model.module_of(item)}


def mathml(latex):
    """The rule's LaTeX as MathML (rendered by every current browser, offline), or None when
    the optional `latex2mathml` package is missing or cannot convert it (the page then shows
    the plain-text rule and the LaTeX source)."""
    try:
        from latex2mathml.converter import convert
        return convert(latex)
    except Exception:  # ImportError, or a rule the converter does not know
        return None


_SVG_TEXT = re.compile(r'(<text id="([^"]+)"[^>]*>)[^<]*(</text>)')
_SVG_CLASS = re.compile(r'<(?:g|path) id="([^"]+)" class="([^"]+)"')


def _graph_css():
    """The explorer's rules for the graph (not the page's layout), for a picture shown alone."""
    css = _asset("explorer.css")
    css = css[css.index("/* the graph */"):css.index("@media")]
    return "\n".join(line for line in css.splitlines() if "tg-panel" not in line)


def explorer_svg(stepper, k):
    """The explorer's picture at backward step `k` (-1: the seed) as one static SVG document.

    The scene is laid out once per stepper (`explorer_data`, cached on it) and every step
    is drawn on it, so nothing moves from one step to the next and no layout (nor Graphviz)
    runs per step: each box shows the texts and state the explorer shows at that step (the
    current op highlighted, the adjoints on its edges), with the explorer's colours inline.

    Returns:
        str: an SVG document (with its XML declaration).
    """
    if stepper._explorer_cache is None:
        scene, data = explorer_data(stepper)
        stepper._explorer_cache = (scene.svg(ids=True, colours=False), data)
    svg, data = stepper._explorer_cache
    e = stepper._explorer_step(k)
    text, state = dict(data["init"]["text"]), dict(data["init"]["st"])
    for st in data["steps"][:e + 1]:
        text.update(st["set"])
        state.update(st["st"])
    step = data["steps"][e] if e >= 0 else {"cur": [], "act": [], "el": []}
    text.update((f"el{n}", t) for n, t in step["el"])
    extra = {b: f" st-{v}" for b, v in state.items()}
    for b in step["cur"]:
        extra[b] = extra.get(b, "") + " tg-cur"
    for n in step["act"]:
        extra[f"e{n}"] = " tg-act"
    svg = _SVG_TEXT.sub(lambda m: m.group(1) + html.escape(text[m.group(2)]) + m.group(3)
                        if m.group(2) in text else m.group(0), svg)
    svg = _SVG_CLASS.sub(lambda m: f'{m.group(0)[:-1]}{extra[m.group(1)]}"' if m.group(1) in extra else m.group(0), svg)
    head, _, rest = svg.partition(">")
    return ('<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
            f"{head}><style>{_graph_css()}</style>{rest}")


def explorer_html(stepper, title=None, caption=None, direction="auto", engine="auto", max_width=1000,
                  recording=None, start=-1):
    """The explorer page (a string of HTML) for a stepper; see `BackwardStepper.save_html`.

    `recording` (a `TrainingRecorder`) adds the scrubbable recording of a training run under it."""
    scene, data = explorer_data(stepper, title, caption, direction, engine, max_width, start)
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    t = html.escape(data["title"])
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{t}</title><style>{_asset('explorer.css')}</style></head><body>\n"
            f"<div class=\"tg-app\"><h1>{t}</h1><p class=\"tg-caption\">{html.escape(data['caption'])}</p>"
            "<div class=\"tg-controls\">"
            "<button id=\"tg-reset\" title=\"reset (Home)\">reset</button>"
            "<button id=\"tg-prev\" title=\"previous (←)\">◀ prev</button>"
            "<button id=\"tg-play\" title=\"play/pause (space)\">▶ play</button>"
            "<button id=\"tg-next\" title=\"next (→)\">next ▶</button>"
            "<label>speed <input id=\"tg-speed\" type=\"range\" min=\"1\" max=\"30\" value=\"4\"> "
            "<span id=\"tg-speed-text\">4</span> steps/s</label>"
            "<button id=\"tg-modules\" title=\"or click a module's label\">collapse modules</button>"
            "<label>jump to <select id=\"tg-jump\"><option value=\"\">node…</option></select></label>"
            "<span id=\"tg-counter\" class=\"tg-counter\"></span></div>"
            "<div class=\"tg-main\"><div class=\"tg-view\" id=\"tg-view\">"
            f"{scene.svg(ids=True, colours=False)}</div>"
            "<div class=\"tg-panel\" id=\"tg-panel\"></div></div></div>\n"
            f"{recording.section_html() if recording is not None else ''}\n"
            f"<script type=\"application/json\" id=\"tg-data\">{payload}</script>\n"
            f"<script>{_asset('explorer.js')}</script>\n</body></html>\n")
