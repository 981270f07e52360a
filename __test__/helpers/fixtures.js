'use strict';
// Builds test fixture libraries from source at test time, into
// __test__/build/<platform>-<arch> (ignored by git), so a native run and a
// cross run (aarch64 under qemu, Windows under wine) never share libraries.
// A library is rebuilt when its source is newer.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const buildDir = path.join(root, 'build', `${process.platform}-${process.arch}`);
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

/** Compiles __test__/fixtures/<name>.c (or `src`) into a shared library; returns its path. */
function cLibrary(name, extraArgs = [], src = path.join(root, 'fixtures', `${name}.c`)) {
  fs.mkdirSync(buildDir, { recursive: true });
  const out = path.join(buildDir, `lib${name}${ext}`);
  if (!fresh(out, [src])) {
    const cc = process.env.CC || 'cc';
    atomically(out, (tmp) => {
      execFileSync(cc, ['-shared', '-fPIC', '-O2', '-Wall', '-o', tmp, src, ...extraArgs], { stdio: 'inherit' });
    });
  }
  return out;
}

/** Compiles and runs a C program from __test__/fixtures; returns its stdout. */
function cProgram(name, src, extraArgs = []) {
  fs.mkdirSync(buildDir, { recursive: true });
  const out = path.join(buildDir, name + (process.platform === 'win32' ? '.exe' : ''));
  if (!fresh(out, [src])) {
    atomically(out, (tmp) => {
      execFileSync(process.env.CC || 'cc', ['-O2', '-Wall', '-o', tmp, src, ...extraArgs], { stdio: 'inherit' });
    });
  }
  return execFileSync(out, { encoding: 'utf8' });
}

let goChecked;
/** The Go toolchain: { go, version } if one (>= 1.21) is on PATH, else null. */
function goToolchain() {
  if (goChecked !== undefined) return goChecked;
  const go = process.env.GO || 'go';
  try {
    const out = execFileSync(go, ['env', 'GOVERSION'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const m = /go(\d+)\.(\d+)/.exec(out);
    goChecked = m && (Number(m[1]) > 1 || Number(m[2]) >= 21) ? { go, version: out } : null;
  } catch {
    goChecked = null;
  }
  return goChecked;
}

/**
 * Builds __test__/fixtures/go/<name> with `go build -buildmode=c-shared`.
 * Returns { path, header, source } (source: the package directory), or null
 * when there is no Go toolchain.
 */
function goLibrary(name) {
  const tc = goToolchain();
  if (!tc) return null;
  const src = path.join(root, 'fixtures', 'go', name);
  const outDir = path.join(buildDir, 'go');
  fs.mkdirSync(outDir, { recursive: true });
  const lib = path.join(outDir, `lib${name}${ext}`);
  const header = path.join(outDir, `lib${name}.h`);
  const sources = fs.readdirSync(src).map((f) => path.join(src, f));
  if (!fresh(lib, sources) || !fs.existsSync(header)) {
    const tmp = fs.mkdtempSync(path.join(outDir, `.${name}-`));
    try {
      execFileSync(tc.go, ['build', '-buildmode=c-shared', '-o', path.join(tmp, `lib${name}${ext}`), '.'], {
        cwd: src,
        stdio: 'inherit',
        // Never fetch a toolchain; build with the one that is here.
        env: { ...process.env, GOTOOLCHAIN: 'local', CGO_ENABLED: '1', GOFLAGS: '-mod=mod' },
      });
      fs.renameSync(path.join(tmp, `lib${name}.h`), header);
      fs.renameSync(path.join(tmp, `lib${name}${ext}`), lib);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
  return { path: lib, header, source: src };
}

/**
 * For tests that need Go: the library, or a skip when Go is missing. In CI
 * (CI=true) a missing Go toolchain is a failure, not a skip.
 */
function goOrSkip(t, name) {
  const lib = goLibrary(name);
  if (!lib) {
    if (process.env.CI === 'true') throw new Error('Go >= 1.21 is required in CI but was not found');
    t.skip('no Go >= 1.21 toolchain on PATH');
  }
  return lib;
}

module.exports = { cLibrary, cProgram, goLibrary, goOrSkip, goToolchain, buildDir, root };
