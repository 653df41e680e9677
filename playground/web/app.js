// app.js: the playground page. The editor is a textarea over a <pre> that
// draws the diagnostics' ranges, beside a gutter of line numbers; nox
// itself runs in worker.js, spoken to by postMessage.
"use strict";

const $ = (id) => document.getElementById(id);
const editor = $("editor"), marks = $("marks"), gutter = $("gutter");
const worker = new Worker("worker.js");
const pageStart = performance.now();

// window.noxPlayground is what a test (playground/test/e2e.js) reads.
const state = window.noxPlayground = {
  manifest: null, file: "", texts: {}, diagnostics: [], events: [], running: false,
  stats: { readyMs: null, firstCheckMs: null, lastCheckMs: null, checks: 0 },
  checkSeq: 0, checkShown: 0,
};

function setStatus(text) { $("status").textContent = text; }
function setState(s) { document.body.dataset.state = s; }

// ---- the editor: gutter, marks, diagnostics ----

// charIndex turns a 1-based line and byte column (lang.Pos counts bytes)
// into an index into text.
function charIndex(text, line, col) {
  let i = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf("\n", i);
    if (nl < 0) return text.length;
    i = nl + 1;
  }
  let bytes = 1;
  while (bytes < col && i < text.length && text[i] !== "\n") {
    const c = text.codePointAt(i);
    bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    i += c >= 0x10000 ? 2 : 1;
  }
  return i;
}

function escapeHTML(s) {
  return s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));
}

function render() {
  const text = editor.value;
  const lines = text.split("\n").length;
  const byLine = new Map();
  for (const d of state.diagnostics) {
    if (!byLine.has(d.line) || d.severity === "error") byLine.set(d.line, d);
  }
  let g = "";
  for (let l = 1; l <= lines; l++) {
    const d = byLine.get(l);
    g += d ? `<div class="${d.severity}" data-line="${l}" title="${escapeHTML(d.message)}">${l}</div>` : `<div>${l}</div>`;
  }
  gutter.innerHTML = g;
  // The ranges, sorted and without overlaps, as <mark>s in a copy of the text.
  const spans = state.diagnostics.map((d) => {
    const a = charIndex(text, d.line, d.column);
    let b = charIndex(text, d.end_line, d.end_column);
    if (b <= a) b = Math.min(a + 1, text.length);
    return { a, b, cls: d.severity };
  }).sort((x, y) => x.a - y.a);
  let html = "", at = 0;
  for (const s of spans) {
    if (s.a < at) continue;
    html += escapeHTML(text.slice(at, s.a)) + `<mark class="${s.cls}">${escapeHTML(text.slice(s.a, s.b)) || " "}</mark>`;
    at = s.b;
  }
  marks.innerHTML = html + escapeHTML(text.slice(at)) + "\n";
  syncScroll();
}

function syncScroll() {
  marks.scrollTop = editor.scrollTop;
  marks.scrollLeft = editor.scrollLeft;
  gutter.scrollTop = editor.scrollTop;
}

function showDiagnostics(report) {
  state.diagnostics = report ? report.diagnostics : [];
  const list = $("diagnostics");
  list.innerHTML = "";
  for (const d of state.diagnostics) {
    const li = document.createElement("li");
    li.className = d.severity;
    li.dataset.line = d.line;
    li.dataset.column = d.column;
    const fixes = (d.suggestions || []).map((s) => s.text).join(", ");
    li.innerHTML = `<span class="pos">${d.line}:${d.column}</span> ${d.severity}: ${escapeHTML(d.message)}` +
      (fixes ? ` <span class="fix">→ ${escapeHTML(fixes)}</span>` : "");
    li.onclick = () => goTo(d);
    list.appendChild(li);
  }
  if (!state.diagnostics.length) list.innerHTML = '<li class="none">no problems</li>';
  const e = report ? report.errors : 0, w = report ? report.warnings : 0;
  $("diagCount").textContent = `${e} error${e === 1 ? "" : "s"}, ${w} warning${w === 1 ? "" : "s"}`;
  render();
}

// goTo selects a diagnostic's range and scrolls it into view.
function goTo(d) {
  const text = editor.value;
  editor.focus();
  editor.setSelectionRange(charIndex(text, d.line, d.column), Math.max(charIndex(text, d.end_line, d.end_column), charIndex(text, d.line, d.column)));
  const lineHeight = 20;
  const top = (d.line - 1) * lineHeight;
  if (top < editor.scrollTop || top > editor.scrollTop + editor.clientHeight - 2 * lineHeight) editor.scrollTop = Math.max(0, top - 3 * lineHeight);
  syncScroll();
}

