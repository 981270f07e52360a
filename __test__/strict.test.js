'use strict';
// Mistakes that used to pass silently: a misspelled field in an object
// passed for a struct (read as 0), and a type name declared again with
// another definition (functions bound later would use the new one).
const test = require('node:test');
const assert = require('node:assert/strict');
const { load, cdef, callback, struct, union, opaque, alloc, free, encode, decode } = require('..');
const { cLibrary } = require('./helpers/fixtures');

const lib = load(cLibrary('types'));
cdef(`
  struct fmt { int width; int precision; };
  struct boxed { struct fmt f; int tag; };
  struct flags { unsigned a : 3; unsigned b : 5; };
  struct labeled { char name[8]; int value; };
  union num { int i; double d; };
`);
const FormatNumber = lib.func('const char *FormatNumber(double x, struct fmt opts)');
const boxedSum = lib.func('int boxed_sum(struct boxed b)');
const flagsSum = lib.func('int flags_sum(struct flags f)');
const labeledSum = lib.func('int labeled_sum(struct labeled l)');
const numAs = lib.func('double num_as(union num u, int which)');
const fmtTotal = lib.func('int fmt_total(const struct fmt *xs, size_t n)');
const fmtMade = lib.func('int fmt_made(struct fmt (*make)(int), int k)');

/** The error `f()` throws: a TypeError with code ERR_ARG_VALUE and exactly `message`. */
function unknownField(f, message) {
  assert.throws(f, (e) => {
    assert.ok(e instanceof TypeError, `${e}`);
    assert.equal(e.code, 'ERR_ARG_VALUE');
    assert.equal(e.message, message);
    return true;
  });
}

/** Runs `f` while Object.prototype has an enumerable property `key`. */
function withPrototypeKey(key, value, f) {
  Object.prototype[key] = value;
  try {
    f();
  } finally {
    delete Object.prototype[key];
  }
}

test('strict objects: a misspelled field of a struct argument is an error, not a zero (JS fast path)', () => {
  assert.equal(FormatNumber(3.14159, { width: 1, precision: 3 }), '3.142');
  unknownField(
    () => FormatNumber(3.14159, { width: 1, precison: 3 }),
    "FormatNumber(): argument 2 (opts): unknown field 'precison' for struct fmt (fields: width, precision)",
  );
  // An extra field, with every real one present, is as wrong.
  unknownField(
    () => FormatNumber(3.14159, { width: 1, precision: 3, colour: 'red' }),
    "FormatNumber(): argument 2 (opts): unknown field 'colour' for struct fmt (fields: width, precision)",
  );
  // Missing fields are still zero, as in a C initializer; undefined is missing.
  assert.equal(FormatNumber(3.14159, { width: 1 }), '3');
  assert.equal(FormatNumber(3.14159, {}), '3');
  assert.equal(FormatNumber(3.14159, { width: 1, precision: undefined }), '3');
  // Keys in another order than the fields, and own fields of class instances.
  assert.equal(FormatNumber(3.14159, { precision: 2, width: 6 }), '  3.14');
  class Opts {
    constructor() {
      this.width = 5;
      this.precision = 1;
    }
  }
  assert.equal(FormatNumber(2.25, new Opts()), '  2.2');
  // The wrapper stays correct once optimized, for good and bad objects alike.
  for (let i = 0; i < 2000; i++) assert.equal(FormatNumber(1.5, { width: 1, precision: i & 1 }), i & 1 ? '1.5' : '2');
  unknownField(
    () => FormatNumber(3.14159, { width: 1, precison: 3 }),
    "FormatNumber(): argument 2 (opts): unknown field 'precison' for struct fmt (fields: width, precision)",
  );
});

