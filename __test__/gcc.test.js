'use strict';
// The gcc comparison: for a header, a C program prints every constant
// cshared found and every macro the library's files define, as gcc
// evaluates it (see helpers/gcc-compare.js). Every constant must be gcc's,
// and every constant gcc folds must be cshared's or in lib.skipped with a
// reason. Run on a fixture of hard cases and on the headers of widely used
// libraries (their Debian -dev packages; .ci/run installs them).
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { load } = require('..');
const { root, buildDir } = require('./helpers/fixtures');
const { libraries, options, available, headers } = require('./helpers/libraries');
const { compare } = require('./helpers/gcc-compare');

const linux = process.platform === 'linux';
let gcc = false;
try {
  execFileSync('gcc', ['--version'], { stdio: 'ignore' });
  gcc = true;
} catch {
  // no gcc: the comparisons are skipped
}

const fixture = path.join(root, 'fixtures', 'headers', 'constants.h');

test('constants have C types: unsigned wrap-around, float values, system headers, byte order', { skip: !linux }, () => {
  const c = load(null, { header: fixture }).constants;
  assert.equal(c.C_ALL_ONES_SIZE, 2n ** 64n - 1n);
  assert.equal(c.C_ALL_ONES_U, 4294967295);
  assert.equal(c.C_ALL_ONES_INT, -1);
  assert.equal(c.C_MINUS_ONE_U, 4294967295);
  assert.equal(c.C_U32_MAX, 4294967295);
  assert.equal(c.C_MIXED, 4294967295);
  assert.equal(c.C_MIXED_LONG, -1);
  assert.equal(c.C_CMP_UNSIGNED, 0);
  assert.equal(c.C_AUTH_ANY, 2n ** 64n - 1n - 16n);
  assert.equal(c.C_ZERO_TERMINATED, 2n ** 64n - 1n);
  assert.equal(c.C_MAXWAIT, 4294967295);
  assert.equal(c.C_BIG_MAX, 2n ** 64n - 1n);
  assert.equal(c.C_GRAVITY, Math.fround(9.80665));
  assert.equal(c.C_THIRD_F, Math.fround(1 / 3));
  assert.equal(c.C_THIRD, 1 / 3);
  assert.equal(c.C_FLOAT_CAST, Math.fround(0.1));
  assert.equal(c.C_ENOENT, -2);
  assert.equal(c.C_O_CREAT, 0o100);
  assert.equal(c.C_AUDIO_S16SYS, 0x8010);
  assert.equal(c.C_OFFSET_VALUE, 8);
  assert.equal(c.C_TEXT, 'café ok');
  assert.deepEqual([...c.C_BYTES], [0xff, 0xfe, 0, 0x78]);
  assert.equal(c.C_TRANSIENT.address, 2n ** 64n - 1n);
  assert.equal(c.C_NULL, null);
  const skipped = Object.fromEntries(load(null, { header: fixture }).skipped.map((s) => [s.name, s.reason]));
  assert.match(skipped.C_SHIFT_TOO_FAR, /shift count 40 is out of range/);
  assert.match(skipped.C_LINE, /__LINE__/);
});

test('gcc comparison: the constants fixture', { skip: !(linux && gcc) }, () => {
  const l = { id: 'constants', header: fixture, files: /constants\.h$/ };
  const lib = load(null, { header: fixture });
  const r = compare(l, [fixture], lib, path.join(buildDir, 'gcc', 'constants'));
  assert.deepEqual(r.differences, []);
  assert.ok(r.checked >= 50, `${r.checked} constants checked`);
  // The fixture has constants gcc folds and cshared cannot: in lib.skipped.
  assert.ok(r.missingButSkipped >= 1);
});

for (const l of libraries) {
  test(`gcc comparison: ${l.id} (${path.basename(l.header)})`, { skip: !(linux && gcc) }, (t) => {
    if (!available(l)) {
      if (process.env.CI === 'true') throw new Error(`${l.header} is required in CI (apt install ${l.pkg})`);
      return t.skip(`${l.header} is not installed (${l.pkg})`);
    }
    const lib = load(l.lib, options(l));
    const r = compare(l, headers(l), lib, path.join(buildDir, 'gcc', l.id));
    assert.deepEqual(r.differences, [], `${l.id}: ${r.differences.length} differences`);
    assert.ok(r.checked > 10, `${l.id}: only ${r.checked} constants`);
    t.diagnostic(`${r.checked} constants equal gcc's; ${r.macros} macros of the library's files; ${r.missingButSkipped} gcc constants in lib.skipped`);
  });
}
