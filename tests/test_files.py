"""reseau.files: atomic writes keep the old file on failure, leave no temporary file, and
give the final file the permissions of the umask."""

import os
import stat

import numpy as np
import pytest

from reseau import files


@pytest.fixture
def umask():
    """Set the process umask for one test, then put the old one back."""
    old = os.umask(0o022)
    yield os.umask
    os.umask(old)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_final_file_follows_the_umask(tmp_path, umask, mask, mode):
    umask(mask)
    for i, write in enumerate([
        lambda p: files.atomic_write_bytes(p, b"x"),
        lambda p: files.atomic_write_text(p, "x"),
    ]):
        path = tmp_path / f"f{i}"
        write(path)
        assert stat.S_IMODE(path.stat().st_mode) == mode
        path.chmod(0o400)          # replacing a read-only file gives the umask's mode too
        write(path)
        assert stat.S_IMODE(path.stat().st_mode) == mode


def test_writes_replace_the_content_and_return_the_path(tmp_path):
    path = tmp_path / "a.txt"
    assert files.atomic_write_text(str(path), "héllo\n") == path
    assert path.read_bytes() == "héllo\n".encode("utf-8")
    assert files.atomic_write_bytes(path, b"\x00\x01") == path
    assert path.read_bytes() == b"\x00\x01"
    with files.atomic_open(path, "w") as f:
        f.write("text é")
    assert path.read_text(encoding="utf-8") == "text é"
    with files.atomic_open(tmp_path / "a.npz") as f:
        np.savez(f, w=np.arange(3))
    with np.load(tmp_path / "a.npz") as archive:
        np.testing.assert_array_equal(archive["w"], [0, 1, 2])
    assert sorted(os.listdir(tmp_path)) == ["a.npz", "a.txt"]


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_a_failing_writer_leaves_the_old_file_and_no_temporary(tmp_path, error):
    path = tmp_path / "keep.txt"
    path.write_text("old")

    with pytest.raises(error):
        with files.atomic_open(path) as f:
            f.write(b"half a file")
            raise error("boom")
    with pytest.raises(error):
        with files.atomic_path(path) as tmp:
            tmp.write_text("half")
            raise error("boom")
    assert path.read_text() == "old"
    assert os.listdir(tmp_path) == ["keep.txt"]


def test_a_writer_that_never_creates_the_file_is_cleaned_up(tmp_path):
    # a writer that removes its output (or never writes) fails at the rename, cleanly
    with pytest.raises(FileNotFoundError):
        with files.atomic_path(tmp_path / "x") as tmp:
            tmp.unlink()
    assert os.listdir(tmp_path) == []


def test_missing_folder_and_bad_mode_are_explained(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist; create it first"):
        files.atomic_write_text(tmp_path / "nowhere" / "f.txt", "x")
    with pytest.raises(ValueError, match="mode must be 'wb' or 'w', got 'a'"):
        with files.atomic_open(tmp_path / "f", "a"):
            pass
    assert os.listdir(tmp_path) == []


def test_docstring_examples_run():
    import doctest

    result = doctest.testmod(files)
    assert result.attempted >= 3 and result.failed == 0


def test_a_writer_that_replaces_the_temporary_file_still_gets_the_umask(tmp_path):
    # the safetensors package writes its file with mode 0o600 whatever the umask says
    old = os.umask(0o022)
    try:
        with files.atomic_path(tmp_path / "w.bin") as tmp:
            tmp.unlink()
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT, 0o600)
            os.write(fd, b"data")
            os.close(fd)
    finally:
        os.umask(old)
    assert (tmp_path / "w.bin").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "w.bin").read_bytes() == b"data"
