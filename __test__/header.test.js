'use strict';
// Header-driven bindings: load a library with its C header and every
// function is bound; constants, types and what was skipped are reachable;
// typings generated from the header type-check.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { load, readCString, typings, sizeof } = require('..');
const { cLibrary, goLibrary, goOrSkip, buildDir, root } = require('./helpers/fixtures');
const { typecheck } = require('./helpers/typecheck');

const headers = path.join(root, 'fixtures', 'headers');
const demoLib = () => cLibrary('demo', ['-I', headers]);
const demo = () => load(demoLib(), { header: path.join(headers, 'demo.h') });

// zlib and SQLite headers come from zlib1g-dev and libsqlite3-dev; CI installs them.
function systemHeader(t, file) {
  const p = path.join('/usr/include', file);
  if (process.platform !== 'linux' || !fs.existsSync(p)) {
    if (process.env.CI === 'true' && process.platform === 'linux') throw new Error(`${p} is required in CI`);
    t.skip(`${p} is not installed`);
    return null;
  }
  return p;
}

test('the seed workflow: load(libmod, { header: libmod.h }).ModXY(13, 2) === 1', (t) => {
  const go = goLibrary('gotypes');
  if (go) {
    assert.equal(load(go.path, { header: go.header }).ModXY(13, 2), 1);
  } else if (process.env.CI === 'true') {
    throw new Error('Go is required in CI');
  }
  // The C twin of the example, with its own header.
  const twin = path.join(root, '..', 'examples', 'c-libmod');
  const c = cLibrary('libmod_twin', ['-I', twin], path.join(twin, 'libmod.c'));
  const lib = load(c, { header: path.join(twin, 'libmod.h') });
  assert.equal(lib.ModXY(13, 2), 1);
  assert.equal(lib.functions.ModXY(13, 5), 3);
});

test("Go's generated header: every export bound, Go types and multi-value returns", (t) => {
  const go = goOrSkip(t, 'gotypes');
  if (!go) return;
  const lib = load(go.path, { header: go.header });
  assert.equal(lib.ModXY(13, 2), 1);
  assert.deepEqual(lib.DivMod(17, 5), { r0: 3, r1: 2 });
  // Without goSource, cgo's untyped GoSlice takes only null.
  assert.deepEqual(lib.MinMax(null), { r0: 0, r1: 0, r2: 0 });
  assert.throws(() => lib.MinMax(new Float64Array([2, -3, 9])), { code: 'ERR_UNSUPPORTED', message: /goSource/ });
  assert.deepEqual(lib.Greet('abc', 2), { r0: 'hi', r1: 6 });
  assert.equal(lib.Len('héllo'), 6);
  assert.equal(lib.Static(), 'héllo, 世界 🌍');
  assert.throws(() => lib.SumInts([1, 2, 3]), { code: 'ERR_UNSUPPORTED' });
  // With it, slices are typed, results named, bool is a boolean.
  const typed = load(go.path, { header: go.header, goSource: go.source });
  assert.deepEqual(typed.MinMax(new Float64Array([2, -3, 9])), { min: -3, max: 9, ok: true });
  assert.equal(typed.SumInts([1, 2, 3]), 6);
  assert.equal(typed.IsPositive(3), true);
  assert.deepEqual(typed.DivMod(17, 5), { r0: 3, r1: 2 });
  assert.equal(lib.IsPositive(3), 1);
  assert.equal(lib.types.GoSlice.kind, 'GoSlice');
  assert.equal(lib.types.GoString.kind, 'GoString');
  assert.equal(lib.types.GoInt.size, 8);
  assert.equal(lib.types.GoInterface.size, 16);
  assert.equal(lib.types.DivMod_return.size, 16);
  // Complex types are declared but unusable; the header still loads.
  assert.equal(lib.types.GoComplex64.kind, 'unsupported');
  // cgo declares helpers it does not export: they are not the library's functions.
  assert.equal('_GoStringLen' in lib.functions, false);
  assert.equal(lib._GoStringLen, undefined);
  assert.match(lib.skipped.find((s) => s.name === '_GoStringLen').reason, /not exported by the library/);
  assert.equal(Object.keys(lib.functions).length > 30, true);
});

