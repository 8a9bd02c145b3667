"""The plots: each writes a PNG of the requested size, and draws the values it should."""

import struct

import numpy as np
import pytest

import reseau
from reseau.models import ManualMLP
from reseau.viz import (
    plot_activations, plot_decision_boundary, plot_history, plot_loss_landscape,
    plot_weight_histograms,
)


def png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def two_blobs(n=20):
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(-1, 0.3, (n, 2)), rng.normal(1, 0.3, (n, 2))])
    return X, np.repeat([0, 1], n)


def horizontal_logit(t):
    """A 'model' whose boundary P(class 1) = 0.5 is the line x2 = 0.5."""
    return t[:, 1] * 4.0 - 2.0


PLOTS = {
    "decision_boundary": lambda **kw: plot_decision_boundary(horizontal_logit, *two_blobs(), **kw),
    "history": lambda **kw: plot_history({"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]}, **kw),
    "activations": lambda **kw: plot_activations(["tanh"], **kw),
    "loss_landscape": lambda **kw: plot_loss_landscape(
        lambda: (p * p).sum(), [p := reseau.ones(3)], steps=5, dims=2, **kw),
    "weight_histograms": lambda **kw: plot_weight_histograms({"w": np.arange(6.0)}, **kw),
}


@pytest.mark.parametrize("name", sorted(PLOTS))
def test_each_plot_writes_a_png_of_the_requested_size(name, tmp_path):
    path = tmp_path / f"{name}.png"
    fig = PLOTS[name](figsize=(4, 3), dpi=50, path=path)
    assert path.stat().st_size > 1000
    assert png_size(path) == (200, 150)
    assert tuple(fig.get_size_inches()) == (4.0, 3.0)


# ------------------------------------------------------------ decision boundary
def contour_at(ax, level):
    for coll in ax.collections:
        if list(getattr(coll, "levels", [])) == [level]:
            return np.concatenate([p.vertices for p in coll.get_paths()])
    raise AssertionError(f"no contour at level {level}")


def test_binary_boundary_is_the_half_probability_contour():
    X, y = two_blobs()
    fig = plot_decision_boundary(horizontal_logit, X, y, resolution=60)
    ax = fig.axes[0]
    assert fig.axes[1].get_ylabel() == "P(class 1)"
    verts = contour_at(ax, 0.5)
    np.testing.assert_allclose(verts[:, 1], 0.5, atol=1e-3)  # sigmoid(4 x2 - 2) = 0.5
    assert ax.get_xlim() == pytest.approx((X[:, 0].min() - 0.5, X[:, 0].max() + 0.5))


def test_binary_probabilities_given_directly_are_not_squashed():
    X, y = two_blobs()
    # P(class 1) = x2 + 0.25 is 0.5 on the line x2 = 0.25
    fig = plot_decision_boundary(lambda t: t[:, 1] + 0.25, X, y, output="probabilities",
                                 resolution=60)
    np.testing.assert_allclose(contour_at(fig.axes[0], 0.5)[:, 1], 0.25, atol=1e-3)


class HalfPlane:
    """predict_proba: uniform over 3 classes left of x1 = 0, certain of class 2 right of it."""

    def predict_proba(self, points):
        p = np.full((len(points), 3), 1 / 3)
        p[points[:, 0] > 0] = [0.0, 0.0, 1.0]
        return p


def test_multiclass_shading_fades_where_the_model_hesitates():
    X = np.array([[-1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]])
    fig = plot_decision_boundary(HalfPlane(), X, np.array([0, 2, 1]), resolution=20,
                                 margin=0.0)
    image = fig.axes[0].get_images()[0].get_array()
    import matplotlib as mpl

    green = mpl.colormaps["tab10"](2)[:3]
    np.testing.assert_allclose(image[:, :10], 1.0)  # uniform: white
    np.testing.assert_allclose(image[:, 10:], np.broadcast_to(green, (20, 10, 3)))


def test_decision_boundary_of_a_manual_mlp_and_a_tensor_model():
    X, y = two_blobs()
    net = ManualMLP(2, 4, 2, generator=np.random.default_rng(0))
    fig = plot_decision_boundary(net, X, y, resolution=30)
    assert fig.axes[0].get_title().startswith("Decision regions")
    w = reseau.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]])
    fig = plot_decision_boundary(lambda t: t @ w.T, X, np.array([0, 1, 2] * 13 + [0]),
                                 resolution=30)
    assert len(fig.axes[0].get_legend().get_texts()) == 3


