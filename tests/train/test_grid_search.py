"""grid_search: the table (order, CSV), parallel = sequential, the test set scored once
for the chosen configuration only, refit on train + dev, reseeding, errors; and the
examples of docs/grid_search.md, among them the same search on a local Dask cluster,
which must give the same table."""

import csv
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("joblib")
pytest.importorskip("sklearn")

from sklearn.exceptions import ConvergenceWarning  # noqa: E402

import reseau  # noqa: E402
from reseau import nn, optim  # noqa: E402
from reseau.backend import default_generator  # noqa: E402
from reseau.data import circles, train_val_test_split  # noqa: E402
from reseau.sklearn import MLPClassifier  # noqa: E402
from reseau.train import accuracy, fit, grid_search, predict  # noqa: E402
from reseau.train.grid_search import expand_grid  # noqa: E402

TIMING = "fit_time"


@pytest.fixture(autouse=True)
def _no_convergence_noise():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


@pytest.fixture(scope="module")
def splits():
    X, y = circles(240, noise=0.1, seed=0, as_tensor=False)
    return train_val_test_split(X, y, (0.6, 0.2, 0.2), stratify=True, seed=0)


def build_mlp(hidden, lr):
    # random_state=None: the weights come from reseau's generator, which grid_search
    # reseeds before each configuration
    return MLPClassifier((hidden,), activation="tanh", learning_rate_init=lr, max_iter=60)


GRID = {"hidden": [1, 4], "lr": [0.01, 0.1]}


def _without_timing(table):
    return [{k: v for k, v in row.items() if k != TIMING} for row in table]


def test_table_is_sorted_by_dev_score_and_complete(splits):
    train, dev, test = splits
    result = grid_search(build_mlp, GRID, train, dev, test)
    assert result.params == ["hidden", "lr"]
    assert len(result.table) == 4
    assert {(r["hidden"], r["lr"]) for r in result.table} == {(1, 0.01), (1, 0.1), (4, 0.01),
                                                               (4, 0.1)}
    dev_scores = [r["dev_score"] for r in result.table]
    assert dev_scores == sorted(dev_scores, reverse=True)
    best = result.table[0]
    assert result.best_params == {"hidden": best["hidden"], "lr": best["lr"]}
    assert result.best_score == best["dev_score"]
    # the chosen model is the one of the search: its dev score is the table's
    assert result.best_model.score(*dev) == best["dev_score"]
    assert result.best_model.score(*train) == best["train_score"]
    assert result.test_score == result.best_model.score(*test)
    assert all(r[TIMING] > 0 for r in result.table)
    # one tanh unit draws a line through a disc and a ring: four do much better (seed 0,
    # PyTorch's streams: 72.9% against at most 43.8%; 60 epochs leave them unconverged)
    one_unit = max(r["dev_score"] for r in result.table if r["hidden"] == 1)
    assert best["hidden"] == 4 and best["dev_score"] > 0.7
    assert best["dev_score"] > one_unit + 0.2


def test_parallel_gives_the_same_table_as_sequential(splits):
    train, dev, test = splits
    one = grid_search(build_mlp, GRID, train, dev, test, n_jobs=1)
    two = grid_search(build_mlp, GRID, train, dev, test, n_jobs=2)
    assert _without_timing(two.table) == _without_timing(one.table)
    assert two.best_params == one.best_params and two.test_score == one.test_score
    np.testing.assert_array_equal(two.best_model.coefs_[0], one.best_model.coefs_[0])


