'use strict';
// `cshared go pack` end to end: packs the gostats fixture for linux-x64-gnu
// (Go's C compiler), linux-arm64-gnu and win32-x64 (zig), and darwin-arm64
// (which a Linux machine cannot build: pack says so and leaves it to the
// workflow); checks each library by its file header (and runs the aarch64 one
// under qemu-user when it is here); then `npm pack`s the main package, the
// host's platform package and cshared with its own platform package, installs
// them into a fresh project with no Go and no Rust on PATH, and uses the
// library from CommonJS and ESM, through the environment override, from an
// Electron-style app.asar.unpacked, and under tsc --strict. Runs on linux-x64
// with glibc; skips when zig is missing (in CI, where .ci/run installs it,
// that is a failure).
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { goToolchain, root } = require('./helpers/fixtures');
const { findZig } = require('../lib/gopack');
const { hostTarget } = require('../lib/gopack/targets');
const { envVarName } = require('../lib/gopack/templates');

const repo = path.join(__dirname, '..');
const cli = path.join(repo, 'bin', 'cshared.js');
const rootPkg = require('../package.json');
const gostats = path.join(root, 'fixtures', 'go', 'gostats');
const host = 'linux-x64-gnu';
const binaryName = `${rootPkg.napi.binaryName}.${host}.node`;
const NAME = 'gostats';
const VERSION = '1.2.3';
const TARGETS = ['linux-x64-gnu', 'linux-arm64-gnu', 'win32-x64', 'darwin-arm64'];
const BUILT = ['linux-x64-gnu', 'linux-arm64-gnu', 'win32-x64'];
const FREE = 'Reverse,Pad,Slugify=TkFree,Describe,Head';
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepare'];
const inCI = process.env.CI === 'true';

function isGlibc() {
  const report = process.report && process.report.getReport();
  return Boolean(report && report.header && report.header.glibcVersionRuntime);
}

/** Why this machine cannot run the end-to-end test, or null. In CI, only the platform may be a reason. */
function skipReason() {
  if (process.platform !== 'linux' || process.arch !== 'x64' || !isGlibc()) {
    return `go pack's end-to-end test installs the ${host} packages; this is ${process.platform}-${process.arch}${process.platform === 'linux' && !isGlibc() ? ' (musl)' : ''}`;
  }
  const missing = [];
  if (!fs.existsSync(path.join(repo, binaryName))) missing.push(`${binaryName} is not built; run \`npm run build\` first`);
  if (!goToolchain()) missing.push('no Go >= 1.21 toolchain on PATH');
  if (!findZig(process.env.ZIG, process.env)) {
    missing.push('zig is not installed (neither `zig` on PATH nor Python\'s ziglang: `pip install ziglang`; .ci/run installs it), so go pack cannot cross-compile linux-arm64-gnu and win32-x64');
  }
  if (!missing.length) return null;
  if (inCI) throw new Error(`go pack's end-to-end test must run in CI: ${missing.join('; ')}`);
  return missing.join('; ');
}

function run(cmd, args, opts) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** `cshared go pack ...`: { status, stdout, stderr }. */
function goPack(args, env = process.env) {
  return spawnSync(process.execPath, [cli, 'go', 'pack', ...args], {
    encoding: 'utf8',
    env: { ...env, GOTOOLCHAIN: 'local' },
    timeout: 600000,
  });
}

let tmp;
test.after(() => tmp && fs.rmSync(tmp, { recursive: true, force: true }));
function tmpDir() {
  if (!tmp) tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cshared-gopack-'));
  return tmp;
}

// --- Reading the libraries' file headers, independently of go pack's own check.

/** ELF64, little-endian, ET_DYN: its e_machine. */
function elfMachine(b) {
  assert.equal(b.readUInt32BE(0), 0x7f454c46, 'ELF magic');
  assert.equal(b[4], 2, 'ELFCLASS64');
  assert.equal(b[5], 1, 'little-endian');
  assert.equal(b.readUInt16LE(16), 3, 'e_type ET_DYN (a shared object)');
  return b.readUInt16LE(18);
}