test('strict objects: nested structs, bitfields, arrays and unions name the unknown field', () => {
  assert.equal(boxedSum({ f: { width: 1, precision: 2 }, tag: 3 }), 123);
  unknownField(
    () => boxedSum({ f: { width: 1, precison: 2 }, tag: 3 }),
    "boxed_sum(): argument 1 (b).f: unknown field 'precison' for struct fmt (fields: width, precision)",
  );
  unknownField(
    () => boxedSum({ f: { width: 1, precision: 2 }, tags: 3 }),
    "boxed_sum(): argument 1 (b): unknown field 'tags' for struct boxed (fields: f, tag)",
  );
  // Bitfields are fields (converted natively).
  assert.equal(flagsSum({ a: 5, b: 17 }), 517);
  assert.equal(flagsSum({ b: 17 }), 17);
  unknownField(
    () => flagsSum({ a: 5, c: 17 }),
    "flags_sum(): argument 1 (f): unknown field 'c' for struct flags (fields: a, b)",
  );
  // A struct with an array member (converted natively).
  assert.equal(labeledSum({ name: 'abc', value: 7 }), 307);
  unknownField(
    () => labeledSum({ name: 'abc', valeu: 7 }),
    "labeled_sum(): argument 1 (l): unknown field 'valeu' for struct labeled (fields: name, value)",
  );
  // A union: a key that is not a member.
  assert.equal(numAs({ d: 2.5 }, 1), 2.5);
  assert.equal(numAs({ i: 7 }, 0), 7);
  unknownField(() => numAs({ f: 2.5 }, 1), "num_as(): argument 1 (u): unknown field 'f' for union num (fields: i, d)");
  unknownField(
    () => numAs({ i: 1, x: 2 }, 0),
    "num_as(): argument 1 (u): unknown field 'x' for union num (fields: i, d)",
  );
});

test('strict objects: objects in an array for T *, callback results and encode()', () => {
  assert.equal(fmtTotal([{ width: 1, precision: 2 }, { width: 3, precision: 4 }], 2), 12 + 34);
  unknownField(
    () => fmtTotal([{ width: 1, precision: 2 }, { width: 3, precison: 4 }], 2),
    "fmt_total(): argument 1 (xs)[1]: unknown field 'precison' for struct fmt (fields: width, precision)",
  );
  // One object for `struct fmt *`.
  assert.equal(fmtTotal({ width: 5, precision: 6 }, 1), 56);
  unknownField(
    () => fmtTotal({ widht: 5, precision: 6 }, 1),
    "fmt_total(): argument 1 (xs): unknown field 'widht' for struct fmt (fields: width, precision)",
  );

  assert.equal(fmtMade((k) => ({ width: k, precision: 2 }), 3), 32);
  assert.throws(
    () => fmtMade((k) => ({ width: k, precison: 2 }), 3),
    (e) => {
      assert.ok(e instanceof TypeError, `${e}`);
      assert.equal(e.code, 'ERR_ARG_VALUE');
      assert.match(e.message, /unknown field 'precison' for struct fmt \(fields: width, precision\)$/);
      return true;
    },
  );

  const p = alloc('struct fmt');
  try {
    encode(p, 'struct fmt', { width: 4, precision: 9 });
    assert.deepEqual(decode(p, 'struct fmt'), { width: 4, precision: 9 });
    unknownField(
      () => encode(p, 'struct fmt', { width: 1, precison: 2 }),
      "encode(): the value: unknown field 'precison' for struct fmt (fields: width, precision)",
    );
    // Nothing was written.
    assert.deepEqual(decode(p, 'struct fmt'), { width: 4, precision: 9 });
  } finally {
    free(p);
  }
});

