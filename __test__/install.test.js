'use strict';
// The package as a user gets it: `npm pack` the root package and the
// linux-x64-gnu platform package (as `napi prepublish` would publish them),
// install both tarballs into a fresh project outside the repo with no Rust
// toolchain on PATH, and use cshared from there: require(), import, and the
// typings under tsc --strict. Runs on linux-x64 with glibc only, where the
// binary `npm run build` made is the linux-x64-gnu one.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const repo = path.join(__dirname, '..');
const rootPkg = require('../package.json');
const triple = 'linux-x64-gnu';
const binaryName = `${rootPkg.napi.binaryName}.${triple}.node`;
const platformPkgName = `${rootPkg.name}-${triple}`;
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepare'];

function isGlibc() {
  const report = process.report && process.report.getReport();
  return Boolean(report && report.header && report.header.glibcVersionRuntime);
}

/** Why this machine cannot run the test, or null. */
function skipReason() {
  if (process.platform !== 'linux' || process.arch !== 'x64' || !isGlibc()) {
    return `the install test needs linux-x64 with glibc (the ${triple} binary); this is ${process.platform}-${process.arch}${process.platform === 'linux' && !isGlibc() ? ' (musl)' : ''}`;
  }
  if (!fs.existsSync(path.join(repo, binaryName))) {
    return `${binaryName} is not built; run \`npm run build\` first`;
  }
  return null;
}

