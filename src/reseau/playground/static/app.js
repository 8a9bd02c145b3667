// reseau playground: the page. The network trains on the server (reseau); this script
// sends the settings, receives frames over server-sent events and draws them.
"use strict";

const FEATURES = [["x1", "X\u2081"], ["x2", "X\u2082"], ["x1sq", "X\u2081\u00b2"],
  ["x2sq", "X\u2082\u00b2"], ["x1x2", "X\u2081X\u2082"], ["sinx1", "sin(X\u2081)"],
  ["sinx2", "sin(X\u2082)"]];
const DATASETS = [["circle", "classification", "Circle"], ["xor", "classification", "Exclusive or"],
  ["gauss", "classification", "Two Gaussians"], ["spiral", "classification", "Spiral"],
  ["spiral3", "classification", "Spiral, three classes"], ["plane", "regression", "Plane"],
  ["multigauss", "regression", "Multi-Gaussian"], ["csv", null, "Your CSV file"]];
const LRS = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const REG_RATES = [0, 0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const DROPOUTS = [0, 0.1, 0.2, 0.3, 0.5];
const ACTS = ["relu", "tanh", "sigmoid", "linear"];
const MAX_LAYERS = 10, MAX_NEURONS = 16, DOMAIN = 6;
// what a teacher may hide: data-control name -> label
const CONTROLS = {
  dataset: "Data sets", ratio: "Training ratio", noise: "Noise", batch: "Batch size",
  regenerate: "Regenerate", csv: "CSV upload", features: "Features", layers: "Layers and neurons",
  activation: "Activation", lr: "Learning rate", reg: "Regularisation",
  regRate: "Regularisation rate",
  problem: "Problem type", optimizer: "Optimizer", schedule: "Learning-rate schedule",
  init: "Initial weights", dropout: "Dropout", step: "Step",
  reset: "Reset and rewind", showTest: "Show test data", discretize: "Discretize", export: "Export",
  snapshots: "Snapshots"};
const icon = (d) => `<svg viewBox="0 0 24 24" width="22" height="22"><path d="${d}" ` +
  `fill="currentColor"/></svg>`;
const PLAY_ICON = icon("M7 4v16l13-8z"), PAUSE_ICON = icon("M6 4h4v16H6zM14 4h4v16h-4z");
const COLORS = {neg: [245, 147, 34], mid: [232, 234, 235], pos: [8, 119, 189],
  third: [46, 158, 91]};

const $ = (id) => document.getElementById(id);
const state = {
  sid: null, cfg: null, ui: {showTest: false, discretize: false, hide: []},
  data: null, frame: null, source: null, hover: null, linkSig: "", queue: Promise.resolve(),
  explain: null, point: null, explainedAt: 0,
  writtenHash: "",
};

// ---- colours ----------------------------------------------------------------------------
function mix(a, b, t) { return [0, 1, 2].map((i) => a[i] + (b[i] - a[i]) * t); }
function colorOf(v) {  // v in [-1, 1]
  v = Math.max(-1, Math.min(1, v));
  return v < 0 ? mix(COLORS.mid, COLORS.neg, -v) : mix(COLORS.mid, COLORS.pos, v);
}
function lighten(c, t) { return mix(c, [255, 255, 255], t); }
function css(c) { return `rgb(${c.map(Math.round).join(",")})`; }
const CLASS_COLORS = [COLORS.neg, COLORS.pos, COLORS.third];

function b64bytes(s) {
  const raw = atob(s), out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

// ---- the URL: the whole set-up, shareable -------------------------------------------------
function readHash() {
  const sent = {}, ui = {showTest: false, discretize: false, hide: []};
  const params = new URLSearchParams(location.hash.slice(1));
  for (const [key, value] of params) {
    if (key === "showTest" || key === "discretize") ui[key] = value === "1" || value === "true";
    else if (key === "hide") ui.hide = value.split(",").filter((v) => v in CONTROLS);
    else if (key === "features" || key === "layers" || key === "acts") {
      const parts = value === "" ? [] : value.split(",");
      sent[key] = key === "layers" ? parts.map(Number) : parts;
    } else if (/^-?[0-9.e+-]+$/.test(value) && key !== "dataset") sent[key] = Number(value);
    else sent[key] = value;
  }
  return {sent, ui};
}

function writeHash() {
  const p = new URLSearchParams();
  for (const [key, value] of Object.entries(state.cfg)) {
    p.set(key, Array.isArray(value) ? value.join(",") : String(value));
  }
  if (state.ui.showTest) p.set("showTest", "1");
  if (state.ui.discretize) p.set("discretize", "1");
  if (state.ui.hide.length) p.set("hide", state.ui.hide.join(","));
  state.writtenHash = "#" + p.toString().replace(/%2C/g, ",");
  history.replaceState(null, "", state.writtenHash);
}

// ---- talking to the server -----------------------------------------------------------------
async function api(path, body, raw) {
  const response = await fetch(path, {method: "POST", body: raw ? body : JSON.stringify(body),
    headers: {"Content-Type": raw ? "text/csv" : "application/json"}});
  const answer = await response.json().catch(() => ({error: `HTTP ${response.status}`}));
  if (!response.ok) throw new Error(answer.error || `HTTP ${response.status}`);
  return answer;
}

function newId() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  return "s" + Math.random().toString(36).slice(2) + Date.now().toString(36);
}

async function start(sent) {
  state.sid = newId();
  let answer;
  try {
    answer = await api("/api/sessions", {id: state.sid, config: sent});
  } catch (err) {
    if (String(err.message).startsWith("Failed to fetch")) throw err;
    showStatus(`The link's set-up was refused (${err.message}); the defaults are used.`);
    answer = await api("/api/sessions", {id: state.sid, config: {}});
  }
  state.cfg = answer.config;
  state.data = null; state.frame = null; state.linkSig = "";
  renderControls();
  writeHash();
  $("export").href = `/api/sessions/${state.sid}/model.npz`;
  listen();
}

function listen() {
  const source = new EventSource(`/api/sessions/${state.sid}/events`);
  state.source = source;
  source.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "data") { state.data = message; drawHeat(); }
    else if (message.type === "frame") onFrame(message);
  };
  source.onopen = () => { if (state.lost) showStatus(""); state.lost = false; };
  source.onerror = () => {
    if (source.readyState !== EventSource.CLOSED) return;  // the browser retries
    state.lost = true;
    showStatus("Connection to the playground lost; reconnecting\u2026");
    setTimeout(() => start(state.cfg).catch(() => source.onerror()), 1500);
  };
}

