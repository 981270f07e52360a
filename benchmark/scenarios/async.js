'use strict';
// Async calls: 10,000 concurrent fn.async() calls of add(), awaited together.
// Needs cshared's planned fn.async(...args) → Promise. koffi's fn.async(...args,
// callback) is wrapped in a Promise for comparison.
const { makeAdapters } = require('../lib/adapters');
const { byId } = require('../lib/signatures');
const { interleavedAsync } = require('../lib/measure');
const { fmtNs } = require('../lib/format');
const { goalCheck } = require('../lib/compare');

const CALLS = 10000;

module.exports = {
  id: 'async',
  title: 'Async calls (10,000 concurrent fn.async())',
  about: `${CALLS.toLocaleString('en-US')} calls of int add(int, int) started at once and awaited with Promise.all; ns per call (the batch time ÷ ${CALLS.toLocaleString('en-US')}).`,
  goals: ['throughput of 10,000 concurrent calls at or above koffi\'s (koffi ÷ cshared ≥ 1, by wall time)'],
  async run(ctx) {
    const sig = byId('i32-2');
    const notes = [];
    // koffi queues at most max_async_calls (default 256, at most 4096) and
    // throws beyond that; it must be configured before it loads a library.
    let koffiWindow = 256;
    try {
      require('koffi').config({ max_async_calls: 4096 });
      koffiWindow = 4096;
    } catch (e) {
      notes.push(`koffi.config({ max_async_calls: 4096 }) failed: ${e.message.split('\n')[0]}`);
    }
    const ad = makeAdapters(['cshared', 'koffi'], ctx.paths);
    const add = ad.cshared.bind(sig).fn;
    if (typeof add.async !== 'function') return { unavailable: 'not available yet: bound functions have no .async()' };
    const competitors = [
      {
        name: 'cshared',
        calls: CALLS,
        async run() {
          const ps = new Array(CALLS);
          for (let i = 0; i < CALLS; i++) ps[i] = add.async(i, 1);
          const rs = await Promise.all(ps);
          if (rs[CALLS - 1] !== CALLS) throw new Error(`cshared add.async gave ${rs[CALLS - 1]}`);
        },
      },
    ];
    if (ad.koffi.error) notes.push(`koffi is left out: ${ad.koffi.error}`);
    else {
      const kadd = ad.koffi.bind(sig).fn;
      const one = (a, b) => new Promise((resolve, reject) => kadd.async(a, b, (err, r) => (err ? reject(err) : resolve(r))));
      notes.push(`koffi cannot have more than ${koffiWindow} async calls queued, so its ${CALLS} calls run in waves of ${koffiWindow}.`);
      competitors.push({
        name: 'koffi',
        calls: CALLS,
        async run() {
          let last;
          for (let off = 0; off < CALLS; off += koffiWindow) {
            const end = Math.min(CALLS, off + koffiWindow);
            const ps = [];
            for (let i = off; i < end; i++) ps.push(one(i, 1));
            last = (await Promise.all(ps))[end - off - 1];
          }
          if (last !== CALLS) throw new Error(`koffi add.async gave ${last}`);
        },
      });
    }
    const res = await interleavedAsync(competitors, { rounds: ctx.rounds });
    const label = `${CALLS} concurrent add.async()`;
    // Async calls overlap on other threads: judged by wall time.
    const { check, cell } = goalCheck(res, { label: 'koffi ÷ cshared', a: 'koffi', b: 'cshared', op: '>=', target: 1 }, label, 'wall');
    return {
      columns: ['case', 'cshared ns', 'koffi ns', 'koffi ÷ cshared (goal ≥ 1)'],
      rows: [[label, fmtNs(res.cshared.ns), res.koffi ? fmtNs(res.koffi.ns) : '—', cell]],
      checks: [check],
      notes,
    };
  },
};
