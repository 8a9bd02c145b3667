"""``reseau train|search --compile``: the training step recorded once and replayed
(``reseau.compile``) gives the uncompiled run's log, scores and weights bit for bit, and
the run folder records the setting."""

from __future__ import annotations

import importlib
import json

import numpy as np

from reseau import io
from reseau.cli import main

TRAIN = ["train", "--data", "moons", "--samples", "200", "--hidden", "8", "--epochs", "12",
         "--batch-size", "16", "--optimizer", "sgd", "--momentum", "0.9", "--lr", "0.05",
         "--log-every", "3"]


def _run(capsys, args) -> str:
    status = main(args)
    out, err = capsys.readouterr()
    assert status == 0, err
    return "\n".join(line for line in out.splitlines()
                     if not line.startswith(("Training ", "Wrote ")))


def test_train_compile_is_the_plain_run_bit_for_bit(tmp_path, capsys, monkeypatch):
    fit_module = importlib.import_module("reseau.train.fit")
    made = []  # the compiled steps fit makes: none without --compile, one with it
    real = fit_module._compiled_step
    monkeypatch.setattr(fit_module, "_compiled_step", lambda *a: made.append(1) or real(*a))
    plain = _run(capsys, [*TRAIN, "--out", str(tmp_path / "plain")])
    assert made == []
    compiled = _run(capsys, [*TRAIN, "--compile", "--out", str(tmp_path / "compiled")])
    assert made == [1]
    assert plain == compiled and "Iter" in compiled
    metrics = [json.loads((tmp_path / d / "metrics.json").read_text())
               for d in ("plain", "compiled")]
    for part in ("train", "test"):
        assert metrics[0][part] == metrics[1][part]
    weights = [io.load(tmp_path / d / "model.npz").state_dict() for d in ("plain", "compiled")]
    for k, v in weights[0].items():
        assert np.array_equal(v.numpy(), weights[1][k].numpy())
    assert "compile = true" in (tmp_path / "compiled" / "config.toml").read_text()
    assert "compile = false" in (tmp_path / "plain" / "config.toml").read_text()
    assert io.read_info(tmp_path / "compiled" / "model.npz")["config"]["compile"] is True


def test_a_config_file_may_ask_for_compile_and_a_bad_value_is_refused(tmp_path, capsys):
    good = tmp_path / "good.toml"
    good.write_text("compile = true\n")
    _run(capsys, [*TRAIN, "--config", str(good), "--out", str(tmp_path / "run")])
    assert "compile = true" in (tmp_path / "run" / "config.toml").read_text()
    bad = tmp_path / "bad.toml"
    bad.write_text('compile = "sometimes"\n')
    assert main([*TRAIN, "--config", str(bad), "--out", str(tmp_path / "no")]) == 2
    err = capsys.readouterr().err
    assert "compile must be true or false, got 'sometimes'" in err
    assert not (tmp_path / "no").exists()


def test_search_compile_scores_as_the_plain_search(tmp_path, capsys):
    args = ["search", "--data", "moons", "--samples", "200", "--hidden", "4,8",
            "--epochs", "5", "--batch-size", "16", "--lr", "0.05", "--jobs", "1"]
    assert main([*args, "--out", str(tmp_path / "plain")]) == 0
    assert main([*args, "--compile", "--out", str(tmp_path / "compiled")]) == 0
    capsys.readouterr()
    tables = [[line.rsplit(",", 1)[0]  # the last column, fit_time, is the clock's
               for line in (tmp_path / d / "table.csv").read_text().splitlines()]
              for d in ("plain", "compiled")]
    assert tables[0][0].startswith("hidden,") and len(tables[0]) == 3
    assert tables[0] == tables[1]
