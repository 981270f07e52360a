'use strict';
// The FFI comparison the call-cost scenarios share: bind each signature in
// every FFI, check that each returns the right result, time them side by
// side (interleaved rounds, one process), and judge the ratios against the
// scenario's goals. node:ffi runs in a child under Node 26, side by side with
// cshared there, so its ratio is also taken within one process.
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { makeAdapters, checkResult } = require('./adapters');
const { makeLoop, interleaved, ratio } = require('./measure');

const other = (clock) => (clock === 'wall' ? 'cpu' : 'wall');

/** The same results by the other clock (both are measured every round). */
function byOtherClock(res, clock) {
  const key = other(clock) === 'wall' ? 'wallNs' : 'cpuNs';
  const out = {};
  for (const [n, r] of Object.entries(res || {})) out[n] = { ns: r[key], samples: [r[key]] };
  return out;
}
const { fmtNs, fmtRatio } = require('./format');

const NODE_FFI = 'node:ffi';

/** Runs node26-child.js for these signatures; returns its JSON or { error }. */
function runNodeFfi(ctx, sigs) {
  if (!ctx.node26 || !ctx.node26.bin) return { error: ctx.node26?.error || 'no Node 26' };
  const job = { paths: ctx.paths, sigs: sigs.map((s) => s.id), rounds: ctx.rounds, ms: ctx.ms, clock: ctx.clock };
  const r = spawnSync(ctx.node26.bin, ['--experimental-ffi', '--no-warnings', path.join(__dirname, 'node26-child.js'), JSON.stringify(job)], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.status !== 0) return { error: `the Node 26 child failed (${r.signal || r.status}): ${(r.stderr || '').trim().split('\n').slice(-3).join(' ')}` };
  return JSON.parse(r.stdout);
}

/**
 * spec: {
 *   competitors: FFI names measured here (see adapters.js),
 *   nodeFfi: also measure node:ffi (under Node 26),
 *   goals: [{ a, b, op: '>=' | '<=', target, label }]  — ratio = time(a) / time(b),
 *   info: [{ a, b, label }]                             — ratios shown without a goal,
 *   skip: { [competitor]: reason }                      — left out on purpose,
 * }
 * Returns { columns, rows, checks, notes, raw }.
 */
