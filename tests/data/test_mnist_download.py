"""The download path of MNIST against a local HTTP server on 127.0.0.1 serving tiny IDX
files: success into the cache, a checksum mismatch (error, nothing kept), a mirror that
refuses connections (offline), fallback to the next mirror. No other address is ever
contacted: every mirror list of these tests points at 127.0.0.1."""

import functools
import hashlib
import http.server
import os
import socket
import threading

import numpy as np
import pytest

from reseau.data import MNIST, DownloadError, cache_dir, download_file, md5sum

PROXY_VARS = ["http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY",
              "ALL_PROXY"]


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    # a proxy setting would send the requests elsewhere; these tests talk to 127.0.0.1 only
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def serve():
    """``serve(folder)`` -> base URL of an HTTP server on 127.0.0.1 serving ``folder``."""
    servers = []

    def start(folder) -> str:
        handler = functools.partial(_QuietHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                         daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def refused_url():
    """A URL on 127.0.0.1 where nothing listens: connecting is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def _tiny_class(folder):
    """MNIST with the MD5s of the tiny files, as a project would for its own mirror."""
    sums = {name: md5sum(folder / name) for name in MNIST.md5}
    return type("TinyMNIST", (MNIST,), {"md5": sums})


def test_download_into_the_cache_then_load_offline(tiny_mnist, serve, refused_url, tmp_path,
                                                    monkeypatch):
    folder, sets = tiny_mnist
    cache = tmp_path / "cache"
    monkeypatch.setenv("RESEAU_DATA", str(cache))
    TinyMNIST = _tiny_class(folder)
    ds = TinyMNIST(train=False, mirrors=[serve(folder)])
    assert ds.root == cache / "mnist"
    kept = sorted(os.listdir(cache / "mnist"))
    assert kept == ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]  # no .part left
    for name in kept:
        assert md5sum(cache / "mnist" / name) == md5sum(folder / name)
    np.testing.assert_array_equal(ds.data.numpy(), sets["t10k"][0])
    # the files are now cached: loading again needs no mirror at all
    again = TinyMNIST(train=False, mirrors=[refused_url])
    assert again.targets.tolist() == sets["t10k"][1].tolist()


def test_checksum_mismatch_is_an_error_and_keeps_nothing(tiny_mnist, serve, tmp_path):
    folder, _ = tiny_mnist
    cache = tmp_path / "cache"
    # the tiny files do not have the real MNIST's MD5s
    canonical = MNIST.md5["t10k-images-idx3-ubyte.gz"]
    expected = rf"failed its MD5 check \(expected {canonical}, got [0-9a-f]{{32}}\)"
    with pytest.raises(DownloadError, match=expected):
        MNIST(root=cache, train=False, mirrors=[serve(folder)])
    assert os.listdir(cache) == []


def test_unreachable_mirror_says_offline_and_keeps_nothing(tmp_path, refused_url):
    cache = tmp_path / "cache"
    with pytest.raises(DownloadError) as info:
        MNIST(root=cache, mirrors=[refused_url])
    message = str(info.value)
    assert "train-images-idx3-ubyte.gz" in message
    assert "are you offline?" in message
    assert str(cache) in message and "root=" in message  # says how to work offline
    assert refused_url in message and "\n" not in message  # one line, as every error
    assert os.listdir(cache) == []


def test_next_mirror_is_tried_after_a_failure(tiny_mnist, serve, refused_url, tmp_path):
    folder, sets = tiny_mnist
    empty = tmp_path / "empty"
    empty.mkdir()
    TinyMNIST = _tiny_class(folder)
    ds = TinyMNIST(root=tmp_path / "cache", mirrors=[refused_url, serve(empty), serve(folder)])
    assert ds.targets.tolist() == sets["train"][1].tolist()


def test_download_file_reports_each_mirror(tmp_path, serve, refused_url):
    empty = tmp_path / "empty"
    empty.mkdir()
    target = tmp_path / "out" / "f.bin"
    with pytest.raises(DownloadError) as info:
        download_file([refused_url + "f.bin", serve(empty) + "f.bin"], target)
    message = str(info.value)
    assert "cannot connect" in message and "HTTP error 404" in message
    assert "are you offline?" not in message  # one mirror answered
    assert not target.exists()


def test_download_file_checks_md5_and_replaces_atomically(tmp_path, serve):
    source = tmp_path / "src"
    source.mkdir()
    (source / "f.bin").write_bytes(b"new content")
    target = tmp_path / "out" / "f.bin"
    target.parent.mkdir()
    target.write_bytes(b"old")
    url = serve(source) + "f.bin"
    # a wrong MD5 leaves the existing file untouched and no temporary file behind
    with pytest.raises(DownloadError, match="MD5"):
        download_file([url], target, md5="0" * 32)
    assert target.read_bytes() == b"old"
    assert os.listdir(target.parent) == ["f.bin"]
    good = hashlib.md5(b"new content").hexdigest()
    assert download_file([url], target, md5=good) == target
    assert target.read_bytes() == b"new content"


def test_cache_dir_follows_reseau_data_then_the_user_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("RESEAU_DATA", str(tmp_path / "mine"))
    assert cache_dir() == tmp_path / "mine"
    monkeypatch.delenv("RESEAU_DATA")
    if os.name == "posix" and os.uname().sysname != "Darwin":
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
        assert cache_dir() == tmp_path / "xdg" / "reseau"
        monkeypatch.delenv("XDG_CACHE_HOME")
        monkeypatch.setenv("HOME", str(tmp_path / "home"))
        assert cache_dir() == tmp_path / "home" / ".cache" / "reseau"
