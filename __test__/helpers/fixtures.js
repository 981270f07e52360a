'use strict';
// Builds test fixture libraries from source at test time, into __test__/build
// (ignored by git). A library is rebuilt when its source is newer.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const buildDir = path.join(root, 'build');
const ext = process.platform === 'win32' ? '.dll' : process.platform === 'darwin' ? '.dylib' : '.so';

function fresh(out, sources) {
  if (!fs.existsSync(out)) return false;
  const t = fs.statSync(out).mtimeMs;
  return sources.every((s) => fs.statSync(s).mtimeMs <= t);
}

// Writes to a temporary name and renames, so parallel test files never see
// a half-written library.
function atomically(out, build) {
  const tmp = `${out}.${process.pid}.tmp`;
  build(tmp);
  fs.renameSync(tmp, out);
}

/** Compiles __test__/fixtures/<name>.c into a shared library; returns its path. */
function cLibrary(name, extraArgs = []) {
  fs.mkdirSync(buildDir, { recursive: true });
  const src = path.join(root, 'fixtures', `${name}.c`);
  const out = path.join(buildDir, `lib${name}${ext}`);
  if (!fresh(out, [src])) {
    const cc = process.env.CC || 'cc';
    atomically(out, (tmp) => {
      execFileSync(cc, ['-shared', '-fPIC', '-O2', '-Wall', '-o', tmp, src, ...extraArgs], { stdio: 'inherit' });
    });
  }
  return out;
}

module.exports = { cLibrary, buildDir, root };
