#!/usr/bin/env node
/**
 * `pnpm bench`: runs every package benchmark (packages/<pkg>/bench/*.bench.mjs, each exporting a
 * default async function returning rows {name, value, unit, note?}) one after another in this one
 * process run, and prints one table. Pass package names or benchmark names to run only those:
 * `pnpm bench eval`, `pnpm bench pipeline`; `--json` prints the rows as JSON instead.
 * Benchmarks that need the test bed (../shared, or $CAM_LOCALIZE_SHARED) skip with a message.
 */
import { readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const json = args.includes('--json');
const only = new Set(args.filter((a) => a !== '--json'));
const files = [];
for (const pkg of ['core', 'localize', 'eval', 'cli']) {
  const folder = join(root, 'packages', pkg, 'bench');
  let names = [];
  try {
    names = readdirSync(folder)
      .filter((n) => n.endsWith('.bench.mjs'))
      .sort();
  } catch {
    continue;
  }
  for (const name of names) {
    const stem = name.replace(/\.bench\.mjs$/, '');
    if (only.size === 0 || only.has(pkg) || only.has(stem)) files.push(join(folder, name));
  }
}

const rows = [];
for (const file of files) {
  const label = relative(root, file);
  process.stderr.write(`bench: ${label}\n`);
  try {
    const module = await import(pathToFileURL(file).href);
    for (const row of await module.default()) rows.push({ bench: label.replace(/^packages\//, ''), ...row });
  } catch (error) {
    rows.push({
      bench: label,
      name: 'FAILED',
      value: Number.NaN,
      unit: '',
      note: String(error?.message ?? error),
    });
  }
}

if (json) {
  console.log(JSON.stringify(rows, null, 2));
  process.exit(rows.some((r) => r.name === 'FAILED') ? 1 : 0);
}
const format = (v) =>
  Number.isFinite(v)
    ? Math.abs(v) >= 100
      ? v.toFixed(0)
      : Math.abs(v) >= 10
        ? v.toFixed(1)
        : v.toFixed(3)
    : String(v);
const table = [
  ['benchmark', 'measure', 'value', 'unit', 'note'],
  ...rows.map((r) => [r.bench, r.name, format(r.value), r.unit, r.note ?? '']),
];
const widths = table[0].map((_, c) => Math.max(...table.map((r) => String(r[c]).length)));
const line = (r) => `| ${r.map((cell, c) => String(cell).padEnd(widths[c])).join(' | ')} |`;
console.log(line(table[0]));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of table.slice(1)) console.log(line(r));
if (rows.some((r) => r.name === 'FAILED')) process.exitCode = 1;
