'use strict';
// What cshared learns from a Go package's source (goSource): slices typed by
// element, Go's result names, bool, doc comments in the typings; that Go can
// never reach past the JS memory passed for a slice; C strings handed over
// and freed (load's { free }); and file: URLs for load(). Go runtime
// scenarios that could crash run in child processes.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { spawnSync, execFileSync } = require('node:child_process');
const { load, typings } = require('..');
const { goOrSkip, buildDir, root } = require('./helpers/fixtures');
const { typecheck } = require('./helpers/typecheck');
const { rssUnmeasurable } = require('./helpers/rss');

let cached;
/** libgostats bound from its header and its Go source, with its C strings freed. */
function stats(t) {
  const go = goOrSkip(t, 'gostats');
  if (!go) return null;
  if (!cached) {
    cached = {
      go,
      lib: load(go.path, {
        header: go.header,
        goSource: go.source,
        free: { Reverse: true, Pad: true, Slugify: 'TkFree', Describe: true, Head: true },
      }),
    };
  }
  return cached;
}

test("the issue's Stats calls: a []float64 takes numbers, checked, and only a Float64Array", (t) => {
  const s = stats(t);
  if (!s) return;
  const { lib } = s;
  // Was: "must be an integer" (a plain array was taken as []int).
  assert.deepEqual(lib.Stats([1.5, 2.5]), { mean: 2, min: 1.5, max: 2.5, n: 2 });
  // Was: { r0: 1e-323, ... } (integers read as float64 bits).
  assert.deepEqual(lib.Stats([1, 2, 3]), { mean: 2, min: 1, max: 3, n: 3 });
  assert.deepEqual(lib.Stats(new Float64Array([4, 5])), { mean: 4.5, min: 4, max: 5, n: 2 });
  assert.deepEqual(lib.Stats(null), { mean: 0, min: 0, max: 0, n: 0 });
  assert.deepEqual(lib.Stats([]), { mean: 0, min: 0, max: 0, n: 0 });
  // Was: Go read 24 bytes past the 12 of the Int32Array.
  for (const wrong of [new Int32Array([1, 2, 3]), new Float32Array(3), new Uint8Array(24), new BigInt64Array(3)]) {
    assert.throws(() => lib.Stats(wrong), {
      name: 'TypeError',
      code: 'ERR_ARG_TYPE',
      message: /^Stats\(\): argument 1 \(xs\) must be a Float64Array, an array of numbers or null \(\[\]float64\)/,
    });
  }
  for (const wrong of [new DataView(new ArrayBuffer(8)), new ArrayBuffer(8), 'abc', 3, { length: 1 }]) {
    assert.throws(() => lib.Stats(wrong), { code: 'ERR_ARG_TYPE' });
  }
  assert.throws(() => lib.Stats(['1']), { code: 'ERR_ARG_TYPE', message: /Stats\(\): argument 1 \(xs\)\[0\]/ });
  assert.throws(() => lib.Stats([1n]), { code: 'ERR_ARG_TYPE' });
});

test('Normalize(new Uint8Array(ab, 0, 4)) can no longer overrun: bytes 4..31 of ab are unchanged', (t) => {
  const s = stats(t);
  if (!s) return;
  const { go, lib } = s;
  const fresh = () => {
    const ab = new ArrayBuffer(32);
    new Uint8Array(ab).fill(0xab);
    return ab;
  };
  const untouched = (ab, from) => assert.deepEqual([...new Uint8Array(ab, from)], new Array(32 - from).fill(0xab));
  // Each way of binding it: from the Go source, from the header alone, by
  // prototype with the GoSlice of the header, and by prototype with []float64.
  const headerOnly = load(go.path, { header: go.header });
  const ways = [
    [lib.Normalize, 'ERR_ARG_TYPE'],
    [headerOnly.Normalize, 'ERR_UNSUPPORTED'],
    [headerOnly.func('void Normalize(GoSlice xs)'), 'ERR_UNSUPPORTED'],
    [headerOnly.func('void Normalize([]float64 xs)'), 'ERR_ARG_TYPE'],
  ];
  for (const [normalize, code] of ways) {
    const ab = fresh();
    assert.throws(() => normalize(new Uint8Array(ab, 0, 4)), { code });
    untouched(ab, 0);
    // Nor through a Buffer, a DataView or the ArrayBuffer itself.
    assert.throws(() => normalize(Buffer.from(ab, 0, 4)), { code });
    assert.throws(() => normalize(new DataView(ab, 0, 4)));
    assert.throws(() => normalize(ab));
    untouched(ab, 0);
  }
  // The right view: Go writes its 16 bytes and nothing after them.
  const ab = fresh();
  const view = new Float64Array(ab, 0, 2);
  view.set([1, 3]);
  lib.Normalize(view);
  assert.deepEqual([...view], [0.25, 0.75]);
  untouched(ab, 16);
});

