'use strict';
// The core: load a library, bind functions by prototype or by type names,
// and pass every scalar, string and pointer type through C.
const test = require('node:test');
const assert = require('node:assert/strict');
const { load, cdef, sizeof } = require('..');
const { cLibrary } = require('./helpers/fixtures');
const { libc } = require('./helpers/libc');

const lib = load(cLibrary('types'));
const LONG = process.platform === 'win32' ? 32 : 64;

test('the seed example: ModXY(13, 2) === 1', () => {
  const ModXY = lib.func('long long ModXY(long long x, long long y)');
  assert.equal(ModXY(13, 2), 1);
  assert.equal(ModXY(-13, 5), -3);
  assert.equal(ModXY.name, 'ModXY');
  assert.equal(ModXY.length, 2);
  assert.equal(typeof ModXY, 'function');
});

test('bind by name, result type and parameter types', () => {
  const ModXY = lib.func('ModXY', 'int64', ['int64', 'int64']);
  assert.equal(ModXY(13, 2), 1);
  const sum = lib.func('sum_doubles', 'double', ['const double *', 'size_t']);
  assert.equal(sum(new Float64Array([1.5, 2.5, 3]), 3), 7);
});

function intCases(bits, signed) {
  const min = signed ? -(2n ** BigInt(bits - 1)) : 0n;
  const max = signed ? 2n ** BigInt(bits - 1) - 1n : 2n ** BigInt(bits) - 1n;
  return { min, max };
}

const ints = [
  ['id_schar', 'signed char', 8, true],
  ['id_uchar', 'unsigned char', 8, false],
  ['id_short', 'short', 16, true],
  ['id_ushort', 'unsigned short', 16, false],
  ['id_int', 'int', 32, true],
  ['id_uint', 'unsigned int', 32, false],
  ['id_long', 'long', LONG, true],
  ['id_ulong', 'unsigned long', LONG, false],
  ['id_llong', 'long long', 64, true],
  ['id_ullong', 'unsigned long long', 64, false],
  ['id_int8', 'int8_t', 8, true],
  ['id_uint8', 'uint8_t', 8, false],
  ['id_int16', 'int16_t', 16, true],
  ['id_uint16', 'uint16_t', 16, false],
  ['id_int32', 'int32_t', 32, true],
  ['id_uint32', 'uint32_t', 32, false],
  ['id_int64', 'int64_t', 64, true],
  ['id_uint64', 'uint64_t', 64, false],
  ['id_size', 'size_t', 64, false],
  ['id_ssize', 'ssize_t', 64, true],
  ['id_intptr', 'intptr_t', 64, true],
  ['id_uintptr', 'uintptr_t', 64, false],
  ['id_ptrdiff', 'ptrdiff_t', 64, true],
];

for (const [name, ctype, bits, signed] of ints) {
  test(`${ctype}: extremes round-trip, out of range is a RangeError`, () => {
    const f = lib.func(`${ctype} ${name}(${ctype} x)`);
    const { min, max } = intCases(bits, signed);
    const asResult = (v) => (v >= -(2n ** 53n - 1n) && v <= 2n ** 53n - 1n ? Number(v) : v);
    for (const v of [min, max, 0n, 1n, min + 1n, max - 1n, ...(signed ? [-1n] : [])]) {
      assert.equal(f(v), asResult(v), `${ctype} ${v} as bigint`);
      if (v >= -(2n ** 53n) && v <= 2n ** 53n) assert.equal(f(Number(v)), asResult(v), `${ctype} ${v} as number`);
    }
    assert.throws(() => f(max + 1n), { name: 'RangeError', code: 'ERR_ARG_RANGE' });
    assert.throws(() => f(min - 1n), { name: 'RangeError', code: 'ERR_ARG_RANGE' });
    if (bits < 64) {
      assert.throws(() => f(Number(max) + 1), { name: 'RangeError', code: 'ERR_ARG_RANGE' });
      assert.throws(() => f(Number(min) - 1), { name: 'RangeError', code: 'ERR_ARG_RANGE' });
    } else {
      assert.throws(() => f(signed ? 2 ** 63 : 2 ** 64), { name: 'RangeError', code: 'ERR_ARG_RANGE' });
    }
    assert.throws(() => f(1.5), { name: 'RangeError', code: 'ERR_ARG_RANGE', message: /argument 1 \(x\).*integer/ });
    assert.throws(() => f(NaN), { name: 'RangeError', code: 'ERR_ARG_RANGE' });
    assert.throws(() => f('1'), { name: 'TypeError', code: 'ERR_ARG_TYPE', message: /argument 1 \(x\)/ });
    assert.throws(() => f(null), { name: 'TypeError', code: 'ERR_ARG_TYPE' });
    assert.throws(() => f(), { name: 'TypeError', code: 'ERR_ARG_COUNT' });
  });
}

