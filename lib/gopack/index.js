'use strict';
// `cshared go pack DIR`: builds a Go package as a c-shared library for each
// target and writes npm packages for it (one per platform holding only the
// library, and the main package with the loader, typings, header and Go
// signatures), plus a GitHub Actions workflow that builds every target on
// its own runner and publishes.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { TARGETS, ALL, libraryFile, hostTarget } = require('./targets');
const t = require('./templates');

const csharedPkg = require('../../package.json');

const usage = `Usage:
  cshared go pack <dir> [--name <npm name>] [--targets <t,...>] [--only <t,...>] [--out <dir>]
                  [--version <semver>] [--free <Fn[=freeFn],...>] [--description <text>]
                  [--license <spdx>] [--repository <url>] [--zig <path>] [--workflow <file>]

Builds the Go package in <dir> (package main with //export functions) as a
c-shared library for each target, and writes npm packages for it into --out
(default: dist):

  <out>/npm/<target>/      <name>-<target>: the library alone (os, cpu, libc set)
  <out>/<name>/            <name>: the loader (require and import), typings, the
                           header and the Go signatures; optionalDependencies on
                           the platform packages, a dependency on cshared
  <out>/.github/workflows/release.yml   builds every target on its own runner
                           and publishes (copy it to the repository's .github/)

Targets (default: all): ${ALL.join(', ')}.
The running platform's target is built with Go's C compiler; the others with
zig (\`zig\` on PATH, --zig, $ZIG, or Python's ziglang: pip install ziglang).
macOS libraries need a Mac: elsewhere they are left to the workflow.
--only builds just those targets (the package still lists all of --targets).
--free names the functions whose *C.char results are the caller's to free
(with free(), or =TheirFreeFunction), as load()'s free option.
--name defaults to the last element of the go.mod module path.`;

