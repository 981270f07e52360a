'use strict';
// Property tests with fast-check: random valid values round-trip exactly;
// random invalid values and prototypes get a TypeError, RangeError or
// ERR_PARSE and never a crash. Each suite runs in a child process, so a
// crash fails its test with the signal instead of ending the run.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { cLibrary, root } = require('./helpers/fixtures');

const runs = process.env.PROPERTY_RUNS || '200';
const layoutDir = path.join(root, 'fixtures', 'layout');

function suite(name) {
  const args = [
    path.join(__dirname, 'scenarios', 'properties.js'),
    name,
    runs,
    cLibrary('types'),
    cLibrary('layout', ['-I', layoutDir], path.join(layoutDir, 'layout.c')),
    path.join(layoutDir, 'layout.h'),
  ];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 300000 });
  assert.equal(r.signal, null, `crashed with ${r.signal}\n${r.stderr.slice(0, 2000)}`);
  const results = r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const failed = results.filter((x) => !x.ok);
  assert.deepEqual(failed, [], JSON.stringify(failed, null, 2) + r.stderr.slice(0, 2000));
  assert.equal(r.status, 0, r.stderr.slice(0, 2000));
  assert.ok(results.length > 0);
  return results;
}

test('random valid values of every type round-trip exactly through C', () => {
  const results = suite('roundtrip');
  assert.ok(results.length >= 40, `${results.length} properties`);
});

test('random invalid values of every JS kind are refused, never a crash', () => {
  suite('misuse');
});

test('random and extreme prototypes work or fail with ERR_PARSE, never a crash', () => {
  suite('prototypes');
});
