/**
 * Hostile files around the real command (issue 29, items 1, 3, 11, 15, 17): links planted in an
 * output folder, paths edited into a run folder's records, FIFOs where files are read, read-only
 * and full file systems, and image files that are empty or badly named.
 */
import { execFileSync, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { writeScoreMapNpy } from '@cam-localize/eval';
import { afterAll, expect, it } from 'vitest';
import { describeWithTestBed } from '../../../../test-support/testbed.js';
import { BIN, type CliResult } from '../cli-process.js';
import { FAST_MODEL_FLAGS, ILSVRC, ilsvrcSubset, readJsonLines } from '../fixtures.js';

/** The bin as a child process, killed after `deadlineMs` (a read that hangs must fail the test, not stall it). */
function runCli(args: readonly string[], deadlineMs = 120_000): Promise<CliResult & { killed: boolean }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, deadlineMs);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr, killed });
    });
  });
}

const ids = (dataset: string) => readFileSync(join(dataset, 'image_ids.txt'), 'utf8').trim().split('\n');

/** Mounts a tmpfs (read-only, or of `size`) where this process may; undefined where it may not. */
const mounts: string[] = [];
function mountTmpfs(options: string): string | undefined {
  const point = mkdtempSync(join(tmpdir(), 'cam-mount-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', point], { stdio: 'ignore' });
    mounts.push(point);
    return point;
  } catch {
    return undefined;
  }
}
const canMount = (() => {
  const point = process.getuid?.() === 0 ? mountTmpfs('size=64k') : undefined;
  return point !== undefined;
})();
afterAll(() => {
  for (const point of mounts) execFileSync('umount', [point]);
});