test('constants: integer, float, string and pointer #defines, and enum values', () => {
  const lib = demo();
  const c = lib.constants;
  assert.equal(c.DEMO_VERSION, '2.1.0');
  assert.equal(c.DEMO_VERSION_NUM, 0x020100);
  assert.equal(c.DEMO_MAX, 1024);
  assert.equal(c.DEMO_HALF, 0.5);
  assert.equal(c.DEMO_NEG_ONE, -1);
  assert.equal(c.DEMO_BIG, 2n ** 64n - 1n);
  assert.equal(c.DEMO_SENTINEL.address, 2n ** 64n - 1n);
  assert.equal(c.DEMO_RED, 0);
  assert.equal(c.DEMO_GREEN, 5);
  assert.equal(c.DEMO_BLUE, 6);
  assert.equal('DEMO_TWICE' in c, false);
  assert.ok(Object.isFrozen(c));
  assert.deepEqual(Object.keys(c).slice(0, 3), ['DEMO_RED', 'DEMO_GREEN', 'DEMO_BLUE']);
});

test('functions: structs by value and by pointer, enums, the included header', () => {
  const lib = demo();
  assert.equal(lib.demo_add(2, 3), 5);
  assert.deepEqual(lib.demo_move({ x: 1, y: 2 }, 10, 20), { x: 11, y: 22 });
  const p = { x: 2, y: -3 };
  lib.demo_scale(p, 10);
  assert.deepEqual(p, { x: 20, y: -30 });
  assert.equal(lib.demo_name(lib.constants.DEMO_GREEN), 'green');
  assert.equal(lib.types.demo_point.size, 8);
  assert.equal(lib.types.demo_point.kind, 'struct');
  // #pragma pack(push, 1) applies.
  assert.equal(sizeof(lib.types.demo_packed), 5);
  assert.equal(lib.demo_packed_value({ tag: 1, value: 41 }), 42);
  // Functions are bound once, on first use.
  assert.equal(lib.demo_add, lib.demo_add);
  assert.equal(lib.demo_add, lib.functions.demo_add);
});

test('<limits.h> and <stdint.h> give the data model\'s values (CHAR_BIT too, which was undefined on Windows)', () => {
  const h = path.join(buildDir, 'limits-probe.h');
  fs.writeFileSync(
    h,
    '#include <limits.h>\n#include <stdint.h>\n#include <stddef.h>\n' +
      '#define P_CHAR_BIT CHAR_BIT\n#define P_INT_MAX INT_MAX\n#define P_LONG_MAX LONG_MAX\n' +
      '#define P_SIZE_BITS (sizeof(size_t) * CHAR_BIT)\n#define P_SIZE_MAX_OK (SIZE_MAX == UINTPTR_MAX)\n',
  );
  const c = load(demoLib(), { header: h }).constants;
  const longMax = sizeof('long') === 8 ? 2n ** 63n - 1n : 2 ** 31 - 1;
  assert.deepEqual(
    [c.P_CHAR_BIT, c.P_INT_MAX, c.P_LONG_MAX, c.P_SIZE_BITS, c.P_SIZE_MAX_OK],
    [8, 2147483647, longMax, 64, 1],
  );
});

test('what cannot be bound is skipped with a reason, and throws only when called', () => {
  const lib = demo();
  const reasons = Object.fromEntries(lib.skipped.map((s) => [s.name, s.reason]));
  assert.match(reasons.demo_inline, /static inline/);
  assert.match(reasons.demo_ld, /long double/);
  assert.match(reasons.demo_vlog, /va_list/);
  for (const s of lib.skipped) {
    assert.equal(s.file, path.join(headers, 'demo.h'));
    assert.ok(s.line > 0);
  }
  assert.throws(() => lib.demo_ld(), { code: 'ERR_UNSUPPORTED', message: /long double/ });
  // Declared but not exported by the library: not among its functions.
  assert.equal('demo_missing' in lib.functions, false);
  assert.match(reasons.demo_missing, /not exported by the library \(no symbol 'demo_missing'\)/);
  // The rest still works.
  assert.equal(lib.demo_add(1, 1), 2);
});

test('a function named like a Library member is reached through lib.functions', () => {
  const lib = demo();
  assert.equal(typeof lib.functions.func, 'function');
  assert.equal(lib.functions.func.name, 'func');
  assert.equal(lib.functions.func(41), 42);
  // lib.func and lib.close are still the Library's own.
  assert.equal(lib.func('int demo_add(int a, int b)')(2, 2), 4);
  lib.close();
  assert.equal(lib.closed, true);
});

