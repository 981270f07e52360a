'use strict';
// Heavy GC on both sides: Go collects in Churn(), JS collects with gc(),
// while strings and slices cross into Go.
const { load } = require('../..');
const lib = load(process.argv[2]);
const churn = lib.func('GoInt Churn(GoInt n)');
const len = lib.func('GoInt Len(GoString s)');
const sum = lib.func('GoInt SumInts([]int xs)');
const spin = lib.func('void StartSpinners(GoInt n)');
spin(2);
let junk = [];
for (let round = 0; round < 30; round++) {
  const c = churn(300);
  if (c !== (299 * 300) / 2) throw new Error(`churn ${c}`);
  for (let i = 0; i < 2000; i++) {
    const s = 'x'.repeat(i % 100);
    if (len(s) !== s.length) throw new Error('len');
    junk.push({ s, a: new Array(10).fill(i) });
  }
  if (sum([1, 2, 3, round]) !== 6 + round) throw new Error('sum');
  junk = [];
  global.gc();
}
console.log('ok');