/** PATH without any directory that holds cargo, rustc or rustup, with node, npm and cc still reachable. */
function pathWithoutRust(tmp) {
  const dirs = (process.env.PATH || '').split(path.delimiter).filter(Boolean);
  const has = (dir, name) => {
    try {
      fs.accessSync(path.join(dir, name), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  const find = (name) => dirs.find((d) => has(d, name));
  const rusty = (d) => ['cargo', 'rustc', 'rustup'].some((n) => has(d, n));
  const kept = dirs.filter((d) => !rusty(d));
  // A directory shared with the Rust tools (say /usr/bin with Debian's
  // cargo) is dropped as a whole; what the test needs from it comes back
  // through links in a directory of its own.
  const shim = path.join(tmp, 'bin');
  fs.mkdirSync(shim, { recursive: true });
  for (const name of ['node', 'npm', 'cc']) {
    if (kept.some((d) => has(d, name))) continue;
    const dir = find(name);
    const from = name === 'node' ? process.execPath : dir && path.join(dir, name);
    if (from) fs.symlinkSync(from, path.join(shim, name));
  }
  return [shim, ...kept].join(path.delimiter);
}

function run(cmd, args, opts) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}\n${r.stdout}\n${r.stderr}`);
  }
  return r.stdout;
}

/** `npm pack` in dir into dest; returns npm's description of the tarball. */
function pack(dir, dest, env) {
  const out = run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dest], { cwd: dir, env });
  const [info] = JSON.parse(out.slice(out.indexOf('[')));
  info.path = path.join(dest, info.filename);
  info.bytes = fs.statSync(info.path).size;
  return info;
}

const kB = (n) => `${(n / 1024).toFixed(1)} kB`;

/** Skips the test with the reason this machine cannot run it; in CI on linux-x64 that is a failure. */
function skipped(t) {
  const reason = skipReason();
  if (!reason) return false;
  if (process.env.CI === 'true' && process.platform === 'linux' && process.arch === 'x64' && isGlibc()) {
    throw new Error(`the install test must run in CI on linux-x64: ${reason}`);
  }
  t.skip(reason);
  return true;
}

let tmp;
test.after(() => tmp && fs.rmSync(tmp, { recursive: true, force: true }));

/** A project dir with a package.json, under this file's temporary folder. */
function freshProject(name) {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `cshared-${name}`, version: '1.0.0', private: true }, null, 2));
  return dir;
}

const npmInstallArgs = ['install', '--offline', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=warn'];

let packed;
/** Packs both packages once: { env, root, platform }. */
function packOnce(t) {
  if (packed) return packed;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cshared-install-'));
  const tarballs = path.join(tmp, 'tarballs');
  fs.mkdirSync(tarballs);

  const env = { ...process.env, PATH: pathWithoutRust(tmp) };
  // Nothing below may reach for a Rust toolchain, nor build anything: npm
  // must not find cargo even if an install script asked for it.
  for (const tool of ['cargo', 'rustc']) {
    const probe = spawnSync(tool, ['--version'], { env, encoding: 'utf8' });
    assert.equal(probe.error && probe.error.code, 'ENOENT', `${tool} is still on the test's PATH`);
  }
  // Run from `npm test`, the environment has npm's settings for this repo
  // (npm_config_local_prefix and the like): none of them may reach the
  // npm commands that pack and install elsewhere.
  for (const k of Object.keys(env)) if (/^npm_/i.test(k) || k === 'INIT_CWD') delete env[k];
  delete env.CARGO;
  delete env.RUSTC;
  delete env.NAPI_RS_NATIVE_LIBRARY_PATH;
  delete env.NODE_OPTIONS;
  env.NAPI_RS_ENFORCE_VERSION_CHECK = '1';
  env.npm_config_audit = 'false';
  env.npm_config_fund = 'false';
  env.npm_config_update_notifier = 'false';

  // The root package: the loader and typings, never a binary.
  const root = pack(repo, tarballs, env);
  const rootFiles = root.files.map((f) => f.path).sort();
  assert.ok(rootFiles.includes('index.js') && rootFiles.includes('index.d.ts'), `root tarball lacks the loader or typings: ${rootFiles}`);
  assert.deepEqual(rootFiles.filter((f) => f.endsWith('.node')), [], 'the root tarball must not carry a .node binary');
  assert.ok(!rootFiles.includes('binding.gyp'), 'a binding.gyp would make npm run node-gyp on install');

  // The platform package: npm/linux-x64-gnu plus the built binary, in a
  // copy, so the repo's npm/ folder stays free of build outputs.
  const platformDir = path.join(tmp, triple);
  fs.cpSync(path.join(repo, 'npm', triple), platformDir, { recursive: true });
  fs.copyFileSync(path.join(repo, binaryName), path.join(platformDir, binaryName));
  const platformManifest = JSON.parse(fs.readFileSync(path.join(platformDir, 'package.json'), 'utf8'));
  assert.equal(platformManifest.name, platformPkgName);
  assert.equal(platformManifest.version, rootPkg.version, `npm/${triple}/package.json must have the root version`);
  assert.equal(platformManifest.main, binaryName);
  const platform = pack(platformDir, tarballs, env);
  assert.deepEqual(platform.files.map((f) => f.path).sort(), [binaryName, 'README.md', 'package.json'].sort());

  const nodeBytes = fs.statSync(path.join(repo, binaryName)).size;
  t.diagnostic(`${binaryName}: ${kB(nodeBytes)}`);
  t.diagnostic(`${root.filename}: ${kB(root.bytes)} packed, ${kB(root.unpackedSize)} unpacked, ${root.entryCount} files`);
  t.diagnostic(`${platform.filename}: ${kB(platform.bytes)} packed, ${kB(platform.unpackedSize)} unpacked, ${platform.entryCount} files`);
  packed = { env, root, platform };
  return packed;
}

