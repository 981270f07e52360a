'use strict';
// Go c-shared libraries: the seed's ModXY, every Go type, and the Go runtime
// living safely inside Node. Scenarios that could crash the process run in
// child processes (see scenarios/), so a crash fails one test, not the run.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { load, cdef } = require('..');
const { goOrSkip, goToolchain } = require('./helpers/fixtures');

let lib;
function gotypes(t) {
  const go = goOrSkip(t, 'gotypes');
  if (go && !lib) lib = load(go.path);
  return go && lib;
}

test('the seed: GoInt ModXY(GoInt x, GoInt y) gives ModXY(13, 2) === 1', (t) => {
  const l = gotypes(t);
  if (!l) return;
  const ModXY = l.func('GoInt ModXY(GoInt x, GoInt y)');
  assert.equal(ModXY(13, 2), 1);
  assert.equal(ModXY(-7, 3), -1);
  assert.equal(l.func('long long ModXY(long long x, long long y)')(13, 5), 3);
});

test('npm run demo: the example Go libmod, bound from the libmod.h go build wrote', (t) => {
  const tc = goToolchain();
  if (!tc && process.env.CI !== 'true') return t.skip('no Go >= 1.21 toolchain on PATH');
  assert.ok(tc, 'Go >= 1.21 is required in CI but was not found');
  const demo = path.join(__dirname, '..', 'examples', 'demo.js');
  const r = spawnSync(process.execPath, [demo], { encoding: 'utf8', env: { ...process.env, GO: tc.go } });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /Using the Go libmod/);
  assert.equal(r.stdout, 'the rest of division of 13 per 2 is 1\n');
  // Without Go, the C twin and its hand-written libmod.h.
  const c = spawnSync(process.execPath, [demo], { encoding: 'utf8', env: { ...process.env, GO: '/nonexistent/go' } });
  assert.equal(c.status, 0, c.stderr);
  assert.match(c.stderr, /the C twin/);
  assert.equal(c.stdout, 'the rest of division of 13 per 2 is 1\n');
});

test("Go's scalar types round-trip at their extremes", (t) => {
  const l = gotypes(t);
  if (!l) return;
  const cases = [
    ['GoInt8', 'IdInt8', -128n, 127n],
    ['GoUint8', 'IdUint8', 0n, 255n],
    ['GoInt16', 'IdInt16', -32768n, 32767n],
    ['GoUint16', 'IdUint16', 0n, 65535n],
    ['GoInt32', 'IdInt32', -(2n ** 31n), 2n ** 31n - 1n],
    ['GoUint32', 'IdUint32', 0n, 2n ** 32n - 1n],
    ['GoInt64', 'IdInt64', -(2n ** 63n), 2n ** 63n - 1n],
    ['GoUint64', 'IdUint64', 0n, 2n ** 64n - 1n],
    ['GoInt', 'IdInt', -(2n ** 63n), 2n ** 63n - 1n],
    ['GoUint', 'IdUint', 0n, 2n ** 64n - 1n],
    ['GoUintptr', 'IdUintptr', 0n, 2n ** 64n - 1n],
  ];
  const norm = (v) => (v >= -(2n ** 53n - 1n) && v <= 2n ** 53n - 1n ? Number(v) : v);
  for (const [type, fn, min, max] of cases) {
    const f = l.func(`${type} ${fn}(${type} x)`);
    assert.equal(f(min), norm(min), `${type} min`);
    assert.equal(f(max), norm(max), `${type} max`);
    assert.equal(f(7), 7, `${type} 7`);
    assert.throws(() => f(max + 1n), { code: 'ERR_ARG_RANGE' }, `${type} max+1`);
  }
  assert.equal(l.func('GoFloat32 IdFloat32(GoFloat32 x)')(1.1), Math.fround(1.1));
  assert.ok(Object.is(l.func('GoFloat64 IdFloat64(GoFloat64 x)')(-0), -0));
  // A Go bool result is a GoUint8.
  const isPos = l.func('GoUint8 IsPositive(GoInt x)');
  assert.equal(isPos(5), 1);
  assert.equal(isPos(-5), 0);
});

