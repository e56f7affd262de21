"""SVG pictures drawn by tracegrad itself from a `Layout` — no Graphviz needed: `draw_svg`.

A `Scene` is what gets drawn: boxes (one per value, one per op, as in `draw_graph`) with
lines of text, and the edges between them (value → op → value, the forward direction). Box
sizes come from the text (a monospace font, so the width of a line is known without a
browser); the layout is computed once (`layout.compute_layout`) and the SVG is written from it.
The explorer (`explorer.py`) draws the same scene, with ids on the texts it updates.
"""
import html
import math

from ..fileio import atomic_write
from ..function import Node
from .draw import COLOURS, GraphModel, _shape_text, preview
from .layout import compute_layout

FONT = "ui-monospace, 'DejaVu Sans Mono', 'Liberation Mono', Menlo, Consolas, monospace"
FONT_SIZE = 11
CHAR_W = 6.65       # px per character of an 11 px monospace font (0.6 em, rounded up)
LINE_H = 14         # px per line
PAD_X, PAD_Y = 7, 5
WRAP = 40           # characters per line before a label wraps
NOTE_NUMBER = 9     # characters a collapsed frame's note gains when its "·" becomes a norm ("1.234e-08")
ROLE_STROKE = {"root": "#3c8c32", "param": "#b8860b", "leaf": "#4a7ab5", "const": "#777777",
               "value": "#8c8c8c", "op": "#7a5fb0"}


def wrap(text, width=WRAP):
    """Split `text` into lines of at most `width` characters, at spaces where possible."""
    out = []
    for para in str(text).split("\n"):
        while len(para) > width:
            cut = para.rfind(" ", 0, width + 1)
            if cut <= 0:
                cut = width
            out.append(para[:cut].rstrip())
            para = para[cut:].lstrip()
        out.append(para)
    return out


class Box:
    """One box of a scene.

    Attributes:
        id (str): ``v<i>`` (a value) or ``o<i>`` (an op), as in `draw_graph`'s DOT text.
        kind (str): ``'value'`` or ``'op'``; role (str): a key of `draw.COLOURS`.
        lines (list of (str, str)): (css class, text) per line; the first is the title.
        widest (int): characters of the longest text the box must hold (the explorer
            reserves room for texts that appear later).
        tip (str): hover text.
        extra (str): SVG drawn inside the box after its texts, in the box's coordinates (the
            training view's sparklines).
    """

    __slots__ = ("extra", "id", "kind", "lines", "module", "role", "tip", "widest")

    def __init__(self, id, kind, role, lines, widest=0, tip="", module="", extra=""):
        self.id = id
        self.kind = kind
        self.role = role
        self.lines = lines
        self.widest = max([widest] + [len(t) for _, t in lines])
        self.tip = tip
        self.module = module
        self.extra = extra

    def size(self):
        """(width, height) in pixels."""
        return (math.ceil(self.widest * CHAR_W + 2 * PAD_X), len(self.lines) * LINE_H + 2 * PAD_Y)


