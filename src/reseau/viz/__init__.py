"""Teaching pictures: the computational graph of a tensor, decision boundaries,
learning curves, activations, loss landscapes and weight histograms.

matplotlib and networkx are imported only when a drawing is made (``pip install
reseau[viz]``); every plotting function returns the matplotlib Figure and takes
``path=`` to save it.
"""

from .graph import GraphDrawing, draw_graph

__all__ = ["draw_graph", "GraphDrawing"]
