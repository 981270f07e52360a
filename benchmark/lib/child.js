'use strict';
// Runs one scenario in a process of its own (so one FFI's or Go's state never
// leaks into another scenario) and writes its result as JSON.
//   node child.js <scenario id> <ctx JSON file> <result file>
const fs = require('node:fs');
const scenarios = require('../scenarios');

async function main() {
  const [id, ctxFile, outFile] = process.argv.slice(2);
  const ctx = JSON.parse(fs.readFileSync(ctxFile, 'utf8'));
  ctx.log = (msg) => process.stderr.write(`${msg}\n`);
  const scenario = scenarios.find((s) => s.id === id);
  let result;
  try {
    result = await scenario.run(ctx);
  } catch (e) {
    result = { error: e.stack || String(e) };
  }
  fs.writeFileSync(outFile, JSON.stringify(result));
}

main();
