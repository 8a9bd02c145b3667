"""read_idx on tiny IDX files written by the test, compressed and not, and on broken ones."""

import gzip

import numpy as np
import pytest

from reseau.data import read_idx


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16", "int32", "float32", "float64"])
@pytest.mark.parametrize("name", ["values.idx", "values.idx.gz"])
def test_round_trip_of_every_idx_type(tmp_path, write_idx, dtype, name):
    values = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    if dtype == "uint8":
        values = np.arange(24, dtype=np.uint8).reshape(2, 3, 4) * 10
    out = read_idx(write_idx(tmp_path / name, values))
    assert out.dtype == np.dtype(dtype) and out.dtype.isnative
    np.testing.assert_array_equal(out, values)


def test_labels_file_is_one_dimensional(tmp_path, write_idx):
    out = read_idx(write_idx(tmp_path / "labels.gz", np.array([7, 2, 1, 0], np.uint8)))
    assert out.shape == (4,)
    assert out.tolist() == [7, 2, 1, 0]


def test_header_is_read_big_endian(tmp_path):
    # 1 x 2 x 256 int16 values: the size 256 and the values must be read big-endian
    raw = bytes([0, 0, 0x0B, 3]) + (1).to_bytes(4, "big") + (2).to_bytes(4, "big")
    raw += (256).to_bytes(4, "big") + b"".join(v.to_bytes(2, "big", signed=True)
                                              for v in range(-256, 256))
    (tmp_path / "f.idx").write_bytes(raw)
    out = read_idx(tmp_path / "f.idx")
    assert out.shape == (1, 2, 256)
    assert out[0, 0, 0] == -256 and out[0, 1, -1] == 255


def test_not_an_idx_file_is_refused_with_its_name(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello world")
    with pytest.raises(ValueError, match=r"notes\.txt is not an IDX file"):
        read_idx(path)


def test_empty_file_is_refused(tmp_path):
    path = tmp_path / "empty.idx"
    path.write_bytes(b"")
    with pytest.raises(ValueError, match="empty file"):
        read_idx(path)


def test_truncated_values_are_refused(tmp_path, write_idx):
    # header: 4 bytes + 2 sizes of 4 bytes = 12; values: 3 * 4 = 12; total 24
    path = write_idx(tmp_path / "cut.idx", np.zeros((3, 4), np.uint8))
    path.write_bytes(path.read_bytes()[:-1])
    with pytest.raises(ValueError, match=r"should hold 24 bytes .* has 23; the file is truncated"):
        read_idx(path)


def test_extra_bytes_are_refused(tmp_path, write_idx):
    path = write_idx(tmp_path / "long.idx", np.zeros((3, 4), np.uint8))
    path.write_bytes(path.read_bytes() + b"\x00")
    with pytest.raises(ValueError, match="longer than its header says"):
        read_idx(path)


def test_truncated_gzip_is_refused(tmp_path, write_idx):
    path = write_idx(tmp_path / "cut.idx.gz", np.arange(100, dtype=np.uint8))
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(ValueError, match="cannot be decompressed"):
        read_idx(path)


def test_compressed_detection_uses_content_not_name(tmp_path, write_idx):
    # a gzip'd file without the .gz suffix is still read
    path = tmp_path / "renamed.idx"
    path.write_bytes(gzip.compress(write_idx(tmp_path / "plain.idx",
                                             np.array([4, 5], np.uint8)).read_bytes()))
    assert read_idx(path).tolist() == [4, 5]
