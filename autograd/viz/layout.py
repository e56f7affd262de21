"""Node positions for a picture, computed once: igraph's Sugiyama layout, or Graphviz's `dot`.

The pictures and the explorer draw their own SVG from a `Layout`; nothing here depends on
what the boxes contain: a layout takes box sizes (pixels) and directed edges and returns box
centres and edge routes. Two engines give the same kind of result:

* ``'igraph'`` (the default, no system program needed): igraph's layered (Sugiyama) layout
  gives each box a layer and an order within the layer, and bends for edges that skip layers;
  the coordinates are then assigned here from the real box sizes (each layer as wide as its
  boxes, overlaps resolved by averaging a left-packed and a right-packed placement — both
  satisfy the spacing constraints, so their mean does too).
* ``'builtin'`` (what ``'auto'`` falls back to where igraph is not installed): the same layers,
  a bend per skipped layer and barycentre sweeps to reduce crossings, in pure Python.
* ``'dot'``: Graphviz's `dot` program (``dot -Tjson``) when it is installed.

The direction is chosen per graph (``direction='auto'``): left to right when that fits
`max_width` pixels, else top to bottom when that is narrower (long chains stack downwards).
"""
import json
import shutil
import subprocess

ENGINES = ("auto", "igraph", "builtin", "dot")
DIRECTIONS = ("auto", "LR", "TB")
GAP_ORDER = 18    # px between neighbouring boxes of a layer
GAP_LAYER = 34    # px between layers
BEND = 6          # px a bend point (an edge crossing a layer) occupies in its layer
MARGIN = 8
SPACINGS = (1.0, 0.6, 0.3)  # igraph's unit across a layer, in typical boxes: widest first


class Layout:
    """Box centres and edge routes in pixels (origin top left).

    Attributes:
        pos (list of (float, float)): the centre of each box, in the order of the sizes given.
        sizes (list of (float, float)): (width, height) of each box.
        routes (list of list of (float, float)): one polyline per edge, from the tail box's
            border to the head box's border (through bends for edges that skip layers).
        smooth (bool): True when each route is a cubic Bézier spline (``dot``: p0, c1, c2, p1,
            c1, c2, p2 …) rather than a polyline.
        width, height (float): the picture's size; direction (str): ``'LR'`` or ``'TB'``;
        engine (str): ``'igraph'`` or ``'dot'``.
    """

    __slots__ = ("direction", "engine", "height", "pos", "routes", "sizes", "smooth", "width")

    def __init__(self, pos, sizes, routes, width, height, direction, engine, smooth=False):
        self.pos = pos
        self.sizes = sizes
        self.routes = routes
        self.width = width
        self.height = height
        self.direction = direction
        self.engine = engine
        self.smooth = smooth


