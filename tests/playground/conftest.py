"""A playground server on a free port, serving from a thread, for the tests of this folder."""

import json
import threading
import urllib.error
import urllib.request

import pytest

from reseau.playground import make_server


@pytest.fixture
def server():
    srv = make_server(port=0)
    thread = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield srv
    for session in list(srv.sessions.values()):
        session.close()
    srv.shutdown()
    srv.server_close()


class Client:
    """JSON requests to a server: ``(status, decoded body)``; never raises on 4xx."""

    def __init__(self, url: str) -> None:
        self.url = url

    def request(self, method, path, body=None, raw=None, headers=None):
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        req = urllib.request.Request(self.url + path.lstrip("/"), data=data, method=method,
                                     headers=headers or {"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as response:
                return response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as err:
            return err.code, err.read(), dict(err.headers)

    def post(self, path, body=None, raw=None):
        status, data, _ = self.request("POST", path, body, raw)
        return status, json.loads(data)

    def get_json(self, path):
        status, data, _ = self.request("GET", path)
        return status, json.loads(data)


@pytest.fixture
def client(server):
    return Client(server.url)