function compareSignatures(ctx, sigs, spec) {
  const adapters = makeAdapters(spec.competitors, ctx.paths);
  const notes = [];
  for (const a of Object.values(adapters)) if (a.error) notes.push(`${a.name} is left out: ${a.error}`);
  for (const [n, why] of Object.entries(spec.skip || {})) notes.push(`${n}: ${why}`);

  const raw = {};
  const unsupported = {};
  for (const sig of sigs) {
    ctx.log(`  ${sig.label}`);
    const competitors = [];
    for (const name of spec.competitors) {
      const a = adapters[name];
      if (a.error || (spec.skip && spec.skip[name])) continue;
      let bound;
      try {
        bound = a.bind(sig);
      } catch (e) {
        bound = { unsupported: e.message.split('\n')[0] };
      }
      if (!bound.unsupported) {
        const r = bound.array ? bound.fn(bound.args) : bound.fn(...bound.args);
        if (!checkResult(sig, a, bound, r)) bound = { unsupported: `returned a wrong result (${String(r)})` };
      }
      if (bound.unsupported) {
        (unsupported[sig.id] ??= {})[name] = bound.unsupported;
        continue;
      }
      competitors.push({ name, loop: makeLoop(bound.fn, bound.args, bound.array) });
    }
    raw[sig.id] = interleaved(competitors, { rounds: ctx.rounds, ms: ctx.ms, clock: ctx.clock });
  }

  let nodeFfi = null;
  if (spec.nodeFfi) {
    ctx.log(`  node:ffi under Node 26 (${sigs.length} signatures)`);
    nodeFfi = runNodeFfi(ctx, sigs);
    if (nodeFfi.error) notes.push(`node:ffi is left out: ${nodeFfi.error}`);
    else {
      notes.push(`node:ffi ran under Node ${nodeFfi.version} (--experimental-ffi) in a child process, interleaved with cshared in that process; "node:ffi ÷ cshared" compares the two under Node 26.`);
      for (const [id, by] of Object.entries(nodeFfi.unsupported)) for (const [n, why] of Object.entries(by)) (unsupported[id] ??= {})[`${n} (Node 26)`] = why;
    }
  }

  for (const sig of sigs) for (const [n, why] of Object.entries(unsupported[sig.id] || {})) notes.push(`${sig.name}: ${n} — ${why}`);
  const busy = [];
  for (const sig of sigs) {
    for (const [n, r] of Object.entries(raw[sig.id])) {
      if (r.n < 1000) notes.push(`${sig.name}: ${n} made ${r.n} calls per round (each round lasts about ${ctx.ms} ms for every FFI).`);
      if (r.busy) busy.push(r.busy);
    }
  }
  if (busy.length) {
    const b = busy.sort((x, y) => x - y)[busy.length >> 1];
    notes.push(`Wall time ÷ CPU time of the timed batches: ${b.toFixed(2)} (median over all batches; 1.00 means the process never waited for a core).`);
  }

  const shown = spec.competitors.filter((n) => !adapters[n].error && !(spec.skip && spec.skip[n]));
  const columns = ['case', ...shown.map((n) => `${n} ns`)];
  if (spec.nodeFfi && nodeFfi && !nodeFfi.error) columns.push('node:ffi ns (Node 26)');
  for (const g of spec.goals) columns.push(`${g.label} (goal ${g.op === '>=' ? '≥' : '≤'} ${g.target})`);
  for (const g of spec.info || []) columns.push(g.label);
  if (spec.nodeFfi && nodeFfi && !nodeFfi.error) columns.push('node:ffi ÷ cshared (Node 26)');

  const rows = [];
  const checks = [];
  for (const sig of sigs) {
    const res = raw[sig.id];
    const row = [sig.label, ...shown.map((n) => (res[n] ? fmtNs(res[n].ns) : '—'))];
    const nf = nodeFfi && !nodeFfi.error ? nodeFfi.results[sig.id] : null;
    if (spec.nodeFfi && nodeFfi && !nodeFfi.error) row.push(nf && nf[NODE_FFI] ? fmtNs(nf[NODE_FFI].ns) : '—');
    for (const g of spec.goals) {
      const { check, cell } = goalCheck(res, g, sig.label, ctx.clock);
      row.push(cell);
      checks.push({ ...check, short: sig.name });
    }
    for (const g of spec.info || []) {
      const r = ratio(res, g.a, g.b);
      row.push(r ? fmtRatio(r) : '—');
    }
    if (spec.nodeFfi && nodeFfi && !nodeFfi.error) {
      const r = nf ? ratio(nf, NODE_FFI, 'cshared') : null;
      row.push(r ? fmtRatio(r) : '—');
    }
    rows.push(row);
  }
  return { columns, rows, checks, notes, raw: { inProcess: raw, nodeFfi } };
}

/**
 * One goal judged on one case's results: g = { label, a, b, op ('>=' | '<='),
 * target } on the ratio a ÷ b. Returns the check for the Goals table and the
 * table cell ("1.62 (1.55–1.70) ✓").
 */
function goalCheck(res, g, label, clock) {
  const goal = `${g.label} ${g.op === '>=' ? '≥' : '≤'} ${g.target}`;
  const r = ratio(res, g.a, g.b);
  if (!r) return { check: { case: label, goal, value: null, met: false, text: 'not measured' }, cell: '—' };
  const meets = (v) => (g.op === '>=' ? v >= g.target : v <= g.target);
  const met = meets(r.value);
  // A value that misses the goal must not print as the goal (1.996 as "2.00").
  const text = fmtRatio(r, !met && Math.abs(r.value - g.target) < 0.01 ? 3 : undefined);
  const o = ratio(byOtherClock(res, clock), g.a, g.b);
  return {
    check: { case: label, goal, value: r.value, met, text, other: o ? { clock: other(clock), value: o.value, met: meets(o.value) } : null },
    cell: `${text} ${met ? '✓' : '✗'}`,
  };
}

module.exports = { compareSignatures, runNodeFfi, goalCheck };
