'use strict';
// cshared's calls through the accelerator under one Node, run by
// __test__/fast.test.js as
//   node --allow-natives-syntax fast-cshared.js <libtypes> <libcallbacks>
// Prints one JSON object: fastCalls() and, per case, the results and how
// many calls took V8's fast path (`fast`) and the accelerator's slow
// callback (`slow`); calls through Node-API count in neither.
//   node --allow-natives-syntax fast-cshared.js <libtypes> <libcallbacks> quick
// only runs the first case.
const [types, callbacks, mode] = process.argv.slice(2);
const c = require('../..');
const out = { versions: process.versions.node, before: c.fastCalls() };

const N = 500;
function optimize(f, ...args) {
  %PrepareFunctionForOptimization(f);
  f(...args);
  f(...args);
  %OptimizeFunctionOnNextCall(f);
  f(...args);
}
// Warm-up rounds before a loop is optimized: V8 gives a function type
// feedback only after some calls, and TurboFan knows the target of the
// wrapper's invf() only from that feedback.
const WARM = 40;
// Warms a wrapper and optimizes it on its own, so that its calls are fast
// whether or not TurboFan inlines it into the loop that calls it.
function hot(f, ...args) {
  for (let i = 0; i < WARM; i++) f(...args);
  optimize(f, ...args);
}
// Runs `body(n)` optimized and returns its result with the calls it made by each path.
function counted(body) {
  try {
    for (let i = 0; i < WARM; i++) body(2);
    optimize(body, 2);
  } catch {
    // the same error again below
  }
  const a = c.fastCalls();
  let result;
  let error;
  try {
    result = body(N);
  } catch (e) {
    error = e.code || e.message;
  }
  const b = c.fastCalls();
  return { result, error, fast: b.fast - a.fast, slow: b.slow - a.slow };
}

const lib = c.load(types);
const id_int = lib.func('int id_int(int x)');
const id_double = lib.func('double id_double(double x)');
const id_float = lib.func('float id_float(float x)');
const id_bool = lib.func('bool id_bool(bool x)');
const id_int64 = lib.func('int64_t id_int64(int64_t x)');
const id_uint64 = lib.func('uint64_t id_uint64(uint64_t x)');
const id_ptr = lib.func('void *id_ptr(void *p)');
const narrow = lib.func('signed char narrow_i8(int x)');
const mix = lib.func('double mix_fp(float a, double b, float c, double d, int e)');
const modxy = lib.func('long long ModXY(long long x, long long y)');
const str_len = lib.func('size_t str_len(const char *s)');
const greet = lib.func('const char *greet(void)');

