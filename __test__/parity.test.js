'use strict';
// Capabilities koffi users rely on, in cshared's form (README, "Coming
// from koffi").
const test = require('node:test');
const assert = require('node:assert');
const cshared = require('..');
const { load, callback, func, call, decode, cdef } = cshared;
const { cLibrary } = require('./helpers/fixtures');
const { libc, C } = require('./helpers/libc');

const callbacks = () => cLibrary('callbacks', ['-pthread']);

test('a C function pointer becomes a callable function: func(), call(), decode()', async () => {
  const lib = load(callbacks());
  const BinaryIntFunc = callback('int BinaryIntFunc(int a, int b)');
  const getOp = lib.func('BinaryIntFunc *get_op(const char *name)');
  const addPtr = getOp('+');
  const mulPtr = getOp('*');
  assert.equal(getOp('?'), null);
  const add = func(addPtr, BinaryIntFunc);
  assert.equal(add(2, 3), 5);
  assert.equal(add.length, 2);
  assert.equal(await add.async(20, 22), 42);
  // A prototype string, or the type's name, works as the type.
  assert.equal(func(mulPtr, 'int (int, int)')(6, 7), 42);
  assert.equal(func(mulPtr, 'BinaryIntFunc *')(3, 3), 9);
  assert.equal(call(mulPtr, BinaryIntFunc, 4, 5), 20);
  // koffi's decode(ptr, ProtoType): the function at ptr.
  assert.equal(decode(addPtr, BinaryIntFunc)(40, 2), 42);
  // Arguments are checked as for any bound function.
  assert.throws(() => add(1), { code: 'ERR_ARG_COUNT' });
  assert.throws(() => add(1, 'x'), { code: 'ERR_ARG_TYPE' });
  assert.throws(() => add(2 ** 31, 1), { code: 'ERR_ARG_RANGE' });
  // Variadic function pointers.
  const sumPtr = lib.func('void *get_sum_ints(void)')();
  const sum = func(sumPtr, 'int (int n, ...)');
  assert.equal(sum(3, 'int', 1, 'int', 2, 'int', 3), 6);
  // Function pointers in a struct result.
  cdef('struct ops { BinaryIntFunc *first; BinaryIntFunc *second; };');
  const ops = lib.func('struct ops get_ops(void)')();
  assert.equal(func(ops.first, BinaryIntFunc)(5, 6), 11);
  assert.equal(func(ops.second, BinaryIntFunc)(5, 6), 30);
});

test('func() refuses what is not a function pointer and a type', () => {
  assert.throws(() => func(null, 'int (int)'), { code: 'ERR_ARG_TYPE', message: /non-null Pointer/ });
  assert.throws(() => func(42, 'int (int)'), { code: 'ERR_ARG_TYPE' });
  assert.throws(() => func(cshared.makePointer(0x1000), 'int'), { code: 'ERR_ARG_TYPE', message: /not a function type/ });
  assert.throws(() => func(cshared.makePointer(0x1000), 'int (nope_t)'), { code: 'ERR_PARSE' });
});