// settings go one after the other, in order
function send(partial) {
  state.queue = state.queue.then(async () => {
    try {
      const answer = await api(`/api/sessions/${state.sid}/config`, partial);
      const structure = netSignature();
      state.cfg = answer.config;
      $("data-error").textContent = "";
      if (netSignature() !== structure) buildNetwork();
    } catch (err) {
      showStatus(err.message);
    }
    renderControls(false);
    writeHash();
  });
  return state.queue;
}

function act(action) {
  state.queue = state.queue.then(() => api(`/api/sessions/${state.sid}/action`, {action})
    .catch((err) => showStatus(err.message)));
  return state.queue;
}

function showStatus(text) { $("status").textContent = text; }

// ---- controls ----------------------------------------------------------------------------
function fillSelect(id, values, fmt) {
  const select = $(id);
  select.innerHTML = values.map((v) => `<option value="${v}">${fmt ? fmt(v) : v}</option>`)
    .join("");
}

function setupControls() {
  fillSelect("lr", LRS);
  fillSelect("regRate", REG_RATES);
  fillSelect("dropout", DROPOUTS);
  for (const id of ["lr", "regRate", "dropout"]) {
    $(id).addEventListener("change", (e) => send({[id]: Number(e.target.value)}));
  }
  for (const id of ["activation", "reg", "optimizer", "init", "schedule"]) {
    $(id).addEventListener("change", (e) => send({[id]: e.target.value}));
  }
  $("problem").addEventListener("change", (e) => {
    const problem = e.target.value;
    send({problem, dataset: problem === "regression" ? "plane" : "circle"});
  });
  for (const id of ["ratio", "noise", "batch"]) {
    $(id).addEventListener("input", (e) => { $(`${id}-value`).textContent = e.target.value; });
    $(id).addEventListener("change", (e) => send({[id]: Number(e.target.value)}));
  }
  const box = $("datasets");
  for (const [name, problem, label] of DATASETS) {
    const button = document.createElement("button");
    button.dataset.dataset = name;
    button.title = label;
    button.setAttribute("aria-label", label);
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 40;
    drawDatasetIcon(canvas, name);
    button.appendChild(canvas);
    button.addEventListener("click", () => {
      if (name === "csv") { $("csv-file").click(); return; }
      send({dataset: name, problem});
    });
    box.appendChild(button);
  }
  $("play").addEventListener("click",
    () => act(state.frame && state.frame.playing ? "pause" : "play"));
  $("step").addEventListener("click", () => act("step"));
  $("reset").addEventListener("click", () => act("reset"));
  $("rewind").addEventListener("click", () => act("rewind"));
  $("regenerate").addEventListener("click", () => act("regenerate").then(() => send({})));
  $("add-layer").addEventListener("click", () => {
    if (state.cfg.layers.length < MAX_LAYERS) changeLayers((l) => l.push(2));
  });
  $("remove-layer").addEventListener("click", () => {
    if (state.cfg.layers.length > 0) changeLayers((l) => l.pop());
  });
  for (const id of ["showTest", "discretize"]) {
    $(id).addEventListener("change", (e) => {
      state.ui[id] = e.target.checked; writeHash(); drawHeat();
    });
  }
  $("png").addEventListener("click", () => {
    const a = document.createElement("a");
    a.href = $("heat").toDataURL("image/png"); a.download = "playground.png"; a.click();
  });
  $("share").addEventListener("click", async () => {
    try { await navigator.clipboard.writeText(location.href); showStatus("Link copied."); }
    catch (err) { showStatus("Copy this address: " + location.href); }
  });
  $("class-mode").addEventListener("click", () => {
    $("hide-panel").hidden = !$("hide-panel").hidden;
  });
  $("hide-list").innerHTML = Object.entries(CONTROLS).map(([key, label]) =>
    `<label><input type="checkbox" data-hide="${key}"> ${label}</label>`).join("");
  $("hide-list").addEventListener("change", (e) => {
    const key = e.target.dataset.hide;
    state.ui.hide = state.ui.hide.filter((k) => k !== key);
    if (e.target.checked) state.ui.hide.push(key);
    applyHidden(); writeHash();
  });
  $("snapshot").addEventListener("click", takeSnapshot);
  document.addEventListener("keydown", (e) => {  // space: play/pause, outside the controls
    if (e.code !== "Space" || e.target.closest("input, select, button, textarea")) return;
    e.preventDefault();
    $("play").click();
  });
  setupDrop();
  drawScale();
  window.addEventListener("resize", () => { state.linkSig = ""; drawLinks(); });
  window.addEventListener("hashchange", () => {
    if (location.hash !== state.writtenHash) location.reload();  // a pasted link
  });
}

