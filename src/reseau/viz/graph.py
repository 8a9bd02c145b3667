"""Drawing the computational graph of a tensor, as on seed 004's slides: a node per
tensor (its name, its value, and after ``backward`` its gradient) and a node per
operation (its name in the op table ``reseau.OPS``).

The drawing is available as Graphviz DOT text (no Graphviz needed to produce it) and
as SVG or PNG, laid out by networkx and drawn by matplotlib, so that it renders on a
fresh install without the Graphviz program; in Jupyter it shows as an image.
"""

from __future__ import annotations

import io
from collections.abc import Mapping

import numpy as np

from ..ops import OPS
from ..tensor import Tensor

__all__ = ["draw_graph", "GraphDrawing"]

# fill colours: leaves that require a gradient, constants, computed tensors, operations
_COLORS = {"leaf": "#cfe2f3", "constant": "#eeeeee", "computed": "#fff2cc", "op": "#f9cb9c"}


def _fmt(x: float) -> str:
    return f"{float(x):.4g}"


def _collect(root: Tensor):
    """The tensors and operations of ``root``'s graph, in discovery order from the root.

    Returns ``(tensors, ops)`` where ``ops`` holds ``(op_name, output_index,
    input_indices)`` tuples (indices into ``tensors``)."""
    tensors, index, ops = [root], {id(root): 0}, []
    stack = [root]
    while stack:
        t = stack.pop()
        node = t.grad_fn
        if node is None:
            continue
        # backward frees only what a node saved for its VJP: the operation and its inputs
        # stay, so a graph is drawn as well after backward as before
        name = node.op.name
        if OPS.get(name) is not node.op:
            raise RuntimeError(f"draw_graph: operation {name!r} is not in reseau.OPS")
        inputs = []
        for x in node.inputs:
            if id(x) not in index:
                index[id(x)] = len(tensors)
                tensors.append(x)
                stack.append(x)
            inputs.append(index[id(x)])
        ops.append((name, index[id(t)], tuple(inputs)))
    return tensors, ops