test('decode() and encode() over Buffers, TypedArrays, DataViews and ArrayBuffers, with an offset', () => {
  const { encode, struct, alloc, free } = cshared;
  const Float3 = struct('parity_float3', { x: 'float', y: 'float', z: 'float' });
  const buf = Buffer.alloc(16);
  encode(buf, Float3, { x: 1.5, y: -2, z: 3.25 });
  assert.deepEqual(decode(buf, Float3), { x: 1.5, y: -2, z: 3.25 });
  assert.equal(buf.readFloatLE(4), -2);
  // With an offset, and over other views of the same bytes.
  encode(buf, 12, 'uint32_t', 0xdeadbeef);
  assert.equal(decode(buf, 12, 'uint32_t'), 0xdeadbeef);
  const u32 = new Uint32Array(buf.buffer, buf.byteOffset, 4);
  assert.equal(decode(u32, 12, 'uint32_t'), 0xdeadbeef);
  assert.deepEqual([...decode(new DataView(buf.buffer, buf.byteOffset, 16), 4, 'float', 2)], [-2, 3.25]);
  const ab = new ArrayBuffer(8);
  encode(ab, 'int16_t', -5);
  assert.equal(new Int16Array(ab)[0], -5);
  assert.equal(decode(ab, 'int16_t'), -5);
  // C fills a buffer; the count -1 reads up to the first zero value.
  const snprintf = libc().func(`int ${C.snprintf}(char *buf, size_t size, const char *fmt, ...)`);
  const out = Buffer.alloc(32, 0xff);
  assert.equal(snprintf(out, out.length, '%s', 'const char *', 'hello'), 5);
  assert.deepEqual([...decode(out, 'uint8_t', -1)], [104, 101, 108, 108, 111]);
  const p = alloc('uint16_t', 4);
  try {
    encode(p, 'uint16_t[4]', [7, 8, 0, 9]);
    assert.deepEqual([...decode(p, 'uint16_t', -1)], [7, 8]);
    assert.deepEqual([...decode(p, 2, 'uint16_t', 2)], [8, 0]);
  } finally {
    free(p);
  }
  // A buffer with no zero: everything in it.
  assert.deepEqual([...decode(new Uint8Array([1, 2, 3]), 'uint8_t', -1)], [1, 2, 3]);
  // Bounds: nothing is read or written past a buffer.
  assert.throws(() => decode(buf, 14, 'uint32_t'), { name: 'RangeError', code: 'ERR_ARG_RANGE' });
  assert.throws(() => decode(buf, 'uint32_t', 5), { code: 'ERR_ARG_RANGE' });
  assert.throws(() => encode(buf, 13, 'uint32_t', 1), { code: 'ERR_ARG_RANGE' });
  assert.throws(() => decode(buf, 17, 'uint8_t'), { code: 'ERR_ARG_RANGE' });
  assert.throws(() => decode(buf, -1, 'uint8_t'), { code: 'ERR_ARG_RANGE' });
  assert.equal(buf.readUInt32LE(12), 0xdeadbeef);
  const detached = new ArrayBuffer(8);
  structuredClone(detached, { transfer: [detached] });
  assert.throws(() => decode(detached, 'int'), { code: 'ERR_ARG_VALUE', message: /detached/ });
  assert.throws(() => encode(new Uint8Array(new SharedArrayBuffer(8)), 'int', 1), { code: 'ERR_ARG_VALUE' });
});

test('errno(value) sets errno for the next call; address(); envPointer()', async () => {
  const { errno, address, envPointer, makePointer } = cshared;
  const lib = load(callbacks());
  const readErrno = lib.func('int read_errno(void)');
  assert.equal(readErrno(), 0); // cleared before each call
  assert.equal(errno(42), 42);
  assert.equal(errno(), 42);
  assert.equal(readErrno(), 42); // the next call starts with it
  assert.equal(readErrno(), 0); // once
  errno(7);
  assert.equal(await readErrno.async(), 7);
  assert.throws(() => errno(2 ** 40), { code: 'ERR_ARG_RANGE' });
  assert.throws(() => errno('x'), { code: 'ERR_ARG_TYPE' });
  assert.equal(address(null), 0n);
  assert.equal(address(makePointer(0x1234)), 0x1234n);
  assert.equal(address(makePointer(2n ** 64n - 1n)), 2n ** 64n - 1n);
  assert.throws(() => address({}), { code: 'ERR_ARG_TYPE' });
  const env = envPointer();
  assert.equal(typeof env.address, 'bigint');
  assert.notEqual(env.address, 0n);
  assert.ok(envPointer().equals(env));
});