test('async calls take the same slice rules', async (t) => {
  const s = stats(t);
  if (!s) return;
  const { go, lib } = s;
  const ab = new ArrayBuffer(32);
  new Uint8Array(ab).fill(0xab);
  await assert.rejects(lib.Normalize.async(new Uint8Array(ab, 0, 4)), { code: 'ERR_ARG_TYPE' });
  const headerOnly = load(go.path, { header: go.header });
  await assert.rejects(headerOnly.Normalize.async(new Uint8Array(ab, 0, 4)), { code: 'ERR_UNSUPPORTED' });
  assert.deepEqual([...new Uint8Array(ab)], new Array(32).fill(0xab));
  const v = new Float64Array(ab, 8, 2);
  v.set([2, 6]);
  await lib.Normalize.async(v);
  assert.deepEqual([...v], [0.25, 0.75]);
  assert.deepEqual([...new Uint8Array(ab, 0, 8)], new Array(8).fill(0xab));
  assert.deepEqual([...new Uint8Array(ab, 24)], new Array(8).fill(0xab));
  assert.deepEqual(await lib.Stats.async([1, 2, 3]), { mean: 2, min: 1, max: 3, n: 3 });
});

test('every numeric element type: its TypedArray, or a plain array converted, range-checked and copied back', (t) => {
  const s = stats(t);
  if (!s) return;
  const { lib } = s;
  const xs = [1, 3];
  lib.Normalize(xs);
  assert.deepEqual(xs, [0.25, 0.75]);
  const ints = [1, -2, 2 ** 40];
  lib.Double(ints);
  assert.deepEqual(ints, [2, -4, 2 ** 41]);
  const big = new BigInt64Array([3n, 4n]);
  lib.Double(big);
  assert.deepEqual([...big], [6n, 8n]);
  assert.equal(lib.SumInts([1, 2n, 3]), 6);
  assert.throws(() => lib.SumInts(new Int32Array(2)), { code: 'ERR_ARG_TYPE', message: /BigInt64Array/ });
  assert.throws(() => lib.SumInts([0.5]), { code: 'ERR_ARG_RANGE' });
  // []byte: a Uint8Array or Buffer, not a Uint8ClampedArray or Int8Array.
  const b = [0, 0, 0];
  assert.equal(lib.Fill(b, 7), 3);
  assert.deepEqual(b, [7, 7, 7]);
  const buf = Buffer.alloc(5);
  assert.equal(lib.Fill(buf, 9), 5);
  assert.deepEqual([...buf], [9, 9, 9, 9, 9]);
  assert.throws(() => lib.Fill([256], 1), { name: 'RangeError', code: 'ERR_ARG_RANGE', message: /Fill\(\): argument 1 \(b\)\[0\] \(uint8\)/ });
  assert.throws(() => lib.Fill([-1], 1), { code: 'ERR_ARG_RANGE' });
  assert.throws(() => lib.Fill(new Int8Array(2), 1), { code: 'ERR_ARG_TYPE', message: /Uint8Array/ });
  assert.throws(() => lib.Fill(new Uint8ClampedArray(2), 1), { code: 'ERR_ARG_TYPE', message: /Uint8Array/ });
  // []int32, []uint16, []float32.
  assert.deepEqual(lib.MinMax([3, -1, 9]), { lo: -1, hi: 9, ok: true });
  assert.deepEqual(lib.MinMax(new Int32Array([5])), { lo: 5, hi: 5, ok: true });
  assert.throws(() => lib.MinMax([2 ** 31]), { code: 'ERR_ARG_RANGE' });
  assert.throws(() => lib.MinMax(new Uint32Array(1)), { code: 'ERR_ARG_TYPE', message: /Int32Array/ });
  assert.equal(lib.SliceLen(new Uint16Array(4)), 4004);
  assert.equal(lib.SliceLen([1, 2, 65535]), 3003);
  assert.throws(() => lib.SliceLen([65536]), { code: 'ERR_ARG_RANGE' });
  const f32 = new Float32Array([1.5, -2]);
  lib.Scale(f32, 2);
  assert.deepEqual([...f32], [3, -4]);
  const plain = [0.5, 1];
  lib.Scale(plain, 4);
  assert.deepEqual(plain, [2, 4]);
});

