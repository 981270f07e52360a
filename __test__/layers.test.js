'use strict';
// The Rust side's layering (README, "Code map"): each file of src/ imports
// only from its own layer or the ones below it, so there are no import
// cycles and no upward imports. Layers, bottom to top:
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');

const LAYERS = [
  ['error'],
  ['js', 'library'],
  ['go'],
  ['env'],
  ['marshal'],
  ['bind'],
  ['callback'],
  ['invoke'],
  ['fast'],
  ['prelude'],
  ['api'],
  ['lib'],
];
const SRC = path.join(__dirname, '..', 'src');
// The core crate's modules, re-exported by lib.rs: below everything here.
const CORE = new Set(['call', 'cdecl', 'fileurl', 'gosrc', 'header', 'types', 'typings']);

function rank(mod) {
  const i = LAYERS.findIndex((l) => l.includes(mod));
  return i;
}

function files(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? files(p) : e.name.endsWith('.rs') ? [p] : [];
  });
}

// The top-level module a file belongs to (src/invoke/sync.rs → invoke).
function moduleOf(file) {
  const rel = path.relative(SRC, file).split(path.sep);
  return rel[0].replace(/\.rs$/, '');
}

test('every src/ file imports only from its layer or below', () => {
  const upward = [];
  let seen = 0;
  for (const f of files(SRC)) {
    const own = moduleOf(f);
    const r = rank(own);
    assert.notStrictEqual(r, -1, `${path.relative(SRC, f)}: module '${own}' is in no layer (add it to LAYERS and the README's code map)`);
    const text = fs.readFileSync(f, 'utf8');
    for (const m of text.matchAll(/crate::([a-z_]+)/g)) {
      seen++;
      const to = m[1];
      if (CORE.has(to) || to === own) continue;
      const t = rank(to);
      assert.notStrictEqual(t, -1, `${path.relative(SRC, f)} names crate::${to}, which is in no layer`);
      if (t > r) upward.push(`${path.relative(SRC, f)} (${own}) → ${to}`);
    }
  }
  assert.ok(seen > 50, `only ${seen} crate:: paths found; is the scan broken?`);
  assert.deepStrictEqual(upward, []);
});

test('src/ never uses libffi directly (crates/core/src/call/ffi.rs does)', () => {
  const users = files(SRC).filter((f) => /\blibffi\b/.test(fs.readFileSync(f, 'utf8').replace(/\/\/.*$/gm, '')));
  assert.deepStrictEqual(users.map((f) => path.relative(SRC, f)), []);
});
