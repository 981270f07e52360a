'use strict';
// Calling Go: a c-shared ModXY (Go >= 1.21) from cshared, from the N-API
// addon (which dlopens the same Go library and calls it on the JS thread),
// from koffi (which calls on its own stack, so Go reads /proc/self/maps on
// every call: about 100 µs), and for information from ffi-rs and node:ffi.
const { goSignature } = require('../lib/signatures');
const { compareSignatures } = require('../lib/compare');

module.exports = {
  id: 'go',
  title: 'Calling Go (c-shared ModXY)',
  about:
    'GoInt ModXY(GoInt x, GoInt y) from a Go library built with -buildmode=c-shared. Each FFI gets the same number of milliseconds per round, ' +
    'so koffi (about 100 µs a call) makes only a few hundred calls a round. ns per call; ratios are time ÷ time.',
  goals: ["cshared's time ≤ 1.3× the N-API addon's", 'cshared makes ≥ 100× the calls per second of koffi'],
  run(ctx) {
    if (!ctx.paths.go) return { unavailable: ctx.goMissing || 'no Go >= 1.21 toolchain on PATH' };
    return compareSignatures(ctx, [goSignature()], {
      competitors: ['cshared', 'N-API', 'koffi', 'ffi-rs'],
      node26: ['cshared', 'node:ffi'],
      goals: [
        { label: 'cshared ÷ N-API', a: 'cshared', b: 'N-API', op: '<=', target: 1.3 },
        { label: 'koffi ÷ cshared', a: 'koffi', b: 'cshared', op: '>=', target: 100 },
      ],
      info: [
        { label: 'ffi-rs ÷ cshared', a: 'ffi-rs', b: 'cshared' },
        { label: 'node:ffi ÷ cshared (Node 26)', a: 'node:ffi (Node 26)', b: 'cshared (Node 26)' },
      ],
    });
  },
};