test('defines and header text: { text } with includeDirs', () => {
  const text = '#include "demo.h"\n#ifdef DEMO_EXTRA\n#define EXTRA_ON 1\n#endif\n';
  const lib = load(demoLib(), { header: { text }, includeDirs: [headers], defines: { DEMO_EXTRA: true } });
  assert.equal(lib.demo_extra(), 99);
  assert.equal(lib.constants.EXTRA_ON, 1);
  const plain = load(demoLib(), { header: path.join(headers, 'demo.h') });
  assert.equal('demo_extra' in plain.functions, false);
});

test('a syntax error reports file:line:column; a missing header is ERR_LOAD; a missing include is skipped', () => {
  const bad = 'int ok(void);\n\nint broken(int x;\n';
  assert.throws(() => load(demoLib(), { header: { text: bad, path: 'bad.h' } }), (e) => {
    assert.equal(e.code, 'ERR_PARSE');
    assert.equal(e.file, 'bad.h');
    assert.equal(e.line, 3);
    assert.equal(e.column, 17);
    assert.match(e.message, /^bad\.h:3:17: /);
    return true;
  });
  // An include that is not found is not an error: it is in lib.skipped.
  const missing = load(demoLib(), { header: { text: '#include "nope.h"\n#include <nope/sys.h>\nint demo_add(int, int);\n', path: 'x.h' } });
  assert.deepEqual(
    missing.skipped.map((s) => [s.name, s.reason, s.file, s.line]),
    [
      ['"nope.h"', '#include "nope.h": file not found', 'x.h', 1],
      ['<nope/sys.h>', '#include <nope/sys.h>: file not found', 'x.h', 2],
    ],
  );
  assert.equal(missing.demo_add(1, 2), 3);
  assert.throws(() => load(demoLib(), { header: { text: '#if 1\nint f(void);\n' } }), { code: 'ERR_PARSE' });
  assert.throws(() => load(demoLib(), { header: path.join(headers, 'missing.h') }), { code: 'ERR_LOAD', message: /missing\.h/ });
  assert.throws(() => load(demoLib(), { header: 42 }), { name: 'TypeError', code: 'ERR_ARG_TYPE' });
});

test("headers are read through the runtime's fs module, as Electron's app.asar is", (t) => {
  if (typeof process.getBuiltinModule !== 'function') return t.skip('no process.getBuiltinModule in this Node');
  // A file system the process's fs serves and the OS does not have, as
  // Electron serves files inside app.asar.
  const nodeFs = process.getBuiltinModule('fs');
  // Paths as the platform spells them: cshared joins an #include to its
  // directory with the platform's separator (\ on Windows, as Electron's are).
  const asar = (f) => path.join(path.resolve('/virtual.asar'), f);
  const files = new Map([
    [asar('lib.h'), '#include "inner.h"\n#include <stddef.h>\n#define LIB_ANSWER (INNER + 2)\nint demo_add(int a, int b);\n'],
    [asar('inner.h'), '#define INNER 40\n'],
  ]);
  const fds = new Map();
  const saved = {};
  for (const k of ['statSync', 'openSync', 'fstatSync', 'readSync', 'closeSync']) saved[k] = nodeFs[k];
  const fileStat = (size, file = true) => ({ isFile: () => file, size });
  nodeFs.statSync = function (p, o) {
    if (p === asar('dir')) return fileStat(0, false);
    if (files.has(p)) return fileStat(Buffer.byteLength(files.get(p)));
    return saved.statSync.call(this, p, o);
  };
  nodeFs.openSync = function (p, ...rest) {
    if (!files.has(p)) return saved.openSync.call(this, p, ...rest);
    const fd = 100000 + fds.size;
    fds.set(fd, { data: Buffer.from(files.get(p)), at: 0 });
    return fd;
  };
  nodeFs.fstatSync = function (fd, ...rest) {
    const f = fds.get(fd);
    return f ? fileStat(f.data.length) : saved.fstatSync.call(this, fd, ...rest);
  };
  nodeFs.readSync = function (fd, buf, off, len, ...rest) {
    const f = fds.get(fd);
    if (!f) return saved.readSync.call(this, fd, buf, off, len, ...rest);
    const n = f.data.copy(buf, off, f.at, f.at + len);
    f.at += n;
    return n;
  };
  nodeFs.closeSync = function (fd) {
    if (!fds.delete(fd)) return saved.closeSync.call(this, fd);
  };
  try {
    const lib = load(demoLib(), { header: asar('lib.h') });
    assert.equal(lib.constants.LIB_ANSWER, 42);
    assert.equal(lib.demo_add(40, 2), 42);
    assert.equal(fds.size, 0, 'every file it opened is closed');
    assert.match(typings(asar('lib.h')), /readonly LIB_ANSWER: 42/);
    // The same limits: only regular files.
    assert.throws(() => load(demoLib(), { header: asar('dir') }), { code: 'ERR_LOAD', message: /not a regular file/ });
    assert.throws(() => load(demoLib(), { header: asar('none.h') }), { code: 'ERR_LOAD', message: /none\.h/ });
  } finally {
    Object.assign(nodeFs, saved);
  }
});

