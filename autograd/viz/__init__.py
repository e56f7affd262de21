"""Pictures and stepping: `draw_graph` (Graphviz pictures of Tensor and Scalar graphs),
`render` (write one to a file), `draw_svg` (the same picture as SVG drawn without
Graphviz, laid out by igraph), and `BackwardStepper` (walk the backward sweep node by node).
"""
from .draw import GraphvizNotFoundError, Picture, draw_graph, render
from .stepper import BackwardStepper, Step
from .svg import SvgPicture, draw_svg

draw_dot = draw_graph  # micrograd's name for the same picture

__all__ = ["BackwardStepper", "GraphvizNotFoundError", "Picture", "Step", "SvgPicture", "draw_dot", "draw_graph",
           "draw_svg", "render"]
