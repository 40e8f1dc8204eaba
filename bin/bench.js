#!/usr/bin/env node
// `npm run bench`: speed figures for the model (labs per second, events per second) and the path
// formatter, printed — never asserted. Run on an idle machine to compare commits.
import { register } from 'tsx/esm/api';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

register();
const { runLab } = await import('../src-main/lab/session.ts');
const { formatPath } = await import('../src-main/cli/format-path.ts');

const dir = new URL('../resources/labs/', import.meta.url).pathname;
const labs = readdirSync(dir).filter((f) => f.endsWith('.lab')).sort();
const rows = [];
for (const f of labs) {
  const text = readFileSync(join(dir, f), 'utf8');
  runLab(text, { seed: 1 }); // warm-up
  const n = 20;
  let events = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) events += runLab(text, { seed: i + 1 }).events.length;
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  rows.push({ lab: f, 'ms/run': (ms / n).toFixed(2), 'events/run': Math.round(events / n), 'events/s': Math.round((events / ms) * 1000) });
}
console.table(rows);

// A large lab: many probes on one bridge, to see how the model scales with the log size.
const big = readFileSync(join(dir, 'bridge-two-containers.lab'), 'utf8').replace(/^probe .*$/m, (p) => Array.from({ length: 200 }, () => p).join('\n'));
const t1 = process.hrtime.bigint();
const run = runLab(big, { seed: 1 });
const ms1 = Number(process.hrtime.bigint() - t1) / 1e6;
const t2 = process.hrtime.bigint();
const text = formatPath(run);
const ms2 = Number(process.hrtime.bigint() - t2) / 1e6;
console.log(`200 probes: ${run.events.length} events in ${ms1.toFixed(0)} ms (${Math.round((run.events.length / ms1) * 1000)} events/s); formatPath ${ms2.toFixed(0)} ms for ${text.length} bytes`);
