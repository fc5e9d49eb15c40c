/**
 * Hostile datasets and unlucky runs, end to end through the real `cam-localize` bin: ids that
 * try to leave the run directory, formula cells, concurrent writers, resumes of another
 * configuration, unwritable folders.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeWithTestBed } from '../../../../test-support/testbed.js';
import { BIN, runCli } from '../cli-process.js';
import { FAST_MODEL, ILSVRC, ilsvrcSubset, MOBILENET_V2, readJsonLines } from '../fixtures.js';

const fastModelArgs = ['--model', FAST_MODEL, '--preset', 'mobilenet', '--device', 'cpu', '--threads', '1'];
const freshOut = () => join(mkdtempSync(join(tmpdir(), 'cam-safety-')), 'run');

/** Every file under a folder, relative paths, sorted. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

/** Adds one image to a metadata dataset under the given id (label 1, one box). */
/** Adds an image entry; its stored size is the test bed's (227x227), which run checks against the file. */
function addImage(dataset: string, id: string): void {
  appendFileSync(join(dataset, 'image_ids.txt'), `${id}\n`);
  appendFileSync(join(dataset, 'class_labels.txt'), `${id},1\n`);
  appendFileSync(join(dataset, 'image_sizes.txt'), `${id},227,227\n`);
  appendFileSync(join(dataset, 'localization.txt'), `${id},10,10,200,200\n`);
}

/** Starts the bin in the background; resolves once `results` holds more than `lines` records. */
async function startRun(
  args: readonly string[],
  results: string,
  lines: number,
): Promise<{ child: ChildProcess; exit: Promise<{ code: number | null; stderr: string }> }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  // The status a shell shows: the exit code, or 128 + the signal that ended the process.
  const exit = new Promise<{ code: number | null; stderr: string }>((done) =>
    child.on('close', (code, signal) =>
      done({ code: code ?? (signal ? 128 + constants.signals[signal] : null), stderr }),
    ),
  );
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (existsSync(results) && readFileSync(results, 'utf8').split('\n').length > lines) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  return { child, exit };
}

