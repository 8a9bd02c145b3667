"""The playground end to end in headless Chromium (Debian's ``chromium``, driven by
Playwright for Python): play, pause, controls, layers, a shared link, hidden controls, the
model download, a dropped CSV, and a screenshot checked to be a real picture. Skipped
without Playwright or without the browser."""

import os
import shutil
import threading
import time

import numpy as np
import pytest

import reseau
from reseau.playground import make_server, network

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = os.environ.get("RESEAU_CHROMIUM") or shutil.which("chromium") or \
    shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip("no chromium executable (apt-get install chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def server():
    srv = make_server(port=0)
    threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True).start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 760}, accept_downloads=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.on("console", lambda m: print("console:", m.text))
    page.on("requestfailed", lambda r: print("failed:", r.url, r.failure))
    page.on("response", lambda r: r.status >= 400 and print("response:", r.status, r.url))
    yield page
    context.close()
    assert not errors, errors


def _open(page, server, fragment=""):
    page.goto(server.url + fragment)
    page.wait_for_selector("#n-1-0")
    page.wait_for_function("state.frame !== null")
    return server.sessions[page.evaluate("state.sid")]


def _epoch(page) -> int:
    return int(page.text_content("#epoch").replace(",", ""))


def test_play_trains_the_circle_and_pause_stops_it(page, server, tmp_path):
    session = _open(page, server)
    page.select_option("#lr", "0.1")
    page.wait_for_function("state.cfg.lr === 0.1")
    assert session.cfg["lr"] == 0.1 and "lr=0.1" in page.url
    page.click("#play")
    page.wait_for_function("Number(document.getElementById('epoch').textContent"
                           ".replace(',', '')) > 0")
    page.wait_for_function("Number(document.getElementById('test-loss').textContent) < 0.2",
                           timeout=40_000)
    page.click("#play")  # pause
    page.wait_for_selector("#play[data-playing='0']")
    stopped = _epoch(page)
    time.sleep(0.6)
    assert _epoch(page) == stopped == session.epoch and not session.playing
    page.click("#showTest")
    shot = tmp_path / "playground.png"
    page.screenshot(path=str(shot))
    _assert_real_picture(shot)
    page.click("#step")
    page.wait_for_function(f"Number(document.getElementById('epoch').textContent"
                           f".replace(',', '')) === {stopped + 1}")
    page.click("h2 >> nth=0")  # away from the controls, then the space bar plays
    page.keyboard.press("Space")
    page.wait_for_selector("#play[data-playing='1']")


def _assert_real_picture(path):
    image = pytest.importorskip("matplotlib.image").imread(str(path))
    assert image.shape[0] > 500 and image.shape[1] > 1000
    rgb = image[..., :3].reshape(-1, 3)
    assert rgb.std() > 0.1  # not a blank page
    # the heat map's orange and blue are both there
    orange = (rgb[:, 0] > 0.8) & (rgb[:, 2] < 0.45)
    blue = (rgb[:, 2] > 0.6) & (rgb[:, 0] < 0.3)
    assert orange.sum() > 2000 and blue.sum() > 2000


def test_controls_and_layers_change_the_session(page, server):
    session = _open(page, server)
    page.select_option("#activation", "relu")
    page.wait_for_function("state.cfg.activation === 'relu'")
    assert session.cfg["activation"] == "relu"
    page.click("#add-layer")
    page.wait_for_selector("#n-3-0")
    assert page.text_content("#n-layers") == "3" and session.cfg["layers"] == [4, 2, 2]
    page.click(".layer:nth-child(2) .layer-tools button:first-child")  # a neuron more
    page.wait_for_selector("#n-1-4")
    assert session.cfg["layers"] == [5, 2, 2]
    page.click("#f-x1sq")  # a feature more
    page.wait_for_function("state.cfg.features.includes('x1sq')")
    links = 3 * 5 + 5 * 2 + 2 * 2 + 2  # 3 features, layers 5, 2, 2, one output
    page.wait_for_function(f"document.querySelectorAll('#links path').length === {links}")
    assert network.weights_copy(session.model)["0.weight"].shape == (5, 3)
    assert "layers=5,2,2" in page.url and "features=x1,x2,x1sq" in page.url