function changeLayers(edit) {
  const layers = state.cfg.layers.slice();
  edit(layers);
  const acts = state.cfg.acts.length ? state.cfg.acts.slice(0, layers.length) : [];
  while (acts.length && acts.length < layers.length) acts.push("");
  send({layers, acts});
}

function renderControls(rebuild = true) {
  const c = state.cfg;
  for (const id of ["lr", "regRate", "dropout"]) {
    const select = $(id);
    if (![...select.options].some((o) => Number(o.value) === c[id])) {
      select.insertAdjacentHTML("beforeend", `<option value="${c[id]}">${c[id]}</option>`);
    }
    select.value = [...select.options].find((o) => Number(o.value) === c[id]).value;
  }
  for (const id of ["activation", "reg", "optimizer", "init", "problem", "schedule"]) {
    $(id).value = c[id];
  }
  $("regRate").disabled = c.reg === "none";
  for (const id of ["ratio", "noise", "batch"]) {
    $(id).value = c[id]; $(`${id}-value`).textContent = c[id];
  }
  for (const button of $("datasets").children) {
    const [, problem] = DATASETS.find(([n]) => n === button.dataset.dataset);
    button.classList.toggle("selected", button.dataset.dataset === c.dataset);
    button.hidden = problem !== null && problem !== c.problem;
  }
  $("showTest").checked = state.ui.showTest;
  $("discretize").checked = state.ui.discretize;
  for (const box of $("hide-list").querySelectorAll("input")) {
    box.checked = state.ui.hide.includes(box.dataset.hide);
  }
  $("n-layers").textContent = c.layers.length;
  if (rebuild) buildNetwork();
  applyHidden();
}

function applyHidden() {
  for (const el of document.querySelectorAll("[data-control]")) {
    el.classList.toggle("hidden-control", state.ui.hide.includes(el.dataset.control));
  }
  // hidden features: the chosen inputs stay in the picture, the others go
  document.body.classList.toggle("fixed-features", state.ui.hide.includes("features"));
}