test('strict objects: only own properties are fields, on both paths', () => {
  // An enumerable Object.prototype property is neither a field value nor unknown.
  withPrototypeKey('precision', 7, () => {
    assert.equal(FormatNumber(3.14159, { width: 1 }), '3');
    assert.equal(FormatNumber(3.14159, { width: 1, precision: 2 }), '3.14');
    assert.equal(fmtTotal([{ width: 1 }], 1), 10);
    unknownField(
      () => FormatNumber(3.14159, { width: 1, precison: 3 }),
      "FormatNumber(): argument 2 (opts): unknown field 'precison' for struct fmt (fields: width, precision)",
    );
  });
  withPrototypeKey('b', 9, () => {
    assert.equal(flagsSum({ a: 1 }), 100);
    assert.equal(numAs({ d: 1.5 }, 1), 1.5);
  });
  withPrototypeKey('stuff', 1, () => {
    assert.equal(FormatNumber(3.14159, { width: 1, precision: 1 }), '3.1');
    assert.equal(boxedSum({ f: { width: 1, precision: 2 }, tag: 3 }), 123);
    assert.equal(flagsSum({ a: 5, b: 17 }), 517);
    assert.equal(labeledSum({ name: 'ab', value: 1 }), 201);
  });
  // A field inherited from another prototype is not read either.
  const inherited = Object.create({ precision: 4 });
  inherited.width = 1;
  assert.equal(FormatNumber(3.14159, inherited), '3');
});

// ----- redefinitions -----

// A 64-bit integer other than int: long, but long long on Windows, where long is 32-bit.
const LONG64 = process.platform === 'win32' ? 'long long' : 'long';

