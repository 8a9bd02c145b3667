"""docs/extending.md: adding an activation, a loss and an optimizer is one decorated class,
and the examples run; they leave the name tables as they found them."""

from reseau.registry import ACTIVATIONS, DATASETS, INITIALISERS, LOSSES, OPTIMIZERS, SCHEDULES

TABLES = (ACTIVATIONS, LOSSES, OPTIMIZERS, INITIALISERS, SCHEDULES, DATASETS)


def test_the_adding_examples_run_and_clean_up(capsys, run_doc):
    before = [table.names() for table in TABLES]
    try:
        ns, text = run_doc("extending.md", min_blocks=9)
    finally:  # a failing example must not leave its names to the other tests
        for table, names in zip(TABLES, before):
            for name in set(table.names()) - set(names):
                table.unregister(name)
    assert [table.names() for table in TABLES] == before
    for title in ("## Adding an activation", "## Adding a loss", "## Adding an optimizer"):
        assert title in text
    printed = capsys.readouterr().out
    assert "['Linear', 'Square', 'Linear']" in printed and "did you mean 'square'?" in printed
    assert "Training [2, 4, 2] (square) on circles" in printed  # the command knows the name
    assert ns["SignSGD"].__mro__[1].__name__ == "Optimizer"
