"""Issue 17, item 8: what reseau writes follows the umask like any other file, so that
shared run folders and lab reports are readable by the group (or by nobody else) as the
user's umask says: files ``0o666 & ~umask``, folders ``0o777 & ~umask``.

Atomic writes go through a temporary file, which ``tempfile`` would create ``0o600``;
these tests look at every file and folder of a real run folder and a real lab report."""

import os
import stat

import pytest

from reseau.cli import main

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")

MASKS = [(0o022, 0o644, 0o755), (0o002, 0o664, 0o775), (0o077, 0o600, 0o700)]


@pytest.fixture
def umask():
    """Set the process umask for one test, then put the old one back."""
    old = os.umask(0o022)
    yield os.umask
    os.umask(old)


def modes(top):
    """{path relative to top: permission bits} of top and everything under it."""
    found = {".": stat.S_IMODE(os.stat(top).st_mode)}
    for folder, dirs, files in os.walk(top):
        for name in dirs + files:
            path = os.path.join(folder, name)
            found[os.path.relpath(path, top)] = stat.S_IMODE(os.lstat(path).st_mode)
    return found


def check(top, file_mode, dir_mode, expect_files):
    found = modes(top)
    names = {os.path.basename(p) for p in found}
    assert expect_files <= names, f"missing {expect_files - names}"
    for rel, mode in found.items():
        want = dir_mode if os.path.isdir(os.path.join(top, rel)) else file_mode
        assert mode == want, f"{rel}: mode {oct(mode)}, the umask gives {oct(want)}"


@pytest.mark.parametrize("mask, file_mode, dir_mode", MASKS)
def test_run_folder_follows_the_umask(tmp_path, umask, capsys, mask, file_mode, dir_mode):
    pytest.importorskip("matplotlib")
    umask(mask)
    out = tmp_path / "runs" / "first"  # runs/ does not exist yet: made with the umask too
    assert main(["train", "--samples", "40", "--epochs", "2", "--out", str(out)]) == 0
    capsys.readouterr()
    check(tmp_path / "runs", file_mode, dir_mode,
          {"model.npz", "history.csv", "metrics.json", "config.toml", "learning_curve.png"})


@pytest.mark.parametrize("mask, file_mode, dir_mode", MASKS[:2])
def test_lab_report_follows_the_umask(tmp_path, umask, mask, file_mode, dir_mode):
    pytest.importorskip("matplotlib")
    from reseau.labs.report import Report, new_figure

    umask(mask)
    report = Report(tmp_path / "reports" / "lab", "A lab")
    report.text("Some text.")
    fig, axes = new_figure(1, 1)
    axes[0, 0].plot([0, 1], [1, 0])
    report.figure(fig, "curve", "A curve.")
    report.results["value"] = 1.0
    path = report.write()
    assert path.name == "report.md"
    check(tmp_path / "reports", file_mode, dir_mode, {"report.md", "results.json", "curve.png"})