class PackError extends Error {
  constructor(message, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

const usageError = (msg) => new PackError(msg, 2);

const list = (v) =>
  String(v)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function parseArgs(argv) {
  const o = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const flag = eq > 0 ? a.slice(0, eq) : a;
    const value = () => {
      if (eq > 0) return a.slice(eq + 1);
      if (i + 1 >= argv.length) throw usageError(`${flag} needs a value`);
      return argv[++i];
    };
    switch (flag) {
      case '--name':
      case '--out':
      case '--version':
      case '--description':
      case '--license':
      case '--repository':
      case '--zig':
      case '--workflow':
        o[flag.slice(2)] = value();
        break;
      case '--targets':
      case '--only':
        o[flag.slice(2)] = list(value());
        break;
      case '--free':
        o.free = value();
        break;
      case '-h':
      case '--help':
        o.help = true;
        break;
      default:
        if (a.startsWith('-')) throw usageError(`unknown option ${a}`);
        if (o.dir !== undefined) throw usageError(`unexpected argument ${a}`);
        o.dir = a;
    }
  }
  return o;
}

/** `Reverse,Slugify=TkFree` → { Reverse: true, Slugify: 'TkFree' }. */
function parseFree(spec) {
  const out = {};
  for (const item of list(spec || '')) {
    const [fn, freeFn] = item.split('=');
    out[fn] = freeFn ? freeFn : true;
  }
  return out;
}

/** Runs a command; returns { status, stdout, stderr, error }. */
function run(cmd, args, opts = {}) {
  return spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
}

/** Go's command and version, or a PackError saying there is none. */
function goToolchain(env) {
  const go = env.GO || 'go';
  const r = run(go, ['env', 'GOVERSION', 'CC', 'GOCACHE'], { env });
  if (r.error && r.error.code === 'ENOENT') {
    throw new PackError(
      `no Go toolchain: \`${go}\` is not on PATH. Install Go >= 1.21 (https://go.dev/dl/) or set GO to the go command.`,
    );
  }
  if (r.status !== 0) throw new PackError(`\`${go} env\` failed:\n${r.stderr || r.error}`);
  const [version, cc] = r.stdout.split('\n');
  const m = /^go(\d+)\.(\d+)/.exec(version);
  if (m && Number(m[1]) === 1 && Number(m[2]) < 21) {
    throw new PackError(`${version} is too old: cshared needs Go >= 1.21 (older Go pays about 2 µs on every call into it)`);
  }
  return { go, version, cc: cc.trim() };
}

/** Whether a command can be found (a path, or a name on PATH). */
function onPath(cmd, env) {
  if (!cmd) return false;
  const exts = process.platform === 'win32' ? (env.PATHEXT || '.EXE;.CMD;.BAT').split(';').concat('') : [''];
  const dirs = cmd.includes('/') || cmd.includes('\\') ? [''] : (env.PATH || '').split(path.delimiter);
  return dirs.some((d) => exts.some((e) => {
    try {
      fs.accessSync(path.join(d, cmd + e), fs.constants.X_OK);
      return fs.statSync(path.join(d, cmd + e)).isFile();
    } catch {
      return false;
    }
  }));
}

/** zig: { cmd: [...], version, how }, or null. */
function findZig(explicit, env) {
  const tryZig = (cmd, how) => {
    const r = run(cmd[0], [...cmd.slice(1), 'version'], { env });
    return r.status === 0 ? { cmd, version: r.stdout.trim(), how } : null;
  };
  if (explicit) {
    const z = tryZig([explicit], explicit);
    if (!z) throw new PackError(`--zig ${explicit}: \`${explicit} version\` did not run`);
    return z;
  }
  const fromPath = tryZig(['zig'], 'zig on PATH');
  if (fromPath) return fromPath;
  // Python's ziglang package (pip install ziglang): its zig binary, called
  // directly rather than through `python -m ziglang` each time.
  const locate =
    'import os, sys, ziglang; d = os.path.dirname(ziglang.__file__); ' +
    'print(os.path.join(d, "zig.exe" if sys.platform == "win32" else "zig"))';
  for (const py of ['python3', 'python']) {
    const r = run(py, ['-c', locate], { env });
    if (r.status !== 0) continue;
    const bin = r.stdout.trim();
    const z = (fs.existsSync(bin) && tryZig([bin], `${py}'s ziglang`)) || tryZig([py, '-m', 'ziglang'], `${py} -m ziglang`);
    if (z) return z;
  }
  return null;
}

/** Go's CC takes a command line; fields with spaces are quoted as cmd/internal/quoted reads them. */
function ccLine(args) {
  return args.map((a) => (/[\s'"]/.test(a) ? (a.includes("'") ? `"${a}"` : `'${a}'`) : a)).join(' ');
}

/** The Go build's signatures reader (exports.go), run with the Go toolchain. */
function readExports(go, dir, targets, env) {
  const platforms = [...new Set(targets.map((x) => `${TARGETS[x].goos}/${TARGETS[x].goarch}`))];
  const script = path.join(__dirname, 'exports.go');
  const r = run(go, ['run', script, dir, ...platforms], {
    cwd: os.tmpdir(),
    env: (() => {
      // The reader runs on this machine, whatever the targets; it needs no cgo.
      const e = { ...env, GOFLAGS: '', GOWORK: 'off', CGO_ENABLED: '0' };
      delete e.GOOS;
      delete e.GOARCH;
      return e;
    })(),
  });
  let res;
  try {
    res = JSON.parse(r.stdout);
  } catch {
    throw new PackError(`reading the //export functions of ${dir} failed:\n${r.stderr || r.stdout || r.error}`);
  }
  if (res.error) throw new PackError(res.error);
  return res;
}

/** What a library file is, from its first bytes: { format, arch } or null. */
function describeBinary(file) {
  const fd = fs.openSync(file, 'r');
  const b = Buffer.alloc(4096);
  const n = fs.readSync(fd, b, 0, b.length, 0);
  fs.closeSync(fd);
  if (n >= 20 && b.readUInt32BE(0) === 0x7f454c46) {
    const machine = b.readUInt16LE(18);
    return { format: 'ELF', arch: { 0x3e: 'x64', 0xb7: 'arm64' }[machine] || `machine 0x${machine.toString(16)}` };
  }
  if (n >= 8 && b.readUInt32LE(0) === 0xfeedfacf) {
    const cpu = b.readUInt32LE(4);
    return { format: 'Mach-O', arch: { 0x01000007: 'x64', 0x0100000c: 'arm64' }[cpu] || `cputype 0x${cpu.toString(16)}` };
  }
  if (n >= 64 && b.toString('latin1', 0, 2) === 'MZ') {
    const pe = b.readUInt32LE(0x3c);
    if (pe + 6 <= n && b.toString('latin1', pe, pe + 4) === 'PE\0\0') {
      const machine = b.readUInt16LE(pe + 4);
      return { format: 'PE', arch: { 0x8664: 'x64', 0xaa64: 'arm64' }[machine] || `machine 0x${machine.toString(16)}` };
    }
  }
  return null;
}

const mb = (n) => `${(n / 1048576).toFixed(1)} MB`;
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** Where the repository that holds `dir` starts (a .git above it), or null. */
function repoRoot(dir) {
  for (let d = dir; ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, '.git'))) return d;
    if (path.dirname(d) === d) return null;
  }
}

const posix = (p) => p.split(path.sep).join('/');

/** The name from go.mod's module path: `github.com/acme/GoStats` → `gostats`. */
function defaultName(dir) {
  let text;
  try {
    text = fs.readFileSync(path.join(dir, 'go.mod'), 'utf8');
  } catch {
    throw usageError(`--name is needed: ${dir} has no go.mod to take the name from`);
  }
  const m = /^module\s+"?([^\s"]+)"?/m.exec(text);
  if (!m) throw usageError(`--name is needed: no module line in ${path.join(dir, 'go.mod')}`);
  const last = m[1].split('/').filter((s) => !/^v\d+$/.test(s)).pop();
  return last.toLowerCase().replace(/[^a-z0-9._-]+/g, '-');
}

