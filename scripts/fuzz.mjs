#!/usr/bin/env node
/**
 * `pnpm fuzz`: generated inputs against every parser of untrusted files (results.jsonl, each
 * dataset reader, .npy), over the built packages. A parser may refuse an input only with a typed
 * error (CamLocalizeError, which names the file and line); a TypeError, RangeError or any other
 * error escaping is a failure: its inputs are saved under the printed folder, and the exit code
 * is 1. `--count N` inputs per parser (default 100000), `--seed S`, `--only <name part>`;
 * `--canary` adds a parser that lets a TypeError out on some inputs (to see the harness catch it).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rng } from './fuzz/mutate.mjs';
import { fuzzTargets } from './fuzz/targets.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 && args[at + 1] !== undefined ? args[at + 1] : fallback;
};
const count = Number(option('--count', '100000'));
const seed = Number(option('--seed', '29'));
const only = option('--only', '');
if (!Number.isInteger(count) || count < 1 || !Number.isInteger(seed)) {
  process.stderr.write('usage: pnpm fuzz [--count N] [--seed S] [--only <parser name part>]\n');
  process.exit(2);
}

const { CamLocalizeError } = await import(join(root, 'packages', 'core', 'dist', 'index.js'));
// A memory file system where there is one: each input rewrites a few files.
const scratch = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
const work = mkdtempSync(join(scratch, 'cam-fuzz-'));
const failuresDir = join(work, 'failures');
/** Escapes kept per parser (the first ones, with their inputs). */
const KEPT = 5;
let escaped = 0;

try {
  const all = await fuzzTargets(root, work);
  if (args.includes('--canary')) all.push(canaryTarget(CamLocalizeError));
  const targets = all.filter((t) => t.name.includes(only));
  for (const [index, target] of targets.entries()) {
    const next = rng(seed * 1000 + index);
    const kinds = new Map();
    let refused = 0;
    const started = performance.now();
    for (let i = 0; i < count; i++) {
      const input = target.generate(next);
      try {
        await target.run(input);
      } catch (error) {
        if (error instanceof CamLocalizeError) {
          refused++;
          continue;
        }
        const kind = `${error?.name ?? typeof error}: ${String(error?.message ?? error).slice(0, 120)}`;
        const seen = kinds.get(kind) ?? { count: 0, stack: error?.stack, input: undefined };
        if (seen.count++ === 0 && kinds.size < KEPT) {
          const file = join(failuresDir, `${target.name.replace(/\W+/g, '-')}-${i}`);
          mkdirSync(failuresDir, { recursive: true });
          writeFileSync(file, target.save(input));
          seen.input = file;
        }
        kinds.set(kind, seen);
      }
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const wrong = [...kinds.values()].reduce((n, k) => n + k.count, 0);
    escaped += wrong;
    process.stdout.write(
      `${target.name}: ${count} inputs, ${count - refused - wrong} accepted, ${refused} refused with a typed error, ${wrong} escaped (${seconds} s)\n`,
    );
    for (const [kind, seen] of kinds) {
      process.stdout.write(`  ${seen.count} x ${kind}\n`);
      if (seen.input)
        process.stdout.write(
          `    input: ${seen.input}\n    ${String(seen.stack).split('\n').slice(1, 4).join('\n    ')}\n`,
        );
    }
  }
} finally {
  if (escaped === 0) rmSync(work, { recursive: true, force: true });
}
if (escaped > 0) {
  process.stdout.write(`fuzz: ${escaped} inputs raised a wrong kind of error; inputs in ${failuresDir}\n`);
  process.exitCode = 1;
} else {
  process.stdout.write('fuzz: no wrong-kind error escaped\n');
}

/** A parser with a bug: a TypeError on one input in ten, a typed refusal otherwise. */
function canaryTarget(TypedError) {
  return {
    name: 'canary',
    generate: (next) => next(),
    async run(value) {
      if (value < 0.1) null.property;
      throw new TypedError('E_USAGE', 'refused');
    },
    save: (value) => String(value),
  };
}