test('strings C writes: stringBuffer() and readCString() of a buffer; strings for void * and int8_t *', () => {
  const { stringBuffer, readCString } = cshared;
  const lib = load(callbacks());
  const upper = lib.func('void upper_ascii(const char *s, char *out)');
  const out = stringBuffer(64);
  upper('hello, wörld', out);
  assert.equal(readCString(out), 'HELLO, WöRLD');
  assert.equal(readCString(out, 5), 'HELLO');
  // In and out: the same buffer, reversed in place by C.
  const reverse = lib.func('void reverse_in_place(void *p)');
  const io = stringBuffer(16, 'abcdef');
  reverse(io);
  assert.equal(readCString(io), 'fedcba');
  // A buffer with no NUL is read within its length only.
  assert.equal(readCString(Buffer.from('xyz')), 'xyz');
  // A JS string for void * and int8_t * (UTF-8, NUL-terminated, for the call).
  assert.equal(lib.func('size_t byte_len(const int8_t *s)')('héllo'), 6);
  assert.equal(lib.func('size_t void_len(const void *s)')('abc'), 3);
  assert.equal(lib.func('size_t void_len(const void *s)')('x'.repeat(5000)), 5000);
  assert.throws(() => lib.func('size_t void_len(const void *s)')('a\0b'), { code: 'ERR_ARG_VALUE' });
  // Other pointers do not take strings.
  assert.throws(() => lib.func('int out_int(int *out)')('12'), { code: 'ERR_ARG_TYPE' });
  assert.throws(() => stringBuffer(3, 'abc'), { code: 'ERR_ARG_RANGE' });
  assert.throws(() => stringBuffer(0), { code: 'ERR_ARG_RANGE' });
  assert.deepEqual([...stringBuffer(4, 'ab')], [97, 98, 0, 0]);
});

test('structs by value of any size: 256 KiB in and out, sync and async', async () => {
  const lib = load(callbacks());
  cdef('struct big { uint8_t data[262144]; int n; };');
  const sum = lib.func('int big_sum(struct big b, int k)');
  const make = lib.func('struct big big_make(int v)');
  const data = new Uint8Array(262144);
  data[0] = 1;
  data[1000] = 2;
  data[262143] = 3;
  assert.equal(sum({ data, n: 100 }, 1000), 1106);
  assert.equal(await sum.async({ data, n: 10 }, 0), 16);
  const b = make(9);
  assert.equal(b.n, -9);
  assert.equal(b.data.length, 262144);
  assert.equal(b.data[0], 9);
  assert.equal(b.data[262142], 9);
  assert.equal(b.data[262143], 7);
  assert.equal((await make.async(4)).data[5], 4);
  assert.throws(() => sum({ data, n: 1 }), { code: 'ERR_ARG_COUNT' });
  assert.throws(() => sum({ data, n: 'x' }, 1), { code: 'ERR_ARG_TYPE' });
});

test('JS functions inside arrays and structs of function pointers are lent for the call', async () => {
  const lib = load(callbacks());
  callback('int int_fn(int x)');
  cdef('struct three { int_fn *a; int_fn *b; int_fn *c; };');
  const applyMany = lib.func('int apply_many(int x, int_fn **fns, int n)');
  const double = (x) => x * 2;
  const fns = [(x) => x + 1, double, (x) => x - 3];
  assert.equal(applyMany(5, fns, 3), 9);
  assert.equal(fns[1], double); // the caller's array keeps its functions
  assert.equal(await applyMany.async(1, fns, 3), 1);
  const applyThree = lib.func('int apply_three(struct three t, int x)');
  assert.equal(applyThree({ a: (x) => x + 10, b: (x) => x * 3, c: (x) => -x }, 1), -33);
  const t = { a: double, b: double, c: (x) => x + 1 };
  assert.equal(lib.func('int apply_three_ptr(struct three *t, int x)')(t, 5), 21);
  assert.equal(t.a, double);
  // A registered callback's Pointer works there too; anything else is refused.
  const reg = cshared.register(double, 'int_fn');
  assert.equal(applyMany(3, [reg, reg], 2), 12);
  cshared.unregister(reg);
  assert.throws(() => applyMany(3, [1], 1), { code: 'ERR_ARG_TYPE' });
  // An exception in one of them is rethrown by the call.
  assert.throws(
    () =>
      applyMany(1, [() => {
        throw new Error('inner');
      }], 1),
    /inner/,
  );
  // encode() has no call to lend for: a function there is refused.
  const p = cshared.alloc('struct three');
  try {
    assert.throws(() => cshared.encode(p, 'struct three', { a: double, b: null, c: null }), { code: 'ERR_ARG_VALUE' });
  } finally {
    cshared.free(p);
  }
});

