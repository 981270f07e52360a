'use strict';
// Buffers passed to fn.async() are copied: C works on memory the call owns,
// and its bytes are copied back when the call settles, into a buffer that is
// still attached and at least as long as it was (README, "Async calls").
// What would crash runs in child processes (scenarios/async-buffers.js).
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { load, decode } = require('..');
const { cLibrary } = require('./helpers/fixtures');
const { libc } = require('./helpers/libc');

const libPath = cLibrary('callbacks', ['-pthread']);
const lib = load(libPath);
const MiB = 1 << 20;

/** Runs a mode of scenarios/async-buffers.js in a child; returns its JSON line. */
function scenario(mode) {
  const r = spawnSync(
    process.execPath,
    ['--expose-gc', path.join(__dirname, 'scenarios', 'async-buffers.js'), libPath, mode],
    { encoding: 'utf8', timeout: 60000 },
  );
  assert.equal(r.signal, null, `${mode}: the child died of ${r.signal}\n${r.stderr}`);
  assert.equal(r.status, 0, `${mode}: exit ${r.status}\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

test('an ArrayBuffer transferred to a worker mid-call keeps the worker\'s bytes', () => {
  const out = scenario('worker');
  for (const kind of ['arraybuffer', 'uint8array', 'dataview', 'buffer']) {
    assert.deepEqual(out[kind], { filled: MiB, result: 'undefined', detached: true, len: MiB, bad: 0 }, kind);
  }
  // Transferred by a callback between C's two writes.
  assert.deepEqual(scenario('worker-callback'), { r: 0x11, filled: MiB, detached: true, len: MiB, bad: 0 });
});

test('an ArrayBuffer transferred to a clone that is collected mid-call: no crash, the call settles', () => {
  const out = scenario('clone-gc');
  assert.equal(out.length, 4);
  for (const o of out) assert.deepEqual(o, { result: true, detached: true, junk: true });
  assert.deepEqual(scenario('clone-gc-callback'), { r: 0x22, detached: true });
});

test('a resizable ArrayBuffer resized to 0 mid-call: no crash, nothing written', () => {
  assert.deepEqual(scenario('resize-zero'), { result: true, after: 0, zero: true });
  assert.deepEqual(scenario('resize-callback'), { r: 0x33, after: 0 });
});

test('a resizable ArrayBuffer shrunk mid-call: only views still wholly there get C\'s bytes', () => {
  assert.deepEqual(scenario('resize-smaller'), {
    results: [true, true, true, true],
    length: 4096,
    inside: 0, // a 1024-byte view at 0: C's 0xa1
    whole: 0, // a 512-byte DataView at 1024: C's 0xd4
    gap: 0, // bytes no call was given: JS's 0x11
    tracking: 0, // a length-tracking view that got shorter: JS's 0x11, not C's
    beyond: 0, // grown back: zero, so nothing wrote past the new end
  });
});

test('a char ** out-parameter holding a Buffer, with { free: true }: only C\'s new string is freed', () => {
  const second = ['first', 'second'];
  assert.deepEqual(scenario('handed'), { out: second, again: ['again', 'second'] });
});

const fill = lib.func('void fill_later(uint8_t *buf, size_t n)');
const expected = (n) => Array.from({ length: n }, (_, i) => (255 - i) & 0xff);

test('C\'s writes show up after await: Buffer, Uint8Array at an offset, DataView, ArrayBuffer, out-parameter', async () => {
  const buf = Buffer.alloc(16, 7);
  assert.equal(await fill.async(buf, 16), undefined);
  assert.deepEqual([...buf], expected(16));

  // A view into the middle of a larger buffer: only its bytes change.
  const ab = new ArrayBuffer(64);
  new Uint8Array(ab).fill(9);
  await fill.async(new Uint8Array(ab, 24, 8), 8);
  const all = [...new Uint8Array(ab)];
  assert.deepEqual(all.slice(24, 32), expected(8));
  assert.deepEqual(all.slice(0, 24), new Array(24).fill(9));
  assert.deepEqual(all.slice(32), new Array(32).fill(9));

  const dv = new DataView(new ArrayBuffer(12), 4, 4);
  await fill.async(dv, 4);
  assert.deepEqual([...new Uint8Array(dv.buffer)], [0, 0, 0, 0, 255, 254, 253, 252, 0, 0, 0, 0]);

  const raw = new ArrayBuffer(5);
  await fill.async(raw, 5);
  assert.deepEqual([...new Uint8Array(raw)], expected(5));

  const f64 = new Float64Array(2);
  await fill.async(f64, 16);
  assert.deepEqual([...new Uint8Array(f64.buffer)], expected(16));

  const out = [0];
  assert.equal(await lib.func('int out_int(int *out)').async(out), 1);
  assert.deepEqual(out, [1234]);
});

test('small Buffers from Node\'s pool: a call writes only its own Buffer\'s bytes', async () => {
  const a = Buffer.from('aaaaaaaa');
  const b = Buffer.from('bbbbbbbb');
  assert.equal(a.buffer, b.buffer, 'both from the pool');
  const p = fill.async(a, 8);
  b.write('BBBBBBBB'); // JS writes next to it during the call
  await p;
  assert.deepEqual([...a], expected(8));
  assert.equal(b.toString(), 'BBBBBBBB');
  // Bytes of the Buffer itself that JS writes during the call are C's after it.
  const c = Buffer.from('cccccccc');
  const q = fill.async(c, 8);
  c[0] = 1;
  await q;
  assert.deepEqual([...c], expected(8));
});

test('views of one buffer in one call share one copy', async () => {
  // memmove with overlapping views: C sees them overlap, as JS does.
  const memmove = libc().func('void *memmove(void *dst, const void *src, size_t n)');
  const buf = Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]);
  const r = await memmove.async(buf.subarray(2), buf, 6);
  assert.deepEqual([...buf], [1, 2, 1, 2, 3, 4, 5, 6]);
  // memmove returns dst: the Pointer is into the buffer, not into the copy.
  buf[2] = 99;
  assert.equal(decode(r, 'uint8_t'), 99);

  // Begin and end pointers into one buffer, in a struct by value and by pointer.
  const { cdef } = require('..');
  cdef('struct span { uint8_t *begin; uint8_t *end; };');
  const fillSpan = lib.func('size_t fill_span(struct span s, int value)');
  const u = new Uint8Array(16);
  assert.equal(await fillSpan.async({ begin: u, end: u.subarray(10) }, 5), 10);
  assert.deepEqual([...u], [...new Array(10).fill(5), 0, 0, 0, 0, 0, 0]);
  const fillSpanP = lib.func('size_t fill_span_p(struct span *s, int value)');
  const end = u.subarray(6);
  const s = { begin: u.subarray(2), end };
  assert.equal(await fillSpanP.async(s, 7), 4);
  assert.deepEqual([...u.subarray(0, 8)], [5, 5, 7, 7, 7, 7, 5, 5]);
  // C set begin = end: begin is now a Pointer to u[6] in the buffer itself
  // (not into the copy); end, which C left pointing at its buffer, is
  // still the caller's TypedArray.
  assert.equal(s.end, end);
  u[6] = 42;
  assert.equal(decode(s.begin, 'uint8_t'), 42);
});

test('a GoSlice over a buffer is copied and copied back', async () => {
  const fillSlice = lib.func('long long fill_slice([]byte s, int value)');
  const ab = new ArrayBuffer(32);
  const u = new Uint8Array(ab, 8, 16);
  assert.equal(await fillSlice.async(u, 3), 16);
  const all = [...new Uint8Array(ab)];
  assert.deepEqual(all, [...new Array(8).fill(0), ...new Array(16).fill(3), ...new Array(8).fill(0)]);
});

test('C\'s writes are copied back when a callback throws and the call rejects', async () => {
  const u = new Uint8Array(8);
  await assert.rejects(
    lib.func('int fill_around(uint8_t *buf, size_t n, int value, int (*f)(int))').async(u, 8, 4, () => {
      // During the call the buffer does not show C's first write (C works on a copy).
      assert.equal(u[0], 0);
      throw new Error('boom');
    }),
    /boom/,
  );
  assert.deepEqual([...u], new Array(8).fill(5));
});

test('detached and shared buffers are still refused', async () => {
  const ab = new ArrayBuffer(8);
  const view = new Uint8Array(ab);
  structuredClone(ab, { transfer: [ab] });
  await assert.rejects(fill.async(view, 8), { code: 'ERR_ARG_VALUE' });
  await assert.rejects(fill.async(ab, 8), { code: 'ERR_ARG_VALUE' });
  await assert.rejects(fill.async(new Uint8Array(new SharedArrayBuffer(8)), 8), {
    code: 'ERR_ARG_VALUE',
    message: /SharedArrayBuffer/,
  });
  await assert.rejects(fill.async(new SharedArrayBuffer(8), 8), { code: 'ERR_ARG_TYPE' });
});

test('a buffer detached by a getter while the arguments are converted fails the call', async () => {
  // The getter of the array's element runs after the first argument was converted.
  const trap = (fn) => {
    const a = [1, 2, 3];
    Object.defineProperty(a, 1, { get: () => (fn(), 2), enumerable: true });
    return a;
  };
  const memcpy = libc().func('void *memcpy(uint8_t *dst, uint8_t *src, size_t n)');
  const ab = new ArrayBuffer(MiB);
  const src = trap(() => structuredClone(ab, { transfer: [ab] }));
  await assert.rejects(memcpy.async(new Uint8Array(ab), src, 3), { code: 'ERR_ARG_VALUE', message: /detached or resized/ });
  // And shrunk.
  const rab = new ArrayBuffer(MiB, { maxByteLength: MiB });
  const src2 = trap(() => rab.resize(16));
  await assert.rejects(memcpy.async(rab, src2, 3), { code: 'ERR_ARG_VALUE', message: /detached or resized/ });
  const ok = new Uint8Array(4);
  await memcpy.async(ok, [1, 2, 3], 3);
  assert.deepEqual([...ok], [1, 2, 3, 0]);
});