describeWithTestBed('cam-localize run with hostile inputs', () => {
  it('an image id that climbs out of the dataset never makes a writer leave --out', async () => {
    const dataset = ilsvrcSubset(3);
    const outside = mkdtempSync(join(tmpdir(), 'cam-outside-'));
    const firstImage = readFileSync(join(ILSVRC, 'image_ids.txt'), 'utf8').split('\n')[0]!;
    copyFileSync(join(ILSVRC, firstImage), join(outside, 'outside.JPEG'));
    const hostile = `${'../'.repeat(24)}${outside.slice(1)}/outside.JPEG`;
    addImage(dataset, hostile);
    // --overlays alone (the writer that escaped), then with --save-cams; the gallery each time.
    for (const saveCams of [false, true]) {
      const out = freshOut();
      const args = [
        'run',
        dataset,
        ...fastModelArgs,
        '--out',
        out,
        '--overlays',
        ...(saveCams ? ['--save-cams', join(out, 'cams')] : []),
        '--gallery',
        '4',
      ];
      let result = await runCli(args);
      if (result.code !== 0 && /outside the dataset root/.test(result.stderr)) {
        // A reader that confines dataset paths refused it; let it read, to test the writers.
        expect(filesUnder(outside)).toEqual(['outside.JPEG']);
        result = await runCli([...args, '--allow-outside-root']);
      }
      // Nothing but the planted image is there; every output stayed under --out.
      expect(filesUnder(outside)).toEqual(['outside.JPEG']);
      expect(result.stderr).toContain(JSON.stringify(hostile));
      expect(result.code).toBe(1);
      const records = readJsonLines<{ id: string; status: string; error?: string }>(
        join(out, 'results.jsonl'),
      );
      expect(records.filter((r) => r.status === 'ok')).toHaveLength(3);
      const refused = records.find((r) => r.id === hostile);
      expect(refused?.status).toBe('error');
      expect(refused?.error).toMatch(/would write outside/);
      expect(filesUnder(join(out, 'overlays'))).toHaveLength(3);
      if (saveCams) expect(filesUnder(join(out, 'cams'))).toHaveLength(3);
      expect(existsSync(join(out, 'report.html'))).toBe(true);
    }
  });

  it('locks its run directory: a concurrent --resume, --overwrite or report exits 2 naming the holder', async () => {
    const dataset = ilsvrcSubset(40);
    const out = freshOut();
    const args = ['run', dataset, ...fastModelArgs, '--out', out, '--batch', '2', '--no-report'];
    // Score-CAM (a forward pass per channel) keeps the first writer busy while the others try.
    const first = await startRun([...args, '--method', 'scorecam'], join(out, 'results.jsonl'), 2);
    for (const second of [
      [...args, '--resume'],
      [...args, '--overwrite'],
      ['report', out, '--no-gallery'],
    ]) {
      const refused = await runCli(second);
      expect(refused.code, refused.stderr).toBe(2);
      expect(refused.stderr).toContain(`${out} is in use by \`cam-localize run\` (pid ${first.child.pid}`);
    }
    first.child.kill('SIGTERM');
    const stopped = await first.exit;
    expect(stopped.code, stopped.stderr).toBe(143);
    expect(existsSync(join(out, 'run.lock'))).toBe(false);
    const ids = readJsonLines<{ id: string }>(join(out, 'results.jsonl')).map((r) => r.id);
    expect(ids.length).toBeGreaterThan(2);
    expect(new Set(ids).size).toBe(ids.length);
    expect((await runCli(['report', out, '--no-gallery'])).code).toBe(0);
  });

  it('Ctrl-C: keeps what finished, prints the --resume command, exits 130; that command finishes the run', async () => {
    const dataset = ilsvrcSubset(40);
    const out = freshOut();
    const results = join(out, 'results.jsonl');
    const args = ['run', dataset, ...fastModelArgs, '--out', out, '--batch', '2', '--no-report'];
    const { child, exit } = await startRun(args, results, 4);
    child.kill('SIGINT');
    const interrupted = await exit;
    expect(interrupted.code).toBe(130);
    const kept = readJsonLines<{ id: string }>(results).length;
    expect(kept).toBeGreaterThan(3);
    expect(kept).toBeLessThan(40);
    expect(interrupted.stderr).toContain(
      `interrupted (SIGINT). ${kept} finished images are kept in ${results}`,
    );
    // The invocation that ran (here `node <bin>`), so that the line runs when pasted (issue 26).
    const hint = /continue with:\n\s+node (\S+) (.+)\n/.exec(interrupted.stderr);
    expect(hint?.[1]).toBe(BIN);
    expect(hint?.[2]).toBe([...args, '--resume'].join(' '));
    expect(existsSync(join(out, 'run.lock'))).toBe(false);
    const resumed = await runCli(hint![2]!.split(' '));
    expect(resumed.code, resumed.stderr).toBe(0);
    const ids = readJsonLines<{ id: string }>(results).map((r) => r.id);
    expect(new Set(ids).size).toBe(40);
    expect(ids).toHaveLength(40);
  });

  it('--resume refuses another model, method or threshold, naming each field; the same config resumes', async () => {
    const dataset = ilsvrcSubset(4);
    const out = freshOut();
    const args = ['run', dataset, ...fastModelArgs, '--out', out, '--no-report'];
    expect((await runCli([...args, '--limit', '2'])).code).toBe(0);
    const config = readFileSync(join(out, 'config.json'), 'utf8');
    const results = readFileSync(join(out, 'results.jsonl'), 'utf8');
    const refusals: [string[], RegExp][] = [
      [['--threshold', '0.3'], /threshold: "0\.2" then, "0\.3" now/],
      [['--method', 'gradcam'], /method: "cam" then, "gradcam" now/],
      [['--boxes', 'all'], /boxes: "largest" then, "all" now/],
    ];
    for (const [change, named] of refusals) {
      const refused = await runCli([...args, ...change, '--resume']);
      expect(refused.code, refused.stderr).toBe(2);
      expect(refused.stderr).toMatch(named);
      expect(refused.stderr).toContain(`--resume: ${out} was run with another configuration`);
    }
    const otherModel = args.map((a) => (a === FAST_MODEL ? MOBILENET_V2 : a));
    const refused = await runCli([...otherModel, '--resume']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/modelSha256: "[0-9a-f]{64}" then, "[0-9a-f]{64}" now/);
    // Nothing was touched by the refusals.
    expect(readFileSync(join(out, 'config.json'), 'utf8')).toBe(config);
    expect(readFileSync(join(out, 'results.jsonl'), 'utf8')).toBe(results);

    const resumed = await runCli([...args, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(readJsonLines(join(out, 'results.jsonl'))).toHaveLength(4);
  });

  it('Ctrl-C during predict --out: exits 130 with the --resume command, which finishes the images', async () => {
    const out = freshOut();
    const results = join(out, 'results.jsonl');
    const args = [
      'predict',
      join(ILSVRC, 'images'),
      ...fastModelArgs,
      '--limit',
      '60',
      '--batch',
      '2',
      '--out',
      out,
    ];
    const { child, exit } = await startRun(args, results, 3);
    child.kill('SIGINT');
    const interrupted = await exit;
    expect(interrupted.code).toBe(130);
    const hint = new RegExp(`continue with:\\n\\s+node ${BIN} (.+)\\n`).exec(interrupted.stderr)?.[1];
    expect(hint).toBe([...args, '--resume'].join(' '));
    const resumed = await runCli(hint!.split(' '));
    expect(resumed.code, resumed.stderr).toBe(0);
    const ids = readJsonLines<{ id: string }>(results).map((r) => r.id);
    expect(ids).toHaveLength(60);
    expect(new Set(ids).size).toBe(60);
  });
});
