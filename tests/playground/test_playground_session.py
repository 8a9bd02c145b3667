"""The playground's parts without the server: settings, data, the NumPy pass of a frame
against the model's own forward, losses, training, rewind, divergence."""

import numpy as np
import pytest

import reseau
from reseau.nn import functional as F
from reseau.playground import network
from reseau.playground.config import RequestError, check_config
from reseau.playground.datasets import make_data, split
from reseau.playground.session import GRID, THUMB, Session


def test_defaults_and_checked_values():
    cfg = check_config({})
    assert cfg["dataset"] == "circle" and cfg["layers"] == [4, 2] and cfg["lr"] == 0.03
    cfg = check_config({"lr": "0.3", "layers": "3,5", "features": "x2,x1,x2"})
    assert cfg["lr"] == 0.3 and cfg["layers"] == [3, 5] and cfg["features"] == ["x1", "x2"]
    # choosing a data set chooses its problem
    assert check_config({"dataset": "plane"})["problem"] == "regression"


@pytest.mark.parametrize("sent, words", [
    ({"lr": "fast"}, "lr must be a number"),
    ({"lr": 0}, "lr must be between"),
    ({"noise": 60}, "noise must be between 0 and 50, got 60"),
    ({"batch": 2.5}, "batch must be a whole number"),
    ({"layers": [4] * 11}, "at most 10 hidden layers"),
    ({"layers": [17]}, "neurons must be between 1 and 16"),
    ({"features": []}, "features must be a non-empty list"),
    ({"features": ["x3"]}, "features must be a non-empty list"),
    ({"activation": "softsign"}, "activation must be one of relu, tanh"),
    ({"dataset": "plane", "problem": "classification"}, "'plane' is a regression problem"),
    ({"colour": 1}, "unknown setting 'colour'"),
    ({"acts": ["elu"]}, "acts must list"),
    ({"seed": True}, "seed must be a number"),
])
def test_bad_settings_are_one_line_naming_the_key(sent, words):
    with pytest.raises(RequestError, match=words) as err:
        check_config(sent)
    assert err.value.status == 400 and "\n" not in str(err.value)


@pytest.mark.parametrize("name, classes", [("circle", 2), ("xor", 2), ("gauss", 2),
                                           ("spiral", 2), ("spiral3", 3)])
def test_classification_sets_fill_the_square(name, classes):
    X, y = make_data(name, 300, 0, seed=1)
    assert X.shape == (300, 2) and y.dtype == np.int64
    assert sorted(set(y.tolist())) == list(range(classes))
    assert 3.5 < np.abs(X).max() <= 6.0
    X2, y2 = make_data(name, 300, 0, seed=1)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)


def test_regression_sets_and_noise():
    X, y = make_data("plane", 400, 0, seed=0)
    np.testing.assert_allclose(y, X.sum(axis=1) / 10)
    _, noisy = make_data("plane", 400, 50, seed=0)
    assert 0.3 < np.std(noisy - y) < 0.7  # noise 50 is a standard deviation of 0.5
    X, y = make_data("multigauss", 400, 0, seed=0)
    assert y.min() < -0.5 and y.max() > 0.5 and np.abs(y).max() <= 1.2
    Xtr, ytr, Xte, yte = split(X, y, 30, seed=0)
    assert len(Xtr) == 120 and len(Xte) == 280


@pytest.mark.parametrize("act", ["relu", "tanh", "sigmoid", "linear"])
@pytest.mark.parametrize("dataset", ["circle", "spiral3", "plane"])
def test_numpy_pass_gives_the_models_outputs(act, dataset):
    cfg = check_config({"dataset": dataset, "activation": act, "layers": [5, 3],
                        "features": ["x1", "x2", "x1x2", "sinx1"], "acts": ["", "tanh"]})
    classes = 3 if dataset == "spiral3" else (0 if dataset == "plane" else 2)
    model = network.build_model(cfg, classes, seed=3)
    X, _ = make_data(dataset, 50, 5, seed=0)
    inputs = network.features(X, cfg["features"])
    np.testing.assert_allclose(inputs[:, 2], X[:, 0] * X[:, 1])
    outs = network.forward_all(network.layer_weights(model), network.activations(cfg),
                               inputs.astype(np.float32))
    expected = model(reseau.from_numpy(inputs.astype(np.float32))).detach().numpy()
    assert [o.shape[1] for o in outs] == [5, 3, 3 if classes == 3 else 1]
    np.testing.assert_allclose(outs[-1], expected, rtol=1e-5, atol=1e-5)