test('type definitions from JS: self references, opaque types completed later, names checked, own properties only', () => {
  const { struct, opaque, sizeof, encode, alloc, free, makePointer } = cshared;
  const lib = load(callbacks());
  // A struct that points to itself, named in its own fields.
  const Node = struct('node', { value: 'int', next: 'node *' });
  assert.equal(sizeof(Node), 16);
  const sumNodes = lib.func('int sum_nodes(node *n)');
  const n2 = alloc(Node);
  const n1 = alloc(Node);
  try {
    encode(n2, Node, { value: 5, next: null });
    encode(n1, Node, { value: 7, next: n2 });
    assert.equal(sumNodes(n1), 12);
    assert.deepEqual(decode(n1, Node), { value: 7, next: n2 });
  } finally {
    free(n1);
    free(n2);
  }
  // Opaque first, a function bound while it is so, the fields after.
  const Later = opaque('parity_later');
  assert.equal(Later.size, null);
  assert.throws(() => sizeof(Later), { code: 'ERR_ARG_VALUE' });
  const T = callback('int parity_later_fn(parity_later *p)');
  const bound = lib.func('int sum_nodes(parity_later *n)');
  struct('parity_later', { value: 'int', next: 'parity_later *' });
  assert.equal(Later.size, 16); // the same type, completed
  assert.equal(sizeof('parity_later'), 16);
  assert.equal(bound({ value: 3, next: null }), 3);
  assert.ok(T);
  // Another layout under a complete name is refused.
  assert.throws(() => struct('parity_later', { value: 'char' }), { code: 'ERR_ARG_VALUE', message: /parity_later/ });
  assert.equal(sizeof('parity_later'), 16);
  // Field names must be C identifiers.
  assert.throws(() => struct({ 'dummy ': 'int' }), { code: 'ERR_ARG_VALUE', message: /not a field name/ });
  assert.throws(() => struct({ '1x': 'int' }), { code: 'ERR_ARG_VALUE' });
  // Only own properties are fields.
  Object.prototype.stuff = 'int'; // eslint-disable-line no-extend-native
  try {
    assert.equal(sizeof(struct({ a: 'char' })), 1);
  } finally {
    delete Object.prototype.stuff;
  }
  assert.ok(makePointer);
});

test('a TypedArray in a pointer field stays after a by-pointer call; strings fill byte arrays', () => {
  const lib = load(callbacks());
  cdef('struct fill { uint8_t *data; int n; }; struct named { int8_t name[64]; int id; };');
  const data = new Uint8Array(4);
  const f = { data, n: 4 };
  lib.func('void fill_field(struct fill *f)')(f);
  assert.equal(f.data, data);
  assert.deepEqual([...data], [1, 2, 3, 4]);
  assert.equal(f.n, -4);
  assert.equal(lib.func('size_t named_len(struct named n)')({ name: 'Hello!', id: 1 }), 6);
  assert.throws(() => lib.func('size_t named_len(struct named n)')({ name: 'x'.repeat(65), id: 1 }), { code: 'ERR_ARG_RANGE' });
});

