'use strict';
// Callbacks: libc qsort sorting 1,000 ints with a JS comparator, so every
// comparison is a call from C back into JS. Measured as ns per comparator
// call. Needs cshared's planned callback API:
//   const { callback } = require('cshared')
//   callback('int cmp(const void *a, const void *b)')
//   qsort(buf, n, size, (a, b) => …)   // a JS function where the callback parameter is
const path = require('node:path');
const { interleaved } = require('../lib/measure');
const { fmtNs } = require('../lib/format');
const { goalCheck } = require('../lib/compare');

const N = 1000;

function input() {
  // The same pseudo-random ints for everyone (a linear congruential generator).
  const a = new Int32Array(N);
  let x = 12345;
  for (let i = 0; i < N; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    a[i] = (x >>> 8) - (1 << 23);
  }
  return a;
}

function sorted(a) {
  for (let i = 1; i < a.length; i++) if (a[i - 1] > a[i]) return false;
  return true;
}

/** cshared's qsort with a JS comparator, or a reason it is not there. */
function csharedSort() {
  const cs = require(path.join(__dirname, '..', '..'));
  if (typeof cs.callback !== 'function') return { unavailable: 'not available yet: cshared has no `callback` export' };
  cs.callback('int cmp(const void *a, const void *b)');
  const libc = cs.load(null);
  let qsort;
  const tried = [];
  for (const proto of [
    'void qsort(void *base, size_t nmemb, size_t size, int (*compar)(const void *, const void *))',
    'void qsort(void *base, size_t nmemb, size_t size, cmp *compar)',
  ]) {
    try {
      qsort = libc.func(proto);
      break;
    } catch (e) {
      tried.push(`${proto}: ${e.message.split('\n')[0]}`);
    }
  }
  if (!qsort) return { unavailable: `cshared could not bind qsort: ${tried.join('; ')}` };
  const cmp = (a, b) => cs.decode(a, 'int') - cs.decode(b, 'int');
  return { sort: (buf) => qsort(buf, N, 4, cmp), qsort, decode: cs.decode };
}

function koffiSort() {
  const koffi = require('koffi');
  const libc = koffi.load(process.platform === 'darwin' ? 'libc.dylib' : 'libc.so.6');
  const cmpType = koffi.proto('int koffi_cmp(const void *a, const void *b)');
  const qsort = libc.func('void qsort(void *base, size_t nmemb, size_t size, koffi_cmp *compar)');
  const cmp = (a, b) => koffi.decode(a, 'int') - koffi.decode(b, 'int');
  void cmpType;
  return { sort: (buf) => qsort(buf, N, 4, cmp) };
}

module.exports = {
  id: 'callbacks',
  title: 'Callbacks (qsort with a JS comparator)',
  about: `libc qsort over ${N} ints with a JS comparator that reads both ints; ns per comparator call (one sort ÷ the number of comparisons).`,
  goals: ['cshared makes ≥ 1.5× the comparator calls per second of koffi'],
  run(ctx) {
    const cs = csharedSort();
    if (cs.unavailable) return { unavailable: cs.unavailable };
    const src = input();
    const sorts = { cshared: cs.sort };
    const notes = [];
    try {
      sorts.koffi = koffiSort().sort;
    } catch (e) {
      notes.push(`koffi is left out: ${e.message.split('\n')[0]}`);
    }
    // Count the comparisons of one sort (the same input gives the same count).
    let count = 0;
    cs.qsort(new Int32Array(src), N, 4, (a, b) => (count++, cs.decode(a, 'int') - cs.decode(b, 'int')));
    const competitors = [];
    for (const [name, sort] of Object.entries(sorts)) {
      const buf = new Int32Array(N);
      buf.set(src);
      sort(buf);
      if (!sorted(buf)) {
        notes.push(`${name} did not sort the ints; left out`);
        continue;
      }
      competitors.push({
        name,
        loop(n) {
          for (let i = 0; i < n; i++) {
            buf.set(src);
            sort(buf);
          }
        },
      });
    }
    const res = interleaved(competitors, { rounds: ctx.rounds, ms: ctx.ms * 2, clock: ctx.clock });
    for (const r of Object.values(res)) {
      r.ns /= count;
      r.samples = r.samples.map((x) => x / count);
    }
    const label = `qsort of ${N} ints, ${count} comparisons`;
    const { check, cell } = goalCheck(res, { label: 'koffi ÷ cshared', a: 'koffi', b: 'cshared', op: '>=', target: 1.5 }, label, ctx.clock);
    return {
      columns: ['case', 'cshared ns', 'koffi ns', 'koffi ÷ cshared (goal ≥ 1.5)'],
      rows: [[label, res.cshared ? fmtNs(res.cshared.ns) : '—', res.koffi ? fmtNs(res.koffi.ns) : '—', cell]],
      checks: [check],
      notes,
    };
  },
};