// ---- the network drawing -------------------------------------------------------------------
function nOutputs() { return state.data && state.data.classes === 3 ? 3 : 1; }
function netSignature() {
  const c = state.cfg;
  return JSON.stringify([c.features, c.layers, c.acts, c.dataset, c.problem]);
}

function buildNetwork() {
  const columns = $("net-columns");
  columns.innerHTML = "";
  const c = state.cfg;
  const inputs = document.createElement("div");
  inputs.className = "layer";
  inputs.innerHTML = `<div class="layer-tools"></div>`;
  for (const [key, label] of FEATURES) {
    const node = makeNode(`f-${key}`, `Feature ${label}`);
    node.classList.add("feature");
    node.classList.toggle("off", !c.features.includes(key));
    node.insertAdjacentHTML("beforeend", `<span class="name">${label}</span>`);
    node.addEventListener("click", () => {
      if (state.ui.hide.includes("features")) return;  // the inputs are fixed for the class
      const on = c.features.includes(key);
      const features = on ? c.features.filter((f) => f !== key) : [...c.features, key];
      if (features.length) send({features});
    });
    drawFeature(node.querySelector("canvas"), key);
    inputs.appendChild(node);
  }
  columns.appendChild(inputs);
  c.layers.forEach((width, k) => {
    const layer = document.createElement("div");
    layer.className = "layer";
    const tools = document.createElement("div");
    tools.className = "layer-tools";
    tools.dataset.control = "layers";
    tools.innerHTML = `<button class="round tiny" title="One more neuron">+</button>` +
      `<button class="round tiny" title="One neuron less">&minus;</button>`;
    const [plus, minus] = tools.querySelectorAll("button");
    plus.addEventListener("click",
      () => width < MAX_NEURONS && changeLayers((l) => { l[k] += 1; }));
    minus.addEventListener("click", () => width > 1 && changeLayers((l) => { l[k] -= 1; }));
    layer.appendChild(tools);
    const act = document.createElement("select");
    act.title = "Activation of this layer";
    act.className = "layer-act";
    act.dataset.control = "activation";
    act.innerHTML = `<option value="">same</option>` +
      ACTS.map((a) => `<option>${a}</option>`).join("");
    act.value = c.acts[k] || "";
    act.addEventListener("change", () => {
      const acts = c.acts.length ? c.acts.slice() : c.layers.map(() => "");
      acts[k] = act.value;
      send({acts});
    });
    const caption = document.createElement("div");
    caption.className = "layer-caption";
    caption.textContent = `${width} neuron${width > 1 ? "s" : ""}`;
    layer.appendChild(caption);
    layer.appendChild(act);
    for (let j = 0; j < width; j++) {
      layer.appendChild(makeNode(`n-${k + 1}-${j}`, `Neuron ${k + 1}.${j + 1}`));
    }
    columns.appendChild(layer);
  });
  const out = document.createElement("div");
  out.className = "layer";
  out.innerHTML = `<div class="layer-tools"></div><div class="layer-caption">output</div>`;
  for (let j = 0; j < nOutputs(); j++) {
    out.appendChild(makeNode(`n-${c.layers.length + 1}-${j}`, `Output ${j + 1}`));
  }
  columns.appendChild(out);
  state.linkSig = "";
  if (state.frame) { drawThumbs(); drawLinks(); }
}

function makeNode(id, label) {
  const node = document.createElement("div");
  node.className = "node";
  node.id = id;
  node.title = label;
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 20;
  node.appendChild(canvas);
  node.addEventListener("mouseenter", () => { state.hover = {id, label}; drawHeat(); });
  node.addEventListener("mouseleave", () => { state.hover = null; drawHeat(); });
  if (id.startsWith("n-")) {
    node.addEventListener("click", () => {
      const [, layer, index] = id.split("-").map(Number);
      state.explain = {layer, index, label};
      explainNeuron();
    });
  }
  return node;
}

function featureValue(key, x1, x2) {
  return {x1, x2, x1sq: x1 * x1, x2sq: x2 * x2, x1x2: x1 * x2, sinx1: Math.sin(x1),
    sinx2: Math.sin(x2)}[key];
}

function featureGrid(key, n) {  // values in [-1, 1] on an n x n grid, top row first
  const scale = {x1: DOMAIN, x2: DOMAIN, x1sq: DOMAIN * DOMAIN, x2sq: DOMAIN * DOMAIN,
    x1x2: DOMAIN * DOMAIN, sinx1: 1, sinx2: 1}[key];
  const out = new Float32Array(n * n);
  for (let r = 0; r < n; r++) for (let q = 0; q < n; q++) {
    const x1 = -DOMAIN + (q + 0.5) * 2 * DOMAIN / n, x2 = DOMAIN - (r + 0.5) * 2 * DOMAIN / n;
    out[r * n + q] = featureValue(key, x1, x2) / scale;
  }
  return out;
}

