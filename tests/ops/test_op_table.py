"""Every registered primitive, driven by the table of ``op_cases.py``: coverage of
``reseau.OPS``, the graph each op builds (or does not build), and a float64
finite-difference gradient check of every differentiable case."""

from __future__ import annotations

import pathlib
import re

import numpy as np
import pytest

import reseau
from op_cases import CASES

pytestmark = pytest.mark.ops

DIFF_CASES = [c for c in CASES if reseau.OPS[c.op].differentiable]
NODIFF_CASES = [c for c in CASES if not reseau.OPS[c.op].differentiable]
ids = [c.name for c in CASES]


def graph_ops(t) -> set[str]:
    """Names of the ops in the graph that produced ``t``."""
    seen, names, stack = set(), set(), [t.grad_fn] if t.grad_fn is not None else []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        names.add(node.op.name)
        stack.extend(i.grad_fn for i in node.inputs if i.grad_fn is not None)
    return names


# ------------------------------------------------------------------ coverage
def test_every_registered_op_has_a_test_case():
    covered = {c.op for c in CASES}
    missing = sorted(set(reseau.OPS) - covered)
    assert not missing, f"ops registered without a test case in tests/ops/op_cases.py: {missing}"


def test_every_differentiable_op_is_gradchecked():
    diff_ops = {n for n, op in reseau.OPS.items() if op.differentiable}
    checked = {c.op for c in DIFF_CASES if any(a.grad for a in c.args)}
    assert diff_ops == checked


def test_cases_name_registered_ops_and_are_unique():
    assert {c.op for c in CASES} <= set(reseau.OPS)
    assert len(set(ids)) == len(ids)


def test_every_op_documents_its_formulas():
    for name, op in reseau.OPS.items():
        assert op.doc, f"op {name!r} has no docstring"
        if op.differentiable:
            assert op.vjp is not None
            assert ";" in op.doc.splitlines()[0] or "d" in op.doc, name


def test_ops_never_unbroadcast():
    # the engine un-broadcasts every VJP output; an op that does it itself hides bugs
    ops_dir = pathlib.Path(reseau.__file__).parent / "ops"
    use = re.compile(r"unbroadcast\s*\(|import[^\n]*unbroadcast")
    offenders = [p.name for p in ops_dir.glob("*.py") if use.search(p.read_text())]
    assert offenders == []


def _top_level(path):
    """(kind, name, applied op classes) for each top-level class and function."""
    import ast

    out = []
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ClassDef):
            out.append(("class", node.name, set()))
        elif isinstance(node, ast.FunctionDef):
            applied = {c.args[0].id for c in ast.walk(node) if isinstance(c, ast.Call)
                       and getattr(c.func, "id", "") == "apply" and c.args
                       and isinstance(c.args[0], ast.Name)}
            out.append(("def", node.name, applied))
    return out


def test_each_op_function_sits_right_after_its_class():
    # read one op at a time: between an op class and the public function that applies it
    # there is no other op class (Pow, PowScalar, RPowScalar -> pow is one op family)
    ops_dir = pathlib.Path(reseau.__file__).parent / "ops"
    misplaced = []
    for path in sorted(ops_dir.glob("*.py")):
        items = _top_level(path)
        classes = [i for i, (kind, _, _) in enumerate(items) if kind == "class"]
        for j, (kind, name, applied) in enumerate(items):
            if kind != "def" or name.startswith("_") or not applied:
                continue
            first = min(i for i in classes if items[i][1] in applied)
            between = {items[i][1] for i in classes if first < i < j} - applied
            if between:
                misplaced.append(f"{path.name}: {name} is separated from its op by {between}")
    assert not misplaced, "\n".join(misplaced)


# ------------------------------------------------------------------ graph building
@pytest.mark.parametrize("case", DIFF_CASES, ids=[c.name for c in DIFF_CASES])
def test_case_builds_a_node_of_its_op(case):
    out = case.fn(*case.tensors())
    assert out.requires_grad
    assert case.op in graph_ops(out), f"{case.name} does not exercise {case.op}"


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_result_is_an_ndarray(case):
    # ops return arrays, never NumPy scalars (which cannot be changed in place)
    out = case.fn(*case.tensors())
    assert type(out._array) is np.ndarray, type(out._array)


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_no_graph_under_no_grad(case):
    with reseau.no_grad():
        out = case.fn(*case.tensors())
    assert out.grad_fn is None and not out.requires_grad


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_no_graph_for_constants(case):
    xs = case.tensors()
    for x in xs:
        x.requires_grad = False
    out = case.fn(*xs)
    assert out.grad_fn is None and not out.requires_grad


@pytest.mark.parametrize("case", NODIFF_CASES, ids=[c.name for c in NODIFF_CASES])
def test_non_differentiable_op_builds_no_graph(case):
    out = case.fn(*case.tensors())  # the inputs require a gradient
    assert out.grad_fn is None and not out.requires_grad
    assert out.dtype in (np.bool_, np.int64)
    with pytest.raises(RuntimeError, match="does not require a gradient"):
        out.backward()


# ------------------------------------------------------------------ gradients
@pytest.mark.parametrize("case", DIFF_CASES, ids=[c.name for c in DIFF_CASES])
def test_gradcheck(case):
    xs = case.tensors(np.float64)
    if not any(x.requires_grad for x in xs):
        pytest.skip("no input requires a gradient")
    assert reseau.gradcheck(case.fn, xs, **case.gradcheck) is True


@pytest.mark.parametrize("case", DIFF_CASES, ids=[c.name for c in DIFF_CASES])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gradients_have_the_inputs_shape_and_dtype(case, dtype):
    xs = case.tensors(dtype)
    out = case.fn(*xs)
    out.backward(reseau.ones_like(out))
    for a, x in zip(case.args, xs):
        if a.grad:
            assert x.grad is not None
            assert x.grad.shape == x.shape and x.grad.dtype == x.dtype
            assert type(x.grad._array) is np.ndarray  # even for a 0-d input
        else:
            assert x.grad is None


@pytest.mark.parametrize("case", DIFF_CASES, ids=[c.name for c in DIFF_CASES])
def test_second_backward_accumulates_without_aliasing(case):
    # a VJP that handed out an array it keeps (or the upstream gradient itself) would be
    # changed by the accumulation into .grad: the second backward would then differ
    xs = case.tensors(np.float64)
    out = case.fn(*xs)
    g = np.random.default_rng(0).standard_normal(out.shape)
    g_before = g.copy()
    out.backward(reseau.from_numpy(g), retain_graph=True)  # shares g's memory
    first = [None if x.grad is None else x.grad._array.copy() for x in xs]
    out.backward(reseau.from_numpy(g))
    np.testing.assert_array_equal(g, g_before)
    for x, f in zip(xs, first):
        if f is not None:
            np.testing.assert_allclose(x.grad._array, 2 * f, rtol=1e-14, atol=1e-300)
