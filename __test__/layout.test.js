'use strict';
// Struct, union, array and bitfield layouts must be the C compiler's: a C
// program prints sizeof, alignof and offsetof for every test struct, and C
// functions fill and check values field by field, bitfields included.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const cshared = require('..');
const { load, sizeof, alignof, offsetof, alloc, free, decode, encode } = cshared;
const { cLibrary, cProgram, root } = require('./helpers/fixtures');

const dir = path.join(root, 'fixtures', 'layout');
const header = path.join(dir, 'layout.h');
const expected = JSON.parse(cProgram('layout_print', path.join(dir, 'layout_print.c'), ['-I', dir]));
const lib = load(cLibrary('layout', ['-I', dir], path.join(dir, 'layout.c')), { header });

test('sizeof, alignof and offsetof of every struct match the C compiler', () => {
  assert.ok(Object.keys(expected).length >= 15);
  for (const [cname, e] of Object.entries(expected)) {
    const t = lib.types[cname.split(' ')[1]];
    assert.ok(t, `${cname} is declared`);
    assert.equal(sizeof(t), e.size, `sizeof(${cname})`);
    assert.equal(alignof(t), e.align, `alignof(${cname})`);
    for (const [field, off] of Object.entries(e.fields)) {
      assert.equal(offsetof(t, field), off, `offsetof(${cname}, ${field})`);
    }
  }
});

test('the same layouts built with struct(), union() and array()', () => {
  const { struct, union, array } = cshared;
  const basic = struct('js_basic', { a: 'char', b: 'int', c: 'short', d: 'double' });
  assert.deepEqual([sizeof(basic), alignof(basic), offsetof(basic, 'd')], [24, 8, 16]);
  const nested = struct({ tag: 'char', inner: basic, tail: array('uint8_t', 3) });
  assert.deepEqual([sizeof(nested), offsetof(nested, 'inner'), offsetof(nested, 'tail')], [40, 8, 32]);
  const u = union({ i: 'int32_t', d: 'double', bytes: array('char', 12) });
  assert.deepEqual([sizeof(u), alignof(u)], [16, 8]);
  const packed = struct({ a: 'char', b: 'int32_t', c: 'int16_t' }, { packed: true });
  assert.deepEqual([sizeof(packed), offsetof(packed, 'b'), offsetof(packed, 'c')], [7, 1, 5]);
  const pack2 = struct({ a: 'char', b: 'int32_t', c: 'double' }, { pack: 2 });
  assert.deepEqual([sizeof(pack2), alignof(pack2), offsetof(pack2, 'c')], [14, 2, 6]);
  const aligned = struct({ a: 'char', b: { type: 'int32_t', align: 16 } }, { align: 32 });
  assert.deepEqual([sizeof(aligned), alignof(aligned), offsetof(aligned, 'b')], [32, 32, 16]);
  const bits = struct({ a: 'unsigned:3', b: 'unsigned:5', c: 'signed:4', d: 'unsigned:20', e: 'uint64_t:40', f: 'unsigned char:1' });
  assert.deepEqual([sizeof(bits), alignof(bits)], [expected['struct l_bits'].size, expected['struct l_bits'].align]);
  // A named struct is usable by name afterwards.
  assert.equal(sizeof('struct js_basic'), 24);
  assert.equal(sizeof('js_basic *'), 8);
  assert.throws(() => struct('bad name', { a: 'int' }), { code: 'ERR_ARG_VALUE' });
  assert.throws(() => struct({ a: 'nosuchtype' }), { code: 'ERR_PARSE', message: /nosuchtype/ });
  assert.throws(() => struct({ a: 'int:40' }), { code: 'ERR_ARG_VALUE', message: /width/ });
  assert.throws(() => struct({ a: 'double:3' }), { code: 'ERR_ARG_VALUE', message: /non-integer/ });
});

test('bitfields: C writes, JS reads the same values', () => {
  const p = { a: 0, b: 0, c: 0, d: 0, e: 0, f: 0 };
  lib.l_bits_fill(p);
  assert.deepEqual(p, { a: 5, b: 17, c: -3, d: 0xabcde, e: 0x123456789a, f: 1 });
  assert.deepEqual(lib.l_bits_make(), { a: 5, b: 17, c: -3, d: 0xabcde, e: 0x123456789a, f: 1 });
  const b2 = {};
  lib.l_bits2_fill(b2);
  assert.deepEqual(b2, { x: 120, y: 300, z: 511, w: 119 });
  const pb = {};
  lib.l_packed_bits_fill(pb);
  assert.deepEqual(pb, { a: 7, b: 0xabc, c: 0x123 });
});

