'use strict';
// process.exit() with async calls still running.
const { load } = require('../..');
const lib = load(process.argv[2]);
const slowAdd = lib.func('int slow_add(int a, int b)');
for (let i = 0; i < 100; i++) slowAdd.async(i, i);
setTimeout(() => process.exit(0), 1);
