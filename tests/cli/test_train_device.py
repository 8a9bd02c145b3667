"""``reseau train|search|lab --device cuda`` on the stand-in array module (``cuda`` is
``reseau.standin``, whose results are NumPy's own): the same log lines, scores and
weights as on the cpu, the device recorded in the run folder, a model file that loads on
the cpu; and without CUDA, one line saying what is missing, exit status 2."""

from __future__ import annotations

import json

import numpy as np
import pytest

from reseau import io
from reseau.cli import main


TRAIN = ["train", "--data", "moons", "--samples", "200", "--hidden", "8", "--epochs", "12",
         "--batch-size", "16", "--optimizer", "adam", "--lr", "0.01", "--early-stopping", "3",
         "--log-every", "3"]


def _train(capsys, folder, device):
    status = main([*TRAIN, "--device", device, "--out", str(folder)])
    out, err = capsys.readouterr()
    assert status == 0, err
    return out


def _lines(out: str) -> list:
    """The log, without the lines that name the folder or take the time."""
    return [line for line in out.splitlines()
            if not line.startswith(("Training ", "Wrote "))]


def _weights(path) -> dict:
    return {k: v.detach().cpu().numpy() for k, v in io.load(path).state_dict().items()}


def test_train_on_cuda_is_the_cpu_run_and_records_the_device(cuda, tmp_path, capsys):
    cpu_out = _train(capsys, tmp_path / "cpu", "cpu")
    cuda_out = _train(capsys, tmp_path / "cuda", "cuda")
    assert ", on cuda. Output:" in cuda_out and ", on cpu" not in cpu_out
    assert _lines(cuda_out) == _lines(cpu_out)
    assert any(line.startswith("Iter") for line in _lines(cuda_out))
    metrics = {d: json.loads((tmp_path / d / "metrics.json").read_text())
               for d in ("cpu", "cuda")}
    assert metrics["cpu"]["device"] == "cpu" and metrics["cuda"]["device"] == "cuda"
    for part in ("train", "val", "test"):
        assert metrics["cuda"][part] == metrics["cpu"][part]
    assert metrics["cuda"]["confusion_matrix_test"] == metrics["cpu"]["confusion_matrix_test"]
    assert metrics["cuda"]["best_epoch"] == metrics["cpu"]["best_epoch"]
    assert 'device = "cuda"' in (tmp_path / "cuda" / "config.toml").read_text()
    assert io.read_info(tmp_path / "cuda" / "model.npz")["config"]["device"] == "cuda"
    # the model file holds host arrays: it loads on the cpu, with the cpu run's weights
    cpu_w, cuda_w = _weights(tmp_path / "cpu" / "model.npz"), \
        _weights(tmp_path / "cuda" / "model.npz")
    for k in cpu_w:
        np.testing.assert_array_equal(cpu_w[k], cuda_w[k])
    # plotted from the model on the device: the same picture
    assert (tmp_path / "cuda" / "decision_boundary.png").read_bytes()[:8] == \
        b"\x89PNG\r\n\x1a\n"
    # a model trained on cuda is evaluated on the cpu, as its run folder said
    assert main(["evaluate", str(tmp_path / "cuda" / "model.npz"), "--json"]) == 0
    scored = json.loads(capsys.readouterr().out)
    assert scored["accuracy"] == metrics["cuda"]["test"]["accuracy"]


def test_train_cuda_without_cupy_is_one_line_and_status_2(no_cuda, tmp_path, capsys):
    status = main(["train", "--epochs", "1", "--device", "cuda", "--out", str(tmp_path / "r")])
    out, err = capsys.readouterr()
    assert status == 2 and out == ""
    assert err.count("\n") == 1
    assert "device cuda: CuPy is not installed: pip install 'reseau[cuda]'" in err
    assert "--device cpu" in err
    assert not (tmp_path / "r").exists() and not (tmp_path / "r.incomplete").exists()


def test_a_config_file_may_ask_for_cuda(no_cuda, tmp_path, capsys):
    (tmp_path / "run.toml").write_text('device = "cuda"\nepochs = 1\n')
    status = main(["train", "--config", str(tmp_path / "run.toml"), "--out",
                   str(tmp_path / "r")])
    assert status == 2 and "CuPy is not installed" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["gpu", "cpu:0", "cuda:x", "cuda:"])
def test_a_bad_device_name_is_a_usage_error(name, tmp_path, capsys):
    status = main(["train", "--epochs", "1", "--device", name, "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert status == 2
    assert f"device must be cpu, cuda or cuda:N (N: a GPU's index), got {name!r}" in err


def test_a_gpu_that_does_not_exist_is_named(cuda, tmp_path, capsys):
    status = main(["train", "--epochs", "1", "--device", "cuda:7", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert status == 2 and "cuda:7" in err and err.count("\n") == 1


def test_search_on_cuda_gives_the_cpu_table(cuda, tmp_path, capsys):
    def search(device):
        status = main(["search", "--data", "moons", "--samples", "120", "--epochs", "5",
                       "--hidden", "2,4", "--lr", "0.1,0.5", "--device", device,
                       "--out", str(tmp_path / device)])
        out = capsys.readouterr().out
        assert status == 0
        return (tmp_path / device / "table.csv").read_text(), out

    cpu_table, cpu_out = search("cpu")
    cuda_table, cuda_out = search("cuda")

    def drop_time(text):
        head, *rows = text.splitlines()
        keep = [i for i, c in enumerate(head.split(",")) if "time" not in c and "second" not in c]
        return [[r.split(",")[i] for i in keep] for r in [head, *rows]]

    assert drop_time(cuda_table) == drop_time(cpu_table)  # all but the timing columns
    chosen = [line for line in cuda_out.splitlines() if line.startswith("Chosen:")]
    assert chosen == [line for line in cpu_out.splitlines() if line.startswith("Chosen:")]
    assert io.read_info(tmp_path / "cuda" / "model.npz")["config"]["device"] == "cuda"


def test_search_cuda_without_cupy_is_one_line(no_cuda, tmp_path, capsys):
    status = main(["search", "--epochs", "1", "--device", "cuda", "--out", str(tmp_path / "s")])
    err = capsys.readouterr().err
    assert status == 2 and "CuPy is not installed" in err and err.count("\n") == 1
    assert not (tmp_path / "s").exists()


def test_lab_on_cuda_reports_the_cpu_numbers(cuda, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    for device in ("cpu", "cuda"):
        assert main(["lab", "learning-rate", "--quick", "--device", device,
                     "--out", str(tmp_path / device)]) == 0
    capsys.readouterr()
    results = {d: json.loads((tmp_path / d / "learning-rate" / "results.json").read_text())
               for d in ("cpu", "cuda")}
    assert results["cpu"]["device"] == "cpu" and results["cuda"]["device"] == "cuda"
    for key in set(results["cpu"]) - {"seconds", "device"}:
        assert results["cuda"][key] == results["cpu"][key], key
    report = (tmp_path / "cuda" / "learning-rate" / "report.md").read_text()
    assert "--device cuda" in report  # the rerun command


def test_lab_cuda_without_cupy_is_one_line(no_cuda, tmp_path, capsys):
    status = main(["lab", "learning-rate", "--quick", "--device", "cuda",
                   "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert status == 2 and err.startswith("reseau lab: device cuda: CuPy is not installed")
    assert err.count("\n") == 1 and not any(tmp_path.iterdir())
