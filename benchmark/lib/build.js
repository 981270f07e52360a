'use strict';
// Builds what the benchmark calls into benchmark/build (ignored by git): the
// C fixture library, the hand-written N-API baseline addon, the Go c-shared
// library and the generated 1,000-function library. Each is rebuilt only
// when a source is newer than it, and written under a temporary name first.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const benchDir = path.join(__dirname, '..');
const root = path.join(benchDir, '..');
const buildDir = path.join(benchDir, 'build');
const fixtures = path.join(benchDir, 'fixtures');
const ext = process.platform === 'win32' ? '.dll' : process.platform === 'darwin' ? '.dylib' : '.so';
const cc = process.env.CC || 'cc';

function fresh(out, sources) {
  if (!fs.existsSync(out)) return false;
  const t = fs.statSync(out).mtimeMs;
  return sources.every((s) => fs.statSync(s).mtimeMs <= t);
}

function atomically(out, make) {
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    make(tmp);
    fs.renameSync(tmp, out);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

function compile(out, src, args = []) {
  if (fresh(out, [src, __filename])) return out;
  fs.mkdirSync(buildDir, { recursive: true });
  atomically(out, (tmp) => {
    execFileSync(cc, ['-shared', '-fPIC', '-O2', '-Wall', '-o', tmp, src, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
  });
  return out;
}

/** The C fixture library (benchmark/fixtures/bench.c). */
function cLibrary() {
  return compile(path.join(buildDir, `libbench${ext}`), path.join(fixtures, 'bench.c'));
}

/** Node's C headers: next to the running node binary, else /usr/include/node. */
function nodeInclude(execPath = process.execPath) {
  const candidates = [
    path.join(path.dirname(execPath), '..', 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ];
  return candidates.find((d) => fs.existsSync(path.join(d, 'node_api.h'))) || null;
}

/** The hand-written N-API addon (benchmark/fixtures/napi_baseline.c). Throws when Node's headers are missing. */
function napiBaseline() {
  const inc = nodeInclude();
  if (!inc) throw new Error("Node's headers (node_api.h) were not found next to node or in /usr/include/node");
  const args = ['-I', inc];
  if (process.platform === 'darwin') args.push('-undefined', 'dynamic_lookup');
  if (process.platform === 'linux') args.push('-ldl');
  return compile(path.join(buildDir, 'napi_baseline.node'), path.join(fixtures, 'napi_baseline.c'), args);
}

/** The callgrind helper addon (dump(label)), or null when valgrind's headers are missing. */
function callgrindHelper() {
  const inc = nodeInclude();
  if (!inc) return null;
  const out = path.join(buildDir, 'callgrind_helper.node');
  try {
    return compile(out, path.join(fixtures, 'callgrind_helper.c'), ['-I', inc]);
  } catch {
    return null;
  }
}

let goChecked;
/** The Go toolchain (>= 1.21) as { go, version }, or null. */
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

/** The Go c-shared library with ModXY, or null without Go >= 1.21. */
function goLibrary() {
  const tc = goToolchain();
  if (!tc) return null;
  const src = path.join(fixtures, 'go', 'modxy');
  const out = path.join(buildDir, 'go', `libmodxy${ext}`);
  const sources = fs.readdirSync(src).map((f) => path.join(src, f));
  if (!fresh(out, sources)) {
    fs.mkdirSync(path.dirname(out), { recursive: true });
    const tmp = fs.mkdtempSync(path.join(path.dirname(out), '.modxy-'));
    try {
      execFileSync(tc.go, ['build', '-buildmode=c-shared', '-o', path.join(tmp, `libmodxy${ext}`), '.'], {
        cwd: src,
        stdio: ['ignore', 'inherit', 'inherit'],
        env: { ...process.env, GOTOOLCHAIN: 'local', CGO_ENABLED: '1', GOFLAGS: '-mod=mod' },
      });
      fs.renameSync(path.join(tmp, `libmodxy${ext}`), out);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
  return out;
}

// ---- 1,000 declarations of varied signatures ----

const MANY_TYPES = [
  'int', 'long long', 'double', 'void *', 'const char *', 'unsigned int', 'short', 'float',
  'int64_t', 'uint8_t', 'size_t', 'uint32_t', 'char *', 'unsigned long', 'int16_t', 'uint64_t',
];

/** The prototypes of the generated library: fn_0 … fn_999, 0 to 6 parameters of mixed types. */
function manyPrototypes(count = 1000) {
  const protos = [];
  for (let i = 0; i < count; i++) {
    const ret = i % 17 === 0 ? 'void' : MANY_TYPES[(i * 7) % MANY_TYPES.length];
    const n = i % 7;
    const params = [];
    for (let j = 0; j < n; j++) params.push(`${MANY_TYPES[(i * 5 + j * 3) % MANY_TYPES.length]} a${j}`);
    protos.push({ name: `fn_${i}`, text: `${ret} fn_${i}(${params.length ? params.join(', ') : 'void'})`, ret });
  }
  return protos;
}

/** Writes many.h and many.c (1,000 functions) and compiles libmany. Returns { lib, header, prototypes }. */
function manyLibrary() {
  const protos = manyPrototypes();
  const header = path.join(buildDir, 'many.h');
  const src = path.join(buildDir, 'many.c');
  const lib = path.join(buildDir, `libmany${ext}`);
  const h = ['/* Generated by benchmark/lib/build.js: 1,000 functions of varied signatures. */',
    '#include <stddef.h>', '#include <stdint.h>', ...protos.map((p) => `${p.text};`), ''].join('\n');
  const c = ['#include "many.h"', ...protos.map((p) => `${p.text} { ${p.ret === 'void' ? '' : `return (${p.ret})0;`} }`), ''].join('\n');
  fs.mkdirSync(buildDir, { recursive: true });
  if (!fs.existsSync(header) || fs.readFileSync(header, 'utf8') !== h) fs.writeFileSync(header, h);
  if (!fs.existsSync(src) || fs.readFileSync(src, 'utf8') !== c) fs.writeFileSync(src, c);
  compile(lib, src, ['-w', '-I', buildDir]);
  return { lib, header, prototypes: protos.map((p) => p.text) };
}

module.exports = { cLibrary, napiBaseline, callgrindHelper, goLibrary, goToolchain, manyLibrary, manyPrototypes, nodeInclude, buildDir, benchDir, root, ext };
