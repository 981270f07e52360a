'use strict';
// The wrappers' JS fast paths: short ASCII strings written into the shared
// buffer, TypedArrays passed by a stamped address, plain structs written and
// read in JS, and the last-string cache. Each must give what the native
// conversion gives, survive reentrancy, and fall back when it cannot apply.
const test = require('node:test');
const assert = require('node:assert/strict');
const { load, cdef, alloc, free, encode, decode, struct } = require('..');
const { cLibrary } = require('./helpers/fixtures');
const { libc: crt } = require('./helpers/libc');

const lib = load(cLibrary('fastpath'));
const slen = lib.func('size_t slen(const char *s)');

test('strings: ASCII, UTF-8, long, empty, NUL and null all arrive as C strings', () => {
  assert.equal(slen('hello, world'), 12);
  assert.equal(slen(''), 0);
  assert.equal(slen('é'), 2);
  assert.equal(slen('日本語'), 9);
  assert.equal(slen('x'.repeat(256)), 256);
  assert.equal(slen('y'.repeat(257)), 257);
  assert.equal(slen('z'.repeat(100000)), 100000);
  assert.equal(slen('\x7f'), 1);
  assert.equal(slen(null), 2 ** 64 - 1 > Number.MAX_SAFE_INTEGER ? 18446744073709551615n : -1);
  assert.throws(() => slen('a\0b'), { code: 'ERR_ARG_VALUE' });
  // Many calls: the string area is given back after each one.
  let total = 0;
  for (let i = 0; i < 100000; i++) total += slen(`s${i % 10}`);
  assert.equal(total, 200000);
});

test('strings: from 24 characters on, UTF-8 written in JS by the encoder, the same bytes as natively', () => {
  const nest = lib.func('const char *nest(const char *a, int (*cb)(void), const char *b)');
  // Lone surrogates become U+FFFD on both paths.
  const fixed = (x) => x.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
  const cases = ['x'.repeat(23), 'y'.repeat(24), 'é'.repeat(30), '日本語'.repeat(10), '😀'.repeat(20), 'a'.repeat(30) + '\uD800', '\uDC00' + 'b'.repeat(30), '\uD800'];
  for (const x of cases) {
    assert.equal(nest(x, null, 'z'), `${fixed(x)}|0|z`, JSON.stringify(x));
    assert.equal(slen(x), Buffer.byteLength(x), JSON.stringify(x));
  }
  assert.throws(() => slen('a'.repeat(30) + '\0'), { code: 'ERR_ARG_VALUE' });
  assert.throws(() => slen('\0' + 'é'.repeat(30)), { code: 'ERR_ARG_VALUE' });
  // Up to 16,384 characters in JS, longer ones natively; a string that no
  // longer fits in the area after another one goes natively too.
  assert.equal(slen('é'.repeat(16384)), 32768);
  assert.equal(slen('é'.repeat(16385)), 32770);
  const r = nest('é'.repeat(16000), null, '日'.repeat(12000));
  assert.ok(r.startsWith('é'.repeat(200)), r.slice(0, 20));
  assert.equal(slen('日'.repeat(12000)), 36000);
});

test('strings: a callback in the middle of a call cannot overwrite the caller’s strings', () => {
  const nest = lib.func('const char *nest(const char *a, int (*cb)(void), const char *b)');
  let inner;
  const r = nest(
    'outer-a',
    () => {
      // Nested calls with strings of their own, one of them reentrant.
      const n = slen('a much longer string written while the outer call runs');
      inner = nest('inner-a', () => slen('deeper'), 'inner-b');
      return n;
    },
    'outer-b',
  );
  assert.equal(inner, 'inner-a|6|inner-b');
  assert.equal(r, 'outer-a|54|outer-b');
});

