"""Downloading data files into a cache folder, safely.

- The cache folder is ``$RESEAU_DATA`` when that variable is set, else the user's cache
  directory: ``~/.cache/reseau`` on Linux (or ``$XDG_CACHE_HOME/reseau``),
  ``~/Library/Caches/reseau`` on macOS, ``%LOCALAPPDATA%\\reseau\\Cache`` on Windows.
- A file is written to a temporary file in the destination folder and moved into place
  with ``os.replace`` only once complete and checked: an interrupted download never
  leaves a half file under the real name.
- Its MD5 is compared with the expected one; a file that fails the check is deleted,
  never kept, and the next mirror is tried.
"""

from __future__ import annotations

import hashlib
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

from ..files import atomic_open

__all__ = ["DownloadError", "cache_dir", "download_file", "md5sum"]

_CHUNK = 1 << 20


class DownloadError(RuntimeError):
    """No mirror gave a good copy of a file (unreachable, or failed its checksum)."""


def cache_dir() -> Path:
    """The folder where reseau keeps downloaded data sets: ``$RESEAU_DATA`` if set, else
    the user's cache directory (see the module docstring). It may not exist yet."""
    env = os.environ.get("RESEAU_DATA")
    if env:
        return Path(env).expanduser()
    home = Path.home()
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local"
        return Path(local) / "reseau" / "Cache"
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "reseau"
    return Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache") / "reseau"


def md5sum(path) -> str:
    """The MD5 of a file, as 32 hexadecimal digits."""
    digest = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _fetch(url: str, path: Path, md5: str | None, timeout: float) -> None:
    """Download ``url`` to ``path`` through a temporary file in the same folder."""
    request = urllib.request.Request(url, headers={"User-Agent": "reseau"})
    # atomic_open: whatever happens (bad checksum, network error, Ctrl-C), no partial
    # file stays and an earlier good copy at ``path`` is left as it was
    with atomic_open(path, "wb") as out, urllib.request.urlopen(request, timeout=timeout) as r:
        digest = hashlib.md5()
        for chunk in iter(lambda: r.read(_CHUNK), b""):
            digest.update(chunk)
            out.write(chunk)
        if md5 is not None and digest.hexdigest() != md5.lower():
            raise ValueError(
                f"the file failed its MD5 check (expected {md5}, got {digest.hexdigest()}) "
                "and was deleted"
            )


def _reason(err: BaseException) -> str:
    if isinstance(err, urllib.error.HTTPError):
        return f"HTTP error {err.code} {err.reason}"
    if isinstance(err, urllib.error.URLError):
        return f"cannot connect ({err.reason})"
    return str(err)


def download_file(urls, path, md5: str | None = None, *, timeout: float = 30.0) -> Path:
    """Download a file from the first mirror that gives a good copy.

    Parameters
    ----------
    urls : sequence of str
        Full addresses of the same file on different mirrors, tried in order.
    path : str or os.PathLike
        Where to store it; the folder is created if needed.
    md5 : str, optional
        The expected MD5 (hexadecimal). A download that does not match is deleted and
        the next mirror is tried.
    timeout : float
        Seconds to wait for a mirror to answer.

    Returns
    -------
    pathlib.Path
        ``path``, now holding the complete, checked file.

    Raises
    ------
    DownloadError
        When no mirror gave a good copy; the message lists what each mirror did.
    """
    path = Path(path)
    urls = list(urls)
    if not urls:
        raise ValueError(f"download_file: no mirror given for {path.name}")
    path.parent.mkdir(parents=True, exist_ok=True)
    failures = []
    for url in urls:
        print(f"reseau: downloading {url} to {path}", file=sys.stderr)
        try:
            _fetch(url, path, md5, timeout)
            return path
        except (OSError, ValueError) as err:  # URLError and timeouts are OSErrors
            failures.append(f"{url}: {_reason(err)}")
    offline = all("cannot connect" in f or "timed out" in f for f in failures)
    advice = ("No mirror could be reached: are you offline? " if offline else "")
    # one line, as every error of reseau: what each mirror did, separated by '; '
    raise DownloadError(
        f"could not download {path.name} ({'; '.join(failures)}). {advice}"
        f"Nothing was kept in {path.parent}."
    )