/** The error `f()` throws: code `code`, a message that matches every pattern. */
function refused(f, code, ...patterns) {
  assert.throws(f, (e) => {
    assert.equal(e.code, code, e.message);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

test('redefinitions: cdef() refuses a different struct, typedef, union or enum under an existing name', () => {
  const a = cdef('struct rd_point { int x; int y; };').rd_point;
  assert.equal(a.size, 8);
  refused(
    () => cdef('struct rd_point { double x; double y; };'),
    'ERR_PARSE',
    /'rd_point' is already defined as struct rd_point \{ int32 x; int32 y; \}; it cannot be redefined as struct rd_point \{ double x; double y; \}/,
  );
  // Nothing changed: functions bound later still see the first definition.
  assert.equal(cdef('typedef struct rd_point rd_point_t;').rd_point_t.size, 8);
  const boxedRd = lib.func('int boxed_sum(struct boxed b)');
  assert.equal(boxedRd({ f: { width: 1, precision: 2 }, tag: 3 }), 123);
  // The same definition again is fine, and gives an equivalent type.
  const again = cdef('struct rd_point { int x; int y; };').rd_point;
  assert.equal(again.size, 8);
  assert.equal(String(again), String(a));

  cdef('typedef int rd_int;');
  refused(() => cdef(`typedef ${LONG64} rd_int;`), 'ERR_PARSE', /'rd_int' is already defined as int32; it cannot be redefined as int64/);
  assert.equal(cdef('typedef int rd_int;').rd_int.size, 4);
  // Nothing of a refused cdef() is kept, even names it defined well.
  refused(() => cdef('typedef int rd_new; typedef double rd_int;'), 'ERR_PARSE', /'rd_int'/);
  refused(() => lib.func('int fmt_total(rd_new *xs, size_t n)'), 'ERR_PARSE', /rd_new/);

  cdef('union rd_u { int i; float f; };');
  refused(
    () => cdef('union rd_u { int i; double d; };'),
    'ERR_PARSE',
    /'rd_u' is already defined as union rd_u \{ int32 i; float f; \}; it cannot be redefined as union rd_u \{ int32 i; double d; \}/,
  );
  cdef('enum rd_e { RD_A, RD_B };');
  refused(() => cdef('enum rd_e { RD_A, RD_B, RD_C };'), 'ERR_PARSE', /'rd_e' is already defined as enum rd_e \{ RD_A = 0, RD_B = 1 \}/);
  cdef('enum rd_e { RD_A, RD_B };');
});

test('redefinitions: callback() refuses another prototype under an existing name', () => {
  const cb = callback('int rd_cb(int x)');
  refused(
    () => callback('double rd_cb(double x)'),
    'ERR_PARSE',
    /'rd_cb' is already defined as int32 \(\*\)\(int32\); it cannot be redefined as double \(\*\)\(double\)/,
  );
  // Parameter names do not matter; the same prototype again is fine.
  assert.equal(callback('int rd_cb(int y)').size, cb.size);
  refused(() => cdef('typedef double rd_cb(double);'), 'ERR_PARSE', /'rd_cb'/);
  const apply = lib.func('int fmt_made(struct fmt (*make)(int), int k)');
  assert.equal(apply(() => ({ width: 1, precision: 1 }), 0), 11);
  // Nor is a typedef of another type.
  cdef('typedef int rd_cb_int;');
  refused(
    () => callback('int rd_cb_int(int x)'),
    'ERR_PARSE',
    /callback\(\): 'rd_cb_int' is already defined as int32; it cannot be redefined as int32 \(\*\)\(int32\)/,
  );
});

test('redefinitions: struct(), union() and opaque() refuse a different type with ERR_ARG_VALUE', () => {
  const s = struct('rd_s', { a: 'int', b: 'double' });
  assert.equal(s.size, 16);
  refused(
    () => struct('rd_s', { a: 'int' }),
    'ERR_ARG_VALUE',
    /struct\(\): 'rd_s' is already defined as struct rd_s \{ int32 a; double b; \}; it cannot be redefined as struct rd_s \{ int32 a; \}/,
  );
  assert.equal(struct('rd_s', { a: 'int', b: 'double' }).size, 16);
  assert.equal(cdef('struct rd_s { int a; double b; };').rd_s.size, 16);
  refused(() => cdef('struct rd_s { int a; };'), 'ERR_PARSE', /'rd_s'/);
  refused(() => union('rd_s', { a: 'int' }), 'ERR_ARG_VALUE', /'rd_s' is already defined as struct rd_s/);
  refused(() => union('fmt', { width: 'int' }), 'ERR_ARG_VALUE', /'fmt' is already defined as struct fmt \{ int32 width; int32 precision; \}/);
  refused(() => struct('rd_int2', { a: 'int' }) && cdef('typedef int rd_int2;'), 'ERR_PARSE', /'rd_int2'/);
  // opaque() of a union name, or of a typedef of another type.
  union('rd_v', { i: 'int' });
  refused(() => opaque('rd_v'), 'ERR_ARG_VALUE', /'rd_v'/);
  cdef(`typedef ${LONG64} rd_l;`);
  refused(() => opaque('rd_l'), 'ERR_ARG_VALUE', /'rd_l' is already defined as int64/);
});

test('redefinitions: an opaque or forward-declared struct can still be completed', () => {
  const o = opaque('rd_o');
  assert.equal(o.size, null);
  assert.equal(opaque('rd_o').size, null);
  assert.equal(cdef('struct rd_o { int a; int b; };').rd_o.size, 8);
  assert.equal(cdef('struct rd_o { int a; int b; };').rd_o.size, 8);
  refused(() => cdef('struct rd_o { int a; };'), 'ERR_PARSE', /'rd_o'/);
  // The name opaque() declared means the completed struct now.
  const p = alloc('rd_o');
  try {
    encode(p, 'rd_o', { a: 1, b: 2 });
    assert.deepEqual(decode(p, 'rd_o'), { a: 1, b: 2 });
  } finally {
    free(p);
  }

  cdef('struct rd_fwd; typedef struct rd_fwd rd_fwd_t;');
  assert.equal(cdef('struct rd_fwd { double d; };').rd_fwd.size, 8);
  assert.equal(cdef('typedef struct rd_fwd rd_fwd_t;').rd_fwd_t.size, 8);

  opaque('rd_o2');
  assert.equal(struct('rd_o2', { x: 'int' }).size, 4);
  refused(() => struct('rd_o2', { x: LONG64 }), 'ERR_ARG_VALUE', /'rd_o2'/);
  // opaque() of a defined struct is that struct.
  assert.equal(opaque('rd_o2').size, 4);
});