def test_losses_agree_with_reseaus_loss_functions():
    rng = np.random.default_rng(0)
    s1, s3 = rng.normal(size=(40, 1)) * 3, rng.normal(size=(40, 3)) * 3
    y2, y3, yr = rng.integers(0, 2, 40), rng.integers(0, 3, 40), rng.normal(size=40)
    t = reseau.from_numpy
    bce = F.binary_cross_entropy_with_logits(t(s1), t(y2[:, None].astype(np.float64)))
    assert network.data_loss(s1, y2, "classification") == pytest.approx(bce.item(), rel=1e-6)
    ce = F.cross_entropy(t(s3), t(y3))
    assert network.data_loss(s3, y3, "classification") == pytest.approx(ce.item(), rel=1e-6)
    mse = F.mse_loss(t(s1), t(yr[:, None]))
    assert network.data_loss(s1, yr, "regression") == pytest.approx(mse.item(), rel=1e-6)
    # the heat map's scale: 2 sigmoid(s) - 1, and softmax rows
    np.testing.assert_allclose(network.output_values(s1, "classification"),
                               2 / (1 + np.exp(-s1[:, 0])) - 1, atol=1e-12)
    np.testing.assert_allclose(network.output_values(s3, "classification").sum(axis=1), 1)


def test_zero_initial_weights_and_xavier():
    cfg = check_config({"init": "zeros"})
    model = network.build_model(cfg, 2, seed=0)
    assert all(not np.any(v) for v in network.weights_copy(model).values())
    xavier = network.build_model(check_config({"init": "xavier"}), 2, seed=0)
    xavier = network.weights_copy(xavier)
    assert not np.any(xavier["0.bias"]) and np.any(xavier["0.weight"])


def test_training_on_circle_lowers_the_test_loss():
    session = Session("t", {"lr": 0.1})
    start = session.losses[1]
    for _ in range(40):
        session.train_epoch()
    assert session.epoch == 40 and len(session.history) == 40
    assert session.losses[1] < 0.2 < start


def test_frame_holds_the_heat_map_thumbnails_and_weights():
    import base64

    session = Session("f", {"layers": [3, 2], "dataset": "spiral3"})
    frame = session.frame()
    assert frame["grid"] == GRID and frame["outputs"] == 3
    assert len(base64.b64decode(frame["heat"])) == GRID * GRID * 3
    assert [len(layer) for layer in frame["thumbs"]] == [3, 2]
    assert len(base64.b64decode(frame["thumbs"][0][0])) == THUMB * THUMB
    assert [np.shape(w) for w, _ in frame["weights"]] == [(3, 2), (2, 3), (3, 2)]
    # the weights the page draws are the model's
    np.testing.assert_allclose(frame["weights"][1][0],
                               network.weights_copy(session.model)["2.weight"], atol=1e-4)


def test_rewind_restarts_from_the_same_weights_and_reset_draws_new_ones():
    session = Session("r", {})
    first = network.weights_copy(session.model)
    session.train_epoch()
    session.act("rewind")
    assert session.epoch == 0
    for k, v in network.weights_copy(session.model).items():
        np.testing.assert_array_equal(v, first[k])
    session.act("reset")
    assert not np.array_equal(network.weights_copy(session.model)["0.weight"],
                              first["0.weight"])
    with pytest.raises(RequestError, match="unknown action 'jump'"):
        session.act("jump")


def test_live_settings_keep_the_weights_structural_ones_start_over():
    session = Session("c", {})
    session.train_epoch()
    session.configure({"lr": 0.3, "batch": 5})
    assert session.epoch == 1 and session.optimizer.param_groups[0]["lr"] == 0.3
    session.configure({"layers": [3]})
    assert session.epoch == 0
    assert network.weights_copy(session.model)["0.weight"].shape == (3, 2)
    with pytest.raises(RequestError):
        session.configure({"layers": [0]})
    assert session.cfg["layers"] == [3]  # a refused setting changes nothing


