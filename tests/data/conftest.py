"""Fixtures of the reseau.data tests: tiny IDX files written byte by byte (the real files
come from the ``test_data`` and ``mnist_dir`` fixtures of tests/conftest.py)."""

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

_TYPE_BYTES = {np.dtype(np.uint8): 0x08, np.dtype(np.int8): 0x09, np.dtype(np.int16): 0x0B,
               np.dtype(np.int32): 0x0C, np.dtype(np.float32): 0x0D,
               np.dtype(np.float64): 0x0E}


def idx_bytes(array: np.ndarray) -> bytes:
    """The IDX encoding of ``array``, written here independently of reseau's reader:
    two zero bytes, the type byte, the number of dimensions, the sizes as big-endian
    uint32, then the big-endian values."""
    array = np.asarray(array)
    header = bytes([0, 0, _TYPE_BYTES[array.dtype], array.ndim])
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


@pytest.fixture
def write_idx():
    """``write_idx(path, array)``: write an IDX file, gzip'd when the name ends in .gz."""

    def write(path, array) -> Path:
        path = Path(path)
        raw = idx_bytes(array)
        path.write_bytes(gzip.compress(raw) if path.suffix == ".gz" else raw)
        return path

    return write


@pytest.fixture
def tiny_mnist(tmp_path, write_idx):
    """A folder holding the four MNIST file names with tiny contents: 6 training images
    and 4 test images of 28x28 pixels, with known pixels and labels."""
    folder = tmp_path / "tiny"
    folder.mkdir()
    rng = np.random.default_rng(0)
    sets = {}
    for prefix, n in (("train", 6), ("t10k", 4)):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = (np.arange(n) * 3 % 10).astype(np.uint8)
        write_idx(folder / f"{prefix}-images-idx3-ubyte.gz", images)
        write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", labels)
        sets[prefix] = (images, labels)
    return folder, sets
