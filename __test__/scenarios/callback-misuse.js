'use strict';
// C calls a callback that no JS function is behind any more. On the JS
// thread, the call it happens in throws ERR_CALLBACK_EXPIRED (C gets 0);
// from another thread, the process stops with a message naming it, rather
// than let C run on with a made-up result.
const { load, callback, register, unregister } = require('../..');
const lib = load(process.argv[2]);
const intFn = callback('int int_fn(int x)');
const setHandler = lib.func('void set_handler(int_fn *f)');
const fire = lib.func('int fire(int x)');
const fireInThread = lib.func('int fire_in_thread(int x)');

function attempt(f) {
  try {
    return `returned ${f()}`;
  } catch (e) {
    return `threw ${e.code}: ${e.message}`;
  }
}

const mode = process.argv[3];
if (mode === 'unregistered') {
  const ptr = register(function handler(x) {
    return x + 1;
  }, intFn);
  setHandler(ptr);
  console.log(attempt(() => fire(1)));
  unregister(ptr);
  console.log(attempt(() => fire(2)));
  console.log(attempt(() => fire(3)));
} else if (mode === 'expired') {
  // set_handler keeps the pointer it was lent for one call.
  setHandler(function keepMe(x) {
    return x * 10;
  });
  console.log(attempt(() => fire(3)));
  // A function lent later to another call of the same type may reuse the
  // closure; once that call is over, it is expired again.
  setHandler(function other(x) {
    return x;
  });
  console.log(attempt(() => fire(4)));
} else if (mode === 'expired-thread') {
  setHandler(function keepMe(x) {
    return x;
  });
  console.log(attempt(() => fireInThread(5)));
}
console.log('still running');