class Scene:
    """Boxes and edges of a picture, and their layout (computed on first use, then kept).

    Args:
        boxes (list of Box); edges (list of (int, int)): (tail, head) box indices.
        direction, engine, max_width: see `layout.compute_layout`.
    """

    def __init__(self, boxes, edges, direction="auto", engine="auto", max_width=1000):
        self.boxes = boxes
        self.edges = edges
        self.index = {b.id: i for i, b in enumerate(boxes)}
        self.cluster_labels = {}  # module path → its frame's label ("0: Linear"); unlabelled: the path
        self.cluster_notes = {}  # module path → lines the explorer shows in the collapsed frame
        self.layout = compute_layout([b.size() for b in boxes], edges, direction, engine, max_width)

    def _clusters(self, ids=False):
        """Dashed frames around the boxes made inside each module (nested by dotted path), labelled
        ``qualname: Class``, drawn behind everything (their ids are ``cluster_<qualname>``).

        With `ids` (the explorer) each frame also holds the box it collapses to (`_collapsed_at`:
        placed where it covers none of the boxes that stay visible, nor another module's
        collapsed box) and its notes, clipped to that box."""
        members = {}
        for i, b in enumerate(self.boxes):
            if b.module:
                parts = b.module.split(".")
                for k in range(1, len(parts) + 1):
                    members.setdefault(".".join(parts[:k]), []).append(i)
        out = []
        lay = self.layout
        rect = [(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2) for (cx, cy), (w, h) in zip(lay.pos, lay.sizes)]
        depth = max((p.count(".") for p in members), default=0)
        placed = {}  # module path → its collapsed box (x0, y0, x1, y1)
        for path in sorted(members, key=lambda p: (p.count("."), p)):
            pad = 6 + 6 * (depth - path.count("."))
            mine = [rect[i] for i in members[path]]
            x0, y0 = min(r[0] for r in mine) - pad, min(r[1] for r in mine) - pad - LINE_H
            x1, y1 = max(r[2] for r in mine) + pad, max(r[3] for r in mine) + pad
            self.extent = (min(self.extent[0], x0), min(self.extent[1], y0),
                           max(self.extent[2], x1), max(self.extent[3], y1))
            label = html.escape(self.cluster_labels.get(path, path))
            cid = f"cluster_{html.escape(path)}"
            out.append(f'<g id="{cid}" class="tg-cluster"><rect class="tg-frame" x="{x0:.1f}" y="{y0:.1f}" '
                       f'width="{x1 - x0:.1f}" height="{y1 - y0:.1f}" rx="6" fill="none" stroke="#8f8f8f" '
                       f'stroke-dasharray="5 3"/>')
            notes = self.cluster_notes.get(path, ()) if ids else ()
            at = ""
            if ids:  # the explorer: the collapsed frame is one small box: label and parameters' gradient norms
                wide = max([len(self.cluster_labels.get(path, path))] + [len(n) + NOTE_NUMBER for n in notes])
                size = (wide * CHAR_W * 1.2 + 12, LINE_H * (1 + len(notes)) + 6)
                c0, c1, c2, c3 = placed[path] = self._collapsed_at(path, (x0, y0), size, mine, rect, placed)
                out.append(f'<clipPath id="{cid}-clip"><rect x="{c0:.1f}" y="{c1:.1f}" width="{c2 - c0:.1f}" '
                           f'height="{c3 - c1:.1f}"/></clipPath>')
                out.append(f'<rect class="tg-cbox" x="{c0:.1f}" y="{c1:.1f}" width="{c2 - c0:.1f}" '
                           f'height="{c3 - c1:.1f}" rx="4"/>')
                at = (f' data-fx="{x0 + 5:.1f}" data-fy="{y0 + LINE_H - 2:.1f}" data-cx="{c0 + 5:.1f}" '
                      f'data-cy="{c1 + LINE_H - 2:.1f}"')
            out.append(f'<text class="tg-clabel" x="{x0 + 5:.1f}" y="{y0 + LINE_H - 2:.1f}"{at} fill="#555">'
                       f'{label}</text>')
            for j, note in enumerate(notes):
                out.append(f'<text id="{cid}-n{j}" class="tg-cnote" x="{c0 + 5:.1f}" y="{c1 + LINE_H * (j + 2) - 2:.1f}" '
                           f'clip-path="url(#{cid}-clip)">{html.escape(note)}</text>')
            out.append("</g>")
        return out

    def _collapsed_at(self, path, corner, size, mine, rect, placed):
        """Where module `path`'s collapsed box goes: (x0, y0, x1, y1) of `size` at the first of its
        frame's corner and its own boxes' corners where it overlaps no box outside the module and
        no other module's collapsed box (nested modules excepted: they are never shown together);
        if there is no such place, its largest own box (which nothing else overlaps)."""
        w, h = size
        others = [r for i, r in enumerate(rect) if not _inside(self.boxes[i].module, path)]
        others += [r for p, r in placed.items() if not (_inside(p, path) or _inside(path, p))]
        spots = [corner] + [(r[0], r[1]) for r in mine] + [(r[2] - w, r[1]) for r in mine]
        for x, y in spots:
            if not any(x < o[2] and o[0] < x + w and y < o[3] and o[1] < y + h for o in others):
                return x, y, x + w, y + h
        r = max(mine, key=lambda r: (r[2] - r[0]) * (r[3] - r[1]))
        return r[0], r[1], min(r[2], r[0] + w), min(r[3], r[1] + h)

    def svg(self, ids=False, colours=True, caption=None, edge_prefix=""):
        """The scene as an SVG document (a string).

        Args:
            ids (bool): give every text line an id ``<box id>-<line>`` and every edge label an
                id ``el<k>`` (the explorer updates them).
            colours (bool): fill boxes by role with presentation attributes (the explorer's
                CSS sets them by class instead).
            caption (str, optional): text written above the graph (wrapped to its width).
            edge_prefix (str): put before the edges' ids (``e<k>``, ``el<k>``), so that two
                scenes can share a page (the explorer and the training view).
        """
        lay = self.layout
        self.extent = (0.0, 0.0, lay.width, lay.height)
        clusters = self._clusters(ids)  # module frames may reach past the layout's margins
        x0, y0, x1, y1 = self.extent
        notes = wrap(caption, max(40, int((x1 - x0) / CHAR_W) - 2)) if caption else []
        dx, dy = max(0.0, 2 - x0), max(0.0, 2 - y0) + (len(notes) * LINE_H + 6 if notes else 0)
        w, h = math.ceil(x1 + dx + 2), math.ceil(y1 + dy + 2)
        out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="tg-graph" width="{w}" height="{h}" '
               f'viewBox="0 0 {w} {h}" font-family="{FONT}" font-size="{FONT_SIZE}">',
               '<defs><marker id="tg-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
               'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#666"/></marker>'
               '</defs>']
        for j, line in enumerate(notes):
            out.append(f'<text class="tg-caption" x="4" y="{LINE_H * (j + 1):.1f}">{html.escape(line)}</text>')
        out.append(f'<g transform="translate({dx:.1f},{dy:.1f})">')
        out += clusters
        out.append('<g class="tg-edges">')
        for k, (u, v) in enumerate(self.edges):
            d = _path(lay.routes[k], lay.smooth)
            out.append(f'<path id="{edge_prefix}e{k}" class="tg-edge" data-from="{self.boxes[u].id}" data-to="{self.boxes[v].id}" '
                       f'd="{d}" fill="none" stroke="#666" stroke-width="1" marker-end="url(#tg-arrow)"/>')
        out.append("</g><g class=\"tg-elabels\">")
        if ids:
            for k, _ in enumerate(self.edges):
                x, y = _label_point(lay.routes[k])
                out.append(f'<text id="{edge_prefix}el{k}" class="tg-elabel" x="{x:.1f}" y="{y:.1f}"></text>')
        out.append('</g><g class="tg-nodes">')
        for i, b in enumerate(self.boxes):
            out.append(_box_svg(b, lay.pos[i], lay.sizes[i], ids, colours))
        out.append("</g></g></svg>")
        return "\n".join(out)