test('GoString in: a JS string arrives as UTF-8 with its length', (t) => {
  const l = gotypes(t);
  if (!l) return;
  const len = l.func('GoInt Len(GoString s)');
  const runes = l.func('GoInt Runes(GoString s)');
  assert.equal(len('héllo'), 6);
  assert.equal(runes('héllo 🌍'), 7);
  assert.equal(len(''), 0);
  assert.equal(len(null), 0);
  // A NUL is fine in a Go string: its length is explicit.
  assert.equal(len('a\0b'), 3);
  assert.equal(len('x'.repeat(100000)), 100000);
  assert.throws(() => len(42), { name: 'TypeError', code: 'ERR_ARG_TYPE', message: /Len\(\): argument 1 \(s\)/ });
  assert.throws(() => len(), { name: 'TypeError', code: 'ERR_ARG_COUNT' });
});

test('GoString out: read using its length, not a NUL', (t) => {
  const l = gotypes(t);
  if (!l) return;
  assert.equal(l.func('GoString Static(void)')(), 'héllo, 世界 🌍');
  const echo = l.func('GoString Echo(GoString s)');
  assert.equal(echo('abc'), 'abc');
  assert.equal(echo('a\0b'), 'a\0b');
  const long = 'ü'.repeat(50000);
  assert.equal(echo(long), long);
  assert.equal(echo(''), '');
});

test('a char * result owned by the caller is freed with { free: true }', (t) => {
  const l = gotypes(t);
  if (!l) return;
  const shout = l.func('char *Shout(GoString s)', { free: true });
  assert.equal(shout('hi'), 'HI!');
  for (let i = 0; i < 20000; i++) shout('loop');
  assert.throws(() => l.func('GoInt Len(GoString s)', { free: true }), { code: 'ERR_UNSUPPORTED', message: /char \*/ });
});

test('GoSlice declared []T in the prototype: TypedArrays of T, Buffers for []byte, plain arrays; Go writes come back', (t) => {
  const l = gotypes(t);
  if (!l) return;
  const sumInts = l.func('GoInt SumInts([]int xs)');
  const sumFloats = l.func('GoFloat64 SumFloats([]float64 xs)');
  const double = l.func('void Double([]int xs)');
  const fill = l.func('GoInt FillBytes([]byte b)');
  const lenCap = l.func('GoInt SliceLen([]int32 xs)');
  assert.equal(sumInts([1, 2, 3, 4]), 10);
  assert.equal(sumInts([2n ** 40n, -1]), 2 ** 40 - 1);
  assert.equal(sumInts(new BigInt64Array([5n, 6n])), 11);
  assert.equal(sumInts([]), 0);
  assert.equal(sumInts(null), 0);
  assert.equal(sumFloats(new Float64Array([0.5, 1.25, 2])), 3.75);
  assert.equal(sumFloats([0.5, 1.25, 2]), 3.75);
  const arr = [1, -2, 3];
  double(arr);
  assert.deepEqual(arr, [2, -4, 6]);
  const big = new BigInt64Array([10n, 20n]);
  double(big);
  assert.deepEqual([...big], [20n, 40n]);
  const b = Buffer.alloc(4);
  assert.equal(fill(b), 4);
  assert.deepEqual([...b], [1, 2, 3, 4]);
  const u8 = new Uint8Array(3);
  assert.equal(fill(u8), 3);
  assert.deepEqual([...u8], [1, 2, 3]);
  // len and cap count elements, not bytes.
  assert.equal(lenCap(new Int32Array(5)), 5005);
  assert.equal(lenCap([1, 2]), 2002);
  assert.throws(() => sumInts(['a']), { name: 'TypeError', code: 'ERR_ARG_TYPE', message: /SumInts\(\): argument 1 \(xs\)\[0\]/ });
  assert.throws(() => sumInts([1.5]), { name: 'RangeError', code: 'ERR_ARG_RANGE' });
  assert.throws(() => sumInts([2n ** 63n]), { name: 'RangeError', code: 'ERR_ARG_RANGE' });
  assert.throws(() => sumInts('1,2'), { name: 'TypeError', code: 'ERR_ARG_TYPE' });
  assert.throws(() => sumInts({ length: 1 }), { name: 'TypeError', code: 'ERR_ARG_TYPE' });
  // Any other TypedArray is refused, naming the class expected.
  assert.throws(() => sumInts(new Int32Array(2)), { code: 'ERR_ARG_TYPE', message: /BigInt64Array.*\[\]int64.*Int32Array/ });
  assert.throws(() => sumFloats(new Float32Array(2)), { code: 'ERR_ARG_TYPE', message: /Float64Array/ });
  assert.throws(() => fill(new Uint16Array(2)), { code: 'ERR_ARG_TYPE', message: /Uint8Array/ });
  assert.throws(() => lenCap(new Uint8Array(20)), { code: 'ERR_ARG_TYPE', message: /Int32Array/ });
  assert.throws(() => lenCap([2 ** 31]), { code: 'ERR_ARG_RANGE' });
  assert.throws(() => l.func('GoInt SumInts([]string xs)'), { code: 'ERR_PARSE', message: /\[\]string/ });
});

