"""``fit(device=)``, ``evaluate`` and ``predict`` on ``cuda``, run on the stand-in array
module (``reseau.standin``: CuPy's behaviour on NumPy, so its results are NumPy's own):
a seeded training on ``cuda`` gives the cpu run's numbers bit for bit, nothing drops to
NumPy on the way (the stand-in records any such call), and what leaves the device
(metrics, checkpoints, kept weights) is on the host."""

from __future__ import annotations

import math

import numpy as np
import pytest

import reseau
from reseau import nn, optim, standin
from reseau.optim import lr_scheduler
from reseau.train import EarlyStopping, ModelCheckpoint, evaluate, fit, predict
from reseau.utils.data import DataLoader, TensorDataset


def _data(n=120, seed=0):
    X, y = reseau.data.circles(n, noise=0.1, seed=seed, as_tensor=False)
    return X.astype(np.float32), y


def _train(device, *, callbacks=(), epochs=4, model_device=None, **kw):
    """A seeded run: the model is built on the cpu (same initial weights everywhere)."""
    reseau.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2))
    if model_device is not None:
        model.to(model_device)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    schedule = lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    X, y = _data()
    loader = DataLoader(TensorDataset(X[:90], y[:90]), batch_size=16, shuffle=True,
                        generator=3)
    history = fit(model, nn.CrossEntropyLoss(), opt, loader, (X[90:], y[90:]), epochs=epochs,
                  scheduler=schedule, callbacks=callbacks, log_every=None, device=device,
                  metrics=("accuracy", "f1"), **kw)
    return model, history


def _host_weights(model) -> dict:
    return {k: v.detach().cpu().numpy().copy() for k, v in model.state_dict().items()}


def _same_history(a, b):
    assert a.columns == b.columns
    for column in a.columns:
        if column != "time":
            assert a[column] == b[column], column


def test_a_seeded_run_on_cuda_is_the_cpu_run_bit_for_bit(cuda):
    cpu_model, cpu_history = _train("cpu")
    cuda_model, cuda_history = _train("cuda")
    # the model was moved in place, with every parameter's array on the device
    assert all(p.device == reseau.device("cuda", 0) for p in cuda_model.parameters())
    assert all(type(p._array) is standin.ndarray for p in cuda_model.parameters())
    _same_history(cpu_history, cuda_history)
    assert all(isinstance(v, float) for v in cuda_history["val_loss"])
    cpu_w, cuda_w = _host_weights(cpu_model), _host_weights(cuda_model)
    assert cpu_w.keys() == cuda_w.keys()
    for k in cpu_w:
        np.testing.assert_array_equal(cpu_w[k], cuda_w[k])
    assert len(cpu_history) == 4 and cpu_history["loss"][-1] < cpu_history["loss"][0]


def test_a_model_already_on_cuda_trains_there_without_device(cuda):
    cpu_model, cpu_history = _train("cpu")
    model, history = _train(None, model_device="cuda")
    assert next(model.parameters()).device.type == "cuda"
    _same_history(cpu_history, history)


def test_running_means_and_no_train_evaluation(cuda):
    _, cpu_history = _train("cpu", eval_train=False)
    _, cuda_history = _train("cuda", eval_train=False)
    _same_history(cpu_history, cuda_history)


def test_evaluate_and_predict_run_on_the_models_device_and_return_host_values(cuda):
    cpu_model, _ = _train("cpu", epochs=2)
    cuda_model, _ = _train("cuda", epochs=2)
    X, y = _data(50, seed=1)
    out = predict(cuda_model, X)
    assert type(out) is np.ndarray
    np.testing.assert_array_equal(out, predict(cpu_model, X))
    scores = evaluate(cuda_model, nn.CrossEntropyLoss(), (X, y), metrics=("accuracy",))
    assert scores == evaluate(cpu_model, nn.CrossEntropyLoss(), (X, y), metrics=("accuracy",))
    assert next(cuda_model.parameters()).device.type == "cuda"


def test_early_stopping_keeps_host_weights_and_restores_them_on_the_device(cuda):
    runs = {}
    for device in ("cpu", "cuda"):
        stopper = EarlyStopping("val_loss", patience=2)
        model, history = _train(device, callbacks=[stopper], epochs=12,
                                shuffle=False)
        runs[device] = (stopper, model, history)
        # what the callback keeps is on the host, whatever the model's device
        assert all(type(v._array) is np.ndarray for v in stopper.best_weights.values())
    (s_cpu, m_cpu, h_cpu), (s_cuda, m_cuda, h_cuda) = runs["cpu"], runs["cuda"]
    assert s_cpu.best_epoch == s_cuda.best_epoch and h_cpu.stop_reason == h_cuda.stop_reason
    assert next(m_cuda.parameters()).device.type == "cuda"  # restored onto the device
    for k, v in _host_weights(m_cpu).items():
        np.testing.assert_array_equal(v, _host_weights(m_cuda)[k])


