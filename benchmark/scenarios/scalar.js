'use strict';
// Scalar signatures: int, long long, double and void * with 0 to 6 arguments,
// through every FFI and the hand-written N-API addon.
const { scalarSignatures } = require('../lib/signatures');
const { compareSignatures } = require('../lib/compare');

module.exports = {
  id: 'scalar',
  title: 'Scalar signatures',
  about:
    'ns per call (median of the rounds); ratios are time ÷ time, so "koffi ÷ cshared" = how many times more calls per second cshared makes than koffi. ' +
    'The range in brackets is the lowest and highest ratio of a single round.',
  goals: ['cshared makes ≥ 2.0× the calls per second of koffi', "cshared's time ≤ 0.7× the hand-written N-API addon's"],
  run(ctx) {
    return compareSignatures(ctx, scalarSignatures(), {
      competitors: ['cshared', 'koffi', 'ffi-rs', 'N-API'],
      nodeFfi: true,
      goals: [
        { label: 'koffi ÷ cshared', a: 'koffi', b: 'cshared', op: '>=', target: 2.0 },
        { label: 'cshared ÷ N-API', a: 'cshared', b: 'N-API', op: '<=', target: 0.7 },
      ],
      info: [{ label: 'ffi-rs ÷ cshared', a: 'ffi-rs', b: 'cshared' }],
    });
  },
};
