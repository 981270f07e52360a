'use strict';
// Property tests, run by __test__/properties.test.js in a child process so
// that a crash is counted, not lost. Prints one JSON line per property.
// Usage: properties.js <suite> <runs> <types lib> <layout lib> <layout header>
const fc = require('fast-check');
const { load } = require('../..');

const [suite, runsArg, typesLib, layoutLib, layoutHeader] = process.argv.slice(2);
const numRuns = Number(runsArg) || 100;
const lib = load(typesLib);
const results = [];

function check(name, prop) {
  const r = fc.check(prop, { numRuns, seed: Number(process.env.PROPERTY_SEED) || Date.now() % 2 ** 31 });
  results.push({ name, ok: !r.failed, runs: r.numRuns, seed: r.seed, counterexample: r.failed ? fc.stringify(r.counterexample) : undefined, error: r.failed ? String(r.errorInstance) : undefined });
}

const safe = (v) => (v >= -(2n ** 53n - 1n) && v <= 2n ** 53n - 1n ? Number(v) : v);
const LONG = process.platform === 'win32' ? 32 : 64;

function roundTrips() {
  const ints = [
    ['int8_t', 8, true], ['uint8_t', 8, false], ['int16_t', 16, true], ['uint16_t', 16, false],
    ['int32_t', 32, true], ['uint32_t', 32, false], ['int64_t', 64, true], ['uint64_t', 64, false],
    ['long', LONG, true], ['unsigned long', LONG, false], ['size_t', 64, false], ['ptrdiff_t', 64, true],
  ];
  const names = { 'long': 'id_long', 'unsigned long': 'id_ulong', size_t: 'id_size', ptrdiff_t: 'id_ptrdiff' };
  for (const [t, bits, signed] of ints) {
    const f = lib.func(`${t} ${names[t] || 'id_' + t.replace('_t', '')}(${t} x)`);
    const min = signed ? -(2n ** BigInt(bits - 1)) : 0n;
    const max = signed ? 2n ** BigInt(bits - 1) - 1n : 2n ** BigInt(bits) - 1n;
    check(`${t} bigints round-trip`, fc.property(fc.bigInt(min, max), (v) => f(v) === safe(v)));
    check(`${t} numbers round-trip`, fc.property(fc.bigInt(min, max), (v) => (v >= -(2n ** 53n) && v <= 2n ** 53n ? f(Number(v)) === safe(v) : true)));
    check(`${t} out of range is a RangeError`, fc.property(fc.oneof(fc.bigInt(max + 1n, max * 4n + 4n), fc.bigInt(min * 4n - 4n, min - 1n)), (v) => {
      try {
        f(v);
        return false;
      } catch (e) {
        return e instanceof RangeError && e.code === 'ERR_ARG_RANGE';
      }
    }));
  }
  const d = lib.func('double id_double(double x)');
  check('double round-trips bit for bit (-0, NaN, Infinity)', fc.property(fc.double(), (v) => Object.is(d(v), v)));
  const fl = lib.func('float id_float(float x)');
  check('float round-trips through float32', fc.property(fc.double(), (v) => Object.is(fl(v), Math.fround(v))));
  const b = lib.func('bool id_bool(bool x)');
  check('bool round-trips', fc.property(fc.boolean(), (v) => b(v) === v));
  const s = lib.func('const char *id_str(const char *s)');
  check('strings of every Unicode plane round-trip (no NUL)', fc.property(fc.string({ unit: 'grapheme', maxLength: 64 }), (v) => {
    if (v.includes('\0')) {
      try {
        s(v);
        return false;
      } catch (e) {
        return e.code === 'ERR_ARG_VALUE';
      }
    }
    return s(v) === v;
  }));
  check('lone surrogates become U+FFFD', fc.property(fc.string({ unit: 'binary', maxLength: 32 }), (v) => v.includes('\0') || s(v) === v.toWellFormed()));
}