// Run as `node -e LOAD_CHECK '[csharedDir, library, mainDir, header, free]'`:
// loads the library with the main package's header and Go signatures.
const LOAD_CHECK = `
const fs = require('node:fs');
const path = require('node:path');
const [cshared, lib, dir, header, free, names] = JSON.parse(process.argv[1]);
try {
  const read = (f) => ({ text: fs.readFileSync(path.join(dir, f), 'utf8'), path: path.join(dir, f) });
  const l = require(cshared).load(lib, { header: read(header), goSource: read('exports.go'), free });
  const skipped = l.skipped.filter((s) => s.reason.startsWith('goSource')).map((s) => s.reason.replace(/^goSource: /, ''));
  const missing = names.filter((n) => typeof l.functions[n] !== 'function');
  if (missing.length) throw new Error('the header lacks ' + missing.join(', '));
  console.log(JSON.stringify({ functions: names.length, skipped }));
} catch (e) {
  console.log(JSON.stringify({ error: e.message }));
}
`;

const NPM_NAME = /^(@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/;
const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/**
 * Packs the Go package. Options as the command line's (dir, name, targets,
 * only, out, version, free, description, license, repository, zig,
 * workflow), plus env and log (a function taking a line). Returns what it
 * did: { out, main, platforms: { target: dir }, built, notBuilt, workflow }.
 */
function pack(opts) {
  const env = opts.env || process.env;
  const log = opts.log || ((line) => process.stderr.write(`${line}\n`));
  if (!opts.dir) throw usageError('go pack needs the Go package directory');
  const dir = path.resolve(opts.dir);
  if (!fs.existsSync(dir)) throw new PackError(`${opts.dir}: no such directory`);
  if (!fs.statSync(dir).isDirectory()) throw new PackError(`${opts.dir} is not a directory (go pack takes the Go package's directory)`);

  const targets = opts.targets && opts.targets.length ? [...new Set(opts.targets)] : ALL;
  const unknown = targets.filter((x) => !TARGETS[x]);
  if (unknown.length) {
    throw usageError(`unknown target${unknown.length > 1 ? 's' : ''} ${unknown.map((x) => `'${x}'`).join(', ')}: the targets are ${ALL.join(', ')}`);
  }
  const only = opts.only && opts.only.length ? [...new Set(opts.only)] : null;
  if (only) {
    const stray = only.filter((x) => !targets.includes(x));
    if (stray.length) throw usageError(`--only ${stray.join(', ')}: not among --targets (${targets.join(', ')})`);
  }
  const name = opts.name || defaultName(dir);
  if (!NPM_NAME.test(name) || name.length > 214) {
    throw usageError(`'${name}' is not an npm package name (lowercase letters, digits, - . _, optionally @scope/)`);
  }
  const version = opts.version || '0.1.0';
  if (!SEMVER.test(version)) throw usageError(`--version '${version}' is not a version (1.2.3)`);
  const free = parseFree(opts.free);
  const out = path.resolve(opts.out || 'dist');

  const go = goToolchain(env);
  log(`${go.version}; reading the //export functions of ${dir}`);
  const src = readExports(go.go, dir, targets, env);
  const exportNames = src.exports.map((e) => e.name);
  for (const fn of Object.keys(free)) {
    if (!exportNames.includes(fn)) throw usageError(`--free ${fn}: ${dir} exports no function ${fn}`);
  }
  if (exportNames.includes('library')) {
    throw new PackError(`${dir} exports a function named library, which the package uses for its Library object: rename it`);
  }
  log(`exports: ${exportNames.join(', ')}`);
  const unfreed = src.exports.filter((e) => e.cstring && !free[e.name]).map((e) => e.name);
  if (unfreed.length) {
    log(`note: ${unfreed.join(', ')} return${unfreed.length === 1 ? 's' : ''} *C.char; if from C.CString, pass --free ${unfreed.join(',')} so the loader frees them`);
  }
  const skippedNames = exportNames.filter((n) => !t.exportableName(n));
  if (skippedNames.length) {
    log(`note: ${skippedNames.join(', ')} cannot be named ESM exports (reserved words): use the default export or library.functions`);
  }

  // Where each target is built, and with what.
  const host = hostTarget();
  const hostOs = process.platform;
  let zig;
  const needZig = (only || targets).some((x) => x !== host && TARGETS[x].os !== 'darwin');
  const hostCcMissing = go.cc && !onPath(go.cc.split(/\s+/)[0], env);
  if (needZig || hostCcMissing) zig = findZig(opts.zig || env.ZIG, env);
  if (zig) log(`zig ${zig.version} (${zig.how})`);
  const workflowFile = path.resolve(opts.workflow || path.join(out, '.github', 'workflows', 'release.yml'));
  const wfRel = posix(path.relative(process.cwd(), workflowFile)) || workflowFile;

  const plan = (target) => {
    const x = TARGETS[target];
    if (x.os === 'darwin') {
      if (hostOs !== 'darwin') {
        return { why: `macOS libraries link against the macOS SDK, which only a Mac has: the workflow builds ${target} on ${x.runner} (${wfRel})` };
      }
      return { cc: ccLine(['clang', '-arch', x.clangArch]), with: `clang -arch ${x.clangArch}` };
    }
    if (target === host && !hostCcMissing) return { with: go.cc ? `Go's C compiler (${go.cc})` : 'Go\'s C compiler' };
    if (zig) return { cc: ccLine([...zig.cmd, 'cc', '-target', x.zig]), cxx: ccLine([...zig.cmd, 'c++', '-target', x.zig]), with: `zig cc -target ${x.zig}` };
    if (target === host) return { why: `Go's C compiler (${go.cc}) is not on PATH and there is no zig` };
    return {
      why: `cross-compiling from ${host || `${process.platform}-${process.arch}`} needs zig (pip install ziglang, or zig on PATH): the workflow builds ${target} on ${x.runner} (${wfRel})`,
    };
  };

  const base = t.baseName(name);
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'cshared-gopack-'));
  const built = {};
  const notBuilt = {};
  const failed = {};
  try {
    for (const target of only || targets) {
      const p = plan(target);
      if (p.why) {
        notBuilt[target] = p.why;
        log(`${target}: not built here: ${p.why}`);
        continue;
      }
      const x = TARGETS[target];
      const file = libraryFile(base, target);
      const tdir = path.join(stage, target);
      fs.mkdirSync(tdir);
      const started = Date.now();
      log(`${target}: go build -buildmode=c-shared (GOOS=${x.goos} GOARCH=${x.goarch}) with ${p.with}`);
      const benv = { ...env, GOOS: x.goos, GOARCH: x.goarch, CGO_ENABLED: '1' };
      if (p.cc) benv.CC = p.cc;
      if (p.cxx) benv.CXX = p.cxx;
      const r = run(go.go, ['build', '-buildmode=c-shared', '-trimpath', '-ldflags=-s -w', '-o', path.join(tdir, file), '.'], {
        cwd: dir,
        env: benv,
      });
      const lib = path.join(tdir, file);
      const headerFile = lib.replace(/\.[^.]+$/, '.h');
      if (r.status !== 0 || !fs.existsSync(lib) || !fs.existsSync(headerFile)) {
        failed[target] = `go build failed${r.error ? `: ${r.error.message}` : ''}\n${(r.stderr || '').trim()}`;
        log(`${target}: ${failed[target]}`);
        continue;
      }
      const what = describeBinary(lib);
      const want = { linux: 'ELF', darwin: 'Mach-O', win32: 'PE' }[x.os];
      if (!what || what.format !== want || what.arch !== x.cpu) {
        failed[target] = `go build wrote ${what ? `a ${what.format} ${what.arch}` : 'an unknown kind of'} file, not ${want} ${x.cpu}`;
        log(`${target}: ${failed[target]}`);
        continue;
      }
      const bytes = fs.statSync(lib).size;
      built[target] = { lib, file, header: fs.readFileSync(headerFile, 'utf8').replace(/\r\n/g, '\n'), bytes, ms: Date.now() - started };
      log(`${target}: ${what.format} ${what.arch}, ${mb(bytes)}, in ${secs(Date.now() - started)}`);
    }

    const builtTargets = Object.keys(built);
    const result = { out, built: {}, notBuilt, failed, platforms: {}, main: null, workflow: workflowFile };

    // The platform packages.
    const common = { name, base, version, description: opts.description, license: opts.license, repository: opts.repository };
    for (const target of builtTargets) {
      const pdir = path.join(out, 'npm', target);
      fs.rmSync(pdir, { recursive: true, force: true });
      fs.mkdirSync(pdir, { recursive: true });
      fs.copyFileSync(built[target].lib, path.join(pdir, built[target].file));
      fs.writeFileSync(path.join(pdir, 'package.json'), t.platformPackageJson(common, target));
      fs.writeFileSync(path.join(pdir, 'README.md'), t.platformReadme(common, target));
      result.platforms[target] = pdir;
      result.built[target] = { file: path.join(pdir, built[target].file), bytes: built[target].bytes, ms: built[target].ms };
    }

    // The workflow, with paths from the repository's root.
    const root = repoRoot(dir) || process.cwd();
    const inRepo = (p) => !path.relative(root, p).startsWith('..') && !path.isAbsolute(path.relative(root, p));
    const params = {
      ...common,
      targets,
      exports: exportNames,
      free,
      freeArg: Object.entries(free)
        .map(([k, v]) => (v === true ? k : `${k}=${v}`))
        .join(','),
      envVar: t.envVarName(name),
      header: `lib${base}.h`,
      iface: t.interfaceName(name),
      csharedVersion: csharedPkg.version,
      csharedRange: `^${csharedPkg.version}`,
      workflowDir: inRepo(dir) ? posix(path.relative(root, dir)) || '.' : '.',
      workflowOut: inRepo(out) && out !== root ? posix(path.relative(root, out)) : 'dist',
    };
    fs.mkdirSync(path.dirname(workflowFile), { recursive: true });
    fs.writeFileSync(workflowFile, t.workflow(params));

    // The main package, from the header of the host's build (or the first).
    if (builtTargets.length) {
      const first = built[host] ? host : builtTargets[0];
      const header = built[first].header;
      const differ = builtTargets.filter((x) => built[x].header !== header);
      if (differ.length) log(`note: the headers of ${differ.join(', ')} differ from ${first}'s; the package ships ${first}'s`);
      const mdir = path.join(out, name);
      fs.rmSync(mdir, { recursive: true, force: true });
      fs.mkdirSync(mdir, { recursive: true });
      const put = (f, text) => fs.writeFileSync(path.join(mdir, f), text);
      put(params.header, header);
      put(
        'exports.go',
        `// Code generated by cshared go pack from ${src.files.join(', ')}; DO NOT EDIT.\n` +
          `// The //export functions of ${name}'s Go package with their doc comments, bodies\n` +
          `// left out: what the loader gives cshared as goSource (typed slices, Go's\n` +
          `// result names, bool) and what index.d.ts was written from.\n\n` +
          `//go:build ignore\n\npackage main\n\n${src.source}`,
      );
      const { typings } = require('../..');
      let typingsText;
      try {
        typingsText = typings(
          { text: header, path: params.header },
          { name: params.iface, goSource: { text: fs.readFileSync(path.join(mdir, 'exports.go'), 'utf8'), path: 'exports.go' } },
        );
      } catch (e) {
        throw new PackError(`writing the typings failed: ${e.message}`);
      }
      put('types.d.ts', typingsText);
      put('index.d.ts', t.dtsCjs(params, typingsText));
      put('index.d.mts', t.dtsEsm(params, typingsText));
      put('index.js', t.loaderCjs(params));
      put('index.mjs', t.loaderEsm(params));
      put('README.md', t.mainReadme(params));
      put('package.json', t.mainPackageJson(params));
      result.main = mdir;

      // The host's library, loaded as the loader will load it (in a child
      // process: it starts a Go runtime), so that a wrong --free or a header
      // cshared cannot read fails here rather than in a user's require().
      if (built[host]) {
        const args = [path.join(__dirname, '..', '..'), result.built[host].file, mdir, params.header, free, exportNames];
        const check = run(process.execPath, ['-e', LOAD_CHECK, JSON.stringify(args)], { env: { ...env, NODE_OPTIONS: '' } });
        let report;
        try {
          report = JSON.parse(check.stdout);
        } catch {
          report = { error: (check.stderr || String(check.error)).trim() };
        }
        if (report.error) throw new PackError(`the ${host} library does not load as the package loads it: ${report.error}`);
        log(`${host}: loads with cshared (${report.functions} functions)`);
        for (const s of report.skipped) log(`note: ${s}`);
      }
    }

    // What happened, and what is next.
    log('');
    for (const target of builtTargets) log(`built    ${target}  ${path.relative(process.cwd(), result.platforms[target]) || '.'}`);
    for (const [target, why] of Object.entries(notBuilt)) log(`not here ${target}  ${why}`);
    for (const target of Object.keys(failed)) log(`FAILED   ${target}`);
    if (result.main) log(`main     ${name}  ${path.relative(process.cwd(), result.main) || '.'}`);
    log(`workflow ${wfRel}: copy it to the repository's .github/workflows/; it builds ${targets.join(', ')} and publishes`);
    if (result.main && !Object.keys(notBuilt).length && !Object.keys(failed).length) {
      const rel = (p) => posix(path.relative(process.cwd(), p)) || '.';
      log(`publish: npm publish each of ${rel(path.join(out, 'npm'))}/*, then ${rel(result.main)}`);
    }

    if (Object.keys(failed).length) {
      const err = new PackError(`go build failed for ${Object.keys(failed).join(', ')}:\n${Object.entries(failed).map(([k, v]) => `${k}: ${v}`).join('\n')}`);
      err.result = result;
      throw err;
    }
    // Targets named by --only must be built (a CI job), as must at least one.
    const missing = only ? only.filter((x) => notBuilt[x]) : [];
    if (missing.length || !builtTargets.length) {
      const err = new PackError(
        missing.length
          ? `${missing.join(', ')} cannot be built here: ${missing.map((x) => notBuilt[x]).join('; ')}`
          : `nothing could be built here (${Object.entries(notBuilt).map(([k, v]) => `${k}: ${v}`).join('; ')}); the workflow is written: ${wfRel}`,
      );
      err.result = result;
      throw err;
    }
    return result;
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

/** The command line: `cshared go pack ...` (argv after `go`). */
function main(argv) {
  const [sub, ...rest] = argv;
  try {
    if (!sub || sub === '-h' || sub === '--help') {
      process.stdout.write(`${usage}\n`);
      return;
    }
    if (sub !== 'pack') throw usageError(`unknown go command '${sub}' (there is: go pack)`);
    const o = parseArgs(rest);
    if (o.help) {
      process.stdout.write(`${usage}\n`);
      return;
    }
    pack(o);
  } catch (e) {
    if (!(e instanceof PackError)) throw e;
    process.stderr.write(`cshared go pack: ${e.message}\n${e.exitCode === 2 ? `\n${usage}\n` : ''}`);
    process.exitCode = e.exitCode;
  }
}

module.exports = { pack, main, usage, PackError, describeBinary, findZig, TARGETS };
