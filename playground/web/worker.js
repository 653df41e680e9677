// worker.js: runs nox (nox.wasm, Go's js/wasm port) off the page's
// thread, so that training leaves the page responsive. The page sends
// {type: "check" | "format" | "run" | "stop" | "upload", ...} and hears
// back messages of the same types (run: one per progress step, result
// and end), plus "ready" once the module and the examples are loaded.
"use strict";
importScripts("memfs.js", "wasm_exec.js");

let manifest = null;
const ready = boot().catch((e) => { postMessage({ type: "fatal", error: String(e && e.stack || e) }); throw e; });

async function boot() {
  const t0 = performance.now();
  manifest = await (await fetch("manifest.json")).json();
  await Promise.all(manifest.files.map(async (p) => {
    const r = await fetch(p);
    if (!r.ok) throw new Error(p + ": " + r.status);
    fs.mem.writeFile("/" + p, new Uint8Array(await r.arrayBuffer()));
  }));
  const go = new Go();
  const started = new Promise((resolve) => { globalThis.noxReady = resolve; });
  const { instance } = await WebAssembly.instantiateStreaming(fetch(manifest.wasm), go.importObject);
  go.run(instance);
  await started;
  postMessage({ type: "ready", manifest, ms: performance.now() - t0 });
}

onmessage = async (e) => {
  await ready;
  try {
    handle(e.data);
  } catch (err) { // the module ended (it should not): the page must reload
    postMessage({ type: "fatal", error: String(err && err.message || err) });
  }
};

function handle(m) {
  switch (m.type) {
    case "check": {
      const t = performance.now();
      const report = JSON.parse(nox.check(m.file, m.text));
      postMessage({ type: "check", id: m.id, report, ms: performance.now() - t });
      break;
    }
    case "format":
      postMessage({ type: "format", id: m.id, ...JSON.parse(nox.format(m.file, m.text)) });
      break;
    case "stop":
      nox.stop();
      break;
    case "upload":
      upload(m);
      break;
    case "run":
      run(m);
      break;
  }
}

function upload(m) {
  if (!/^[A-Za-z0-9_.-]+\.csv$/.test(m.name) || m.bytes.byteLength > manifest.max_upload) {
    postMessage({ type: "upload", error: "refused: want a .csv file of at most " + manifest.max_upload + " bytes with a plain name" });
    return;
  }
  const path = "examples/data/" + m.name;
  fs.mem.writeFile("/" + path, new Uint8Array(m.bytes));
  postMessage({ type: "upload", path, bytes: m.bytes.byteLength });
}

function run(m) {
  const t0 = Date.now();
  const err = nox.run(m.file, m.text, JSON.stringify({ maxSteps: m.maxSteps || 0 }), (json) => {
    const msg = JSON.parse(json);
    postMessage({ type: "run", msg });
    if (msg.type === "done") {
      // The files the run wrote, for the page to show and offer.
      const files = fs.mem.changedSince(t0).map((p) => ({ path: p.slice(1), bytes: fs.mem.readFile(p) }));
      postMessage({ type: "files", files });
    }
  });
  if (err) postMessage({ type: "run", msg: { type: "done", error: err } });
}
