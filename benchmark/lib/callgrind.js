'use strict';
// The callgrind mode: instructions per call, which unlike wall time do not
// depend on what else the machine is doing. For each (signature, FFI) pair,
// callgrind-target.js runs under `valgrind --tool=callgrind`, and
//   instructions per call = (Ir of N2 calls − Ir of N1 calls) / (N2 − N1)
// which cancels what does not grow with the number of calls (the loop's
// entry, the dump itself). With the helper addon the N1 and N2 phases are
// dumped separately from one process, after the same warm-up; without it the
// target runs twice (warm-up + N1 calls, warm-up + N2 calls) and the
// programs' totals are subtracted. Ir counts every thread of the process.
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { byId } = require('./signatures');
const { fmtNum } = require('./format');

/** Cases: [signature id, FFIs]. */
const FULL = [
  ['i32-2', ['cshared', 'koffi', 'N-API', 'ffi-rs', 'node:ffi']],
  ['i32-0', ['cshared', 'koffi', 'N-API']],
  ['i32-6', ['cshared', 'koffi', 'N-API']],
  ['i64-2', ['cshared', 'koffi', 'N-API', 'node:ffi']],
  ['f64-2', ['cshared', 'koffi', 'N-API', 'node:ffi']],
  ['ptr-1', ['cshared', 'koffi', 'N-API', 'node:ffi']],
  ['str-in', ['cshared', 'koffi', 'N-API']],
  ['str-out', ['cshared', 'koffi', 'N-API']],
  ['struct', ['cshared', 'koffi', 'N-API']],
  ['buffer', ['cshared', 'koffi', 'N-API']],
  ['go-modxy', ['cshared', 'koffi', 'N-API']],
];
const QUICK = [
  ['i32-2', ['cshared', 'koffi', 'N-API']],
  ['i64-2', ['cshared', 'koffi', 'N-API']],
  ['go-modxy', ['cshared', 'N-API']],
];

/** Call counts: most calls cost well under 1 µs; ffi-rs several µs; koffi into Go about 100 µs. */
function counts(adapter, sigId, quick) {
  let scale = 1;
  if (adapter === 'ffi-rs') scale = 0.1;
  if (adapter === 'koffi' && sigId === 'go-modxy') scale = 0.0025;
  if (quick) scale /= 2;
  const r = (x) => Math.max(10, Math.round(x * scale));
  return { warm: r(20000), n1: r(20000), n2: r(120000) };
}

function readDumps(base) {
  const dir = path.dirname(base);
  const out = {};
  for (const f of fs.readdirSync(dir)) {
    if (!f.startsWith(path.basename(base))) continue;
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    const trig = /^desc: Trigger: (?:Client Request: )?(.*)$/m.exec(text);
    const tot = /^(?:totals|summary): (\d+)/m.exec(text);
    if (trig && tot) out[trig[1].trim()] = Number(tot[1]);
  }
  return out;
}

