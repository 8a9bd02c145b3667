"""Teaching pictures: the computational graph of a tensor, decision boundaries,
learning curves, activations, loss landscapes and weight histograms; for convolutional
networks, the filters, the feature maps of an image, and a layer-by-layer ``summary``.

matplotlib and networkx are imported only when a drawing is made (``pip install
reseau[viz]``); every plotting function returns the matplotlib Figure and takes
``path=`` to save it.
"""

from .convolution import plot_feature_maps, plot_filters
from .graph import GraphDrawing, draw_graph
from .plots import (
    plot_activations, plot_decision_boundary, plot_history, plot_loss_landscape,
    plot_weight_histograms,
)
from .summary import ModelSummary, summary

__all__ = [
    "draw_graph", "GraphDrawing", "plot_decision_boundary", "plot_history",
    "plot_activations", "plot_loss_landscape", "plot_weight_histograms", "plot_filters",
    "plot_feature_maps", "summary", "ModelSummary",
]
