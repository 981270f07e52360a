'use strict';
// Timing: competitors are measured side by side in one process, in rounds
// interleaved A, B, C, A, B, C, …; each competitor's result is the median
// of its rounds, in ns per call, and ratios are taken between those medians.
//
// Two clocks are read around every batch:
//   cpu  — the process's CPU time (user + system, all its threads, from
//          process.cpuUsage(), µs resolution): what the calls cost, without
//          the time the process spent waiting for a core on a busy machine;
//   wall — elapsed time (process.hrtime).
// Results are in the clock chosen with `clock` (default cpu); both medians
// are kept, and wall ÷ cpu over all rounds shows how busy the machine was.

let loops = 0;
/**
 * A loop of n calls to fn with fixed arguments, compiled on its own (new
 * Function) so each competitor's call site has its own type feedback and
 * one FFI's calls never make another's loop polymorphic. Each source text
 * is distinct (a numbered comment): V8 caches `new Function` by its text,
 * with its type feedback, so loops of one text would share a call site,
 * which would go megamorphic and lose V8's fast API calls (see
 * __test__/fast.test.js).
 */
function makeLoop(fn, args, array = false) {
  const names = args.map((_, i) => `a${i}`);
  const call = array ? `f([${names.join(', ')}])` : `f(${names.join(', ')})`;
  const body = `/* loop ${++loops} */ return function loop(n) { let r; for (let i = 0; i < n; i++) r = ${call}; return r; };`;
  return new Function('f', ...names, body)(fn, ...args);
}

const now = () => process.hrtime.bigint();

/** CPU time of the process in ns (µs resolution). */
function cpuNow() {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

function time(loop, n) {
  const t0 = now();
  loop(n);
  return Number(now() - t0);
}

/** Both clocks around one batch: { wall, cpu } in ns. */
function timeBoth(loop, n) {
  const c0 = cpuNow();
  const t0 = now();
  loop(n);
  const t1 = now();
  const c1 = cpuNow();
  return { wall: Number(t1 - t0), cpu: c1 - c0 };
}

/** Runs the loop for about `ms` (warms it up), then returns n so that n calls take about `ms`. */
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

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function summarize(names, wall, cpu, n, clock) {
  const out = {};
  for (const name of names) {
    const samples = clock === 'wall' ? wall[name] : cpu[name];
    const sw = wall[name].reduce((a, b) => a + b, 0);
    const sc = cpu[name].reduce((a, b) => a + b, 0);
    out[name] = {
      ns: median(samples),
      samples,
      n: n[name],
      wallNs: median(wall[name]),
      cpuNs: median(cpu[name]),
      busy: sc > 0 ? sw / sc : null,
    };
  }
  return out;
}

/**
 * Measures competitors side by side.
 * competitors: [{ name, loop }] (from makeLoop); opts: { rounds, ms, warmupMs, clock }.
 * Returns { [name]: { ns, samples, n, wallNs, cpuNs, busy } }: ns is the
 * median ns per call by `clock`, samples the per-round values.
 */
function interleaved(competitors, { rounds = 7, ms = 20, warmupMs = ms, clock = 'cpu' } = {}) {
  const wall = {};
  const cpu = {};
  const n = {};
  for (const c of competitors) {
    calibrate(c.loop, warmupMs); // warm-up, so the JIT has settled before calibrating
    n[c.name] = calibrate(c.loop, ms);
    wall[c.name] = [];
    cpu[c.name] = [];
  }
  for (let r = 0; r < rounds; r++) {
    for (const c of competitors) {
      const t = timeBoth(c.loop, n[c.name]);
      wall[c.name].push(t.wall / n[c.name]);
      cpu[c.name].push(t.cpu / n[c.name]);
    }
  }
  return summarize(competitors.map((c) => c.name), wall, cpu, n, clock);
}

/**
 * The asynchronous form: competitors are [{ name, run, calls }], where run()
 * returns a Promise for one batch of `calls` calls. One warm-up batch each,
 * then `rounds` interleaved rounds. Async calls run on other threads and
 * overlap, so this is always by wall time.
 */
async function interleavedAsync(competitors, { rounds = 7 } = {}) {
  const wall = {};
  const cpu = {};
  const n = {};
  for (const c of competitors) {
    await c.run();
    wall[c.name] = [];
    cpu[c.name] = [];
    n[c.name] = c.calls;
  }
  for (let r = 0; r < rounds; r++) {
    for (const c of competitors) {
      const c0 = cpuNow();
      const t0 = now();
      await c.run();
      wall[c.name].push(Number(now() - t0) / c.calls);
      cpu[c.name].push((cpuNow() - c0) / c.calls);
    }
  }
  return summarize(competitors.map((c) => c.name), wall, cpu, n, 'wall');
}

/**
 * ratio(results, a, b): median(a) / median(b), with the spread of the
 * per-round ratios (min, max), which shows how noisy the pair was.
 */
function ratio(results, a, b) {
  const A = results[a];
  const B = results[b];
  if (!A || !B) return null;
  const per = A.samples.map((x, i) => x / B.samples[i]);
  return { value: A.ns / B.ns, min: Math.min(...per), max: Math.max(...per) };
}

module.exports = { makeLoop, calibrate, interleaved, interleavedAsync, ratio, median, time, now, cpuNow };