test('install from the packed tarballs, with no Rust toolchain: require, import, typings', (t) => {
  if (skipped(t)) return;
  const { env, root, platform } = packOnce(t);

  // A fresh project, outside the repo, that installs the two tarballs.
  const project = freshProject('project');
  const installLog = run('npm', [...npmInstallArgs, root.path, platform.path], { cwd: project, env });
  assert.doesNotMatch(installLog, /^> .* (preinstall|install|postinstall|prepare)$/m, 'an install script ran');

  // What was installed declares no install script (npm 11 refuses
  // unapproved ones; cshared needs none), and has no binding.gyp.
  for (const name of [rootPkg.name, platformPkgName]) {
    const dir = path.join(project, 'node_modules', name);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    assert.equal(manifest.version, rootPkg.version, `${name} version`);
    const scripts = Object.keys(manifest.scripts || {}).filter((s) => INSTALL_SCRIPTS.includes(s));
    assert.deepEqual(scripts, [], `${name} declares install scripts`);
    assert.ok(!fs.existsSync(path.join(dir, 'binding.gyp')), `${name} has a binding.gyp`);
  }
  assert.deepEqual(
    fs.readdirSync(path.join(project, 'node_modules', rootPkg.name)).filter((f) => f.endsWith('.node')),
    [],
    'the installed root package has a .node of its own',
  );

  // The seed example's library, built here with the system C compiler.
  fs.writeFileSync(path.join(project, 'modxy.c'), 'long long ModXY(long long x, long long y) { return x % y; }\n');
  run(process.env.CC || 'cc', ['-shared', '-fPIC', '-O2', '-o', 'libmod.so', 'modxy.c'], { cwd: project, env });

  // CommonJS. The binding must come from the platform package.
  fs.writeFileSync(
    path.join(project, 'seed.cjs'),
    `const { load } = require('cshared')
const binding = require.resolve('${platformPkgName}')
if (!binding.includes('/node_modules/${platformPkgName}/')) throw new Error('binding resolved to ' + binding)
const lib = load('./libmod.so')
const ModXY = lib.func('long long ModXY(long long x, long long y)')
console.log(ModXY(13, 2))
`,
  );
  assert.equal(run(process.execPath, ['seed.cjs'], { cwd: project, env }).trim(), '1');

  // ESM: a named import of a CommonJS package.
  fs.writeFileSync(
    path.join(project, 'seed.mjs'),
    `import { load } from 'cshared'
const lib = load('./libmod.so')
const ModXY = lib.func('long long ModXY(long long x, long long y)')
console.log(ModXY(13, 2))
`,
  );
  assert.equal(run(process.execPath, ['seed.mjs'], { cwd: project, env }).trim(), '1');

  // The typings, as the installed package resolves them, under tsc --strict.
  const tsc = path.join(repo, 'node_modules', '.bin', 'tsc');
  assert.ok(fs.existsSync(tsc), `${tsc} is missing (typescript is a devDependency: npm ci)`);
  fs.writeFileSync(
    path.join(project, 'seed.ts'),
    `import { load, type Library } from 'cshared'
const lib: Library = load('./libmod.so')
const ModXY = lib.func('long long ModXY(long long x, long long y)')
const r: number | bigint = ModXY(13, 2)
console.log(r)
// The typings are real, not any: the prototype fixes the parameter count.
// @ts-expect-error ModXY takes two arguments
ModXY(13)
`,
  );
  fs.writeFileSync(
    path.join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: 'es2022',
        module: 'nodenext',
        moduleResolution: 'nodenext',
        types: [],
        skipLibCheck: false,
      },
      files: ['seed.ts'],
    }),
  );
  const tscRun = spawnSync(tsc, ['-p', project], { cwd: project, env, encoding: 'utf8' });
  assert.equal(tscRun.status, 0, `tsc --strict failed:\n${tscRun.stdout}${tscRun.stderr}`);
});

test('without the platform package, loading cshared fails and the error names the missing package', (t) => {
  if (skipped(t)) return;
  const { env, root } = packOnce(t);
  const project = freshProject('no-binary');
  run('npm', [...npmInstallArgs, root.path], { cwd: project, env });
  fs.writeFileSync(
    path.join(project, 'load.cjs'),
    `try {
  require('cshared')
  console.log(JSON.stringify({ loaded: true }))
} catch (e) {
  const chain = []
  for (let c = e; c; c = c.cause) chain.push(String(c.message).split('\\n')[0])
  console.log(JSON.stringify({ loaded: false, chain }))
}
`,
  );
  const result = JSON.parse(run(process.execPath, ['load.cjs'], { cwd: project, env }));
  assert.equal(result.loaded, false, 'cshared loaded with no binary installed');
  t.diagnostic(`the loader's error: ${result.chain[0]}`);
  t.diagnostic(`its causes: ${result.chain.slice(1).join(' <- ')}`);
  // The generated loader's own message does not name the package; the
  // package appears in the chain of causes (error.cause), which Node prints.
  assert.ok(
    result.chain.some((m) => m.includes(`Cannot find module '${platformPkgName}'`)),
    `no error in the chain names ${platformPkgName}:\n${result.chain.join('\n')}`,
  );
});

