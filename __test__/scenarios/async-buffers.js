'use strict';
// Buffers that JS takes away from an async call while C still writes into
// them (__test__/async-buffers.test.js runs each mode in a child process,
// since without cshared's copies they crash it). Prints one JSON line.
//
//   node [--expose-gc] async-buffers.js <libcallbacks> <mode>
const { Worker } = require('node:worker_threads');
const { load } = require('../..');

const lib = load(process.argv[2]);
const mode = process.argv[3];
const fillAfter = lib.func('void fill_after(uint8_t *buf, size_t n, int ms, int value)');
const fillAround = lib.func('int fill_around(uint8_t *buf, size_t n, int value, int (*f)(int))');
const MiB = 1 << 20;

/** How many bytes of `u` are not `v`. */
const unlike = (u, v) => u.reduce((n, b) => n + (b !== v ? 1 : 0), 0);

/** A worker that takes an ArrayBuffer, fills it with 0x5a, and on request counts the bytes that are not 0x5a. */
function filler() {
  const w = new Worker(
    `const { parentPort } = require('node:worker_threads');
     let u;
     parentPort.on('message', (m) => {
       if (m.ab) { u = new Uint8Array(m.ab); u.fill(0x5a); parentPort.postMessage({ filled: u.length }); }
       else parentPort.postMessage({ len: u.length, bad: u.reduce((n, b) => n + (b !== 0x5a ? 1 : 0), 0) });
     });`,
    { eval: true },
  );
  const next = () => new Promise((resolve) => w.once('message', resolve));
  return { w, next };
}

const views = {
  arraybuffer: (ab) => ab,
  uint8array: (ab) => new Uint8Array(ab),
  dataview: (ab) => new DataView(ab),
  buffer: (ab) => Buffer.from(ab),
};

const modes = {
  // Transferred to a worker while C sleeps, then written by C: the worker's
  // bytes must stay the worker's.
  async worker() {
    const { w, next } = filler();
    const out = {};
    for (const [kind, view] of Object.entries(views)) {
      const ab = new ArrayBuffer(MiB);
      const p = fillAfter.async(view(ab), MiB, 300, 0xab);
      w.postMessage({ ab }, [ab]);
      const filled = (await next()).filled;
      const result = await p;
      w.postMessage({ check: true });
      const seen = await next();
      out[kind] = { filled, result: result === undefined ? 'undefined' : result, detached: ab.byteLength === 0, ...seen };
    }
    await w.terminate();
    return out;
  },

  // The same, deterministic: the callback C calls between its two writes
  // transfers the buffer; C's second write comes after.
  async 'worker-callback'() {
    const { w, next } = filler();
    const ab = new ArrayBuffer(MiB);
    const r = await fillAround.async(new Uint8Array(ab), MiB, 0x10, (v) => {
      w.postMessage({ ab }, [ab]);
      return v + 1;
    });
    const filled = (await next()).filled;
    w.postMessage({ check: true });
    const seen = await next();
    await w.terminate();
    return { r, filled, detached: ab.byteLength === 0, ...seen };
  },

  // Transferred to a clone nobody keeps, which is collected while C sleeps.
  async 'clone-gc'() {
    const out = [];
    for (let i = 0; i < 4; i++) {
      const ab = new ArrayBuffer(MiB);
      const p = fillAfter.async(new Uint8Array(ab), MiB, 200, 0xab);
      structuredClone(ab, { transfer: [ab] });
      for (let k = 0; k < 5; k++) global.gc();
      // Allocations that may reuse the freed memory.
      const junk = Array.from({ length: 8 }, () => new Uint8Array(MiB).fill(1));
      out.push({ result: (await p) === undefined, detached: ab.byteLength === 0, junk: junk.every((u) => unlike(u, 1) === 0) });
    }
    return out;
  },

  // Deterministic: collected inside the callback, before C's second write.
  async 'clone-gc-callback'() {
    const ab = new ArrayBuffer(MiB);
    const r = await fillAround.async(new Uint8Array(ab), MiB, 0x20, (v) => {
      structuredClone(ab, { transfer: [ab] });
      for (let k = 0; k < 5; k++) global.gc();
      return v + 2;
    });
    return { r, detached: ab.byteLength === 0 };
  },

  // A resizable ArrayBuffer resized to 0 while C sleeps, then grown back:
  // nothing of C's is in it.
  async 'resize-zero'() {
    const ab = new ArrayBuffer(MiB, { maxByteLength: MiB });
    new Uint8Array(ab).fill(0x11);
    const p = fillAfter.async(ab, MiB, 200, 0xab);
    ab.resize(0);
    const result = await p;
    const after = ab.byteLength;
    ab.resize(MiB);
    return { result: result === undefined, after, zero: unlike(new Uint8Array(ab), 0) === 0 };
  },

  // Resized to 4096 bytes while C sleeps. A view still wholly inside gets
  // C's bytes; one that became shorter or out of bounds gets none; nothing
  // beyond 4096 bytes is written.
  async 'resize-smaller'() {
    const ab = new ArrayBuffer(MiB, { maxByteLength: MiB });
    const all = new Uint8Array(ab);
    all.fill(0x11);
    const inside = fillAfter.async(new Uint8Array(ab, 0, 1024), 1024, 200, 0xa1);
    const tracking = fillAfter.async(new Uint8Array(ab, 2048), MiB - 2048, 200, 0xb2);
    const outside = fillAfter.async(new Uint8Array(ab, 8192, 8192), 8192, 200, 0xc3);
    const whole = fillAfter.async(new DataView(ab, 1024, 512), 512, 200, 0xd4);
    ab.resize(4096);
    const results = await Promise.all([inside, tracking, outside, whole]);
    const u = new Uint8Array(ab);
    const out = {
      results: results.map((r) => r === undefined),
      length: ab.byteLength,
      inside: unlike(u.subarray(0, 1024), 0xa1),
      whole: unlike(u.subarray(1024, 1536), 0xd4),
      gap: unlike(u.subarray(1536, 2048), 0x11),
      tracking: unlike(u.subarray(2048, 4096), 0x11),
    };
    ab.resize(MiB);
    out.beyond = unlike(new Uint8Array(ab, 4096), 0);
    return out;
  },

  // A char ** out-parameter of a { free: true } function holding a Buffer
  // C leaves alone: cshared frees only the new string, not the Buffer's copy.
  async handed() {
    const dup = lib.func('void dup_second(char **out)', { free: true });
    const out = [Buffer.from('first\0'), null];
    await dup.async(out);
    const again = [Buffer.from('again\0'), null];
    await dup.async(again);
    return { out, again };
  },

  // Resized to 0 inside the callback, between C's two writes.
  async 'resize-callback'() {
    const ab = new ArrayBuffer(MiB, { maxByteLength: MiB });
    const r = await fillAround.async(new Uint8Array(ab), MiB, 0x30, (v) => {
      ab.resize(0);
      return v + 3;
    });
    return { r, after: ab.byteLength };
  },
};

modes[mode]().then(
  (r) => console.log(JSON.stringify(r)),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
