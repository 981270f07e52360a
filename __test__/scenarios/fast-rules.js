'use strict';
// The V8 behaviour cshared's fast path depends on, measured with the
// accelerator's probe build (accel/accel.cc, -DCSHARED_FAST_PROBES) under
// one Node: run by __test__/fast.test.js as
//   node --allow-natives-syntax fast-rules.js <probes.node> rules|i64
// `rules` prints one JSON object of call counts; `i64` optimizes a caller of
// a fast function with an int64 result (V8 11.3 aborts there).
const [file, mode] = process.argv.slice(2);
const m = { exports: {} };
process.dlopen(m, file);
const a = m.exports;
const N = 1000;

// Optimizes `f` (a caller of a fast function) before it is counted.
function optimize(f, ...args) {
  %PrepareFunctionForOptimization(f);
  f(...args);
  f(...args);
  %OptimizeFunctionOnNextCall(f);
  f(...args);
}

// Counts the calls of `body(n)`, a loop over callers of fast functions,
// run optimized: it is optimized first with a few iterations, as are the
// callers it inlines (V8 14's Maglev tier calls API functions the slow
// way, so unoptimized rounds would blur the counts).
function counted(body) {
  optimize(body, 3);
  a.reset();
  body(N);
  return a.counts();
}

if (mode === 'i64') {
  const f = a.probeI64();
  const w = () => f();
  optimize(w);
  let s = 0;
  for (let i = 0; i < N; i++) s += w();
  console.log(JSON.stringify({ sum: s, ...a.counts() }));
  process.exit(0);
}

const out = { abi: a.abi, v8: a.v8, running: process.versions.v8, signature: a.signature() };

// A zero-argument void fast function, called from optimized code.
{
  const f = a.probeVoid();
  const w = () => f();
  optimize(w);
  out.void = counted((n) => {
    for (let i = 0; i < n; i++) w();
  });
}

// The production `make` with the probe's stand-in table: its call is
// reached through V8's fast path (via 1); when it returns 0 the caller's
// fallback runs.
{
  const [lo, hi] = a.testTable();
  const invf = a.make(lo, hi);
  let fallbacks = 0;
  const w = () => invf() === 1 || fallbacks++;
  a.reset(1);
  optimize(w);
  out.make = counted((n) => {
    for (let i = 0; i < n; i++) w();
  });
  // Returning 0 sends the caller to its fallback (the Node-API path in cshared).
  fallbacks = 0;
  a.reset(0);
  const body = (n) => {
    for (let i = 0; i < n; i++) w();
  };
  body(3);
  a.reset(0);
  body(N);
  out.makeZero = { ...a.counts(), fallbacks };
  a.reset(1);
  let bad = 0;
  for (const args of [[], [1], [1, 2, 3], ['1', 2], [-1, 0]]) {
    try {
      a.make(...args);
    } catch {
      bad++;
    }
  }
  out.makeRejects = bad;
}

// The argument count: a fast function of (int32, int32) called with 2 and with 3.
{
  const add = a.probeAdd();
  const two = (i) => add(i, 2);
  const three = (i) => add(i, 2, 3);
  optimize(two, 1);
  optimize(three, 1);
  let s2 = 0;
  let s3 = 0;
  out.args2 = counted((n) => {
    for (let i = 0; i < n; i++) s2 += two(i);
  });
  out.args3 = counted((n) => {
    for (let i = 0; i < n; i++) s3 += three(i);
  });
  out.argsResults = [two(40), three(40), s2, s3];
}

// Call sites with identical source: four wrappers made by `new Function`
// from the same text share type feedback, so their call site sees four
// targets. With a distinct comment each has its own.
for (const kind of ['identical', 'distinct']) {
  const ws = [];
  for (let k = 0; k < 4; k++) {
    const body = kind === 'identical' ? 'return function w() { f(); };' : `/* ${k} */ return function w() { f(); };`;
    ws.push(new Function('f', body)(a.probeVoid()));
  }
  for (const w of ws) optimize(w);
  out[kind] = counted((n) => {
    for (let i = 0; i < n; i++) for (const w of ws) w();
  });
}

// cshared's case: one maker compiled as a script (as src/env.rs compiles
// them), whose closures all call one fast function; and two scripts of
// identical text, each with its own.
{
  const vm = require('node:vm');
  const make = vm.runInThisContext('(function (f) { return function () { return function w() { f(); }; }; })')(a.probeVoid());
  const ws = [make(), make(), make(), make()];
  for (const w of ws) optimize(w);
  out.closures = counted((n) => {
    for (let i = 0; i < n; i++) for (const w of ws) w();
  });
  const ss = [];
  for (let k = 0; k < 4; k++) ss.push(vm.runInThisContext('(function (f) { return function w() { f(); }; })')(a.probeVoid()));
  for (const w of ss) optimize(w);
  out.scripts = counted((n) => {
    for (let i = 0; i < n; i++) for (const w of ss) w();
  });
}

// A fast call inside a try block (a wrapper with strings gives the string
// area back in a finally).
{
  const f = a.probeVoid();
  let x = 0;
  const inTry = () => {
    try {
      f();
    } finally {
      x++;
    }
  };
  const afterTry = () => {
    try {
      x++;
    } catch (e) {
      x--;
      throw e;
    }
    if (x >= 0) f();
  };
  for (const [name, w] of [['inTry', inTry], ['afterTry', afterTry]]) {
    optimize(w);
    out[name] = counted((n) => {
      for (let i = 0; i < n; i++) w();
    });
  }
}

console.log(JSON.stringify(out));