def test_a_checkpoint_written_from_cuda_loads_on_the_cpu(cuda, tmp_path):
    ckpt = ModelCheckpoint(tmp_path / "best.npz", monitor="val_loss")
    model, _ = _train("cuda", callbacks=[ckpt])
    loaded = reseau.load(tmp_path / "best.npz")
    assert all(type(p._array) is np.ndarray for p in loaded.parameters())
    cpu_ckpt = ModelCheckpoint(tmp_path / "cpu.npz", monitor="val_loss")
    _train("cpu", callbacks=[cpu_ckpt])
    for k, v in _host_weights(reseau.load(tmp_path / "cpu.npz")).items():
        np.testing.assert_array_equal(v, _host_weights(loaded)[k])
    # the model itself can be saved while on the device
    reseau.io.save(model, tmp_path / "last.npz")
    last = reseau.load(tmp_path / "last.npz")
    for k, v in _host_weights(model).items():
        np.testing.assert_array_equal(v, _host_weights(last)[k])


def test_the_loader_yields_host_batches_that_move_on_request(cuda):
    X, y = _data(20)
    loader = DataLoader(TensorDataset(X, y), batch_size=8, pin_memory=True)
    xb, yb = next(iter(loader))
    assert xb.device.type == "cpu" and type(xb._array) is np.ndarray
    moved = xb.to("cuda", non_blocking=True)
    assert moved.device.type == "cuda"
    np.testing.assert_array_equal(moved.cpu().numpy(), xb.numpy())


def test_a_dataset_put_on_the_device_is_batched_there(cuda):
    X, y = _data(40)
    on_cpu = DataLoader(TensorDataset(X, y), batch_size=8, shuffle=True, generator=5)
    on_cuda = DataLoader(TensorDataset(reseau.tensor(X, device="cuda"),
                                       reseau.tensor(y, device="cuda")),
                         batch_size=8, shuffle=True, generator=5)
    pairs = list(zip(on_cpu, on_cuda))
    assert len(pairs) == 5
    for (xc, yc), (xg, yg) in pairs:
        assert xg.device.type == "cuda" and yg.device.type == "cuda"
        np.testing.assert_array_equal(xc.numpy(), xg.cpu().numpy())
        np.testing.assert_array_equal(yc.numpy(), yg.cpu().numpy())


def test_divergence_on_cuda_restores_the_last_good_weights(cuda):
    reseau.manual_seed(0)
    runs = {}
    for device in ("cpu", "cuda"):
        reseau.manual_seed(0)
        model = nn.Linear(2, 2)
        X, y = _data(40)
        history = fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=1e6),
                      (X * 1e3, y), epochs=5, log_every=None, device=device)
        runs[device] = (history, _host_weights(model))
    (h_cpu, w_cpu), (h_cuda, w_cuda) = runs["cpu"], runs["cuda"]
    assert h_cpu.stop_reason == h_cuda.stop_reason == "diverged"
    assert h_cpu.message == h_cuda.message
    for k in w_cpu:
        assert np.isfinite(w_cuda[k]).all()
        np.testing.assert_array_equal(w_cpu[k], w_cuda[k])


def test_fit_on_cuda_without_cupy_says_what_is_missing(no_cuda):
    reseau.manual_seed(0)
    model = nn.Linear(2, 2)
    X, y = _data(20)
    with pytest.raises(RuntimeError, match=r"CuPy is not installed: pip install 'reseau\[cuda\]'"):
        fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), (X, y),
            epochs=1, log_every=None, device="cuda")
    assert next(model.parameters()).device.type == "cpu"
    assert not math.isnan(float(model.weight.sum().item()))


def test_a_convolutional_network_on_cuda_is_the_cpu_run_bit_for_bit(cuda):
    # conv, max pool, flatten, linear: im2col's buffers and the pool's indices on the device
    gen = np.random.default_rng(0)
    X = gen.normal(size=(48, 1, 10, 10)).astype(np.float32)
    y = gen.integers(0, 3, size=48)

    def run(device):
        reseau.manual_seed(0)
        model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Conv2d(4, 6, 3), nn.ReLU(), nn.Flatten(), nn.Linear(54, 3))
        history = fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.01),
                      DataLoader(TensorDataset(X, y), batch_size=16, shuffle=True, generator=1),
                      epochs=3, log_every=None, device=device)
        return model, history

    (cpu_model, cpu_history), (cuda_model, cuda_history) = run("cpu"), run(cuda)
    assert next(cuda_model.parameters()).device.type == "cuda"
    _same_history(cpu_history, cuda_history)
    for k, v in _host_weights(cpu_model).items():
        np.testing.assert_array_equal(v, _host_weights(cuda_model)[k])
