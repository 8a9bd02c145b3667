"""The playground's HTTP server: the standard library's threading server, the page and its
files from the installed package, a JSON API, and one event stream per tab.

API (every answer to a bad request is a 4xx with ``{"error": "one line"}``, never a
traceback):

- ``POST /api/sessions`` ``{"id": ..., "config": {...}}``: a session for a tab (the
  page makes its id); the answer holds the complete, checked set-up;
- ``GET /api/sessions/ID/events``: its server-sent events, ``data`` (the points) and
  ``frame`` (losses, heat map, thumbnails, weights); while it is open the session
  trains, when it closes the session ends;
- ``POST /api/sessions/ID/config`` (some settings), ``.../action`` ``{"action": "play"}``,
  ``.../weight`` ``{"layer", "to", "from", "value"}``, ``.../csv`` (a CSV file's text),
  ``.../neuron`` ``{"layer", "index", "x1", "x2"}`` (a neuron's maths at a point);
- ``GET /api/sessions/ID/model.npz``: the network as a reseau model file;
  ``GET .../neuron.png?layer=&index=&x1=&x2=``: a neuron's computational graph.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from .config import RequestError
from .network import ENGINE
from .session import Session
from .upload import read_upload

__all__ = ["PlaygroundServer", "make_server"]

MAX_SESSIONS = 64
MAX_BODY = 1 << 20  # a CSV of tens of thousands of rows; a set-up is a few hundred bytes
_ORPHAN_AFTER = 60.0  # a session whose tab never opened its stream is dropped after this
_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
          ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml", ".png": "image/png"}


def _static_files() -> dict[str, bytes]:
    """The page's files, read once from the package (``static/``)."""
    root = resources.files(__package__) / "static"
    return {entry.name: entry.read_bytes() for entry in root.iterdir()
            if Path(entry.name).suffix in _TYPES}


def _depth(value, limit: int = 8) -> int:
    """Nesting depth of decoded JSON; a set-up is two levels deep."""
    if limit < 0:
        raise RequestError("the JSON body is nested too deeply")
    if isinstance(value, dict):
        return 1 + max((_depth(v, limit - 1) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v, limit - 1) for v in value), default=0)
    return 0


class PlaygroundServer(ThreadingHTTPServer):
    """The server and its sessions."""

    daemon_threads = True

    def __init__(self, address, quiet: bool = True) -> None:
        super().__init__(address, _Handler)
        self.sessions: dict[str, Session] = {}
        self.sessions_lock = threading.Lock()
        self.static = _static_files()
        self.quiet = quiet

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/"

    def new_session(self, sid, sent) -> Session:
        if not isinstance(sid, str) or not _ID.fullmatch(sid):
            raise RequestError("id must be 1 to 64 letters, digits, '-' or '_'")
        with self.sessions_lock:
            now = time.monotonic()
            for key, old in list(self.sessions.items()):
                if not old.streaming and now - old.created > _ORPHAN_AFTER:
                    del self.sessions[key]
            old = self.sessions.get(sid)
            if old is not None and old.streaming:
                raise RequestError(f"session {sid!r} is open in another tab", 409)
            if old is None and len(self.sessions) >= MAX_SESSIONS:
                raise RequestError(f"the playground serves at most {MAX_SESSIONS} tabs at "
                                   "once; close one", 503)
        session = Session(sid, sent)  # outside the lock: building data takes a moment
        with self.sessions_lock:
            self.sessions[sid] = session
        return session

    def session(self, sid: str) -> Session:
        with self.sessions_lock:
            found = self.sessions.get(sid)
        if found is None:
            raise RequestError(f"no session {sid!r}: it ended when its page closed; reload "
                               "the page", 404)
        return found

    def drop(self, session: Session) -> None:
        session.close()
        with self.sessions_lock:
            if self.sessions.get(session.id) is session:
                del self.sessions[session.id]