def test_test_set_is_scored_once_and_only_for_the_chosen_model(splits):
    train, dev, test = splits
    calls = []

    def score(model, X, y):
        calls.append(("test" if X is test[0] else "dev" if X is dev[0] else "train",
                      model.hidden_layer_sizes, model.learning_rate_init))
        return model.score(X, y)

    result = grid_search(build_mlp, GRID, train, dev, test, score=score, n_jobs=1)
    test_calls = [c for c in calls if c[0] == "test"]
    best = result.best_params
    assert test_calls == [("test", (best["hidden"],), best["lr"])]
    assert sorted(c[1:] for c in calls if c[0] == "dev") == sorted(
        ((h,), lr) for h in GRID["hidden"] for lr in GRID["lr"])
    # in parallel the workers never see the test set; the main process scores it once
    calls.clear()
    grid_search(build_mlp, GRID, train, dev, test, score=score, n_jobs=2)
    assert [c[0] for c in calls] == ["test"]


def test_refit_trains_the_best_on_train_plus_dev(splits):
    train, dev, test = splits
    sizes = []

    def fit_recording(model, X, y):
        sizes.append(len(X))
        return model.fit(X, y)

    result = grid_search(build_mlp, GRID, train, dev, test, fit=fit_recording, refit=True,
                         n_jobs=1)
    assert sizes == [len(train[0])] * 4 + [len(train[0]) + len(dev[0])]
    assert result.refit and result.test_score == result.best_model.score(*test)
    # the refit model is a new one: its weights differ from the search's
    search = grid_search(build_mlp, GRID, train, dev, n_jobs=1)
    assert search.test_score is None
    assert not np.array_equal(search.best_model.coefs_[0], result.best_model.coefs_[0])
    assert _without_timing(search.table) == _without_timing(result.table)


def test_csv_round_trip_and_text_table(splits, tmp_path):
    train, dev, _ = splits
    path = tmp_path / "table.csv"
    result = grid_search(build_mlp, GRID, train, dev, csv_path=path)
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["hidden", "lr", "dev_score", "train_score", "fit_time"]
    assert [(int(r["hidden"]), float(r["lr"]), float(r["dev_score"])) for r in rows] == [
        (r["hidden"], r["lr"], r["dev_score"]) for r in result.table]
    assert [p.name for p in tmp_path.iterdir()] == ["table.csv"]  # no temporary file left
    lines = str(result).splitlines()
    assert lines[0].split() == ["hidden", "lr", "dev_score", "train_score", "fit_time"]
    assert lines[1].startswith("*") and len(lines) == 5
    assert f"{result.best_score:.4f}" in lines[1]


def test_modules_trained_by_fit_are_reproducible_in_parallel(splits):
    """A plain nn.MLP drawn from reseau's generator, trained by reseau.train.fit."""
    train, dev, _ = splits

    def build(hidden):
        return nn.MLP([2, hidden, 2], activation="tanh")

    def train_module(model, X, y):
        fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.3), (X, y),
            epochs=60, batch_size=16, log_every=None)
        return model

    def score(model, X, y):
        return accuracy(y, predict(model, X.astype(np.float32)))

    args = (build, {"hidden": [2, 6]}, train, dev)
    one = grid_search(*args, fit=train_module, score=score, n_jobs=1)
    two = grid_search(*args, fit=train_module, score=score, n_jobs=2)
    assert _without_timing(one.table) == _without_timing(two.table)
    assert one.best_params == {"hidden": 6} and one.best_score > 0.85


def test_callers_generator_is_left_alone(splits):
    train, dev, _ = splits
    reseau.manual_seed(5)
    state = np.array(default_generator().get_state())
    grid_search(build_mlp, {"hidden": [2], "lr": [0.1]}, train, dev, n_jobs=1)  # seed 0
    np.testing.assert_array_equal(np.array(default_generator().get_state()), state)


class _Constant:
    """A model whose score is given: to test the ordering of the table without training."""

    def __init__(self, value, tag):
        self.value = value

    def fit(self, X, y):
        return self

    def score(self, X, y):
        return self.value


