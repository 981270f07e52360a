'use strict';
// Scalar signatures: int, long long, double and void * with 0 to 6 arguments,
// through every FFI and the hand-written N-API addon; cshared through the
// accelerator (V8 fast calls) and through Node-API, under this Node and
// under Node 26; Deno's and Bun's FFI for reference.
const { scalarSignatures } = require('../lib/signatures');
const { compareSignatures } = require('../lib/compare');

module.exports = {
  id: 'scalar',
  title: 'Scalar signatures',
  about:
    'ns per call (median of the rounds); ratios are time ÷ time, so "koffi ÷ cshared" = how many times more calls per second cshared makes than koffi. ' +
    'The range in brackets is the lowest and highest ratio of a single round. "cshared" calls through the accelerator (V8 fast calls) when one is built for that Node, ' +
    '"cshared (Node-API)" is the same with CSHARED_FAST=off, in a worker thread of the same process.',
  goals: [
    'cshared makes ≥ 5× the calls per second of koffi, under Node 20 and under Node 26',
    "cshared's time ≤ 1.5× Deno's (its FFI on the same functions), under Node 20 and under Node 26",
    "cshared's time ≤ 0.7× the hand-written N-API addon's",
  ],
  run(ctx) {
    return compareSignatures(ctx, scalarSignatures(), {
      competitors: ['cshared', 'cshared (Node-API)', 'koffi', 'ffi-rs', 'N-API'],
      node26: ['cshared', 'cshared (Node-API)', 'koffi', 'node:ffi'],
      runtimes: ['Deno', 'Bun'],
      goals: [
        { label: 'koffi ÷ cshared', a: 'koffi', b: 'cshared', op: '>=', target: 5 },
        { label: 'koffi ÷ cshared (Node 26)', a: 'koffi (Node 26)', b: 'cshared (Node 26)', op: '>=', target: 5 },
        { label: 'cshared ÷ Deno', a: 'cshared', b: 'Deno', op: '<=', target: 1.5 },
        { label: 'cshared (Node 26) ÷ Deno', a: 'cshared (Node 26)', b: 'Deno', op: '<=', target: 1.5 },
        { label: 'cshared ÷ N-API', a: 'cshared', b: 'N-API', op: '<=', target: 0.7 },
      ],
      info: [
        { label: 'cshared (Node-API) ÷ cshared', a: 'cshared (Node-API)', b: 'cshared' },
        { label: 'same, Node 26', a: 'cshared (Node-API) (Node 26)', b: 'cshared (Node 26)' },
        { label: 'cshared ÷ Bun', a: 'cshared', b: 'Bun' },
        { label: 'ffi-rs ÷ cshared', a: 'ffi-rs', b: 'cshared' },
        { label: 'node:ffi ÷ cshared (Node 26)', a: 'node:ffi (Node 26)', b: 'cshared (Node 26)' },
      ],
    });
  },
};
