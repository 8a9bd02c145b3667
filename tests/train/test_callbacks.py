"""EarlyStopping and ModelCheckpoint."""

import numpy as np
import pytest

import reseau
from reseau import io, nn, optim
from reseau.data import circles
from reseau.train import Callback, EarlyStopping, ModelCheckpoint, evaluate, fit


def setup(n=200):
    X, y = circles(n, seed=1)
    reseau.manual_seed(0)
    model = nn.MLP([2, 8, 2], activation="tanh")
    return model, optim.SGD(model.parameters(), lr=0.3), (X, y)


def test_early_stopping_restores_the_best_epoch():
    model, opt, (X, y) = setup()
    # the validation labels are the flipped training labels: the better the model fits
    # the training set, the worse the validation loss, which is lowest near the start
    val = (X, 1 - y)
    stopper = EarlyStopping(monitor="val_loss", patience=3)
    h = fit(model, nn.CrossEntropyLoss(), opt, (X, y), val, epochs=100, batch_size=10,
            callbacks=[stopper], log_every=None)
    best = int(np.argmin(h.val_loss))
    assert h.stop_reason == "early_stopping"
    assert stopper.best_epoch == best == h.best_epoch
    assert len(h) == best + 3 + 1                     # patience epochs after the best
    assert stopper.stopped_epoch == len(h) - 1
    assert "has not improved for 3 epochs" in h.message
    # the model holds the best epoch's weights, not the last ones
    now = evaluate(model, nn.CrossEntropyLoss(), val)["loss"]
    assert now == pytest.approx(h.val_loss[best], rel=1e-6)
    assert now < h.val_loss[-1]


def test_early_stopping_on_accuracy_maximises_and_can_keep_last_weights():
    model, opt, data = setup()
    stopper = EarlyStopping(monitor="accuracy", patience=2, min_delta=0.5,
                            restore_best_weights=False)
    h = fit(model, nn.CrossEntropyLoss(), opt, data, epochs=20, callbacks=[stopper],
            log_every=None)
    assert stopper.mode == "max"
    # no gain of 0.5 in accuracy is possible after epoch 0: stop after 2 more epochs
    assert len(h) == 3 and stopper.best_epoch == 0
    assert evaluate(model, nn.CrossEntropyLoss(), data)["loss"] == pytest.approx(h.loss[-1])


def test_monitoring_a_value_that_is_not_logged_is_a_clear_error():
    model, opt, data = setup(40)
    with pytest.raises(ValueError, match="'val_loss' is not logged.*pass val_data"):
        fit(model, nn.CrossEntropyLoss(), opt, data, callbacks=[EarlyStopping()],
            log_every=None)
    with pytest.raises(ValueError, match="patience must be an int >= 1"):
        EarlyStopping(patience=0)
    with pytest.raises(TypeError, match="Callback objects"):
        fit(model, nn.CrossEntropyLoss(), opt, data, callbacks=[print])


def test_model_checkpoint_keeps_the_best_model_on_the_dev_set(tmp_path):
    model, opt, (X, y) = setup()
    val = (X, 1 - y)
    path = tmp_path / "best.npz"
    ckpt = ModelCheckpoint(path, monitor="val_loss", config={"lr": 0.3})
    h = fit(model, nn.CrossEntropyLoss(), opt, (X, y), val, epochs=8, callbacks=[ckpt],
            log_every=None)
    best = int(np.argmin(h.val_loss))
    assert ckpt.saved_epoch == best
    info = io.read_info(path)
    assert info["config"] == {"lr": 0.3} and info["metadata"]["epoch"] == best
    saved = io.load(path)
    assert evaluate(saved, nn.CrossEntropyLoss(), val)["loss"] == pytest.approx(
        h.val_loss[best], rel=1e-6)
    assert not list(tmp_path.glob(".*.tmp"))   # no temporary file left behind


def test_checkpoint_every_epoch_and_custom_callback(tmp_path):
    model, opt, data = setup(40)
    seen = []

    class Recorder(Callback):
        def on_epoch_end(self, state, logs):
            seen.append((state.epoch, round(logs["loss"], 6)))
            if state.epoch == 2:
                state.stop("completed", "enough")

    ckpt = ModelCheckpoint(tmp_path / "last.npz", monitor="loss", save_best_only=False)
    h = fit(model, nn.CrossEntropyLoss(), opt, data, epochs=10, callbacks=[ckpt, Recorder()],
            log_every=None)
    assert [e for e, _ in seen] == [0, 1, 2] and len(h) == 3
    assert ckpt.saved_epoch == 2 and h.message == "enough"


def test_state_start_weights_are_the_weights_each_epoch_started_from():
    model, opt, data = setup()
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    seen = []

    def arrays(state):  # a snapshot: state_dict() shares memory with the weights
        return {k: v.numpy().copy() for k, v in state.items()}

    class Record(Callback):
        def on_train_begin(self, state):
            seen.append(("begin", arrays(state.start_weights)))

        def on_epoch_end(self, state, logs):
            seen.append((state.epoch, arrays(state.start_weights), arrays(model.state_dict())))

    fit(model, nn.CrossEntropyLoss(), opt, data, epochs=3, batch_size=10,
        callbacks=[Record()], log_every=None)
    assert all(np.array_equal(before[k], seen[0][1][k]) for k in before)
    # epoch e started from the weights epoch e - 1 ended with (the initial ones for e = 0)
    ends = [before] + [end for _, _, end in seen[1:]]
    for (epoch, start, end), previous in zip(seen[1:], ends):
        assert all(np.array_equal(start[k], previous[k]) for k in start)
        assert not all(np.array_equal(start[k], end[k]) for k in start)  # the epoch trained


def test_kept_best_weights_do_not_move_when_training_goes_on(tmp_path):
    # state_dict() shares memory with the weights (PyTorch): EarlyStopping and a
    # ModelCheckpoint that holds its write back must keep a copy, not the live tensors
    model, opt, data = setup()
    scores = [5.0, 4.0, 3.0, 2.0, 2.5, 2.6, 2.7, 2.8, 2.9, 3.0]  # best at epoch 3
    snapshots = {}

    class Score(Callback):  # first: a logged value with a known best epoch
        def on_epoch_end(self, state, logs):
            logs["score"] = scores[state.epoch]

    class Snapshot(Callback):  # last: the weights at each epoch's end
        def on_epoch_end(self, state, logs):
            snapshots[state.epoch] = {k: v.numpy().copy()
                                      for k, v in state.model.state_dict().items()}

    stopper = EarlyStopping(monitor="score", mode="min", patience=4)
    path = tmp_path / "best.npz"
    ckpt = ModelCheckpoint(path, monitor="score", mode="min", min_interval=3600.0)
    h = fit(model, nn.CrossEntropyLoss(), opt, data, epochs=10, batch_size=10,
            callbacks=[Score(), stopper, ckpt, Snapshot()], log_every=None)
    assert stopper.best_epoch == ckpt.saved_epoch == 3 and len(h) == 8  # 4 epochs after
    assert not np.array_equal(snapshots[3]["0.weight"], snapshots[7]["0.weight"])
    for key, want in snapshots[3].items():
        np.testing.assert_array_equal(stopper.best_weights[key].numpy(), want)
        np.testing.assert_array_equal(model.state_dict()[key].numpy(), want)  # restored
        # written at the end from the copy kept in memory since epoch 3 (min_interval)
        np.testing.assert_array_equal(io.load_state_dict(path)[key], want)
