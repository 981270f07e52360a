'use strict';
// One adapter per FFI: each binds a signature from signatures.js in its own
// API and hands back { fn, args } (plus `array: true` when the FFI takes its
// arguments as one array, as ffi-rs does). Adapters load their package
// lazily, so a missing package only removes that competitor.
const path = require('node:path');
const { C_TYPE, argsFor } = require('./signatures');

const root = path.join(__dirname, '..', '..');

function unsupported(reason) {
  return { unsupported: reason };
}

/** cshared, from this checkout. */
function csharedAdapter(paths) {
  const cs = require(root);
  const lib = cs.load(paths.lib);
  let goLib = null;
  let pointDeclared = false;
  let p0 = null;
  const a = {
    name: 'cshared',
    bind(sig) {
      if (sig.library === 'go') {
        if (!paths.go) return unsupported('no Go library');
        goLib ??= cs.load(paths.go);
        return { fn: goLib.func(sig.proto), args: argsFor(sig, a) };
      }
      if (!pointDeclared && (sig.params.includes('point') || sig.ret === 'point')) {
        cs.cdef('struct point { int x; int y; };');
        pointDeclared = true;
      }
      return { fn: lib.func(sig.proto), args: argsFor(sig, a) };
    },
    pointer() {
      return (p0 ??= lib.func('void *ptr_0(void)')());
    },
    addr: (p) => p.address,
    module: cs,
  };
  return a;
}

/** koffi: prototypes in its C-like syntax, struct point declared with koffi.struct. */
function koffiAdapter(paths) {
  const koffi = require('koffi');
  const lib = koffi.load(paths.lib);
  let goLib = null;
  let point = null;
  let p0 = null;
  const spell = (k) => (k === 'point' ? 'point' : k === 'GoInt' ? 'int64_t' : C_TYPE[k]);
  const proto = (sig) => {
    const ps = sig.params.length ? sig.params.map((k, i) => `${spell(k)} a${i}`).join(', ') : 'void';
    return `${spell(sig.ret)} ${sig.name}(${ps})`;
  };
  const a = {
    name: 'koffi',
    bind(sig) {
      if (sig.library === 'go') {
        if (!paths.go) return unsupported('no Go library');
        goLib ??= koffi.load(paths.go);
        return { fn: goLib.func(proto(sig)), args: argsFor(sig, a) };
      }
      if (!point && (sig.params.includes('point') || sig.ret === 'point')) point = koffi.struct('point', { x: 'int', y: 'int' });
      return { fn: lib.func(proto(sig)), args: argsFor(sig, a) };
    },
    pointer() {
      return (p0 ??= lib.func('void *ptr_0(void)')());
    },
    addr: (p) => (typeof p === 'bigint' ? p : BigInt(koffi.address(p))),
    module: koffi,
  };
  return a;
}

/** ffi-rs: define() with DataType lists; every call takes its arguments as one array. */
function ffiRsAdapter(paths) {
  const ffi = require('ffi-rs');
  const { DataType } = ffi;
  const key = `bench_${process.pid}`;
  ffi.open({ library: key, path: paths.lib });
  let goOpen = false;
  let p0 = null;
  const type = (k) => {
    switch (k) {
      case 'i32': return DataType.I32;
      case 'i64': case 'GoInt': return DataType.I64;
      case 'f64': return DataType.Double;
      case 'ptr': return DataType.External;
      case 'str': return DataType.String;
      case 'buf': return DataType.U8Array;
      case 'point': return { x: DataType.I32, y: DataType.I32, ffiTypeTag: DataType.StackStruct };
      default: throw new Error(`no ffi-rs type for ${k}`);
    }
  };
  const define = (library, sig) =>
    ffi.define({ [sig.name]: { library, retType: type(sig.ret), paramsType: sig.params.map(type) } })[sig.name];
  const a = {
    name: 'ffi-rs',
    bind(sig) {
      if (sig.library === 'go') {
        if (!paths.go) return unsupported('no Go library');
        if (!goOpen) ffi.open({ library: `${key}_go`, path: paths.go });
        goOpen = true;
        return { fn: define(`${key}_go`, sig), args: argsFor(sig, a), array: true };
      }
      return { fn: define(key, sig), args: argsFor(sig, a), array: true };
    },
    pointer() {
      return (p0 ??= define(key, { name: 'ptr_0', ret: 'ptr', params: [] })([]));
    },
    addr: () => null, // ffi-rs pointers are opaque externals
    module: ffi,
  };
  return a;
}

