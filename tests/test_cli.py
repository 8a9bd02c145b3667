"""The `reseau` command, end to end: train, evaluate, predict, config files, errors."""

import csv
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from reseau import io
from reseau.cli import main
from reseau.data import moons

LINE = re.compile(r"^Iter (\d+): Acc train (\d+\.\d)% \((\d+\.\d\d)\), "
                  r"acc test (\d+\.\d)% \((\d+\.\d\d)\)$")


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_default_train_is_seed_003_circle_and_writes_the_run_folder(tmp_path, monkeypatch,
                                                                     capsys):
    monkeypatch.chdir(tmp_path)
    status, out, err = run(capsys, "train")
    assert status == 0, err
    [folder] = list((tmp_path / "runs").iterdir())
    assert re.fullmatch(r"\d{8}-\d{6}", folder.name)
    names = {p.name for p in folder.iterdir()}
    assert names == {"model.npz", "history.csv", "metrics.json", "config.toml",
                     "learning_curve.png", "decision_boundary.png"}
    for png in ("learning_curve.png", "decision_boundary.png"):
        assert (folder / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    logs = [LINE.match(line) for line in out.splitlines() if line.startswith("Iter")]
    assert all(logs) and [int(m.group(1)) for m in logs] == [*range(0, 150, 10), 149]
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["test"]["accuracy"] >= 0.95 and metrics["train"]["accuracy"] >= 0.95
    assert metrics["epochs_run"] == 150 and metrics["stop_reason"] == "completed"
    assert sum(map(sum, metrics["confusion_matrix_test"])) == 250
    # the last log line and the final line print the same numbers as metrics.json
    last = logs[-1]
    assert float(last.group(4)) == round(100 * metrics["test"]["accuracy"], 1)
    assert f"Final: Acc train {100 * metrics['train']['accuracy']:.1f}%" in out
    with open(folder / "history.csv") as f:
        rows = list(csv.DictReader(f))
    # no validation set: the held-out columns are the test set's, and say so
    assert len(rows) == 150 and float(rows[-1]["test_accuracy"]) == metrics["test"]["accuracy"]
    assert not any(k.startswith("val_") for k in rows[0])
    # the saved model is seed 003's network and scores the same on its test split
    model = io.load(folder / "model.npz")
    assert model.sizes == [2, 4, 2] and type(model[1]).__name__ == "Tanh"
    info = io.read_info(folder / "model.npz")["config"]
    assert (info["lr"], info["optimizer"], info["batch_size"], info["epochs"]) == \
        (None, "sgd", 10, 150)
    status, out, _ = run(capsys, "evaluate", str(folder / "model.npz"), "--json")
    assert status == 0
    assert json.loads(out)["accuracy"] == metrics["test"]["accuracy"]


def write_csv(path, X, y, names, target="label"):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow([*names, target])
        for row, t in zip(X, y):
            w.writerow([*(f"{v:.6f}" for v in row), t])


def test_csv_round_trip_train_evaluate_predict(tmp_path, capsys):
    X, y = moons(300, seed=3, as_tensor=False)
    labels = np.where(y == 1, 7, 3)        # labels need not be 0..K-1
    write_csv(tmp_path / "moons.csv", X, labels, ["a", "b"])
    status, out, err = run(capsys, "train", "--data", str(tmp_path / "moons.csv"), "--target",
                           "label", "--hidden", "16,16", "--activation", "relu", "--optimizer",
                           "adam", "--lr", "0.01", "--epochs", "40", "--batch-size", "20",
                           "--out", str(tmp_path / "run"), "--log-every", "0")
    assert status == 0, err
    assert "Iter" not in out
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["classes"] == [3, 7] and metrics["test"]["accuracy"] > 0.9
    model_path = str(tmp_path / "run" / "model.npz")
    # evaluating on the training file scores its test split, as metrics.json did
    status, out, _ = run(capsys, "evaluate", model_path, "--json")
    assert json.loads(out)["accuracy"] == metrics["test"]["accuracy"]
    # a new file, columns in another order and an extra one: scored whole
    Xn, yn = moons(200, seed=11, as_tensor=False)
    with open(tmp_path / "new.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "b", "label", "a"])
        for i, (row, t) in enumerate(zip(Xn, yn)):
            w.writerow([i, row[1], 7 if t else 3, row[0]])
    status, out, _ = run(capsys, "evaluate", model_path, "--data", str(tmp_path / "new.csv"))
    assert status == 0 and "(200 samples): accuracy" in out
    status, out, _ = run(capsys, "predict", model_path, str(tmp_path / "new.csv"))
    assert status == 0
    rows = list(csv.DictReader(out.splitlines()))
    assert list(rows[0]) == ["prediction", "prob_3", "prob_7"] and len(rows) == 200
    predicted = np.array([int(r["prediction"]) for r in rows])
    assert np.mean(predicted == np.where(yn == 1, 7, 3)) > 0.9
    for r in rows:
        p3, p7 = float(r["prob_3"]), float(r["prob_7"])
        assert p3 + p7 == pytest.approx(1, abs=1e-5)
        assert int(r["prediction"]) == (7 if p7 > p3 else 3)
    # --output writes the same text to a file
    run(capsys, "predict", model_path, str(tmp_path / "new.csv"), "-o", str(tmp_path / "p.csv"))
    assert (tmp_path / "p.csv").read_text() == out


def test_regression_csv_predicts_in_the_targets_units(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, size=(200, 2))
    y = 100 + 30 * X[:, 0] - 10 * X[:, 1] ** 2
    write_csv(tmp_path / "r.csv", X, [f"{v:.4f}" for v in y], ["u", "v"], target="price")
    status, _, err = run(capsys, "train", "--data", str(tmp_path / "r.csv"), "--target", "price",
                         "--hidden", "16", "--optimizer", "adam", "--lr", "0.01", "--epochs",
                         "60", "--out", str(tmp_path / "run"), "--log-every", "0")
    assert status == 0, err
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["test"]["r2"] > 0.95
    status, out, _ = run(capsys, "predict", str(tmp_path / "run" / "model.npz"),
                         str(tmp_path / "r.csv"))
    pred = np.array([float(r["prediction"]) for r in csv.DictReader(out.splitlines())])
    assert np.mean(np.abs(pred - y)) < 5          # in the target's units, not standardised


def test_config_file_and_command_line_and_the_saved_config_reruns(tmp_path, capsys):
    cfg = tmp_path / "run.toml"
    cfg.write_text('data = "xor"\nhidden = [8]\nbatch-size = "full"\nepochs = 50\n'
                   'lr = 0.5\nseed = 4\n')
    status, _, err = run(capsys, "train", "--config", str(cfg), "--epochs", "5", "--out",
                         str(tmp_path / "a"))
    assert status == 0, err
    first = (tmp_path / "a" / "history.csv").read_text().splitlines()
    assert len(first) == 1 + 5                    # the command line wins over the file
    saved = (tmp_path / "a" / "config.toml").read_text()
    assert 'batch-size = "full"' in saved and "hidden = [8]" in saved
    status, _, _ = run(capsys, "train", "--config", str(tmp_path / "a" / "config.toml"),
                       "--out", str(tmp_path / "b"))
    again = (tmp_path / "b" / "history.csv").read_text().splitlines()
    strip_time = [line.rsplit(",", 1)[0] for line in first]
    assert [line.rsplit(",", 1)[0] for line in again] == strip_time   # same run again
    bad = tmp_path / "bad.toml"
    bad.write_text("learning-rate = 0.1\n")
    status, _, err = run(capsys, "train", "--config", str(bad))
    assert status == 2 and "unknown setting 'learning-rate'" in err and "--help" in err
    bad.write_text("epochs = [1\n")
    status, _, err = run(capsys, "train", "--config", str(bad))
    assert status == 2 and "is not valid TOML" in err


@pytest.mark.parametrize("argv, message", [
    (["train", "--lr", "abc"], "lr must be a number, got 'abc'"),
    (["train", "--lr", "0"], "lr must be > 0"),
    (["train", "--activation", "tan"], "did you mean 'tanh'"),
    (["train", "--batch-size", "half"], "batch-size must be a whole number >= 1 or 'full'"),
    (["train", "--hidden", "64,x"], "hidden must list layer sizes"),
    (["train", "--data", "cirles"], "Did you mean 'circles'"),
    (["train", "--schedule", "step:a"], "schedule step's EVERY must be a whole number"),
    (["train", "--schedule", "step:2:a"], "schedule argument must be a number, got 'a'"),
    (["train", "--schedule", "step:1:2:3"], "takes at most 2 ':' argument(s), got "
                                            "'step:1:2:3' (see 'reseau train --help')"),
    (["train", "--data", "moons", "--target", "y"], "--target applies to a CSV file"),
    (["train", "--data", "nofile.csv"], "--target COLUMN"),
    (["train", "--bogus"], "reseau train: error: unrecognized arguments: --bogus"),
    (["train", "--momentum", "0.9", "--optimizer", "adam", "--epochs", "1"],
     "--momentum applies to sgd and rmsprop"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
])
def test_bad_options_give_one_clear_line(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, err = run(capsys, *argv)
    assert status == 2
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_bad_model_files_are_one_line_errors(tmp_path, capsys):
    (tmp_path / "in.csv").write_text("x1,x2\n0,0\n")
    (tmp_path / "cut.npz").write_bytes(b"PK\x03\x04 truncated")
    import pickle
    (tmp_path / "evil.npz").write_bytes(pickle.dumps({"weights": [1, 2]}))
    for name, message in [("missing.npz", "no file at"), ("cut.npz", "truncated or corrupted"),
                          ("evil.npz", "pickled Python object")]:
        for argv in (["evaluate", str(tmp_path / name)],
                     ["predict", str(tmp_path / name), str(tmp_path / "in.csv")]):
            status, out, err = run(capsys, *argv)
            assert status == 1 and message in err and len(err.strip().splitlines()) == 1


def test_divergent_run_stops_saves_finite_weights_and_says_what_to_try(tmp_path, capsys):
    status, out, err = run(capsys, "train", "--lr", "1e4", "--out", str(tmp_path / "d"))
    assert status == 1
    assert "Training diverged" in err and "lower learning rate" in err
    metrics = json.loads((tmp_path / "d" / "metrics.json").read_text())
    assert metrics["stop_reason"] == "diverged" and "try 1000" in metrics["message"]
    model = io.load(tmp_path / "d" / "model.npz")
    assert all(np.all(np.isfinite(p._array)) for p in model.parameters())


def test_early_stopping_from_the_command_line(tmp_path, capsys):
    status, out, err = run(capsys, "train", "--early-stopping", "3", "--epochs", "200",
                           "--out", str(tmp_path / "e"))
    assert status == 0, err
    metrics = json.loads((tmp_path / "e" / "metrics.json").read_text())
    assert metrics["stop_reason"] == "early_stopping"
    assert metrics["epochs_run"] == metrics["best_epoch"] + 3 + 1
    assert "acc val" in out and set(metrics) >= {"train", "val", "test"}
    with open(tmp_path / "e" / "history.csv") as f:
        val = [float(r["val_loss"]) for r in csv.DictReader(f)]
    assert metrics["val"]["loss"] == pytest.approx(min(val), rel=1e-6)


def test_help_reads_well(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["train", "--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    for option in ("--data", "--target", "--hidden", "--activation", "--loss", "--optimizer",
                   "--lr", "--momentum", "--weight-decay", "--epochs", "--batch-size",
                   "--schedule", "--early-stopping", "--seed", "--out", "--config"):
        assert option in text
    assert "seed 003" in text and "examples:" in text
    for command in ("evaluate", "predict"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        assert "MODEL" in capsys.readouterr().out
    assert main([]) == 2 and "train" in capsys.readouterr().out
    assert main(["lab", "list"]) == 0 and "circle-automation" in capsys.readouterr().out


def test_console_script_and_ctrl_c_saves_what_was_trained(tmp_path):
    exe = Path(sys.executable).parent / "reseau"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "reseau.cli"]
    proc = subprocess.Popen(cmd + ["train", "--epochs", "100000", "--log-every", "1",
                                   "--out", str(tmp_path / "c")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    lines = []
    for line in proc.stdout:          # wait until a few epochs are done
        lines.append(line)
        if line.startswith("Iter 3:"):
            break
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Interrupted (Ctrl-C)" in err and "Traceback" not in err
    assert "batch/s" not in err and "epoch 1/" not in err   # not a terminal: no progress bar
    metrics = json.loads((tmp_path / "c" / "metrics.json").read_text())
    assert metrics["stop_reason"] == "interrupted" and metrics["epochs_run"] >= 4
    model = io.load(tmp_path / "c" / "model.npz")
    assert model.sizes == [2, 4, 2]
    with open(tmp_path / "c" / "history.csv") as f:
        assert len(list(csv.DictReader(f))) == metrics["epochs_run"]


def test_images_and_schedules(tmp_path, capsys):
    pytest.importorskip("sklearn")
    status, out, err = run(capsys, "train", "--data", "digits", "--hidden", "32", "--activation",
                           "relu", "--epochs", "4", "--batch-size", "32", "--schedule",
                           "step:1:0.5", "--out", str(tmp_path / "d"))
    assert status == 0, err
    names = {p.name for p in (tmp_path / "d").iterdir()}
    assert "decision_boundary.png" not in names and "learning_curve.png" in names
    with open(tmp_path / "d" / "history.csv") as f:
        lrs = [float(r["lr"]) for r in csv.DictReader(f)]
    assert lrs == [0.1, 0.05, 0.025, 0.0125]
    config = io.read_info(tmp_path / "d" / "model.npz")["config"]
    assert config["preprocessing"]["x_mean"] is None          # pixels are not standardised
    metrics = json.loads((tmp_path / "d" / "metrics.json").read_text())
    assert metrics["classes"] == list(range(10))
    assert metrics["test"]["accuracy"] > 0.5                      # chance: 0.1


# ----------------------------------------------------------------- every option of section 4
def metrics_of(folder):
    return json.loads((Path(folder) / "metrics.json").read_text())


def history_of(folder, column):
    with open(Path(folder) / "history.csv") as f:
        return [float(r[column]) for r in csv.DictReader(f)]


@pytest.mark.parametrize("name, n_classes", [("moons", 2), ("xor", 2), ("spiral", 3),
                                             ("blobs", 3)])
def test_each_generated_set_with_samples_noise_and_test_size(name, n_classes, tmp_path,
                                                             capsys):
    from reseau.cli.preparation import load_data
    from reseau.cli.settings import TrainSettings
    from reseau.data import blobs, spiral, xor

    out = tmp_path / name
    status, _, err = run(capsys, "train", "--data", name, "--samples", "200", "--noise", "0.05",
                         "--test-size", "0.1", "--epochs", "3", "--seed", "2", "--out", str(out),
                         "--log-every", "0", "--no-standardize")
    assert status == 0, err
    metrics = metrics_of(out)
    assert metrics["classes"] == list(range(n_classes))
    assert np.asarray(metrics["confusion_matrix_test"]).sum() == 20     # 10% of 200
    model = io.load(out / "model.npz")
    assert model.sizes == [2, 4, n_classes]
    assert io.read_info(out / "model.npz")["config"]["preprocessing"]["x_mean"] is None
    # the data is the generator's draw with these samples, noise and seed
    settings = TrainSettings.resolve({"data": name, "samples": "200", "noise": "0.05",
                                      "seed": "2"})
    X, y, features, _ = load_data(settings)
    make = {"moons": moons, "xor": xor, "spiral": spiral, "blobs": blobs}[name]
    X_ref, y_ref = make(200, noise=0.05, seed=2, as_tensor=False)
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(y, y_ref)
    assert features == ["x1", "x2"]
    # another seed: other data, scored whole
    status, out_text, _ = run(capsys, "evaluate", str(out / "model.npz"), "--seed", "9",
                              "--json")
    assert status == 0 and json.loads(out_text)["samples"] == 200


def write_tiny_mnist(folder, n_train=60, n_test=20):
    """The four MNIST file names, gzip'd IDX files of random 28x28 images."""
    import gzip
    import struct

    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    sets = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = (np.arange(n) % 10).astype(np.uint8)
        for kind, arr in (("images-idx3", images), ("labels-idx1", labels)):
            header = bytes([0, 0, 0x08, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
            (folder / f"{prefix}-{kind}-ubyte.gz").write_bytes(
                gzip.compress(header + arr.tobytes()))
        sets[prefix] = (images, labels)
    return sets


def test_mnist_from_data_dir_and_fashion_mnist_from_the_cache(tmp_path, capsys, monkeypatch):
    write_tiny_mnist(tmp_path / "digits")
    status, _, err = run(capsys, "train", "--data", "mnist", "--data-dir", str(tmp_path / "digits"),
                         "--hidden", "8", "--activation", "relu", "--epochs", "2",
                         "--batch-size", "full", "--out", str(tmp_path / "m"))
    assert status == 0, err
    metrics = metrics_of(tmp_path / "m")
    assert np.asarray(metrics["confusion_matrix_test"]).sum() == 20     # MNIST's own test set
    assert metrics["classes"] == list(range(10))
    assert io.load(tmp_path / "m" / "model.npz").sizes == [784, 8, 10]
    prep = io.read_info(tmp_path / "m" / "model.npz")["config"]["preprocessing"]
    assert prep["x_mean"] is None                                       # pixels stay in [0, 1]
    status, out, _ = run(capsys, "evaluate", str(tmp_path / "m" / "model.npz"), "--json")
    assert status == 0 and json.loads(out)["samples"] == 20
    # fashion-mnist from the cache folder ($RESEAU_DATA/fashion-mnist): no network
    write_tiny_mnist(tmp_path / "cache" / "fashion-mnist", n_train=30, n_test=10)
    monkeypatch.setenv("RESEAU_DATA", str(tmp_path / "cache"))
    status, _, err = run(capsys, "train", "--data", "fashion-mnist", "--hidden", "none",
                         "--epochs", "1", "--out", str(tmp_path / "f"), "--log-every", "0")
    assert status == 0, err
    assert np.asarray(metrics_of(tmp_path / "f")["confusion_matrix_test"]).sum() == 10
    assert io.load(tmp_path / "f" / "model.npz").sizes == [784, 10]


def test_optimizer_momentum_weight_decay_and_seed_are_those_of_the_python_recipe(tmp_path,
                                                                                 capsys):
    """The command trains exactly what the same settings give in Python."""
    import reseau
    from reseau import nn, optim
    from reseau.cli.experiment import build_optimizer
    from reseau.cli.preparation import prepare
    from reseau.cli.settings import TrainSettings
    from reseau.train import fit

    status, _, err = run(capsys, "train", "--optimizer", "sgd", "--momentum", "0.9",
                         "--weight-decay", "0.001", "--lr", "0.05", "--epochs", "3",
                         "--samples", "200", "--seed", "3", "--out", str(tmp_path / "a"),
                         "--log-every", "0")
    assert status == 0, err
    settings = TrainSettings.resolve({"samples": 200, "seed": 3})
    reseau.manual_seed(3)
    data = prepare(settings)
    model = nn.MLP([2, 4, 2], activation="tanh")
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=0.001)
    fit(model, nn.CrossEntropyLoss(), opt, (data.X_train, data.y_train),
        (data.X_test, data.y_test), epochs=3, batch_size=10, log_every=None)
    saved = io.load(tmp_path / "a" / "model.npz").state_dict()
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(saved[key], value)
    # the options reach the optimizer's parameter groups
    for argv, expected in [
        ({"optimizer": "sgd", "momentum": "0.9", "weight_decay": "0.01"},
         {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.01}),
        ({"optimizer": "rmsprop", "momentum": "0.5"}, {"lr": 0.01, "momentum": 0.5}),
        ({"optimizer": "adamw"}, {"lr": 0.001, "weight_decay": 0.01}),
        ({"optimizer": "adam", "lr": "0.02"}, {"lr": 0.02, "weight_decay": 0.0}),
        ({"optimizer": "adagrad"}, {"lr": 0.01}),
    ]:
        group = build_optimizer(TrainSettings.resolve(argv),
                                nn.Linear(2, 2).parameters()).param_groups[0]
        assert {k: group[k] for k in expected} == expected, argv
    # another seed: other data, other weights, another history
    run(capsys, "train", "--epochs", "3", "--samples", "200", "--seed", "4", "--out",
        str(tmp_path / "b"), "--log-every", "0")
    assert history_of(tmp_path / "a", "loss") != history_of(tmp_path / "b", "loss")


@pytest.mark.parametrize("loss, head", [("bce", "prob_"), ("hinge", "score_")])
def test_classification_losses(loss, head, tmp_path, capsys):
    from reseau import nn
    from reseau.cli.preparation import prepare
    from reseau.cli.settings import TrainSettings
    from reseau.train import evaluate

    out = tmp_path / loss
    status, _, err = run(capsys, "train", "--loss", loss, "--samples", "200", "--epochs", "5",
                         "--out", str(out), "--log-every", "0")
    assert status == 0, err
    model = io.load(out / "model.npz")
    assert model.sizes[-1] == (1 if loss == "bce" else 2)      # bce: one logit
    data = prepare(TrainSettings.resolve({"samples": 200, "loss": loss}))
    loss_fn = {"bce": nn.BCEWithLogitsLoss, "hinge": nn.MultiMarginLoss}[loss]()
    expected = evaluate(model, loss_fn, (data.X_test, data.y_test))
    assert metrics_of(out)["test"]["loss"] == pytest.approx(expected["loss"], rel=1e-6)
    assert metrics_of(out)["test"]["accuracy"] == expected["accuracy"]
    (tmp_path / "in.csv").write_text("x1,x2\n0,0\n0.9,0.1\n")
    status, text, _ = run(capsys, "predict", str(out / "model.npz"), str(tmp_path / "in.csv"))
    rows = list(csv.DictReader(text.splitlines()))
    assert list(rows[0]) == ["prediction", f"{head}0", f"{head}1"] and len(rows) == 2
    if loss == "bce":
        assert all(float(r["prob_0"]) + float(r["prob_1"]) == pytest.approx(1, abs=1e-5)
                   for r in rows)


def test_regression_losses_mae_and_huber(tmp_path, capsys):
    rng = np.random.default_rng(1)
    X = rng.uniform(-1, 1, size=(120, 2))
    y = 3 * X[:, 0] - X[:, 1] + 0.5
    write_csv(tmp_path / "r.csv", X, [f"{v:.5f}" for v in y], ["u", "v"], target="t")
    for loss in ("mae", "huber"):
        status, _, err = run(capsys, "train", "--data", str(tmp_path / "r.csv"), "--target",
                             "t", "--loss", loss, "--hidden", "none", "--epochs", "30",
                             "--out", str(tmp_path / loss), "--log-every", "0")
        assert status == 0, err
        info = io.read_info(tmp_path / loss / "model.npz")["config"]["preprocessing"]
        assert (info["task"], info["loss"]) == ("regression", loss)
        assert metrics_of(tmp_path / loss)["test"]["r2"] > 0.99     # a linear target


def test_every_schedule_writes_the_learning_rates_of_pytorch(tmp_path, capsys, monkeypatch):
    torch = pytest.importorskip("torch")
    from reseau.cli import run_folder
    monkeypatch.setattr(run_folder, "write_plots", lambda *args: [])  # not needed here: faster
    S = torch.optim.lr_scheduler

    def torch_lrs(make, epochs=4, metric=None):
        opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
        sched, lrs = make(opt), []
        for t in range(epochs):
            lrs.append(opt.param_groups[0]["lr"])
            opt.step()  # PyTorch warns when the scheduler steps before the optimizer
            sched.step(*([] if metric is None else [metric[t]]))
        return lrs

    cases = {
        "exponential:0.5": lambda o: S.ExponentialLR(o, gamma=0.5),
        "cosine": lambda o: S.CosineAnnealingLR(o, T_max=4),
        "poly:2": lambda o: S.PolynomialLR(o, total_iters=4, power=2.0),
        "step": lambda o: S.StepLR(o, step_size=1, gamma=0.1),       # every 4 // 3 epochs
    }
    for spec, make in cases.items():
        out = tmp_path / spec.replace(":", "_")
        status, _, err = run(capsys, "train", "--schedule", spec, "--epochs", "4", "--samples",
                             "100", "--out", str(out), "--log-every", "0")
        assert status == 0, err
        assert history_of(out, "lr") == pytest.approx(torch_lrs(make), rel=1e-12), spec
    # plateau: a validation set is held out and its loss drives the rate
    out = tmp_path / "plateau"
    status, _, err = run(capsys, "train", "--schedule", "plateau:0:0.5", "--epochs", "6",
                         "--lr", "5", "--samples", "100", "--out", str(out), "--log-every", "0")
    assert status == 0, err
    val_loss = history_of(out, "val_loss")
    expected = torch_lrs(lambda o: S.ReduceLROnPlateau(o, patience=0, factor=0.5), 6, val_loss)
    # the first lr is the optimizer's, the rest follow the validation losses
    lrs = history_of(out, "lr")
    assert lrs[0] == 5 and [v / 50 for v in lrs] == pytest.approx(expected, rel=1e-12)
    assert min(lrs) < 5                                  # lr 5 is too high: it was cut
    assert "val" in metrics_of(out)


def test_a_killed_run_keeps_its_last_good_checkpoint(tmp_path):
    exe = Path(sys.executable).parent / "reseau"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "reseau.cli"]
    proc = subprocess.Popen(cmd + ["train", "--epochs", "100000", "--log-every", "1",
                                   "--out", str(tmp_path / "k")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    for line in proc.stdout:          # the checkpoint is written before the log line
        if line.startswith("Iter 2:"):
            break
    proc.kill()                       # no chance to clean up: SIGKILL, as a crash
    proc.communicate(timeout=60)
    # the run folder is never a half run: the killed run's work is beside it
    assert not (tmp_path / "k").exists()
    info = io.read_info(tmp_path / "k.incomplete" / "model.npz")
    assert info["metadata"]["epoch"] >= 0 and info["config"]["epochs"] == 100000
    model = io.load(tmp_path / "k.incomplete" / "model.npz")
    assert model.sizes == [2, 4, 2]
    assert all(np.all(np.isfinite(p._array)) for p in model.parameters())