test("the accelerator package for this Node's ABI, installed beside cshared, is used; without it, cshared runs on Node-API", (t) => {
  if (skipped(t)) return;
  const { env, root, platform } = packOnce(t);
  const abi = process.versions.modules;
  const fastName = `${rootPkg.name}-fast-${triple}-abi${abi}`;
  const fastFile = `${rootPkg.name}-fast.${triple}.abi${abi}.node`;
  const built = path.join(repo, fastFile);
  const fastDir = path.join(repo, 'npm', `fast-${triple}-abi${abi}`);
  if (!fs.existsSync(fastDir) || !fs.existsSync(built)) {
    if (process.env.CI === 'true') throw new Error(`${fastFile} or npm/fast-${triple}-abi${abi} is missing (node accel/build.js)`);
    return t.skip(`no accelerator built for Node ABI ${abi}`);
  }
  // The package as accel/prepublish.js publishes it: npm/fast-<platform>-abi<N> plus the file.
  const dir = path.join(tmp, `fast-${triple}-abi${abi}`);
  fs.cpSync(fastDir, dir, { recursive: true });
  fs.copyFileSync(built, path.join(dir, fastFile));
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  assert.equal(manifest.name, fastName);
  assert.equal(manifest.version, rootPkg.version, `npm/fast-${triple}-abi${abi}/package.json must have the root version`);
  assert.equal(manifest.main, fastFile);
  const fast = pack(dir, path.join(tmp, 'tarballs'), env);
  assert.deepEqual(fast.files.map((f) => f.path).sort(), [fastFile, 'package.json'].sort());
  t.diagnostic(`${fast.filename}: ${kB(fast.bytes)} packed`);

  const script = `const c = require('cshared')
const lib = c.load('./libmod.so')
const ModXY = lib.func('long long ModXY(long long x, long long y)')
let s = 0
for (let i = 0; i < 200000; i++) s += ModXY(13, 2)
const st = c.fastCalls()
console.log(JSON.stringify({ s, active: st.active, accelerator: st.accelerator, reason: st.reason, fast: st.fast }))
`;
  const withIt = freshProject('with-accelerator');
  run('npm', [...npmInstallArgs, root.path, platform.path, fast.path], { cwd: withIt, env });
  const without = freshProject('without-accelerator');
  run('npm', [...npmInstallArgs, root.path, platform.path], { cwd: without, env });
  const results = {};
  for (const [name, project] of [['with', withIt], ['without', without]]) {
    fs.writeFileSync(path.join(project, 'modxy.c'), 'long long ModXY(long long x, long long y) { return x % y; }\n');
    run(process.env.CC || 'cc', ['-shared', '-fPIC', '-O2', '-o', 'libmod.so', 'modxy.c'], { cwd: project, env });
    fs.writeFileSync(path.join(project, 'fast.cjs'), script);
    results[name] = JSON.parse(run(process.execPath, ['fast.cjs'], { cwd: project, env: { ...env, CSHARED_FAST: '' } }));
  }
  assert.equal(results.with.s, 200000);
  assert.equal(results.with.active, true, JSON.stringify(results.with));
  assert.equal(results.with.accelerator, path.join(fs.realpathSync(withIt), 'node_modules', fastName, fastFile));
  assert.ok(results.with.fast > 100000, `only ${results.with.fast} calls took the fast path`);
  assert.equal(results.without.s, 200000);
  assert.equal(results.without.active, false);
  assert.match(results.without.reason, new RegExp(`no accelerator for Node ABI ${abi} is installed`));
});
