"""`BackwardStepper`: walk the engine's own backward sweep one op node at a time.

The stepper drives `autograd.engine.iter_backward` — the generator that `backward()`
exhausts — so every step is exactly what `backward()` does, in the same order, with the
same gradients; the stepper only records what each step did and draws it.
"""
import html
import shutil

from ..engine import _prepare, iter_backward
from ..function import Node
from ..scalar import Scalar
from ..tensor import Tensor
from .draw import DrawState, GraphModel, GraphvizNotFoundError, build_picture
from .explorer import explorer_html, explorer_svg
from .svg import save_text

DRAW_OPTIONS = ("show_data", "show_grad", "show_shapes", "show_rules", "show_saved", "group_modules",
                "rankdir", "max_nodes", "params")


class _Run:
    """What one pass of the sweep did so far: its steps and the gradients they made."""

    __slots__ = ("finished", "gen", "grads", "remaining", "step_of", "steps")

    def __init__(self, model):
        self.steps = []
        self.step_of = {}
        self.grads = {}
        self.remaining = {item: model.uses.get(item, 0) for item in model.items if not item.next}
        self.gen = None
        self.finished = False


class Step:
    """One step of the backward sweep: an op node's VJP, run on its summed output adjoint.

    Attributes:
        index (int): 0-based position in the sweep.
        node: the op item run: a `Node` (Tensor graphs) or a `Scalar` made by an op.
        grad_output: the adjoint Ḡ the node received (a Tensor of the output's shape and
            dtype; a float for Scalars), summed over all its uses.
        grad_inputs (tuple): the adjoints it sent to its inputs, one per input (Tensor or
            None; floats for Scalars), already reduced to each input's shape.
        rule (str): the op's VJP rule in plain text; rule_latex (str): the same in LaTeX.
        name (str): the op's public name (``'matmul'``), or the Scalar's `_op` symbol.

    In Jupyter a step displays as the whole graph with this node highlighted (orange), the
    ops already run in green with their gradients shown, and pending ones grey; the edges
    into the node carry the gradients it sent back. The graph is the explorer's, laid out
    once per stepper: boxes keep their places from step to step.
    """

    __slots__ = (
        "_run",
        "_stepper",
        "_svg",
        "grad_inputs",
        "grad_output",
        "index",
        "name",
        "node",
        "rule",
        "rule_latex",
    )

    def __init__(self, index, node, grad_output, grad_inputs, stepper, run):
        self.index = index
        self.node = node
        self.grad_output = grad_output
        self.grad_inputs = tuple(grad_inputs)
        if node.__class__ is Node:
            self.rule, self.rule_latex, self.name = node.fn.rule, node.fn.rule_latex, node.fn.name
        else:
            self.rule, self.rule_latex, self.name = node.rule, node.rule_latex, node._op
        self._stepper = stepper
        self._run = run
        self._svg = None

    def graph(self):
        """graphviz.Digraph of the whole graph as it stands after this step."""
        return self._stepper._picture(self._run, self.index)

    def _repr_svg_(self):
        try:
            return self._svg_text()
        except GraphvizNotFoundError:
            return None

    def _svg_text(self):
        if self._svg is None:
            self._svg = self._stepper._stable_svg(self.index)
        return self._svg

    def _repr_html_(self):
        head = (f"<p><b>step {self.index} of {len(self._stepper)}</b>: "
                f"<code>{html.escape(self.name)}</code> &nbsp; {html.escape(self.rule)}</p>")
        return head + self._stepper._html_body(self._svg_text, self.graph, self.index)

    def __repr__(self):
        g = self.grad_output
        shape = f"shape {g.shape}" if isinstance(g, Tensor) else f"{g:.4f}"
        return f"<Step {self.index}: {self.name}, grad_output {shape}>"