test('strings: errors and throwing callbacks give the string area back', () => {
  const nest = lib.func('const char *nest(const char *a, int (*cb)(void), const char *b)');
  for (let i = 0; i < 70000; i++) {
    assert.throws(() => nest('abc', () => {
      throw new Error('boom');
    }, 'def'), /boom/);
    assert.throws(() => nest('abc', null, 42), { code: 'ERR_ARG_TYPE' });
  }
  // Had the area leaked, these would still work natively; the results show
  // the strings are intact either way.
  assert.equal(nest('abc', null, 'def'), 'abc|0|def');
});

test('strings: async calls copy their strings (the area is reused at once)', async () => {
  const p = slen.async('async string');
  assert.equal(slen('something else entirely, written over the area'), 46);
  assert.equal(await p, 12);
});

test('string results: same bytes, new bytes at the same address, NULL, owned', () => {
  const label = lib.func('const char *label(int i)');
  assert.deepEqual([1, 1, 2, 2, 1, 10, 1].map((i) => label(i)), ['v1', 'v1', 'v2', 'v2', 'v1', 'v10', 'v1']);
  const maybe = lib.func('const char *maybe(int i)');
  assert.deepEqual([1, 0, 1, 1, 0, 0, 1].map((i) => maybe(i)), ['yes', null, 'yes', 'yes', null, null, 'yes']);
  const owned = lib.func('char *owned(int i)', { free: true });
  assert.deepEqual([3, 3, 4].map((i) => owned(i)), ['owned 3', 'owned 3', 'owned 4']);
  // The async twin and the sync calls around it agree.
  return Promise.all([maybe.async(1), maybe(1), maybe.async(0), maybe(1)]).then((v) =>
    assert.deepEqual(v, ['yes', 'yes', null, 'yes']),
  );
});

test('TypedArrays: C reads and writes them, including small on-heap ones across GC', () => {
  const sum = lib.func('int sum_bytes(const uint8_t *p, int n)');
  const fill = lib.func('void fill(uint8_t *p, int n, int v)');
  const b = Buffer.from([1, 2, 3, 4]);
  assert.equal(sum(b, 4), 10);
  assert.equal(sum(b, 4), 10);
  fill(b, 4, 9);
  assert.deepEqual([...b], [9, 9, 9, 9]);
  // Small typed arrays start on V8's heap, where GC moves them.
  const arrays = [];
  for (let i = 0; i < 200; i++) {
    const a = new Uint8Array(8);
    fill(a, 8, i % 250);
    arrays.push(a);
  }
  if (global.gc) global.gc();
  for (let i = 0; i < 2000; i++) new Array(100).fill({ i });
  arrays.forEach((a, i) => {
    fill(a, 8, (i + 1) % 250);
    assert.equal(sum(a, 8), 8 * ((i + 1) % 250));
    assert.ok(a.every((x) => x === (i + 1) % 250));
  });
  // A view at an offset, and a view of another type.
  const whole = new Uint8Array(16);
  const part = whole.subarray(4, 8);
  fill(part, 4, 7);
  assert.deepEqual([...whole], [0, 0, 0, 0, 7, 7, 7, 7, 0, 0, 0, 0, 0, 0, 0, 0]);
  const f64 = new Float64Array(1);
  fill(f64, 8, 0);
  assert.equal(f64[0], 0);
});

