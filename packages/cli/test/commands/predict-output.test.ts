/**
 * Where `predict` puts its results without --out or --json (JSON lines when piped, a table on a
 * terminal), the class names it prints for a 1000-class model, its progress lines in a log, and
 * the --colormap / --alpha of its overlays, and its quiet stop when a reader closes stdout: real
 * child processes on the test bed's fast model.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { describeWithTestBed } from '../../../../test-support/testbed.js';
import { BIN, runCli } from '../cli-process.js';
import { FAST_MODEL, ILSVRC, readJsonLines } from '../fixtures.js';

type PredictRecord = {
  id: string;
  status: string;
  top: { class: number; name?: string }[];
  timing?: unknown;
};

/** `script` gives the child a pseudo-terminal (util-linux); absent on some machines. */
const hasScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

const withoutTiming = ({ timing: _, ...record }: PredictRecord) => record;
const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);

describeWithTestBed('predict output', () => {
  const images = () =>
    readdirSync(join(ILSVRC, 'images'))
      .sort()
      .slice(0, 5)
      .map((name) => join(ILSVRC, 'images', name));
  const model = ['--model', FAST_MODEL, '--preset', 'mobilenet', '--workers', '1', '--batch', '1'];
  const dir = mkdtempSync(join(tmpdir(), 'cam-predict-out-'));
  let piped: { code: number | null; stdout: string; stderr: string };
  let saved: { code: number | null; stdout: string; stderr: string };

  beforeAll(async () => {
    [piped, saved] = await Promise.all([
      runCli(['predict', ...images(), ...model, '--progress-interval', '0.01']),
      runCli([
        'predict',
        ...images(),
        ...model,
        '--out',
        join(dir, 'run'),
        '--overlays',
        '--colormap',
        'viridis',
        '--alpha',
        '0',
      ]),
    ]);
  });

  it('prints JSON lines on a pipe, the very records --out writes, and says so', () => {
    expect(piped.code, piped.stderr).toBe(0);
    expect(saved.code, saved.stderr).toBe(0);
    expect(piped.stderr).toContain('cam-localize: results: JSON lines on stdout');
    expect(saved.stdout).toBe('');
    expect(saved.stderr).toContain(`cam-localize: results: ${join(dir, 'run', 'results.jsonl')}`);
    const lines = piped.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as PredictRecord);
    const written = readJsonLines<PredictRecord>(join(dir, 'run', 'results.jsonl'));
    expect(lines).toHaveLength(5);
    expect(lines.map(withoutTiming).sort(byId)).toEqual(written.map(withoutTiming).sort(byId));
  });

  it('names the classes of a 1000-class model with the built-in ImageNet list, and says so', () => {
    expect(piped.stderr).toContain('cam-localize: class names: ImageNet-1k (built in');
    const first = JSON.parse(piped.stdout.split('\n')[0]!) as PredictRecord;
    const synsets = readFileSync(join(ILSVRC, 'synsets.txt'), 'utf8').trim().split('\n');
    const top = first.top[0]!;
    expect(top.name).toBe(synsets[top.class]!.replace(/^n\d{8} /, '').split(',')[0]);
  });

  it('logs progress lines on a stderr that is not a terminal, every --progress-interval', () => {
    const progress = piped.stderr.split('\n').filter((line) => line.startsWith('predict '));
    expect(progress.length).toBeGreaterThan(0);
    for (const line of progress)
      expect(line).toMatch(/^predict [0-5]\/5 \([\d.]+ img\/s, ETA \S+\), \S+ elapsed$/);
    expect(piped.stderr).not.toContain('\r');
    // The default interval (10 s) says nothing in a job this short.
    expect(saved.stderr.split('\n').filter((line) => /^predict \d+\/5/.test(line))).toEqual([]);
  });

  it('draws overlays in the --colormap asked for (at --alpha 0 it does not matter); --target takes a built-in name', async () => {
    const overlays = (run: string) =>
      readdirSync(join(dir, run, 'overlays'))
        .sort()
        .map((name) => readFileSync(join(dir, run, 'overlays', name)));
    const [jetAlpha0, goldfish, viridisHalf] = await Promise.all([
      runCli(['predict', ...images(), ...model, '--out', join(dir, 'jet0'), '--overlays', '--alpha', '0']),
      runCli(['predict', images()[0]!, ...model, '--target', 'goldfish', '--json']),
      runCli([
        'predict',
        ...images(),
        ...model,
        '--out',
        join(dir, 'viridis'),
        '--overlays',
        '--colormap',
        'viridis',
      ]),
    ]);
    expect(jetAlpha0.code, jetAlpha0.stderr).toBe(0);
    expect(viridisHalf.code, viridisHalf.stderr).toBe(0);
    const photoOnly = overlays('run');
    expect(photoOnly).toHaveLength(5);
    expect(overlays('jet0')).toEqual(photoOnly);
    overlays('viridis').forEach((picture, i) => {
      expect(picture.equals(photoOnly[i]!)).toBe(false);
    });
    // A class name without --labels: one of the built-in ImageNet names.
    expect(goldfish.code, goldfish.stderr).toBe(0);
    expect(JSON.parse(goldfish.stdout).targets[0]).toMatchObject({ class: 1, name: 'goldfish' });
    const bad = await runCli(['predict', images()[0]!, ...model, '--alpha', '1.5']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--alpha expects a number from 0 to 1');
  });

  it.skipIf(!hasScript)('prints a readable table on a terminal (a pseudo-terminal from `script`)', () => {
    const command = [process.execPath, BIN, 'predict', ...images(), ...model]
      .map((word) => `'${word.replaceAll("'", "'\\''")}'`)
      .join(' ');
    const raw = execFileSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8' });
    // What the terminal shows: on each line, what follows the last carriage return or erase-line.
    const screen = raw
      .replaceAll('\r\n', '\n')
      .split('\n')
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the bar's erase-line sequence
      .map((line) => line.split(/\r|\x1b\[2K/).pop())
      .join('\n');
    expect(screen).toContain('results: a table on stdout');
    // The score column says what the scores are (issue 26 item 7): this model gives logits.
    expect(screen).toMatch(/^image +class +logit +box \(x0,y0,x1,y1\)$/m);
    const records = piped.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as PredictRecord & { targets: { boxes: number[][] }[] });
    for (const record of records) {
      const box = record.targets[0]!.boxes[0]!.map((v) => Math.round(v)).join(',');
      const row = new RegExp(
        `^${record.id.replaceAll('.', '\\.')} +${record.top[0]!.name} +[-\\d.]+ +${box}`,
        'm',
      );
      expect(screen).toMatch(row);
    }
    expect(screen).not.toContain('{"id"');
  });

  it('stops quietly with 0 when its reader closes stdout early (`| head`), keeping what it wrote to --out', async () => {
    const all = readdirSync(join(ILSVRC, 'images'))
      .sort()
      .slice(0, 60)
      .map((name) => join(ILSVRC, 'images', name));
    const out = join(dir, 'closed');
    const child = spawn(process.execPath, [BIN, 'predict', ...all, ...model, '--json', '--out', out]);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    // The reader takes the first line and goes away.
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(code, stderr).toBe(0);
    expect(stderr).not.toMatch(/EPIPE|Napi|Error/);
    const stopped = /stdout was closed: stopped after (\d+) of 60 images/.exec(stderr);
    expect(stopped, stderr).not.toBeNull();
    const kept = readJsonLines<PredictRecord>(join(out, 'results.jsonl'));
    expect(kept.length).toBe(Number(stopped![1]));
    expect(kept.length).toBeLessThan(60);
    expect(kept.every((r) => r.status === 'ok')).toBe(true);
  });
});