test('zlib through zlib.h: compress and uncompress round-trip; zlibVersion() matches ZLIB_VERSION', (t) => {
  const header = systemHeader(t, 'zlib.h');
  if (!header) return;
  const z = load('libz.so.1', { header });
  assert.equal(z.zlibVersion(), z.constants.ZLIB_VERSION);
  assert.equal(typeof z.constants.Z_OK, 'number');
  const src = Buffer.from('cshared '.repeat(500) + 'héllo 🌍');
  const bound = z.compressBound(src.length);
  const dest = Buffer.alloc(Number(bound));
  const destLen = [bound];
  assert.equal(z.compress(dest, destLen, src, src.length), z.constants.Z_OK);
  assert.ok(destLen[0] > 0 && destLen[0] < src.length / 10, `compressed to ${destLen[0]}`);
  const back = Buffer.alloc(src.length);
  const backLen = [back.length];
  assert.equal(z.uncompress(back, backLen, dest, destLen[0]), z.constants.Z_OK);
  assert.equal(backLen[0], src.length);
  assert.ok(back.equals(src));
  assert.equal(z.crc32(0, Buffer.from('abc'), 3), 0x352441c2);
});

test('SQLite through sqlite3.h: open, create, insert with bound parameters, read rows back', (t) => {
  const header = systemHeader(t, 'sqlite3.h');
  if (!header) return;
  const s = load('libsqlite3.so.0', { header });
  const C = s.constants;
  const db = [null];
  assert.equal(s.sqlite3_open(':memory:', db), C.SQLITE_OK);
  assert.ok(db[0]);
  assert.equal(s.sqlite3_exec(db[0], 'CREATE TABLE people (id INTEGER, name TEXT, score REAL)', null, null, null), C.SQLITE_OK);
  const ins = [null];
  assert.equal(s.sqlite3_prepare_v2(db[0], 'INSERT INTO people VALUES (?, ?, ?)', -1, ins, null), C.SQLITE_OK);
  const rows = [
    [1, 'Ada', 9.5],
    [2, 'Grace 🌍', 8.25],
    [2 ** 40, 'Édouard', -1],
  ];
  for (const [id, name, score] of rows) {
    assert.equal(s.sqlite3_bind_int64(ins[0], 1, id), C.SQLITE_OK);
    assert.equal(s.sqlite3_bind_text(ins[0], 2, name, -1, C.SQLITE_TRANSIENT), C.SQLITE_OK);
    assert.equal(s.sqlite3_bind_double(ins[0], 3, score), C.SQLITE_OK);
    assert.equal(s.sqlite3_step(ins[0]), C.SQLITE_DONE);
    assert.equal(s.sqlite3_reset(ins[0]), C.SQLITE_OK);
  }
  assert.equal(s.sqlite3_finalize(ins[0]), C.SQLITE_OK);
  const sel = [null];
  assert.equal(s.sqlite3_prepare_v2(db[0], 'SELECT id, name, score FROM people ORDER BY id', -1, sel, null), C.SQLITE_OK);
  const got = [];
  while (s.sqlite3_step(sel[0]) === C.SQLITE_ROW) {
    got.push([s.sqlite3_column_int64(sel[0], 0), readCString(s.sqlite3_column_text(sel[0], 1)), s.sqlite3_column_double(sel[0], 2)]);
  }
  assert.deepEqual(got, rows);
  assert.equal(s.sqlite3_column_count(sel[0]), 3);
  assert.equal(s.sqlite3_column_name(sel[0], 1), 'name');
  assert.equal(s.sqlite3_finalize(sel[0]), C.SQLITE_OK);
  assert.equal(s.sqlite3_errmsg(db[0]), 'not an error');
  assert.equal(s.sqlite3_close(db[0]), C.SQLITE_OK);
  assert.equal(s.sqlite3_libversion(), C.SQLITE_VERSION);
});