def test_divergence_pauses_with_the_advice_of_reseau_train():
    session = Session("d", {"dataset": "plane", "features": ["x1sq", "x2sq"], "lr": 10,
                            "activation": "linear", "batch": 20})
    session.act("play")
    for _ in range(5):
        session.train_epoch()
        if not session.playing:
            break
    assert not session.playing
    assert "diverged" in session.message
    assert "Try a lower learning rate (it is 10" in session.message
    assert all(np.isfinite(v).all() for v in network.weights_copy(session.model).values())


def test_editing_a_weight():
    session = Session("w", {})
    session.set_weight(0, 1, 0, 2.5)
    session.set_weight(1, 0, None, -1.0)
    state = network.weights_copy(session.model)
    assert state["0.weight"][1, 0] == 2.5 and state["2.bias"][0] == -1.0
    for bad in [(5, 0, 0, 1.0), (0, 9, 0, 1.0), (0, 0, 0, float("nan")), (0, -1, 0, 1.0)]:
        with pytest.raises(RequestError, match="no weight"):
            session.set_weight(*bad)


def test_dropout_and_learning_rate_schedules():
    session = Session("s", {"dropout": 0.5, "layers": [6], "schedule": "step"})
    assert "Dropout" in repr(session.model)
    # frames and losses are the network without dropout (evaluation mode): the same twice
    assert session.frame()["heat"] == session.frame()["heat"]
    assert network.lr_factor("step", 99) == 1 and network.lr_factor("step", 100) == 0.5
    assert network.lr_factor("exp", 10) == pytest.approx(0.99 ** 10)
    session.epoch = 250
    session.configure({"lr": 0.2})  # a live change keeps the schedule
    assert session.optimizer.param_groups[0]["lr"] == pytest.approx(0.05)
    session.configure({"schedule": "none"})
    assert session.optimizer.param_groups[0]["lr"] == pytest.approx(0.2)
    session.configure({"schedule": "exp"})
    session.train_epoch()
    assert session.frame()["lr"] == pytest.approx(0.2 * 0.99 ** 251)


@pytest.mark.parametrize("dataset, layer, index", [("circle", 1, 2), ("circle", 2, 1),
                                                   ("circle", 3, 0), ("spiral3", 3, 2),
                                                   ("plane", 2, 0)])
def test_a_neurons_maths_at_a_point(dataset, layer, index):
    session = Session("n", {"dataset": dataset, "layers": [4, 2], "activation": "tanh",
                            "features": ["x1", "x2", "x1x2"]})
    session.train_epoch()
    got = session.explain(layer, index, 2.0, -1.0)
    point = np.array(got["point"])
    all_points = np.vstack([session.X, session.Xt])
    nearest = all_points[np.argmin(((all_points - [2.0, -1.0]) ** 2).sum(axis=1))]
    np.testing.assert_array_equal(point, nearest)
    # z = w . x + b and a = f(z), as the frame's NumPy pass computes them
    x, w = np.array(got["inputs"]), np.array(got["weights"])
    assert got["z"] == pytest.approx(w @ x + got["bias"], abs=1e-5)
    weights = network.layer_weights(session.model)
    inputs = network.features(point[None], session.cfg["features"]).astype(np.float32)
    outs = network.forward_all(weights, network.activations(session.cfg), inputs)
    assert got["a"] == pytest.approx(outs[layer - 1][0, index], abs=1e-5)
    # the chain rule: dL/dw_i = dL/dz x_i, dL/db = dL/dz
    np.testing.assert_allclose(got["gradWeights"], got["gradZ"] * x, rtol=1e-5, atol=1e-7)
    assert got["gradBias"] == pytest.approx(got["gradZ"])
    # dL/db by central differences of the NumPy loss
    label = np.array([got["label"]])

    def loss(shift):
        moved = [(W, b.copy()) for W, b in weights]
        moved[layer - 1][1][index] += shift
        scores = network.forward_all(moved, network.activations(session.cfg),
                                     inputs.astype(np.float64))[-1]
        return network.data_loss(scores, label, session.cfg["problem"])
    assert loss(0.0) == pytest.approx(got["loss"], rel=1e-4)
    numeric = (loss(1e-4) - loss(-1e-4)) / 2e-4
    assert got["gradBias"] == pytest.approx(numeric, rel=2e-2, abs=1e-5)
    assert got["names"] == (["x1", "x2", "x1x2"] if layer == 1 else
                            [f"h{layer - 1}.{i + 1}" for i in range(4 if layer == 2 else 2)])
    # the model's gradients are left clear for the next training step
    assert all(p.grad is None or not np.any(p.grad.numpy()) for p in session.model.parameters())