/** A PE32+ DLL: its machine. */
function peMachine(b) {
  assert.equal(b.toString('latin1', 0, 2), 'MZ', 'MZ');
  const pe = b.readUInt32LE(0x3c);
  assert.equal(b.toString('latin1', pe, pe + 4), 'PE\0\0', 'PE signature');
  const characteristics = b.readUInt16LE(pe + 22);
  assert.ok(characteristics & 0x2000, 'IMAGE_FILE_DLL');
  assert.equal(b.readUInt16LE(pe + 24), 0x20b, 'optional header magic PE32+');
  return b.readUInt16LE(pe + 4);
}

/** Paths of PATH without the Go and Rust tools, with node and npm reachable through a shim directory. */
function pathWithoutGoAndRust(dir) {
  const dirs = (process.env.PATH || '').split(path.delimiter).filter(Boolean);
  const has = (d, name) => {
    try {
      fs.accessSync(path.join(d, name), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  const banned = ['go', 'gofmt', 'cargo', 'rustc', 'rustup'];
  const kept = dirs.filter((d) => !banned.some((n) => has(d, n)));
  const shim = path.join(dir, 'bin');
  fs.mkdirSync(shim, { recursive: true });
  for (const name of ['node', 'npm']) {
    if (kept.some((d) => has(d, name))) continue;
    const from = name === 'node' ? process.execPath : dirs.map((d) => path.join(d, name)).find((p) => fs.existsSync(p));
    if (from) fs.symlinkSync(from, path.join(shim, name));
  }
  return [shim, ...kept].join(path.delimiter);
}

/** The environment of the consumer: no Go, no Rust, none of npm's settings for this repo. */
function consumerEnv(dir) {
  const env = { ...process.env, PATH: pathWithoutGoAndRust(dir) };
  for (const k of Object.keys(env)) if (/^npm_/i.test(k) || k === 'INIT_CWD') delete env[k];
  for (const k of ['CARGO', 'RUSTC', 'GO', 'GOROOT', 'NAPI_RS_NATIVE_LIBRARY_PATH', 'NODE_OPTIONS', envVarName(NAME)]) delete env[k];
  env.npm_config_audit = 'false';
  env.npm_config_fund = 'false';
  env.npm_config_update_notifier = 'false';
  for (const tool of ['go', 'cargo', 'rustc']) {
    const probe = spawnSync(tool, ['version'], { env, encoding: 'utf8' });
    assert.equal(probe.error && probe.error.code, 'ENOENT', `${tool} is still on the consumer's PATH`);
  }
  return env;
}

/** `npm pack` in dir into dest; returns npm's description of the tarball. */
function npmPack(dir, dest, env) {
  const out = run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dest], { cwd: dir, env });
  const [info] = JSON.parse(out.slice(out.indexOf('[')));
  info.path = path.join(dest, info.filename);
  return info;
}

const npmInstall = ['install', '--offline', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=warn'];
const kB = (n) => `${(n / 1024).toFixed(1)} kB`;

let packed;
/** Runs go pack once: { out, log, ms }. */
function packOnce(t) {
  if (packed) return packed;
  const out = path.join(tmpDir(), 'out');
  const started = Date.now();
  const r = goPack([gostats, '--name', NAME, '--targets', TARGETS.join(','), '--out', out, '--version', VERSION, '--free', FREE]);
  const ms = Date.now() - started;
  assert.equal(r.status, 0, `go pack failed (${r.status}):\n${r.stderr}`);
  for (const line of r.stderr.split('\n').filter((l) => /: (ELF|PE|Mach-O) /.test(l))) t.diagnostic(line);
  t.diagnostic(`go pack took ${(ms / 1000).toFixed(1)} s`);
  packed = { out, log: r.stderr, ms };
  return packed;
}

test('go pack: libraries for linux-x64-gnu, linux-arm64-gnu (zig) and win32-x64 (zig), npm packages, a workflow', async (t) => {
  const reason = skipReason();
  if (reason) return t.skip(reason);
  const { out, log } = packOnce(t);

  await t.test('darwin is not built on Linux, and pack says so, pointing at the workflow', () => {
    assert.match(log, /darwin-arm64: not built here: macOS libraries link against the macOS SDK, which only a Mac has: the workflow builds darwin-arm64 on macos-latest \(.*release\.yml\)/);
    assert.match(log, /^not here darwin-arm64 /m);
    assert.ok(!fs.existsSync(path.join(out, 'npm', 'darwin-arm64')), 'a platform package for a target that was not built');
    assert.match(log, /linux-x64-gnu: .* with Go's C compiler/);
    assert.match(log, /linux-arm64-gnu: .* with zig cc -target aarch64-linux-gnu/);
    assert.match(log, /win32-x64: .* with zig cc -target x86_64-windows-gnu/);
    assert.doesNotMatch(log, /return.*\*C\.char/, 'a note about freeing, though --free names them all');
    // The host's library was loaded as the package loads it, and what the Go reader cannot type is pointed out.
    assert.match(log, /^linux-x64-gnu: loads with cshared \(21 functions\)$/m);
    assert.match(log, /^note: Count\(\): parameter 1 \(words\) is \[\]string, a type the Go reader does not know/m);
  });

  await t.test('the libraries, by their file headers', () => {
    const lib = (target, file) => fs.readFileSync(path.join(out, 'npm', target, file));
    const x64 = lib('linux-x64-gnu', 'libgostats.so');
    const arm64 = lib('linux-arm64-gnu', 'libgostats.so');
    const win = lib('win32-x64', 'gostats.dll');
    assert.equal(elfMachine(x64), 0x3e, 'linux-x64-gnu: EM_X86_64');
    assert.equal(elfMachine(arm64), 0xb7, 'linux-arm64-gnu: EM_AARCH64');
    assert.equal(peMachine(win), 0x8664, 'win32-x64: IMAGE_FILE_MACHINE_AMD64');
    // Each has the Go functions' names (in its dynamic string table, where
    // the linker may share one name's bytes with the tail of another, or in
    // its export table).
    for (const [target, b] of [['linux-x64-gnu', x64], ['linux-arm64-gnu', arm64], ['win32-x64', win]]) {
      for (const fn of ['Stats', 'Normalize', 'MinMax', 'TkFreed']) {
        assert.ok(b.includes(Buffer.from(`${fn}\0`)), `${target}: no symbol ${fn}`);
      }
      t.diagnostic(`${target}: ${kB(b.length)}`);
    }
  });

  await t.test('the platform packages: os, cpu, libc, the library alone, nothing that runs at install', () => {
    const want = {
      'linux-x64-gnu': { os: ['linux'], cpu: ['x64'], libc: ['glibc'], file: 'libgostats.so' },
      'linux-arm64-gnu': { os: ['linux'], cpu: ['arm64'], libc: ['glibc'], file: 'libgostats.so' },
      'win32-x64': { os: ['win32'], cpu: ['x64'], libc: undefined, file: 'gostats.dll' },
    };
    for (const [target, w] of Object.entries(want)) {
      const dir = path.join(out, 'npm', target);
      const m = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
      assert.equal(m.name, `${NAME}-${target}`);
      assert.equal(m.version, VERSION);
      assert.deepEqual(m.os, w.os, `${target} os`);
      assert.deepEqual(m.cpu, w.cpu, `${target} cpu`);
      assert.deepEqual(m.libc, w.libc, `${target} libc`);
      assert.deepEqual(m.files, [w.file]);
      assert.equal(m.scripts, undefined, `${target} has scripts`);
      assert.deepEqual(fs.readdirSync(dir).sort(), ['README.md', w.file, 'package.json'].sort());
    }
  });

  await t.test('the main package: optionalDependencies, cshared, loader, typings, header, Go signatures', () => {
    const dir = path.join(out, NAME);
    const m = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    assert.equal(m.name, NAME);
    assert.equal(m.version, VERSION);
    assert.deepEqual(m.optionalDependencies, Object.fromEntries(TARGETS.map((x) => [`${NAME}-${x}`, VERSION])));
    assert.deepEqual(m.dependencies, { cshared: `^${rootPkg.version}` });
    assert.equal(m.scripts, undefined);
    for (const f of m.files) assert.ok(fs.existsSync(path.join(dir, f)), `${f} is listed but missing`);
    assert.deepEqual(m.files.sort(), ['exports.go', 'index.d.mts', 'index.d.ts', 'index.js', 'index.mjs', 'libgostats.h', 'types.d.ts']);
    // The Go signatures: every export with its doc comment, no code.
    const go = fs.readFileSync(path.join(dir, 'exports.go'), 'utf8');
    assert.match(go, /\/\/ Stats returns the mean, the smallest and the largest of xs, and how many\n\/\/ there are\.\n\/\/\n\/\/export Stats\nfunc Stats\(xs \[\]float64\) \(mean, min, max float64, n int\) \{\n\tpanic\("signature only: main\.go:\d+"\)\n\}/);
    assert.doesNotMatch(go, /math\.Inf|strings\.Fields|atomic\./, 'exports.go carries the implementation');
    assert.equal((go.match(/^\/\/export /gm) || []).length, 21);
    // The header is the one go build wrote.
    assert.match(fs.readFileSync(path.join(dir, 'libgostats.h'), 'utf8'), /extern struct Stats_return Stats\(GoSlice xs\);/);
    const loader = fs.readFileSync(path.join(dir, 'index.js'), 'utf8');
    assert.match(loader, /const ENV = "GOSTATS_LIBRARY_PATH";/);
    assert.match(loader, /const FREE = \{"Reverse":true,"Pad":true,"Slugify":"TkFree","Describe":true,"Head":true\};/);
    const dts = fs.readFileSync(path.join(dir, 'index.d.ts'), 'utf8');
    assert.match(dts, /\/\*\*\n \* Stats returns the mean, the smallest and the largest of xs, and how many\n \* there are\.\n \*\/\nexport declare const Stats: Gostats\["Stats"\];/);
    assert.match(fs.readFileSync(path.join(dir, 'types.d.ts'), 'utf8'), /readonly Stats: CFunction<\[xs: Float64Array \| number\[\] \| null\], Stats_return<B>>/);
  });

  await t.test('the workflow: every target on its own runner, then npm publish', () => {
    const wf = fs.readFileSync(path.join(out, '.github', 'workflows', 'release.yml'), 'utf8');
    for (const [target, runner] of [['linux-x64-gnu', 'ubuntu-22.04'], ['linux-arm64-gnu', 'ubuntu-22.04-arm'], ['win32-x64', 'windows-latest'], ['darwin-arm64', 'macos-latest']]) {
      assert.match(wf, new RegExp(`- target: ${target}\\n {12}runner: ${runner}\\n`));
    }
    assert.match(wf, /GO_DIR: '__test__\/fixtures\/go\/gostats'/);
    assert.match(wf, /TARGETS: 'linux-x64-gnu,linux-arm64-gnu,win32-x64,darwin-arm64'/);
    assert.match(wf, /FREE: 'Reverse,Pad,Slugify=TkFree,Describe,Head'/);
    assert.match(wf, new RegExp(`CSHARED: 'cshared@${rootPkg.version.replace(/\./g, '\\.')}'`));
    assert.match(wf, /go pack "\$GO_DIR" --name "\$NAME" --targets "\$TARGETS"\n\s+--only "\$\{\{ matrix\.target \}\}"/);
    assert.match(wf, /npm publish "artifacts\/npm-\$t" --access public --provenance/);
    assert.match(wf, /npm publish artifacts\/main --access public --provenance/);
    assert.match(wf, /id-token: write/);
    // Tabs are not YAML indentation.
    assert.doesNotMatch(wf, /\t/);
  });

  await t.test('the aarch64 library runs: a C program dlopens it and calls Stats under qemu-aarch64', (t) => {
    const sysroot = '/usr/aarch64-linux-gnu';
    const qemu = spawnSync('qemu-aarch64', ['--version'], { encoding: 'utf8' });
    if (qemu.error || !fs.existsSync(path.join(sysroot, 'lib', 'ld-linux-aarch64.so.1'))) {
      return t.skip('needs qemu-user and an aarch64 glibc (apt-get install qemu-user libc6-arm64-cross)');
    }
    const zig = findZig(process.env.ZIG, process.env);
    const dir = path.join(tmpDir(), 'qemu');
    fs.mkdirSync(dir);
    fs.writeFileSync(
      path.join(dir, 'probe.c'),
      `#include <dlfcn.h>
#include <stdio.h>
typedef struct { void *data; long long len; long long cap; } GoSlice;
struct Stats_return { double mean, min, max; long long n; };
int main(int argc, char **argv) {
  void *h = dlopen(argv[1], RTLD_NOW);
  if (!h) { printf("dlopen: %s\\n", dlerror()); return 1; }
  struct Stats_return (*stats)(GoSlice) = (struct Stats_return (*)(GoSlice))dlsym(h, "Stats");
  double (*clamp)(double, double, double) = (double (*)(double, double, double))dlsym(h, "Clamp");
  if (!stats || !clamp) { printf("dlsym: %s\\n", dlerror()); return 1; }
  double xs[] = { 1, 2, 6 };
  GoSlice s = { xs, 3, 3 };
  struct Stats_return r = stats(s);
  printf("%g %g %g %lld %g\\n", r.mean, r.min, r.max, r.n, clamp(5, 0, 1.5));
  return 0;
}
`,
    );
    run(zig.cmd[0], [...zig.cmd.slice(1), 'cc', '-target', 'aarch64-linux-gnu', '-O1', '-o', path.join(dir, 'probe'), path.join(dir, 'probe.c')]);
    const so = path.join(out, 'npm', 'linux-arm64-gnu', 'libgostats.so');
    // qemu-user's emulation of threads can stall a Go runtime starting on a
    // loaded machine (seen once in many runs): one more try after a timeout.
    let r;
    for (let i = 0; i < 2; i++) {
      r = spawnSync('qemu-aarch64', ['-L', sysroot, path.join(dir, 'probe'), so], { encoding: 'utf8', timeout: 120000 });
      if (!r.error) break;
    }
    assert.equal(r.error, undefined, 'qemu-aarch64 timed out twice');
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    assert.equal(r.stdout, '3 1 6 3 1.5\n');
  });

  await t.test('installed with no Go and no Rust: require, import, the override, Electron, tsc --strict', (t) => {
    const work = path.join(tmpDir(), 'consumer');
    fs.mkdirSync(work);
    const env = consumerEnv(work);
    const tarballs = path.join(work, 'tarballs');
    fs.mkdirSync(tarballs);
    const main = npmPack(path.join(out, NAME), tarballs, env);
    const plat = npmPack(path.join(out, 'npm', host), tarballs, env);
    assert.deepEqual(plat.files.map((f) => f.path).sort(), ['README.md', 'libgostats.so', 'package.json']);
    const cshared = npmPack(repo, tarballs, env);
    assert.ok(cshared.files.some((f) => f.path === 'lib/gopack/index.js'), 'cshared is packed without go pack');
    // cshared's own platform package, as install.test.js makes it.
    const csharedPlat = path.join(work, `cshared-${host}`);
    fs.cpSync(path.join(repo, 'npm', host), csharedPlat, { recursive: true });
    fs.copyFileSync(path.join(repo, binaryName), path.join(csharedPlat, binaryName));
    const csharedPlatTgz = npmPack(csharedPlat, tarballs, env);
    t.diagnostic(`${main.filename}: ${kB(main.size)} packed, ${main.entryCount} files; ${plat.filename}: ${kB(plat.size)} packed`);

    const project = path.join(work, 'project');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'gostats-consumer', version: '1.0.0', private: true }));
    const installLog = run('npm', [...npmInstall, main.path, plat.path, cshared.path, csharedPlatTgz.path], { cwd: project, env });
    assert.doesNotMatch(installLog, /^> .* (preinstall|install|postinstall|prepare)$/m, 'an install script ran');
    for (const name of [NAME, `${NAME}-${host}`]) {
      const m = JSON.parse(fs.readFileSync(path.join(project, 'node_modules', name, 'package.json'), 'utf8'));
      assert.equal(m.version, VERSION);
      assert.deepEqual(Object.keys(m.scripts || {}).filter((s) => INSTALL_SCRIPTS.includes(s)), [], `${name} has install scripts`);
    }
    const node = (file, extra = {}) => run(process.execPath, [file], { cwd: project, env: { ...env, ...extra } }).trim();

    // CommonJS: the functions, with slices typed, results named and C strings freed.
    fs.writeFileSync(
      path.join(project, 'use.cjs'),
      `const g = require('${NAME}')
const { Stats, MinMax, DivMod, Reverse, Slugify, TkFreed, Pick, Fill, library } = g
const b = new Uint8Array(3)
const freed = TkFreed()
console.log(JSON.stringify({
  stats: Stats([1.5, 2.5, 5]),
  typed: Stats(new Float64Array([4, 5])),
  minmax: MinMax(new Int32Array([7, -2, 3])),
  divmod: DivMod(17, 5),
  reverse: Reverse('héllo'),
  slug: Slugify('Go From Node'),
  freedByTkFree: TkFreed() - freed,
  pick: Pick(false, 1, 2),
  fill: [Fill(b, 9), [...b]],
  path: library.path,
  functions: Object.keys(g).length,
}))
try { Stats(new Int32Array(3)) } catch (e) { console.log(e.code) }
`,
    );
    const [cjsOut, cjsErr] = node('use.cjs').split('\n');
    assert.deepEqual(JSON.parse(cjsOut), {
      stats: { mean: 3, min: 1.5, max: 5, n: 3 },
      typed: { mean: 4.5, min: 4, max: 5, n: 2 },
      minmax: { lo: -2, hi: 7, ok: true },
      divmod: { r0: 3, r1: 2 },
      reverse: 'olléh',
      slug: 'go-from-node',
      freedByTkFree: 1,
      pick: 2,
      fill: [3, [9, 9, 9]],
      path: path.join(project, 'node_modules', `${NAME}-${host}`, 'libgostats.so'),
      functions: 22,
    });
    assert.equal(cjsErr, 'ERR_ARG_TYPE');

    // ESM: named imports and the default export.
    fs.writeFileSync(
      path.join(project, 'use.mjs'),
      `import { Stats, Clamp, IsEven, library } from '${NAME}'
import g from '${NAME}'
console.log(JSON.stringify([Stats([2, 4]).mean, Clamp(5, 0, 1.5), IsEven(4), g.Stats === Stats, g.library === library]))
`,
    );
    assert.equal(node('use.mjs'), '[3,1.5,true,true,true]');

    // GOSTATS_LIBRARY_PATH: another copy of the library is loaded instead.
    const alt = path.join(work, 'alt', 'libgostats-own.so');
    fs.mkdirSync(path.dirname(alt));
    fs.copyFileSync(path.join(out, 'npm', host, 'libgostats.so'), alt);
    fs.writeFileSync(path.join(project, 'path.cjs'), `const g = require('${NAME}'); console.log(g.library.path, g.Clamp(3, 0, 2))\n`);
    assert.equal(node('path.cjs', { GOSTATS_LIBRARY_PATH: alt }), `${alt} 2`);
    assert.equal(envVarName('@acme/go-stats.x'), 'ACME_GO_STATS_X_LIBRARY_PATH');

    // Electron: the app in app.asar, its native files in app.asar.unpacked. Here
    // both are directories, and the library inside "app.asar" is not one,
    // so only the unpacked copy can load.
    const resources = path.join(work, 'electron', 'resources');
    const asar = path.join(resources, 'app.asar');
    fs.cpSync(path.join(project, 'node_modules'), path.join(asar, 'node_modules'), { recursive: true });
    const inAsar = path.join(asar, 'node_modules', `${NAME}-${host}`, 'libgostats.so');
    fs.writeFileSync(inAsar, 'not a library: the system loader cannot read inside an asar archive');
    const unpackedLib = path.join(resources, 'app.asar.unpacked', 'node_modules', `${NAME}-${host}`, 'libgostats.so');
    fs.mkdirSync(path.dirname(unpackedLib), { recursive: true });
    fs.copyFileSync(path.join(out, 'npm', host, 'libgostats.so'), unpackedLib);
    fs.writeFileSync(path.join(asar, 'main.cjs'), `const g = require('${NAME}'); console.log(g.library.path, g.Stats([1, 3]).mean)\n`);
    assert.equal(run(process.execPath, [path.join(asar, 'main.cjs')], { cwd: resources, env }).trim(), `${unpackedLib} 2`);

    // Without the platform package: an error naming it and the override.
    fs.renameSync(path.join(project, 'node_modules', `${NAME}-${host}`), path.join(work, 'moved'));
    fs.writeFileSync(path.join(project, 'missing.cjs'), `try { require('${NAME}') } catch (e) { console.log(e.code + ': ' + e.message) }\n`);
    const missing = node('missing.cjs');
    assert.match(missing, /^MODULE_NOT_FOUND: gostats: the package gostats-linux-x64-gnu, which holds the library for linux-x64-gnu, is not installed\./);
    assert.match(missing, /set GOSTATS_LIBRARY_PATH to the library's path/);
    assert.equal(node('path.cjs', { GOSTATS_LIBRARY_PATH: alt }), `${alt} 2`);
    fs.renameSync(path.join(work, 'moved'), path.join(project, 'node_modules', `${NAME}-${host}`));

    // The typings, for import (index.d.mts) and require (index.d.ts), under tsc --strict.
    fs.writeFileSync(
      path.join(project, 'use.mts'),
      `import { Stats, MinMax, Reverse, library, type Stats_return } from '${NAME}'
import gostats from '${NAME}'
const s: Stats_return = Stats([1.5, 2.5])
const mean: number = gostats.Stats(new Float64Array(2)).mean
const ok: boolean = MinMax(new Int32Array(1)).ok
const r: string | null = Reverse('abc')
const p: string | null = library.path
// @ts-expect-error a []float64 takes no Int32Array
Stats(new Int32Array(3))
// @ts-expect-error MinMax's result has no field mean
MinMax([1]).mean
void [s, mean, ok, r, p]
`,
    );
    fs.writeFileSync(
      path.join(project, 'use.cts'),
      `import { Stats, Pick, library } from '${NAME}'
import gostats = require('${NAME}')
const n: number | bigint = Stats([1]).n
const x: number | bigint = Pick(true, 1, 2)
// @ts-expect-error Pick's first is a bool
Pick(1, 2, 3)
// @ts-expect-error Clamp takes three numbers
gostats.Clamp(1, 2)
void [n, x, library.constants]
`,
    );
    fs.writeFileSync(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, noEmit: true, target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', types: [], skipLibCheck: false },
        files: ['use.mts', 'use.cts'],
      }),
    );
    const tsc = path.join(repo, 'node_modules', '.bin', 'tsc');
    assert.ok(fs.existsSync(tsc), `${tsc} is missing (typescript is a devDependency: npm ci)`);
    const tscRun = spawnSync(tsc, ['-p', project], { cwd: project, env, encoding: 'utf8' });
    assert.equal(tscRun.status, 0, `tsc --strict failed:\n${tscRun.stdout}${tscRun.stderr}`);
  });
});