test('TypedArrays: detached after use, lying subclasses, frozen-shape arrays', () => {
  const sum = lib.func('int sum_bytes(const uint8_t *p, int n)');
  const a = new Uint8Array([5, 5, 5, 5]);
  assert.equal(sum(a, 4), 20);
  structuredClone(a.buffer, { transfer: [a.buffer] });
  assert.equal(a.byteLength, 0);
  assert.throws(() => sum(a, 0), { code: 'ERR_ARG_VALUE' });

  // A subclass cannot make a detached array look usable.
  class Lying extends Uint8Array {
    get byteLength() {
      return 4;
    }
  }
  const l = new Lying([1, 1, 1, 1]);
  assert.equal(sum(l, 4), 4);
  structuredClone(l.buffer, { transfer: [l.buffer] });
  assert.throws(() => sum(l, 0), { code: 'ERR_ARG_VALUE' });

  const sealed = Object.preventExtensions(new Uint8Array([2, 2]));
  assert.equal(sum(sealed, 2), 4);
  assert.equal(sum(sealed, 2), 4);

  // Emptied by a resize: no longer passed by its old address.
  const rab = new ArrayBuffer(4, { maxByteLength: 8 });
  const tracking = new Uint8Array(rab);
  tracking.set([3, 3, 3, 3]);
  assert.equal(sum(tracking, 4), 12);
  rab.resize(8);
  tracking.set([1, 1, 1, 1, 1, 1, 1, 1]);
  assert.equal(sum(tracking, 8), 8);
  rab.resize(0);
  assert.equal(sum(tracking, 0), 0);

  const shared = new Uint8Array(new SharedArrayBuffer(4));
  assert.throws(() => sum(shared, 4), { code: 'ERR_ARG_VALUE' });
  assert.throws(() => sum(shared, 4), { code: 'ERR_ARG_VALUE' });
});

test('structs by value: every field kind written in JS arrives as C reads it', () => {
  cdef('struct inner { short s; uint8_t u; };');
  cdef('struct mix { int8_t c; struct inner in; bool b; float f; double d; int64_t big; uint64_t ubig; uint32_t u32; void *p; };');
  const show = lib.func('const char *show_mix(struct mix m)');
  const addrOf = lib.func('void *addr_of(void *p)');
  const buf = Buffer.alloc(4);
  const p = addrOf(buf);
  const m = { c: -5, in: { s: -300, u: 200 }, b: true, f: 0.5, d: -1e300, big: -(2 ** 53), ubig: 2 ** 60, u32: 4294967295, p };
  const hex = `0x${p.address.toString(16)}`;
  assert.equal(show(m), `-5 -300 200 1 0.5 -1e+300 -9007199254740992 1152921504606846976 4294967295 ${hex}`);
  // Bigints, a null pointer: the native conversion takes over and agrees.
  assert.equal(
    show({ ...m, big: -(2n ** 63n), ubig: 2n ** 64n - 1n, p: null }),
    `-5 -300 200 1 0.5 -1e+300 -9223372036854775808 18446744073709551615 4294967295 (nil)`,
  );
  // Errors are the native conversion's.
  assert.throws(() => show({ ...m, c: 128 }), { code: 'ERR_ARG_RANGE' });
  assert.throws(() => show({ ...m, f: 'x' }), { code: 'ERR_ARG_TYPE' });
  assert.throws(() => show({ ...m, in: 3 }), { code: 'ERR_ARG_TYPE' });
  assert.throws(() => show(undefined), { code: 'ERR_ARG_TYPE' });
  assert.throws(() => show(null), { code: 'ERR_ARG_TYPE' });
  assert.throws(() => show({ ...m, p: 12 }), { code: 'ERR_ARG_TYPE' });
});

test('structs by value: results read in JS, numbers or bigints as for scalars', () => {
  const make = lib.func('struct mix make_mix(int8_t c, short s, int64_t big, uint64_t ubig, void *p)');
  const r = make(-1, 0x1234, -(2 ** 40), 2 ** 40, null);
  assert.deepEqual(r, {
    c: -1,
    in: { s: 0x1234, u: 0x34 },
    b: true,
    f: 1.5,
    d: -2.25,
    big: -(2 ** 40),
    ubig: 2 ** 40,
    u32: 4000000000,
    p: null,
  });
  assert.deepEqual(Object.keys(r), ['c', 'in', 'b', 'f', 'd', 'big', 'ubig', 'u32', 'p']);
  const big = make(0, -1, -(2n ** 63n), 2n ** 64n - 1n, null);
  assert.equal(big.big, -(2n ** 63n));
  assert.equal(big.ubig, 2n ** 64n - 1n);
  assert.equal(big.b, false);
  assert.deepEqual(big.in, { s: -1, u: 255 });
  const asBig = load(cLibrary('fastpath'), { bigint: true }).func(
    'struct mix make_mix(int8_t c, short s, int64_t big, uint64_t ubig, void *p)',
  );
  assert.equal(asBig(1, 1, 5, 6, null).big, 5n);
  assert.equal(asBig(1, 1, 5, 6, null).ubig, 6n);
});