gutter.onclick = (e) => {
  const line = +e.target.dataset.line;
  const d = state.diagnostics.find((x) => x.line === line);
  if (d) goTo(d);
};

// ---- check as you type ----

let checkTimer = 0;
function scheduleCheck(delay = 300) {
  clearTimeout(checkTimer);
  checkTimer = setTimeout(check, delay);
}
function check() {
  state.checkSeq++;
  state.sentText = editor.value;
  worker.postMessage({ type: "check", id: state.checkSeq, file: state.file, text: editor.value });
}

editor.addEventListener("input", () => {
  state.texts[state.file] = editor.value;
  render();
  scheduleCheck();
});
editor.addEventListener("scroll", syncScroll);
editor.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); run(); }
  if (e.key === "Tab") { e.preventDefault(); document.execCommand("insertText", false, "    "); }
});

// ---- examples ----

async function open(file) {
  state.file = file;
  if (!(file in state.texts)) state.texts[file] = await (await fetch(file)).text();
  editor.value = state.texts[file];
  editor.scrollTop = 0;
  showDiagnostics(null);
  check();
}

$("example").onchange = (e) => open(e.target.value);

// ---- buttons ----

$("check").onclick = () => check();
$("format").onclick = () => worker.postMessage({ type: "format", file: state.file, text: editor.value });
$("run").onclick = () => run();
$("stop").onclick = () => { worker.postMessage({ type: "stop" }); setStatus("stopping…"); };

$("upload").onchange = async (e) => {
  const f = e.target.files[0];
  e.target.value = "";
  if (!f) return;
  const max = state.manifest.max_upload;
  if (f.size > max) {
    setStatus(`${f.name} refused: ${f.size} bytes, more than the ${max} an upload may have`);
    return;
  }
  worker.postMessage({ type: "upload", name: f.name, bytes: await f.arrayBuffer() });
};

// ---- running ----

const loss = { points: [], total: 0, label: "", drawn: false };

function run() {
  if (state.running || !state.manifest) return;
  state.running = true;
  state.events = [];
  state.runError = "";
  setState("running");
  $("run").disabled = true;
  $("stop").disabled = false;
  $("log").textContent = "";
  $("pictures").innerHTML = "";
  $("files").innerHTML = "";
  Object.assign(loss, { points: [], total: 0, label: "" });
  drawLoss();
  setProgress(0, "starting…");
  state.runStarted = performance.now();
  worker.postMessage({ type: "run", file: state.file, text: editor.value, maxSteps: +$("maxSteps").value || 0 });
}

function setProgress(frac, text) {
  $("bar").style.width = (100 * frac).toFixed(1) + "%";
  $("progressText").textContent = text;
}

function logLine(text, cls) {
  const span = document.createElement("span");
  if (cls) span.className = cls;
  span.textContent = text + "\n";
  $("log").appendChild(span);
}

function onRun(m) {
  switch (m.type) {
    case "start":
      Object.assign(loss, { points: [], total: 0, label: `${m.statement} ${m.flow}` });
      setProgress(0, `${loss.label}: starting`);
      break;
    case "step":
      loss.points.push([m.step, m.loss]);
      loss.total = m.total;
      setProgress(m.step / m.total, `${loss.label}: step ${m.step}/${m.total}  loss ${m.loss.toFixed(4)}`);
      if (!loss.drawn) { loss.drawn = true; requestAnimationFrame(() => { loss.drawn = false; drawLoss(); }); }
      break;
    case "log":
      logLine(m.text, "warning");
      break;
    case "event":
      state.events.push(m.event);
      logLine(m.text);
      break;
    case "done": {
      state.running = false;
      $("run").disabled = false;
      $("stop").disabled = true;
      const secs = ((performance.now() - state.runStarted) / 1000).toFixed(2);
      if (m.error) {
        state.runError = m.error;
        logLine(m.error, "error");
        if (m.report) showDiagnostics(m.report);
        setStatus(`run failed after ${secs}s`);
      } else {
        setStatus(`ran in ${secs}s`);
      }
      drawLoss();
      break;
    }
  }
}

function onFiles(files) {
  const pics = $("pictures"), links = $("files");
  for (const f of files) {
    if (f.path.endsWith(".nox")) continue;
    const type = f.path.endsWith(".png") ? "image/png" : f.path.endsWith(".svg") ? "image/svg+xml" : "text/csv";
    const url = URL.createObjectURL(new Blob([f.bytes], { type }));
    const name = f.path.split("/").pop();
    if (type.startsWith("image/")) {
      const fig = document.createElement("figure");
      fig.innerHTML = `<a href="${url}" target="_blank"><img alt="${escapeHTML(name)}" src="${url}"></a><figcaption>${escapeHTML(f.path)}</figcaption>`;
      pics.appendChild(fig);
    }
    const a = document.createElement("a");
    a.href = url;
    a.download = name;
    a.textContent = `⬇ ${name} (${f.bytes.length.toLocaleString()} bytes)`;
    links.appendChild(a);
  }
  setState("done");
}

