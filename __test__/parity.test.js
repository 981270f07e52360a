'use strict';
// Capabilities koffi users rely on, in cshared's form (README, "Coming
// from koffi").
const test = require('node:test');
const assert = require('node:assert');
const cshared = require('..');
const { load, callback, func, call, decode, cdef } = cshared;
const { cLibrary } = require('./helpers/fixtures');

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
  const snprintf = load(null).func('int snprintf(char *buf, size_t size, const char *fmt, ...)');
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