test('wide strings: char16_t *, char32_t * and wchar_t * in and out, in structs, arrays, callbacks, variadic calls and decode()', async () => {
  const { stringBuffer, encode, alloc, free } = cshared;
  const lib = load(callbacks());
  assert.equal(lib.func('size_t u16_len(const char16_t *s)')('héllo 😀'), 8); // the emoji is 2 UTF-16 units
  assert.equal(lib.func('const char16_t *u16_hello(void)')(), 'héllo 😀');
  assert.equal(await lib.func('size_t u16_len(const char16_t *s)').async('abc'), 3);
  assert.equal(lib.func('size_t u32_len(const char32_t *s)')('héllo 😀'), 7); // 1 code point
  assert.equal(lib.func('const char32_t *u32_hello(void)')(), 'wide 😀');
  assert.equal(lib.func('size_t w_len(const wchar_t *s)')('wide ☃'), 6);
  assert.equal(lib.func('const wchar_t *w_hello(void)')(), 'wé');
  assert.throws(() => lib.func('size_t u16_len(const char16_t *s)')('a\0b'), { code: 'ERR_ARG_VALUE' });
  // Out: C writes into a buffer; decode(…, -1) reads up to the zero unit.
  const out = Buffer.alloc(64);
  lib.func('void u16_upper(const char16_t *s, char16_t *out)')('wörld', out);
  assert.equal(decode(out, 'char16_t', -1), 'WöRLD');
  // Struct members of char16_t[16], both ways.
  cdef('struct wname { char16_t name[16]; int id; };');
  assert.deepEqual(lib.func('struct wname wname_make(void)')(), { name: 'abcé', id: 7 });
  assert.equal(lib.func('int wname_len(struct wname w)')({ name: 'héllo', id: 1 }), 5);
  assert.throws(() => lib.func('int wname_len(struct wname w)')({ name: 'x'.repeat(17), id: 1 }), { code: 'ERR_ARG_RANGE' });
  // A callback receives a wide string.
  let got;
  assert.equal(
    lib.func('int u16_cb(int (*f)(const char16_t *))')((s) => {
      got = s;
      return 1;
    }),
    1,
  );
  assert.equal(got, 'from C é');
  // Variadic: swprintf with %ls.
  const swprintf = libc().func(`int ${C.swprintf}(wchar_t *ws, size_t n, const wchar_t *fmt, ...)`);
  const ws = Buffer.alloc(256);
  assert.equal(swprintf(ws, 64, '%ls=%d', 'wchar_t *', 'ünï', 'int', 42), 6);
  assert.equal(decode(ws, 'wchar_t', -1), 'ünï=42');
  // encode() into C memory and decode() back.
  const p = alloc('char32_t', 8);
  try {
    encode(p, 'char32_t[8]', 'a😀b');
    assert.equal(decode(p, 'char32_t', -1), 'a😀b');
    assert.equal(decode(p, 'char32_t[8]'), 'a😀b');
  } finally {
    free(p);
  }
  assert.ok(stringBuffer);
});

test('endian integer types: the value is byte-swapped between JS and C when its order is not the host\'s', async () => {
  const lib = load(callbacks());
  const le = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  const swap16 = (x) => ((x & 0xff) << 8) | (x >> 8);
  const swap32 = (x) => ((x & 0xff) << 24 | (x & 0xff00) << 8 | (x >> 8) & 0xff00 | x >>> 24) >>> 0;
  const be16 = le ? swap16 : (x) => x;
  const be32 = le ? swap32 : (x) => x;
  // In: C sees the bytes in big-endian order.
  assert.equal(lib.func('uint16_t raw16(uint16_be_t x)')(0x0102), be16(0x0102));
  assert.equal(lib.func('uint32_t raw32(uint32_be_t x)')(0x01020304), be32(0x01020304));
  assert.equal(lib.func('uint64_t raw64(uint64_be_t x)')(0x0102030405060708n), le ? 0x0807060504030201n : 0x0102030405060708n);
  assert.equal(await lib.func('uint32_t raw32(uint32_be_t x)').async(0x01020304), be32(0x01020304));
  // Out, and both ways (an identity).
  assert.equal(lib.func('uint16_be_t raw16(uint16_t x)')(0x0102), be16(0x0102));
  assert.equal(lib.func('uint32_be_t raw32(uint32_be_t x)')(0xdeadbeef), 0xdeadbeef);
  assert.equal(lib.func('int16_be_t raw16(int16_be_t x)')(-2), -2);
  assert.equal(lib.func('uint16_t raw16(int16_be_t x)')(-2), le ? 0xfeff : 0xfffe);
  // Little-endian types on a little-endian host are plain integers.
  assert.equal(lib.func('uint32_t raw32(uint32_le_t x)')(0x01020304), le ? 0x01020304 : swap32(0x01020304));
  // Range checks stay those of the type.
  assert.throws(() => lib.func('uint16_t raw16(uint16_be_t x)')(0x10000), { code: 'ERR_ARG_RANGE' });
  // Struct members, decode() and encode().
  cdef('struct order_be { uint16_be_t a; uint32_be_t b; uint64_be_t c; };');
  const o = lib.func('struct order_be order_make(void)')();
  assert.deepEqual(o, le ? { a: 0x0201, b: 0x04030201, c: 0x0807060504030201n } : { a: 0x0102, b: 0x01020304, c: 0x0102030405060708n });
  const buf = Buffer.alloc(4);
  cshared.encode(buf, 'uint32_be_t', 0x01020304);
  assert.deepEqual([...buf], [1, 2, 3, 4]);
  assert.equal(decode(buf, 'uint32_be_t'), 0x01020304);
  assert.equal(decode(buf, 'uint16_le_t'), 0x0201);
  // Callbacks: arguments and results in big-endian order.
  const cb = lib.func('uint32_t order_cb(uint32_be_t (*f)(uint32_be_t))');
  let seen;
  assert.equal(
    cb((x) => {
      seen = x;
      return 0x0a0b0c0d;
    }),
    be32(0x0a0b0c0d),
  );
  assert.equal(seen, be32(0x01020304));
});