test('an untyped GoSlice takes only null: Go gets no length it could overrun', (t) => {
  const l = gotypes(t);
  if (!l) return;
  const sumInts = l.func('GoInt SumInts(GoSlice xs)');
  assert.equal(sumInts(null), 0);
  for (const v of [[1, 2, 3], [], new BigInt64Array(2), new Uint8Array(16), Buffer.alloc(8), new Float64Array(1)]) {
    assert.throws(() => sumInts(v), { code: 'ERR_UNSUPPORTED', message: /element type.*goSource.*\[\]float64/s });
  }
});

test('multi-value returns come back as an object', (t) => {
  const l = gotypes(t);
  if (!l) return;
  cdef(`
    struct DivMod_return { GoInt r0; GoInt r1; };
    struct MinMax_return { GoFloat64 r0; GoFloat64 r1; GoUint8 r2; };
    struct Greet_return { GoString r0; GoInt r1; };
  `);
  const divMod = l.func('struct DivMod_return DivMod(GoInt a, GoInt b)');
  assert.deepEqual(divMod(17, 5), { r0: 3, r1: 2 });
  const minMax = l.func('struct MinMax_return MinMax([]float64 xs)');
  assert.deepEqual(minMax(new Float64Array([3, -1.5, 8])), { r0: -1.5, r1: 8, r2: 1 });
  assert.deepEqual(minMax(new Float64Array(0)), { r0: 0, r1: 0, r2: 0 });
  const greet = l.func('struct Greet_return Greet(GoString name, GoInt times)');
  assert.deepEqual(greet('ab', 3), { r0: 'hi', r1: 6 });
});

test('complex types are refused clearly', (t) => {
  const l = gotypes(t);
  if (!l) return;
  assert.throws(() => l.func('GoComplex128 IdInt(GoInt x)'), { code: 'ERR_UNSUPPORTED', message: /GoComplex128/ });
  assert.throws(() => l.func('double _Complex IdInt(GoInt x)'), { code: 'ERR_UNSUPPORTED', message: /complex/i });
});

test('close() on a Go library: calls throw ERR_CLOSED, and it can be loaded again', (t) => {
  const go = goOrSkip(t, 'gotypes');
  if (!go) return;
  const own = load(go.path);
  const f = own.func('GoInt ModXY(GoInt x, GoInt y)');
  assert.equal(f(13, 2), 1);
  own.close();
  assert.throws(() => f(13, 2), { code: 'ERR_CLOSED' });
  // Go stays mapped (its linker marks it NODELETE), so loading again is the same runtime.
  const again = load(go.path);
  assert.equal(again.func('GoInt ModXY(GoInt x, GoInt y)')(13, 2), 1);
});

