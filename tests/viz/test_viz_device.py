"""The drawings of a model or tensors on ``cuda`` (the stand-in): inputs go to the
model's device, what is drawn comes back to the host first, and the picture is the one
of the same model on the cpu."""

from __future__ import annotations

import io

import numpy as np
import pytest

import reseau
from reseau import nn
from reseau.viz import (
    draw_graph, plot_decision_boundary, plot_filters, plot_loss_landscape,
    plot_weight_histograms, summary,
)

pytest.importorskip("matplotlib")


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def _net():
    reseau.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 6), nn.Tanh(), nn.Linear(6, 2))


def test_decision_boundary_of_a_cuda_model_is_the_cpu_picture(cuda):
    X, y = reseau.data.circles(60, noise=0.1, seed=0, as_tensor=False)
    cpu = _png(plot_decision_boundary(_net(), X, y, resolution=40))
    model = _net().to(cuda)
    on_device = _png(plot_decision_boundary(model, reseau.tensor(X, device=cuda),
                                            reseau.tensor(y, device=cuda), resolution=40))
    assert on_device == cpu
    assert next(model.parameters()).device.type == "cuda"  # drawn where it is


def test_weights_filters_and_summary_of_a_cuda_model(cuda):
    assert _png(plot_weight_histograms(_net().to(cuda))) == _png(plot_weight_histograms(_net()))
    conv = nn.Conv2d(1, 4, 3)
    cpu = _png(plot_filters(conv))
    assert _png(plot_filters(conv.to(cuda))) == cpu
    rows = summary(_net().to(cuda), (5, 2)).rows
    assert [(r.kind, r.output_shape, r.params) for r in rows[1:]] == [
        ("Linear", (5, 6), 18), ("Tanh", (5, 6), 0), ("Linear", (5, 2), 14)]


def test_the_graph_of_cuda_tensors_shows_their_values(cuda):
    def labels(device):
        x = reseau.tensor([1.5, -2.0], requires_grad=True, device=device)
        w = reseau.tensor(3.0, requires_grad=True, device=device)
        (x * w).sum().backward()
        drawing = draw_graph((x * w).sum(), names={"x": x, "w": w})
        return drawing.dot

    assert labels(cuda) == labels("cpu")


def test_the_loss_landscape_asks_for_the_model_on_the_cpu(cuda):
    model = _net().to(cuda)
    with pytest.raises(ValueError, match=r"plot_loss_landscape: the parameters are on cuda:0; "
                                         r"move the model to the cpu first \(model.cpu\(\)\)"):
        plot_loss_landscape(lambda: reseau.tensor(0.0), model)
    assert np.isfinite(model[0].weight.sum().item())