class _Handler(BaseHTTPRequestHandler):
    server: PlaygroundServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args) -> None:
        if not self.server.quiet:
            super().log_message(format, *args)

    # -- answers ---------------------------------------------------------------------------
    def _send(self, status: int, body: bytes, ctype: str, extra: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, payload) -> None:
        extra = None
        if status >= 400:  # a body left unread must not be taken for the next request
            self.close_connection, extra = True, {"Connection": "close"}
        self._send(status, json.dumps(payload).encode(), "application/json", extra)

    def _guarded(self, handler) -> None:
        try:
            handler()
        except RequestError as err:
            self._json(err.status, {"error": str(err)})
        except (BrokenPipeError, ConnectionResetError):
            pass  # the page went away
        except Exception as err:  # a bug: one line here, no traceback to the page
            print(f"reseau playground: {self.command} {self.path}: "
                  f"{type(err).__name__}: {err}", file=sys.stderr)
            self._json(500, {"error": "the playground failed on this request; the terminal "
                                      "running 'reseau playground' shows why"})

    def _body(self) -> bytes:
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            raise RequestError("a request body needs a Content-Length", 411) from None
        if not 0 <= length <= MAX_BODY:
            raise RequestError(f"the body is {length} bytes; at most {MAX_BODY}", 413)
        return self.rfile.read(length)

    def _json_body(self) -> dict:
        body = self._body()
        try:
            value = json.loads(body)
        except (ValueError, UnicodeDecodeError) as err:
            raise RequestError(f"the body is not JSON: {err}") from None
        _depth(value)
        if not isinstance(value, dict):
            raise RequestError(f"the body must be a JSON object, got {type(value).__name__}")
        return value

    # -- routes ----------------------------------------------------------------------------
    def do_GET(self) -> None:
        self._guarded(self._get)

    def do_POST(self) -> None:
        self._guarded(self._post)

    def _route(self) -> tuple[str, str | None, str | None]:
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        match = re.fullmatch(r"/api/sessions/([^/]+)/([a-z.]+)", path)
        if match:
            return "session", match.group(1), match.group(2)
        return path, None, None

    def _get(self) -> None:
        self._check_origin()
        path, sid, what = self._route()
        if path in ("/", "/index.html"):
            return self._send(200, self.server.static["index.html"], _TYPES[".html"])
        if path.startswith("/static/") and path[8:] in self.server.static:
            name = path[8:]
            return self._send(200, self.server.static[name], _TYPES[Path(name).suffix])
        if path == "session" and what == "events":
            return self._events(self.server.session(sid))
        if path == "session" and what == "model.npz":
            return self._model(self.server.session(sid))
        if path == "session" and what == "neuron.png":
            query = {k: v[-1] for k, v in parse_qs(self.path.partition("?")[2]).items()}
            png = self.server.session(sid).neuron_png(
                query.get("layer"), query.get("index"), query.get("x1"), query.get("x2"))
            return self._send(200, png, _TYPES[".png"])
        raise RequestError(f"nothing at {path if sid is None else self.path}", 404)

    def _check_origin(self) -> None:
        """Refuse a request that another site's page makes (its browser says so in
        ``Origin``), and, on a loopback address, a host name that is not this machine's
        (DNS rebinding)."""
        host, port = self.server.server_address[:2]
        origin = self.headers.get("Origin")
        if origin is not None and origin != "null":
            if urlsplit(origin).netloc != self.headers.get("Host"):
                raise RequestError(f"requests from {origin} are refused: the playground "
                                   "answers its own page only", 403)
        if host in ("127.0.0.1", "::1", "localhost"):
            name = (self.headers.get("Host") or "").rsplit(":", 1)[0].strip("[]")
            if name not in ("127.0.0.1", "::1", "localhost"):
                raise RequestError(f"the host name {name!r} is refused: open the playground "
                                   f"at http://127.0.0.1:{port}/", 403)

    def _post(self) -> None:
        self._check_origin()
        path, sid, what = self._route()
        if path == "/api/sessions":
            body = self._json_body()
            session = self.server.new_session(body.get("id"), body.get("config", {}))
            return self._json(201, {"id": session.id, "config": session.cfg})
        if path != "session" or what not in ("config", "action", "weight", "csv", "neuron"):
            raise RequestError(f"nothing to POST at {self.path}", 404)
        session = self.server.session(sid)
        if what == "csv":
            X, y, problem = read_upload(self._body())
            return self._json(200, {"config": session.set_custom_data(X, y, problem),
                                    "rows": len(X)})
        body = self._json_body()
        if what == "config":
            return self._json(200, {"config": session.configure(body)})
        if what == "neuron":
            return self._json(200, session.explain(body.get("layer"), body.get("index"),
                                                   body.get("x1"), body.get("x2")))
        if what == "action":
            session.act(body.get("action"))
            return self._json(200, {"ok": True})
        session.set_weight(body.get("layer"), body.get("to"), body.get("from"),
                           body.get("value"))
        return self._json(200, {"ok": True})

    def _events(self, session: Session) -> None:
        with session.lock:
            if session.streaming:
                raise RequestError(f"session {session.id!r} already has its stream", 409)
            session.streaming = True
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True

        def write(data: bytes) -> None:
            self.wfile.write(data)
            self.wfile.flush()
        try:
            session.stream(write)
        except OSError:
            pass  # the tab closed: its training ends here
        finally:
            self.server.drop(session)

    def _model(self, session: Session) -> None:
        with session.lock:
            cfg = dict(session.cfg)
            meta = {"epoch": session.epoch, "train_loss": session.losses[0],
                    "test_loss": session.losses[1]}
            with ENGINE:
                data = _model_file(session.model, cfg, meta)
        self._send(200, data, "application/octet-stream",
                   {"Content-Disposition": 'attachment; filename="playground.npz"'})


def _preprocessing(model, cfg: dict) -> dict:
    """What ``reseau predict`` reads from a model file: the input columns (the features,
    by name, not standardised), the task, the loss and the classes."""
    outputs = model.sizes[-1]
    regression = cfg["problem"] == "regression"
    return {"features": list(cfg["features"]), "task": cfg["problem"],
            "loss": "mse" if regression else ("bce" if outputs == 1 else "cross-entropy"),
            "classes": None if regression else list(range(max(outputs, 2))),
            "x_mean": None, "x_scale": None, "y_mean": [0.0] if regression else None,
            "y_scale": [1.0] if regression else None, "input_shape": None}


def _model_file(model, cfg: dict, meta: dict) -> bytes:
    """The bytes of ``model`` saved as a reseau ``.npz``, in evaluation mode (no dropout)."""
    from ..io import save

    model.eval()
    try:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "playground.npz"
            save(model, path, config={"playground": cfg, "inputs": cfg["features"],
                                      "preprocessing": _preprocessing(model, cfg)},
                 metadata=meta)
            return path.read_bytes()
    finally:
        model.train()


def make_server(host: str = "127.0.0.1", port: int = 0, quiet: bool = True) -> PlaygroundServer:
    """A playground server bound to ``host:port`` (0: a free port), not yet serving:
    call ``serve_forever()`` (in a thread for tests)."""
    return PlaygroundServer((host, port), quiet=quiet)
