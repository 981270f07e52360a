'use strict';
// The C functions of benchmark/fixtures/bench.c as data: every FFI adapter
// binds a function from this description, so all of them call the same C
// function with the same argument values.
//
// Kinds: i32 (int), i64 (long long), f64 (double), ptr (void *),
// str (const char *), point (struct point by value), buf (const void * given
// a Buffer), plus 'GoInt' for the Go library.

/** C spelling of each kind, for prototypes. */
const C_TYPE = {
  i32: 'int',
  i64: 'long long',
  f64: 'double',
  ptr: 'void *',
  str: 'const char *',
  point: 'struct point',
  buf: 'const void *',
  GoInt: 'GoInt',
};

/** Argument values by kind and position (pointers come from the adapter). */
const VALUES = {
  i32: [1, 2, 3, 4, 5, 6],
  i64: [13, 2, 3, 4, 5, 6],
  f64: [0.5, 1.25, 2, 3.5, 4.25, 5],
  str: ['hello, world'],
  point: [{ x: 3, y: 4 }],
  GoInt: [13, 5],
};

const SCALAR_NAMES = {
  i32: ['i32_0', 'i32_1', 'add', 'i32_3', 'i32_4', 'i32_5', 'i32_6'],
  i64: ['i64_0', 'i64_1', 'ModXY', 'i64_3', 'i64_4', 'i64_5', 'i64_6'],
  f64: ['f64_0', 'f64_1', 'f64_2', 'f64_3', 'f64_4', 'f64_5', 'f64_6'],
  ptr: ['ptr_0', 'id', 'ptr_2', 'ptr_3', 'ptr_4', 'ptr_5', 'ptr_6'],
};

const PARAM_NAMES = ['a', 'b', 'c', 'd', 'e', 'f'];

/** A signature: { id, name, ret, params, proto (C prototype), label, expect(values) }. */
function signature(id, name, ret, params, expect) {
  const ps = params.length ? params.map((k, i) => `${C_TYPE[k]}${C_TYPE[k].endsWith('*') ? '' : ' '}${PARAM_NAMES[i]}`).join(', ') : 'void';
  const proto = `${C_TYPE[ret]}${C_TYPE[ret].endsWith('*') ? '' : ' '}${name}(${ps})`;
  return { id, name, ret, params, proto, label: proto, expect };
}

const sum = (xs) => xs.reduce((a, b) => a + b, 0);

/** The 28 scalar signatures: int, long long, double and void * with 0 to 6 arguments. */
function scalarSignatures() {
  const out = [];
  for (const kind of ['i32', 'i64', 'f64', 'ptr']) {
    for (let k = 0; k <= 6; k++) {
      const name = SCALAR_NAMES[kind][k];
      const params = Array(k).fill(kind);
      let expect;
      if (kind === 'ptr') expect = (args, anchor) => anchor;
      else if (kind === 'i64' && k === 2) expect = (a) => a[0] % a[1];
      else if (k === 0) expect = () => (kind === 'f64' ? 0.5 : 42);
      else expect = (a) => sum(a);
      out.push(signature(`${kind}-${k}`, name, kind, params, expect));
    }
  }
  return out;
}

/** Strings, a struct by value and a buffer. */
function dataSignatures() {
  return [
    signature('str-in', 'str_in', 'i32', ['str'], (a) => Buffer.byteLength(a[0])),
    signature('str-out', 'str_out', 'str', [], () => 'hello, world'),
    signature('str-echo', 'str_echo', 'str', ['str'], (a) => a[0]),
    signature('struct', 'area', 'i32', ['point'], (a) => a[0].x * a[0].y),
    signature('buffer', 'buf_in', 'i32', ['buf', 'i32'], () => 1 + 64),
  ];
}

/** The Go library's ModXY. */
function goSignature() {
  return { ...signature('go-modxy', 'ModXY', 'GoInt', ['GoInt', 'GoInt'], (a) => a[0] % a[1]), library: 'go' };
}

/** A 64-byte Buffer whose first and last bytes are 1 and 64 (buf_in returns 65). */
function sampleBuffer() {
  const b = Buffer.alloc(64);
  b[0] = 1;
  b[63] = 64;
  return b;
}

/** Argument values of `sig` for an adapter (which supplies pointers and 64-bit conversions). */
function argsFor(sig, adapter) {
  const out = [];
  const seen = {};
  for (const k of sig.params) {
    const i = (seen[k] = (seen[k] ?? -1) + 1);
    if (k === 'ptr') out.push(adapter.pointer());
    else if (k === 'buf') out.push(sampleBuffer());
    else if (k === 'i32' && sig.name === 'buf_in') out.push(64);
    else out.push(VALUES[k][i]);
  }
  return out;
}

/** The plain JS values of the arguments (what `expect` takes). */
function plainArgs(sig) {
  return argsFor(sig, { pointer: () => null });
}

/** Every signature by its id. */
function byId(id) {
  const sig = [...scalarSignatures(), ...dataSignatures(), goSignature()].find((s) => s.id === id);
  if (!sig) throw new Error(`no signature ${id}`);
  return sig;
}

module.exports = { byId, scalarSignatures, dataSignatures, goSignature, argsFor, plainArgs, sampleBuffer, C_TYPE, SCALAR_NAMES };
