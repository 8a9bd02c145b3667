"""The playground's HTTP API, served from a thread on a free port: the page and its files,
sessions, 4xx answers in one line of JSON (never a traceback), frames over server-sent
events, concurrent tabs, a closed stream ending its training, CSV uploads, the model
download read back by reseau.io.load."""

import http.client
import json
import socket
import threading
import time
import urllib.parse

import numpy as np
import pytest

import reseau
from reseau.playground import network


def _events(server, sid, count, timeout=30.0):
    """The first ``count`` events of a session's stream, then the stream is closed."""
    host, port = server.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    conn.request("GET", f"/api/sessions/{sid}/events")
    response = conn.getresponse()
    assert response.status == 200
    assert response.getheader("Content-Type") == "text/event-stream"
    found, end = [], time.monotonic() + timeout
    while len(found) < count:
        assert time.monotonic() < end, f"{len(found)} events in {timeout} s: {found}"
        line = response.fp.readline()
        assert line, "the stream ended"
        if line.startswith(b"data: "):
            found.append(json.loads(line[6:]))
    conn.close()
    return found


def _wait(condition, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_the_page_and_its_files_are_served(client):
    status, body, headers = client.request("GET", "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b"/static/app.js" in body and b"http" not in body.replace(b"http-equiv", b"")
    for name, kind in (("app.js", "text/javascript"), ("style.css", "text/css")):
        status, body, headers = client.request("GET", f"/static/{name}")
        assert status == 200 and headers["Content-Type"].startswith(kind) and body
        assert b"https://" not in body and b"@import" not in body  # nothing from the network


@pytest.mark.parametrize("path", ["/nothing", "/static/../server.py", "/static/session.py",
                                  "/static/%2e%2e/config.py", "/api/sessions/nope/events",
                                  "/api/sessions/nope/model.npz"])
def test_unknown_paths_are_404_json(client, path):
    status, data, headers = client.request("GET", path)
    assert status == 404 and headers["Content-Type"] == "application/json"
    assert "error" in json.loads(data) and b"Traceback" not in data


def test_a_session_is_created_with_its_checked_setup(client):
    status, answer = client.post("/api/sessions", {"id": "tab-1", "config": {"lr": 0.1,
                                                                            "layers": [3]}})
    assert status == 201 and answer["id"] == "tab-1"
    assert answer["config"]["lr"] == 0.1 and answer["config"]["layers"] == [3]
    assert answer["config"]["activation"] == "tanh"  # the defaults fill the rest


@pytest.mark.parametrize("path, raw, status, words", [
    ("/api/sessions", b"{not json", 400, "the body is not JSON"),
    ("/api/sessions", b"[1, 2]", 400, "must be a JSON object"),
    ("/api/sessions", b'{"id": "a b"}', 400, "id must be 1 to 64 letters"),
    ("/api/sessions", b'{"id": "a", "config": {"lr": -1}}', 400, "lr must be between"),
    ("/api/sessions", b'{"id": "a", "config": {"dataset": "csv"}}', 400, "needs a CSV file"),
    ("/api/sessions", b'{"id": "a", "config": ' + b'[' * 50 + b']' * 50 + b'}', 400,
     "nested too deeply"),
    ("/api/sessions/none/action", b'{"action": "play"}', 404, "no session 'none'"),
    ("/api/elsewhere", b"{}", 404, "nothing to POST"),
])
def test_bad_requests_get_a_4xx_with_one_line(client, path, raw, status, words):
    got, data, headers = client.request("POST", path, raw=raw)
    message = json.loads(data)["error"]
    assert got == status and words in message and "\n" not in message
    assert headers["Content-Type"] == "application/json"


def test_bad_requests_to_a_session(client):
    client.post("/api/sessions", {"id": "s"})
    for path, body, words in [
        ("/api/sessions/s/action", {"action": "fly"}, "unknown action 'fly'"),
        ("/api/sessions/s/config", {"batch": 0}, "batch must be between 1 and 500"),
        ("/api/sessions/s/config", {"problem": "regression"}, "'circle' is a classification"),
        ("/api/sessions/s/weight", {"layer": 7, "to": 0, "from": 0, "value": 1},
         "no weight layer=7"),
        ("/api/sessions/s/action", {"action": "regenerate", "extra": [[[[[[[[[]]]]]]]]]},
         "nested too deeply"),
    ]:
        status, answer = client.post(path, body)
        assert status == 400 and words in answer["error"], (path, answer)
    host, port = client.url.split("//")[1].rstrip("/").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.putrequest("POST", "/api/sessions/s/config")
    conn.putheader("Content-Length", str(1 << 30))  # declared, never sent: refused first
    conn.endheaders()
    response = conn.getresponse()
    assert response.status == 413 and "at most" in json.loads(response.read())["error"]
    conn.close()
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.putrequest("POST", "/api/sessions/s/config")
    conn.endheaders()
    response = conn.getresponse()
    assert response.status == 411 and "Content-Length" in json.loads(response.read())["error"]
    conn.close()


def test_frames_arrive_over_server_sent_events(server, client):
    client.post("/api/sessions", {"id": "sse", "config": {"layers": [4, 3]}})
    client.post("/api/sessions/sse/action", {"action": "play"})
    events = _events(server, "sse", 5)
    data, frames = events[0], events[1:]
    assert data["type"] == "data" and data["classes"] == 2 and len(data["train"]) == 250
    assert all(f["type"] == "frame" for f in frames)
    epochs = [f["epoch"] for f in frames]
    assert epochs == sorted(epochs) and epochs[-1] > epochs[0]
    assert [len(t) for t in frames[-1]["thumbs"]] == [4, 3]
    assert frames[-1]["history"][-1][0] == epochs[-1]


def test_closing_the_stream_stops_the_training(server, client):
    client.post("/api/sessions", {"id": "gone"})
    client.post("/api/sessions/gone/action", {"action": "play"})
    session = server.sessions["gone"]
    _events(server, "gone", 3)  # reads, then closes the connection like a closed tab
    assert _wait(lambda: "gone" not in server.sessions), "the session outlived its stream"
    epoch = session.epoch
    time.sleep(0.5)
    assert session.closed and session.epoch == epoch
    status, answer = client.post("/api/sessions/gone/action", {"action": "play"})
    assert status == 404 and "reload the page" in answer["error"]


def test_a_paused_session_notices_its_closed_tab(server, client):
    client.post("/api/sessions", {"id": "idle"})
    _events(server, "idle", 2)  # data and a first frame, never played
    assert _wait(lambda: "idle" not in server.sessions, timeout=5)


def test_a_second_stream_for_a_session_is_refused(server, client):
    client.post("/api/sessions", {"id": "one"})
    host, port = server.server_address[:2]
    first = http.client.HTTPConnection(host, port, timeout=10)
    first.request("GET", "/api/sessions/one/events")
    assert first.getresponse().status == 200
    status, data, _ = client.request("GET", "/api/sessions/one/events")
    assert status == 409 and "already has its stream" in json.loads(data)["error"]
    status, answer = client.post("/api/sessions", {"id": "one"})
    assert status == 409
    first.close()


def test_concurrent_sessions_train_apart_and_the_server_answers(server, client):
    ids = [f"tab{i}" for i in range(12)]  # a dozen tabs
    for i, sid in enumerate(ids):
        client.post("/api/sessions", {"id": sid, "config": {"layers": [i % 8 + 1], "seed": i}})
        client.post(f"/api/sessions/{sid}/action", {"action": "play"})
    results = {}

    def read(sid):
        results[sid] = _events(server, sid, 4)
    threads = [threading.Thread(target=read, args=(sid,)) for sid in ids]
    for t in threads:
        t.start()
    time.sleep(0.3)
    start = time.monotonic()
    status, _, _ = client.request("GET", "/")  # the page still loads at once
    assert status == 200 and time.monotonic() - start < 2.0
    start = time.monotonic()  # and a tab's request waits one training step, not an epoch
    status, _ = client.post("/api/sessions/tab3/config", {"lr": 0.1})
    assert status == 200 and time.monotonic() - start < 2.0
    for t in threads:
        t.join(60)
    for i, sid in enumerate(ids):
        frames = [e for e in results[sid] if e["type"] == "frame"]
        assert [len(layer) for layer in frames[-1]["thumbs"]] == [i % 8 + 1]
        assert frames[-1]["epoch"] >= 1


def test_settings_and_actions_apply_to_the_streaming_session(server, client):
    client.post("/api/sessions", {"id": "ctl"})
    status, answer = client.post("/api/sessions/ctl/config", {"layers": [5, 5, 5],
                                                               "activation": "relu"})
    assert status == 200 and answer["config"]["layers"] == [5, 5, 5]
    client.post("/api/sessions/ctl/action", {"action": "step"})
    events = _events(server, "ctl", 2)  # the points, the frame after one epoch
    frames = [e for e in events if e["type"] == "frame"]
    assert frames[-1]["epoch"] == 1 and not frames[-1]["playing"]
    assert [len(t) for t in frames[-1]["thumbs"]] == [5, 5, 5]


def test_the_model_download_loads_with_reseau_io(server, client, tmp_path):
    client.post("/api/sessions", {"id": "m", "config": {"features": ["x1", "x2", "x1sq"],
                                                        "layers": [3, 2]}})
    server.sessions["m"].train_epoch()
    status, data, headers = client.request("GET", "/api/sessions/m/model.npz")
    assert status == 200 and "playground.npz" in headers["Content-Disposition"]
    path = tmp_path / "m.npz"
    path.write_bytes(data)
    model = reseau.io.load(path)
    info = reseau.io.read_info(path)
    assert info["config"]["inputs"] == ["x1", "x2", "x1sq"] and info["metadata"]["epoch"] == 1
    session = server.sessions["m"]
    x = np.float32([[1.0, -2.0, 1.0], [0.5, 0.5, 0.25]])
    expected = session.model(reseau.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(model(reseau.from_numpy(x)).detach().numpy(), expected)


def _csv(client, sid, text):
    status, data, _ = client.request("POST", f"/api/sessions/{sid}/csv", raw=text.encode(),
                                     headers={"Content-Type": "text/csv"})
    return status, json.loads(data)


@pytest.mark.parametrize("text, words", [
    ("a,b\n1,2\n", "has 2 columns ('a', 'b'); the playground needs three"),
    ("binary\x01", "has 1 column ('binary\\x01')"),
    ("x1,x2,label\n1,2,0\n3,,1\n", "column 'x2'"),
    ("x1,x2,label\n1,2,0\n3,oops,1\n", "'oops'"),
    ("x1,x2,label\n" + "1,2,0\n" * 5, "has 5 rows"),
    ("x1,x2,label\n" + "1,2,4\n" * 20, "a classification needs two or three classes"),
    ("x1,x2,label\n" + "1,\x00,0\n" * 12, "the dropped file"),
])
def test_a_malformed_csv_gets_the_readers_message(client, text, words):
    client.post("/api/sessions", {"id": "csv"})
    status, answer = _csv(client, "csv", text)
    assert status == 400 and words in answer["error"], answer
    assert "/tmp" not in answer["error"] and "\n" not in answer["error"]


def test_a_good_csv_becomes_the_sessions_data(server, client):
    client.post("/api/sessions", {"id": "own"})
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2)) * 100 + 1000
    lines = ["u,v,kind"] + [f"{a},{b},{int(a > 1000) * 2 + 1}" for a, b in X]
    status, answer = _csv(client, "own", "\n".join(lines))
    assert status == 200 and answer["rows"] == 60
    assert answer["config"]["dataset"] == "csv" and answer["config"]["problem"] == "classification"
    session = server.sessions["own"]
    both = np.concatenate([session.X, session.Xt])
    assert np.abs(both).max() == pytest.approx(5.0)  # scaled into the square
    assert set(np.concatenate([session.y, session.yt]).tolist()) == {0, 1}
    status, answer = client.post("/api/sessions/own/action", {"action": "regenerate"})
    assert status == 400 and "cannot be regenerated" in answer["error"]
    # real-valued labels: a regression
    lines = ["u,v,t"] + [f"{a},{b},{a * 0.01 + 0.5}" for a, b in X]
    status, answer = _csv(client, "own", "\n".join(lines))
    assert answer["config"]["problem"] == "regression" and session.n_classes == 0


def test_a_bug_answers_500_without_a_traceback(server, client, monkeypatch, capsys):
    client.post("/api/sessions", {"id": "bug"})

    def broken(self, action):
        raise ZeroDivisionError("boom")
    monkeypatch.setattr(type(server.sessions["bug"]), "act", broken)
    status, data, _ = client.request("POST", "/api/sessions/bug/action",
                                     raw=b'{"action": "play"}')
    assert status == 500 and b"Traceback" not in data and b"boom" not in data
    assert "ZeroDivisionError: boom" in capsys.readouterr().err


def test_the_command_line(capsys):
    from reseau.cli import main

    assert main(["playground", "--port", "70000", "--no-browser"]) == 2
    assert "--port must be between 0 and 65535" in capsys.readouterr().err
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    try:
        port = busy.getsockname()[1]
        assert main(["playground", "--port", str(port), "--no-browser"]) == 1
        assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err
    finally:
        busy.close()


def test_the_url_fragment_keys_are_the_settings():
    # the page writes every setting into the URL under its own name: check_config reads
    # back what urlencode of a set-up gives
    from reseau.playground.config import check_config

    cfg = check_config({"layers": [3, 4], "features": ["x1", "sinx2"], "lr": 0.3})
    fragment = urllib.parse.urlencode({k: ",".join(map(str, v)) if isinstance(v, list)
                                       else v for k, v in cfg.items()})
    parsed = dict(urllib.parse.parse_qsl(fragment, keep_blank_values=True))
    assert check_config(parsed) == cfg
    assert network.activations(cfg) == ["tanh", "tanh"]


@pytest.mark.parametrize("dataset, columns", [("circle", ["prediction", "prob_0", "prob_1"]),
                                              ("spiral3", ["prediction", "prob_0", "prob_1",
                                                           "prob_2"]),
                                              ("plane", ["prediction"])])
def test_reseau_predict_reads_the_downloaded_model(server, client, tmp_path, capsys,
                                                   dataset, columns):
    from reseau.cli import main

    client.post("/api/sessions", {"id": "p", "config": {"dataset": dataset,
                                                        "features": ["x1", "x2", "x1x2"]}})
    session = server.sessions["p"]
    for _ in range(3):
        session.train_epoch()
    _, data, _ = client.request("GET", "/api/sessions/p/model.npz")
    (tmp_path / "m.npz").write_bytes(data)
    points = np.array([[1.0, 2.0], [-3.0, 0.5], [4.0, -4.0]])
    rows = [f"{a},{b},{a * b}" for a, b in points]
    (tmp_path / "in.csv").write_text("x1,x2,x1x2\n" + "\n".join(rows) + "\n")
    capsys.readouterr()
    assert main(["predict", str(tmp_path / "m.npz"), str(tmp_path / "in.csv")]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].split(",") == columns and len(lines) == 4
    scores = network.forward_all(network.layer_weights(session.model),
                                 network.activations(session.cfg),
                                 network.features(points, session.cfg["features"]))[-1]
    values = network.output_values(scores, session.cfg["problem"])
    got = np.array([[float(v) for v in line.split(",")] for line in lines[1:]])
    if dataset == "plane":
        np.testing.assert_allclose(got[:, 0], values, rtol=1e-5, atol=1e-6)
    elif dataset == "circle":
        np.testing.assert_allclose(got[:, 2], (values + 1) / 2, rtol=1e-4, atol=1e-6)
    else:
        np.testing.assert_allclose(got[:, 1:], values, rtol=1e-4, atol=1e-6)
        np.testing.assert_array_equal(got[:, 0], values.argmax(axis=1))


def test_a_neurons_graph_as_png(client):
    pytest.importorskip("matplotlib")
    pytest.importorskip("networkx")
    client.post("/api/sessions", {"id": "g"})
    status, data, headers = client.request("GET", "/api/sessions/g/neuron.png?layer=1&index=0"
                                                  "&x1=1.5&x2=-2")
    assert status == 200 and headers["Content-Type"] == "image/png"
    assert data.startswith(b"\x89PNG")
    status, data, _ = client.request("GET", "/api/sessions/g/neuron.png?layer=9&index=0")
    assert status == 400 and "no neuron layer='9'" in json.loads(data)["error"]


def test_other_sites_and_rebound_host_names_are_refused(client):
    status, data, _ = client.request("POST", "/api/sessions", raw=b'{"id": "x"}',
                                     headers={"Origin": "http://evil.example",
                                              "Content-Type": "text/plain"})
    assert status == 403 and "answers its own page only" in json.loads(data)["error"]
    status, data, _ = client.request("GET", "/", headers={"Host": "evil.example:80"})
    assert status == 403 and "open the playground at http://127.0.0.1:" in \
        json.loads(data)["error"]
    own = client.url.rstrip("/")
    status, _, _ = client.request("POST", "/api/sessions", raw=b'{"id": "y"}',
                                  headers={"Origin": own})
    assert status == 201


def test_the_command_serves_until_ctrl_c():
    import signal
    import subprocess
    import sys
    import urllib.request

    proc = subprocess.Popen([sys.executable, "-m", "reseau", "playground", "--port", "0",
                             "--no-browser"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("reseau playground: http://127.0.0.1:"), line
        url = line.split()[2]
        with urllib.request.urlopen(url, timeout=30) as response:
            assert b"reseau playground" in response.read()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(30) == 0
        assert "stopped" in proc.stderr.read()
    finally:
        proc.kill()


def test_reseau_evaluate_scores_the_downloaded_model_on_a_csv(server, client, tmp_path,
                                                               capsys):
    from reseau.cli import main

    client.post("/api/sessions", {"id": "ev", "config": {"lr": 0.1}})
    session = server.sessions["ev"]
    for _ in range(5):
        session.train_epoch()
    _, data, _ = client.request("GET", "/api/sessions/ev/model.npz")
    (tmp_path / "m.npz").write_bytes(data)
    rows = ["x1,x2,label"] + [f"{float(a)!r},{float(b)!r},{c}"
                              for (a, b), c in zip(session.Xt, session.yt)]
    (tmp_path / "test.csv").write_text("\n".join(rows) + "\n")
    capsys.readouterr()
    assert main(["evaluate", str(tmp_path / "m.npz"), "--data", str(tmp_path / "test.csv"),
                 "--target", "label", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    # the page's test loss, computed the same way by reseau evaluate
    assert result["loss"] == pytest.approx(session.losses[1], rel=1e-4)
    assert result["samples"] == len(session.Xt)
