"""Atomic file writes: a file is either the old one or the complete new one, never half.

Every writer of reseau (models, reports, histories, run folders) goes through this module.
The new content is written to a temporary file in the target's folder, flushed to disk
(``fsync``), then renamed over the target with ``os.replace`` (atomic on POSIX and
Windows when both names are in the same folder). On any error, Ctrl-C included, the
temporary file is removed and the target is left as it was.

The final file gets the permissions of a file made by ``open(path, "w")``: ``0o666``
masked by the process's umask (``tempfile.mkstemp`` would give ``0o600``).

This is a leaf module: it imports nothing from reseau.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path
from typing import IO, Iterator

__all__ = ["atomic_path", "atomic_open", "atomic_write_bytes", "atomic_write_text"]


def _create_temporary(path: Path) -> Path:
    """A new empty file next to ``path``, created with mode 0o666 so that the kernel
    applies the umask (reading the umask would mean setting it, which races with
    threads)."""
    folder = path.parent
    if not folder.is_dir():
        raise FileNotFoundError(
            f"cannot write {path}: the folder {folder} does not exist; create it first"
        )
    while True:
        tmp = folder / f".{path.name}.{secrets.token_hex(6)}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:  # a name drawn twice: draw again
            continue
        os.close(fd)
        return tmp


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable; not possible on every system (Windows), where the
    rename is still atomic, only not yet flushed."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_path(path) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` for a writer that takes a file name
    (``fig.savefig(tmp)``); when the block ends without error the file is flushed to
    disk and renamed over ``path``, otherwise removed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "notes.txt"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("done")
    >>> target.read_text()
    'done'
    """
    path = Path(os.fspath(path))
    tmp = _create_temporary(path)
    mode = os.stat(tmp).st_mode & 0o777  # 0o666 & ~umask, as the kernel made it
    try:
        yield tmp
        # a writer may replace the file by its own (the safetensors package writes 0o600)
        if os.stat(tmp).st_mode & 0o777 != mode:
            os.chmod(tmp, mode)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_folder(path.parent)


@contextlib.contextmanager
def atomic_open(path, mode: str = "wb", encoding: str | None = None) -> Iterator[IO]:
    """Yield an open temporary file for a writer that takes a file object
    (``np.savez(f, ...)``, ``json.dump(obj, f)``); ``path`` is replaced when the block
    ends without error. ``mode`` is ``"wb"`` or ``"w"`` (text, UTF-8 unless ``encoding``
    says otherwise)."""
    if mode not in ("wb", "w"):
        raise ValueError(f"atomic_open: mode must be 'wb' or 'w', got {mode!r}")
    if mode == "w" and encoding is None:
        encoding = "utf-8"
    with atomic_path(path) as tmp, open(tmp, mode, encoding=encoding) as f:
        yield f


def atomic_write_bytes(path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; returns ``path`` as a Path."""
    path = Path(os.fspath(path))
    with atomic_open(path, "wb") as f:
        f.write(data)
    return path


def atomic_write_text(path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (UTF-8 by default); returns ``path`` as a
    Path."""
    return atomic_write_bytes(path, text.encode(encoding))