// ----- typings -----

test('typings(): the generated d.ts for the demo header type-checks with tsc --strict', () => {
  const dts = typings(path.join(headers, 'demo.h'));
  assert.match(dts, /export interface Demo \{/);
  assert.match(dts, /\/\*\*\n \* A point on the plane\.\n \*\/\nexport interface demo_point \{\n  x: number\n  y: number\n\}/);
  assert.match(dts, /Adds two numbers\./);
  assert.match(dts, /readonly demo_add: CFunction<\[a: number \| bigint, b: number \| bigint\], number>/);
  assert.match(dts, /readonly demo_move: CFunction<\[p: Input\.demo_point, dx: number \| bigint, dy: number \| bigint\], demo_point>/);
  assert.match(dts, /readonly DEMO_VERSION: "2\.1\.0"/);
  assert.match(dts, /readonly DEMO_BIG: 18446744073709551615n/);
  const usage = `
    import { load, register, type Pointer } from 'cshared'
    import type { Demo, demo_point } from './demo'
    const lib = load<Demo>('./libdemo.so', { header: './demo.h' })
    const n: number = lib.demo_add(1, 2)
    const p: demo_point = lib.demo_move({ x: 1 }, 2, 3)
    const q = { x: 1, y: 2 }
    lib.demo_scale(q, 3)
    const name: string | null = lib.demo_name(lib.constants.DEMO_GREEN)
    const v: '2.1.0' = lib.constants.DEMO_VERSION
    const s: Pointer = lib.constants.DEMO_SENTINEL
    const size: number | null = lib.types.demo_point.size
    lib.functions.func(3)
    lib.close()
    // @ts-expect-error a string is not an int
    lib.demo_add('1', 2)
    // @ts-expect-error demo_add takes two arguments
    lib.demo_add(1)
    const later: Promise<number> = lib.demo_add.async(1, 2)
    const many = lib.demo_add.batch(new Int32Array([1, 2]), 3)
    const none: undefined = lib.demo_scale.batch(new Float64Array(1), 2)
    // @ts-expect-error batch takes arrays and numbers
    lib.demo_add.batch('1', 2)
    const cb: Pointer = register((a: number, b: number) => a - b, 'int (*)(int, int)')
    void [n, p, name, v, s, size, later, many, none, cb]
  `;
  const out = typecheck({ 'demo.d.ts': dts, 'use.ts': usage });
  assert.equal(out, '', out);
});

test('typings for the Go header, zlib.h and sqlite3.h type-check; the CLI writes them', (t) => {
  const files = {};
  const go = goLibrary('gotypes');
  if (go) {
    files['gotypes.d.ts'] = typings(go.header, { name: 'GoTypes', goSource: go.source });
    files['go.ts'] = `
      import { load } from 'cshared'
      import type { GoTypes } from './gotypes'
      const lib = load<GoTypes>('./libgotypes.so', { header: './libgotypes.h', goSource: '.' })
      const r: number | bigint = lib.ModXY(13, 2)
      const d: { r0: number | bigint; r1: number | bigint } = lib.DivMod(7, 2)
      const s: string = lib.Echo('x')
      const n: number | bigint = lib.SumInts([1, 2, 3])
      lib.FillBytes(new Uint8Array(3))
      const m: { min: number; max: number; ok: boolean } = lib.MinMax([1.5, 2])
      const pos: boolean = lib.IsPositive(1)
      // @ts-expect-error a []int takes a BigInt64Array, not an Int32Array
      lib.SumInts(new Int32Array(3))
      const viaUrl = load(new URL('file:///tmp/libgotypes.so'), { header: new URL('file:///tmp/libgotypes.h'), free: { Shout: true } })
      void [r, d, s, n, m, pos, viaUrl]
    `;
  }
  const zlib = fs.existsSync('/usr/include/zlib.h') ? '/usr/include/zlib.h' : null;
  const sqlite = fs.existsSync('/usr/include/sqlite3.h') ? '/usr/include/sqlite3.h' : null;
  if (zlib) {
    const out = path.join(buildDir, 'zlib.d.ts');
    execFileSync(process.execPath, [path.join(root, '..', 'bin', 'cshared.js'), 'typings', zlib, '-o', out]);
    files['zlib.d.ts'] = fs.readFileSync(out, 'utf8');
    files['z.ts'] = `
      import { load } from 'cshared'
      import type { Zlib } from './zlib'
      const z = load<Zlib>('libz.so.1', { header: '/usr/include/zlib.h' })
      const v: string | null = z.zlibVersion()
      const len = [0]
      const rc: number = z.compress(new Uint8Array(10), len, new TextEncoder().encode('x'), 1)
      void [v, rc]
    `;
  }
  if (sqlite) {
    files['sqlite3.d.ts'] = typings(sqlite);
    files['sq.ts'] = `
      import { load, readCString } from 'cshared'
      import type { Sqlite3 } from './sqlite3'
      const s = load<Sqlite3>('libsqlite3.so.0', { header: '/usr/include/sqlite3.h' })
      const db: [import('cshared').Pointer | null] = [null]
      const rc: number = s.sqlite3_open(':memory:', db)
      const text: string | null = readCString(s.sqlite3_column_text(null, 0))
      const ok: 0 = s.constants.SQLITE_OK
      void [rc, text, ok]
    `;
  }
  if (Object.keys(files).length === 0) return t.skip('no Go, zlib or SQLite headers here');
  const out = typecheck(files);
  assert.equal(out, '', out);
});

test('the koffi-parity API is typed: func(), call(), decode()/encode() over buffers, stringBuffer(), errno(value), address()', () => {
  const usage = `
    import { load, func, call, decode, encode, stringBuffer, readCString, errno, address, envPointer, callback, type Pointer, type ForeignFunction } from 'cshared'
    const lib = load('./libtypes.so')
    const t = callback('int BinaryIntFunc(int a, int b)')
    const p = lib.func('void *get(void)')() as Pointer
    const f: ForeignFunction = func(p, t)
    f(1, 2)
    const r = call(p, 'int (int, int)', 1, 2)
    const fromDecode = decode(p, t)
    const buf = new Uint8Array(16)
    const v = decode(buf, 4, 'float')
    decode(buf, 'uint8_t', -1)
    encode(buf, 8, 'uint32_t', 1)
    encode(p, 'int', 1)
    const sb: Uint8Array = stringBuffer(64, 'abc')
    const text: string | null = readCString(sb)
    const e: number = errno(5)
    const a: bigint = address(p)
    const env: Pointer = envPointer()
    void [r, fromDecode, v, text, e, a, env]
    // @ts-expect-error the offset is a number
    decode(buf, '4', 'float', 1)
  `;
  const out = typecheck({ 'use.ts': usage });
  assert.equal(out, '', out);
});

test('typings accept exactly what the runtime accepts: every kind of parameter, every kind of JS value', () => {
  const { makePointer } = require('..');
  const so = cLibrary('kinds', ['-I', headers], path.join(headers, 'kinds.c'));
  const header = path.join(headers, 'kinds.h');
  const lib = load(so, { header });
  const p = makePointer(64);
  // [runtime value, the same in TypeScript]
  const values = [
    [1, '1'],
    [1n, '1n'],
    ['x', "'x'"],
    [true, 'true'],
    [null, 'null'],
    [p, 'p'],
    [new Uint8Array(8), 'new Uint8Array(8)'],
    [new ArrayBuffer(8), 'new ArrayBuffer(8)'],
    [new DataView(new ArrayBuffer(8)), 'new DataView(new ArrayBuffer(8))'],
    [[], '[]'],
    [[1], '[1]'],
    [['x'], "['x']"],
    [[null], '[null]'],
    [{}, '{}'],
    [{ x: 1 }, '{ x: 1 }'],
    [{ x: 1n, y: 2 }, '{ x: 1n, y: 2 }'],
    [{ z: 1 }, '{ z: 1 }'],
    // (The runtime does not look at a function's parameters, nor TypeScript at a missing one.)
    [() => 0, '() => 0'],
  ];
  let lines = '';
  let accepted = 0;
  let refused = 0;
  for (const name of Object.keys(lib.functions).filter((n) => n.startsWith('k_'))) {
    for (const [v, ts] of values) {
      let ok = true;
      try {
        lib.functions[name](typeof v === 'object' && v !== null && !(v instanceof ArrayBuffer) && !ArrayBuffer.isView(v) && v !== p ? structuredClone(v) : v);
      } catch {
        ok = false;
      }
      if (ok) accepted++;
      else refused++;
      lines += `${ok ? '' : '// @ts-expect-error the runtime refuses it\n'}lib.${name}(${ts})\n`;
    }
  }
  assert.ok(accepted > 80 && refused > 200, `${accepted} accepted, ${refused} refused`);
  const usage = `
    import { load, makePointer } from 'cshared'
    import type { Kinds, kpt, kbig } from './kinds'
    const lib = load<Kinds>('./libkinds.so', { header: './kinds.h' })
    const p = makePointer(64)
    ${lines}
    // Results, and the bigint option.
    const n: number | bigint = lib.r_i64()
    const s: string | null = lib.r_cstr()
    const pt: kpt = lib.r_struct()
    const b: kbig = lib.r_big()
    const big = load<Kinds<true>>('./libkinds.so', { header: './kinds.h', bigint: true })
    const i: bigint = big.r_i64()
    const id: bigint = big.r_big().id
    // @ts-expect-error with { bigint: true }, a 64-bit result is a bigint
    const notNumber: number = big.r_u64()
    const small: number = big.r_int()
    void [n, s, pt, b, i, id, notNumber, small]
  `;
  const out = typecheck({ 'kinds.d.ts': typings(header), 'use.ts': usage });
  assert.equal(out, '', out);
  // And at run time, with { bigint: true }:
  const bigLib = load(so, { header, bigint: true });
  assert.equal(typeof bigLib.r_i64(), 'bigint');
  assert.equal(typeof bigLib.r_big().id, 'bigint');
  assert.equal(typeof bigLib.r_int(), 'number');
});

test('lib.func() is typed from its prototype string', () => {
  const usage = `
    import { load, type Pointer } from 'cshared'
    const lib = load('./libtypes.so')
    const ModXY = lib.func('long long ModXY(long long x, long long y)')
    const r: number | bigint = ModXY(13, 2)
    const add = lib.func('int add(int a, int b);')
    const n: number = add(1, 2n)
    const s: string | null = lib.func('const char *greet(const char *name)')('x')
    const p: Pointer | null = lib.func('void *id(void *p)')(new Uint8Array(1))
    const u: undefined = lib.func('void nothing(void)')()
    const d: number = lib.func('double f(float a, double b)')(1, 2)
    const b: boolean = lib.func('bool ok(int x)')(1)
    const g: string = lib.func('GoString Echo(GoString s)')('a')
    const sum: number = lib.func('GoFloat64 Sum([]float64 xs)')(new Float64Array(2))
    lib.func('GoFloat64 Sum([]float64 xs)')([1, 2])
    lib.func('GoInt SumInts([]int xs)')([1n, 2])
    lib.func('GoInt Fill([]byte b, GoUint8 v)')(new Uint8Array(2), 1)
    // @ts-expect-error a []float64 takes a Float64Array, not an Int32Array
    lib.func('GoFloat64 Sum([]float64 xs)')(new Int32Array(2))
    // @ts-expect-error a GoSlice of unknown element type takes only null
    lib.func('GoInt SumInts(GoSlice xs)')([1, 2])
    const freed: string | null = lib.func('char *Shout(GoString s)', { free: 'TkFree' })('x')
    void [sum, freed]
    lib.func('int printf(const char *fmt, ...)')('%d', 1)
    const any3 = lib.func('f', 'int', ['int'])
    any3(1)
    const viaAsync: Promise<number> = add.async(1, 2)
    void viaAsync
    // @ts-expect-error a string is not an int
    add('x', 2)
    // @ts-expect-error add takes two arguments
    add(1)
    // @ts-expect-error the result is a string, not a number
    const bad: number = lib.func('const char *greet(void)')()
    void [r, n, s, p, u, d, b, g, bad]
    // Wide strings, strings for void *, endian integers.
    const w: string | null = lib.func('const char16_t *hello(const char16_t *s)')('x')
    const vl: number | bigint = lib.func('size_t len(const void *p)')('text')
    const e: number = lib.func('uint32_be_t swap(uint32_be_t x)')(1)
    // @ts-expect-error an int * takes no string
    lib.func('int f(int *p)')('x')
    void [w, vl, e]
  `;
  const out = typecheck({ 'use.ts': usage });
  assert.equal(out, '', out);
});
