'use strict';
// Attacks on cshared's promise that no JS-side mistake crashes the process
// or goes silently wrong (TESTING.md, "Attacks"). Crash-prone ones run in
// child processes.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const cshared = require('..');
const { load, alloc, free, decode, encode, copyBytes, makePointer, callback } = cshared;
const { cLibrary } = require('./helpers/fixtures');

const types = () => cLibrary('types');
const callbacks = () => cLibrary('callbacks', ['-pthread']);

function child(script, args, opts = {}) {
  return spawnSync(process.execPath, [...(opts.node || []), path.join(__dirname, 'scenarios', script), ...args], {
    encoding: 'utf8',
    timeout: opts.timeout || 30000,
  });
}

test('Pointer.add() refuses to wrap around the address space', () => {
  const p = makePointer(16);
  assert.throws(() => p.add(-32), { name: 'RangeError', code: 'ERR_ARG_RANGE', message: /outside the address space/ });
  assert.throws(() => p.add(2n ** 64n), { name: 'RangeError', code: 'ERR_ARG_RANGE' });
  assert.throws(() => makePointer(2n ** 64n - 1n).add(1), { code: 'ERR_ARG_RANGE' });
  assert.throws(() => p.add(1.5), { name: 'RangeError', code: 'ERR_ARG_RANGE' });
  assert.throws(() => p.add('8'), { name: 'TypeError', code: 'ERR_ARG_TYPE' });
  assert.equal(p.add(-16), null);
  assert.equal(p.add(8).address, 24n);
  assert.equal(p.add(-8n).address, 8n);
  assert.equal(makePointer(2n ** 64n - 2n).add(1).address, 2n ** 64n - 1n);
});

test('decode() and copyBytes() of huge counts are ERR_ARG_RANGE, not an out-of-memory abort', () => {
  const p = alloc('int', 4);
  try {
    assert.throws(() => decode(p, 'int', 2 ** 40), { name: 'RangeError', code: 'ERR_ARG_RANGE', message: /at most/ });
    assert.throws(() => decode(p, 'char', 2 ** 33), { code: 'ERR_ARG_RANGE' });
    assert.throws(() => copyBytes(p, 2 ** 40), { name: 'RangeError', code: 'ERR_ARG_RANGE', message: /at most/ });
    // Still usable afterwards.
    encode(p, 'int', 7);
    assert.deepEqual([...decode(p, 'int', 2)], [7, 0]);
    assert.deepEqual([...copyBytes(p, 4)], [7, 0, 0, 0]);
  } finally {
    free(p);
  }
  assert.throws(() => alloc('char', 1e12), { code: 'ERR_ARG_RANGE' });
});

test('free() takes only what alloc() made, once', () => {
  const lib = load(types());
  const sym = lib.symbol('global_value');
  assert.throws(() => free(sym), { name: 'TypeError', code: 'ERR_ARG_VALUE', message: /not made by alloc/ });
  assert.equal(decode(sym, 'int'), 42);
  const p = alloc('int', 4);
  assert.throws(() => free(p.add(4)), { code: 'ERR_ARG_VALUE' });
  free(p);
  assert.throws(() => free(p), { code: 'ERR_ARG_VALUE', message: /freed already/ });
  assert.throws(() => free(makePointer(0x1000)), { code: 'ERR_ARG_VALUE' });
  free(null);
  // A new allocation may get the same address, and is freed normally.
  const q = alloc('int', 4);
  free(q);
});

test('a callback that throws a primitive: the call rethrows that very value (sync and async)', async () => {
  const lib = load(callbacks());
  callback('int int_fn(int x)');
  const apply = lib.func('int apply(int_fn *f, int x)');
  for (const v of ['x', 42, null, undefined, false, 0n, Symbol.for('s')]) {
    let caught = 'nothing';
    try {
      apply(() => {
        throw v;
      }, 1);
    } catch (e) {
      caught = e;
    }
    assert.strictEqual(caught, v, `throw ${String(v)}`);
    // Not left behind for the next call.
    assert.equal(apply((x) => x + 1, 1), 2);
  }
  for (const v of ['x', 42, null]) {
    await assert.rejects(
      apply.async(() => {
        throw v;
      }, 1),
      (e) => e === v,
    );
  }
  // From a C thread during an async call.
  const runInThread = lib.func('int run_in_thread(int_fn *f, int x)');
  await assert.rejects(
    runInThread.async(() => {
      throw 'from a thread';
    }, 1),
    (e) => e === 'from a thread',
  );
});

test('a dropped Library is not unloaded by GC: its symbols and threads stay valid', () => {
  const r = child('library-gc.js', [types(), callbacks(), 'symbol'], { node: ['--expose-gc'] });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^value 42\ndone\n$/);
  const t = child('library-gc.js', [types(), callbacks(), 'thread'], { node: ['--expose-gc'] });
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stdout, /^joined 1 calls 1\ndone\n$/);
});

test('headers: only regular files are read, bounded; a BOM is skipped; a paste bomb fails fast', () => {
  const lib = types();
  assert.throws(() => load(lib, { header: '/dev/zero' }), { code: 'ERR_LOAD', message: /not a regular file/ });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cshared-hdr-'));
  try {
    const fifo = path.join(dir, 'fifo.h');
    const mk = spawnSync('mkfifo', [fifo]);
    if (mk.status === 0) {
      const t0 = Date.now();
      assert.throws(() => load(lib, { header: fifo }), { code: 'ERR_LOAD', message: /not a regular file/ });
      assert.ok(Date.now() - t0 < 5000);
    }
    assert.throws(() => load(lib, { header: dir }), { code: 'ERR_LOAD' });
    const bom = path.join(dir, 'bom.h');
    fs.writeFileSync(bom, '\ufeffint id_int(int x);\n');
    assert.equal(load(lib, { header: bom }).id_int(5), 5);
    assert.equal(load(lib, { header: { text: '\ufeffint id_int(int x);' } }).id_int(9), 9);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  let text = '#define CAT(a,b) a##b\n#define X(a) CAT(a,a)\n#define Y0 q\n';
  for (let i = 1; i <= 30; i++) text += `#define Y${i} X(Y${i - 1})\n`;
  text += 'int Y30;\n';
  const t0 = Date.now();
  assert.throws(() => load(lib, { header: { text } }), { code: 'ERR_PARSE', message: /too large/ });
  assert.ok(Date.now() - t0 < 60000, `the bomb took ${Date.now() - t0} ms`);
});

test('process.exit() inside a callback a C thread calls during an async call exits, not hangs', () => {
  const r = child('exit-in-callback.js', [callbacks(), 'exit'], { timeout: 20000 });
  assert.equal(r.error, undefined, 'the child hung');
  assert.equal(r.status, 7, r.stderr);
  assert.equal(r.stdout, 'in callback 3\n');
  const e = child('exit-in-callback.js', [callbacks(), 'end'], { timeout: 20000 });
  assert.equal(e.error, undefined, 'the child hung');
  assert.equal(e.status, 0, e.stderr);
});

test('terminating a worker while a C thread waits on its callback releases the thread; the pool goes on', () => {
  const r = child('worker-terminate.js', [callbacks()], { timeout: 30000 });
  assert.equal(r.error, undefined, 'the child hung');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'after terminate 42\n');
});
