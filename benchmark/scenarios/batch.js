'use strict';
// Batch mode: fn.batch(xs, ys, out) runs add() once per element of the typed
// arrays in one trip into native code. Compared with a JS loop of ordinary
// calls (cshared, koffi and the N-API addon). Needs cshared's planned fn.batch().
const { makeAdapters } = require('../lib/adapters');
const { byId } = require('../lib/signatures');
const { interleaved, ratio } = require('../lib/measure');
const { fmtNs, fmtRatio } = require('../lib/format');
const { goalCheck } = require('../lib/compare');

const N = 10000;

module.exports = {
  id: 'batch',
  title: 'Batch mode (fn.batch over typed arrays)',
  about: `int add(int, int) over ${N.toLocaleString('en-US')}-element Int32Arrays; ns per element.`,
  goals: ['fn.batch makes ≥ 10× the calls per second of a loop of cshared calls'],
  run(ctx) {
    const sig = byId('i32-2');
    const ad = makeAdapters(['cshared', 'koffi', 'N-API'], ctx.paths);
    const add = ad.cshared.bind(sig).fn;
    if (typeof add.batch !== 'function') return { unavailable: 'not available yet: bound functions have no .batch()' };
    const xs = new Int32Array(N).map((_, i) => i);
    const ys = new Int32Array(N).fill(1);
    const out = new Int32Array(N);
    const notes = [];
    const competitors = [
      { name: 'cshared batch', loop: (n) => { for (let k = 0; k < n; k++) add.batch(xs, ys, out); } },
    ];
    const loopOf = (f) => (n) => {
      for (let k = 0; k < n; k++) for (let i = 0; i < N; i++) out[i] = f(xs[i], ys[i]);
    };
    competitors.push({ name: 'cshared loop', loop: loopOf(add) });
    for (const name of ['koffi', 'N-API']) {
      if (ad[name].error) notes.push(`${name} is left out: ${ad[name].error}`);
      else competitors.push({ name: `${name} loop`, loop: loopOf(ad[name].bind(sig).fn) });
    }
    out.fill(0);
    add.batch(xs, ys, out);
    if (out[N - 1] !== N) return { unavailable: `add.batch() gave out[${N - 1}] = ${out[N - 1]}, not ${N}` };
    const res = interleaved(competitors, { rounds: ctx.rounds, ms: ctx.ms * 2, clock: ctx.clock });
    for (const r of Object.values(res)) {
      r.ns /= N;
      r.samples = r.samples.map((x) => x / N);
    }
    const cell = (n) => (res[n] ? fmtNs(res[n].ns) : '—');
    const rt = (a, b) => {
      const r = ratio(res, a, b);
      return r ? fmtRatio(r) : '—';
    };
    const label = `add over ${N} elements`;
    const goal = goalCheck(res, { label: 'cshared loop ÷ batch', a: 'cshared loop', b: 'cshared batch', op: '>=', target: 10 }, label, ctx.clock);
    return {
      columns: ['case', 'cshared batch ns', 'cshared loop ns', 'koffi loop ns', 'N-API loop ns', 'cshared loop ÷ batch (goal ≥ 10)', 'koffi loop ÷ cshared batch'],
      rows: [[label, cell('cshared batch'), cell('cshared loop'), cell('koffi loop'), cell('N-API loop'), goal.cell, rt('koffi loop', 'cshared batch')]],
      checks: [goal.check],
      notes,
    };
  },
};