/** The hand-written N-API addon (benchmark/fixtures/napi_baseline.c). */
function napiAdapter(paths) {
  const addon = require(paths.napi);
  addon.init(paths.lib);
  let goInit = false;
  let p0 = null;
  const a = {
    name: 'N-API',
    bind(sig) {
      if (sig.library === 'go') {
        if (!paths.go) return unsupported('no Go library');
        if (!goInit) addon.goInit(paths.go);
        goInit = true;
        return { fn: addon.goModXY, args: argsFor(sig, a) };
      }
      const fn = addon[sig.name];
      if (typeof fn !== 'function') return unsupported(`the addon has no ${sig.name}`);
      return { fn, args: argsFor(sig, a) };
    },
    pointer() {
      return (p0 ??= addon.ptr_0());
    },
    addr: (p) => addon.addr(p),
    module: addon,
  };
  return a;
}

/** Node 26's node:ffi (run under `node --experimental-ffi`). Pointers are bigints, 64-bit integers bigints. */
function nodeFfiAdapter(paths) {
  const ffi = require('node:ffi');
  const lib = new ffi.DynamicLibrary(paths.lib);
  let goLib = null;
  let p0 = null;
  const type = (k, isResult) => {
    switch (k) {
      case 'i32': return 'int32';
      case 'i64': case 'GoInt': return 'int64';
      case 'f64': return 'double';
      case 'ptr': return 'pointer';
      case 'str': return isResult ? 'pointer' : 'string';
      case 'buf': return 'buffer';
      default: return null;
    }
  };
  const a = {
    name: 'node:ffi',
    bind(sig) {
      const ret = type(sig.ret, true);
      const params = sig.params.map((k) => type(k, false));
      if (ret === null || params.includes(null)) return unsupported('node:ffi takes no structs by value (its types are scalars, pointers, strings and buffers)');
      let target = lib;
      if (sig.library === 'go') {
        if (!paths.go) return unsupported('no Go library');
        target = goLib ??= new ffi.DynamicLibrary(paths.go);
      }
      let fn = target.getFunction(sig.name, { return: ret, arguments: params });
      if (sig.ret === 'str') {
        // node:ffi returns a char * as a bigint address; reading it into a
        // JS string takes ffi.toString(), so a string result costs both.
        const names = sig.params.map((_, i) => `a${i}`);
        fn = new Function('raw', 'toString', `return function ${sig.name}(${names}) { const p = raw(${names}); return p === 0n ? null : toString(p); }`)(fn, ffi.toString);
      }
      const args = argsFor(sig, a).map((v, i) => (sig.params[i] === 'i64' || sig.params[i] === 'GoInt' ? BigInt(v) : v));
      return { fn, args };
    },
    pointer() {
      return (p0 ??= lib.getFunction('ptr_0', { return: 'pointer', arguments: [] })());
    },
    addr: (p) => p,
    module: ffi,
  };
  return a;
}

const FACTORIES = {
  cshared: csharedAdapter,
  // cshared with CSHARED_FAST=off, in a worker thread (fastoff.js).
  'cshared (Node-API)': (paths) => require('./fastoff')(paths),
  koffi: koffiAdapter,
  'ffi-rs': ffiRsAdapter,
  'N-API': napiAdapter,
  'node:ffi': nodeFfiAdapter,
};

/** Makes the adapters named; one that cannot load becomes { name, error }. */
function makeAdapters(names, paths) {
  const out = {};
  for (const n of names) {
    try {
      out[n] = FACTORIES[n](paths);
    } catch (e) {
      out[n] = { name: n, error: e.message.split('\n')[0] };
    }
  }
  return out;
}

/** Compares a result with what the C function should return, in each FFI's own terms. */
function checkResult(sig, adapter, bound, result) {
  const plain = bound.args.map((v) => (typeof v === 'bigint' ? Number(v) : v));
  if (sig.ret === 'ptr') {
    const want = adapter.addr(adapter.pointer());
    if (want === null) return result !== null && result !== undefined;
    return adapter.addr(result) === want;
  }
  const got = typeof result === 'bigint' ? Number(result) : result;
  return got === sig.expect(plain);
}

module.exports = { makeAdapters, checkResult, FACTORIES };
