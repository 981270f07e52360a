'use strict';
// Soak: many calls mixing strings in and out, Buffers, structs, callbacks,
// owned strings and async calls; prints RSS, V8's used heap and external
// memory after GC at every tenth of the run.
// Usage: node --expose-gc --min-semi-space-size=16 --max-semi-space-size=16 \
//          soak.js <calls> <types lib> <callbacks lib> <layout lib> <layout header>
// (A fixed young generation: otherwise V8 grows it in steps as the
// allocation rate stays high, and RSS rises with no memory in use.)
const { load, decode } = require('../..');
const [totalArg, typesPath, cbPath, layoutPath, layoutHeader] = process.argv.slice(2);
const total = Number(totalArg);
const types = load(typesPath);
const cbs = load(cbPath);
const layout = load(layoutPath, { header: layoutHeader });
const { libc: crt, C } = require('../helpers/libc');
const libc = crt();

const idStr = types.func('const char *id_str(const char *s)');
const join = types.func('const char *join(const char *a, const char *b)');
const fill = types.func('void fill_bytes(uint8_t *buf, size_t n)');
const sumD = types.func('double sum_doubles(const double *xs, size_t n)');
const apply = cbs.func('int apply(int (*f)(int), int x)');
const strdup = libc.func(`char *${C.strdup}(const char *s)`, { free: true });
const slowAdd = cbs.func('int succeed(void)');
const outInt = cbs.func('int out_int(int *out)');
const qsort = libc.func('void qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))');
const memset = libc.func('void *memset(void *s, int c, size_t n)');
const byInt = (a, b) => decode(a, 'int') - decode(b, 'int');
const unsorted = new Int32Array(16).map((_, k) => (k * 7) % 16);
const sorted = new Int32Array(16);
const buf = Buffer.alloc(64);
const ds = new Float64Array([1, 2, 3]);

const mib = () => process.memoryUsage().rss / 1048576;
async function main() {
  const step = Math.max(1, Math.floor(total / 10));
  const samples = [];
  const heap = [];
  const external = [];
  let i = 0;
  let check = 0;
  while (i < total) {
    const end = Math.min(total, i + step);
    for (; i < end; i++) {
      switch (i % 8) {
        case 0:
          check += idStr('héllo wörld ' + (i & 15)).length;
          break;
        case 1:
          check += join('a', 'bç').length;
          break;
        case 2:
          fill(buf, 64);
          check += buf[3];
          break;
        case 3:
          check += layout.l_mixed_sum({ f: 0.5, i: i & 255, d: 1 });
          check += layout.l_mixed_make(1, 2, 3).i;
          break;
        case 4:
          check += apply((x) => x + 1, i & 1023);
          break;
        case 5:
          check += strdup('owned string ' + (i & 7)).length;
          break;
        case 6: {
          const o = [0];
          outInt(o);
          check += o[0] + sumD(ds, 3);
          break;
        }
        default:
          if ((i & 1023) === 7) {
            const all = [];
            for (let k = 0; k < 64; k++) all.push(slowAdd.async());
            await Promise.all(all);
          } else if ((i & 63) === 15) {
            // About 60 comparator calls reading the array with decode().
            sorted.set(unsorted);
            qsort(sorted, 16, 4, byInt);
            check += sorted[15] === 15 ? 1 : -1e9;
          } else {
            check += decode(memset(buf, 1, 4), 'int') === 0x01010101 ? 1 : -1e9;
          }
      }
    }
    global.gc();
    samples.push(mib());
    const m = process.memoryUsage();
    heap.push(m.heapUsed / 1048576);
    external.push(m.external / 1048576);
  }
  const growth = samples[samples.length - 1] - samples[0];
  const r1 = (xs) => xs.map((x) => Math.round(x * 10) / 10);
  console.log(
    JSON.stringify({
      calls: total,
      rssMiB: r1(samples),
      heapUsedMiB: r1(heap),
      externalMiB: r1(external),
      growthMiB: Math.round(growth * 100) / 100,
      check: check > 0,
    }),
  );
}
main();