test("results keep Go's names (unnamed stay r0, r1…), bool is a boolean, params are grouped", (t) => {
  const s = stats(t);
  if (!s) return;
  const { lib } = s;
  assert.deepEqual(Object.keys(lib.Stats([1])), ['mean', 'min', 'max', 'n']);
  assert.deepEqual(lib.DivMod(17, 5), { r0: 3, r1: 2 });
  assert.deepEqual(lib.MinMax(null), { lo: 0, hi: 0, ok: false });
  assert.equal(lib.Clamp(5, 0, 1), 1);
  assert.equal(lib.Clamp(-5, 0, 1), 0);
  assert.equal(lib.Pick(true, 1, 2), 1);
  assert.equal(lib.Pick(false, 1, 2), 2);
  assert.throws(() => lib.Pick(1, 1, 2), { code: 'ERR_ARG_TYPE', message: /Pick\(\): argument 1 \(first\)/ });
  assert.equal(lib.IsEven(4), true);
  assert.equal(lib.IsEven(3), false);
  assert.equal(lib.Peek(Buffer.from([42])), 42);
  assert.equal(lib.types.Stats_return.size, 32);
  // Without the Go source: cgo's names.
  const headerOnly = load(s.go.path, { header: s.go.header });
  assert.deepEqual(Object.keys(headerOnly.Stats(null)), ['r0', 'r1', 'r2', 'r3']);
  assert.equal(headerOnly.IsEven(4), 1);
});

test('what the Go reader does not understand is in lib.skipped; the function works as the header says', (t) => {
  const s = stats(t);
  if (!s) return;
  const { lib, go } = s;
  const count = lib.skipped.filter((x) => x.name === 'Count');
  assert.equal(count.length, 1, JSON.stringify(lib.skipped));
  assert.match(count[0].reason, /^goSource: Count\(\): parameter 1 \(words\) is \[\]string, a type the Go reader does not know; it takes only null/);
  assert.equal(count[0].file, path.join(go.source, 'main.go'));
  assert.equal(fs.readFileSync(count[0].file, 'utf8').split('\n')[count[0].line - 1], 'func Count(words []string) int { return len(words) }');
  assert.equal(lib.Count(null), 0);
  assert.throws(() => lib.Count(['a']), { code: 'ERR_UNSUPPORTED', message: /goSource/ });
  // Nothing else of this package is skipped.
  assert.deepEqual(lib.skipped.filter((x) => x.reason.startsWith('goSource')).map((x) => x.name), ['Count']);
});