def _inside(module, path):
    """True when `module` (a dotted path, or '') is `path` or nested in it."""
    return module == path or module.startswith(path + ".")


def _path(pts, smooth):
    if not pts:
        return ""
    if smooth and len(pts) >= 4 and (len(pts) - 1) % 3 == 0:
        d = [f"M{pts[0][0]:.1f},{pts[0][1]:.1f}"]
        for j in range(1, len(pts), 3):
            (a, b), (c, e), (f, g) = pts[j], pts[j + 1], pts[j + 2]
            d.append(f"C{a:.1f},{b:.1f} {c:.1f},{e:.1f} {f:.1f},{g:.1f}")
        return " ".join(d)
    return "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in pts)


def _label_point(pts):
    """Where an edge's label goes: a third of the way along its first piece, near the tail (the
    value the adjoint flows back to), so the labels of one op's inputs do not pile up at the op."""
    (x0, y0), (x1, y1) = pts[0], pts[1]
    return x0 + (x1 - x0) / 3 + 4, y0 + (y1 - y0) / 3 + 4


def _box_svg(b, pos, size, ids, colours):
    cx, cy = pos
    w, h = size
    x, y = cx - w / 2, cy - h / 2
    rx = min(12, h / 2) if b.kind == "op" else 3
    fill = ""
    if colours:
        fill = (f' fill="{COLOURS["op" if b.kind == "op" else b.role]}" '
                f'stroke="{ROLE_STROKE["op" if b.kind == "op" else b.role]}"')
    role = f" role-{b.role}" if b.kind == "value" else ""
    module = f' data-module="{html.escape(b.module)}"' if b.module else ""
    parts = [f'<g id="{b.id}" class="tg-node tg-{b.kind}{role}" transform="translate({x:.1f},{y:.1f})"{module}>',
             f'<title>{html.escape(b.tip)}</title>' if b.tip else "",
             f'<rect width="{w}" height="{h}" rx="{rx}"{fill} stroke-width="{2 if b.role == "root" else 1}"/>']
    for j, (cls, text) in enumerate(b.lines):
        ty = PAD_Y + LINE_H * j + LINE_H - 3.5
        tid = f' id="{b.id}-{cls}"' if ids else ""
        anchor = f'x="{w / 2:.1f}" text-anchor="middle"' if b.kind == "op" else f'x="{PAD_X}"'
        weight = ' font-weight="bold"' if j == 0 else ""
        parts.append(f'<text{tid} class="tg-{cls}" {anchor} y="{ty:.1f}"{weight}>{html.escape(text)}</text>')
    parts.append(b.extra)
    parts.append("</g>")
    return "".join(parts)


