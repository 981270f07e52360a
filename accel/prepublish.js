#!/usr/bin/env node
'use strict';
// Run by `npm publish` of the root package (its prepublishOnly script),
// after `napi prepublish` has published the npm/<platform> packages:
// publishes the accelerator packages, npm/fast-<platform>-abi<N> (each with
// the cshared-fast.<platform>.abi<N>.node that accel/build.js --package, or
// the CI workflow, put there), at the root package's version, and adds them
// to the root package.json's optionalDependencies. npm installs the ones
// whose os/cpu/libc match; cshared loads the one for the running Node's ABI
// (src/js/fast.js) and ignores the rest.
//
// Every npm/fast-* package must have its binary: a release without one
// would quietly leave those users on the slower path. `--dry-run` only
// says what it would do.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const dryRun = process.argv.includes('--dry-run');
const rootFile = path.join(root, 'package.json');
const rootPkg = JSON.parse(fs.readFileSync(rootFile, 'utf8'));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const dirs = fs
  .readdirSync(path.join(root, 'npm'))
  .filter((d) => d.startsWith('fast-'))
  .map((d) => path.join(root, 'npm', d));
const missing = [];
const packages = [];
for (const dir of dirs) {
  const file = path.join(dir, 'package.json');
  const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (!fs.existsSync(path.join(dir, pkg.main))) {
    missing.push(path.relative(root, path.join(dir, pkg.main)));
    continue;
  }
  packages.push({ dir, file, pkg });
}
if (missing.length > 0) {
  console.error(`accel/prepublish: missing accelerators (accel/build.js --package, or the workflow's build-fast job):\n  ${missing.join('\n  ')}`);
  process.exit(1);
}

for (const { dir, file, pkg } of packages) {
  pkg.version = rootPkg.version;
  if (!dryRun) fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + '\n');
  const spec = `${pkg.name}@${pkg.version}`;
  const seen = spawnSync(npm, ['view', spec, 'version'], { encoding: 'utf8' });
  if (seen.status === 0 && seen.stdout.trim() === pkg.version) {
    console.log(`accel/prepublish: ${spec} is already published`);
  } else if (dryRun) {
    console.log(`accel/prepublish: would publish ${spec} from ${path.relative(root, dir)}`);
  } else {
    const r = spawnSync(npm, ['publish', '--access', 'public'], { cwd: dir, stdio: 'inherit' });
    if (r.status !== 0) process.exit(r.status || 1);
  }
}

rootPkg.optionalDependencies = { ...(rootPkg.optionalDependencies || {}) };
for (const { pkg } of packages) rootPkg.optionalDependencies[pkg.name] = rootPkg.version;
if (dryRun) console.log(`accel/prepublish: would add to optionalDependencies: ${packages.map((p) => p.pkg.name).join(', ')}`);
else fs.writeFileSync(rootFile, JSON.stringify(rootPkg, null, 2) + '\n');