def test_a_shared_link_gives_the_same_controls_and_hides_some(page, server):
    fragment = ("#dataset=xor&lr=0.3&activation=sigmoid&layers=3&features=x1,x2,x1x2"
                "&reg=l2&regRate=0.01&showTest=1&hide=lr,noise,features")
    session = _open(page, server, fragment)
    assert session.cfg["dataset"] == "xor" and session.cfg["layers"] == [3]
    assert page.input_value("#activation") == "sigmoid"
    assert page.input_value("#reg") == "l2" and page.input_value("#regRate") == "0.01"
    assert page.input_value("#lr") == "0.3" and not page.is_visible("#lr")
    assert not page.is_visible("#noise") and page.is_visible("#batch")
    assert page.is_checked("#showTest")
    assert "selected" in page.get_attribute("[data-dataset=xor]", "class")
    assert "off" not in page.get_attribute("#f-x1x2", "class")
    assert page.text_content("#n-layers") == "1"
    # fixed features: the chosen inputs stay in the picture, a click changes nothing
    assert page.is_visible("#f-x1x2") and not page.is_visible("#f-x1sq")
    page.click("#f-x1")
    time.sleep(0.3)
    assert session.cfg["features"] == ["x1", "x2", "x1x2"]
    # a refused value opens the defaults and says which
    page.goto("about:blank")  # a new load, not a change of fragment
    page.goto(server.url + "#lr=-5")
    page.wait_for_function("document.getElementById('status').textContent"
                           ".includes('lr must be between')")
    page.wait_for_function("typeof state !== 'undefined' && state.cfg !== null && "
                           "state.cfg.lr === 0.03")


def test_the_downloaded_model_loads_with_reseau_io(page, server, tmp_path):
    session = _open(page, server, "#features=x1,x2,sinx1&layers=3")
    page.click("#step")
    page.wait_for_function("state.frame.epoch === 1")
    with page.expect_download() as download:
        page.click("#export")
    path = tmp_path / "model.npz"
    download.value.save_as(path)
    model = reseau.io.load(path)
    assert reseau.io.read_info(path)["config"]["inputs"] == ["x1", "x2", "sinx1"]
    x = reseau.from_numpy(np.float32([[1, 2, np.sin(1)], [-3, 0.5, np.sin(-3)]]))
    np.testing.assert_allclose(model(x).detach().numpy(), session.model(x).detach().numpy())


def test_a_dropped_csv(page, server):
    session = _open(page, server)
    bad = b"x1,x2,label\n1,2,0\n3,,1\n"
    page.set_input_files("#csv-file", files=[{"name": "bad.csv", "mimeType": "text/csv",
                                              "buffer": bad}])
    page.wait_for_function("document.getElementById('data-error').textContent.includes('x2')")
    assert session.cfg["dataset"] == "circle"
    rows = "\n".join(f"{a:.3f},{b:.3f},{int(a * b > 0)}"
                     for a, b in np.random.default_rng(0).uniform(-1, 1, (80, 2)))
    page.set_input_files("#csv-file", files=[{"name": "good.csv", "mimeType": "text/csv",
                                              "buffer": ("a,b,c\n" + rows).encode()}])
    page.wait_for_function("state.cfg.dataset === 'csv'")
    assert page.text_content("#data-error") == "" and "80 rows" in page.text_content("#status")
    assert len(session.X) + len(session.Xt) == 80