function paint(canvas, values, n, discrete) {  // values in [-1, 1]
  canvas.width = canvas.height = n;
  const ctx = canvas.getContext("2d"), image = ctx.createImageData(n, n);
  for (let i = 0; i < n * n; i++) {
    const v = discrete ? Math.sign(values[i]) : values[i];
    const c = lighten(colorOf(v), 0.15);
    image.data.set([c[0], c[1], c[2], 255], 4 * i);
  }
  ctx.putImageData(image, 0, 0);
}

function drawFeature(canvas, key) { paint(canvas, featureGrid(key, 20), 20); }

function thumbValues(bytes) { return Array.from(bytes, (b) => b / 127.5 - 1); }

function neuronValues(id) {  // [values, n] of a node's picture
  const f = state.frame;
  if (id.startsWith("f-")) return [featureGrid(id.slice(2), 40), 40];
  const [, layer, j] = id.split("-").map(Number);
  if (!f) return null;
  if (layer <= f.thumbs.length) {
    const t = f.thumbs[layer - 1] && f.thumbs[layer - 1][j];
    return t ? [thumbValues(b64bytes(t)), f.thumb] : null;
  }
  const heat = b64bytes(f.heat), n = f.grid, out = new Float32Array(n * n);
  for (let i = 0; i < n * n; i++) {
    out[i] = (f.outputs === 3 ? heat[3 * i + j] : heat[i]) / 127.5 - 1;
  }
  return [out, n];
}

function drawThumbs() {
  for (const node of document.querySelectorAll(".node:not(.feature)")) {
    const found = neuronValues(node.id);
    if (found) paint(node.querySelector("canvas"), found[0], found[1]);
  }
}

function center(el, side) {
  const box = el.getBoundingClientRect(), origin = $("net").getBoundingClientRect();
  return [(side === "right" ? box.right : box.left) - origin.left,
    box.top + box.height / 2 - origin.top];
}

function drawLinks() {
  const f = state.frame, svg = $("links");
  if (!f) return;
  const c = state.cfg;
  const sizes = [c.features.length, ...c.layers, nOutputs()];
  const shapes = f.weights.map(([W]) => [W.length, W[0] ? W[0].length : 0]);
  const expected = sizes.slice(1).map((out, k) => [out, sizes[k]]);
  if (JSON.stringify(shapes) !== JSON.stringify(expected)) return;  // a frame of the old network
  const sig = JSON.stringify(expected) + c.features.join();
  if (sig !== state.linkSig) {
    state.linkSig = sig;
    let paths = "";
    f.weights.forEach(([W], k) => W.forEach((row, to) => row.forEach((_, from) => {
      const src = k === 0 ? $(`f-${c.features[from]}`) : $(`n-${k}-${from}`);
      const dst = $(`n-${k + 1}-${to}`);
      const [x1, y1] = center(src, "right"), [x2, y2] = center(dst, "left");
      const mx = (x1 + x2) / 2;
      paths += `<path data-layer="${k}" data-to="${to}" data-from="${from}" ` +
        `d="M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}"><title></title></path>`;
    })));
    svg.innerHTML = paths;
  }
  for (const path of svg.children) {
    const w = f.weights[path.dataset.layer][0][path.dataset.to][path.dataset.from];
    path.setAttribute("stroke", css(w >= 0 ? COLORS.pos : COLORS.neg));
    path.setAttribute("stroke-width", Math.min(8, 0.6 + 2.2 * Math.abs(w)).toFixed(2));
    path.setAttribute("stroke-opacity", "0.75");
    path.firstChild.textContent = `weight ${w.toFixed(3)} (click to edit)`;
  }
}

$("links").addEventListener("click", (e) => {
  const path = e.target.closest("path");
  if (!path) return;
  const w = state.frame.weights[path.dataset.layer][0][path.dataset.to][path.dataset.from];
  const value = prompt("New value of this weight:", w.toFixed(3));
  if (value === null) return;
  api(`/api/sessions/${state.sid}/weight`, {layer: Number(path.dataset.layer),
    to: Number(path.dataset.to), from: Number(path.dataset.from), value: Number(value)})
    .catch((err) => showStatus(err.message));
});

