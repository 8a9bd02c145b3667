"""load_csv: targets, feature selection, and errors that name the column and the row."""

import numpy as np
import pytest

import reseau
from reseau.data import load_csv


@pytest.fixture
def write(tmp_path):
    def make(text, name="data.csv", encoding="utf-8"):
        path = tmp_path / name
        path.write_text(text, encoding=encoding)
        return path
    return make


def test_class_labels_become_int64(write):
    path = write("x1,x2,label\n0.5,1,1\n-2,3e-1,0\n4,5,2\n")
    X, y = load_csv(path, target="label")
    assert isinstance(X, reseau.Tensor) and X.dtype == np.float32 and X.shape == (3, 2)
    np.testing.assert_allclose(X.numpy(), [[0.5, 1.0], [-2.0, 0.3], [4.0, 5.0]])
    assert y.dtype == np.int64 and y.tolist() == [1, 0, 2]


def test_real_targets_become_a_float32_column(write):
    path = write("price,size\n1.5,10\n2.25,20\n")
    X, y = load_csv(path, target="price", as_tensor=False)
    assert isinstance(X, np.ndarray) and X.tolist() == [[10.0], [20.0]]
    assert y.dtype == np.float32 and y.tolist() == [[1.5], [2.25]]
    _, y = load_csv(write("t,a\n1,0\n2,0\n", "ints.csv"), target="t", target_dtype="float32",
                    as_tensor=False)
    assert y.dtype == np.float32 and y.shape == (2, 1)


def test_features_are_chosen_and_ordered(write):
    path = write("a,b,c,y\n1,2,3,0\n4,5,6,1\n")
    X, _ = load_csv(path, target="y", features=["c", "a"], as_tensor=False)
    assert X.tolist() == [[3.0, 1.0], [6.0, 4.0]]


def test_no_target_reads_features_only(write):
    X, y = load_csv(write("a,b\n1,2\n"), target=None)
    assert y is None and X.tolist() == [[1.0, 2.0]]


def test_quotes_blank_lines_bom_semicolons_and_spaces(write):
    path = write('\ufeff"a" ; b ;y\n\n "1.5" ; 2 ;1\n\n3;4;0\n', "euro.csv")
    X, y = load_csv(path, target="y", delimiter=";", as_tensor=False)
    assert X.tolist() == [[1.5, 2.0], [3.0, 4.0]] and y.tolist() == [1, 0]


def test_text_that_is_not_a_number_names_column_and_row(write):
    path = write("age,height,label\n30,1.80,0\n41,tall,1\n")
    with pytest.raises(ValueError, match=r"column 'height', row 2 \(line 3\): 'tall' is not a "
                                         r"number"):
        load_csv(path, target="label")


@pytest.mark.parametrize("missing", ["", "NA", "nan", "?", "null"])
def test_missing_values_name_column_and_row(write, missing):
    path = write(f"a,b,label\n1,2,0\n3,4,1\n5,{missing},1\n")
    with pytest.raises(ValueError, match=r"column 'b', row 3 \(line 4\): missing value"):
        load_csv(path, target="label")


def test_missing_target_value_is_an_error_too(write):
    path = write("a,label\n1,0\n2,\n")
    with pytest.raises(ValueError, match=r"column 'label', row 2 \(line 3\): missing value"):
        load_csv(path, target="label")


def test_infinite_values_are_refused(write):
    with pytest.raises(ValueError, match=r"column 'a', row 1 \(line 2\): 'inf' is not a finite"):
        load_csv(write("a,y\ninf,0\n"), target="y")


def test_row_with_the_wrong_number_of_fields(write):
    with pytest.raises(ValueError, match=r"row 2 \(line 3\) has 2 fields but the header names "
                                         r"3 columns"):
        load_csv(write("a,b,y\n1,2,0\n1,2\n"), target="y")


def test_unknown_column_suggests_the_closest_name(write):
    path = write("sepal_length,sepal_width,species\n1,2,0\n")
    with pytest.raises(ValueError, match=r"no column 'specie' .* Did you mean 'species'\?"):
        load_csv(path, target="specie")
    with pytest.raises(ValueError, match=r"no column 'petal' \(asked for as the feature\)"):
        load_csv(path, target="species", features=["petal"])


def test_empty_files_and_other_mistakes(write, tmp_path):
    with pytest.raises(FileNotFoundError, match="no file at"):
        load_csv(tmp_path / "nope.csv", target="y")
    with pytest.raises(ValueError, match="is empty"):
        load_csv(write("", "empty.csv"), target="y")
    with pytest.raises(ValueError, match="no data rows"):
        load_csv(write("a,y\n", "header.csv"), target="y")
    with pytest.raises(ValueError, match=r"duplicate column names \['a'\]"):
        load_csv(write("a,a,y\n1,2,3\n", "dup.csv"), target="y")
    with pytest.raises(ValueError, match="both the target and a feature"):
        load_csv(write("a,y\n1,2\n", "both.csv"), target="y", features=["a", "y"])