test('strings written into C memory: encode() outside a call is the caller\'s (free() it); in a callback, the call owns them', () => {
  const { encode, free } = cshared;
  const lib = load(callbacks());
  // Into an exported variable: the memory is the caller's, like alloc()'s.
  const sym = lib.symbol('exported_text');
  encode(sym, 'const char *', 'héllo');
  assert.equal(lib.func('size_t exported_len(void)')(), 6);
  assert.equal(decode(sym, 'const char *'), 'héllo');
  const mem = decode(sym, 'void *');
  encode(sym, 'const char *', null);
  free(mem);
  assert.throws(() => free(mem), { code: 'ERR_ARG_VALUE' });
  // A callback returning a struct with a new string.
  cdef('struct label { const char *text; int n; };');
  const labelLen = lib.func('int label_len(struct label (*f)(int))');
  assert.equal(labelLen((n) => ({ text: 'x'.repeat(n + 10), n: 1 })), 14);
  // A callback writing a string through const char **.
  const outStrLen = lib.func('int out_str_len(void (*f)(const char **out))');
  let p;
  assert.equal(
    outStrLen((out) => {
      p = out;
      encode(out, 'const char *', 'written');
    }),
    7,
  );
  assert.ok(p);
  // Those were the call's: free() does not take them.
  for (let i = 0; i < 1000; i++) labelLen(() => ({ text: 'abc', n: 0 }));
});

test('disposable string types free what they point to once read: results, out-parameters, struct fields', () => {
  const { disposable, pointer, struct } = cshared;
  const lib = load(callbacks());
  const countFree = lib.func('void count_free(void *p)');
  const freed = lib.func('int freed_count(void)');
  const Str = disposable('char *', countFree);
  const f0 = freed();
  assert.equal(lib.func('make_str', Str, ['const char *'])('abc'), 'abc');
  assert.equal(freed(), f0 + 1);
  const out = [null];
  lib.func('make_out', 'void', [pointer(Str)])(out);
  assert.deepEqual(out, ['out!']);
  assert.equal(freed(), f0 + 2);
  const Msg = struct('msg_d', { text: Str, n: 'int' });
  assert.deepEqual(lib.func('make_msg', Msg, [])(), { text: 'field', n: 5 });
  assert.equal(freed(), f0 + 3);
  // koffi's spelling: 'char *!' frees with libc free().
  const viaLibc = lib.func('make_str', 'char *!', ['const char *']);
  for (let i = 0; i < 1000; i++) assert.equal(viaLibc('x'), 'x');
  assert.equal(disposable('char *').name, 'char *!');
  // A Pointer to the free function works too; only string types can be disposable.
  assert.equal(lib.func('make_str', disposable('char *', lib.symbol('count_free')), ['const char *'])('y'), 'y');
  assert.equal(freed(), f0 + 4);
  assert.throws(() => disposable('int *'), { code: 'ERR_ARG_TYPE', message: /string type/ });
  assert.throws(() => disposable('char *', () => {}), { code: 'ERR_ARG_TYPE' });
  assert.throws(() => lib.func('make_str', 'int!', ['const char *']), { code: 'ERR_ARG_TYPE' });
});

test('SAL annotations and calling conventions in prototypes', () => {
  const lib = load(callbacks());
  const outInt = lib.func('int __cdecl out_int(_Out_ int *out)');
  const out = [0];
  assert.equal(outInt(out), 1);
  assert.deepEqual(out, [1234]);
  assert.equal(lib.func('size_t __stdcall u16_len(_In_z_ const char16_t *s)')('abc'), 3);
});
