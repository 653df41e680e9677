// tokenize.js tokenizes files with nox's TextMate grammar as VS Code does
// (vscode-textmate with the Oniguruma regular expressions of
// vscode-oniguruma), for nox's tests: node tokenize.js GRAMMAR FILE...
// prints {FILE: [[{start, end, scopes}, ...] per line]}.
const fs = require('fs');
const path = require('path');
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

(async () => {
  const wasm = fs.readFileSync(path.join(path.dirname(require.resolve('vscode-oniguruma')), 'onig.wasm')).buffer;
  await oniguruma.loadWASM(wasm);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (p) => new oniguruma.OnigScanner(p),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async () => vsctm.parseRawGrammar(fs.readFileSync(process.argv[2], 'utf8'), process.argv[2]),
  });
  const grammar = await registry.loadGrammar('source.nox');
  const out = {};
  for (const file of process.argv.slice(3)) {
    let state = vsctm.INITIAL;
    out[file] = fs.readFileSync(file, 'utf8').split('\n').map((line) => {
      const r = grammar.tokenizeLine(line, state);
      state = r.ruleStack;
      return r.tokens.map((t) => ({ start: t.startIndex, end: t.endIndex, scopes: t.scopes }));
    });
  }
  process.stdout.write(JSON.stringify(out));
})().catch((e) => {
  process.stderr.write(String(e && e.stack ? e.stack : e) + '\n');
  process.exit(1);
});