def test_ties_keep_the_grid_order_and_nan_scores_come_last(splits):
    train, dev, _ = splits
    grid = [{"value": [0.5], "tag": ["first"]}, {"value": [float("nan")], "tag": ["nan"]},
            {"value": [0.9], "tag": ["best"]}, {"value": [0.5], "tag": ["second"]}]
    result = grid_search(_Constant, grid, train, dev, n_jobs=1)
    assert [r["tag"] for r in result.table] == ["best", "first", "second", "nan"]
    assert result.best_params == {"value": 0.9, "tag": "best"} and result.best_score == 0.9
    assert str(result).splitlines()[-1].split()[2:4] == ["nan", "nan"]


def test_expand_grid_order_and_lists_of_grids():
    assert expand_grid({"a": [1, 2], "b": ["x", "y"]}) == [
        {"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 2, "b": "x"}, {"a": 2, "b": "y"}]
    assert expand_grid([{"a": [1]}, {"b": (3, 4)}]) == [{"a": 1}, {"b": 3}, {"b": 4}]


@pytest.mark.parametrize("grid, error, match", [
    ({"lr": 0.1}, TypeError, r"param_grid\['lr'\] must be a list of values, got 0.1; "
                             r"write \[0.1\]"),
    ({"act": "tanh"}, TypeError, r"write \['tanh'\]"),
    ({"lr": []}, ValueError, r"param_grid\['lr'\] is empty"),
    ([], TypeError, "param_grid must be a dict of lists"),
])
def test_bad_grids_are_explained(grid, error, match):
    with pytest.raises(error, match=match):
        expand_grid(grid)


def test_bad_data_and_failing_configuration(splits):
    train, dev, _ = splits
    with pytest.raises(ValueError, match="dev has 48 inputs but 47 targets"):
        grid_search(build_mlp, GRID, train, (dev[0], dev[1][:-1]))
    with pytest.raises(TypeError, match="train must be a pair"):
        grid_search(build_mlp, GRID, train[0], dev)
    with pytest.raises(ValueError, match="learning_rate_init must be a number > 0") as info:
        grid_search(build_mlp, {"hidden": [2], "lr": [-1.0]}, train, dev, n_jobs=1)
    if hasattr(info.value, "__notes__"):
        assert "configuration {'hidden': 2, 'lr': -1.0}" in info.value.__notes__[0]


# ------------------------------------------------------------- the user guide
_NUMBER = re.compile(r"-?\d+\.?\d*")


def _comparable(text: str) -> str:
    """The text without the fit_time column (seconds differ from run to run)."""
    lines = text.splitlines()
    if lines and lines[0].rstrip().endswith("fit_time"):
        return "\n".join([lines[0]] + [re.sub(r"\s+[\d.]+$", "", ln) for ln in lines[1:]])
    return text


def test_user_guide_examples_print_what_it_shows(capsys, tmp_path, monkeypatch):
    """Runs the guide's examples, the local Dask cluster included (distributed is part
    of the 'sklearn' extra)."""
    pytest.importorskip("distributed")
    monkeypatch.chdir(tmp_path)
    text = (Path(__file__).resolve().parents[2] / "docs" / "grid_search.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    shown = re.findall(r"```text\n(.*?)```", text, re.S)
    assert len(blocks) == 3 and len(shown) == 3
    namespace = {"__name__": "__main__"}
    printed = []
    for i, code in enumerate(blocks):  # in order, sharing one namespace like a script
        exec(compile(code, f"docs/grid_search.md, block {i}", "exec"), namespace)
        printed.append(capsys.readouterr().out)
    for want, got in zip(shown, printed):
        want, got = _comparable(want), _comparable(got)
        assert _NUMBER.split(want) == _NUMBER.split(got), got
        for a, b in zip(_NUMBER.findall(want), _NUMBER.findall(got)):
            assert abs(float(a) - float(b)) <= 0.03, got  # another BLAS, another last digit
    assert (tmp_path / "hidden_size.csv").read_text().startswith("hidden,lr,dev_score")


def test_docstring_example():
    import doctest
    import importlib

    # (the attribute reseau.train.grid_search is the function; the module is imported)
    result = doctest.testmod(importlib.import_module("reseau.train.grid_search"))
    assert result.attempted > 0 and result.failed == 0