test('64-bit results: numbers when safe, bigints otherwise, never rounded', () => {
  const u64 = lib.func('uint64_t id_uint64(uint64_t x)');
  const i64 = lib.func('int64_t id_int64(int64_t x)');
  assert.equal(u64(2 ** 53 - 1), 2 ** 53 - 1);
  assert.equal(u64(2n ** 53n), 2n ** 53n);
  assert.equal(u64(2n ** 53n + 1n), 2n ** 53n + 1n);
  assert.equal(i64(-(2 ** 53) + 1), -(2 ** 53) + 1);
  assert.equal(i64(-(2n ** 53n)), -(2n ** 53n));
  assert.equal(i64(-(2n ** 53n) - 1n), -(2n ** 53n) - 1n);
  assert.equal(u64(2 ** 60), 2n ** 60n);
});

test('the bigint option returns 64-bit integers as bigint always', () => {
  const f = lib.func('int64_t id_int64(int64_t x)', { bigint: true });
  assert.equal(f(5), 5n);
  assert.equal(f(-5n), -5n);
  const small = lib.func('int32_t id_int32(int32_t x)', { bigint: true });
  assert.equal(small(5), 5);
  const big = load(cLibrary('types'), { bigint: true });
  assert.equal(big.func('size_t id_size(size_t x)')(3), 3n);
  assert.equal(big.func('size_t id_size(size_t x)', { bigint: false })(3), 3);
});

test('char is an integer at the platform signedness', () => {
  const f = lib.func('char id_char(char x)');
  assert.equal(f(65), 65);
  const signed = f(127) === 127 && (() => { try { return f(-1) === -1; } catch { return false; } })();
  const armLinux = process.platform === 'linux' && (process.arch === 'arm64' || process.arch === 'arm');
  assert.equal(signed, !armLinux);
});

test('narrow results are extended correctly', () => {
  assert.equal(lib.func('signed char narrow_i8(int x)')(126), 127);
  assert.equal(lib.func('signed char narrow_i8(int x)')(127), -128);
  assert.equal(lib.func('unsigned char narrow_u8(int x)')(254), 255);
  assert.equal(lib.func('unsigned char narrow_u8(int x)')(255), 0);
  assert.equal(lib.func('short narrow_i16(int x)')(32767), -32768);
  assert.equal(lib.func('unsigned short narrow_u16(int x)')(65534), 65535);
});

test('bool: booleans in and out, anything else is a TypeError', () => {
  const id = lib.func('bool id_bool(bool x)');
  const not = lib.func('bool not_bool(bool x)');
  assert.equal(id(true), true);
  assert.equal(id(false), false);
  assert.equal(not(true), false);
  assert.equal(not(false), true);
  assert.throws(() => id(1), { name: 'TypeError', code: 'ERR_ARG_TYPE' });
  assert.throws(() => id('true'), { name: 'TypeError', code: 'ERR_ARG_TYPE' });
});

test('float and double: exact round trips including -0, NaN and Infinity', () => {
  const d = lib.func('double id_double(double x)');
  const f = lib.func('float id_float(float x)');
  for (const v of [0, -0, 1.5, -1e308, 5e-324, Number.MAX_VALUE, Infinity, -Infinity, Math.PI]) {
    assert.ok(Object.is(d(v), v), `double ${v}`);
  }
  assert.ok(Number.isNaN(d(NaN)));
  assert.ok(Object.is(f(-0), -0));
  assert.equal(f(Math.PI), Math.fround(Math.PI));
  assert.equal(f(1e40), Infinity);
  assert.ok(Number.isNaN(f(NaN)));
  assert.throws(() => d('1'), { name: 'TypeError', code: 'ERR_ARG_TYPE' });
  assert.throws(() => d(1n), { name: 'TypeError', code: 'ERR_ARG_TYPE' });
});

test('mixed and many arguments (register and libffi routes)', () => {
  const sum10 = lib.func('double sum10(int8_t a, int16_t b, int32_t c, int64_t d, uint8_t e, uint16_t f, uint32_t g, uint64_t h, float x, double y)');
  assert.equal(sum10(-1, -2, -3, -4, 5, 6, 7, 8, 0.5, 0.25), -1 - 2 - 3 - 4 + 5 + 6 + 7 + 8 + 0.75);
  assert.equal(sum10(-128, -32768, -(2 ** 31), -(2 ** 40), 255, 65535, 2 ** 32 - 1, 2 ** 40, 0, 0), -128 - 32768 - 2 ** 31 - 2 ** 40 + 255 + 65535 + 2 ** 32 - 1 + 2 ** 40);
  assert.equal(lib.func('double mix_fp(float a, double b, float c, double d, int e)')(0.5, 0.25, 2, 4, 8), 14.75);
  assert.equal(lib.func('int add9(int a, int b, int c, int d, int e, int f, int g, int h, int i)')(1, 1, 1, 1, 1, 1, 1, 1, 2), 54);
  assert.equal(lib.func('double ten_doubles(double a, double b, double c, double d, double e, double f, double g, double h, double i, double j)')(1, 1, 1, 1, 1, 1, 1, 1, 1, 2), 29);
});

