"""The live training view: `TrainingRecorder` records a model's statistics every k steps.

Per parameter: the weight norm, the gradient norm and a small histogram of the weights; per
module with no submodules: the mean and std of its output (a forward hook, armed only on the
steps that are recorded); and the loss. In a notebook `widget()` redraws a table of
sparklines after every record while training runs; `save_html(path)` (or passing the recorder
to `BackwardStepper.save_html(..., recording=rec)`) writes a scrubbable recording of the run:
a slider over the recorded steps moves a marker along every sparkline and shows that step's
histograms. Reads the model through ``named_parameters()`` / ``named_modules()`` only (no
import of `nn`).
"""
import html
import json

import numpy as np

from .explorer import _asset
from .svg import save_text

SPARK_W, SPARK_H = 150, 26
BINS = 16


def _norm(a):
    a = np.asarray(a, dtype=np.float64)
    return float(np.sqrt(np.sum(a * a)))


def _no_nan(obj):
    """The same data with NaN floats as None (JSON has no NaN)."""
    if isinstance(obj, float):
        return None if obj != obj else obj
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
    v = np.asarray(values, dtype=np.float64)
    ok = np.isfinite(v)
    pts = ""
    if ok.any():
        lo, hi = float(v[ok].min()), float(v[ok].max())
        span = hi - lo or 1.0
        n = max(len(v) - 1, 1)
        pts = " ".join(f"{2 + (width - 4) * i / n:.1f},{height - 3 - (height - 6) * (x - lo) / span:.1f}"
                       for i, x in enumerate(v) if np.isfinite(x))
    return (f'<svg width="{width}" height="{height}" class="tg-spark"><polyline points="{pts}" fill="none" '
            f'stroke="{colour}" stroke-width="1.3"/></svg>')


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
        if hasattr(model, "named_modules"):
            for name, mod in model.named_modules():
                if name and not any(True for _ in mod.children()) and hasattr(mod, "register_forward_hook"):
                    self.acts[name] = {"mean": [], "std": []}
                    self._handles.append(mod.register_forward_hook(self._hook(name)))

    def _hook(self, name):
        def hook(module, args, output):
            if self.calls % self.every == 0 and hasattr(output, "data"):
                d = np.asarray(output.data, dtype=np.float64)
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
        if k % self.every:
            return False
        self.steps.append(k)
        self.loss.append(float("nan") if loss is None else float(getattr(loss, "data", loss)))
        for name, p in self.model.named_parameters():
            rec = self.params.setdefault(name, {"w": [], "g": [], "hist": [], "lo": [], "hi": []})
            w = np.asarray(p.data, dtype=np.float64)
            rec["w"].append(_norm(w))
            rec["g"].append(float("nan") if p.grad is None else _norm(p.grad.data))
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
            self._view.value = self.table_html()
        return True

    def close(self):
        """Take the forward hooks off the model."""
        for h in self._handles:
            h.remove()
        self._handles = []

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

    def widget(self):
        """An ``ipywidgets.HTML`` that redraws the table after every kept record (live in Jupyter).

        Raises:
            ImportError: if ipywidgets is not installed (the message says how to get it).
        """
        try:
            import ipywidgets
        except ImportError:
            raise ImportError("TrainingRecorder.widget: ipywidgets is not installed; expected it for the live "
                              "view. Hint: pip install ipywidgets, or save_html(path) after training.") from None
        self._view = ipywidgets.HTML(self.table_html())
        return self._view

    def data(self):
        """The recording as JSON-able data (what the page's script reads)."""
        return {"every": self.every, "steps": self.steps, "loss": self.loss, "params": self.params,
                "acts": self.acts}

    def section_html(self):
        """The scrubbable recording as an HTML section (inline script and style; used by
        `save_html` and by `BackwardStepper.save_html(..., recording=...)`)."""
        payload = json.dumps(_no_nan(self.data()), separators=(",", ":"), allow_nan=False).replace("</", "<\\/")
        return ("<section class=\"tg-train\"><h2>training run</h2>"
                "<div class=\"tg-train-controls\"><input id=\"tg-train-slider\" type=\"range\" min=\"0\" "
                f"max=\"{max(len(self.steps) - 1, 0)}\" value=\"{max(len(self.steps) - 1, 0)}\"> "
                "<span id=\"tg-train-at\"></span></div><div id=\"tg-train-table\"></div></section>"
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