test('bitfields: JS writes, C reads the same values', () => {
  assert.equal(lib.l_bits_check({ a: 2, b: 31, c: -8, d: 1, e: 2 ** 39 + 5, f: 0 }), 0);
  assert.notEqual(lib.l_bits_check({ a: 2, b: 31, c: -8, d: 1, e: 2 ** 39 + 5, f: 1 }), 0);
  assert.equal(lib.l_bits2_check({ x: 97, y: 257, z: 1, w: 98 }), 0);
  assert.equal(lib.l_packed_bits_check({ a: 1, b: 4095, c: 2048 }), 0);
  // By value, too.
  assert.equal(lib.l_bits_sum({ a: 1, b: 2, c: -1, d: 10, e: 0x1ff, f: 1 }), 1 + 2 - 1 + 10 + 0xff + 1);
  // A value that does not fit its bits is a RangeError, not truncated.
  assert.throws(() => lib.l_bits_check({ a: 8 }), { name: 'RangeError', code: 'ERR_ARG_RANGE', message: /\.a must fit in 3 bits/ });
  assert.throws(() => lib.l_bits_check({ c: 8 }), { name: 'RangeError', message: /-8\.\.7/ });
});

test('structs, unions, packed structs and arrays by value in and out', () => {
  assert.deepEqual(lib.l_mixed_make(0.5, -3, 1e10), { f: 0.5, i: -3, d: 1e10 });
  assert.equal(lib.l_mixed_sum({ f: 1.5, i: 2, d: 0.25 }), 3.75);
  const u = lib.l_union_make(1.0);
  assert.equal(u.d, 1);
  assert.equal(lib.l_union_low({ d: 1.0 }), 0);
  assert.equal(lib.l_union_low({ i: 77 }), 77);
  assert.deepEqual(lib.l_packed_make(1, 100000, -2), { a: 1, b: 100000, c: -2 });
  assert.equal(lib.l_packed_sum({ a: 1, b: 100000, c: -2 }), 99999);
  const arrs = lib.l_arrays_make();
  assert.ok(arrs.ints instanceof Int32Array);
  assert.deepEqual([...arrs.ints], [-5, 6, 17, 28]);
  assert.equal(arrs.name, 'arrays');
  assert.deepEqual([...arrs.ds], [0.5, -2]);
});

test('memory helpers: alloc, encode, decode, free, with structs and arrays', () => {
  const t = lib.types.l_basic;
  const p = alloc(t, 3);
  assert.deepEqual(decode(p, t), { a: 0, b: 0, c: 0, d: 0 });
  encode(p, t, { a: 1, b: -2, c: 3, d: 4.5 });
  encode(p.add(sizeof(t)), t, { a: 9, d: -1 });
  assert.deepEqual(decode(p, t), { a: 1, b: -2, c: 3, d: 4.5 });
  const both = decode(p, t, 2);
  assert.deepEqual(both, [{ a: 1, b: -2, c: 3, d: 4.5 }, { a: 9, b: 0, c: 0, d: -1 }]);
  const ints = alloc('int32_t', 4);
  encode(ints, cshared.array('int32_t', 4), [1, 2, 3, 4]);
  assert.deepEqual([...decode(ints, 'int32_t', 4)], [1, 2, 3, 4]);
  assert.equal(decode(ints.add(8), 'int32_t'), 3);
  assert.deepEqual([...cshared.copyBytes(ints, 8)], [1, 0, 0, 0, 2, 0, 0, 0]);
  const text = alloc('char', 16);
  encode(text, cshared.array('char', 16), 'héllo');
  assert.equal(cshared.readCString(text), 'héllo');
  assert.equal(cshared.readCString(text, 2), 'h\ufffd');
  assert.equal(cshared.readCString(null), null);
  // A string encoded into a pointer slot gets C memory of its own, which
  // is the caller's to free() (as alloc()'s).
  const slot = alloc('const char *');
  encode(slot, 'const char *', 'x');
  assert.equal(decode(slot, 'const char *'), 'x');
  free(decode(slot, 'void *'));
  free(slot);
  // A bad value leaves memory as it was.
  assert.throws(() => encode(p, t, { a: 1000 }), { name: 'RangeError' });
  assert.deepEqual(decode(p, t), { a: 1, b: -2, c: 3, d: 4.5 });
  free(p);
  free(ints);
  free(text);
  free(null);
  assert.throws(() => decode(null, 'int'), { code: 'ERR_ARG_VALUE' });
  assert.throws(() => decode(12345, 'int'), { name: 'TypeError', code: 'ERR_ARG_TYPE' });
  assert.throws(() => alloc('void'), { code: 'ERR_ARG_VALUE' });
  const mp = cshared.makePointer(0x1000n);
  assert.equal(mp.address, 0x1000n);
  assert.equal(cshared.makePointer(0), null);
  assert.equal(cshared.makePointer(-1n).address, 2n ** 64n - 1n);
});

test('fixtures exist as sources only', () => {
  for (const f of ['layout.h', 'layout.c', 'layout_print.c']) assert.ok(fs.existsSync(path.join(dir, f)));
});
