/**
 * `pnpm bench sample`: the README's first-screen figure, measured. Runs `pnpm sample`'s command
 * (`run` on the 1000 test-bed photos with MobileNetV2, report included; into a scratch folder instead
 * of runs/sample) SAMPLE_ROUNDS times (default 3) as whole processes and gives the median run's
 * summary line (img/s over the images, CPU core-ms per image), the whole process's wall time, the
 * machine (cores, CPU model), the load average before and after, and the date: the README quotes
 * them together.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..', '..');
const sharedDir = resolve(process.env.CAM_LOCALIZE_SHARED ?? join(root, '..', 'shared'));
const bin = join(root, 'packages', 'cli', 'dist', 'bin.cjs');
const dataset = join(sharedDir, 'datasets', 'ilsvrc2012-val-1000');
const model = join(sharedDir, 'models', 'mobilenetv2-1.0-imagenet.onnx');
const ROUNDS = Number(process.env.SAMPLE_ROUNDS ?? 3);
const loadNow = () => readFileSync('/proc/loadavg', 'utf8').trim().split(' ').slice(0, 3).join(' ');

export default async function sampleBench() {
  if (!existsSync(dataset) || !existsSync(model))
    return [{ name: 'skipped', value: Number.NaN, unit: '', note: `no test bed at ${sharedDir}` }];
  const scratch = mkdtempSync(join(tmpdir(), 'cam-bench-sample-'));
  const load = [loadNow()];
  const runs = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const started = performance.now();
      const r = spawnSync(
        process.execPath,
        [
          bin,
          'run',
          dataset,
          '--model',
          model,
          '--preset',
          'mobilenet',
          '--out',
          join(scratch, 'sample'),
          '--overwrite',
        ],
        { encoding: 'utf8', maxBuffer: 1 << 26 },
      );
      const wall = performance.now() - started;
      if (r.status !== 0) throw new Error(`pnpm sample's run failed (${r.status}): ${r.stderr.slice(-600)}`);
      const summary = r.stderr.split('\n').find((l) => l.startsWith('run: ')) ?? '';
      const rate = Number(/\(([\d.]+) img\/s/.exec(summary)?.[1]);
      const coreMs = Number(/([\d.]+) CPU core-ms\/img/.exec(summary)?.[1]);
      runs.push({ wall, rate, coreMs, summary });
      load.push(loadNow());
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const byRate = [...runs].sort((a, b) => a.rate - b.rate);
  const mid = byRate[Math.floor((byRate.length - 1) / 2)];
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return [
    {
      name: 'pnpm sample: images/s (median run, summary line)',
      value: mid.rate,
      unit: 'img/s',
      note: `runs: ${runs.map((r) => r.rate).join(', ')}`,
    },
    {
      name: 'pnpm sample: CPU core-ms per image (that run)',
      value: mid.coreMs,
      unit: 'core-ms/img',
      note: `runs: ${runs.map((r) => r.coreMs).join(', ')}`,
    },
    {
      name: 'pnpm sample: whole process, report included (that run)',
      value: mid.wall / 1000,
      unit: 's',
      note: `runs: ${runs.map((r) => (r.wall / 1000).toFixed(1)).join(', ')}`,
    },
    { name: 'pnpm sample: summary line (that run)', value: Number.NaN, unit: '', note: mid.summary },
    {
      name: 'machine, load average (1, 5, 15 min) before, then after each run, date',
      value: os.availableParallelism(),
      unit: 'cores',
      note: `${cpu}; ${load.join(' | ')}; ${new Date().toISOString()}`,
    },
  ];
}
