'use strict';
// Variadic functions (extra arguments as (type, value) pairs) and errno.
const test = require('node:test');
const assert = require('node:assert/strict');
const { load, errno, opaque } = require('..');
const { cLibrary } = require('./helpers/fixtures');
const { libc, C } = require('./helpers/libc');

const lib = load(cLibrary('callbacks', ['-pthread']));

test('variadic functions take (type, value) pairs after the fixed arguments', () => {
  const sumInts = lib.func('int sum_ints(int n, ...)');
  assert.equal(sumInts(0), 0);
  assert.equal(sumInts(3, 'int', 1, 'int', 2, 'int', -3), 0);
  assert.equal(sumInts(4, 'int', 10, 'short', 20, 'char', 30, 'bool', true), 61);
  const sumMixed = lib.func('double sum_mixed(const char *types, ...)');
  assert.equal(sumMixed('ilds', 'int', 1, 'long long', 2n ** 40n, 'double', 0.5, 'const char *', 'abcd'), 1 + 2 ** 40 + 0.5 + 4);
  // A float is promoted to double, as C does.
  assert.equal(sumMixed('d', 'float', 1.5), 1.5);
  const snprintf = libc().func(`int ${C.snprintf}(char *buf, size_t size, const char *fmt, ...)`);
  const buf = Buffer.alloc(64);
  const n = snprintf(buf, 64, '%s=%d %.3f %c', 'const char *', 'x', 'int', -7, 'double', Math.PI, 'char', 90);
  assert.equal(buf.toString('utf8', 0, n), 'x=-7 3.142 Z');
});

test('variadic argument errors', () => {
  const sumInts = lib.func('int sum_ints(int n, ...)');
  assert.throws(() => sumInts(), { name: 'TypeError', code: 'ERR_ARG_COUNT' });
  assert.throws(() => sumInts(1, 'int'), { name: 'TypeError', code: 'ERR_ARG_COUNT', message: /pairs/ });
  assert.throws(() => sumInts(1, 'integer', 1), { code: 'ERR_PARSE', message: /integer/ });
  assert.throws(() => sumInts(1, 'int', 'one'), { name: 'TypeError', code: 'ERR_ARG_TYPE', message: /variadic argument 2/ });
  assert.throws(() => sumInts(1, 'int', 2 ** 40), { name: 'RangeError', code: 'ERR_ARG_RANGE' });
  assert.throws(() => sumInts('1', 'int', 1), { name: 'TypeError', code: 'ERR_ARG_TYPE', message: /argument 1 \(n\)/ });
  const vopaque = opaque('vopaque');
  assert.throws(() => sumInts(1, vopaque, {}), { code: 'ERR_UNSUPPORTED', message: /incomplete/ });
  assert.throws(() => sumInts(1, 'void', 1), { code: 'ERR_UNSUPPORTED' });
  return assert.rejects(sumInts.async(1, 'int', 1), { code: 'ERR_UNSUPPORTED' });
});

test("errno() is errno right after the last call on this thread", () => {
  const failWith = lib.func('int fail_with(int e)');
  const succeed = lib.func('int succeed(void)');
  assert.equal(failWith(34), -1);
  assert.equal(errno(), 34);
  // Node's own work in between does not change it.
  require('node:fs').existsSync('/no/such/file');
  assert.equal(errno(), 34);
  assert.equal(succeed(), 0);
  assert.equal(errno(), 0);
  const open = libc().func(`int ${C.open}(const char *path, int flags)`);
  assert.equal(open('/no/such/dir/file', 0), -1);
  assert.equal(errno(), 2);
});
