"""fit: the loop, its history and log, divergence, Ctrl-C, schedulers."""

import math

import numpy as np
import pytest

import reseau
from reseau import nn, optim
from reseau.data import DataLoader, TensorDataset, circles
from reseau.train import evaluate, fit, predict


def circle_sets(n=400, seed=0):
    X, y = circles(n, seed=seed)
    half = n // 2
    return (X[:half], y[:half]), (X[half:], y[half:])


def net(seed=0):
    reseau.manual_seed(seed)
    return nn.MLP([2, 8, 2], activation="tanh")


def test_fit_learns_circles_and_records_every_column(capsys):
    train, test = circle_sets()
    model = net()
    opt = optim.SGD(model.parameters(), lr=0.3)
    h = fit(model, nn.CrossEntropyLoss(), opt, train, test, epochs=30, batch_size=10,
            metrics=("accuracy", "f1"), log_every=10, val_name="test")
    assert h.stop_reason == "completed" and len(h) == 30
    assert h.columns == ["epoch", "loss", "accuracy", "f1", "val_loss", "val_accuracy",
                         "val_f1", "lr", "time"]
    assert h.epoch == list(range(30))
    assert h.val_accuracy[-1] > 0.9 and h.loss[-1] < h.loss[0]
    # the logged numbers describe the final weights
    final = evaluate(model, nn.CrossEntropyLoss(), test, metrics=("accuracy",))
    assert final["accuracy"] == h.val_accuracy[-1]
    assert final["loss"] == pytest.approx(h.val_loss[-1], rel=1e-6)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["Iter 0", "Iter 10", "Iter 20", "Iter 29"]
    last = h.rows()[-1]
    assert lines[-1] == (f"Iter 29: Acc train {100 * last['accuracy']:.1f}% "
                         f"({last['loss']:.2f}), acc test {100 * last['val_accuracy']:.1f}% "
                         f"({last['val_loss']:.2f})")


def test_running_train_metrics_and_predict():
    train, _ = circle_sets()
    model = net()
    opt = optim.SGD(model.parameters(), lr=0.1)
    h = fit(model, nn.CrossEntropyLoss(), opt, DataLoader(TensorDataset(*train), 20,
            shuffle=True), epochs=3, eval_train=False, log_every=None)
    assert h.columns == ["epoch", "loss", "accuracy", "lr", "time"]
    assert all(0 <= a <= 1 for a in h.accuracy)
    out = predict(model, train[0], batch_size=64)
    assert out.shape == (200, 2)
    np.testing.assert_allclose(out, model(train[0])._array, rtol=1e-6, atol=1e-6)


def test_regression_logs_losses_and_metrics(capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 3)).astype(np.float32)
    y = (X @ np.array([[1.0], [-2.0], [0.5]], dtype=np.float32)) + 0.3
    reseau.manual_seed(0)
    model = nn.Linear(3, 1)
    h = fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1), (X, y), (X, y),
            epochs=20, batch_size=10, metrics=("mse", "mae", "r2"), log_every=19)
    assert h.r2[-1] > 0.999 and h.mse[-1] == pytest.approx(h.loss[-1], rel=1e-5)
    assert capsys.readouterr().out.splitlines()[0].startswith("Iter 0: Loss train ")


def test_step_scheduler_and_plateau_change_the_recorded_lr():
    train, test = circle_sets(100)
    model = net()
    opt = optim.SGD(model.parameters(), lr=0.1)
    sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    h = fit(model, nn.CrossEntropyLoss(), opt, train, epochs=5, scheduler=sched,
            log_every=None)
    assert h.lr == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025])
    opt = optim.SGD(model.parameters(), lr=0.1)
    plateau = optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0, factor=0.5)
    # validation labels flipped: the validation loss rises, so the lr is cut each epoch
    h = fit(model, nn.CrossEntropyLoss(), opt, train, (test[0], 1 - test[1]), epochs=4,
            scheduler=plateau, log_every=None)
    assert h.lr[-1] < 0.1


def test_divergent_run_stops_with_advice_and_keeps_finite_initial_weights(capsys):
    train, test = circle_sets()
    model = net()
    before = model.state_dict()
    opt = optim.SGD(model.parameters(), lr=1e4)
    h = fit(model, nn.CrossEntropyLoss(), opt, train, test, epochs=50, batch_size=10)
    assert h.stop_reason == "diverged" and len(h) == 0
    assert "diverged" in h.message and "lower learning rate" in h.message
    assert "try 1000" in h.message
    after = model.state_dict()
    for k in before:
        assert np.all(np.isfinite(after[k]))
        np.testing.assert_array_equal(after[k], before[k])
    assert "Training diverged" in capsys.readouterr().err


class NanAfter:
    """A cross-entropy that returns NaN from its ``n``-th call on (a numeric blow-up)."""

    def __init__(self, n, exc=None):
        self.n, self.calls, self.exc = n, 0, exc
        self.ce = nn.CrossEntropyLoss()

    def __call__(self, out, y):
        self.calls += 1
        loss = self.ce(out, y)
        if self.calls >= self.n and out.requires_grad:
            if self.exc is not None:
                raise self.exc
            return loss * float("nan")
        return loss


