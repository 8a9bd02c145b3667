"""draw_graph: the DOT text, values and gradients of seed 004's example, and rendering."""

import re
import struct

import numpy as np
import pytest

import reseau
from reseau.viz import draw_graph

pytest.importorskip("networkx")


def dot_nodes(dot):
    """{node id: label} and the list of edges of a DOT text written by draw_graph."""
    labels = {m[0]: m[1].replace("\\n", "\n")
              for m in re.findall(r'^  (\w+) \[.*label="((?:[^"\\]|\\.)*)"\];$', dot, re.M)}
    edges = re.findall(r"^  (\w+) -> (\w+);$", dot, re.M)
    return labels, edges


def png_size(data: bytes):
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def seed_004_example():
    u, v, w = (reseau.tensor(x, requires_grad=True) for x in (2.0, 3.0, 4.0))
    f = (u + v) * w
    return u, v, w, f


def test_dot_of_seed_004_example_holds_values_and_gradients():
    # f = (u + v) * w at u=2, v=3, w=4: t1 = u + v = 5, f = 20;
    # df/df = 1, df/dt1 = w = 4, df/du = df/dv = df/dt1 * 1 = 4, df/dw = t1 = 5
    u, v, w, f = seed_004_example()
    drawing = draw_graph(f, names={"u": u, "v": v, "w": w, "f": f})
    f.backward()
    labels, edges = dot_nodes(drawing.dot)
    by_text = {text: node for node, text in labels.items()}
    assert set(by_text) == {
        "u\nvalue 2\ngrad 4", "v\nvalue 3\ngrad 4", "w\nvalue 4\ngrad 5",
        "value 5\ngrad 4", "f\nvalue 20\ngrad 1", "add", "mul",
    }
    node = {k.split("\n")[0]: n for k, n in by_text.items()}
    node["t1"] = by_text["value 5\ngrad 4"]
    expected = {("u", "add"), ("v", "add"), ("add", "t1"), ("t1", "mul"), ("w", "mul"),
                ("mul", "f")}
    assert set(edges) == {(node[a], node[b]) for a, b in expected}
    assert drawing.dot.startswith("digraph") and drawing.dot.rstrip().endswith("}")


def test_before_backward_only_values_and_tensor_names():
    u, v, w, _ = seed_004_example()
    u.name, v.name = "u", "v"
    f = (u + v) * w
    labels, _ = dot_nodes(draw_graph(f).dot)
    assert sorted(labels.values()) == sorted(
        ["u\nvalue 2", "v\nvalue 3", "value 4", "value 5", "value 20", "add", "mul"])


def test_names_mapping_overrides_tensor_name_and_skips_private_names():
    u, v, w, f = seed_004_example()
    u.name = "old"
    _hidden = v
    labels, _ = dot_nodes(draw_graph(f, names={"new": u, "_hidden": _hidden, "k": 3}).dot)
    texts = set(labels.values())
    assert "new\nvalue 2" in texts and "value 3" in texts


def test_arrays_show_shape_and_gradient_norm():
    rng = np.random.default_rng(0)
    x = reseau.tensor(rng.normal(size=(4, 3)))
    w = reseau.tensor(rng.normal(size=(2, 3)), requires_grad=True)
    loss = (x @ w.T).tanh().sum()
    drawing = draw_graph(loss, names={"x": x, "w": w, "loss": loss})
    loss.backward()
    labels, _ = dot_nodes(drawing.dot)
    texts = set(labels.values())
    norm = np.linalg.norm(w.grad._array)
    assert f"w\nshape (2, 3)\ngrad norm {norm:.4g}" in texts
    assert "x\nshape (4, 3)" in texts  # a constant: no gradient
    ops = [text for node, text in labels.items() if node.startswith("op")]
    assert all(op in reseau.OPS for op in ops) and {"matmul", "tanh", "sum"} <= set(ops)
    assert re.search(r't\d+ \[shape=box, style="filled,dashed"', drawing.dot)  # constant x


def test_drawn_after_backward_shows_values_and_gradients():
    # issue 17: seed 004's figure is the graph after backward; backward frees only what
    # the ops saved, so the structure, the values and the leaves' gradients are all there
    u, v, w, f = seed_004_example()
    f.backward()
    drawing = draw_graph(f, names={"u": u, "v": v, "w": w, "f": f})
    labels, edges = dot_nodes(drawing.dot)
    assert sorted(labels.values()) == sorted([
        "u\nvalue 2\ngrad 4", "v\nvalue 3\ngrad 4", "w\nvalue 4\ngrad 5",
        "value 5", "f\nvalue 20", "add", "mul"])  # no retain_grad before: t1, f keep none
    assert len(edges) == 6
    add, acc = (node for node, _ in f.grad_fn.next_functions)  # as PyTorch's, after backward
    assert add.name == "add" and acc.variable is w
    # the saved arrays are gone: a second backward still says so
    with pytest.raises(RuntimeError, match=r"backward through the graph a second time.*"
                                           r"retain_graph=True"):
        f.backward()
    # a node forgets what its forward saved for the VJP, and keeps its inputs
    x = reseau.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    mul = y.grad_fn.inputs[0].grad_fn
    saved = set(vars(mul)) - {"op", "seq", "inputs", "edges", "needs_input_grad", "versions",
                              "site", "retained", "freed"}
    assert saved  # mul saved its operands
    y.backward()
    assert mul.freed and not saved & set(vars(mul)) and mul.inputs == (x, x)
    u, v, w, f = seed_004_example()
    f.backward(retain_graph=True)
    labels, _ = dot_nodes(draw_graph(f, names={"w": w}).dot)
    assert "w\nvalue 4\ngrad 5" in labels.values()


def test_no_retain_grad_leaves_intermediates_without_gradient():
    u, v, w, f = seed_004_example()
    drawing = draw_graph(f, retain_grad=False)
    f.backward()
    labels, _ = dot_nodes(drawing.dot)
    assert "value 5" in labels.values() and "value 2\ngrad 4" in labels.values()


def test_renders_png_and_svg_without_graphviz(tmp_path):
    u, v, w, f = seed_004_example()
    drawing = draw_graph(f, names={"u": u, "v": v, "w": w, "f": f})
    f.backward()
    png = drawing.to_png(tmp_path / "graph.png", dpi=50)
    assert (tmp_path / "graph.png").read_bytes() == png
    width, height = png_size(png)
    assert width > 100 and height > 50
    svg = drawing.to_svg(tmp_path / "graph.svg")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert (tmp_path / "graph.svg").read_text() == svg
    assert png_size(drawing._repr_png_())[0] > 0 and "<svg" in drawing._repr_svg_()
    assert "5 tensors, 2 operations" in repr(drawing)


def test_single_leaf_renders(tmp_path):
    x = reseau.tensor(1.5, requires_grad=True)
    drawing = draw_graph(x)
    assert dot_nodes(drawing.dot)[0] == {"t0": "value 1.5"}
    assert png_size(drawing.to_png())[0] > 0


def test_bad_arguments():
    with pytest.raises(TypeError, match="draw_graph: expected a reseau.Tensor, got ndarray"):
        draw_graph(np.zeros(3))
    u, v, w, f = seed_004_example()
    with pytest.raises(TypeError, match="names must be a mapping"):
        draw_graph(f, names=[u, v])
