/**
 * Folders and files that cannot be written: the run stops before the first image when a folder
 * the user named is unusable (exit 2, the folder and the real cause named), and a file that
 * cannot be written mid-run is named with its cause.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeWithTestBed } from '../../../../test-support/testbed.js';
import { BIN, type CliResult, runCli } from '../cli-process.js';
import { FAST_MODEL, ILSVRC, ilsvrcSubset } from '../fixtures.js';

const fastModelArgs = ['--model', FAST_MODEL, '--preset', 'mobilenet', '--device', 'cpu', '--threads', '1'];
const image = join(ILSVRC, 'images', 'ILSVRC2012_val_00000347.JPEG');

/** Runs the bin as an unprivileged user (root ignores file permissions), when this test can. */
function runUnprivileged(args: readonly string[]): Promise<CliResult> {
  const asRoot = process.getuid?.() === 0;
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** A world-readable temporary folder whose `locked` sub-folder nobody but root may write. */
function lockedFolder(): { base: string; locked: string } {
  const base = mkdtempSync(join(tmpdir(), 'cam-unwritable-'));
  chmodSync(base, 0o755);
  const locked = join(base, 'locked');
  mkdirSync(locked);
  chmodSync(locked, 0o555);
  return { base, locked };
}

describeWithTestBed('unwritable outputs', () => {
  it('an unusable --save-cams folder stops run before the first image (exit 2), leaving no half run', async () => {
    const dataset = ilsvrcSubset(3);
    const base = mkdtempSync(join(tmpdir(), 'cam-savecams-'));
    writeFileSync(join(base, 'a-file'), 'x');
    const out = join(base, 'run');
    const cams = join(base, 'a-file', 'cams');
    const result = await runCli(['run', dataset, ...fastModelArgs, '--out', out, '--save-cams', cams]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`--save-cams: ${cams} cannot be created: a part of its path is a file`);
    expect(result.stderr.match(/cam-localize:/g)).toHaveLength(1); // one message, not one per image
    expect(existsSync(join(out, 'results.jsonl'))).toBe(false);
    // Fixed, the same command runs without --overwrite.
    const fixed = await runCli([
      'run',
      dataset,
      ...fastModelArgs,
      '--out',
      out,
      '--save-cams',
      join(base, 'cams'),
    ]);
    expect(fixed.code, fixed.stderr).toBe(0);
  });

  it('a read-only --out or --overlays names the folder that refuses and the cause (EACCES)', async () => {
    const { locked } = lockedFolder();
    const out = join(locked, 'new', 'run');
    const result = await runUnprivileged(['predict', image, ...fastModelArgs, '--out', out]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `cannot create ${out}: ${locked} is not writable (permission denied) [EACCES]`,
    );

    const existing = await runUnprivileged(['predict', image, ...fastModelArgs, '--out', locked]);
    expect(existing.code).toBe(2);
    expect(existing.stderr).toContain(`${locked} is not writable (permission denied) [EACCES]`);

    const overlays = await runUnprivileged(['predict', image, ...fastModelArgs, '--overlays', locked]);
    expect(overlays.code).toBe(2);
    expect(overlays.stderr).toContain(`--overlays: ${locked} is not writable (permission denied) [EACCES]`);
  });
  // A full disk (ENOSPC) is tested on a small tmpfs in hostile-files.test.ts: a link to /dev/full
  // planted where the map goes is now replaced, not written through.
});
