'use strict';
// C calling JS: callbacks for the duration of a call, registered callbacks,
// callbacks from threads the library made, Promises, and errors.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { load, callback, register, unregister, decode, cdef } = require('..');
const { cLibrary } = require('./helpers/fixtures');

const lib = load(cLibrary('callbacks', ['-pthread']));
const libc = require('./helpers/libc').libc();
const intFn = callback('int int_fn(int x)');
cdef('struct cb_point { int x; int y; };');

test("qsort sorts a Buffer with a JS comparator", () => {
  const cmp = callback('int cmp(const void *a, const void *b)');
  assert.equal(cmp.kind, 'callback');
  assert.equal(cmp.size, 8);
  const qsort = libc.func('void qsort(void *base, size_t n, size_t size, cmp *compare)');
  const values = [42, -7, 3, 1000, 0, -7, 19];
  const buf = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => buf.writeInt32LE(v, i * 4));
  let calls = 0;
  qsort(buf, values.length, 4, (a, b) => {
    calls++;
    return decode(a, 'int') - decode(b, 'int');
  });
  const sorted = Array.from({ length: values.length }, (_, i) => buf.readInt32LE(i * 4));
  assert.deepEqual(sorted, [...values].sort((x, y) => x - y));
  assert.ok(calls >= values.length - 1);
  // The same, declared with an inline function pointer and a callback type object.
  const qsort2 = libc.func('qsort', 'void', ['void *', 'size_t', 'size_t', cmp]);
  const doubles = new Float64Array([2.5, -1, 9, 0]);
  qsort2(doubles, 4, 8, (a, b) => Math.sign(decode(a, 'double') - decode(b, 'double')));
  assert.deepEqual([...doubles], [-1, 0, 2.5, 9]);
});

test('callbacks inside callbacks: many comparisons, nested sorts, garbage collections', () => {
  // The callbacks lent to one call share handle scopes (a new one every so
  // many callbacks); a nested call's callbacks get their own.
  const qsort = libc.func('void qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))');
  const apply = lib.func('int apply(int_fn *f, int x)');
  const fixed = register((x) => x + 1, intFn);
  const outer = new Int32Array(3000).map((_, i) => (i * 7919) % 3001);
  let calls = 0;
  const kept = [];
  let garbage = null;
  qsort(outer, outer.length, 4, (a, b) => {
    calls++;
    const small = new Int32Array([3, 1, 2]);
    qsort(small, 3, 4, (x, y) => decode(x, 'int') - decode(y, 'int'));
    assert.deepEqual([...small], [1, 2, 3]);
    // A registered callback, called during the call, has a scope of its own.
    assert.equal(apply(fixed, calls), calls + 1);
    if (calls % 1000 === 0) kept.push([a, b]);
    garbage = Array.from({ length: 64 }, (_, i) => ({ i, s: `x${i}` }));
    return decode(a, 'int') - decode(b, 'int');
  });
  unregister(fixed);
  assert.equal(garbage.length, 64);
  const want = Array.from({ length: 3000 }, (_, i) => (i * 7919) % 3001).sort((x, y) => x - y);
  assert.deepEqual([...outer], want);
  assert.ok(calls > 3000, `${calls} comparisons`);
  // Pointers made in callbacks stay usable after the call.
  assert.ok(kept.length >= 3);
  for (const [a, b] of kept) assert.equal(typeof a.address, 'bigint', String(b));
});

test('callback arguments and results of every scalar kind', () => {
  const apply = lib.func('int apply(int_fn *f, int x)');
  assert.equal(apply((x) => x * 3, 14), 42);
  const inline = lib.func('int apply(int (*f)(int), int x)');
  assert.equal(inline((x) => -x, 5), -5);
  const mix = lib.func('double apply_mix(double (*f)(double a, float b, int64_t c, uint8_t d))');
  let seen;
  assert.equal(mix((a, b, c, d) => ((seen = [a, b, c, d]), 7.5)), 7.5);
  assert.deepEqual(seen, [0.5, 0.25, -(2 ** 40), 200]);
  const sumMap = lib.func('int sum_map(int_fn *f, int n)');
  assert.equal(sumMap((i) => i * i, 10), 285);
});

test('callbacks receive strings, structs and pointers, and can return structs and pointers', () => {
  const withString = lib.func('int with_string(int (*f)(const char *s), const char *s)');
  assert.equal(withString((s) => (s === 'héllo 🌍' ? 1 : 0), 'héllo 🌍'), 1);
  const withPoint = lib.func('int with_point(int (*f)(struct cb_point p), int x, int y)');
  assert.equal(withPoint((p) => p.x * 100 + p.y, 3, 4), 304);
  const makeWith = lib.func('struct cb_point make_with(struct cb_point (*f)(int x, int y), int x, int y)');
  assert.deepEqual(makeWith((x, y) => ({ x: x + 1, y: y * 2 }), 1, 5), { x: 2, y: 10 });
  const applyPtr = lib.func('void *apply_ptr(void *(*f)(void *p), void *p)');
  const buf = Buffer.alloc(8);
  const p = applyPtr((q) => q, buf);
  assert.equal(p.address, applyPtr((q) => q, p).address);
  assert.equal(applyPtr(() => null, buf), null);
  // null and a Pointer are function pointers too.
  assert.equal(lib.func('int is_null_fn(int_fn *f)')(null), 1);
});

