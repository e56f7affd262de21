"""Pictures and stepping: `draw_graph` (Graphviz pictures of Tensor and Scalar graphs),
`render` (write one to a file), `draw_svg` (the same picture as SVG drawn without Graphviz,
laid out by igraph), `BackwardStepper` (walk the backward sweep node by node; `save_html`
writes the explorer, `widget` shows it in a notebook) and `TrainingRecorder` (per-layer
statistics every k steps of a training run, live in a notebook or saved as HTML).
"""
from .draw import GraphvizNotFoundError, Picture, draw_graph, render
from .stepper import BackwardStepper, Step
from .svg import SvgPicture, draw_svg
from .training import TrainingRecorder

draw_dot = draw_graph  # micrograd's name for the same picture

__all__ = ["BackwardStepper", "GraphvizNotFoundError", "Picture", "Step", "SvgPicture", "TrainingRecorder",
           "draw_dot", "draw_graph", "draw_svg", "render"]