// drawLoss draws the batch loss of the training in progress.
function drawLoss() {
  const c = $("loss"), ctx = c.getContext("2d");
  const w = c.width = c.clientWidth * devicePixelRatio, h = c.height = c.clientHeight * devicePixelRatio;
  ctx.setTransform(devicePixelRatio, 0, 0, devicePixelRatio, 0, 0);
  const W = w / devicePixelRatio, H = h / devicePixelRatio, L = 52, R = 10, T = 18, B = 22;
  ctx.clearRect(0, 0, W, H);
  ctx.font = "11px sans-serif";
  ctx.fillStyle = "#777";
  ctx.fillText(loss.label ? `${loss.label}: batch loss` : "batch loss (during training)", L, 12);
  const p = loss.points;
  if (!p.length) return;
  const ys = p.map((q) => q[1]).filter(Number.isFinite).sort((a, b) => a - b);
  if (!ys.length) return;
  // The 2nd–100th percentile: the first steps' loss would flatten the rest.
  let lo = ys[0], hi = ys[Math.min(ys.length - 1, Math.floor(ys.length * 0.98))];
  if (hi - lo < 1e-9) { hi = lo + 1; }
  const x = (s) => L + (W - L - R) * s / Math.max(loss.total, 1);
  const y = (v) => T + (H - T - B) * (1 - (Math.min(v, hi) - lo) / (hi - lo));
  ctx.strokeStyle = "#ccc";
  ctx.beginPath(); ctx.moveTo(L, T); ctx.lineTo(L, H - B); ctx.lineTo(W - R, H - B); ctx.stroke();
  ctx.fillText(hi.toFixed(3), 4, T + 4);
  ctx.fillText(lo.toFixed(3), 4, H - B);
  ctx.fillText("step " + loss.total, W - R - 60, H - 6);
  ctx.strokeStyle = "#2762c7";
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  p.forEach((q, i) => (i ? ctx.lineTo(x(q[0]), y(q[1])) : ctx.moveTo(x(q[0]), y(q[1]))));
  ctx.stroke();
}

// ---- the worker's messages ----

worker.onmessage = (e) => {
  const m = e.data;
  switch (m.type) {
    case "ready": {
      state.manifest = m.manifest;
      state.stats.readyMs = performance.now() - pageStart;
      const sel = $("example");
      for (const f of m.manifest.examples) sel.add(new Option(f.replace(/^examples\//, ""), f));
      sel.value = "examples/moons.nox";
      setStatus(`nox.wasm ready in ${(state.stats.readyMs / 1000).toFixed(1)}s (${(m.manifest.wasm_bytes / 1e6).toFixed(1)} MB)`);
      setState("ready");
      open(sel.value);
      break;
    }
    case "check":
      if (m.id < state.checkShown) break; // an older check's answer
      state.checkShown = m.id;
      // checkedText is the text the diagnostics shown are of (for tests).
      if (m.id === state.checkSeq) state.checkedText = state.sentText;
      state.stats.checks++;
      state.stats.lastCheckMs = m.ms;
      if (state.stats.firstCheckMs === null) state.stats.firstCheckMs = performance.now() - pageStart;
      showDiagnostics(m.report);
      break;
    case "format":
      if (m.report) { showDiagnostics(m.report); setStatus("not formatted: the program does not parse"); break; }
      if (m.text !== editor.value) {
        editor.focus();
        editor.select();
        document.execCommand("insertText", false, m.text); // keeps undo
        if (editor.value !== m.text) editor.value = m.text;
        state.texts[state.file] = editor.value;
        render();
      }
      setStatus("formatted");
      break;
    case "upload":
      if (m.error) { setStatus(m.error); break; }
      setStatus(`uploaded ${m.path} (${m.bytes} bytes): csv("${m.path.replace(/^examples\//, "")}") reads it`);
      scheduleCheck(0);
      break;
    case "run":
      onRun(m.msg);
      break;
    case "files":
      onFiles(m.files);
      break;
    case "fatal":
      setStatus("nox failed to load: " + m.error);
      setState("failed");
      break;
  }
};
worker.onerror = (e) => { setStatus("worker error: " + e.message); setState("failed"); };
addEventListener("resize", drawLoss);
