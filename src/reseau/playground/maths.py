"""A neuron's maths at one data point, for the page's maths view: its weighted sum, its
activation and their gradients from reseau's engine, and the computational graph of that
one neuron drawn by :mod:`reseau.viz`, as on seed 004's slides.
"""

from __future__ import annotations

import numpy as np

from .. import nn
from ..creation import from_numpy, tensor
from .config import RequestError
from .network import ENGINE, loss_of

__all__ = ["explain", "neuron_graph", "MAX_GRAPH_INPUTS"]

MAX_GRAPH_INPUTS = 8  # a bigger neuron's graph is too wide to read


def explain(model, cfg: dict, inputs: np.ndarray, y, problem: str, layer: int, index: int):
    """Neuron ``index`` of Linear layer ``layer`` (1-based) for one point: its inputs,
    weights, weighted sum ``z = sum_i w_i x_i + b``, activation ``a = f(z)``, and, after a
    backward pass of the point's loss ``L``, the gradients ``dL/dz``, ``dL/dw_i =
    dL/dz x_i`` and ``dL/db = dL/dz``, all computed by reseau's engine (in evaluation
    mode: no dropout). The model's gradients are cleared afterwards."""
    with ENGINE:
        return _explain(model, inputs, y, problem, layer, index)


def _explain(model, inputs, y, problem, layer, index) -> dict:
    was_training = model.training
    model.eval()
    try:
        h, found = from_numpy(inputs.astype(np.float32)[None, :]), []
        for module in model:
            if isinstance(module, nn.Linear):
                found.append({"input": h, "linear": module})
                h = module(h)
                h.retain_grad()
                found[-1]["z"] = found[-1]["a"] = h
            else:
                h = module(h)
                if not isinstance(module, nn.Dropout):
                    h.retain_grad()
                    found[-1]["a"] = h
        loss = loss_of(h, np.asarray([y]), problem)
        model.zero_grad()
        loss.backward()
        part = found[layer - 1]
        lin, x = part["linear"], part["input"].detach().numpy()[0]
        out = {
            "inputs": x.tolist(), "weights": lin.weight.detach().numpy()[index].tolist(),
            "bias": float(lin.bias.detach().numpy()[index]),
            "z": float(part["z"].detach().numpy()[0, index]),
            "a": float(part["a"].detach().numpy()[0, index]),
            "gradZ": float(part["z"].grad.numpy()[0, index]),
            "gradA": float(part["a"].grad.numpy()[0, index]),
            "gradWeights": lin.weight.grad.numpy()[index].tolist(),
            "gradBias": float(lin.bias.grad.numpy()[index]), "loss": float(loss.item()),
        }
        model.zero_grad()
        return out
    finally:
        model.train(was_training)


def neuron_graph(m: dict, names: list[str], activation: str):
    """The computational graph of one neuron, ``a = f(sum_i w_i x_i + b)``, built from
    the numbers of :func:`explain` as scalar tensors, then back-propagated from ``a``
    with the gradient the rest of the network sends it (``dL/da``): every node shows its
    value and its gradient. Returns a :class:`reseau.viz.GraphDrawing`."""
    if len(names) > MAX_GRAPH_INPUTS:
        raise RequestError(f"this neuron has {len(names)} inputs; its graph is drawn for at "
                           f"most {MAX_GRAPH_INPUTS}")
    try:
        from ..viz import draw_graph
    except ImportError as err:  # matplotlib or networkx
        raise RequestError(f"drawing a graph needs matplotlib and networkx ({err}); "
                           'pip install "reseau[viz]"', 501) from None
    with ENGINE:
        labels, total = {}, None
        for name, x, w in zip(names, m["inputs"], m["weights"]):
            xt, wt = tensor(float(x), requires_grad=True), tensor(float(w), requires_grad=True)
            product = wt * xt
            labels.update({name: xt, f"w[{name}]": wt, f"w[{name}]*{name}": product})
            total = product if total is None else total + product
        b = tensor(float(m["bias"]), requires_grad=True)
        z = b if total is None else total + b
        a = {"relu": lambda t: t.relu(), "tanh": lambda t: t.tanh(),
             "sigmoid": lambda t: t.sigmoid()}.get(activation, lambda t: t)(z)
        labels.update({"b": b, "z": z, "a": a} if a is not z else {"b": b, "z": z})
        drawing = draw_graph(a, names=labels)
        a.backward(tensor(float(m["gradA"])))
        return drawing
