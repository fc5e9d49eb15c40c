/**
 * Memory bounds around the real command (issue 29, item 12): an SVG named .jpg fails that image
 * unless --allow-svg; a model input over --max-input-pixels (a ModelError, exit 1) and a batch
 * over --max-batch-pixels (a usage error, exit 2) are refused before the first image, each naming
 * its flag.
 */
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeWithTestBed } from '../../../../test-support/testbed.js';
import { runCli } from '../cli-process.js';
import { FAST_MODEL, ILSVRC } from '../fixtures.js';

const fastModelArgs = ['--model', FAST_MODEL, '--preset', 'mobilenet', '--device', 'cpu', '--threads', '1'];
const SVG_BOMB =
  '<svg xmlns="http://www.w3.org/2000/svg" width="9999" height="9999"><rect width="9999" height="9999" fill="red"/></svg>';

describeWithTestBed('memory bounds in the command', () => {
  it('an SVG named .jpg fails that image, naming it and --allow-svg; with the flag it is read', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'cam-svg-'));
    writeFileSync(join(folder, 'bomb.jpg'), SVG_BOMB);
    copyFileSync(join(ILSVRC, 'images', 'ILSVRC2012_val_00000347.JPEG'), join(folder, 'photo.jpg'));
    const refused = await runCli(['predict', folder, ...fastModelArgs, '--workers', '1']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/bomb\.jpg: is an SVG \(vector\) image.*--allow-svg/);
    const allowed = await runCli(['predict', folder, ...fastModelArgs, '--workers', '1', '--allow-svg']);
    expect(allowed.stderr).not.toContain('SVG');
    expect(allowed.code).toBe(0);
  });

  it('--max-input-pixels refuses the model, --max-batch-pixels the batch (input errors: exit 2), before any image', async () => {
    const image = join(ILSVRC, 'images', 'ILSVRC2012_val_00000347.JPEG');
    // the fast model takes 128x128 = 16384 pixels
    const input = await runCli(['predict', image, ...fastModelArgs, '--max-input-pixels', '16383']);
    expect(input.code).toBe(2);
    expect(input.stderr).toContain(
      'the model input is 128x128 = 16384 pixels per image, more than the limit of 16383 (raise --max-input-pixels',
    );
    const batch = await runCli([
      'predict',
      image,
      ...fastModelArgs,
      '--batch',
      '4',
      '--max-batch-pixels',
      String(3 * 16384),
    ]);
    expect(batch.code).toBe(2);
    expect(batch.stderr).toContain(
      'a batch of 4 inputs of 128x128 is 65536 pixels, more than the limit of 49152',
    );
    expect(batch.stderr).toContain('use --batch 3 or less');
  });
});