test('structs by value called again and again through one binding, sync and async', async () => {
  // 12 bytes: Win64 passes it by reference to a copy, which libffi makes and
  // once pointed the caller's argument array at (gone after the call).
  cdef('struct fmt { int width; int precision; }; struct boxed { struct fmt f; int tag; };');
  const boxedSum = lib.func('int boxed_sum(struct boxed b)');
  for (let i = 0; i < 5; i++) assert.equal(boxedSum({ f: { width: i, precision: 2 }, tag: 3 }), i * 100 + 23);
  for (let i = 0; i < 3; i++) assert.equal(await boxedSum.async({ f: { width: i, precision: 1 }, tag: 4 }), i * 100 + 14);
  assert.equal(boxedSum({ f: { width: 9, precision: 9 }, tag: 9 }), 999);
});

test("MSVC's sized integer keywords (__int8 to __int64, signed and unsigned) on Windows", (t) => {
  if (process.platform !== 'win32') return t.skip('MSVC keywords: read on Windows only');
  const c = cdef(`
    typedef __int64 w_i64; typedef unsigned __int64 w_u64; typedef unsigned __int32 w_u32;
    typedef __int16 w_i16; typedef unsigned __int8 w_u8; typedef signed __int8 w_i8;
  `);
  assert.deepEqual(
    ['w_i64', 'w_u64', 'w_u32', 'w_i16', 'w_u8', 'w_i8'].map((n) => sizeof(c[n])),
    [8, 8, 4, 2, 1, 1],
  );
  const id = lib.func('uint64_t id_uint64(unsigned __int64 x)');
  assert.equal(id(2n ** 64n - 1n), 2n ** 64n - 1n);
  const i8 = lib.func('int8_t id_int8(signed __int8 x)');
  assert.equal(i8(-128), -128);
});

test('strings: UTF-8 in and out, NULL is null', () => {
  const len = lib.func('size_t str_len(const char *s)');
  const id = lib.func('const char *id_str(const char *s)');
  assert.equal(len('héllo'), 6);
  assert.equal(len(''), 0);
  assert.equal(id('wörld ✓ 🌍'), 'wörld ✓ 🌍');
  assert.equal(lib.func('const char *greet(void)')(), 'héllo wörld ✓ 🌍');
  assert.equal(lib.func('const char *null_str(void)')(), null);
  assert.equal(lib.func('bool is_null(const void *p)')(null), true);
  assert.equal(lib.func('const char *join(const char *a, const char *b)')('ab', 'çd'), 'ab+çd');
  const long = 'x'.repeat(100000) + 'é';
  assert.equal(len(long), 100002);
  assert.equal(id(long), long);
  // Many strings in one call exceed the inline arena.
  const many = Array.from({ length: 2 }, (_, i) => String(i).repeat(1500));
  assert.equal(lib.func('const char *join(const char *a, const char *b)')(...many).length, 3001);
  // A lone surrogate is sent as U+FFFD.
  assert.equal(id('a\ud800b'), 'a\ufffdb');
});

test('strings: a NUL inside is a TypeError, not a silent cut', () => {
  const len = lib.func('size_t str_len(const char *s)');
  assert.throws(() => len('a\0b'), { name: 'TypeError', code: 'ERR_ARG_VALUE', message: /str_len\(\): argument 1 \(s\).*NUL/ });
  assert.throws(() => len(42), { name: 'TypeError', code: 'ERR_ARG_TYPE' });
  assert.throws(() => len(undefined), { name: 'TypeError', code: 'ERR_ARG_TYPE' });
});

test('char * accepts a Buffer that C writes into', () => {
  const upper = lib.func('char *upper(char *s)');
  const buf = Buffer.from('hello\0');
  assert.equal(upper(buf), 'HELLO');
  assert.equal(buf.toString('latin1', 0, 5), 'HELLO');
  assert.equal(upper('abc'), 'ABC');
});

