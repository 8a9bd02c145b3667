"""Plots are drawn off screen in the tests."""

import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
