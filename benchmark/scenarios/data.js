'use strict';
// Strings in and out, a struct by value, a Buffer as a pointer.
const { dataSignatures } = require('../lib/signatures');
const { compareSignatures } = require('../lib/compare');

module.exports = {
  id: 'data',
  title: 'Strings, structs and buffers',
  about:
    'str_in takes "hello, world"; str_out returns a static "hello, world" (read into a new JS string); str_echo returns its argument; ' +
    'area takes struct point { int x; int y; } by value (cshared: cdef; koffi: koffi.struct; ffi-rs: a StackStruct object type); ' +
    'buf_in takes a 64-byte Buffer as const void *. ns per call; ratios are time ÷ time.',
  goals: ['cshared makes ≥ 1.5× the calls per second of koffi'],
  run(ctx) {
    return compareSignatures(ctx, dataSignatures(), {
      competitors: ['cshared', 'koffi', 'ffi-rs', 'N-API'],
      node26: ['cshared', 'node:ffi'],
      goals: [{ label: 'koffi ÷ cshared', a: 'koffi', b: 'cshared', op: '>=', target: 1.5 }],
      info: [
        { label: 'cshared ÷ N-API', a: 'cshared', b: 'N-API' },
        { label: 'ffi-rs ÷ cshared', a: 'ffi-rs', b: 'cshared' },
        { label: 'node:ffi ÷ cshared (Node 26)', a: 'node:ffi (Node 26)', b: 'cshared (Node 26)' },
      ],
    });
  },
};