test('go pack errors: a missing directory, unknown targets, no Go, no //export functions, darwin from Linux', (t) => {
  const base = path.join(tmpDir(), 'errors');
  fs.mkdirSync(base, { recursive: true });
  const fail = (args, env, status = 1) => {
    const r = goPack(args, env);
    assert.equal(r.status, status, `exit status of go pack ${args.join(' ')}:\n${r.stderr}`);
    return r.stderr;
  };

  assert.match(fail([path.join(base, 'nothing-here'), '--name', 'x']), /^cshared go pack: .*nothing-here: no such directory\n$/);
  assert.match(
    fail([gostats, '--targets', 'linux-x64-gnu,beos-x86,win64'], process.env, 2),
    /^cshared go pack: unknown targets 'beos-x86', 'win64': the targets are linux-x64-gnu, linux-arm64-gnu, darwin-x64, darwin-arm64, win32-x64, win32-arm64\n/,
  );
  assert.match(fail([gostats, '--name', 'Not A Name'], process.env, 2), /'Not A Name' is not an npm package name/);
  assert.match(fail([gostats, '--only', 'win32-arm64', '--targets', 'linux-x64-gnu'], process.env, 2), /--only win32-arm64: not among --targets/);

  // No Go: PATH with only node's directory, and GO unset.
  const noGo = { ...process.env };
  for (const k of Object.keys(noGo)) if (/^(path|go)$/i.test(k)) delete noGo[k];
  noGo.PATH = path.dirname(process.execPath);
  assert.equal(spawnSync('go', ['version'], { env: noGo }).error?.code, 'ENOENT', 'go is next to node');
  assert.match(fail([gostats, '--out', path.join(base, 'o1')], noGo), /^cshared go pack: no Go toolchain: `go` is not on PATH\. Install Go >= 1\.21/);

  if (!goToolchain()) {
    if (inCI) throw new Error('Go >= 1.21 is required in CI but was not found');
    return t.skip('the rest needs Go');
  }
  // A package with no //export functions, and one that is not package main.
  const plain = path.join(base, 'plain');
  fs.mkdirSync(plain);
  fs.writeFileSync(path.join(plain, 'go.mod'), 'module example.com/plain\n\ngo 1.21\n');
  fs.writeFileSync(path.join(plain, 'main.go'), 'package main\n\nimport "C"\n\n// Add is not exported to C.\nfunc Add(a, b int) int { return a + b }\n\nfunc main() {}\n');
  assert.match(fail([plain, '--out', path.join(base, 'o2')]), /plain exports no functions: mark them with an \/\/export Name comment/);
  const lib = path.join(base, 'notmain');
  fs.mkdirSync(lib);
  fs.writeFileSync(path.join(lib, 'go.mod'), 'module example.com/notmain\n\ngo 1.21\n');
  fs.writeFileSync(path.join(lib, 'lib.go'), 'package stats\n\nimport "C"\n\n//export Add\nfunc Add(a, b int) int { return a + b }\n');
  assert.match(fail([lib, '--out', path.join(base, 'o3')]), /notmain is package stats: -buildmode=c-shared needs package main/);
  assert.match(fail([gostats, '--free', 'Nope', '--out', path.join(base, 'o4')], process.env, 2), /--free Nope: .* exports no function Nope/);
  // A --free that load() refuses fails the pack (the host's library is loaded as the package would load it).
  const here = hostTarget();
  if (here) {
    assert.match(
      fail([gostats, '--targets', here, '--free', 'Stats', '--out', path.join(base, 'o6')]),
      new RegExp(`cshared go pack: the ${here} library does not load as the package loads it: load\\(\\): options\\.free\\.Stats: .*needs a char \\* result`),
    );
  }

  // darwin from Linux, asked for by --only (as a CI job would): an error, and the workflow is written.
  if (process.platform !== 'darwin') {
    const o5 = path.join(base, 'o5');
    const err = fail([gostats, '--targets', 'linux-x64-gnu,darwin-arm64', '--only', 'darwin-arm64', '--out', o5]);
    assert.match(err, /cshared go pack: darwin-arm64 cannot be built here: macOS libraries link against the macOS SDK, which only a Mac has: the workflow builds darwin-arm64 on macos-latest/);
    assert.ok(fs.existsSync(path.join(o5, '.github', 'workflows', 'release.yml')), 'the workflow was not written');
    assert.ok(!fs.existsSync(path.join(o5, 'gostats')), 'a main package with no library built');
  }
});
