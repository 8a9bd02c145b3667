"""Make the local mirrors the verbatim port corpus reads (``test_upstream.py``): a bare,
blob-less clone of each repository of ``upstream.json`` from GitHub, then the blobs the
corpus needs (each file, data file and licence at its recorded commit).

    python tests/ports/clone_upstream.py DEST     # then RESEAU_UPSTREAM_MIRRORS=DEST

Nothing of these repositories is stored in ours: CI clones them before the tests. A
repository that cannot be cloned (no network) or lacks a recorded file is left out, and
its entries skip. Always exits 0.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

MANIFEST = Path(__file__).with_name("upstream.json")


def _git(*args: str, timeout: float = 300) -> bool:
    try:
        done = subprocess.run(["git", *args], capture_output=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def needed_files(manifest: dict) -> dict[str, set[tuple[str, str]]]:
    """repo -> the (commit, path) pairs the corpus reads from it."""
    need: dict[str, set[tuple[str, str]]] = {}
    for repo, info in manifest["repos"].items():
        need.setdefault(repo, set()).add((info["commit"], info["licence_file"]))
    for entry in manifest["entries"]:
        need.setdefault(entry["repo"], set()).add((entry["commit"], entry["path"]))
        for data in entry.get("data", []):
            need.setdefault(data["repo"], set()).add((data["commit"], data["path"]))
    return need


def clone(repo: str, files: set[tuple[str, str]], dest: Path) -> bool:
    where = dest / repo.replace("/", "+") / "repo"
    if where.is_dir():
        shutil.rmtree(where)
    url = f"https://github.com/{repo}.git"
    ok = _git("clone", "--quiet", "--bare", "--filter=blob:none", url, str(where))
    for commit, path in sorted(files):
        ok = ok and _git("-C", str(where), "show", f"{commit}:{path}", timeout=120)
    if not ok and where.exists():
        shutil.rmtree(where.parent)
    return ok


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__)
        return 0
    dest = Path(argv[0])
    dest.mkdir(parents=True, exist_ok=True)
    manifest = json.loads(MANIFEST.read_text())
    for repo, files in needed_files(manifest).items():
        ok = clone(repo, files, dest)
        print(f"{repo}: {'mirrored' if ok else 'not available (its entries will skip)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