hot(id_int, 1);
hot(id_double, 1.5);
hot(id_float, 0.25);
hot(id_bool, true);
hot(narrow, 127);
hot(mix, 0.5, 1, 0.25, 2, 1);
hot(id_int64, 2 ** 53 + 2);
hot(id_uint64, 2n ** 64n - 1n);
hot(modxy, -7, 3);
hot(str_len, 'abc');
out.active = c.fastCalls().active;
out.int = counted((n) => {
  let s = 0;
  for (let i = 0; i < n; i++) s += id_int(i);
  return s;
});
if (mode === 'quick') {
  console.log(JSON.stringify(out));
  process.exit(0);
}
out.mixed = [
  [(n) => { let s = 0; for (let i = 0; i < n; i++) s += id_double(i + 0.5); return s; }, 125000],
  [(n) => { let s = 0; for (let i = 0; i < n; i++) s += id_float(0.25); return s; }, 125],
  [(n) => { let s = 0; for (let i = 0; i < n; i++) s += id_bool(i % 2 === 0) ? 1 : 0; return s; }, 250],
  [(n) => { let s = 0; for (let i = 0; i < n; i++) s += narrow(127); return s; }, -64000],
  [(n) => { let s = 0; for (let i = 0; i < n; i++) s += mix(0.5, 1, 0.25, 2, i); return s; }, 126625],
].map(([body, expected]) => ({ ...counted(body), expected }));
out.int64 = counted((n) => {
  const r = [];
  for (let i = 0; i < n; i++) r[i % 4] = [id_int64(2 ** 53 + 2 * i), id_uint64(2n ** 64n - 1n), id_int64(-1), modxy(-7, 3)];
  return r.map((x) => x.map(String));
});
const p = c.alloc('int', 4);
for (let i = 0; i < WARM; i++) id_ptr(null);
hot(id_ptr, p);
out.pointer = counted((n) => {
  let same = 0;
  for (let i = 0; i < n; i++) if (id_ptr(p) === id_ptr(p) && id_ptr(null) === null) same++;
  return [same, String(id_ptr(p)) === String(p)];
});
// Strings JS writes into the buffer: still fast; a string result is made
// natively, so never.
out.strings = counted((n) => {
  let s = 0;
  for (let i = 0; i < n; i++) s += str_len('abc') + greet().length;
  return s;
});
// Many functions of one shape, and of several, called from one loop: every
// wrapper calls the one invf of this environment.
const shapes = [];
for (let k = 0; k < 6; k++) shapes.push(lib.func(`int id_int(int x)`), lib.func('double id_double(double x)'), lib.func('unsigned int id_uint(unsigned int x)'));
// Each wrapper is optimized on its own (the loop's call site, seeing
// eighteen functions, calls them without inlining).
for (const f of shapes) {
  for (let i = 0; i < WARM; i++) f(i);
  optimize(f, 1);
}
out.shapes = counted((n) => {
  let s = 0;
  for (let i = 0; i < n; i++) for (const f of shapes) s += f(i);
  return s;
});
// Argument errors are thrown by the wrapper before any call.
out.errors = [];
for (const bad of [() => id_int(1.5), () => id_int('1'), () => id_int(1, 2), () => id_int(2 ** 31), () => id_ptr(1)]) {
  try {
    optimize(bad);
    out.errors.push('none');
  } catch (e) {
    out.errors.push(e.code);
  }
}
// errno, set by C and read after the call.
const cb = c.load(callbacks);
const fail_with = cb.func('int fail_with(int e)');
const succeed = cb.func('int succeed(void)');
hot(fail_with, 34);
hot(succeed);
out.errno = counted((n) => {
  const r = [];
  for (let i = 0; i < n; i++) {
    fail_with(34);
    r[0] = c.errno();
    succeed();
    r[1] = c.errno();
  }
  return r;
});
// A registered callback C keeps: while it is registered, calls go through
// Node-API (C may call it during any call); unregistered, fast again.
const set_handler = cb.func('void set_handler(int (*f)(int))');
const fire = cb.func('int fire(int x)');
hot(fire, 1);
out.noHandler = counted((n) => {
  let s = 0;
  for (let i = 0; i < n; i++) s += fire(i);
  return s;
});
const reg = c.register((x) => x * 2, 'int (*)(int)');
set_handler(reg);
out.registered = counted((n) => {
  let s = 0;
  for (let i = 0; i < n; i++) s += fire(i);
  return s;
});
set_handler(null);
c.unregister(reg);
out.unregistered = counted((n) => {
  let s = 0;
  for (let i = 0; i < n; i++) s += fire(i);
  return s;
});
// A callback lent to set_handler() expires when it returns; C calling it
// later, from a call made on the fast path, makes that call throw.
set_handler((x) => x + 1);
out.expired = counted((n) => {
  let s = 0;
  for (let i = 0; i < n; i++) s += fire(i);
  return s;
});
set_handler(null);
out.afterExpired = counted((n) => {
  let s = 0;
  for (let i = 0; i < n; i++) s += fire(i);
  return s;
});
// A callback lent to a call (apply) runs JS; calls made from inside it go
// through Node-API, and the outer call is not a fast one either.
const apply = cb.func('int apply(int (*f)(int), int x)');
out.nested = counted((n) => {
  let s = 0;
  for (let i = 0; i < n; i++) s += apply((x) => id_int(x) + fire(0), i);
  return s;
});
// A closed library: the wrapper's call goes on to Node-API, which throws.
const lib2 = c.load(types);
const id2 = lib2.func('int id_int(int x)');
hot(id2, 1);
const loop2 = (n) => {
  let s = 0;
  for (let i = 0; i < n; i++) s += id2(i);
  return s;
};
out.beforeClose = counted(loop2);
lib2.close();
out.closed = counted(loop2);
// envPointer(): C may call Node-API during any call; the fast path is off.
c.envPointer();
out.envExposed = counted((n) => {
  let s = 0;
  for (let i = 0; i < n; i++) s += id_int(i);
  return s;
});
out.after = c.fastCalls();

// A worker thread's environment has an invf of its own.
const { Worker } = require('node:worker_threads');
const worker = new Worker(
  `
  const { parentPort, workerData } = require('node:worker_threads');
  const c = require(workerData.cshared);
  const id_int = c.load(workerData.types).func('int id_int(int x)');
  const body = (n) => { let s = 0; for (let i = 0; i < n; i++) s += id_int(i); return s; };
  for (let i = 0; i < 40; i++) body(2);
  %PrepareFunctionForOptimization(body); body(2); body(2); %OptimizeFunctionOnNextCall(body); body(2);
  const a = c.fastCalls();
  const result = body(${N});
  const b = c.fastCalls();
  parentPort.postMessage({ active: b.active, result, fast: b.fast - a.fast, slow: b.slow - a.slow });
`,
  { eval: true, workerData: { cshared: require.resolve('../..'), types } },
);
worker.on('message', (m) => {
  out.worker = m;
  // A second environment on this thread (the addon loaded again): not the
  // sole one, so it gets no invf and calls through Node-API.
  const again = { exports: {} };
  process.dlopen(again, require.resolve('../../cshared.linux-x64-gnu.node'));
  const c2 = again.exports;
  const id2 = c2.load(types).func('int id_int(int x)');
  let s = 0;
  for (let i = 0; i < N; i++) s += id2(i) + id_int(i);
  out.second = { result: s, status: c2.fastCalls(), first: c.fastCalls().active };
  console.log(JSON.stringify(out));
});
worker.on('error', (e) => {
  out.worker = { error: String(e) };
  console.log(JSON.stringify(out));
});