// ---- frames ----------------------------------------------------------------------------------
function onFrame(f) {
  state.frame = f;
  $("epoch").textContent = String(f.epoch).padStart(6, "0").replace(/(\d{3})(\d{3})$/, "$1,$2");
  $("test-loss").textContent = f.testLoss === null ? "NaN" : f.testLoss.toFixed(3);
  $("train-loss").textContent = f.trainLoss === null ? "NaN" : f.trainLoss.toFixed(3);
  const play = $("play");
  play.classList.toggle("playing", f.playing);
  if (play.dataset.playing !== (f.playing ? "1" : "0") || !play.firstChild) {
    play.innerHTML = f.playing ? PAUSE_ICON : PLAY_ICON;
    play.dataset.playing = f.playing ? "1" : "0";
  }
  $("message").textContent = f.message || "";
  $("scale-row").hidden = f.outputs === 3;  // three classes: colours, not a scale
  $("lr-now").textContent = state.cfg.schedule === "none" ? "" :
    `learning rate now ${Number(f.lr.toPrecision(3))}`;
  const outputNodes = document.querySelectorAll(`[id^="n-${state.cfg.layers.length + 1}-"]`);
  if (f.outputs !== outputNodes.length) buildNetwork();
  drawThumbs();
  drawLinks();
  drawHeat();
  drawCurve();
  // the maths follow the training; a graph (drawn by matplotlib) less often
  const every = state.explain && state.explain.graph ? 3000 : 1000;
  if (state.explain && performance.now() - state.explainedAt > every) explainNeuron();
}

// ---- a neuron's maths at a point -------------------------------------------------------------
async function explainNeuron() {
  const e = state.explain;
  if (!e) { $("maths").hidden = true; return; }
  state.explainedAt = performance.now();
  const [x1, x2] = state.point || (state.data ? state.data.train[0] : [0, 0]);
  let m;
  try {
    m = await api(`/api/sessions/${state.sid}/neuron`, {layer: e.layer, index: e.index, x1, x2});
  } catch (err) { showStatus(err.message); state.explain = null; $("maths").hidden = true; return; }
  state.point = m.point;
  const f = (v) => Number(v).toPrecision(3);
  const rows = m.names.map((name, i) => `<tr><td>${name}</td><td>${f(m.inputs[i])}</td>` +
    `<td>${f(m.weights[i])}</td><td>${f(m.inputs[i] * m.weights[i])}</td>` +
    `<td>${f(m.gradWeights[i])}</td></tr>`).join("");
  const fn = m.activation === "none" ? "" : `${m.activation}(z)`;
  $("maths").innerHTML = `<button class="button close" id="maths-close">close</button>` +
    `<b>${e.label}</b> at the ${m.train ? "training" : "test"} point ` +
    `(${f(m.point[0])}, ${f(m.point[1])}), ` +
    `label ${Number.isInteger(m.label) ? m.label : f(m.label)}; ` +
    `click the output to choose another point` +
    `<table><tr><th>input</th><th>x</th><th>w</th><th>w&middot;x</th>` +
    `<th>&part;L/&part;w</th></tr>` +
    rows + `<tr><td>bias</td><td></td><td>${f(m.bias)}</td><td>${f(m.bias)}</td>` +
    `<td>${f(m.gradBias)}</td></tr></table>` +
    `<div class="formula">z = &Sigma; w&middot;x + b = ${f(m.z)}</div>` +
    `<div class="formula">${fn ? `a = ${fn} = ${f(m.a)}` : "output score (no activation)"}</div>` +
    `<div class="formula">L = ${f(m.loss)} (this point's loss), &part;L/&part;z = ${f(m.gradZ)}, ` +
    `&part;L/&part;w = &part;L/&part;z &middot; x</div>`;
  const query = `layer=${e.layer}&index=${e.index}&x1=${m.point[0]}&x2=${m.point[1]}`;
  $("maths").insertAdjacentHTML("beforeend", m.names.length > 8 ? "" :
    `<button class="button" id="graph-button">${e.graph ? "hide" : "show"} ` +
    `the computational graph</button>` +
    (e.graph ? `<div class="graph-box"><img id="graph" alt="computational graph of the neuron" ` +
      `src="/api/sessions/${state.sid}/neuron.png?${query}"></div>` : ""));
  $("maths").hidden = false;
  $("maths-close").addEventListener("click", () => {
    state.explain = null; $("maths").hidden = true; drawHeat();
  });
  const button = $("graph-button");
  if (button) button.addEventListener("click", () => { e.graph = !e.graph; explainNeuron(); });
  drawHeat();
}

