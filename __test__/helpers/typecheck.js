'use strict';
// tsc --strict over a few files, with 'cshared' resolved to this package's
// index.d.ts (the typings tests of header.test.js and go-types.test.js).
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { buildDir, root } = require('./fixtures');

// tsc's launcher is a JS file, run with this Node: that works on every
// platform (Node can't spawn Windows' tsc.cmd without a shell). TSC, a
// command, overrides it: under Wine, the bridge's stand-in for Linux's tsc.
const tscJs = path.join(root, '..', 'node_modules', 'typescript', 'bin', 'tsc');
function tsc(args) {
  const opts = { encoding: 'utf8', stdio: 'pipe' };
  return process.env.TSC ? execFileSync(process.env.TSC, args, opts) : execFileSync(process.execPath, [tscJs, ...args], opts);
}

/** Runs tsc --strict on files in a fresh folder that resolves 'cshared' to this package. */
function typecheck(files) {
  const dir = fs.mkdtempSync(path.join(buildDir, 'ts-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: 'es2022',
        module: 'commonjs',
        types: [],
        skipLibCheck: false,
        // Relative, so that a tsc on another side of a path mapping (Wine's) finds it.
        paths: { cshared: [path.relative(dir, path.join(root, '..', 'index.d.ts')).split(path.sep).join('/')] },
      },
      files: Object.keys(files).filter((f) => f.endsWith('.ts')),
    }),
  );
  try {
    tsc(['-p', dir]);
    return '';
  } catch (e) {
    return `${e.stdout}${e.stderr}`;
  }
}

module.exports = { typecheck };
