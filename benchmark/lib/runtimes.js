'use strict';
// Deno and Bun, for their FFI columns: each runs runtime-child.mjs on the
// scalar signatures in a process of its own. Their binaries come from npm
// (@deno/linux-x64-glibc, @oven/bun-linux-x64: plain binary packages, the
// lockfile of __test__/smoke/runtimes), looked for in order:
//   1. $CSHARED_BENCH_DENO / $CSHARED_BENCH_BUN;
//   2. __test__/build/runtimes, where __test__/runtimes.test.js installs them;
//   3. benchmark/build/runtimes, where `node benchmark/run.js --get-runtimes` does.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..', '..');
const spec = path.join(root, '__test__', 'smoke', 'runtimes');
const localPrefix = path.join(root, 'benchmark', 'build', 'runtimes');
const RUNTIMES = {
  Deno: { env: 'CSHARED_BENCH_DENO', bin: ['@deno', 'linux-x64-glibc', 'deno'], args: (child, job) => ['run', '-A', child, job], version: ['--version'] },
  Bun: { env: 'CSHARED_BENCH_BUN', bin: ['@oven', 'bun-linux-x64', 'bin', 'bun'], args: (child, job) => [child, job], version: ['--version'] },
};

/** { Deno: { bin, version } | { error }, Bun: ... } */
function findRuntimes() {
  const out = {};
  for (const [name, r] of Object.entries(RUNTIMES)) {
    const candidates = [process.env[r.env], path.join(root, '__test__', 'build', 'runtimes', 'node_modules', ...r.bin), path.join(localPrefix, 'node_modules', ...r.bin)].filter(Boolean);
    const bin = candidates.find((c) => fs.existsSync(c));
    if (!bin) {
      out[name] = { error: `no ${name} binary: run \`node benchmark/run.js --get-runtimes\` (or the runtimes test), or set ${r.env}` };
      continue;
    }
    const v = spawnSync(bin, r.version, { encoding: 'utf8' });
    out[name] = v.status === 0 ? { bin, version: v.stdout.trim().split('\n')[0].replace(/^deno /, '').split(' ')[0] } : { error: `${bin} --version failed` };
  }
  return out;
}

/** Installs the runtime packages (the runtimes test's lockfile) into benchmark/build/runtimes. */
function installRuntimes() {
  fs.mkdirSync(localPrefix, { recursive: true });
  for (const f of ['package.json', 'package-lock.json']) fs.copyFileSync(path.join(spec, f), path.join(localPrefix, f));
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'INIT_CWD'));
  const r = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: localPrefix,
    env,
    stdio: 'inherit',
  });
  if (r.status !== 0) throw new Error('npm ci of the runtime packages failed');
  return findRuntimes();
}

/** The job runtime-child.mjs takes, for these signatures. */
function job(ctx, sigs) {
  const { plainArgs } = require('./signatures');
  return {
    lib: ctx.paths.lib,
    rounds: ctx.rounds,
    ms: ctx.ms,
    clock: ctx.clock,
    sigs: sigs.map((s) => {
      const args = plainArgs(s);
      return { id: s.id, name: s.name, ret: s.ret, params: s.params, args, expect: s.ret === 'ptr' ? 'anchor' : s.expect(args) };
    }),
  };
}

/** Runs `name` (Deno or Bun) on the signatures: { runtime, version, results, unsupported } or { error }. */
function runRuntime(ctx, name, sigs) {
  const found = ctx.runtimes && ctx.runtimes[name];
  if (!found || !found.bin) return { error: found ? found.error : `${name} was not looked for` };
  const child = path.join(__dirname, 'runtime-child.mjs');
  const r = spawnSync(found.bin, RUNTIMES[name].args(child, JSON.stringify(job(ctx, sigs))), {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.status !== 0) return { error: `${name} failed (${r.signal || r.status}): ${(r.stderr || '').trim().split('\n').slice(-3).join(' ')}` };
  return JSON.parse(r.stdout);
}

module.exports = { findRuntimes, installRuntimes, runRuntime, RUNTIMES };
