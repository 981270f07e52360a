'use strict';
// The FFI comparison the call-cost scenarios share: bind each signature in
// every FFI, check that each returns the right result, time them side by
// side (interleaved rounds, one process), and judge the ratios against the
// scenario's goals. Three kinds of competitor:
// - in this process (Node 20 under `npm run bench`): cshared (through the
//   accelerator when one is built for this Node), cshared (Node-API) (the
//   same with CSHARED_FAST=off, in a worker thread, fastoff.js), koffi,
//   ffi-rs, the N-API addon;
// - in a child under Node 26 (node26-child.js), side by side there:
//   cshared, koffi, node:ffi, ...; named "<name> (Node 26)";
// - Deno and Bun, each in a process of its own (runtimes.js).
// Ratios within one process compare medians timed side by side; ratios
// across processes (Node against Deno or Bun) compare medians timed apart.
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { makeAdapters, checkResult } = require('./adapters');
const { makeLoop, interleaved, ratio } = require('./measure');
const { runRuntime } = require('./runtimes');
const { fmtNs, fmtRatio } = require('./format');

const other = (clock) => (clock === 'wall' ? 'cpu' : 'wall');
const N26 = ' (Node 26)';

/** The same results by the other clock (both are measured every round). */
function byOtherClock(res, clock) {
  const key = other(clock) === 'wall' ? 'wallNs' : 'cpuNs';
  const out = {};
  for (const [n, r] of Object.entries(res || {})) out[n] = { ns: r[key], samples: [r[key]] };
  return out;
}

/** Runs node26-child.js for these signatures and competitors; returns its JSON or { error }. */
function runNode26(ctx, sigs, names) {
  if (!ctx.node26 || !ctx.node26.bin) return { error: ctx.node26?.error || 'no Node 26' };
  const job = { paths: ctx.paths, sigs: sigs.map((s) => s.id), names, rounds: ctx.rounds, ms: ctx.ms, clock: ctx.clock };
  const r = spawnSync(ctx.node26.bin, ['--experimental-ffi', '--no-warnings', path.join(__dirname, 'node26-child.js'), JSON.stringify(job)], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.status !== 0) return { error: `the Node 26 child failed (${r.signal || r.status}): ${(r.stderr || '').trim().split('\n').slice(-3).join(' ')}` };
  return JSON.parse(r.stdout);
}

/** What cshared's fastCalls() said, as a note. */
function fastNote(where, st) {
  if (!st) return null;
  if (st.error) return `${where}: ${st.error}`;
  return st.active
    ? `${where}: cshared calls through the accelerator (${path.basename(st.accelerator)}); its scalar calls took V8's fast path ${st.fast.toLocaleString('en-US')} times, the accelerator's slow callback ${st.slow.toLocaleString('en-US')} times.`
    : `${where}: cshared runs without the accelerator (${st.reason}).`;
}

/**
 * spec: {
 *   competitors: FFI names measured here (see adapters.js),
 *   node26: FFI names measured in the Node 26 child (columns "<name> (Node 26)"),
 *   runtimes: ['Deno', 'Bun'] — their FFI, each in a process of its own,
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
      if (!bound.unsupported && !bound.checked) {
        const r = bound.array ? bound.fn(bound.args) : bound.fn(...bound.args);
        if (!checkResult(sig, a, bound, r)) bound = { unsupported: `returned a wrong result (${String(r)})` };
      }
      if (bound.unsupported) {
        (unsupported[sig.id] ??= {})[name] = bound.unsupported;
        continue;
      }
      competitors.push({ name, loop: bound.loop || makeLoop(bound.fn, bound.args, bound.array) });
    }
    raw[sig.id] = interleaved(competitors, { rounds: ctx.rounds, ms: ctx.ms, clock: ctx.clock });
  }
  if (adapters.cshared && !adapters.cshared.error) notes.push(fastNote(`Node ${process.versions.node}`, adapters.cshared.module.fastCalls()));

  // Every competitor's results per signature, by column name.
  const all = {};
  for (const sig of sigs) all[sig.id] = { ...raw[sig.id] };
  const shown = spec.competitors.filter((n) => !adapters[n].error && !(spec.skip && spec.skip[n]));

  let node26 = null;
  if (spec.node26 && spec.node26.length) {
    ctx.log(`  ${spec.node26.join(', ')} under Node 26 (${sigs.length} signatures)`);
    node26 = runNode26(ctx, sigs, spec.node26);
    if (node26.error) notes.push(`the Node 26 columns are left out: ${node26.error}`);
    else {
      notes.push(`The "(Node 26)" columns ran under Node ${node26.version} (--experimental-ffi, for node:ffi) in a child process, interleaved in that process.`);
      if (node26.fast) notes.push(fastNote(`Node ${node26.version.slice(1)}`, node26.fast));
      for (const [n, e] of Object.entries(node26.errors || {})) notes.push(`${n} (Node 26) is left out: ${e}`);
      for (const [id, by] of Object.entries(node26.unsupported)) for (const [n, why] of Object.entries(by)) (unsupported[id] ??= {})[`${n}${N26}`] = why;
      for (const sig of sigs) for (const [n, r] of Object.entries(node26.results[sig.id] || {})) all[sig.id][`${n}${N26}`] = r;
      for (const n of spec.node26) if (!(node26.errors || {})[n]) shown.push(`${n}${N26}`);
    }
  }

  for (const name of spec.runtimes || []) {
    ctx.log(`  ${name} (${sigs.length} signatures)`);
    const r = runRuntime(ctx, name, sigs);
    if (r.error) {
      notes.push(`${name} is left out: ${r.error}`);
      continue;
    }
    notes.push(`${name} ${r.version} ran in a process of its own, with its own FFI (${name === 'Deno' ? 'Deno.dlopen' : 'bun:ffi dlopen, i64_fast for 64-bit integers'}) and the same loop; ratios against it compare medians timed in different processes.`);
    for (const [id, why] of Object.entries(r.unsupported)) (unsupported[id] ??= {})[name] = why;
    for (const sig of sigs) Object.assign(all[sig.id], r.results[sig.id] || {});
    shown.push(name);
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

  const has = (n) => shown.includes(n);
  const goals = spec.goals.filter((g) => has(g.a) && has(g.b));
  for (const g of spec.goals) if (!goals.includes(g)) notes.push(`Goal "${g.label}" not judged: ${has(g.a) ? g.b : g.a} was not measured.`);
  const info = (spec.info || []).filter((g) => has(g.a) && has(g.b));
  const columns = ['case', ...shown.map((n) => (n.endsWith(N26) ? `${n.slice(0, -N26.length)} ns${N26}` : `${n} ns`))];
  for (const g of goals) columns.push(`${g.label} (goal ${g.op === '>=' ? '≥' : '≤'} ${g.target})`);
  for (const g of info) columns.push(g.label);

  const rows = [];
  const checks = [];
  for (const sig of sigs) {
    const res = all[sig.id];
    const row = [sig.label, ...shown.map((n) => (res[n] ? fmtNs(res[n].ns) : '—'))];
    for (const g of goals) {
      const { check, cell } = goalCheck(res, g, sig.label, ctx.clock);
      row.push(cell);
      checks.push({ ...check, short: sig.name });
    }
    for (const g of info) {
      const r = ratio(res, g.a, g.b);
      row.push(r ? fmtRatio(r) : '—');
    }
    rows.push(row);
  }
  return { columns, rows, checks, notes, raw: { inProcess: raw, node26, all } };
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

module.exports = { compareSignatures, runNode26, goalCheck };
