'use strict';
// C calls a callback that no JS function is behind any more: the process
// must stop with a message naming it, never corrupt memory.
const { load, callback, register, unregister } = require('../..');
const lib = load(process.argv[2]);
const intFn = callback('int int_fn(int x)');
const setHandler = lib.func('void set_handler(int_fn *f)');
const fire = lib.func('int fire(int x)');
if (process.argv[3] === 'unregistered') {
  const ptr = register(function handler(x) {
    return x;
  }, intFn);
  setHandler(ptr);
  fire(1);
  unregister(ptr);
  fire(2);
} else {
  // set_handler keeps the pointer it was lent for one call.
  setHandler(function keepMe(x) {
    return x;
  });
  fire(3);
}
console.log('unreachable');
