'use strict';
// npm run demo: the seed's workflow in Node. Builds the addon if it is not
// built yet, builds the example libmod from source (Go when a Go toolchain is
// here, its C twin otherwise), loads it with its header so ModXY is bound
// from its declaration, and calls it.
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
    return require(root);
  } catch {
    console.error('Building the cshared addon (cargo, release)...');
    const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
    run(npx, ['napi', 'build', '--platform', '--release'], { cwd: root, shell: process.platform === 'win32' });
    return require(root);
  }
}

function hasGo() {
  try {
    const v = execFileSync(process.env.GO || 'go', ['env', 'GOVERSION'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const m = /go(\d+)\.(\d+)/.exec(v);
    return Boolean(m && (Number(m[1]) > 1 || Number(m[2]) >= 21));
  } catch {
    return false;
  }
}

// go build -buildmode=c-shared -o libmod.so  (writes libmod.so and libmod.h)
function buildGo() {
  const dir = path.join(out, 'go');
  fs.mkdirSync(dir, { recursive: true });
  const lib = path.join(dir, `libmod${ext}`);
  run(process.env.GO || 'go', ['build', '-buildmode=c-shared', '-o', lib, '.'], {
    cwd: path.join(__dirname, 'go-libmod'),
    env: { ...process.env, GOTOOLCHAIN: 'local', CGO_ENABLED: '1' },
  });
  return { lib, header: path.join(dir, 'libmod.h'), what: 'the Go libmod (examples/go-libmod)' };
}

function buildC() {
  fs.mkdirSync(out, { recursive: true });
  const lib = path.join(out, `libmod${ext}`);
  run(process.env.CC || 'cc', ['-shared', '-fPIC', '-O2', '-o', lib, path.join(__dirname, 'c-libmod', 'libmod.c')]);
  return { lib, header: path.join(__dirname, 'c-libmod', 'libmod.h'), what: 'the C twin of libmod (examples/c-libmod), as no Go >= 1.21 was found' };
}

const { load } = ensureAddon();
const built = hasGo() ? buildGo() : buildC();
console.error(`Using ${built.what}: ${path.relative(root, built.lib)}`);
// The header go build wrote declares `GoInt ModXY(GoInt x, GoInt y)`.
const lib = load(built.lib, { header: built.header });
console.log(`the rest of division of 13 per 2 is ${lib.ModXY(13, 2)}`);
lib.close();
