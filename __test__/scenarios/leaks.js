'use strict';
// One binding loop, and the memory it keeps (run with --expose-gc):
//
//   node --expose-gc leaks.js <loop> <iterations> <libtypes> [warm-up]
//
// The loop runs `warm-up` times (default a tenth of the iterations, at
// least 2,000), then twice `iterations` times: round 1 and round 2. Each
// run is one synchronous loop, as in the reports (nothing else runs
// meanwhile, so Node-API runs no finalizer until it ends). After each, GC
// and a settle (the event loop turns, so finalizers run), then a reading:
//   rss     resident set size
//   native  bytes malloc() holds from the system (glibc: arena + mmapped,
//           in use or free), the native heap's footprint; null elsewhere
//   used    bytes malloc() has handed out and not taken back (glibc)
// Printed: { loop, iterations, readings: [after warm-up, round 1, round 2],
// perIteration: { round1: {rss, native, used}, round2: {...} } } in bytes
// per iteration. Round 1 is what a program sees the first time; round 2 is
// the steady state. Used by __test__/leaks.test.js and for TESTING.md
// ("Leaks when binding"), whose table `all` prints, each loop in a child
// process of its own:
//
//   node leaks.js all <iterations> <libtypes> [warm-up]
const { spawnSync } = require('node:child_process');
const { load, cdef, struct, callback, register, unregister } = require('../..');

const [loop, countArg, libPath, warmArg] = process.argv.slice(2);
const count = Number(countArg);
const warmUp = warmArg !== undefined ? Number(warmArg) : Math.max(2000, Math.round(count / 10));

const headerText = `
#include <stdint.h>
typedef struct point { int x; int y; } point;
typedef int (*int_fn)(int);
long long ModXY(long long x, long long y);
int32_t id_int32(int32_t x);
double id_double(double x);
point make_point(int x, int y);
int apply(int_fn f, int x);
#define ANSWER 42
enum color { RED, GREEN = 5, BLUE };
`;

const shared = libPath ? load(libPath) : null;
const intFn = callback('int int_fn(int x)');
const handler = (x) => x + 1;

const loops = {
  // lib.func() of the same prototype, called once.
  func() {
    const f = shared.func('long long ModXY(long long x, long long y)');
    if (f(7, 4) !== 3) throw new Error('ModXY');
  },
  // The same with lib.func(name, result, params).
  func3() {
    const f = shared.func('ModXY', 'int64', ['int64', 'int64']);
    if (f(7, 4) !== 3) throw new Error('ModXY');
  },
  // load() + close().
  load() {
    load(libPath).close();
  },
  // load() with a header text + close().
  header() {
    load(libPath, { header: { text: headerText } }).close();
  },
  // The same, with one of the header's functions called.
  headerCall() {
    const lib = load(libPath, { header: { text: headerText } });
    if (lib.ModXY(7, 4) !== 3) throw new Error('ModXY');
    lib.close();
  },
  // register() + unregister() of the same function.
  register() {
    unregister(register(handler, intFn));
  },
  // register() + unregister() of a new function each time.
  registerNew() {
    unregister(register((x) => x + 1, intFn));
  },
  // cdef() of the same text.
  cdef() {
    cdef('struct leak_point { int x; int y; }; typedef int (*leak_fn)(struct leak_point *p);');
  },
  // An anonymous struct().
  struct() {
    struct({ x: 'int', y: 'double', name: 'const char *' });
  },
  // The same callback() declared again.
  callback() {
    callback('int leak_cmp(const void *a, const void *b)');
  },
};

if (loop === 'all') {
  table();
  process.exit(0);
}

// Every loop, each in a child process, as a Markdown table.
function table() {
  const f = (v) => (v === null ? 'n/a' : v.toFixed(1));
  console.log('| loop | round 1: RSS | native heap | in use | round 2: RSS | native heap | in use |');
  console.log('|---|---|---|---|---|---|---|');
  for (const name of Object.keys(loops)) {
    const args = ['--expose-gc', __filename, name, String(count), libPath];
    if (warmArg !== undefined) args.push(warmArg);
    const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
    if (r.status !== 0) {
      console.log(`| ${name} | failed: ${(r.stderr || '').trim().split('\n').pop()} |`);
      continue;
    }
    const { round1: a, round2: b } = JSON.parse(r.stdout).perIteration;
    console.log(`| ${name} | ${f(a.rss)} | ${f(a.native)} | ${f(a.used)} | ${f(b.rss)} | ${f(b.native)} | ${f(b.used)} |`);
  }
}

const run = loops[loop];
if (!run || !(count > 0) || !(warmUp >= 0) || typeof global.gc !== 'function') {
  console.error(`usage: node --expose-gc leaks.js <${Object.keys(loops).join('|')}|all> <iterations> <libtypes> [warm-up]`);
  process.exit(2);
}

// glibc's view of the native heap (mallinfo2 is glibc 2.33 and later).
let mallinfo = () => null;
if (process.platform === 'linux') {
  try {
    const info = load(null).func(
      'struct mallinfo2 { size_t arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost; } mallinfo2(void)',
    );
    mallinfo = info;
  } catch {
    // musl, or an older glibc
  }
}

const tick = () => new Promise((r) => setImmediate(r));
async function reading() {
  // Finalizers of what GC collected run from the event loop.
  for (let i = 0; i < 4; i++) {
    global.gc();
    await tick();
  }
  await new Promise((r) => setTimeout(r, 20));
  global.gc();
  await tick();
  const m = mallinfo();
  return {
    rss: process.memoryUsage().rss,
    native: m ? m.arena + m.hblkhd : null,
    used: m ? m.uordblks + m.hblkhd : null,
  };
}

function iterate(n) {
  for (let i = 0; i < n; i++) run();
}

async function main() {
  iterate(warmUp);
  const r0 = await reading();
  iterate(count);
  const r1 = await reading();
  iterate(count);
  const r2 = await reading();
  const per = (a, b) => {
    const out = {};
    for (const k of Object.keys(a)) out[k] = a[k] === null ? null : Math.round(((b[k] - a[k]) / count) * 10) / 10;
    return out;
  };
  console.log(
    JSON.stringify({
      loop,
      iterations: count,
      warmUp,
      readings: [r0, r1, r2],
      perIteration: { round1: per(r0, r1), round2: per(r1, r2) },
    }),
  );
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
