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
    assert len(rows) == 150 and float(rows[-1]["val_accuracy"]) == metrics["test"]["accuracy"]
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
    (["train", "--schedule", "step:a"], "schedule argument must be a number"),
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
    assert all(np.all(np.isfinite(p.data)) for p in model.parameters())


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
    assert metrics["classes"] == list(range(10)) and metrics["test"]["accuracy"] > 0.5    # chance: 0.1
