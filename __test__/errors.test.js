'use strict';
// Every error cshared throws has a class and a stable `code`, and leaves
// nothing broken behind it.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { load } = require('..');
const { cLibrary, root } = require('./helpers/fixtures');

const libPath = cLibrary('types');

test('ERR_LOAD: a missing file names the path and the reason', () => {
  const missing = path.join(root, 'build', 'no-such-lib.so');
  assert.throws(() => load(missing), (e) => {
    assert.equal(e.code, 'ERR_LOAD');
    assert.ok(e instanceof Error);
    assert.ok(e.message.includes(missing), e.message);
    assert.match(e.message, /No such file|cannot open|not found/i);
    return true;
  });
});

test('ERR_LOAD: a file that is not a library', () => {
  const notLib = path.join(root, 'fixtures', 'types.c');
  assert.throws(() => load(notLib), (e) => {
    assert.equal(e.code, 'ERR_LOAD');
    assert.ok(e.message.includes(notLib), e.message);
    // Windows: ERROR_BAD_EXE_FORMAT.
    assert.match(e.message, process.platform === 'win32' ? /\(os error 193\)/ : /ELF|invalid|too short|not a/i);
    return true;
  });
});

test('load() with a non-string path is a TypeError', () => {
  assert.throws(() => load(42), { name: 'TypeError', code: 'ERR_ARG_TYPE' });
  assert.throws(() => load(), { name: 'TypeError', code: 'ERR_ARG_TYPE' });
  assert.throws(() => load(libPath, { bigint: 'yes' }), { name: 'TypeError', code: 'ERR_ARG_TYPE' });
});

test('ERR_SYMBOL names the symbol and the library', () => {
  const lib = load(libPath);
  assert.throws(() => lib.func('int no_such_function(int x)'), (e) => {
    assert.equal(e.code, 'ERR_SYMBOL');
    assert.ok(e.message.includes('no_such_function'), e.message);
    assert.ok(e.message.includes(libPath), e.message);
    return true;
  });
  assert.throws(() => lib.symbol('no_such_symbol'), { code: 'ERR_SYMBOL' });
});

test('ERR_PARSE gives the column', () => {
  const lib = load(libPath);
  assert.throws(() => lib.func('int id_int(int x'), (e) => {
    assert.equal(e.code, 'ERR_PARSE');
    assert.equal(e.column, 17);
    assert.match(e.message, /column 17/);
    return true;
  });
  assert.throws(() => lib.func('int id_int(int x,, int y)'), { code: 'ERR_PARSE', column: 18 });
  assert.throws(() => lib.func('id_int(int x)'), { code: 'ERR_PARSE' });
  assert.throws(() => lib.func('int'), { code: 'ERR_PARSE' });
  assert.throws(() => lib.func(''), { code: 'ERR_PARSE' });
  assert.throws(() => lib.func('int id_int(int x) garbage'), { code: 'ERR_PARSE' });
  assert.throws(() => lib.func('int x'), { code: 'ERR_PARSE', message: /not declared as a function/ });
});

test('ERR_PARSE: an unknown type name is named', () => {
  const lib = load(libPath);
  assert.throws(() => lib.func('mystery_t id_int(int x)'), { code: 'ERR_PARSE', message: /mystery_t/ });
  assert.throws(() => lib.func('int id_int(widget_t x)'), { code: 'ERR_PARSE', message: /widget_t/, column: 12 });
  assert.throws(() => lib.func('id_int', 'int65', ['int']), { code: 'ERR_PARSE', message: /int65/ });
  assert.throws(() => lib.func('id_int', 'int', ['strnig']), { code: 'ERR_PARSE', message: /strnig/ });
  assert.throws(() => lib.func('long double id_int(int x)'), { code: 'ERR_UNSUPPORTED', message: /long double/ });
});

test('a type that parses but cannot be passed is ERR_UNSUPPORTED', () => {
  const lib = load(libPath);
  assert.throws(() => lib.func('int id_int(struct opaque x)'), { code: 'ERR_UNSUPPORTED', message: /struct opaque/ });
});

test('lib.func() with bad arguments is a TypeError', () => {
  const lib = load(libPath);
  assert.throws(() => lib.func(), { name: 'TypeError', code: 'ERR_ARG_COUNT' });
  assert.throws(() => lib.func(42), { name: 'TypeError', code: 'ERR_ARG_TYPE' });
  assert.throws(() => lib.func('id_int', 'int', 'int'), { name: 'TypeError', code: 'ERR_ARG_TYPE' });
  assert.throws(() => lib.func('int id_int(int x)', 5), { name: 'TypeError', code: 'ERR_ARG_TYPE' });
});

test('wrong argument count, type and range name the parameter', () => {
  const lib = load(libPath);
  const f = lib.func('long long ModXY(long long x, long long y)');
  assert.throws(() => f(1), { name: 'TypeError', code: 'ERR_ARG_COUNT', message: 'ModXY() takes 2 arguments, got 1' });
  assert.throws(() => f(1, 2, 3), { name: 'TypeError', code: 'ERR_ARG_COUNT' });
  assert.throws(() => f(1, 'two'), { name: 'TypeError', code: 'ERR_ARG_TYPE', message: /ModXY\(\): argument 2 \(y\)/ });
  assert.throws(() => f(2 ** 63, 1), { name: 'RangeError', code: 'ERR_ARG_RANGE', message: /argument 1 \(x\)/ });
  assert.throws(() => f(0.5, 1), { name: 'RangeError', code: 'ERR_ARG_RANGE', message: /integer/ });
  const g = lib.func('int id_int(int)');
  assert.throws(() => g('x'), { name: 'TypeError', code: 'ERR_ARG_TYPE', message: /^id_int\(\): argument 1 must be/ });
});

test('a NUL inside a string for char * is a TypeError', () => {
  const lib = load(libPath);
  const f = lib.func('size_t str_len(const char *s)');
  assert.throws(() => f('ab\0'), { name: 'TypeError', code: 'ERR_ARG_VALUE', message: /argument 1 \(s\)/ });
  assert.equal(f('ab'), 2);
});

test('ERR_CLOSED after close(), for calls, binding and symbols', () => {
  const lib = load(libPath);
  const f = lib.func('int id_int(int x)');
  const s = lib.func('size_t str_len(const char *s)');
  assert.equal(f(3), 3);
  assert.equal(lib.closed, false);
  lib.close();
  assert.equal(lib.closed, true);
  assert.throws(() => f(3), { code: 'ERR_CLOSED', message: /id_int/ });
  assert.throws(() => s('abc'), { code: 'ERR_CLOSED' });
  assert.throws(() => lib.func('int id_int(int x)'), { code: 'ERR_CLOSED' });
  assert.throws(() => lib.symbol('global_value'), { code: 'ERR_CLOSED' });
  lib.close();
  // Other handles to the same file are unaffected.
  const again = load(libPath);
  assert.equal(again.func('int id_int(int x)')(7), 7);
});

test('after an error, the function still works', () => {
  const lib = load(libPath);
  const f = lib.func('double sum10(int8_t a, int16_t b, int32_t c, int64_t d, uint8_t e, uint16_t f, uint32_t g, uint64_t h, float x, double y)');
  assert.throws(() => f(1, 2, 3, 4, 5, 6, 7, 8, 9, 'x'), { code: 'ERR_ARG_TYPE' });
  assert.throws(() => f(1000, 2, 3, 4, 5, 6, 7, 8, 9, 10), { code: 'ERR_ARG_RANGE' });
  assert.equal(f(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 55);
});