class GraphDrawing:
    """The drawing of a computational graph, returned by :func:`draw_graph`.

    The values and gradients are read from the tensors each time the drawing is
    rendered, so a drawing made before ``backward()`` shows the gradients afterwards.

    Attributes
    ----------
    dot : str
        The graph in Graphviz's DOT language (render it with ``dot -Tsvg`` if Graphviz
        is installed, or paste it in any DOT viewer).
    """

    def __init__(self, root: Tensor, names: Mapping | None = None, retain_grad: bool = True):
        self._tensors, self._ops = _collect(root)
        self._labels = {}
        for i, t in enumerate(self._tensors):
            if t.name is not None:
                self._labels[i] = str(t.name)
        if names is not None:
            if not isinstance(names, Mapping):
                raise TypeError(
                    f"draw_graph: names must be a mapping from names to tensors (e.g. "
                    f"names=locals() or dict(model.named_parameters())), got "
                    f"{type(names).__name__}"
                )
            by_id = {id(t): i for i, t in enumerate(self._tensors)}
            for key, value in names.items():
                key = str(key)
                if isinstance(value, Tensor) and id(value) in by_id and not key.startswith("_"):
                    self._labels[by_id[id(value)]] = key
        if retain_grad:  # so that backward() stores every intermediate gradient
            for t in self._tensors:
                if t.grad_fn is not None:
                    t.retain_grad()

    # ------------------------------------------------------------------- text
    def _kind(self, t: Tensor) -> str:
        if t.grad_fn is not None:
            return "computed"
        return "leaf" if t.requires_grad else "constant"

    def tensor_label(self, i: int) -> str:
        """The text of tensor node ``i``: name, value (or shape), gradient."""
        t = self._tensors[i]
        lines = [self._labels[i]] if i in self._labels else []
        if t._array.size == 1 and t.ndim <= 1:
            lines.append(f"value {_fmt(t._array.reshape(()))}")
        else:
            lines.append(f"shape {tuple(t.shape)}")
        if t.grad is not None:
            g = t.grad.cpu()._array  # np.linalg.norm below runs on the host
            if g.size == 1 and g.ndim <= 1:
                lines.append(f"grad {_fmt(g.reshape(()))}")
            else:
                lines.append(f"grad norm {_fmt(np.linalg.norm(g))}")
        return "\n".join(lines)

    @property
    def dot(self) -> str:
        def quote(s: str) -> str:
            return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'

        lines = ["digraph computational_graph {", "  rankdir=LR;",
                 '  node [fontname="Helvetica", fontsize=11];']
        for i, t in enumerate(self._tensors):
            kind = self._kind(t)
            style = "filled,dashed" if kind == "constant" else "filled,rounded"
            lines.append(f"  t{i} [shape=box, style=\"{style}\", fillcolor=\"{_COLORS[kind]}\", "
                         f"label={quote(self.tensor_label(i))}];")
        for k, (name, out, ins) in enumerate(self._ops):
            lines.append(f"  op{k} [shape=ellipse, style=filled, fillcolor=\"{_COLORS['op']}\", "
                         f"label={quote(name)}];")
            for j in ins:
                lines.append(f"  t{j} -> op{k};")
            lines.append(f"  op{k} -> t{out};")
        lines.append("}")
        return "\n".join(lines) + "\n"

    # ---------------------------------------------------------------- layout
    def _layout(self):
        """Positions of the nodes, laid out in layers from the inputs (left) to the
        output (right) with networkx's multipartite layout."""
        import networkx as nx

        g = nx.DiGraph()
        for i in range(len(self._tensors)):
            g.add_node(f"t{i}")
        for k, (_, out, ins) in enumerate(self._ops):
            for j in ins:
                g.add_edge(f"t{j}", f"op{k}")
            g.add_edge(f"op{k}", f"t{out}")
        # each node as far right as it can go (its layer counts the steps to the
        # output), so that an input sits next to the operation that uses it
        steps = {}
        for n in reversed(list(nx.topological_sort(g))):
            succ = list(g.successors(n))
            steps[n] = max(steps[s] + 1 for s in succ) if succ else 0
        deepest = max(steps.values())
        layer = {n: deepest - k for n, k in steps.items()}
        layers: dict[int, list] = {}
        for n in g.nodes:
            layers.setdefault(layer[n], []).append(n)
        # order each layer from the output (right) to the inputs (left): a node goes
        # next to the nodes it feeds, and an operation's inputs keep their argument order
        arg_pos = {}
        for k, (_, _, ins) in enumerate(self._ops):
            for position, j in enumerate(ins):
                arg_pos.setdefault(f"t{j}", position)
        order: dict[str, float] = {}
        for depth in sorted(layers, reverse=True):
            def key(n):
                succ = [order[s] for s in g.successors(n)]
                return (sum(succ) / len(succ) if succ else 0.0, arg_pos.get(n, 0))
            layers[depth].sort(key=key)
            for rank, n in enumerate(layers[depth]):
                order[n] = float(rank)
        g.add_nodes_from(n for depth in sorted(layers) for n in layers[depth])
        # a dict of ordered lists: networkx keeps that order within each layer
        pos = nx.multipartite_layout(g, subset_key=layers, align="vertical")
        n_rows = max(len(m) for m in layers.values())
        return g, pos, len(layers), n_rows

    def figure(self, dpi: int = 100):
        """The drawing as a matplotlib Figure."""
        from matplotlib.figure import Figure
        from matplotlib.patches import FancyArrowPatch

        g, pos, n_layers, n_rows = self._layout()
        fig = Figure(figsize=(max(3.0, 1.7 * n_layers), max(2.0, 1.1 * n_rows)), dpi=dpi)
        ax = fig.add_axes((0.02, 0.02, 0.96, 0.96))
        ax.set_axis_off()
        # flip y so that the first node of a layer is on top
        xy = {n: (p[0], -p[1]) for n, p in pos.items()}
        xs = [p[0] for p in xy.values()]
        ys = [p[1] for p in xy.values()]
        pad_x = (max(xs) - min(xs)) / max(n_layers - 1, 1) * 0.5 + 0.05
        pad_y = (max(ys) - min(ys)) / max(n_rows - 1, 1) * 0.5 + 0.05
        ax.set_xlim(min(xs) - pad_x, max(xs) + pad_x)
        ax.set_ylim(min(ys) - pad_y, max(ys) + pad_y)
        boxes = {}
        for n in g.nodes:
            if n[0] == "t":
                i = int(n[1:])
                kind = self._kind(self._tensors[i])
                text, style = self.tensor_label(i), "round,pad=0.35"
                line = "--" if kind == "constant" else "-"
            else:
                kind, text, style, line = "op", self._ops[int(n[2:])][0], "ellipse,pad=0.2", "-"
            artist = ax.text(*xy[n], text, ha="center", va="center", fontsize=9, zorder=2,
                             bbox=dict(boxstyle=style, fc=_COLORS[kind], ec="#555555",
                                       ls=line))
            boxes[n] = artist.get_bbox_patch()
        for a, b in g.edges:
            # drawn after the boxes (higher zorder), so the box positions are known and
            # each arrow is clipped to the boundaries of its two boxes
            ax.add_patch(FancyArrowPatch(xy[a], xy[b], patchA=boxes[a], patchB=boxes[b],
                                         arrowstyle="-|>", mutation_scale=12, color="#444444",
                                         shrinkA=1, shrinkB=1, zorder=3))
        return fig

    # ---------------------------------------------------------------- output
    def to_svg(self, path=None) -> str:
        """The drawing as SVG text; also written to ``path`` when given."""
        buf = io.StringIO()
        self.figure().savefig(buf, format="svg")
        svg = buf.getvalue()
        if path is not None:
            with open(path, "w", encoding="utf-8") as f:
                f.write(svg)
        return svg

    def to_png(self, path=None, dpi: int = 100) -> bytes:
        """The drawing as PNG bytes; also written to ``path`` when given."""
        buf = io.BytesIO()
        self.figure(dpi=dpi).savefig(buf, format="png", dpi=dpi)
        png = buf.getvalue()
        if path is not None:
            with open(path, "wb") as f:
                f.write(png)
        return png

    def _repr_svg_(self) -> str:  # Jupyter
        return self.to_svg()

    def _repr_png_(self) -> bytes:  # Jupyter, where SVG is not displayed
        return self.to_png()

    def __repr__(self) -> str:
        return (f"GraphDrawing({len(self._tensors)} tensors, {len(self._ops)} operations; "
                "see .dot, .to_svg(), .to_png())")