// Every kind of JS value, including hostile ones. Values come as thunks,
// so fast-check itself never touches a Proxy whose traps throw.
function hostile() {
  const throwing = () => {
    throw new Error('trap');
  };
  const makers = [
    () => Symbol('s'),
    () => () => 1,
    () => new Proxy({}, { get: throwing, has: throwing, ownKeys: throwing, getPrototypeOf: throwing }),
    () => new Proxy([], { get: throwing }),
    () => ({ valueOf: throwing, toString: throwing, [Symbol.toPrimitive]: throwing }),
    () => Object.defineProperty({}, 'x', { get: throwing, enumerable: true }),
    () => 2n ** 200n,
    () => -(2n ** 200n),
    () => 12345,
    () => 0,
    () => {
      const b = new ArrayBuffer(8);
      structuredClone(b, { transfer: [b] });
      return b;
    },
    () => {
      const b = new ArrayBuffer(8);
      const v = new Uint8Array(b);
      structuredClone(b, { transfer: [b] });
      return v;
    },
    () => new SharedArrayBuffer(8),
    () => new Int32Array(new SharedArrayBuffer(8)),
    () => NaN,
    () => Infinity,
    () => -0,
    () => '',
    () => 'x'.repeat(10000),
  ];
  return fc.oneof(
    fc.anything({ withBigInt: true, withBoxedValues: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withNullPrototype: true }).map((v) => () => v),
    fc.integer({ min: 0, max: makers.length - 1 }).map((i) => makers[i]),
  );
}

function misuse() {
  const layout = load(layoutLib, { header: layoutHeader });
  // Functions that are safe in C for any argument of their declared type.
  const fns = [
    lib.func('int id_int(int x)'),
    lib.func('uint8_t id_uint8(uint8_t x)'),
    lib.func('int64_t id_int64(int64_t x)'),
    lib.func('uint64_t id_uint64(uint64_t x)'),
    lib.func('double id_double(double x)'),
    lib.func('float id_float(float x)'),
    lib.func('bool id_bool(bool x)'),
    lib.func('void *id_ptr(void *p)'),
    lib.func('bool is_null(const void *p)'),
    lib.func('bool is_null(const char *s)'),
    lib.func('bool is_null(const int32_t *p)'),
    layout.l_mixed_sum,
    layout.l_union_low,
    layout.l_bits_sum,
  ];
  const ok = (e) => (e instanceof TypeError || e instanceof RangeError) && /^ERR_/.test(e.code);
  for (const f of fns) {
    check(`${f.name}: any value is accepted or refused with a TypeError/RangeError`, fc.property(hostile(), (make) => {
      try {
        f(make());
        return true;
      } catch (e) {
        return ok(e) || e.message === 'trap';
      }
    }));
    check(`${f.name}: any number of arguments`, fc.property(fc.array(hostile(), { maxLength: 5 }), (makers) => {
      const args = makers.map((m) => m());
      try {
        f(...args);
        return args.length === 1;
      } catch (e) {
        return ok(e) || e.message === 'trap';
      }
    }));
  }
}

function prototypes() {
  const ok = (e) => ['ERR_PARSE', 'ERR_SYMBOL', 'ERR_UNSUPPORTED', 'ERR_ARG_TYPE'].includes(e.code);
  check('random text as a prototype parses or fails with ERR_PARSE', fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
    try {
      lib.func(text);
      return true;
    } catch (e) {
      return ok(e);
    }
  }));
  const pieces = fc.constantFrom('int', 'char', '*', '(', ')', '[', ']', ',', 'const', 'struct', 'x', 'id_int', ';', '...', '3', 'void', 'unsigned', 'long', ' ', '\0', '{', '}', '__attribute__((packed))', 'enum', 'union', 'GoString', ':');
  check('C-like token soup parses or fails with ERR_PARSE', fc.property(fc.array(pieces, { maxLength: 40 }), (parts) => {
    try {
      lib.func(parts.join(' '));
      return true;
    } catch (e) {
      return ok(e);
    }
  }));
  const extremes = [
    `int ${'*'.repeat(19)}id_ptr(void)`,
    `int ${'*'.repeat(5000)}id_ptr(void)`,
    `int ${'('.repeat(5000)}id_int${')'.repeat(5000)}(int x)`,
    `int id_int(${Array.from({ length: 3000 }, (_, i) => `int a${i}`).join(', ')})`,
    `int id_int(${Array.from({ length: 5000 }, (_, i) => `int a${i}`).join(', ')})`,
    `int ${'x'.repeat(100000)}(int a)`,
    'int id_int(int x)\0garbage',
    `int id_int(int x[${'('.repeat(3000)}1${')'.repeat(3000)}])`,
    `struct ${'s'.repeat(1000)} id_int(int x)`,
  ];
  check('extreme prototypes work or fail with ERR_PARSE', fc.property(fc.constantFrom(...extremes), (text) => {
    try {
      lib.func(text);
      return true;
    } catch (e) {
      return ok(e);
    }
  }));
}

({ roundtrip: roundTrips, misuse, prototypes })[suite]();
for (const r of results) console.log(JSON.stringify(r));
process.exit(results.every((r) => r.ok) ? 0 : 1);