test('structs by value: getters that call other functions cannot corrupt the arguments', () => {
  cdef('struct pt { int x, y; };');
  const sum = lib.func('int pt_sum(struct pt a, struct pt b)');
  const x = lib.func('int pt_x(struct pt a)');
  let calls = 0;
  const sneaky = {
    get x() {
      calls++;
      // Writes its own arguments (and id) into the shared buffer.
      return x({ x: 9, y: 9 }) - 8;
    },
    y: 2,
  };
  assert.equal(sum(sneaky, { x: 3, y: 4 }), 1234);
  assert.equal(sum({ x: 3, y: 4 }, sneaky), 3412);
  assert.equal(calls, 2);
  // A Proxy reads like any object: its own keys are the fields it has.
  assert.equal(x(new Proxy({ x: 0, y: 0 }, { get: (_, k) => (k === 'x' ? 77 : 0) })), 77);
  assert.equal(x(new Proxy({}, { get: (_, k) => (k === 'x' ? 77 : 0) })), 0);
  // Async calls take the struct written in JS.
  return x.async({ x: 5, y: 0 }).then((v) => assert.equal(v, 5));
});

test('pointer results: the same address gives the same Pointer again, others a new one', () => {
  const addrOf = lib.func('void *addr_of(void *p)');
  const a = Buffer.alloc(8);
  const b = Buffer.alloc(8);
  const pa = addrOf(a);
  assert.equal(addrOf(a), pa);
  const pb = addrOf(b);
  assert.notEqual(pb, pa);
  assert.ok(!pb.equals(pa));
  assert.equal(addrOf(null), null);
  const again = addrOf(pa);
  assert.ok(again.equals(pa));
  assert.equal(again.address, pa.address);
  assert.equal(addrOf(pb).address, pb.address);
});

// decode(p, 'type') of one scalar is read in JS: from an array recently
// passed to C when the address is inside it, else by a native read with no
// arguments. Both must give what the general native decode gives.
const scalars = [
  ['int8_t', [-128, 127, -1]],
  ['unsigned char', [0, 255, 200]],
  ['short', [-32768, 32767, -2]],
  ['uint16_t', [65535, 1]],
  ['int', [-2147483648, 2147483647, -5]],
  ['unsigned int', [4294967295, 7]],
  ['int64_t', [-(2 ** 53) + 1, 2 ** 53 - 1, -(2n ** 63n), 2n ** 53n, -(2n ** 53n), 9007199254740993n]],
  ['unsigned long long', [0, 2 ** 53 - 1, 2n ** 64n - 1n, 2n ** 53n]],
  ['float', [1.5, -0.25, Infinity]],
  ['double', [Math.PI, -0, 1e308, NaN]],
  ['bool', [true, false]],
  // long is 32-bit on Windows.
  ['const volatile long', process.platform === 'win32' ? [-3, -(2 ** 31), 2 ** 31 - 1] : [-3, 2n ** 62n]],
  ['size_t', [123456789]],
];

// The same types as CType objects, which decode() hands to the native path.
const nativeTypes = scalars.map(([type], i) => cdef(`typedef ${type} scalar_${i};`)[`scalar_${i}`]);

