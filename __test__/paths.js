#!/usr/bin/env node
'use strict';
// The test suite on the paths `npm test` does not take (`npm run
// test:paths`). `npm test` runs under this Node with the accelerator built
// for it (accel/, next to cshared's .node), so scalar calls take V8's fast
// path; this runs the test files again:
//   - under this Node with CSHARED_FAST=off (every call through Node-API);
//   - under Node 26 from npm (accel/build.js installs it into build/nodes/),
//     with its accelerator and with CSHARED_FAST=off.
// The files are those that make calls (the scalar-heavy ones and the
// callbacks, async, workers and Go around them); fast.test.js runs every
// Node and setting itself, and the rest read headers, types or packages,
// which the accelerator does not touch. `--majors=22,24,26` picks the
// other Nodes; `--all` runs every test file but fast.test.js.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const accel = require('../accel/build');

const root = path.join(__dirname, '..');
const CALLS = [
  'core', 'strict', 'errors', 'fastpath', 'parity', 'properties', 'safety', 'layout', 'variadic',
  'callbacks', 'async', 'async-buffers', 'workers', 'soak', 'go', 'go-types',
];
const all = process.argv.includes('--all');
const files = fs
  .readdirSync(__dirname)
  .filter((f) => f.endsWith('.test.js') && f !== 'fast.test.js' && (all || CALLS.includes(f.slice(0, -'.test.js'.length))))
  .map((f) => path.join('__test__', f));
if (!all && files.length !== CALLS.length) throw new Error(`__test__/paths.js: some of ${CALLS.join(', ')} are missing`);
const arg = process.argv.find((a) => a.startsWith('--majors='));
const majors = (arg ? arg.slice('--majors='.length) : '26').split(',').map(Number);

const own = Number(process.versions.node.split('.')[0]);
const runs = [{ name: `Node ${process.versions.node}, CSHARED_FAST=off`, node: process.execPath, fast: false }];
for (const major of majors) {
  if (major === own) continue;
  accel.build(major, { quiet: false });
  const node = accel.nodeFor(major, false);
  runs.push({ name: `Node ${major} (npm), with the accelerator`, node, fast: true });
  runs.push({ name: `Node ${major} (npm), CSHARED_FAST=off`, node, fast: false });
}

// Not this repository's npm settings (from `npm run`).
const baseEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
let failed = 0;
for (const r of runs) {
  const env = { ...baseEnv, CSHARED_FAST: r.fast ? '' : 'off' };
  const status = spawnSync(r.node, ['-p', "JSON.stringify(require('.').fastCalls())"], { cwd: root, env, encoding: 'utf8' });
  const st = JSON.parse(status.stdout || '{}');
  if (st.active !== r.fast) {
    console.error(`${r.name}: the accelerator is ${st.active ? 'active' : 'not active'} (${st.reason || st.accelerator})`);
    failed++;
    continue;
  }
  const t = Date.now();
  const out = spawnSync(r.node, ['--test', '--test-reporter=tap', ...files], { cwd: root, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const summary = Object.fromEntries([...out.stdout.matchAll(/^# (tests|pass|fail|skipped) (\d+)$/gm)].map((m) => [m[1], Number(m[2])]));
  console.log(`${r.name}: ${summary.pass}/${summary.tests} passed, ${summary.fail} failed, ${summary.skipped} skipped (${((Date.now() - t) / 1000).toFixed(0)} s)`);
  if (out.status !== 0) {
    failed++;
    const bad = out.stdout.split('\n').filter((l) => /^\s*not ok/.test(l));
    console.log(bad.join('\n'));
  }
}
process.exit(failed ? 1 : 0);
