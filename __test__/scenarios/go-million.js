'use strict';
// A million calls into Go on the JS thread's own stack (GO_CALLS: fewer,
// under Wine, where each costs about 0.1 ms; see TESTING.md).
const { load } = require('../..');
const lib = load(process.argv[2]);
const ModXY = lib.func('GoInt ModXY(GoInt x, GoInt y)');
const n = Number(process.env.GO_CALLS || 1e6);
let sum = 0;
for (let i = 0; i < n; i++) sum += ModXY(i, 7);
// Each block of 7 consecutive integers sums its remainders to 21.
const expected = 21 * Math.floor(n / 7) + [0, 1, 2, 3, 4, 5].slice(0, n % 7).reduce((a, b) => a + b, 0);
if (sum !== expected) throw new Error(`sum ${sum} !== ${expected}`);
console.log('ok', sum);
