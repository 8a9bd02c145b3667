"""docs/gpu.md: its Python blocks run as written on a machine without CUDA (``device`` is
then the cpu) and with ``cuda`` (the stand-in), where they give the cpu's numbers; the
error line it shows is the command's."""

from __future__ import annotations

import re
from pathlib import Path

from reseau.cli import main

PAGE = Path(__file__).resolve().parents[2] / "docs" / "gpu.md"


def test_the_python_blocks_run_on_cpu_and_on_cuda(run_doc, no_cuda, monkeypatch, capsys):
    cpu, _ = run_doc("gpu.md", min_blocks=2)
    assert cpu["device"] == "cpu"
    cpu_out = capsys.readouterr().out
    from reseau import backend, standin

    backend.use_standin()
    standin.clear_violations()
    try:
        gpu, _ = run_doc("gpu.md", min_blocks=2)
        assert not standin.violations()
        assert gpu["device"] == "cuda" and gpu["x"].is_cuda
        assert next(gpu["net"].parameters()).device.type == "cuda"
    finally:
        backend.use_standin(False)
    gpu_out = capsys.readouterr().out
    # the first block draws x on the device (CuPy's generator: other numbers); fit builds
    # the model on the cpu and batches host data, so its numbers are the cpu's
    assert cpu_out.splitlines()[0].endswith(" True") and gpu_out.splitlines()[0].endswith(" True")
    assert gpu_out.splitlines()[1:] == cpu_out.splitlines()[1:] != []
    assert gpu["history"]["loss"] == cpu["history"]["loss"]


def test_the_error_line_shown_is_the_commands(no_cuda, tmp_path, capsys):
    shown = re.search(r"\$ reseau train --device cuda\n(.*)\n", PAGE.read_text()).group(1)
    assert main(["train", "--device", "cuda", "--out", str(tmp_path / "r")]) == 2
    assert capsys.readouterr().err.strip() == shown


def test_the_page_says_plainly_what_was_tested():
    text = " ".join(PAGE.read_text().split())
    assert "The CUDA backend is tested on the stand-in only" in text
    assert "It will be measured on a GPU later" in text
    assert "PyTorch's CUDA random streams (Philox) are not reproduced" in text
