'use strict';
// Async calls: 10,000 concurrent fn.async() calls of add(), awaited together;
// then calls that pass a Buffer (which cshared copies for an async call, see
// the README's "Async calls"): 10,000 with 64 bytes, 100 with 1 MiB.
// koffi's fn.async(...args, callback) is wrapped in a Promise for comparison.
const { makeAdapters } = require('../lib/adapters');
const { byId } = require('../lib/signatures');
const { interleavedAsync, ratio } = require('../lib/measure');
const { fmtNs, fmtRatio } = require('../lib/format');
const { goalCheck } = require('../lib/compare');

const CALLS = 10000;

/** A Buffer of n bytes whose first and last bytes are 1 and 64 (buf_in(b, n) returns 65). */
function bufferOf(n) {
  const b = Buffer.alloc(n);
  b[0] = 1;
  b[n - 1] = 64;
  return b;
}

/** `calls` concurrent buf_in.async(buffer, size) by cshared and koffi (in waves of `window`). */
async function bufferCase(ad, size, calls, window, rounds) {
  const sig = byId('buffer');
  const bufs = Array.from({ length: Math.min(calls, 256) }, () => bufferOf(size));
  const competitors = [];
  const f = ad.cshared.bind(sig).fn;
  competitors.push({
    name: 'cshared',
    calls,
    async run() {
      const ps = new Array(calls);
      for (let i = 0; i < calls; i++) ps[i] = f.async(bufs[i % bufs.length], size);
      const rs = await Promise.all(ps);
      if (rs[calls - 1] !== 65) throw new Error(`cshared buf_in.async gave ${rs[calls - 1]}`);
    },
  });
  if (!ad.koffi.error) {
    const k = ad.koffi.bind(sig).fn;
    const one = (b) => new Promise((resolve, reject) => k.async(b, size, (err, r) => (err ? reject(err) : resolve(r))));
    competitors.push({
      name: 'koffi',
      calls,
      async run() {
        let last;
        for (let off = 0; off < calls; off += window) {
          const end = Math.min(calls, off + window);
          const ps = [];
          for (let i = off; i < end; i++) ps.push(one(bufs[i % bufs.length]));
          last = (await Promise.all(ps))[end - off - 1];
        }
        if (last !== 65) throw new Error(`koffi buf_in.async gave ${last}`);
      },
    });
  }
  const res = await interleavedAsync(competitors, { rounds });
  const r = ratio(res, 'koffi', 'cshared');
  const label = `${calls} concurrent buf_in.async(${size >= 1 << 20 ? `${size >> 20} MiB` : `${size}-byte`} Buffer)`;
  return [label, fmtNs(res.cshared.ns), res.koffi ? fmtNs(res.koffi.ns) : '—', r ? `${fmtRatio(r)} (not a goal)` : '—'];
}

module.exports = {
  id: 'async',
  title: 'Async calls (10,000 concurrent fn.async())',
  about:
    `${CALLS.toLocaleString('en-US')} calls of int add(int, int) started at once and awaited with Promise.all; ns per call (the batch time ÷ ${CALLS.toLocaleString('en-US')}). ` +
    'Then int buf_in(const void *, int) with a 64-byte Buffer (10,000 calls) and a 1 MiB Buffer (100 calls), which cshared copies for an async call.',
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
    const rows = [[label, fmtNs(res.cshared.ns), res.koffi ? fmtNs(res.koffi.ns) : '—', cell]];
    rows.push(await bufferCase(ad, 64, CALLS, koffiWindow, ctx.rounds));
    rows.push(await bufferCase(ad, 1 << 20, 100, koffiWindow, ctx.rounds));
    return {
      columns: ['case', 'cshared ns', 'koffi ns', 'koffi ÷ cshared (goal ≥ 1)'],
      rows,
      checks: [check],
      notes,
    };
  },
};
