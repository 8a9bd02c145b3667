"""Teaching pictures: the computational graph of a tensor, decision boundaries,
learning curves, activations, loss landscapes and weight histograms.

matplotlib and networkx are imported only when a drawing is made (``pip install
reseau[viz]``); every plotting function returns the matplotlib Figure and takes
``path=`` to save it.
"""

from .graph import GraphDrawing, draw_graph
from .plots import (
    plot_activations, plot_decision_boundary, plot_history, plot_loss_landscape,
    plot_weight_histograms,
)

__all__ = [
    "draw_graph", "GraphDrawing", "plot_decision_boundary", "plot_history",
    "plot_activations", "plot_loss_landscape", "plot_weight_histograms",
]