test('pointers: opaque values that round-trip, NULL ⇄ null', () => {
  const id = lib.func('void *id_ptr(void *p)');
  const nul = lib.func('void *null_ptr(void)');
  const isNull = lib.func('bool is_null(const void *p)');
  assert.equal(nul(), null);
  assert.equal(id(null), null);
  const buf = Buffer.alloc(16);
  const p = id(buf);
  assert.equal(typeof p, 'object');
  assert.equal(typeof p.address, 'bigint');
  assert.ok(p.address > 0n);
  const q = id(p);
  assert.ok(q.equals(p));
  assert.equal(q.address, p.address);
  assert.equal(isNull(p), false);
  assert.match(String(p), /^0x[0-9a-f]+$/);
  // Pointer arithmetic stays within what C would do.
  const byteAt = lib.func('int byte_at(const uint8_t *p, size_t i)');
  buf[5] = 99;
  assert.equal(byteAt(p.add(5), 0), 99);
  assert.equal(byteAt(p, 5), 99);
});

test('pointers: numbers and plain objects are not pointers; strings only stand for void * and byte pointers', () => {
  const id = lib.func('void *id_ptr(void *p)');
  for (const bad of [0, 1234, 1n, {}, [], true, () => {}, Symbol('x'), undefined]) {
    assert.throws(() => id(bad), { name: 'TypeError', code: 'ERR_ARG_TYPE' }, String(typeof bad));
  }
  // A string for void * is its UTF-8 bytes for the call (koffi does the same).
  assert.ok(id('abc') !== null);
  const idInt = lib.func('int *id_ptr(int *p)');
  assert.throws(() => idInt('abc'), { name: 'TypeError', code: 'ERR_ARG_TYPE' });
  // A Pointer cannot be forged.
  const p = id(Buffer.alloc(1));
  assert.throws(() => new p.constructor(Symbol(), 1, 0), { name: 'TypeError' });
  assert.throws(() => id(Object.create(Object.getPrototypeOf(p))), { name: 'TypeError', code: 'ERR_ARG_TYPE' });
});

test('Buffers, TypedArrays, ArrayBuffers and DataViews are passed by address and see C writes', () => {
  const fillBytes = lib.func('void fill_bytes(uint8_t *buf, size_t n)');
  const fillInts = lib.func('void fill_ints(int32_t *buf, size_t n)');
  const b = Buffer.alloc(6);
  fillBytes(b, 6);
  assert.deepEqual([...b], [0, 7, 14, 21, 28, 35]);
  const ints = new Int32Array(4);
  fillInts(ints, 4);
  assert.deepEqual([...ints], [-5, -4, -1, 4]);
  const ab = new ArrayBuffer(3);
  fillBytes(ab, 3);
  assert.deepEqual([...new Uint8Array(ab)], [0, 7, 14]);
  const big = new Uint8Array(8);
  fillBytes(new DataView(big.buffer, 2, 3), 3);
  assert.deepEqual([...big], [0, 0, 0, 7, 14, 0, 0, 0]);
  // A view into the middle of a buffer starts at its offset.
  const whole = new Uint8Array(10);
  fillBytes(whole.subarray(4), 2);
  assert.deepEqual([...whole.slice(3, 7)], [0, 0, 7, 0]);
  assert.equal(lib.func('double sum_doubles(const double *xs, size_t n)')(new Float64Array([0.5, 1, 2]), 3), 3.5);
});

test('detached and shared buffers are refused', () => {
  const fillBytes = lib.func('void fill_bytes(uint8_t *buf, size_t n)');
  const ab = new ArrayBuffer(8);
  structuredClone(ab, { transfer: [ab] });
  assert.throws(() => fillBytes(ab, 0), { name: 'TypeError', code: 'ERR_ARG_VALUE', message: /detached/ });
  assert.throws(() => fillBytes(new SharedArrayBuffer(8), 0), { name: 'TypeError' });
  assert.throws(() => fillBytes(new Uint8Array(new SharedArrayBuffer(8)), 0), { name: 'TypeError' });
});

test('symbols: lib.symbol() gives the address of data and functions', () => {
  const p = lib.symbol('global_value');
  const fill = lib.func('int byte_at(const uint8_t *p, size_t i)');
  assert.equal(fill(p, 0), 42);
  assert.ok(lib.symbol('bump').address > 0n);
});

test('the running process: load(null) finds libc', () => {
  const self = load(null);
  assert.equal(self.path, null);
  if (process.platform === 'win32') {
    // Windows: the executable's own exports (node.exe's Node-API); the C
    // library is a DLL of its own.
    assert.ok(self.symbol('napi_create_object').address > 0n);
    assert.throws(() => self.func('size_t strlen(const char *s)'), { code: 'ERR_SYMBOL' });
    const strlen = libc().func('size_t strlen(const char *s)');
    assert.equal(strlen('four'), 4);
    return;
  }
  const strlen = self.func('size_t strlen(const char *s)');
  assert.equal(strlen('four'), 4);
});

test('binding many functions is cheap and they stay independent', () => {
  const fns = [];
  for (let i = 0; i < 200; i++) fns.push(lib.func(i % 2 ? 'int id_int(int x)' : 'double id_double(double x)'));
  fns.forEach((f, i) => assert.equal(f(i), i));
});
