"""Reading IDX files, the format of MNIST and Fashion-MNIST.

An IDX file is a big-endian header followed by the raw values, row-major:

- 2 zero bytes, then 1 byte for the value type and 1 byte for the number of
  dimensions ``d`` (together the "magic number", e.g. ``0x00000803`` for uint8 images);
- ``d`` unsigned 32-bit big-endian integers: the size of each dimension;
- the values, ``prod(sizes)`` of them, big-endian.

MNIST's files are gzip-compressed; ``read_idx`` reads both compressed and plain files.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

__all__ = ["read_idx"]

#: IDX type byte -> big-endian NumPy dtype
IDX_DTYPES = {
    0x08: np.dtype(">u1"), 0x09: np.dtype(">i1"), 0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8"),
}


def read_idx(path) -> np.ndarray:
    """Read an IDX file (gzip-compressed or not) into a NumPy array.

    Parameters
    ----------
    path : str or os.PathLike
        The file, e.g. ``train-images-idx3-ubyte.gz``.

    Returns
    -------
    numpy.ndarray
        Shape given by the header, native byte order; MNIST gives uint8 images
        ``(N, 28, 28)`` and uint8 labels ``(N,)``.

    Raises
    ------
    ValueError
        When the file is not IDX or is truncated (the message names the file).
    """
    path = Path(os.fspath(path))
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":  # the gzip signature
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as err:
            raise ValueError(
                f"read_idx: {path} looks gzip-compressed but cannot be decompressed ({err}); "
                "the file is probably truncated or corrupted: delete it and download it again"
            ) from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in IDX_DTYPES:
        raise ValueError(
            f"read_idx: {path} is not an IDX file: it should start with two zero bytes, a "
            f"type byte in {sorted(hex(k) for k in IDX_DTYPES)} and a dimension count; it "
            f"starts with {raw[:4].hex() or 'nothing (empty file)'}"
        )
    dtype, ndim = IDX_DTYPES[raw[2]], raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(
            f"read_idx: {path} is truncated: its header announces {ndim} dimensions but the "
            f"file has only {len(raw)} bytes"
        )
    shape = tuple(int(s) for s in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) != expected:
        raise ValueError(
            f"read_idx: {path} should hold {expected} bytes for values of shape {shape} "
            f"({dtype.name}) but has {len(raw)}; the file is "
            f"{'truncated' if len(raw) < expected else 'longer than its header says'}"
        )
    values = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return values.astype(dtype.newbyteorder("="))
