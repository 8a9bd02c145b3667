"""The examples of docs/viz.md run, in order, and write the files they name."""

import re


def test_viz_doc_examples_run(tmp_path, monkeypatch, capsys, run_doc):
    monkeypatch.chdir(tmp_path)
    ns, text = run_doc("viz.md", min_blocks=7)
    out = capsys.readouterr().out
    # the DOT text shown on the page is the one printed (up to its "...")
    shown = re.search(r"```\n(digraph computational_graph \{.*?)\n  \.\.\.\n```", text, re.S)
    assert shown.group(1) in out
    for name in ("graph.png", "graph.svg", "mlp_graph.png", "circles.png", "svm.png", "history.png",
                 "activations.png", "saddle.png", "landscape.png", "weights.png"):
        assert (tmp_path / name).stat().st_size > 1000, name


def test_docstring_examples_run():
    import doctest

    import reseau.viz.graph
    import reseau.viz.plots

    for mod in (reseau.viz.graph, reseau.viz.plots):
        result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
        assert result.attempted > 0 and result.failed == 0, mod.__name__