def compute_layout(sizes, edges, direction="auto", engine="auto", max_width=1000):
    """Lay out boxes of the given sizes joined by directed edges (tail drawn before head).

    Args:
        sizes (list of (float, float)): (width, height) of each box, in pixels.
        edges (list of (int, int)): (tail, head) box indices.
        direction (str): ``'LR'``, ``'TB'`` or ``'auto'`` (see the module docstring).
        engine (str): ``'igraph'``, ``'builtin'``, ``'dot'`` or ``'auto'`` (igraph, else the
            built-in layering where igraph is not installed; Graphviz is used only when asked
            for, so a picture looks the same on every machine).
        max_width (float): the width ``'auto'`` tries to fit (a notebook cell is ~1,000 px).

    Returns:
        Layout.

    Raises:
        ValueError: for an unknown direction or engine.
        RuntimeError: ``engine='dot'`` without Graphviz's `dot` installed.
        ImportError: ``engine='igraph'`` without igraph installed (the message says how to get it).
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"compute_layout: unknown direction; got {direction!r}, expected one of {DIRECTIONS}.")
    if engine not in ENGINES:
        raise ValueError(f"compute_layout: unknown engine; got {engine!r}, expected one of {ENGINES}.")
    if engine == "dot":
        if shutil.which("dot") is None:
            raise RuntimeError("compute_layout: Graphviz's `dot` program was not found; expected it for "
                               "engine='dot'. Hint: use engine='igraph' (needs no system program).")
        d = direction
        if d == "auto":
            d = _choose(_layering(sizes, edges, "auto")[0], sizes, edges, max_width)[0].direction
        return _dot_layout(sizes, edges, d)
    layered, name = _layering(sizes, edges, engine)
    lay = _assign(layered, sizes, edges, direction) if direction != "auto" else \
        _choose(layered, sizes, edges, max_width)[0]
    lay.engine = name
    return lay


def _layering(sizes, edges, engine):
    """(layers, order keys and bends; the engine's name): igraph's, or the built-in one where
    igraph is not installed (``'auto'``) or asked for (``'builtin'``)."""
    if engine == "builtin":
        return _builtin_layers(sizes, edges), "builtin"
    try:
        return _igraph_layers(sizes, edges), "igraph"
    except ImportError:
        if engine == "igraph":
            raise
        return _builtin_layers(sizes, edges), "builtin"


def _builtin_layers(sizes, edges, sweeps=6):
    """The same result as `_igraph_layers` without igraph: `_layers`, a dummy point per layer an
    edge skips, then barycentre sweeps (down, up, …) to reduce crossings. Order keys are centred
    on 0 in every layer."""
    n = len(sizes)
    layer = _layers(n, edges)
    rows = {}
    pred, succ = {}, {}
    for i in range(n):
        rows.setdefault(layer[i], []).append(i)
    for e, (u, v) in enumerate(edges):
        prev = u
        for j, ly in enumerate(range(layer[u] + 1, layer[v])):
            d = ("bend", e, j)
            rows.setdefault(ly, []).append(d)
            succ.setdefault(prev, []).append(d)
            pred.setdefault(d, []).append(prev)
            prev = d
        succ.setdefault(prev, []).append(v)
        pred.setdefault(v, []).append(prev)
    key = {}

    def place(row):
        mid = (len(row) - 1) / 2
        for k, x in enumerate(row):
            key[x] = k - mid

    for row in rows.values():
        place(row)
    top = max(rows, default=0)
    for sweep in range(sweeps):
        down = sweep % 2 == 0
        nbrs = pred if down else succ
        for ly in (range(1, top + 1) if down else range(top - 1, -1, -1)):
            row = rows.get(ly)
            if not row:
                continue
            bary = {x: (sum(key[y] for y in nbrs[x]) / len(nbrs[x]) if nbrs.get(x) else key[x]) for x in row}
            row.sort(key=bary.__getitem__)
            place(row)
    bends = [[] for _ in edges]
    for ly, row in rows.items():
        for x in row:
            if isinstance(x, tuple):
                bends[x[1]].append((x[2], key[x], ly))
    bends = [[(k, ly) for _, k, ly in sorted(b)] for b in bends]
    return layer, [key[i] for i in range(n)], bends


def _choose(layered, sizes, edges, max_width):
    """The layout that best fits `max_width`, and the runner-up.

    Left to right at the widest spacing that fits; else top to bottom at the widest spacing
    that fits; else the narrowest of all (long chains stack downwards).
    """
    tried = []
    for direction in ("LR", "TB"):
        for spacing in SPACINGS:
            lay = _assign(layered, sizes, edges, direction, spacing)
            if lay.width <= max_width:
                return lay, tried
            tried.append(lay)
    return min(tried, key=lambda lay: lay.width), tried


def _igraph_layers(sizes, edges):
    """(layer of each box, order key of each box, bends per edge) from igraph's Sugiyama layout."""
    try:
        import igraph
    except ImportError:
        raise ImportError("compute_layout: igraph is not installed; expected it to lay out pictures without "
                          "Graphviz. Hint: pip install igraph (it is a dependency of tracegrad).") from None
    n = len(sizes)
    g = igraph.Graph(n=n, edges=list(edges), directed=True)
    lay = g.layout_sugiyama(layers=_layers(n, edges))
    coords = lay.coords
    layer = [int(round(c[1])) for c in coords[:n]]
    key = [float(c[0]) for c in coords[:n]]
    bends = [[(float(x), int(round(y))) for x, y in pts] for pts in lay.edge_routing]
    return layer, key, bends


def _layers(n, edges):
    """Longest-path layers, with each source moved down to just above its first consumer.

    Inputs and parameters then sit next to the op that uses them instead of all in the first
    layer (which would make the picture as wide as the number of inputs).
    """
    succ = [[] for _ in range(n)]
    indeg = [0] * n
    for u, v in edges:
        succ[u].append(v)
        indeg[v] += 1
    layer = [0] * n
    todo = [i for i in range(n) if indeg[i] == 0]
    sources = list(todo)
    left = list(indeg)
    while todo:
        u = todo.pop()
        for v in succ[u]:
            if layer[v] < layer[u] + 1:
                layer[v] = layer[u] + 1
            left[v] -= 1
            if left[v] == 0:
                todo.append(v)
    for s in sources:
        if succ[s]:
            layer[s] = min(layer[v] for v in succ[s]) - 1
    return layer


def _spread(keys, extents, unit):
    """Centres along one axis for items in a layer: near key*unit, in key order, never overlapping.

    `extents` are the items' sizes along the axis; neighbours keep GAP_ORDER between them.
    The mean of the left-packed and right-packed placements satisfies every spacing constraint.
    """
    order = sorted(range(len(keys)), key=lambda i: keys[i])
    want = [keys[i] * unit for i in order]
    ext = [extents[i] for i in order]
    left = list(want)
    for j in range(1, len(order)):
        lo = left[j - 1] + (ext[j - 1] + ext[j]) / 2 + GAP_ORDER
        if left[j] < lo:
            left[j] = lo
    right = list(want)
    for j in range(len(order) - 2, -1, -1):
        hi = right[j + 1] - (ext[j + 1] + ext[j]) / 2 - GAP_ORDER
        if right[j] > hi:
            right[j] = hi
    out = [0.0] * len(keys)
    for j, i in enumerate(order):
        out[i] = (left[j] + right[j]) / 2
    return out


def _assign(layered, sizes, edges, direction, spacing=1.0):
    """Pixel coordinates for igraph's layers and orders, in `direction` ('LR' or 'TB')."""
    layer, key, bends = layered
    tb = direction == "TB"
    # along the layers: each layer as thick as its thickest box
    n_layers = max(layer, default=-1) + 1
    thick = [0.0] * n_layers
    for i, (w, h) in enumerate(sizes):
        t = h if tb else w
        if t > thick[layer[i]]:
            thick[layer[i]] = t
    gap = GAP_LAYER if tb else GAP_LAYER + 16
    start = []
    at = MARGIN
    for t in thick:
        start.append(at)
        at += t + gap
    # across: per layer, the boxes and the bends of the edges that cross it
    members = [[] for _ in range(n_layers)]  # (key, extent, ('box', i) or ('bend', edge, j))
    for i, (w, h) in enumerate(sizes):
        members[layer[i]].append((key[i], w if tb else h, ("box", i)))
    for e, pts in enumerate(bends):
        for j, (x, y) in enumerate(pts):
            members[y].append((x, BEND, ("bend", e, j)))
    ext_all = [w if tb else h for w, h in sizes] or [1.0]
    unit = spacing * (sorted(ext_all)[len(ext_all) // 2] + GAP_ORDER)  # igraph unit: a typical box and a gap
    across_box = [0.0] * len(sizes)
    across_bend = [[0.0] * len(pts) for pts in bends]
    for mem in members:
        if not mem:
            continue
        cs = _spread([m[0] for m in mem], [m[1] for m in mem], unit)
        for (k, ext, ref), c in zip(mem, cs):
            if ref[0] == "box":
                across_box[ref[1]] = c
            else:
                across_bend[ref[1]][ref[2]] = c
    lo = min([c - (sizes[i][0] if tb else sizes[i][1]) / 2 for i, c in enumerate(across_box)]
             + [c for cs in across_bend for c in cs], default=0.0)
    shift = MARGIN - lo

    def point(a, b):  # (across, along) → (x, y)
        return (a, b) if tb else (b, a)

    pos = [point(across_box[i] + shift, start[layer[i]] + thick[layer[i]] / 2) for i in range(len(sizes))]
    routes = []
    for e, (u, v) in enumerate(edges):
        (au, bu), (av, bv) = (pos[u], pos[v]) if tb else (pos[u][::-1], pos[v][::-1])
        half_u = (sizes[u][1] if tb else sizes[u][0]) / 2
        half_v = (sizes[v][1] if tb else sizes[v][0]) / 2
        pts = [point(au, bu + half_u)]
        for (_, ly), a in zip(bends[e], across_bend[e]):
            pts.append(point(a + shift, start[ly]))
            pts.append(point(a + shift, start[ly] + thick[ly]))
        pts.append(point(av, bv - half_v))
        routes.append(pts)
    hi_across = max([(p[0] if tb else p[1]) + (sizes[i][0] if tb else sizes[i][1]) / 2 for i, p in enumerate(pos)]
                    + [(q[0] if tb else q[1]) for r in routes for q in r], default=0.0)
    extent_along = (start[-1] + thick[-1]) if n_layers else 0.0
    width, height = (hi_across + MARGIN, extent_along + MARGIN) if tb else (extent_along + MARGIN, hi_across + MARGIN)
    return Layout(pos, list(sizes), routes, width, height, direction, "igraph")


def _dot_layout(sizes, edges, direction):
    """Box centres and spline routes from Graphviz's `dot` (``-Tjson``); pixels are points."""
    lines = [f"digraph G {{ graph [rankdir={direction}, nodesep={GAP_ORDER / 72:.3f}, "
             f"ranksep={GAP_LAYER / 72:.3f}]; node [shape=box, fixedsize=true, label=\"\"];"]
    for i, (w, h) in enumerate(sizes):
        lines.append(f"n{i} [width={w / 72:.4f}, height={h / 72:.4f}];")
    for u, v in edges:
        lines.append(f"n{u} -> n{v};")
    lines.append("}")
    out = subprocess.run(["dot", "-Tjson"], input="\n".join(lines), capture_output=True, text=True, check=True)
    doc = json.loads(out.stdout)
    _, _, bw, bh = (float(t) for t in doc["bb"].split(","))
    pos = [(0.0, 0.0)] * len(sizes)
    node_of = {}  # Graphviz's object id → box index
    for obj in doc.get("objects", ()):
        name = obj.get("name", "")
        if name.startswith("n") and "pos" in obj:
            x, y = (float(t) for t in obj["pos"].split(","))
            pos[int(name[1:])] = (x + MARGIN, bh - y + MARGIN)
            node_of[obj["_gvid"]] = int(name[1:])
    slots = {}  # (tail, head) → the indices of the edges joining them, in order
    for k, uv in enumerate(edges):
        slots.setdefault(tuple(uv), []).append(k)
    routes = [[] for _ in edges]
    for e in doc.get("edges", ()):
        pts, tip = [], None
        for tok in e.get("pos", "").split():
            if tok.startswith("e,"):
                tip = tuple(float(t) for t in tok[2:].split(","))
            elif not tok.startswith("s,"):
                pts.append(tuple(float(t) for t in tok.split(",")))
        if tip is not None and pts:
            pts += [pts[-1], tip, tip]
        routes[slots[(node_of[e["tail"]], node_of[e["head"]])].pop(0)] = [(x + MARGIN, bh - y + MARGIN) for x, y in pts]
    return Layout(pos, list(sizes), routes, bw + 2 * MARGIN, bh + 2 * MARGIN, direction, "dot", smooth=True)
