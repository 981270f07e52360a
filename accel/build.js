#!/usr/bin/env node
'use strict';
// Builds cshared's accelerator (accel.cc) once per Node major, against the
// headers of that Node from npm (the package node-<os>-<arch>, which ships
// bin/node and include/node; installed into build/nodes/<major>, ignored by
// git). A V8-API module is tied to one Node ABI (NODE_MODULE_VERSION), so
// there is one file per ABI:
//
//   cshared-fast.<platform>.abi<N>.node   next to cshared.<platform>.node
//                                         (the repository root), where
//                                         src/js/fast.js looks first;
//   npm/fast-<platform>-abi<N>/           with --package: the optional
//                                         package cshared-fast-<platform>-abi<N>;
//   build/accel/probes.abi<N>.node        with --probes: the test build
//                                         (-DCSHARED_FAST_PROBES).
//
// Usage: node accel/build.js [--majors=20,22,24,26|current] [--probes]
//                            [--package] [--out=DIR] [--quiet] [--optional]
// `current` is the running Node's major; --optional warns instead of
// failing (no compiler, no network: cshared then runs without it).
// As a module: nodeFor(major) (the path of that Node's binary, installed
// if needed), build(major, { probes }) (the built file's path), ABI.
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const nodesDir = path.join(root, 'build', 'nodes');
const outDir = path.join(root, 'build', 'accel');
/** The Node of each major whose headers are built against (and tested with). */
const VERSIONS = { 20: '20.20.2', 22: '22.23.5', 24: '24.22.3', 26: '26.10.0' };
/** NODE_MODULE_VERSION of each major. */
const ABI = { 20: 115, 22: 127, 24: 137, 26: 147 };
const SOURCES = ['accel.cc', 'v8-fast.h', 'cshared-fast.h'].map((f) => path.join(__dirname, f));

function isMusl() {
  const report = process.report && process.report.getReport();
  return !(report && report.header && report.header.glibcVersionRuntime);
}

/** cshared's napi-rs platform name for this machine (linux-x64-gnu, darwin-arm64, ...). */
function platform() {
  if (process.platform === 'linux') return `linux-${process.arch}-${isMusl() ? 'musl' : 'gnu'}`;
  return `${process.platform}-${process.arch}`;
}

/** The npm package with a Node binary and headers for this machine. */
function nodePackage() {
  const os = { linux: 'linux', darwin: 'darwin' }[process.platform];
  if (!os || !['x64', 'arm64'].includes(process.arch) || (os === 'linux' && isMusl())) {
    throw new Error(`no Node package from npm for ${platform()} (node-linux-*/node-darwin-* are glibc and macOS builds)`);
  }
  return `node-${os}-${process.arch}`;
}

function packageDir(major) {
  return path.join(nodesDir, String(major), 'node_modules', nodePackage());
}

/** Installs Node `major` from npm into build/nodes/<major>, unless there. */
function install(major, quiet) {
  const version = VERSIONS[major];
  if (!version) throw new Error(`no pinned Node version for major ${major} (known: ${Object.keys(VERSIONS).join(', ')})`);
  const dir = packageDir(major);
  const pkg = path.join(dir, 'package.json');
  if (fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, 'utf8')).version === version) return dir;
  const prefix = path.join(nodesDir, String(major));
  fs.mkdirSync(prefix, { recursive: true });
  if (!quiet) console.error(`accel: installing ${nodePackage()}@${version} into ${path.relative(root, prefix)}`);
  // Not this repository's npm settings (from `npm test`): a project of its own.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'INIT_CWD'));
  const r = spawnSync(
    process.platform === 'win32' ? 'npm.cmd' : 'npm',
    ['install', '--prefix', prefix, '--no-save', '--no-package-lock', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', `${nodePackage()}@${version}`],
    { stdio: quiet ? 'pipe' : ['ignore', 'inherit', 'inherit'], env, encoding: 'utf8', timeout: 10 * 60 * 1000 },
  );
  if (r.error) throw r.error;
  if (r.status !== 0 || !fs.existsSync(pkg)) throw new Error(`npm install ${nodePackage()}@${version} failed: ${(r.stderr || '').trim()}`);
  return dir;
}

/** The Node binary of `major` (installed from npm if needed). */
function nodeFor(major, quiet = true) {
  return path.join(install(major, quiet), 'bin', 'node');
}

function compilerFlags() {
  const flags = ['-std=c++20', '-O2', '-fPIC', '-shared', '-fvisibility=hidden', '-fno-exceptions', '-fno-rtti'];
  flags.push('-Wall', '-Wextra', '-Wno-unused-parameter', '-Wno-cast-function-type');
  if (process.platform === 'darwin') flags.push('-undefined', 'dynamic_lookup');
  else flags.push('-s');
  return flags;
}