// ----- the Go runtime inside Node, each scenario in its own process -----

function scenario(t, name, args = [], env = {}) {
  const go = goOrSkip(t, 'gotypes');
  if (!go) return null;
  const script = path.join(__dirname, 'scenarios', name);
  const r = spawnSync(process.execPath, ['--expose-gc', script, go.path, ...args], {
    encoding: 'utf8',
    timeout: 60000,
    env: { ...process.env, ...env },
  });
  return r;
}

function assertSurvived(r) {
  if (!r) return;
  const detail = `status ${r.status} signal ${r.signal}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr.slice(0, 3000)}`;
  assert.equal(r.signal, null, detail);
  assert.equal(r.status, 0, detail);
  assert.match(r.stdout, /^ok\b/m, detail);
}

test('a million calls into Go', (t) => {
  assertSurvived(scenario(t, 'go-million.js'));
});

test('heavy GC on both sides while calling Go', (t) => {
  assertSurvived(scenario(t, 'go-gc.js'));
});

test('worker_threads calling Go at the same time', (t) => {
  assertSurvived(scenario(t, 'go-workers.js'));
});

test('child_process.spawn and process.on(signal) while goroutines run', (t) => {
  // A SIGUSR2 flood from sh and kill, and SIGCHLD: POSIX signals.
  if (process.platform === 'win32') return t.skip('POSIX signals: Windows has no SIGUSR2, kill or SIGCHLD');
  assertSurvived(scenario(t, 'go-signals.js', ['4000']));
});

test("handlers installed after Go loads get SA_ONSTACK (the crash's cause, fixed)", (t) => {
  if (process.platform !== 'linux') return t.skip('the signal fix is Linux-only');
  const fixed = scenario(t, 'go-onstack.js');
  if (!fixed) return;
  assertSurvived(fixed);
  assert.match(fixed.stdout, /SIGUSR2 onstack=true/);
  assert.match(fixed.stdout, /SIGCHLD onstack=true/);
  // Without the fix, libuv installs them without SA_ONSTACK: that is what
  // crashes when a signal lands on a Go thread.
  const unfixed = scenario(t, 'go-onstack.js', [], { CSHARED_GO_SIGNALS: 'off' });
  assertSurvived(unfixed);
  assert.match(unfixed.stdout, /SIGUSR2 onstack=false/);
  assert.match(unfixed.stdout, /SIGCHLD onstack=false/);
});

test('the macOS way (CSHARED_GO_SIGNALS=listen): handlers re-checked after process.on(signal) survive signals sent to Go threads', (t) => {
  // On Linux this mode is only for this test; it needs tgkill and /proc.
  if (process.platform !== 'linux') return t.skip('sends signals to threads with tgkill and /proc (Linux)');
  const r = scenario(t, 'go-listen.js', [], { CSHARED_GO_SIGNALS: 'listen' });
  if (!r) return;
  assertSurvived(r);
  // Added after Go loaded, then removed (libuv resets it) and added again.
  assert.match(r.stdout, /^onstack=true,true$/m);
  // The same scenario without any fix crashed 4 of 6 runs here (SIGSEGV, SIGQUIT, SIGABRT).
  const unfixed = scenario(t, 'go-listen.js', [], { CSHARED_GO_SIGNALS: 'off', GOTRACEBACK: 'none' });
  if (unfixed.status === 0) assert.match(unfixed.stdout, /^onstack=false,false$/m);
});

test('process exit with goroutines running, and with process.exit() from a call', (t) => {
  assertSurvived(scenario(t, 'go-exit.js'));
  const r = scenario(t, 'go-exit.js', ['exit-now']);
  if (!r) return;
  assert.equal(r.status, 7, r.stderr);
  assert.equal(r.signal, null);
});

test('a Go panic aborts the process (documented; JS cannot catch it)', (t) => {
  const r = scenario(t, 'go-panic.js');
  if (!r) return;
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /panic: fixture: boom/);
  assert.doesNotMatch(r.stdout, /unreachable/);
});