def test_decision_boundary_errors():
    X, y = two_blobs()
    with pytest.raises(ValueError, match=r"X must have shape \(n, 2\).*\(40, 3\)"):
        plot_decision_boundary(horizontal_logit, np.zeros((40, 3)), y)
    with pytest.raises(ValueError, match=r"y must have shape \(40,\)"):
        plot_decision_boundary(horizontal_logit, X, y[:5])
    with pytest.raises(ValueError, match="output must be 'logits', 'probabilities', 'scores'"):
        plot_decision_boundary(horizontal_logit, X, y, output="margins")


def levels_of(ax, levels):
    for coll in ax.collections:
        if list(getattr(coll, "levels", [])) == levels:
            return [np.concatenate(seg) for seg in coll.allsegs]
    raise AssertionError(f"no contours at levels {levels}")


def test_svm_scores_are_shaded_as_scores_with_boundary_and_margins():
    from reseau.models import LinearSVM

    X, y = two_blobs()
    svm = LinearSVM(2, 2, margin=0.5, dtype="float64")
    svm.linear.weight._array[...] = [[0.0, 0.0], [0.0, 2.0]]
    svm.linear.bias._array[...] = [0.0, -1.0]  # s1 - s0 = 2 x2 - 1
    fig = plot_decision_boundary(svm, X, y, resolution=60)  # decision_function: scores
    ax, bar = fig.axes
    assert bar.get_ylabel() == "score difference s1 - s0"  # not a probability
    assert ax.get_title() == "Decision regions (pale: inside the margin)"
    np.testing.assert_allclose(contour_at(ax, 0.0)[:, 1], 0.5, atol=1e-3)
    low, high = levels_of(ax, [-0.5, 0.5])  # the margins s1 - s0 = -+0.5
    np.testing.assert_allclose(low[:, 1], 0.25, atol=1e-3)
    np.testing.assert_allclose(high[:, 1], 0.75, atol=1e-3)
    lo, hi = bar.get_ylim()
    assert lo == -hi  # white at the boundary
    # one score per point, e.g. a scikit-learn decision function wrapped in a lambda
    fig = plot_decision_boundary(horizontal_logit, X, y, output="scores", resolution=60)
    assert fig.axes[1].get_ylabel() == "score of class 1 (decision function)"
    np.testing.assert_allclose(contour_at(fig.axes[0], 0.0)[:, 1], 0.5, atol=1e-3)
    np.testing.assert_allclose(levels_of(fig.axes[0], [-1.0, 1.0])[1][:, 1], 0.75, atol=1e-3)


class ThreeScores:
    """decision_function: all three scores equal left of x1 = 0; class 2 leads by 1.5
    right of it (beyond the margin 1), so the region is white, then full green."""

    def decision_function(self, points):
        s = np.zeros((len(points), 3))
        s[points[:, 0] > 0, 2] = 1.5
        return s


def test_multiclass_scores_fade_inside_the_margin():
    X = np.array([[-1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]])
    fig = plot_decision_boundary(ThreeScores(), X, np.array([0, 2, 1]), resolution=20,
                                 margin=0.0)
    image = fig.axes[0].get_images()[0].get_array()
    import matplotlib as mpl

    np.testing.assert_allclose(image[:, :10], 1.0)
    np.testing.assert_allclose(image[:, 10:], np.broadcast_to(mpl.colormaps["tab10"](2)[:3],
                                                              (20, 10, 3)))


# ------------------------------------------------------------------- history
def lines_by_label(ax):
    return {line.get_label(): (line.get_xdata(), line.get_ydata()) for line in ax.get_lines()}


def test_history_panels_and_values():
    fig = plot_history({"train_loss": [0.9, 0.5, 0.3], "val_loss": [1.0, 0.6, 0.5],
                        "acc": [0.6, 0.8, 0.9], "val_acc": [0.5, 0.7, 0.8], "lr": 0.1})
    loss_ax, acc_ax = fig.axes
    assert (loss_ax.get_ylabel(), acc_ax.get_ylabel()) == ("loss", "accuracy")
    loss = lines_by_label(loss_ax)
    np.testing.assert_array_equal(loss["train"][0], [1, 2, 3])
    np.testing.assert_array_equal(loss["train"][1], [0.9, 0.5, 0.3])
    np.testing.assert_array_equal(loss["validation"][1], [1.0, 0.6, 0.5])
    np.testing.assert_array_equal(lines_by_label(acc_ax)["validation"][1], [0.5, 0.7, 0.8])
    ticks = [t for t in loss_ax.get_xticks() if 1 <= t <= 3]
    assert ticks == [1, 2, 3]  # whole epochs only