# -- the static picture ------------------------------------------------------------------------
def value_title(model, item):
    """First line of a value box: its name, else what it is."""
    name = model.value_name(item)
    if name:
        return name
    return "value" if item.next else "leaf"


def shape_line(model, item):
    """``'(5, 4) float32'`` for a Tensor value ('' for Scalars)."""
    if model.kind == "scalar":
        return ""
    if item.__class__ is Node:
        return _shape_text(item.shape, item.dtype)
    return _shape_text(item._array.shape, item._array.dtype)


def fmt(value):
    """A value or gradient as short text: a float with 4 decimals, else `draw.preview`."""
    if isinstance(value, float):
        return f"{value:.4f}"
    return preview(value)


def op_lines(model, item, show_rules=True):
    """Lines of an op box: name, then its rule (wrapped)."""
    lines = [("name", model.op_name(item))]
    if show_rules and model.op_rule(item):
        for j, t in enumerate(wrap(model.op_rule(item))):
            lines.append((f"rule{j}", t))
    return lines


def scene_graph(model, value_box, op_box, direction="auto", engine="auto", max_width=1000):
    """A Scene with one box per value and per op of `model`; `value_box(i, item)` and
    `op_box(i, item)` make the boxes. ``scene.edge_of`` maps (item index, input position) to
    the edge drawn for that input, and (item index, -1) to the op's output edge."""
    boxes, edges = [], []
    at = {}
    for i, item in enumerate(model.items):
        at[("v", i)] = len(boxes)
        boxes.append(value_box(i, item))
        if item.next:
            at[("o", i)] = len(boxes)
            boxes.append(op_box(i, item))
    edge_of = {}  # (item index, input position) → edge index; (item index, -1): the op's output edge
    for i, item in enumerate(model.items):
        if not item.next:
            continue
        for j, p in enumerate(item.next):
            if p is not None:
                edge_of[(i, j)] = len(edges)
                edges.append((at[("v", model.index[p])], at[("o", i)]))
        edge_of[(i, -1)] = len(edges)
        edges.append((at[("o", i)], at[("v", i)]))
    scene = Scene(boxes, edges, direction, engine, max_width)
    scene.edge_of = edge_of
    scene.cluster_labels = {p: f"{p}: {k}" for p, k in model.module_types.items()}
    return scene


