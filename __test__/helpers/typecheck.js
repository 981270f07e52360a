'use strict';
// tsc --strict over a few files, with 'cshared' resolved to this package's
// index.d.ts (the typings tests of header.test.js and go-types.test.js).
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { buildDir, root } = require('./fixtures');

const tsc = path.join(root, '..', 'node_modules', '.bin', process.platform === 'win32' ? 'tsc.cmd' : 'tsc');

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
        paths: { cshared: [path.join(root, '..', 'index.d.ts')] },
      },
      files: Object.keys(files).filter((f) => f.endsWith('.ts')),
    }),
  );
  try {
    execFileSync(tsc, ['-p', dir], { encoding: 'utf8', stdio: 'pipe' });
    return '';
  } catch (e) {
    return `${e.stdout}${e.stderr}`;
  }
}

module.exports = { typecheck };