describeWithTestBed('links planted in output folders (item 1)', () => {
  it('--save-cams, --overlays and the report replace a planted link, never write through it', async () => {
    const dataset = ilsvrcSubset(2);
    const first = basename(ids(dataset)[0]!);
    const base = mkdtempSync(join(tmpdir(), 'cam-planted-'));
    const victim = join(base, 'victim.txt');
    writeFileSync(victim, 'precious');
    const cams = join(base, 'cams');
    const overlays = join(base, 'overlays');
    const out = join(base, 'run');
    mkdirSync(join(cams, 'images'), { recursive: true });
    mkdirSync(join(overlays, 'images'), { recursive: true });
    mkdirSync(out);
    symlinkSync(victim, join(cams, 'images', `${first}.npy`));
    symlinkSync(victim, join(overlays, 'images', `${first}.jpg`));
    symlinkSync(victim, join(out, 'report.html'));
    symlinkSync(victim, join(out, 'config.json'));

    const result = await runCli([
      'run',
      dataset,
      ...FAST_MODEL_FLAGS,
      '--out',
      out,
      '--save-cams',
      cams,
      '--overlays',
      overlays,
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    const npy = join(cams, 'images', `${first}.npy`);
    expect(lstatSync(npy).isFile()).toBe(true);
    expect(readFileSync(npy).subarray(1, 6).toString()).toBe('NUMPY');
    expect(lstatSync(join(overlays, 'images', `${first}.jpg`)).isFile()).toBe(true);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('<html');
    // No temporary file is left beside the outputs.
    expect(readdirSync(join(cams, 'images')).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('a folder link in the output folder stops the write before anything is created outside', async () => {
    const dataset = ilsvrcSubset(2);
    // ids one folder deeper (images/sub/...), so a write would create a folder below the link
    mkdirSync(join(dataset, 'images', 'sub'));
    for (const id of ids(dataset))
      renameSync(join(dataset, id), join(dataset, 'images', 'sub', basename(id)));
    for (const name of ['image_ids.txt', 'class_labels.txt', 'image_sizes.txt', 'localization.txt']) {
      const path = join(dataset, name);
      writeFileSync(path, readFileSync(path, 'utf8').replaceAll('images/', 'images/sub/'));
    }
    const base = mkdtempSync(join(tmpdir(), 'cam-planted-'));
    const victimDir = join(base, 'victimdir');
    mkdirSync(victimDir);
    const cams = join(base, 'cams');
    mkdirSync(cams);
    symlinkSync(victimDir, join(cams, 'images'));

    const result = await runCli([
      'run',
      dataset,
      ...FAST_MODEL_FLAGS,
      '--out',
      join(base, 'run'),
      '--save-cams',
      cams,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `${join(cams, 'images')} is a symbolic link that leads outside the output folder ${cams}`,
    );
    expect(readdirSync(victimDir)).toEqual([]);
  });
});

describeWithTestBed('paths recorded in a run folder (item 3)', () => {
  it('compare and report refuse a "file" edited to lie outside the dataset root, naming the record', async () => {
    const dataset = ilsvrcSubset(2);
    const base = mkdtempSync(join(tmpdir(), 'cam-recorded-'));
    const secret = join(base, 'private', 'secret.jpg');
    mkdirSync(join(base, 'private'));
    cpSync(join(dataset, ids(dataset)[0]!), secret);
    const a = join(base, 'a');
    const run = await runCli(['run', dataset, ...FAST_MODEL_FLAGS, '--out', a]);
    expect(run.code, run.stderr).toBe(0);
    const results = join(a, 'results.jsonl');
    const records = readJsonLines<{ id: string }>(results).map((record) => ({ ...record, file: secret }));
    writeFileSync(results, records.map((record) => `${JSON.stringify(record)}\n`).join(''));
    const b = join(base, 'b');
    cpSync(a, b, { recursive: true });
    rmSync(join(b, 'run.lock'), { force: true });

    const compared = await runCli(['compare', a, b, '--out', join(base, 'cmp')]);
    expect(compared.code, compared.stderr).toBe(0);
    const firstId = JSON.stringify(records[0]!.id);
    expect(compared.stderr).toContain(`compare: ${results}: record ${firstId}: path`);
    expect(compared.stderr).toContain('resolves outside the dataset root');
    expect(existsSync(join(base, 'cmp', 'disagreements', '01.jpg'))).toBe(false);

    const reported = await runCli(['report', a, '--gallery', '2']);
    expect(reported.code, reported.stderr).toBe(0);
    expect(reported.stderr).toContain(`report: ${results}: record`);
    expect(readdirSync(join(a)).includes('gallery') ? readdirSync(join(a, 'gallery')) : []).toEqual([]);
  });
});

describeWithTestBed('FIFOs where files are read (item 11)', () => {
  it('a FIFO as a dataset image fails that image at once; the run goes on', async () => {
    const dataset = ilsvrcSubset(3);
    const fifo = join(dataset, ids(dataset)[1]!);
    rmSync(fifo);
    execFileSync('mkfifo', [fifo]);
    const out = join(mkdtempSync(join(tmpdir(), 'cam-fifo-')), 'run');
    const result = await runCli(['run', dataset, ...FAST_MODEL_FLAGS, '--out', out], 90_000);
    expect(result.killed).toBe(false);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('is a FIFO (named pipe), not a regular file');
    const records = readJsonLines(join(out, 'results.jsonl'));
    expect(records.map((r) => r.status)).toEqual(['ok', 'error', 'ok']);
  });

  it('a FIFO as a score map fails eval --cams at once, naming the map', async () => {
    const dataset = ilsvrcSubset(2);
    const cams = mkdtempSync(join(tmpdir(), 'cam-fifo-maps-'));
    const map = { width: 7, height: 7, data: new Float32Array(49).fill(0.5) };
    for (const id of ids(dataset)) writeScoreMapNpy(join(cams, `${id}.npy`), map);
    const fifo = join(cams, `${ids(dataset)[1]!}.npy`);
    rmSync(fifo);
    execFileSync('mkfifo', [fifo]);
    const result = await runCli(['eval', dataset, '--cams', cams, '--trust-sizes'], 90_000);
    expect(result.killed).toBe(false);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(
      `${fifo}: cannot read .npy file: is a FIFO (named pipe), not a regular file`,
    );
  });
});

describeWithTestBed('file-system failures name the real cause (item 15)', () => {
  it.skipIf(!canMount)('on a read-only file system, run --out and compare say EROFS', async () => {
    const readOnly = mountTmpfs('ro')!;
    const out = join(readOnly, 'runs', 'a');
    const run = await runCli(['run', ilsvrcSubset(1), ...FAST_MODEL_FLAGS, '--out', out]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`cannot create ${out}: ${readOnly} is on a read-only file system [EROFS]`);
    expect(run.stderr).not.toContain('ENOENT');

    const dataset = ilsvrcSubset(1);
    const base = mkdtempSync(join(tmpdir(), 'cam-ro-'));
    const made = await runCli(['run', dataset, ...FAST_MODEL_FLAGS, '--out', join(base, 'a')]);
    expect(made.code, made.stderr).toBe(0);
    cpSync(join(base, 'a'), join(base, 'b'), { recursive: true });
    rmSync(join(base, 'b', 'run.lock'), { force: true });
    const cmp = join(readOnly, 'cmp');
    const compared = await runCli(['compare', join(base, 'a'), join(base, 'b'), '--out', cmp]);
    expect(compared.code).toBe(1);
    expect(compared.stderr).toContain(
      `cannot create ${cmp}: ${readOnly} is on a read-only file system [EROFS]`,
    );
  });

  it.skipIf(!canMount)('a full disk names the file, and leaves no cut file and no temporary', async () => {
    const full = mountTmpfs('size=64k')!;
    const image = join(ILSVRC, 'images', 'ILSVRC2012_val_00000347.JPEG');
    const result = await runCli([
      'predict',
      image,
      ...FAST_MODEL_FLAGS,
      '--save-cams',
      full,
      '--cam-size',
      'original',
    ]);
    const target = join(full, `${basename(image)}.npy`);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${target} could not be written: no space left on the device [ENOSPC]`);
    expect(readdirSync(full)).toEqual([]);
  });
});

describeWithTestBed('image files that are empty or badly named (item 17)', () => {
  it('predict names an empty .jpg and a name that is not valid UTF-8', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'cam-names-'));
    writeFileSync(join(folder, 'empty.jpg'), '');
    const photo = readFileSync(join(ILSVRC, 'images', 'ILSVRC2012_val_00000347.JPEG'));
    writeFileSync(
      Buffer.concat([Buffer.from(join(folder, 'caf')), Buffer.from([0xe9]), Buffer.from('.jpg')]),
      photo,
    );
    const result = await runCli(['predict', folder, ...FAST_MODEL_FLAGS]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `${join(folder, 'empty.jpg')}: empty.jpg: cannot read image file: empty file (0 bytes)`,
    );
    expect(result.stderr).toMatch(/caf\uFFFD\.jpg: cannot read image file: its name is not valid UTF-8/);
    expect(result.stderr).not.toContain('Input Buffer is empty');
  });
});
