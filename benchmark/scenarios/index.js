'use strict';
// The benchmark's scenarios, in the order they run and are reported. A
// scenario is one module here:
//   { id, title, about, goals: [text], run(ctx) → result | Promise<result> }
// and run(ctx) returns either { unavailable: 'why' } (feature detection) or
//   { columns, rows, checks: [{ case, goal, value, met, text }], notes }.
// It runs in a child process of its own (lib/child.js). To add a scenario,
// write its module and list it here.
module.exports = [
  require('./scalar'),
  require('./data'),
  require('./go'),
  require('./headers'),
  require('./callbacks'),
  require('./async'),
  require('./batch'),
];