def test_nan_loss_restores_the_last_good_epoch():
    train, _ = circle_sets()
    model = net()
    opt = optim.SGD(model.parameters(), lr=0.1)
    # 20 batches per epoch (+1 call for the end-of-epoch evaluation): NaN in epoch 3
    h = fit(model, NanAfter(70), opt, train, epochs=10, batch_size=10, log_every=None)
    assert h.stop_reason == "diverged" and "nan" in h.message
    assert "last good epoch (2)" in h.message and len(h) == 3
    assert evaluate(model, nn.CrossEntropyLoss(), train)["loss"] == pytest.approx(h.loss[-1])


def test_ctrl_c_stops_cleanly_with_the_last_completed_epoch():
    train, _ = circle_sets()
    model = net()
    opt = optim.SGD(model.parameters(), lr=0.1)
    h = fit(model, NanAfter(50, KeyboardInterrupt()), opt, train, epochs=10, batch_size=10,
            log_every=None)
    assert h.stop_reason == "interrupted" and "Ctrl-C" in h.message and len(h) == 2
    assert evaluate(model, nn.CrossEntropyLoss(), train)["loss"] == pytest.approx(h.loss[-1])
    assert all(math.isfinite(v) for v in h.loss)


def test_bad_arguments_say_what_to_do():
    train, _ = circle_sets(40)
    model = net()
    opt = optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="unknown metric 'acuracy'.*accuracy"):
        fit(model, nn.CrossEntropyLoss(), opt, train, metrics=("acuracy",))
    with pytest.raises(ValueError, match="epochs must be an int >= 0"):
        fit(model, nn.CrossEntropyLoss(), opt, train, epochs=-1)
    with pytest.raises(ValueError, match="20 inputs but 19 targets"):
        fit(model, nn.CrossEntropyLoss(), opt, (train[0], train[1][:19]))
    with pytest.raises(TypeError, match="DataLoader, a Dataset or a pair"):
        fit(model, nn.CrossEntropyLoss(), opt, 42)


def test_progress_bar_only_when_asked_or_on_a_terminal(capsys, monkeypatch):
    pytest.importorskip("tqdm")
    from reseau.train import progress

    train, _ = circle_sets(40)
    model = net()
    opt = optim.SGD(model.parameters(), lr=0.1)
    fit(model, nn.CrossEntropyLoss(), opt, train, epochs=2, batch_size=10, log_every=None)
    assert capsys.readouterr().err == ""          # not a terminal: quiet
    fit(model, nn.CrossEntropyLoss(), opt, train, epochs=2, batch_size=10, log_every=None,
        progress=True)
    assert "epoch 2/2" in capsys.readouterr().err
    # by default the bar follows whether standard error is a terminal
    monkeypatch.setattr(progress, "_isatty", lambda stream: True)
    fit(model, nn.CrossEntropyLoss(), opt, train, epochs=2, batch_size=10, log_every=None)
    assert "epoch 2/2" in capsys.readouterr().err


# ----------------------------------------------------------------- what the models and the
# scikit-learn estimators need of fit
def test_objective_replaces_the_loss_of_a_step_and_one_batch_logs_its_exact_value():
    X, y = circles(64, seed=3, as_tensor=False)
    model, twin = net(1), net(1)
    rho = 0.01

    def objective(x, t):  # cross-entropy plus an L2 penalty on the weights
        return nn.functional.cross_entropy(model(x), t) + rho * nn.l2_penalty(model)

    h = fit(model, None, optim.SGD(model.parameters(), lr=0.5), (X, y), epochs=5,
            objective=objective, batch_size="full", shuffle=False, eval_train=False,
            metrics=(), log_every=None, progress=False)
    # the same steps written out
    opt, values = optim.SGD(twin.parameters(), lr=0.5), []
    for _ in range(5):
        loss = (nn.functional.cross_entropy(twin(reseau.tensor(X)), reseau.tensor(y))
                + rho * nn.l2_penalty(twin))
        opt.zero_grad()
        loss.backward()
        opt.step()
        values.append(loss.item())
    assert h.loss == values  # exactly: one batch's mean is its value
    for p, q in zip(model.parameters(), twin.parameters()):
        np.testing.assert_array_equal(p._array, q._array)


def test_a_callback_may_replace_the_optimizer():
    from reseau.train import Callback

    class Slower(Callback):
        def on_epoch_end(self, state, logs):
            if state.epoch == 1:
                state.optimizer = optim.SGD(state.model.parameters(), lr=0.01)

    model = net()
    train, _ = circle_sets(100)
    h = fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.3), train,
            epochs=4, callbacks=[Slower()], log_every=None, progress=False)
    assert h.lr == [0.3, 0.3, 0.01, 0.01]


def test_a_subclass_of_reduce_lr_on_plateau_is_given_the_loss():
    seen = []

    class Watching(optim.lr_scheduler.ReduceLROnPlateau):
        def step(self, metrics):
            seen.append(metrics)
            super().step(metrics)

    model = net()
    train, val = circle_sets(100)
    opt = optim.SGD(model.parameters(), lr=0.1)
    h = fit(model, nn.CrossEntropyLoss(), opt, train, val, epochs=3,
            scheduler=Watching(opt), log_every=None, progress=False)
    assert seen == h.val_loss
