// run.js runs ONNX models in ONNX Runtime for nox's tests: node run.js
// REQUEST.json, the request {model, dtype, inputs: {name: {dims, data}}},
// prints {name: {dims, data}} of every output. Non-finite numbers travel
// as the strings "NaN", "Infinity" and "-Infinity". A list of requests
// prints the list of their results: one process, and one load of ONNX
// Runtime, for the eight models a flow exports. With "repeat": R a
// request's result is {seconds}, the best time of R runs instead (bench).
const ort = require('onnxruntime-node');
const fs = require('fs');

const num = (v) => (typeof v === 'string' ? Number(v) : v);
const enc = (v) => (Number.isFinite(v) ? v : String(v));

// run answers one request.
async function run(req) {
  const session = await ort.InferenceSession.create(req.model);
  const Arr = req.dtype === 'float32' ? Float32Array : Float64Array;
  const feeds = {};
  for (const [name, t] of Object.entries(req.inputs)) {
    feeds[name] = new ort.Tensor(req.dtype, Arr.from(t.data.map(num)), t.dims);
  }
  if (req.repeat) {
    // Timing: the best of req.repeat runs on the same inputs, after one
    // to warm up.
    await session.run(feeds);
    let best = Infinity;
    for (let i = 0; i < req.repeat; i++) {
      const t0 = process.hrtime.bigint();
      await session.run(feeds);
      best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
    }
    return { seconds: best };
  }
  const out = await session.run(feeds);
  const res = {};
  for (const [name, t] of Object.entries(out)) {
    res[name] = { dims: t.dims, data: Array.from(t.data, enc) };
  }
  return res;
}

(async () => {
  const req = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  if (!Array.isArray(req)) {
    process.stdout.write(JSON.stringify(await run(req)));
    return;
  }
  const res = [];
  for (const r of req) {
    res.push(await run(r));
  }
  process.stdout.write(JSON.stringify(res));
})().catch((e) => {
  process.stderr.write(String(e && e.message ? e.message : e) + '\n');
  process.exit(1);
});