test('goSource: a directory, one .go file or a file: URL; a source that disagrees with the header is reported', (t) => {
  const go = goOrSkip(t, 'gostats');
  if (!go) return;
  const file = path.join(go.source, 'main.go');
  for (const goSource of [go.source, file, pathToFileURL(file), pathToFileURL(go.source)]) {
    const l = load(go.path, { header: go.header, goSource });
    assert.deepEqual(l.Stats([2]), { mean: 2, min: 2, max: 2, n: 1 });
  }
  // An out-of-date source: Stats takes a string there, and Extra is not in the header.
  const dir = fs.mkdtempSync(path.join(buildDir, 'gosrc-'));
  fs.writeFileSync(
    path.join(dir, 'old.go'),
    'package main\n\n//export Stats\nfunc Stats(s string) int { return 0 }\n\n//export Normalize\nfunc Normalize(xs []float64) {}\n\n//export Extra\nfunc Extra() {}\n',
  );
  const l = load(go.path, { header: go.header, goSource: dir });
  const reasons = l.skipped.map((x) => `${x.name}: ${x.reason}`);
  const has = (re) => assert.ok(reasons.some((r) => re.test(r)), reasons.join('\n'));
  has(/^Stats: goSource: Stats\(\): parameter 1 \(s\) is string in the Go source but GoSlice in the header/);
  has(/^Extra: goSource: Extra is exported in the Go source but not declared in the header/);
  has(/^MinMax: goSource: no \/\/export MinMax in the Go source; its GoSlice xs takes only null/);
  // Stats stays as the header declares it: its untyped slice takes only null.
  assert.throws(() => l.Stats([1]), { code: 'ERR_UNSUPPORTED' });
  assert.deepEqual(l.Normalize([1, 1]), undefined);
  // Bad options.
  assert.throws(() => load(go.path, { goSource: go.source }), { code: 'ERR_ARG_TYPE', message: /needs options\.header/ });
  assert.throws(() => load(go.path, { header: go.header, goSource: path.join(dir, 'missing') }), { code: 'ERR_LOAD', message: /goSource/ });
  assert.throws(() => load(go.path, { header: go.header, goSource: 42 }), { code: 'ERR_ARG_TYPE' });
  if (process.platform !== 'win32') {
    assert.throws(() => load(go.path, { header: go.header, goSource: '/dev/null' }), { code: 'ERR_LOAD', message: /not a regular file/ });
  }
  assert.throws(() => load(go.path, { header: go.header, goSource: new URL('https://example.com/x.go') }), { code: 'ERR_ARG_VALUE', message: /https:/ });
});

test('load({ free }): char * results, char * fields of result structs and char ** out-parameters are freed', (t) => {
  const s = stats(t);
  if (!s) return;
  const { lib } = s;
  assert.equal(lib.Reverse('héllo'), 'olléh');
  assert.equal(lib.Pad(3), 'xxx');
  // A string names the library's own function.
  const before = lib.TkFreed();
  assert.equal(lib.Slugify('Hello  Big World'), 'hello-big-world');
  assert.equal(lib.Slugify('Hello  Big World'), 'hello-big-world');
  assert.equal(lib.TkFreed(), before + 2);
  // A struct result's char * field.
  assert.deepEqual(lib.Describe([1, 2, 3]), { text: '###', n: 3 });
  // A char ** out-parameter: what Go put there is read, then freed; what
  // cshared put in (a string of the caller's) is not.
  const head = [null];
  assert.equal(lib.Head('alpha beta', head), 2);
  assert.deepEqual(head, ['alpha']);
  const kept = ['mine'];
  assert.equal(lib.Head('', kept), 0);
  assert.deepEqual(kept, ['mine']);
  for (let i = 0; i < 2000; i++) lib.Head('w x', [null]);
  // Async calls free the same way.
  return lib.Reverse.async('abc').then(async (r) => {
    assert.equal(r, 'cba');
    const h = [null];
    assert.equal(await lib.Head.async('one two', h), 2);
    assert.deepEqual(h, ['one']);
    const n = lib.TkFreed();
    assert.equal(await lib.Slugify.async('A B'), 'a-b');
    assert.equal(lib.TkFreed(), n + 1);
  });
});

