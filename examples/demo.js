'use strict';
// npm run demo: the seed's workflow in Node. Builds the addon if it is not
// built yet, builds the example libmod from source, binds ModXY and calls it.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const out = path.join(__dirname, 'build');
const ext = process.platform === 'win32' ? '.dll' : process.platform === 'darwin' ? '.dylib' : '.so';

function run(cmd, args, opts = {}) {
  execFileSync(cmd, args, { stdio: 'inherit', ...opts });
}

function ensureAddon() {
  try {
    require(root);
  } catch {
    console.error('Building the cshared addon (cargo, release)...');
    run(process.platform === 'win32' ? 'npx.cmd' : 'npx', ['napi', 'build', '--platform', '--release'], { cwd: root, shell: process.platform === 'win32' });
  }
  return require(root);
}

function buildC() {
  fs.mkdirSync(out, { recursive: true });
  const lib = path.join(out, `libmod${ext}`);
  run(process.env.CC || 'cc', ['-shared', '-fPIC', '-O2', '-o', lib, path.join(__dirname, 'c-libmod', 'libmod.c')]);
  return lib;
}

const { load } = ensureAddon();
const libPath = buildC();
console.error(`Using the C twin of libmod (examples/c-libmod): ${path.relative(root, libPath)}`);
const lib = load(libPath);
const ModXY = lib.func('long long ModXY(long long x, long long y)');
console.log(`the rest of division of 13 per 2 is ${ModXY(13, 2)}`);