class SvgPicture:
    """An SVG picture drawn by tracegrad (see `draw_svg`): shows inline in Jupyter.

    Attributes:
        source (str): the SVG document (with its XML declaration, like Graphviz's). scene
            (Scene): boxes, edges and their layout.
    """

    def __init__(self, scene, caption=None):
        self.scene = scene
        self.source = '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n' + scene.svg(caption=caption)

    def _repr_svg_(self):
        return self.source

    def save(self, path):
        """Write the SVG to `path` (atomically); returns `path`."""
        return save_text(path, self.source)

    def __repr__(self):
        lay = self.scene.layout
        return (f"<SvgPicture: {len(self.scene.boxes)} boxes, {lay.width:.0f}×{lay.height:.0f} px, "
                f"{lay.direction}, laid out by {lay.engine}>")


def draw_svg(*roots, show_data=False, show_grad=True, show_shapes=True, show_rules=True, params=None,
             direction="auto", engine="auto", max_width=1000, caption=None):
    """Draw the computation graph behind Tensors or Scalars as SVG, without Graphviz.

    The same picture as `draw_graph` (one box per value, one per op, edges in the forward
    direction, colours by role), laid out once by igraph's layered layout (or Graphviz's
    `dot` with ``engine='dot'``) and drawn by tracegrad. Arrays with more than 16 elements
    are summarized (mean, std, norm). The direction is chosen to fit `max_width` pixels.

    Args:
        *roots: Tensors or Scalars (lists/tuples are flattened).
        show_data, show_grad, show_shapes, show_rules, params: as in `draw_graph`.
        direction (str): ``'LR'``, ``'TB'`` or ``'auto'``.
        engine (str): ``'igraph'``, ``'dot'`` or ``'auto'`` (igraph).
        max_width (float): the width in pixels the automatic direction tries to fit.
        caption (str, optional): a note written above the graph (e.g. the batch, its labels
            and the loss).

    Returns:
        SvgPicture: ``.source`` is the SVG text, ``.save(path)`` writes it; inline in Jupyter.

    Raises:
        TypeError: if a root is not a Tensor or Scalar, or both kinds are mixed.
        ValueError: if no root is given, or an unknown direction or engine.
    """
    model = GraphModel(roots, params=params, what="draw_svg")

    def value_box(i, item):
        lines = [("title", value_title(model, item))]
        if model.kind == "scalar":
            lines.append(("data", f"data {item.data:.4f}"))
            if show_grad:
                lines.append(("grad", f"grad {item.grad:.4f}"))
        else:
            if show_shapes:
                lines.append(("shape", shape_line(model, item)))
            data = model.value_data(item) if show_data else None
            if data is not None:
                lines += [(f"data{j}", t) for j, t in enumerate(wrap("data " + preview(data)))]
            t = model.value_tensor(item) if show_grad else None
            if t is not None and t.grad is not None:
                lines += [(f"grad{j}", t) for j, t in enumerate(wrap("grad " + preview(t.grad._array)))]
        return Box(f"v{i}", "value", model.role(item), lines, module=model.module_of(item))

    def op_box(i, item):
        return Box(f"o{i}", "op", "op", op_lines(model, item, show_rules), module=model.module_of(item))

    return SvgPicture(scene_graph(model, value_box, op_box, direction, engine, max_width), caption)


def save_text(path, text):
    """Write `text` (UTF-8) to `path` atomically (see `autograd.fileio.atomic_write`); returns
    the path written."""
    data = text.encode("utf-8")
    return atomic_write(path, lambda f: f.write(data), "save")
