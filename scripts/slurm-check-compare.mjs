// Compares a merged run directory with a single run's (scripts/slurm-check.sh): the records less
// their timing (how long an image took differs between any two runs), metrics.json whole (it holds no
// timing), and the three CSVs byte for byte. Prints each difference; exit 1 if there is one.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';

const [single, merged] = process.argv.slice(2);
const read = (dir, name) => readFileSync(join(dir, name), 'utf8');
const records = (dir) =>
  read(dir, 'results.jsonl')
    .trim()
    .split('\n')
    .map((line) => {
      const { timing: _timing, ...rest } = JSON.parse(line);
      return rest;
    });

const problems = [];
const a = records(single);
const b = records(merged);
if (a.length !== b.length)
  problems.push(`results.jsonl: ${a.length} records in the single run, ${b.length} merged`);
for (let i = 0; i < Math.min(a.length, b.length); i++) {
  if (!isDeepStrictEqual(a[i], b[i]))
    problems.push(`results.jsonl line ${i + 1}: ${a[i].id} differs from ${b[i].id}`);
}
if (!isDeepStrictEqual(JSON.parse(read(single, 'metrics.json')), JSON.parse(read(merged, 'metrics.json')))) {
  problems.push('metrics.json differs');
}
for (const name of ['results.csv', 'curves.csv', 'per-class.csv']) {
  if (read(single, name) !== read(merged, name)) problems.push(`${name} differs`);
}
for (const problem of problems.slice(0, 20)) console.error(`  ${problem}`);
if (problems.length > 0) process.exit(1);
console.log(
  `slurm-check: equal: ${a.length} records (less timing), metrics.json, results.csv, curves.csv, per-class.csv`,
);
