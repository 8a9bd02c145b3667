"""backprop-complexity: O(L) products for backprop, O(L^2) for the naive approach."""

import numpy as np
import pytest

from reseau.labs.backprop_complexity import _Counter, backprop, naive


@pytest.fixture(scope="module")
def lab(run_quick):
    return run_quick("backprop-complexity")


@pytest.mark.parametrize("layers", [1, 3, 6])
def test_both_approaches_agree_and_count_as_stated(layers):
    rng = np.random.default_rng(1)
    Ws = [rng.normal(size=(5, 5)) for _ in range(layers - 1)] + [rng.normal(size=(3, 5))]
    bs = [rng.normal(size=W.shape[0]) for W in Ws]
    x, y = rng.normal(size=(4, 5)), np.array([0, 2, 1, 2])
    cb, cn = _Counter(), _Counter()
    for a, b in zip(backprop(cb, Ws, bs, x, y), naive(cn, Ws, bs, x, y)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    assert cb.n == 3 * layers - 1
    assert cn.n == (3 * layers ** 2 + layers) // 2


def test_reported_counts_and_gradients(lab):
    rows = lab.results["by_layers"]
    for key, r in rows.items():
        L = int(key)
        assert r["products_backprop"] == 3 * L - 1
        assert r["products_naive"] == (3 * L * L + L) // 2
    assert lab.results["max_gradient_gap"] < 1e-12


def test_timings_are_reported_for_every_depth(lab):
    # The growth itself is asserted on the product counts above (deterministic); the
    # wall-clock times are measurements reported by the lab, not asserted here (speed
    # belongs to benchmarks/, and a busy machine would make a timed test flaky).
    rows = lab.results["by_layers"]
    for r in rows.values():
        for key in ("t_backprop", "t_naive", "t_engine", "t_engine_naive"):
            assert np.isfinite(r[key]) and r[key] > 0
    assert set(lab.results["slopes"]) >= {"t_backprop", "t_naive", "t_engine", "t_engine_naive"}


def test_report_states_the_numbers(lab):
    md = lab.markdown
    for key, r in lab.results["by_layers"].items():
        assert f"| {key} | {r['products_backprop']} | {r['products_naive']} |" in md
    assert f"p = {lab.results['slopes']['t_naive']:.2f}" in md
    lab.check_images()