$("heat").addEventListener("click", (event) => {
  const box = $("heat").getBoundingClientRect();
  const x1 = ((event.clientX - box.left) / box.width) * 2 * DOMAIN - DOMAIN;
  const x2 = DOMAIN - ((event.clientY - box.top) / box.height) * 2 * DOMAIN;
  state.point = [x1, x2];
  if (state.explain) explainNeuron();
});

function drawHeat() {
  const canvas = $("heat"), ctx = canvas.getContext("2d"), size = canvas.width;
  const f = state.frame;
  ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, size, size);
  const off = document.createElement("canvas");
  if (state.hover) {
    const found = neuronValues(state.hover.id);
    if (found) paint(off, found[0], found[1], state.ui.discretize);
    $("heat-label").textContent = state.hover.label;
  } else if (f) {
    $("heat-label").textContent = "";
    const n = f.grid, heat = b64bytes(f.heat);
    off.width = off.height = n;
    const octx = off.getContext("2d"), image = octx.createImageData(n, n);
    for (let i = 0; i < n * n; i++) {
      let c;
      if (f.outputs === 3) {
        const p = [heat[3 * i], heat[3 * i + 1], heat[3 * i + 2]].map((b) => b / 255);
        if (state.ui.discretize) c = CLASS_COLORS[p.indexOf(Math.max(...p))];
        else {
          c = lighten([0, 1, 2].map((ch) => p[0] * COLORS.neg[ch] + p[1] * COLORS.pos[ch] +
            p[2] * COLORS.third[ch]), 0.1);
        }
        c = lighten(c, 0.35);
      } else {
        const v = heat[i] / 127.5 - 1;
        c = lighten(colorOf(state.ui.discretize ? (v < 0 ? -1 : 1) : v), 0.3);
      }
      image.data.set([c[0], c[1], c[2], 255], 4 * i);
    }
    octx.putImageData(image, 0, 0);
  }
  if (off.width) { ctx.imageSmoothingEnabled = true; ctx.drawImage(off, 0, 0, size, size); }
  drawAxes(ctx, size);
  const d = state.data;
  if (!d) return;
  const toPx = (x) => (x + DOMAIN) / (2 * DOMAIN) * size;
  const points = (rows, stroke) => {
    for (const [x1, x2, y] of rows) {
      const c = d.problem === "regression" ? colorOf(y) : CLASS_COLORS[y];
      ctx.beginPath();
      ctx.arc(toPx(x1), size - toPx(x2), 3, 0, 2 * Math.PI);
      ctx.fillStyle = css(c); ctx.fill();
      ctx.lineWidth = 1; ctx.strokeStyle = stroke; ctx.stroke();
    }
  };
  points(d.train, "#fff");
  if (state.ui.showTest) points(d.test, "#000");
  if (state.explain && state.point) {
    ctx.beginPath();
    ctx.arc(toPx(state.point[0]), size - toPx(state.point[1]), 8, 0, 2 * Math.PI);
    ctx.lineWidth = 2; ctx.strokeStyle = "#1f2933"; ctx.stroke();
  }
}

function drawAxes(ctx, size) {
  ctx.fillStyle = "#4a5661"; ctx.font = "10px system-ui, sans-serif";
  for (const t of [-6, -4, -2, 0, 2, 4, 6]) {
    const p = (t + DOMAIN) / (2 * DOMAIN) * size;
    ctx.fillRect(p, size - 4, 1, 4);
    ctx.fillRect(0, size - p, 4, 1);
  }
}

function drawCurve() {
  const canvas = $("curve"), ctx = canvas.getContext("2d"), w = canvas.width, h = canvas.height;
  ctx.clearRect(0, 0, w, h);
  const hist = (state.frame && state.frame.history) || [];
  if (hist.length < 2) return;
  let top = 0;
  for (const [, a, b] of hist) top = Math.max(top, a || 0, b || 0);
  if (!(top > 0)) return;
  const first = hist[0][0], last = hist[hist.length - 1][0];
  const line = (k, color) => {
    ctx.beginPath();
    hist.forEach((row, i) => {
      const x = (row[0] - first) / Math.max(1, last - first) * (w - 2) + 1;
      const y = h - 2 - Math.min(1, (row[k] === null ? top : row[k]) / top) * (h - 4);
      if (i) ctx.lineTo(x, y); else ctx.moveTo(x, y);
    });
    ctx.strokeStyle = color; ctx.lineWidth = 1.5; ctx.stroke();
  };
  line(1, "#9aa5b1");
  line(2, "#1f2933");
}

