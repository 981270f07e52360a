'use strict';
// Exit with goroutines running: normally, or via process.exit() right after a call.
const { load } = require('../..');
const lib = load(process.argv[2]);
const ModXY = lib.func('GoInt ModXY(GoInt x, GoInt y)');
lib.func('void StartSpinners(GoInt n)')(4);
if (ModXY(13, 2) !== 1) throw new Error('ModXY');
if (process.argv[3] === 'exit-now') {
  setTimeout(() => {
    ModXY(1, 1);
    process.exit(7);
  }, 50);
} else {
  setTimeout(() => console.log('ok'), 200);
}