def draw_graph(tensor: Tensor, names: Mapping | None = None,
               retain_grad: bool = True) -> GraphDrawing:
    """Draw the computational graph that produced ``tensor``.

    Each tensor is a box showing its name, its value (for a single number) or its
    shape, and, once ``backward()`` has run, its gradient (the value, or the norm for
    an array). Each operation is an ellipse labelled with its name in ``reseau.OPS``.
    Leaves that require a gradient are blue, constants grey and dashed, computed
    tensors yellow.

    Parameters
    ----------
    tensor : Tensor
        The output of the graph (usually the loss).
    names : mapping, optional
        Names to show, ``{name: tensor}``: ``names=locals()``, or
        ``dict(model.named_parameters())``. A tensor's own ``.name`` is used otherwise.
    retain_grad : bool
        Ask every computed tensor of the graph to keep its gradient
        (``Tensor.retain_grad``), so that after ``backward()`` the drawing shows the
        gradient of every node, as on seed 004's slides. Drawn after ``backward()``
        (which keeps the graph's operations and inputs, and frees only what they saved),
        it shows every value and the leaves' gradients; the intermediate gradients need
        ``draw_graph`` before ``backward()``, or ``retain_grad()`` on those tensors.

    Returns
    -------
    GraphDrawing
        With ``.dot`` (Graphviz DOT text), ``.to_svg(path)``, ``.to_png(path)``; it
        shows as an image in Jupyter.

    Examples
    --------
    >>> import reseau
    >>> u, v, w = (reseau.tensor(x, requires_grad=True) for x in (2.0, 3.0, 4.0))
    >>> f = (u + v) * w
    >>> drawing = reseau.viz.draw_graph(f, names={"u": u, "v": v, "w": w, "f": f})
    >>> f.backward()
    >>> print(drawing.tensor_label(0))
    f
    value 20
    grad 1
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"draw_graph: expected a reseau.Tensor, got {type(tensor).__name__}")
    return GraphDrawing(tensor, names=names, retain_grad=retain_grad)