function checkScalars(at, label) {
  for (const [i, [type, values]] of scalars.entries()) {
    for (const v of values) {
      encode(at, type, v);
      const fast = decode(at, type);
      const general = decode(at, nativeTypes[i]);
      assert.deepEqual(fast, general, `${label}: ${type} ${v}`);
      const want = typeof v === 'bigint' && v >= -(2n ** 53n) + 1n && v <= 2n ** 53n - 1n ? Number(v) : v;
      assert.ok(Object.is(fast, want) || fast === want, `${label}: ${type} ${String(v)} read as ${String(fast)}`);
    }
  }
}

test('decode(): scalars inside a recently passed array are read in JS, at any alignment', () => {
  const addrOf = lib.func('void *addr_of(void *p)');
  const buf = new Uint8Array(64);
  const base = addrOf(buf);
  for (const off of [0, 1, 3, 8]) checkScalars(base.add(off), `array+${off}`);
  // The last bytes of the array; a value running past its end is read natively.
  const end = base.add(56);
  encode(end, 'int64_t', -42);
  assert.equal(decode(end, 'int64_t'), -42);
  encode(base.add(60), 'int', 77);
  assert.equal(decode(base.add(60), 'int'), 77);
  // Pointers: NULL, an address, and one whose high word is set.
  const other = addrOf(Buffer.alloc(4));
  encode(base, 'void *', other);
  assert.ok(decode(base, 'void *').equals(other));
  assert.ok(decode(base, 'int *').equals(other));
  encode(base, 'void *', null);
  assert.equal(decode(base, 'void *'), null);
  encode(base, 'uint64_t', 0xdeadbeef12345678n);
  assert.equal(decode(base, 'void *').address, 0xdeadbeef12345678n);
  // C writes into the array show in later reads.
  const fill = lib.func('void fill(uint8_t *p, int n, int v)');
  fill(buf, 4, 0x7f);
  assert.equal(decode(base, 'int'), 0x7f7f7f7f);
});

test('decode(): scalars in C memory and in arrays that are not recent', () => {
  const m = alloc('char', 24);
  try {
    checkScalars(m, 'alloc');
    checkScalars(m.add(3), 'alloc+3');
    encode(m, 'void *', m);
    assert.ok(decode(m, 'void *').equals(m));
  } finally {
    free(m);
  }
  // A large array is not kept among the recent ones; its memory is read natively.
  const addrOf = lib.func('void *addr_of(void *p)');
  const big = new Float64Array((2 << 20) / 8);
  big[1000] = 2.75;
  const p = addrOf(big);
  assert.equal(decode(p.add(8000), 'double'), 2.75);
  assert.equal(decode(p.add(8000), 'int64_t'), decode(p.add(8000), 'int64_t', 1)[0]);
});

test('decode(): arrays over resizable buffers, shrunk and grown after they were passed', () => {
  const addrOf = lib.func('void *addr_of(void *p)');
  const rab = new ArrayBuffer(64, { maxByteLength: 4096 });
  const tracking = new Uint8Array(rab); // follows the buffer's length
  tracking[8] = 7;
  tracking[40] = 9;
  const p = addrOf(tracking);
  assert.equal(decode(p.add(8), 'uint8_t'), 7);
  assert.equal(decode(p.add(40), 'uint8_t'), 9);
  // Byte 40 is now past the array's end: read natively (V8 keeps the
  // memory up to maxByteLength), not through a stale view.
  rab.resize(16);
  assert.equal(decode(p.add(8), 'uint8_t'), 7);
  assert.equal(decode(p.add(40), 'uint8_t'), decode(p.add(40), 'uint8_t', 1)[0]);
  rab.resize(128);
  tracking[100] = 5;
  assert.equal(decode(p.add(100), 'uint8_t'), 5);
  // A fixed-length view that the shrink left out of bounds.
  const fixed = new Float64Array(rab, 0, 2);
  fixed[1] = 2.5;
  const q = addrOf(fixed);
  assert.equal(decode(q.add(8), 'double'), 2.5);
  rab.resize(8);
  assert.equal(decode(q.add(8), 'double'), decode(q.add(8), 'double', 1)[0]);
});