class KerasLikeHistory:
    def __init__(self):
        self.history = {"loss": [2.0, 1.0], "epoch": [5, 6]}


class AttributeHistory:
    def __init__(self):
        self.loss = [3.0, 2.0, 1.0]
        self.val_loss = [3.5, 2.5, 2.0]
        self._private = [0.0]


def test_history_objects():
    fig = plot_history(KerasLikeHistory())
    x, values = lines_by_label(fig.axes[0])["train"]
    np.testing.assert_array_equal(x, [5, 6])
    np.testing.assert_array_equal(values, [2.0, 1.0])
    fig = plot_history(AttributeHistory())
    assert set(lines_by_label(fig.axes[0])) == {"train", "validation"}
    assert len(fig.axes) == 1


def test_history_errors():
    with pytest.raises(ValueError, match="no per-epoch series"):
        plot_history({"name": "run 1"})
    with pytest.raises(TypeError, match="dict of per-epoch lists"):
        plot_history(3)


# --------------------------------------------------------------- activations
def test_activation_derivatives_come_from_backward():
    fig = plot_activations(["sigmoid", "tanh", "relu"], x_range=(-4, 4))
    sig, tanh, relu = (lines_by_label(ax) for ax in fig.axes)
    x, ds = sig["sigmoid'(x)"]
    s = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(ds, s * (1 - s), atol=1e-12)  # seed 002, question 3
    assert ds.max() == pytest.approx(0.25) and x[np.argmax(ds)] == pytest.approx(0.0)
    np.testing.assert_allclose(tanh["tanh'(x)"][1], 1 - np.tanh(x) ** 2, atol=1e-12)
    np.testing.assert_array_equal(relu["relu'(x)"][1], (x > 0).astype(float))
    assert fig.axes[0].get_title() == "sigmoid (max f' = 0.25)"


def test_activation_errors():
    with pytest.raises(ValueError, match=r"unknown activation\(s\) \['swish'\]"):
        plot_activations(["tanh", "swish"])


# ------------------------------------------------------------- loss landscape
def test_saddle_point_landscape_along_given_directions():
    p = reseau.tensor([0.0, 0.0], dtype="float64")
    e1, e2 = [np.array([1.0, 0.0])], [np.array([0.0, 1.0])]
    saddle = lambda: p[0] ** 2 - p[1] ** 2  # noqa: E731  (seed 004's saddle)
    fig = plot_loss_landscape(saddle, [p], directions=[e1], span=2.0, steps=9)
    x, values = fig.axes[0].get_lines()[0].get_data()
    np.testing.assert_allclose(values, x ** 2)
    fig = plot_loss_landscape(saddle, [p], directions=[e2], span=2.0, steps=9)
    np.testing.assert_allclose(fig.axes[0].get_lines()[0].get_ydata(), -(x ** 2))
    fig = plot_loss_landscape(saddle, [p], directions=[e1, e2], span=1.0, steps=11)
    filled = fig.axes[0].collections[0]
    assert (filled.zmin, filled.zmax) == (-1.0, 1.0)
    np.testing.assert_array_equal(p._array, [0.0, 0.0])  # parameters restored


def test_random_directions_are_reproducible_and_restore_the_model():
    rng = np.random.default_rng(0)
    net = ManualMLP(2, 3, 2, generator=rng)
    X, y = rng.normal(size=(10, 2)), rng.integers(0, 2, 10)
    before = {k: v.copy() for k, v in net.parameters().items()}
    curves = [plot_loss_landscape(lambda: net.loss(X, y), net, steps=7,
                                  generator=np.random.default_rng(3)).axes[0].get_lines()
              for _ in range(2)]
    np.testing.assert_array_equal(curves[0][0].get_ydata(), curves[1][0].get_ydata())
    current = curves[0][1].get_ydata()[0]
    assert current == pytest.approx(net.loss(X, y)) == curves[0][0].get_ydata()[3]
    for k, v in net.parameters().items():
        np.testing.assert_array_equal(v, before[k])


def test_parameters_restored_when_the_loss_raises():
    p = reseau.tensor([1.0, 2.0])

    def broken():
        if p._array[0] != 1.0:
            raise FloatingPointError("boom")
        return p.sum()

    with pytest.raises(FloatingPointError):
        plot_loss_landscape(broken, [p], directions=[[np.ones(2)]])
    np.testing.assert_array_equal(p._array, [1.0, 2.0])