function drawScale() {
  const canvas = $("scale"), ctx = canvas.getContext("2d");
  for (let x = 0; x < canvas.width; x++) {
    ctx.fillStyle = css(lighten(colorOf(2 * x / (canvas.width - 1) - 1), 0.3));
    ctx.fillRect(x, 0, 1, canvas.height);
  }
}

function drawDatasetIcon(canvas, name) {
  const n = 40, ctx = canvas.getContext("2d"), image = ctx.createImageData(n, n);
  for (let r = 0; r < n; r++) for (let q = 0; q < n; q++) {
    const x = (q / n - 0.5) * 12, y = (0.5 - r / n) * 12, radius = Math.hypot(x, y);
    let v, c;
    if (name === "circle") v = radius < 3 ? -1 : 1;
    else if (name === "xor") v = x * y >= 0 ? -1 : 1;
    else if (name === "gauss") v = x + y < 0 ? -1 : 1;
    else if (name === "spiral" || name === "spiral3") {
      const k = name === "spiral" ? 2 : 3;
      const arm = ((Math.atan2(y, x) - 2 * Math.PI * radius / 5) / (2 * Math.PI / k) % k + k) % k;
      c = CLASS_COLORS[Math.floor(arm)];
    } else if (name === "plane") v = (x + y) / 12;
    else if (name === "multigauss") v = Math.sin(x / 1.3) * Math.cos(y / 1.6);
    else c = [236, 239, 242];
    c = lighten(c || colorOf(v), 0.2);
    image.data.set([c[0], c[1], c[2], 255], 4 * (r * n + q));
  }
  ctx.putImageData(image, 0, 0);
  if (name === "csv") {
    ctx.fillStyle = "#4a5661"; ctx.font = "bold 11px system-ui, sans-serif";
    ctx.fillText("CSV", 9, 24);
  }
}

// ---- snapshots: runs side by side --------------------------------------------------------
function takeSnapshot() {
  const f = state.frame, c = state.cfg;
  if (!f) return;
  const card = document.createElement("div");
  card.className = "snapshot";
  const hash = state.writtenHash;
  const features = c.features.join(",");
  const loss = f.testLoss === null ? "NaN" : f.testLoss.toFixed(3);
  card.innerHTML = `<img alt="snapshot" src="${$("heat").toDataURL("image/png")}">` +
    `<div><b>epoch ${f.epoch}</b>, test loss <b>${loss}</b></div>` +
    `<div>${c.dataset}; ${features}; ${c.layers.join(",") || "no hidden layer"}; ` +
    `${c.activation}; ` +
    `lr ${c.lr}; ${c.optimizer}${c.reg !== "none" ? "; " + c.reg + " " + c.regRate : ""}</div>` +
    `<div class="tools">` +
    `<button class="button restore" title="Open this set-up again">set-up</button>` +
    `<button class="button remove" title="Remove">&times;</button></div>`;
  card.querySelector(".restore").addEventListener("click", () => { location.hash = hash; });
  card.querySelector(".remove").addEventListener("click", () => card.remove());
  const box = $("snapshots");
  box.appendChild(card);
  while (box.children.length > 4) box.firstChild.remove();
}

// ---- your own data ---------------------------------------------------------------------------
function setupDrop() {
  const drop = $("drop");
  const upload = async (file) => {
    if (!file) return;
    try {
      const text = await file.text();
      const answer = await api(`/api/sessions/${state.sid}/csv`, text, true);
      const structure = netSignature();
      state.cfg = answer.config;
      $("data-error").textContent = "";
      renderControls(netSignature() !== structure);
      writeHash();
      showStatus(`${file.name}: ${answer.rows} rows.`);
    } catch (err) {
      $("data-error").textContent = err.message;
    }
  };
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault(); drop.classList.remove("over");
    upload(e.dataTransfer.files[0]);
  });
  $("csv-file").addEventListener("change", (e) => upload(e.target.files[0]));
}

// ---- start -------------------------------------------------------------------------------------
setupControls();
$("play").innerHTML = PLAY_ICON;
const initial = readHash();
state.ui = initial.ui;
start(initial.sent).catch(
  (err) => showStatus("The playground server does not answer: " + err.message));