test('decode(): typedef names follow cdef(), other forms and errors take the native path', () => {
  const m = alloc('int64_t');
  try {
    encode(m, 'int64_t', 0x12345678);
    cdef('typedef int fast_t;');
    assert.equal(decode(m, 'fast_t'), 0x12345678);
    // Declared again as another type: refused, and the name keeps its meaning.
    assert.throws(() => cdef('typedef short fast_t;'), { code: 'ERR_PARSE' });
    assert.equal(decode(m, 'fast_t'), 0x12345678);
    cdef('typedef int fast_t;');
    assert.equal(decode(m, 'fast_t'), 0x12345678);
    assert.throws(() => decode(m, 'later_t'), { code: 'ERR_PARSE' });
    cdef('typedef unsigned char later_t;');
    assert.equal(decode(m, 'later_t'), 0x78);
    // Built-in names are remembered in JS, and forgotten when cdef() shadows one.
    assert.equal(decode(m, 'GoUint8'), 0x78);
    assert.equal(decode(m, 'GoInt16'), 0x5678);
    cdef('typedef int GoUint8;');
    assert.equal(decode(m, 'GoUint8'), 0x12345678);
    cdef('typedef int GoInt16;');
    assert.equal(decode(m, 'GoInt16'), 0x12345678);
    cdef('enum fast_color { FAST_RED, FAST_GREEN = 0x5678 };');
    assert.equal(decode(m, 'enum fast_color'), 0x12345678);
    // A CType, a count, strings and structs go to the native decode.
    const pair = struct('fast_pair', { lo: 'uint16_t', hi: 'uint16_t' });
    assert.deepEqual(decode(m, pair), { lo: 0x5678, hi: 0x1234 });
    assert.deepEqual([...decode(m, 'uint16_t', 2)], [0x5678, 0x1234]);
    const s = alloc('char', 4);
    encode(s, 'char[4]', [104, 105, 0, 0]);
    encode(m, 'char *', s);
    assert.equal(decode(m, 'const char *'), 'hi');
    free(s);
    // Errors are the native ones.
    assert.throws(() => decode(null, 'int'), { code: 'ERR_ARG_VALUE' });
    assert.throws(() => decode({}, 'int'), { code: 'ERR_ARG_TYPE' });
    assert.throws(() => decode(42, 'int'), { code: 'ERR_ARG_TYPE' });
    assert.throws(() => decode(m, 'no_such_t'), { code: 'ERR_PARSE' });
    assert.throws(() => decode(m, 'void'), /void/);
    assert.throws(() => decode(m, 42), { code: 'ERR_ARG_TYPE' });
  } finally {
    free(m);
  }
});

test('decode(): a qsort comparator reads the array being sorted, at every width', () => {
  const libc = crt();
  const cases = [
    [Int8Array, 'int8_t'],
    [Uint16Array, 'uint16_t'],
    [Int32Array, 'int'],
    [Float32Array, 'float'],
    [BigInt64Array, 'int64_t'],
    [Float64Array, 'double'],
  ];
  for (const [Ctor, type] of cases) {
    const big = Ctor === BigInt64Array;
    const values = [5, -3, 100, 0, 7, -3, 42, 1].map((v) => (Ctor === Uint16Array ? Math.abs(v) : v));
    const arr = new Ctor(values.map((v) => (big ? BigInt(v) * 2n ** 40n : v)));
    const qsort = libc.func(`void qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))`);
    qsort(arr, arr.length, Ctor.BYTES_PER_ELEMENT, (a, b) => {
      const x = decode(a, type);
      const y = decode(b, type);
      return x < y ? -1 : x > y ? 1 : 0;
    });
    const want = [...arr].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    assert.deepEqual([...arr], want, type);
    assert.deepEqual([...arr].map((v) => (big ? Number(v / 2n ** 40n) : v)), [...values].sort((x, y) => x - y), type);
  }
});