test('load({ free }) is checked at load; lib.func() takes { free: true | name } too', (t) => {
  const go = goOrSkip(t, 'gostats');
  if (!go) return;
  const h = { header: go.header };
  assert.throws(() => load(go.path, { ...h, free: { Nope: true } }), { code: 'ERR_ARG_VALUE', message: /options\.free\.Nope: the header declares no function Nope/ });
  assert.throws(() => load(go.path, { ...h, free: { DivMod: true } }), { code: 'ERR_UNSUPPORTED', message: /options\.free\.DivMod: .*char \*/ });
  assert.throws(() => load(go.path, { ...h, free: { Reverse: 'NoSuchFree' } }), { code: 'ERR_SYMBOL', message: /NoSuchFree/ });
  assert.throws(() => load(go.path, { ...h, free: { Reverse: 1 } }), { code: 'ERR_ARG_TYPE' });
  assert.throws(() => load(go.path, { ...h, free: true }), { code: 'ERR_ARG_TYPE', message: /options\.free must be an object/ });
  assert.throws(() => load(go.path, { free: { Reverse: true } }), { code: 'ERR_ARG_TYPE', message: /needs options\.header/ });
  const l = load(go.path, { ...h, free: { Reverse: false } });
  assert.equal(l.Reverse('ab'), 'ba');
  const slug = l.func('char *Slugify(GoString s)', { free: 'TkFree' });
  const n = l.TkFreed();
  assert.equal(slug('X Y'), 'x-y');
  assert.equal(l.TkFreed(), n + 1);
  const head = l.func('GoInt Head(GoString s, char **head)', { free: true });
  const out = [null];
  assert.equal(head('q r', out), 2);
  assert.deepEqual(out, ['q']);
  assert.throws(() => l.func('GoInt TkFreed(void)', { free: 'TkFree' }), { code: 'ERR_UNSUPPORTED' });
  assert.throws(() => l.func('char *Slugify(GoString s)', { free: 'Missing' }), { code: 'ERR_SYMBOL' });
  assert.throws(() => l.func('char *Slugify(GoString s)', { free: 3 }), { code: 'ERR_ARG_TYPE' });
});

function scenario(t, name, args) {
  const go = goOrSkip(t, 'gostats');
  if (!go) return null;
  return spawnSync(process.execPath, ['--expose-gc', path.join(__dirname, 'scenarios', name), go.path, go.header, ...args], {
    encoding: 'utf8',
    timeout: 120000,
  });
}

test('memory: 100k calls of a freed *C.char result (1 KiB each) grow RSS by less than 20 MB', (t) => {
  const freed = scenario(t, 'go-free.js', ['free']);
  if (!freed) return;
  assert.equal(freed.status, 0, freed.stderr);
  const why = rssUnmeasurable();
  if (why) return t.skip(why);
  const grown = Number(/^ok (\S+)/m.exec(freed.stdout)?.[1]);
  assert.ok(grown < 20, `RSS grew by ${grown} MB`);
  // The control: unfreed, the same calls leak about 100 MB, which the
  // measurement sees.
  const leaked = scenario(t, 'go-free.js', ['leak']);
  assert.equal(leaked.status, 0, leaked.stderr);
  const lost = Number(/^ok (\S+)/m.exec(leaked.stdout)?.[1]);
  assert.ok(lost > 60, `the unfreed control grew by only ${lost} MB`);
});