def test_a_neurons_maths_and_the_new_training_options(page, server):
    session = _open(page, server, "#layers=3&schedule=step")
    page.select_option("#dropout", "0.2")
    page.wait_for_function("state.cfg.dropout === 0.2")
    assert "Dropout" in repr(session.model) and "dropout=0.2" in page.url
    page.select_option("#optimizer", "adam")
    page.wait_for_function("state.cfg.optimizer === 'adam'")
    page.click("#n-1-2")
    page.wait_for_selector("#maths table")
    text = page.text_content("#maths")
    assert "Neuron 1.3" in text and "z = Σ w·x + b" in text and "tanh(z)" in text
    first = page.evaluate("JSON.stringify(state.point)")
    page.click("#heat", position={"x": 20, "y": 20})  # the top left corner: another point
    page.wait_for_function("first => JSON.stringify(state.point) !== first", arg=first)
    x1, x2 = page.evaluate("state.point")
    assert x1 < -2 and x2 > 2  # the data point nearest to the click
    page.click("#graph-button")
    page.wait_for_function("document.getElementById('graph') && "
                           "document.getElementById('graph').naturalWidth > 300")
    page.click("#maths-close")
    assert not page.is_visible("#maths")


def test_snapshots_side_by_side_and_back_to_a_set_up(page, server):
    _open(page, server, "#lr=0.03")
    page.click("#step")
    page.wait_for_function("state.frame.epoch === 1")
    page.click("#snapshot")
    page.select_option("#lr", "0.3")
    page.wait_for_function("state.cfg.lr === 0.3")
    page.click("#snapshot")
    cards = page.locator(".snapshot")
    assert cards.count() == 2
    assert "lr 0.03" in cards.nth(0).text_content()
    assert "lr 0.3" in cards.nth(1).text_content()
    assert page.get_attribute(".snapshot img", "src").startswith("data:image/png;base64,")
    with page.expect_navigation():  # the first set-up again: the page loads it anew
        cards.nth(0).locator(".restore").click()
    page.wait_for_function("typeof state !== 'undefined' && state.cfg !== null && "
                           "state.cfg.lr === 0.03 && state.frame !== null")
    assert "lr=0.03" in page.url


def test_hover_edit_a_weight_drop_a_file_and_close_the_tab(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 760})
    page = context.new_page()
    session = _open(page, server, "#layers=2")
    page.hover("#n-1-1")
    assert page.text_content("#heat-label") == "Neuron 1.2"
    page.mouse.move(5, 5)
    # a link, clicked: its new value typed in the dialog reaches the network
    page.once("dialog", lambda dialog: dialog.accept("1.25"))
    page.locator('#links path[data-layer="0"][data-to="1"][data-from="0"]').dispatch_event("click")
    page.wait_for_function("state.frame.weights[0][0][1][0] === 1.25")
    assert network.weights_copy(session.model)["0.weight"][1, 0] == 1.25
    # a file dropped on the drop zone (a drag-and-drop event, not the file chooser)
    page.evaluate("""() => {
        const data = new DataTransfer();
        data.items.add(new File(["a,b\\n1,2\\n"], "two.csv", {type: "text/csv"}));
        document.getElementById("drop").dispatchEvent(
            new DragEvent("drop", {dataTransfer: data, bubbles: true, cancelable: true}));
    }""")
    page.wait_for_function("document.getElementById('data-error').textContent"
                           ".includes('the playground needs three')")
    # diverging: the page pauses and says what to try
    page.evaluate("send({dataset: 'plane', problem: 'regression', lr: 10, "
                  "features: ['x1sq', 'x2sq'], activation: 'linear'})")
    page.wait_for_function("state.cfg.lr === 10")
    page.click("#play")
    page.wait_for_function("document.getElementById('message').textContent"
                           ".includes('Try a lower learning rate')", timeout=20_000)
    assert page.get_attribute("#play", "data-playing") == "0"
    # closing the tab ends its session and its training
    page.click("#play")
    sid = page.evaluate("state.sid")
    context.close()
    deadline = time.monotonic() + 10
    while sid in server.sessions and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sid not in server.sessions and session.closed