class BackwardStepper:
    """Step through the backward sweep of `root`, one op node at a time, and watch it.

    It iterates the engine's own sweep (`autograd.engine.iter_backward`, the generator
    `backward()` runs) with ``retain_graph=True``, so it can be reset and run again, and
    running it to the end leaves exactly the gradients `backward()` would (leaves' `.grad`
    for Tensors; every node's `.grad` for Scalars). Applying gradients to leaves is part
    of the step that produced their last contribution, not a step of its own.

    Args:
        root (Tensor or Scalar): the output to differentiate.
        gradient: its adjoint (Tensor, ndarray or number of root's shape); may be omitted
            for a one-element output (then 1).
        **draw_options: passed to the pictures (see `draw_graph`): show_data, show_grad,
            show_shapes, show_rules, show_saved, group_modules, rankdir, max_nodes, params.

    Usage:
        ``len(stepper)`` is the number of op nodes the sweep will visit; ``stepper.step()``
        runs the next one and returns its `Step` (None when done); ``for step in stepper``
        runs the remaining steps; ``run()``, ``run_to(node)``, ``reset()``; ``save_html(path)``
        writes the explorer and ``widget()`` shows it in a notebook.
        In Jupyter the stepper (and each Step) displays as the graph with the current node
        highlighted, done nodes coloured with their gradients, pending ones grey.

    Raises:
        TypeError: if `root` is not a Tensor or Scalar, or an unknown draw option is given.
        RuntimeError: if `root` does not require grad, a non-scalar root has no gradient,
            or the graph was already freed by a backward() without ``retain_graph=True``.
        ValueError: if `gradient` has the wrong shape.
    """

    def __init__(self, root, gradient=None, **draw_options):
        bad = sorted(set(draw_options) - set(DRAW_OPTIONS))
        if bad:
            raise TypeError(f"BackwardStepper: unknown option {bad[0]!r}; expected one of {', '.join(DRAW_OPTIONS)}.")
        if isinstance(root, Scalar):
            self._roots = [root]
            self._grads = [1.0 if gradient is None else float(gradient)]
        elif isinstance(root, Tensor):
            self._roots, self._grads = _prepare([root], [gradient], "BackwardStepper")
        else:
            raise TypeError(f"BackwardStepper: root must be a Tensor or Scalar; got {type(root).__name__}.")
        self.root = root
        self._options = dict(draw_options)
        self._model = GraphModel([root], params=self._options.pop("params", None), what="BackwardStepper")
        self._n_ops = sum(1 for item in self._model.items if item.next)
        self._explorer_cache = None  # (svg, data) of the explorer, laid out once (`explorer_svg`)
        for item in self._model.items:
            if item.__class__ is Node and item._freed:
                raise RuntimeError(
                    f"BackwardStepper: the saved values of '{item.fn.name}' were already freed by an earlier "
                    f"backward; expected a graph that can be backpropagated. Hint: pass retain_graph=True to "
                    f"that backward(), or rebuild the graph.")
        self._snapshot = self._take_snapshot()
        self._run = self._new_run()

    def _new_run(self):
        """Fresh records; the root shows its seed gradient before the first step."""
        run = _Run(self._model)
        for item, g in zip(self._roots, self._grads):
            run.grads[item] = [(-1, g._array if isinstance(g, Tensor) else g)]
        return run

    # -- gradients before the stepper started -----------------------------------------------
    def _take_snapshot(self):
        """Remember the gradients the sweep may change, so `reset` can put them back."""
        snap = []
        for item in self._model.items:
            if self._model.kind == "scalar":
                snap.append((item, item.grad, None))
                continue
            t = item if isinstance(item, Tensor) else item.output()
            if t is None or (t is not item and not t._retains_grad):
                continue
            g = t.grad
            snap.append((t, g, None if g is None else g._array.copy()))
        return snap

    def _restore_snapshot(self):
        for obj, g, data in self._snapshot:
            if data is None:
                obj.grad = g
            else:
                g._array = data.copy()
                obj.grad = g

    # -- stepping ---------------------------------------------------------------------------
    def __len__(self):
        """The number of op nodes the sweep visits (counted without running it)."""
        return self._n_ops

    @property
    def steps(self):
        """list[Step]: the steps taken so far (since the last reset)."""
        return list(self._run.steps)

    @property
    def index(self):
        """int: index of the last step taken, -1 before the first."""
        return len(self._run.steps) - 1

    @property
    def done(self):
        """bool: True once every op node has run."""
        return self._run.finished or len(self._run.steps) == self._n_ops

    def step(self):
        """Run the next op node of the sweep.

        Returns:
            Step, or None when the sweep is over (then every gradient has been applied).
        """
        run = self._run
        if run.finished:
            return None
        if run.gen is None:
            run.gen = iter_backward(self._roots, self._grads, retain_graph=True, create_graph=False)
        try:
            node, g, sent = next(run.gen)
        except StopIteration:
            run.finished = True
            run.gen = None
            for item in self._model.root_items:
                if not item.next:  # a leaf root gets its seed at once, without a step
                    run.grads[item] = [(-1, self._leaf_grad(item))]
            return None
        except BaseException:
            run.finished = True
            run.gen = None
            raise
        k = len(run.steps)
        step = Step(k, node, g, [gi for _, gi in sent], self, run)
        run.steps.append(step)
        run.step_of[node] = k
        if self._model.kind == "scalar":
            run.grads.setdefault(node, []).append((k, node.grad))
        else:
            run.grads.setdefault(node, []).append((k, g._array))
        for p in node.next:
            if p is None or p.next:
                continue
            n = run.remaining[p] - 1
            run.remaining[p] = n
            if n == 0:
                run.grads.setdefault(p, []).append((k, self._leaf_grad(p)))
        return step

    def _leaf_grad(self, leaf):
        if self._model.kind == "scalar":
            return leaf.grad
        return None if leaf.grad is None else leaf.grad._array.copy()

    def __iter__(self):
        """Run and yield the remaining steps."""
        while True:
            s = self.step()
            if s is None:
                return
            yield s

    def run(self):
        """Run every remaining step; return the list of all steps taken since the last reset."""
        while self.step() is not None:
            pass
        return self.steps

    def run_to(self, node):
        """Run until `node` has been processed and return the step that did it.

        Args:
            node: an op item (`Node`, or a Scalar made by an op), a Tensor (its `grad_fn`
                is used; for a leaf Tensor, the step that applies its gradient), or a leaf
                Scalar (likewise). If that step was already taken it is returned as is.

        Returns:
            Step (None only for a leaf root, which gets its gradient without a step).

        Raises:
            ValueError: if `node` is not part of this graph.
        """
        item = node
        if isinstance(node, Tensor) and node.grad_fn is not None:
            item = node.grad_fn
        if item not in self._model.index:
            raise ValueError(f"BackwardStepper.run_to: the node is not part of this graph; got "
                             f"{type(node).__name__} {node!r:.60}, expected an op node, Tensor or Scalar upstream "
                             f"of the root.")
        run = self._run
        while True:
            found = self._step_for(item, run)
            if found is not None:
                return found
            if self.step() is None:
                return self._step_for(item, run)

    def _step_for(self, item, run):
        if item.next:
            k = run.step_of.get(item)
            return None if k is None else run.steps[k]
        hist = run.grads.get(item)
        if hist:
            k = hist[0][0]
            return run.steps[k] if k >= 0 else None
        return None

    def reset(self):
        """Rewind to step 0: put back the gradients from before the stepper started.

        Tensor leaves (and retained non-leaf grads) get their previous `.grad` back (None, or
        the same Tensor with its old values); for Scalars every node's grad is restored.
        """
        gen = self._run.gen
        if gen is not None:
            gen.close()
        self._restore_snapshot()
        self._run = self._new_run()

    # -- pictures ---------------------------------------------------------------------------
    def _picture(self, run, k):
        edge_grads = {}
        if 0 <= k < len(run.steps):
            s = run.steps[k]
            for p, gi in zip(s.node.next, s.grad_inputs):
                if p is None or gi is None:
                    continue
                gv = gi._array if isinstance(gi, Tensor) else gi
                key = (p, s.node)
                edge_grads[key] = gv if key not in edge_grads else edge_grads[key] + gv
        state = DrawState(k, run.step_of, run.grads, edge_grads)
        return build_picture(self._model, state=state, **self._options)

    def graph(self):
        """graphviz.Digraph of the whole graph as it stands now (after the last step)."""
        return self._picture(self._run, self.index)

    def _stable_svg(self, k):
        """The picture shown in Jupyter at backward step `k`: the explorer's graph, laid out once
        per stepper (`explorer.explorer_svg`), so boxes keep their places from step to step and
        Graphviz does not run per step.

        Raises:
            GraphvizNotFoundError: where `dot` is not installed (the notebook then shows the
                explorer itself, with the note on how to get Graphviz).
        """
        if shutil.which("dot") is None:
            raise GraphvizNotFoundError("BackwardStepper")
        return explorer_svg(self, k)

    def _html_body(self, make_svg, make_graph, k):
        """The picture at backward step `k` on the stable layout (`_stable_svg`); without `dot`, the
        explorer opened at that step (and, folded away, the note on how to get Graphviz and the
        DOT text)."""
        try:
            return make_svg()
        except GraphvizNotFoundError as exc:
            return (self.iframe(height=560, start=self._explorer_step(k)) +
                    f"<details><summary>{html.escape(str(exc))}</summary><pre>{html.escape(make_graph().source)}"
                    "</pre></details>")

    def _repr_svg_(self):
        try:
            return self._stable_svg(self.index)
        except GraphvizNotFoundError:
            return None

    def _repr_html_(self):
        k = self.index
        if k < 0:
            head = f"<p><b>BackwardStepper</b>: {len(self)} steps, none taken yet</p>"
        else:
            s = self._run.steps[k]
            head = (f"<p><b>step {k} of {len(self)}</b>: <code>{html.escape(s.name)}</code> &nbsp; "
                    f"{html.escape(s.rule)}</p>")
        return head + self._html_body(lambda: self._stable_svg(k), self.graph, k)

    def __repr__(self):
        return f"<BackwardStepper: {len(self._run.steps)} of {len(self)} steps taken>"

    def html(self, title=None, caption=None, direction="auto", engine="auto", max_width=1000, recording=None,
             start=-1):
        """The explorer as one self-contained HTML page (a string); see `save_html`.

        `start` is the explorer's step the page opens at (-1: before the forward pass)."""
        return explorer_html(self, title, caption, direction, engine, max_width, recording, start)

    def _explorer_step(self, k):
        """The explorer's step that shows backward step `k` (-1: the seed): after the forward steps."""
        return self._n_ops + 1 + k

    def save_html(self, path, title=None, caption=None, direction="auto", engine="auto", max_width=1000,
                  recording=None):
        """Write the backprop explorer: one self-contained HTML file that works offline.

        The graph is laid out once (igraph, or Graphviz's `dot` with ``engine='dot'``) and its
        boxes never move. Steps: the forward pass (each op's value appears), the seed, then the
        backward sweep one op node at a time, as the engine ran it: the current op shows its
        rule (plain text, and its LaTeX source) and the adjoints on its input edges; a value
        with several consumers shows its running partial sum and "k of n contributions" until
        complete. Controls: previous, next, play/pause, speed, reset, jump to a node (or click
        it); keys ← → (step), space (play), Home, End. The steps shown are the engine's: the
        stepper runs the sweep to the end (so the gradients shown at the end are `backward()`'s),
        and one that was not done is put back at the step it was at, with its gradients.

        Args:
            path (str or os.PathLike): the .html file to write.
            title (str): the page's heading; caption (str): a note under it (inputs, labels…).
            direction, engine, max_width: the layout (see `draw_svg`).
            recording (TrainingRecorder, optional): a training run's recording, shown under
                the explorer (scrub through its per-layer norms and weight histograms).

        Returns:
            str: `path`.
        """
        return save_text(path, self.html(title, caption, direction, engine, max_width, recording))

    def widget(self, height=720, **options):
        """The explorer of `save_html` in a notebook cell (JupyterLab, Notebook, VS Code).

        An ``ipywidgets.HTML`` holding the page in a sandboxed ``<iframe srcdoc>`` (the page's
        script runs inside the frame; nothing is fetched). It opens at the stepper's current
        step (after `run_to(node)`: that node's step), or before the forward pass if none
        was taken.

        Args:
            height (int): the frame's height in pixels.
            **options: title, caption, direction, engine, max_width, recording (see
                `save_html`), start (the explorer step to open at).

        Returns:
            ipywidgets.HTML.

        Raises:
            ImportError: if ipywidgets is not installed (the message says how to get it).
        """
        widgets = _ipywidgets("widget")
        return widgets.HTML(self.iframe(height, **options))

    def iframe(self, height=720, start=None, **options):
        """The explorer as an ``<iframe srcdoc>`` HTML snippet (what `widget` shows), opened at
        explorer step `start` (None: the stepper's current step; before the forward pass if
        no step was taken)."""
        if start is None:
            start = self._explorer_step(self.index) if self.index >= 0 else -1
        page = html.escape(self.html(start=start, **options), quote=True)
        return (f'<iframe srcdoc="{page}" style="width:100%;height:{int(height)}px;border:1px solid #ddd" '
                f'sandbox="allow-scripts"></iframe>')

    def slider_widget(self):
        """An ipywidgets slider over the steps, showing the Graphviz picture at the chosen step.

        Moving the slider forward runs the sweep up to that step (steps already taken are
        redrawn from their records).

        Returns:
            ipywidgets.VBox with an IntSlider and the picture.

        Raises:
            ImportError: if ipywidgets is not installed (the message says how to get it).
        """
        widgets = _ipywidgets("slider_widget")
        n = len(self)
        if n == 0:
            return widgets.VBox([widgets.HTML("<p>BackwardStepper: the graph has no op nodes to step.</p>")])
        slider = widgets.IntSlider(value=max(self.index, 0), min=0, max=n - 1, description="step")
        view = widgets.HTML()

        def show(change=None):
            i = slider.value
            while len(self._run.steps) <= i and self.step() is not None:
                pass
            view.value = self._run.steps[i]._repr_html_() if i < len(self._run.steps) else ""

        slider.observe(show, names="value")
        show()
        return widgets.VBox([slider, view])


def _ipywidgets(what):
    try:
        import ipywidgets
    except ImportError:
        raise ImportError(f"BackwardStepper.{what}: ipywidgets is not installed; expected it for the notebook "
                          "view. Hint: pip install ipywidgets, or use save_html(path), or call .step() / "
                          "iterate the stepper and display each Step.") from None
    return ipywidgets