test('load() takes a file: URL (new URL("./libgostats.so", import.meta.url)), as do header and goSource', (t) => {
  const go = goOrSkip(t, 'gostats');
  if (!go) return;
  const dir = path.dirname(go.path);
  const script = path.join(dir, 'url-load.mjs');
  fs.writeFileSync(
    script,
    `import { createRequire } from 'node:module'
const { load } = createRequire(import.meta.url)(${JSON.stringify(path.join(root, '..'))})
const lib = load(new URL(${JSON.stringify(`./${path.basename(go.path)}`)}, import.meta.url), {
  header: new URL('./libgostats.h', import.meta.url),
  goSource: new URL(${JSON.stringify(pathToFileURL(go.source).href + '/')}),
})
console.log(JSON.stringify(lib.Stats([1, 2])), lib.path)
`,
  );
  const r = spawnSync(process.execPath, [script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `{"mean":1.5,"min":1,"max":2,"n":2} ${go.path}\n`);
  // Percent-escapes are decoded (a symlink: the same file, so the same Go
  // runtime; Windows, where symlinks need privileges, loads a copy).
  const ext = path.extname(go.path); // .so, .dll on Windows
  const spaced = path.join(fs.mkdtempSync(path.join(buildDir, 'url dir-')), `lib gostats%${ext}`);
  if (process.platform === 'win32') fs.copyFileSync(go.path, spaced);
  else fs.symlinkSync(go.path, spaced);
  const url = pathToFileURL(spaced);
  assert.ok(url.href.endsWith(`lib%20gostats%25${ext}`) && url.href.includes('url%20dir-'), url.href);
  const viaUrl = load(url, { header: pathToFileURL(go.header) });
  assert.equal(viaUrl.path, spaced);
  assert.equal(viaUrl.Clamp(5, 0, 1), 1);
  // Other URLs, URLs with a host, and URL-like objects are refused.
  assert.throws(() => load(new URL('https://example.com/libgostats.so')), { code: 'ERR_ARG_VALUE', message: /file: URL, got a https: URL/ });
  // A host is a UNC path on Windows (\\server\share), as Node's fileURLToPath() has it.
  if (process.platform === 'win32') {
    assert.throws(() => load(new URL('file://server/share/libgostats.so')), { code: 'ERR_LOAD', message: /'\\\\server\\share\\libgostats\.so'/ });
  } else {
    assert.throws(() => load(new URL('file://server/share/libgostats.so')), { code: 'ERR_ARG_VALUE', message: /host/ });
  }
  assert.throws(() => load(new URL('file:///tmp/a%2Fb.so')), { code: 'ERR_ARG_VALUE', message: /encoded/ });
  assert.throws(() => load({ href: url.href, protocol: 'file:', pathname: url.pathname }), { code: 'ERR_ARG_TYPE', message: /string or a file: URL/ });
  if (process.platform === 'win32') {
    // A path needs its drive letter, as with Node's fileURLToPath().
    assert.throws(() => load(new URL('file:///nonexistent/libnothing.dll')), { code: 'ERR_ARG_VALUE', message: /drive letter/ });
    assert.throws(() => load(new URL('file:///C:/nonexistent/libnothing.dll')), { code: 'ERR_LOAD', message: /C:\\nonexistent\\libnothing\.dll/ });
  } else {
    assert.throws(() => load(new URL('file:///nonexistent/libnothing.so')), { code: 'ERR_LOAD', message: /\/nonexistent\/libnothing\.so/ });
  }
});

test('typings with goSource: slices typed by element, results named, Go doc comments; the CLI --go; tsc --strict', (t) => {
  const go = goOrSkip(t, 'gostats');
  if (!go) return;
  const dts = typings(go.header, { goSource: go.source, name: 'Stats' });
  assert.match(dts, /\/\*\*\n {3}\* Stats returns the mean, the smallest and the largest of xs, and how many\n {3}\* there are\.\n {3}\*\/\n {2}readonly Stats: CFunction<\[xs: Float64Array \| number\[\] \| null\], Stats_return<B>>/);
  assert.match(dts, /export interface Stats_return<B extends boolean = false> \{\n {2}mean: number\n {2}min: number\n {2}max: number\n {2}n: B extends true \? bigint : number \| bigint\n\}/);
  assert.match(dts, /export interface DivMod_return<B extends boolean = false> \{\n {2}r0: B extends true \? bigint : number \| bigint\n {2}r1: B extends true \? bigint : number \| bigint\n\}/);
  assert.match(dts, /export interface MinMax_return \{\n {2}lo: number\n {2}hi: number\n {2}ok: boolean\n\}/);
  assert.match(dts, /readonly SumInts: CFunction<\[xs: BigInt64Array \| Array<number \| bigint> \| null\], B extends true \? bigint : number \| bigint>/);
  assert.match(dts, /readonly Fill: CFunction<\[b: Uint8Array \| number\[\] \| null, v: number \| bigint\], B extends true \? bigint : number \| bigint>/);
  assert.match(dts, /readonly Pick: CFunction<\[first: boolean, a: number \| bigint, b: number \| bigint\], B extends true \? bigint : number \| bigint>/);
  assert.match(dts, /readonly Count: CFunction<\[words: null\], B extends true \? bigint : number \| bigint>/);
  // Without the Go source, cgo's untyped slices take only null.
  assert.match(typings(go.header), /readonly Stats: CFunction<\[xs: null\], Stats_return<B>>/);
  // The command line writes the same.
  const out = path.join(buildDir, 'gostats.d.ts');
  execFileSync(process.execPath, [path.join(root, '..', 'bin', 'cshared.js'), 'typings', go.header, '--go', go.source, '--name', 'Stats', '-o', out]);
  assert.equal(fs.readFileSync(out, 'utf8'), dts);
  const usage = `
    import { load } from 'cshared'
    import type { Stats, Stats_return } from './gostats'
    const lib = load<Stats>('./libgostats.so', { header: './libgostats.h', goSource: '.', free: { Reverse: true, Slugify: 'TkFree' } })
    const s: Stats_return = lib.Stats([1.5, 2.5])
    const mean: number = lib.Stats(new Float64Array(2)).mean
    const ok: boolean = lib.MinMax(new Int32Array(1)).ok
    const r: string | null = lib.Reverse('abc')
    lib.Double([1n, 2])
    lib.Fill(new Uint8Array(4), 1)
    // @ts-expect-error a []float64 takes no Int32Array
    lib.Stats(new Int32Array(3))
    // @ts-expect-error Count's []string takes only null
    lib.Count(['a'])
    // @ts-expect-error Pick's first is a bool
    lib.Pick(1, 2, 3)
    void [s, mean, ok, r]
  `;
  const errors = typecheck({ 'gostats.d.ts': dts, 'use.ts': usage });
  assert.equal(errors, '', errors);
});

test('goSource as { text, path? }: one file read by the caller (the loader cshared go pack writes), for load() and typings()', (t) => {
  const go = goOrSkip(t, 'gostats');
  if (!go) return;
  const file = path.join(go.source, 'main.go');
  const text = fs.readFileSync(file, 'utf8');
  const lib = load(go.path, { header: go.header, goSource: { text, path: 'shipped/exports.go' } });
  assert.deepEqual(lib.Stats([1.5, 2.5]), { mean: 2, min: 1.5, max: 2.5, n: 2 });
  assert.deepEqual(lib.MinMax([]), { lo: 0, hi: 0, ok: false });
  assert.throws(() => lib.Stats(new Int32Array(2)), { code: 'ERR_ARG_TYPE' });
  // What it cannot use points at the path given, at the line of the text.
  const [count] = lib.skipped.filter((x) => x.name === 'Count');
  assert.equal(count.file, 'shipped/exports.go');
  assert.equal(text.split('\n')[count.line - 1], 'func Count(words []string) int { return len(words) }');
  // Without a path, it is <goSource>; typings() takes the same.
  const [noPath] = load(go.path, { header: go.header, goSource: { text } }).skipped.filter((x) => x.name === 'Count');
  assert.equal(noPath.file, '<goSource>');
  assert.equal(typings(go.header, { goSource: { text }, name: 'Stats' }), typings(go.header, { goSource: go.source, name: 'Stats' }));
  // The text must be a string.
  assert.throws(() => load(go.path, { header: go.header, goSource: {} }), { code: 'ERR_ARG_TYPE', message: /goSource\.text must be a string/ });
  assert.throws(() => load(go.path, { header: go.header, goSource: { text: Buffer.from(text) } }), { code: 'ERR_ARG_TYPE' });
  assert.throws(() => typings(go.header, { goSource: { text, path: 3 } }), { code: 'ERR_ARG_TYPE', message: /goSource\.path/ });
});
