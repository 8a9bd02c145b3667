"""docs/exchange.md runs as written: its Python blocks, in order, print what they say."""

import pytest


def test_the_exchange_page_runs(run_doc, capsys):
    pytest.importorskip("safetensors")
    pytest.importorskip("onnx")
    ns, text = run_doc("exchange.md", min_blocks=6)
    out = capsys.readouterr().out
    assert "['0.weight', '0.bias', '2.weight', '2.bias']" in out
    assert "it looks like CSV" in out and "3 0.1" in out and "{'epoch': '3'}" in out
    assert "['0.bias', '0.weight']" in out
    assert "reseau export runs/x/model.npz --to onnx" in text
