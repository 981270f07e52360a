'use strict';
// Native memory kept by binding loops (TESTING.md, "Leaks when binding").
// Each loop runs in a child process (__test__/scenarios/leaks.js): a
// warm-up, then two rounds of LEAK_ITERATIONS iterations (default 20,000),
// each one synchronous loop as in the reports, with GC and a settle after
// each. What a round leaves behind, per iteration, must stay under the
// bound in both rounds: the first is what a program sees, the second the
// steady state.
//
// Measured on glibc's native heap footprint (what malloc holds from the
// system, in use or kept free: the RSS the reports saw grow), which V8's
// heap does not blur (it maps its own pages, and RSS also counts the young
// generation's pages as a short run first touches them). Without glibc,
// RSS in the second round.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { cLibrary } = require('./helpers/fixtures');
const { rssUnmeasurable } = require('./helpers/rss');

const ITERATIONS = Number(process.env.LEAK_ITERATIONS || 20000);
const script = path.join(__dirname, 'scenarios', 'leaks.js');
const lib = cLibrary('types');

// Bytes per iteration. Every loop measures 0-25 here (it was 120-6,300
// before the fix).
const BOUND = 64;

const loops = [
  ['func', 'lib.func() of the same prototype'],
  ['func3', 'lib.func(name, result, params) of the same function'],
  ['load', 'load() + close()'],
  ['header', 'load() with a header text + close()'],
  ['register', 'register() + unregister() of the same function'],
  ['cdef', 'cdef() of the same text'],
  ['struct', 'an anonymous struct({...})'],
  ['callback', 'callback() of the same prototype'],
];

// A load() with a header reads the system headers it includes (stdint.h
// brings a dozen of glibc's) every time: that loop takes minutes, hence the
// long guard. (A fifth of the iterations measured 77 B per iteration in
// round 1: the fixed costs spread over too few.)

function measure(loop) {
  const n = ITERATIONS;
  const r = spawnSync(process.execPath, ['--expose-gc', script, loop, String(n), lib], {
    encoding: 'utf8',
    timeout: 300000,
  });
  assert.equal(r.status, 0, `${loop}: exit ${r.status} ${r.signal || ''}\n${r.stderr}`);
  return JSON.parse(r.stdout).perIteration;
}

function check(t, loop, bound) {
  const { round1, round2 } = measure(loop);
  const shown = `bytes per iteration, round 1: ${JSON.stringify(round1)}, round 2: ${JSON.stringify(round2)}`;
  if (round1.native !== null) {
    assert.ok(round1.native < bound && round2.native < bound, `${loop} keeps native memory (bound ${bound}): ${shown}`);
  } else {
    const why = rssUnmeasurable();
    if (why) return t.skip(why);
    assert.ok(round2.rss < 2 * bound, `${loop} keeps memory (bound ${2 * bound} of RSS): ${shown}`);
  }
}

for (const [loop, what] of loops) {
  test(`no leak: ${what} keeps under ${BOUND} bytes per iteration`, (t) => check(t, loop, BOUND));
}

// Each new function registered and unregistered keeps its closure, on
// purpose (README, "Callbacks"): C may still call the old address and must
// get a clear error. About 160-180 bytes of the native heap (the slot, its
// entry among the dead ones, libffi's trampoline-table entry; libffi's own
// closure and trampoline memory is not malloc's).
test('register() + unregister() of new functions keeps only the closures', (t) => check(t, 'registerNew', 300));