function valgrind(node, nodeArgs, job, base, env) {
  return new Promise((resolve) => {
    // With the helper, instrumentation starts just before the warm-up calls,
    // so Node's start-up runs uninstrumented (several times faster).
    const instr = job.helper ? ['--instr-atstart=no'] : [];
    const args = ['--tool=callgrind', ...instr, `--callgrind-out-file=${base}`, node, ...nodeArgs, path.join(__dirname, 'callgrind-target.js'), JSON.stringify(job)];
    const p = spawn('valgrind', args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
    let err = '';
    p.stderr.on('data', (d) => {
      err += d;
      if (err.length > 1e6) err = err.slice(-1e5);
    });
    p.on('close', (code) => resolve({ code, err }));
  });
}

async function measurePair(ctx, sigId, adapter, dir) {
  const sig = byId(sigId);
  if (sig.library === 'go' && !ctx.paths.go) return { error: 'no Go library' };
  const useNode26 = adapter === 'node:ffi';
  if (useNode26 && !(ctx.node26 && ctx.node26.bin)) return { error: ctx.node26?.error || 'no Node 26' };
  const node = useNode26 ? ctx.node26.bin : process.execPath;
  // --single-threaded keeps V8's compiler and GC off background threads, so
  // the work of a phase is counted in that phase.
  const nodeArgs = ['--single-threaded', ...(useNode26 ? ['--experimental-ffi', '--no-warnings'] : [])];
  const c = counts(adapter, sigId, ctx.quick);
  const tag = `${sigId}-${adapter.replace(/[^a-z0-9]/gi, '')}`;
  const job = { adapter, sig: sigId, ...c, paths: ctx.paths, helper: ctx.helper };
  // Go's preemption signals (SIGURG) trip an assertion in callgrind's signal
  // handling (valgrind 3.19), so the Go cases run without them.
  const env = sig.library === 'go' ? { GODEBUG: 'asyncpreemptoff=1' } : {};
  if (ctx.helper) {
    const base = path.join(dir, tag, 'cg.out');
    fs.mkdirSync(path.dirname(base), { recursive: true });
    const r = await valgrind(node, nodeArgs, job, base, env);
    if (r.code !== 0) return { error: lastError(r.err) };
    const d = readDumps(base);
    if (d.n1 === undefined || d.n2 === undefined) return { error: 'callgrind wrote no n1/n2 dumps' };
    return { ir: (d.n2 - d.n1) / (c.n2 - c.n1), n1: c.n1, n2: c.n2 };
  }
  const totals = [];
  for (const n of [c.n1, c.n2]) {
    const base = path.join(dir, `${tag}-${n}`, 'cg.out');
    fs.mkdirSync(path.dirname(base), { recursive: true });
    const r = await valgrind(node, nodeArgs, { ...job, helper: null, n1: n }, base, env);
    if (r.code !== 0) return { error: lastError(r.err) };
    const d = readDumps(base);
    const t = Object.values(d).reduce((a, b) => a + b, 0);
    totals.push(t);
  }
  return { ir: (totals[1] - totals[0]) / (c.n2 - c.n1), n1: c.n1, n2: c.n2 };
}

function lastError(err) {
  const lines = String(err).split('\n').filter((l) => l.trim() && !l.startsWith('=='));
  const pick = lines.find((l) => /Assertion/.test(l)) || lines.find((l) => /^\w*Error\b|\bError:/.test(l)) || lines.slice(-1)[0];
  return (pick || 'valgrind failed').trim().slice(0, 200);
}

/** Runs the callgrind cases; returns { columns, rows, notes, method }. */
async function runCallgrind(ctx) {
  const v = spawnSync('valgrind', ['--version'], { encoding: 'utf8' });
  if (v.status !== 0) throw new Error('valgrind is not installed (Debian: apt-get install valgrind)');
  const dir = path.join(ctx.buildDir, 'callgrind');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  let cases = ctx.quick ? QUICK : FULL;
  if (ctx.only) {
    cases = FULL.filter(([id]) => ctx.only.includes(id));
    if (!cases.length) throw new Error(`--only takes callgrind cases here: ${FULL.map(([id]) => id).join(', ')}`);
  }
  const jobs = [];
  for (const [id, adapters] of cases) for (const a of adapters) jobs.push({ id, a });
  const results = {};
  const parallel = Math.max(1, Math.min(jobs.length, os.availableParallelism ? os.availableParallelism() : os.cpus().length));
  let next = 0;
  let done = 0;
  async function worker() {
    while (next < jobs.length) {
      const j = jobs[next++];
      const r = await measurePair(ctx, j.id, j.a, dir);
      (results[j.id] ??= {})[j.a] = r;
      done++;
      ctx.log(`  [${done}/${jobs.length}] ${byId(j.id).label} — ${j.a}: ${r.error ? `failed: ${r.error}` : `${fmtNum(r.ir)} instructions per call`}`);
    }
  }
  await Promise.all(Array.from({ length: parallel }, worker));

  const names = ['cshared', 'koffi', 'N-API', 'ffi-rs', 'node:ffi'].filter((n) => jobs.some((j) => j.a === n));
  const columns = ['case', ...names, 'koffi ÷ cshared', 'cshared ÷ N-API'];
  const rows = [];
  const notes = [];
  for (const [id] of cases) {
    const r = results[id] || {};
    const ir = (n) => (r[n] && !r[n].error ? r[n].ir : null);
    const cell = (n) => (r[n] ? (r[n].error ? 'failed' : Math.round(r[n].ir).toLocaleString('en-US')) : '');
    const q = (a, b) => (ir(a) !== null && ir(b) !== null ? fmtNum(ir(a) / ir(b)) : '—');
    rows.push([byId(id).label, ...names.map(cell), q('koffi', 'cshared'), q('cshared', 'N-API')]);
    for (const n of names) if (r[n] && r[n].error) notes.push(`${byId(id).name} — ${n}: ${r[n].error}`);
  }
  const c = counts('cshared', 'i32-2', ctx.quick);
  const method =
    `Instructions (callgrind Ir, all threads) per call = (Ir of N2 calls − Ir of N1 calls) / (N2 − N1), after ${c.warm.toLocaleString('en-US')} warm-up calls; ` +
    `N1 = ${c.n1.toLocaleString('en-US')}, N2 = ${c.n2.toLocaleString('en-US')} (ffi-rs: a tenth of that; koffi into Go: 1/400). ` +
    (ctx.helper
      ? 'Both phases are counted in one process: a tiny addon (benchmark/fixtures/callgrind_helper.c) starts instrumentation before the warm-up and asks callgrind to dump its counts after each phase.'
      : 'Each count is a separate process (valgrind/callgrind.h was not found for the helper addon).') +
    ` Node runs with --single-threaded so V8's background work lands in the phase that caused it; the Go cases run with GODEBUG=asyncpreemptoff=1 ` +
    `(Go's preemption signals trip an assertion in callgrind). ` +
    'Callgrind counts instructions in user space only: time in the kernel is not in these numbers (koffi\'s calls into Go spend most of theirs reading /proc/self/maps, so their count understates their cost). ' +
    `${v.stdout.trim()}; node:ffi under Node ${ctx.node26?.version || '26'}.`;
  return { columns, rows, notes, method };
}

module.exports = { runCallgrind };