def test_a_neuron_that_is_not_there():
    session = Session("n", {"layers": [4]})
    for bad in [(0, 0, 0, 0), (3, 0, 0, 0), (1, 4, 0, 0), (1, 0, "a", 0),
                (2, 0, float("nan"), 0)]:
        with pytest.raises(RequestError, match="no neuron"):
            session.explain(*bad)


def test_sessions_train_at_the_same_time_in_threads():
    # reseau's grad mode is one switch for the process: an optimizer step or a new model
    # in one tab must not turn gradients off under another tab's forward pass
    import threading

    sessions = [Session(f"t{i}", {"layers": [3, 3], "optimizer": opt, "batch": 5})
                for i, opt in enumerate(["sgd", "adam", "momentum"])]
    errors = []

    def train(session):
        try:
            for _ in range(6):
                session.train_epoch()
        except Exception as err:  # collected: an assertion in a thread is lost
            errors.append(repr(err))

    def rebuild(session):
        try:
            for k in range(40):
                session.configure({"layers": [2 + k % 3]})
                session.explain(1, 0, 0.0, 0.0)
        except Exception as err:
            errors.append(repr(err))
    threads = [threading.Thread(target=train, args=(s,)) for s in sessions]
    threads.append(threading.Thread(target=rebuild, args=(Session("r", {}),)))
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors[:3]
    assert [s.epoch for s in sessions] == [6, 6, 6]


def test_a_neurons_computational_graph_shows_the_engines_values_and_gradients():
    pytest.importorskip("matplotlib")
    pytest.importorskip("networkx")
    from reseau.playground.maths import neuron_graph

    session = Session("g", {"layers": [3, 2], "activation": "sigmoid"})
    session.train_epoch()
    m = session.explain(2, 1, 1.0, 2.0)
    dot = neuron_graph(m, m["names"], m["activation"]).dot
    assert "sigmoid" in dot
    assert f'label="z\\nvalue {m["z"]:.4g}\\ngrad {m["gradZ"]:.4g}"' in dot
    assert f'label="a\\nvalue {m["a"]:.4g}\\ngrad {m["gradA"]:.4g}"' in dot
    for name, grad in zip(m["names"], m["gradWeights"]):
        assert f"w[{name}]\\nvalue" in dot and f"grad {grad:.4g}" in dot
    png = session.neuron_png(2, 1, 1.0, 2.0)
    assert png.startswith(b"\x89PNG") and len(png) > 5000
    wide = Session("w", {"layers": [9, 9]})
    with pytest.raises(RequestError, match="9 inputs; its graph is drawn for at most 8"):
        wide.neuron_png(2, 0, 0.0, 0.0)


def test_a_long_epoch_shows_progress_and_pauses_where_it_is():
    session = Session("long", {"samples": 2000, "ratio": 90, "batch": 1})
    session.progress_seconds = 0.0   # a frame after the first step, however fast the machine
    session.act("play")
    calls = []

    def pause():  # the page gets a frame; then its pause arrives
        calls.append(session.epoch)
        session.act("pause")
    done = session.train_epoch(progress=pause, until_paused=True)
    assert not done and calls == [0] and session.epoch == 0
    _, order, position = session.partial
    assert 0 < position < 1800
    # the next call goes on with the same order from there, and ends the epoch
    assert session.train_epoch() and session.epoch == 1 and session.partial is None
