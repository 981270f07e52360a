'use strict';
// fn.async(): the call runs on the libuv thread pool and a Promise settles.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { load, errno } = require('..');
const { cLibrary } = require('./helpers/fixtures');

const libPath = cLibrary('callbacks', ['-pthread']);
const lib = load(libPath);

test('an async call resolves with the result, off the JS thread', async () => {
  const slowAdd = lib.func('int slow_add(int a, int b)');
  const p = slowAdd.async(40, 2);
  assert.ok(p instanceof Promise);
  assert.equal(await p, 42);
  assert.equal(await lib.func('const char *echo_str(const char *s)').async('héllo'), 'héllo');
  const i64 = lib.func('double apply_mix(double (*f)(double a, float b, int64_t c, uint8_t d))');
  assert.equal(await i64.async(() => 1.5), 1.5);
});

test('thousands of concurrent async calls', async () => {
  const slowAdd = lib.func('int slow_add(int a, int b)');
  const n = 2000;
  const results = await Promise.all(Array.from({ length: n }, (_, i) => slowAdd.async(i, 1)));
  results.forEach((r, i) => assert.equal(r, i + 1));
});

test('errors become rejections', async () => {
  const slowAdd = lib.func('int slow_add(int a, int b)');
  await assert.rejects(slowAdd.async('x', 1), { name: 'TypeError', code: 'ERR_ARG_TYPE' });
  await assert.rejects(slowAdd.async(1), { name: 'TypeError', code: 'ERR_ARG_COUNT' });
  await assert.rejects(slowAdd.async(2 ** 40, 1), { name: 'RangeError', code: 'ERR_ARG_RANGE' });
  const echo = lib.func('const char *echo_str(const char *s)');
  await assert.rejects(echo.async('a\0b'), { code: 'ERR_ARG_VALUE' });
});

test('buffers are written by the async call and out-parameters come back', async () => {
  const fill = lib.func('void fill_later(uint8_t *buf, size_t n)');
  const buf = Buffer.alloc(4);
  assert.equal(await fill.async(buf, 4), undefined);
  assert.deepEqual([...buf], [255, 254, 253, 252]);
  const out = [0];
  assert.equal(await lib.func('int out_int(int *out)').async(out), 1);
  assert.deepEqual(out, [1234]);
});

test('errno() after an async call is the errno it left', async () => {
  const failWith = lib.func('int fail_with(int e)');
  assert.equal(await failWith.async(13), -1);
  assert.equal(errno(), 13);
});

test('close() while an async call runs: the call finishes, later calls are ERR_CLOSED', async () => {
  const own = load(libPath);
  const slowAdd = own.func('int slow_add(int a, int b)');
  const pending = slowAdd.async(1, 2);
  own.close();
  assert.equal(await pending, 3);
  await assert.rejects(slowAdd.async(1, 2), { code: 'ERR_CLOSED' });
  assert.throws(() => slowAdd(1, 2), { code: 'ERR_CLOSED' });
});

test('buffers given to async calls stay alive under forced GC', () => {
  const r = spawnSync(process.execPath, ['--expose-gc', path.join(__dirname, 'scenarios', 'async-gc.js'), libPath], {
    encoding: 'utf8',
    timeout: 60000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^ok/m);
});

test('the process exits cleanly with async calls pending', () => {
  const r = spawnSync(process.execPath, [path.join(__dirname, 'scenarios', 'async-exit.js'), libPath], {
    encoding: 'utf8',
    timeout: 60000,
  });
  assert.equal(r.signal, null, r.stderr);
  assert.equal(r.status, 0, r.stderr);
});
