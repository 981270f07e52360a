'use strict';
// Threads, workers and lifetimes; each scenario in its own process.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { cLibrary } = require('./helpers/fixtures');
const { rssUnmeasurable } = require('./helpers/rss');
const { load } = require('..');

test('workers load cshared by themselves and call concurrently; terminating them mid-call is safe', (t) => {
  const r = spawnSync(process.execPath, [path.join(__dirname, 'scenarios', 'workers.js'), cLibrary('types'), cLibrary('callbacks', ['-pthread'])], {
    encoding: 'utf8',
    timeout: 120000,
  });
  assert.equal(r.signal, null, r.stderr);
  assert.equal(r.status, 0, r.stderr);
  const m = /^ok (.*)$/m.exec(r.stdout);
  assert.ok(m, r.stdout);
  const info = JSON.parse(m[1]);
  assert.equal(info.threads, 5);
  const why = rssUnmeasurable();
  if (why) return t.skip(why);
  // 20 more terminated workers with 400 async calls each must not grow memory much.
  assert.ok(info.rssMiB[2] - info.rssMiB[1] < 40, `RSS ${info.rssMiB.join(' -> ')} MiB`);
});

test('the fixture join() returns a buffer per thread, so concurrent workers each read their own result', async () => {
  const join = load(cLibrary('types')).func('void *join(const char *a, const char *b)');
  const here = join('a', 'b');
  const there = await join.async('a', 'b');
  assert.equal(join('a', 'b').address, here.address);
  assert.notEqual(there.address, here.address);
});