/** The file name of the accelerator for `major` on this platform. */
function fileName(major) {
  return `cshared-fast.${platform()}.abi${ABI[major]}.node`;
}

/**
 * Builds the accelerator for Node `major` (or the probe build, or with
 * `builtFor`, a test build that claims to be for another V8); returns its
 * path. Skips the compiler when the sources and flags are unchanged.
 */
function build(major, { probes = false, out, quiet = true, builtFor } = {}) {
  const include = path.join(install(major, quiet), 'include', 'node');
  const target = probes
    ? path.join(out || outDir, `probes.abi${ABI[major]}.node`)
    : builtFor
      ? path.join(out || outDir, `claims-v8-${builtFor}.abi${ABI[major]}.node`)
      : path.join(out || root, fileName(major));
  const cxx = process.env.CXX || 'c++';
  const defines = [...(probes ? ['-DCSHARED_FAST_PROBES'] : []), ...(builtFor ? [`-DCSHARED_FAST_BUILT_FOR="${builtFor}"`] : [])];
  const args = [...compilerFlags(), ...defines, `-I${include}`, `-I${__dirname}`];
  args.push(path.join(__dirname, 'accel.cc'), '-o', target);
  const hash = crypto.createHash('sha256');
  for (const f of SOURCES) hash.update(fs.readFileSync(f));
  hash.update(JSON.stringify([cxx, args, VERSIONS[major]]));
  const stamp = path.join(outDir, `${path.basename(target)}.stamp`);
  const digest = hash.digest('hex');
  if (fs.existsSync(target) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === digest) return target;
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.mkdirSync(outDir, { recursive: true });
  const r = spawnSync(cxx, args, { encoding: 'utf8' });
  if (r.error) throw new Error(`${cxx}: ${r.error.message} (a C++20 compiler is needed; set CXX)`);
  if (r.status !== 0) throw new Error(`building ${path.basename(target)} failed:\n${r.stderr}`);
  fs.writeFileSync(stamp, digest);
  if (!quiet) console.error(`accel: built ${path.relative(root, target)} (Node ${VERSIONS[major]}, ABI ${ABI[major]})`);
  return target;
}

/** Writes npm/fast-<platform>-abi<N>/ with the built file: the optional package. */
function packageFor(major, file) {
  const name = `cshared-fast-${platform()}-abi${ABI[major]}`;
  const dir = path.join(root, 'npm', `fast-${platform()}-abi${ABI[major]}`);
  const pkgFile = path.join(dir, 'package.json');
  if (!fs.existsSync(pkgFile)) throw new Error(`${path.relative(root, pkgFile)} is missing: add the package for ${name} to npm/ and package.json's optionalDependencies`);
  const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8'));
  if (pkg.name !== name || pkg.main !== path.basename(file)) throw new Error(`${path.relative(root, pkgFile)}: expected name ${name} and main ${path.basename(file)}`);
  fs.copyFileSync(file, path.join(dir, path.basename(file)));
  return dir;
}

function main() {
  const opts = Object.fromEntries(
    process.argv.slice(2).map((a) => {
      const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
      if (!m) throw new Error(`unknown argument ${a}`);
      return [m[1], m[2] === undefined ? true : m[2]];
    }),
  );
  const current = process.versions.node.split('.')[0];
  const list = String(opts.majors || Object.keys(VERSIONS).join(',')).replace('current', current);
  const majors = list.split(',').map(Number);
  const quiet = Boolean(opts.quiet);
  for (const major of majors) {
    try {
      if (!VERSIONS[major] && opts.optional) {
        console.error(`accel: no accelerator for Node ${major} (only ${Object.keys(VERSIONS).join(', ')}); cshared runs without it`);
        continue;
      }
      const file = build(major, { probes: Boolean(opts.probes), out: opts.out, quiet });
      if (!quiet) console.log(path.relative(process.cwd(), file));
      if (opts.package && !opts.probes) console.log(path.relative(process.cwd(), packageFor(major, file)));
    } catch (e) {
      if (!opts.optional) throw e;
      console.error(`accel: not built for Node ${major}, cshared runs without it: ${e.message}`);
    }
  }
}

module.exports = { ABI, VERSIONS, build, nodeFor, platform, fileName };

if (require.main === module) {
  try {
    main();
  } catch (e) {
    console.error(`accel: ${e.message}`);
    process.exit(1);
  }
}
