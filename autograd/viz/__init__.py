"""Pictures and stepping: `draw_graph` (Graphviz pictures of Tensor and Scalar graphs),
`render` (write one to a file), and `BackwardStepper` (walk the backward sweep node by node).
"""
from .draw import GraphvizNotFoundError, Picture, draw_graph, render
from .stepper import BackwardStepper, Step

draw_dot = draw_graph  # micrograd's name for the same picture

__all__ = ["BackwardStepper", "GraphvizNotFoundError", "Picture", "Step", "draw_dot", "draw_graph", "render"]