test('an exception in a callback is rethrown by the call; C gets 0', () => {
  const sumMap = lib.func('int sum_map(int_fn *f, int n)');
  const boom = new Error('boom');
  let calls = 0;
  assert.throws(
    () =>
      sumMap((i) => {
        calls++;
        if (i === 2) throw boom;
        return 1;
      }, 10),
    (e) => e === boom,
  );
  // After the first exception, the rest of the calls in that call are skipped.
  assert.equal(calls, 3);
  // A result of the wrong type is an error too.
  const apply = lib.func('int apply(int_fn *f, int x)');
  assert.throws(() => apply(() => 'nope', 1), { name: 'TypeError', code: 'ERR_ARG_TYPE', message: /callback/ });
  assert.throws(() => apply(() => 2 ** 40, 1), { name: 'RangeError', code: 'ERR_ARG_RANGE' });
  // And the function works afterwards.
  assert.equal(apply((x) => x + 1, 1), 2);
  assert.throws(() => apply(42, 1), { name: 'TypeError', code: 'ERR_ARG_TYPE' });
});

test('a callback that returns a Promise on the JS thread is an error (use .async)', () => {
  const apply = lib.func('int apply(int_fn *f, int x)');
  assert.throws(() => apply(async (x) => x, 1), { code: 'ERR_UNSUPPORTED', message: /Promise.*async/ });
});

test('register() keeps a callback for later calls; unregister() releases it', () => {
  const setHandler = lib.func('void set_handler(int_fn *f)');
  const fire = lib.func('int fire(int x)');
  let total = 0;
  const ptr = register((x) => (total += x), intFn);
  setHandler(ptr);
  assert.equal(fire(5), 5);
  assert.equal(fire(6), 11);
  assert.equal(total, 11);
  unregister(ptr);
  setHandler(null);
  assert.equal(fire(1), -1);
  assert.throws(() => unregister(ptr), { code: 'ERR_ARG_VALUE' });
  assert.throws(() => register(42, intFn), { name: 'TypeError' });
  assert.throws(() => register(() => 0, 'int'), { name: 'TypeError', message: /not a function type/ });
  // A prototype string works as the type too.
  const p2 = register((x) => x * 10, 'int handler(int x)');
  setHandler(p2);
  assert.equal(fire(4), 40);
  setHandler(null);
  unregister(p2);
});

test('a callback called from a thread the library made runs on the JS thread', async () => {
  const start = lib.func('void start_thread(int_fn *f, int x)');
  const join = lib.func('int join_thread(void)');
  const seen = [];
  const ptr = register((x) => {
    seen.push(x);
    return x * 2;
  }, intFn);
  start(ptr, 21);
  // The thread waits until the JS thread is free to run the callback.
  assert.equal(await join.async(), 42);
  assert.deepEqual(seen, [21]);
  // A Promise result is awaited by the waiting thread.
  const later = register(async (x) => {
    await new Promise((r) => setTimeout(r, 10));
    return x + 1;
  }, intFn);
  start(later, 99);
  assert.equal(await join.async(), 100);
  unregister(ptr);
  unregister(later);
});

test('async calls: a JS function as callback, called from other threads', async () => {
  const runInThread = lib.func('int run_in_thread(int_fn *f, int x)');
  assert.equal(await runInThread.async((x) => x * x, 9), 81);
  const runInThreads = lib.func('int run_in_threads(int_fn *f, int x)');
  assert.equal(await runInThreads.async((x) => x * 2, 1), 2 * (1 + 2 + 3 + 4));
  assert.equal(await runInThread.async(async (x) => x - 1, 9), 8);
  const boom = new Error('thread boom');
  await assert.rejects(
    runInThread.async(() => {
      throw boom;
    }, 1),
    (e) => e === boom,
  );
});

test('a synchronous call whose callback C calls from another thread fails instead of hanging', () => {
  const runInThread = lib.func('int run_in_thread(int_fn *f, int x)');
  assert.throws(() => runInThread((x) => x, 5), { code: 'ERR_UNSUPPORTED', message: /another thread.*\.async/ });
});

test('a registered callback that throws outside any call goes to onError', async () => {
  const start = lib.func('void start_thread(int_fn *f, int x)');
  const join = lib.func('int join_thread(void)');
  const errors = [];
  const ptr = register(
    () => {
      throw new Error('from thread');
    },
    intFn,
    { onError: (e) => errors.push(e.message) },
  );
  start(ptr, 1);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(join(), 0);
  assert.deepEqual(errors, ['from thread']);
  unregister(ptr);
});

function run(script, arg) {
  return spawnSync(process.execPath, [path.join(__dirname, 'scenarios', script), cLibrary('callbacks', ['-pthread']), arg], {
    encoding: 'utf8',
    timeout: 30000,
  });
}

test('C calling a callback after unregister(), on the JS thread, is a catchable ERR_CALLBACK_EXPIRED', () => {
  const r = run('callback-misuse.js', 'unregistered');
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines[0], 'returned 2');
  assert.match(lines[1], /^threw ERR_CALLBACK_EXPIRED: C called the callback 'handler' after it was unregistered; C got a zero result$/);
  assert.match(lines[2], /^threw ERR_CALLBACK_EXPIRED: /);
  assert.equal(lines[3], 'still running');
});

test('C calling a lent callback after its call returned, on the JS thread, is a catchable ERR_CALLBACK_EXPIRED', () => {
  const r = run('callback-misuse.js', 'expired');
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[0], /^threw ERR_CALLBACK_EXPIRED: C called the callback 'keepMe' after the call it was passed to had returned/);
  assert.match(lines[1], /^threw ERR_CALLBACK_EXPIRED: C called the callback '(keepMe|other)'/);
  assert.equal(lines[2], 'still running');
});

test('C calling a lent callback after its call returned, from another thread, stops the process with a clear message', () => {
  const r = run('callback-misuse.js', 'expired-thread');
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /cshared: FATAL: C called the callback 'keepMe'.*after the call it was passed to had returned/);
  assert.doesNotMatch(r.stdout, /still running/);
});
