// Runs under Deno or Bun: times their own FFI (Deno.dlopen, bun:ffi) on
// the scalar signatures of a job, by the same method as measure.js (warm-up,
// calibration to batches of about `ms`, `rounds` rounds, medians by CPU or
// wall time), and prints the results as JSON. Self-contained, as an ES
// module both runtimes run without a package.json.
//   deno run -A runtime-child.mjs '<job JSON>'    bun runtime-child.mjs '<job JSON>'
// job: { lib, sigs: [{ id, name, ret, params, args, expect }], rounds, ms, clock }
// args hold the argument values, with null for a pointer (this FFI's own
// pointer from ptr_0() is passed); expect is the result ('anchor' for that
// pointer back).
import process from 'node:process';

const job = JSON.parse(process.argv[process.argv.length - 1]);
const isDeno = typeof Deno !== 'undefined';
const runtime = isDeno ? 'Deno' : 'Bun';
const version = isDeno ? Deno.version.deno : process.versions.bun;

let open;
let ptrType;
if (isDeno) {
  const type = { i32: 'i32', i64: 'i64', f64: 'f64', ptr: 'pointer' };
  ptrType = type;
  open = (symbols) =>
    Deno.dlopen(
      job.lib,
      Object.fromEntries(Object.entries(symbols).map(([n, s]) => [n, { parameters: s.params.map((k) => type[k]), result: type[s.ret] }])),
    ).symbols;
} else {
  const { dlopen } = await import('bun:ffi');
  // i64_fast: a number when it is exact, else a bigint (as cshared does).
  const type = { i32: 'i32', i64: 'i64_fast', f64: 'f64', ptr: 'ptr' };
  ptrType = type;
  open = (symbols) =>
    dlopen(job.lib, Object.fromEntries(Object.entries(symbols).map(([n, s]) => [n, { args: s.params.map((k) => type[k]), returns: type[s.ret] }])))
      .symbols;
}
void ptrType;

const symbols = { ptr_0: { ret: 'ptr', params: [] } };
for (const s of job.sigs) symbols[s.name] = { ret: s.ret, params: s.params };
const fns = open(symbols);
const anchor = fns.ptr_0();
const addr = (p) => (p === null ? 0n : isDeno ? BigInt(Deno.UnsafePointer.value(p)) : BigInt(p));

let loops = 0;
function makeLoop(fn, args) {
  const names = args.map((_, i) => `a${i}`);
  const body = `/* loop ${++loops} */ return function loop(n) { let r; for (let i = 0; i < n; i++) r = f(${names.join(', ')}); return r; };`;
  return new Function('f', ...names, body)(fn, ...args);
}
const now = () => process.hrtime.bigint();
const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
};
function time(loop, n) {
  const t0 = now();
  loop(n);
  return Number(now() - t0);
}
function calibrate(loop, ms) {
  const target = ms * 1e6;
  let n = 1;
  let spent = 0;
  for (;;) {
    const t = time(loop, n);
    spent += t;
    if (t >= target / 4 && spent >= target) return Math.max(1, Math.round((n * target) / Math.max(t, 1)));
    n = t < target / 8 ? n * 4 : n * 2;
  }
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const out = { runtime, version, results: {}, unsupported: {} };
for (const s of job.sigs) {
  const fn = fns[s.name];
  const args = s.args.map((v, i) => (s.params[i] === 'ptr' ? anchor : v));
  const r = fn(...args);
  const ok = s.expect === 'anchor' ? addr(r) === addr(anchor) : Number(r) === s.expect;
  if (!ok) {
    out.unsupported[s.id] = `returned a wrong result (${String(r)})`;
    continue;
  }
  const loop = makeLoop(fn, args);
  calibrate(loop, job.ms);
  const n = calibrate(loop, job.ms);
  const wall = [];
  const cpu = [];
  for (let k = 0; k < job.rounds; k++) {
    const c0 = cpuNow();
    const t0 = now();
    loop(n);
    const t1 = now();
    const c1 = cpuNow();
    wall.push(Number(t1 - t0) / n);
    cpu.push((c1 - c0) / n);
  }
  const samples = job.clock === 'wall' ? wall : cpu;
  const sw = wall.reduce((a, b) => a + b, 0);
  const sc = cpu.reduce((a, b) => a + b, 0);
  out.results[s.id] = { [runtime]: { ns: median(samples), samples, n, wallNs: median(wall), cpuNs: median(cpu), busy: sc > 0 ? sw / sc : null } };
}
process.stdout.write(JSON.stringify(out));