def test_loss_landscape_errors():
    p = reseau.zeros(2)
    with pytest.raises(ValueError, match=r"direction 1, entry 0 has shape \(3,\)"):
        plot_loss_landscape(lambda: p.sum(), [p], directions=[[np.ones(3)]])
    with pytest.raises(ValueError, match="dims must be 1 or 2"):
        plot_loss_landscape(lambda: p.sum(), [p], dims=3)
    with pytest.raises(TypeError, match="params must be a Module or floating"):
        plot_loss_landscape(lambda: p.sum(), [])


# ------------------------------------------------------------- weight histograms
def test_weight_histograms_count_every_entry():
    net = ManualMLP(3, 4, 2, generator=np.random.default_rng(0))
    fig = plot_weight_histograms(net, bins=10)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title().split(" ")[0] for ax in visible] == ["W1", "b1", "W2", "b2"]
    for ax, array in zip(visible, net.parameters().values()):
        assert sum(patch.get_height() for patch in ax.patches) == array.size
    w1 = net.W1
    assert visible[0].get_title() == f"W1 (4, 3)\nmean {w1.mean():.3g}, std {w1.std():.3g}"
    fig = plot_weight_histograms(net, include_bias=False)
    assert [ax.get_title()[:2] for ax in fig.axes if ax.get_visible()] == ["W1", "W2"]


def test_weight_histograms_errors():
    with pytest.raises(TypeError, match="expected a Module, a mapping"):
        plot_weight_histograms(42)
    with pytest.raises(ValueError, match="no parameter to plot"):
        plot_weight_histograms({"b": np.zeros(3)}, include_bias=False)


class TrainHistoryLike:
    """The layout of reseau.train.History: a ``history`` dict with 0-based epochs, the
    learning rate and the epoch time besides the metrics."""

    def __init__(self):
        self.history = {"epoch": [0, 1, 2], "loss": [0.9, 0.6, 0.4], "accuracy": [0.5, 0.7, 0.8],
                        "val_loss": [1.0, 0.8, 0.7], "val_accuracy": [0.4, 0.6, 0.7],
                        "lr": [0.1, 0.1, 0.05], "time": [0.2, 0.2, 0.2]}


def test_history_skips_lr_and_time_unless_asked():
    fig = plot_history(TrainHistoryLike())
    assert [ax.get_ylabel() for ax in fig.axes] == ["loss", "accuracy"]
    np.testing.assert_array_equal(lines_by_label(fig.axes[0])["train"][0], [0, 1, 2])
    fig = plot_history(TrainHistoryLike(), metrics=["lr", "acc"])
    assert [ax.get_ylabel() for ax in fig.axes] == ["lr", "accuracy"]
    np.testing.assert_array_equal(lines_by_label(fig.axes[0])["train"][1], [0.1, 0.1, 0.05])
    with pytest.raises(ValueError, match=r"no series for \['f1'\]"):
        plot_history(TrainHistoryLike(), metrics="f1")


def test_decision_boundary_evaluates_a_module_without_dropout():
    from reseau import nn

    reseau.manual_seed(0)
    net = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Dropout(0.9), nn.Linear(16, 3))
    X, y = np.random.default_rng(0).normal(size=(9, 2)), np.arange(9) % 3
    images = [plot_decision_boundary(net, X, y, resolution=15).axes[0].get_images()[0]
              .get_array() for _ in range(2)]
    np.testing.assert_array_equal(images[0], images[1])  # dropout would make them differ
    assert net.training


def test_history_from_reseau_train_fit():
    train = pytest.importorskip("reseau.train")
    from reseau import nn, optim

    X, y = two_blobs()
    reseau.manual_seed(0)
    net = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 2))
    history = train.fit(net, nn.CrossEntropyLoss(), optim.SGD(net.parameters(), lr=0.5),
                        (X.astype(np.float32), y), val_data=(X.astype(np.float32), y),
                        epochs=3, log_every=None, progress=False)
    fig = plot_history(history)
    assert [ax.get_ylabel() for ax in fig.axes] == ["loss", "accuracy"]
    curves = lines_by_label(fig.axes[0])
    np.testing.assert_array_equal(curves["train"][1], history.loss)
    np.testing.assert_array_equal(curves["validation"][1], history.val_loss)
