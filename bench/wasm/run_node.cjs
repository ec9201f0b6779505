// run_node.cjs - the V8 column of bench_wasm: instantiates a kernel module in node and times
// its export. Usage: node run_node.cjs FILE.wasm EXPORT ROUNDS
// Prints "<result> <best ms> <first ms>": the first round includes V8's tier-up (Liftoff,
// then TurboFan in the background); the best round is the steady state.
'use strict';
const fs = require('fs');
const [file, name, roundsArg] = process.argv.slice(2);
const rounds = Math.max(1, parseInt(roundsArg || '3', 10));
const wasmModule = new WebAssembly.Module(fs.readFileSync(file));
const instance = new WebAssembly.Instance(wasmModule, {});
const fn = instance.exports[name];
let best = Infinity, first = 0, result = 0;
for (let i = 0; i < rounds; i++) {
  const t0 = process.hrtime.bigint();
  result = fn();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (i === 0) first = ms;
  best = Math.min(best, ms);
}
console.log(`${result >>> 0} ${best.toFixed(3)} ${first.toFixed(3)}`);
