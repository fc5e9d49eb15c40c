/**
 * The README's exit-code table, command by command (issue 26, item 8): 0 ok; 1 some images failed
 * or a metric is incomplete; 2 usage or input errors (a missing model, a missing or empty dataset,
 * a missing --cams folder, a folder that is not a run); 130 interrupted (invocation.test.ts).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeWithTestBed } from '../../../../test-support/testbed.js';
import { runCli } from '../cli-process.js';
import { FAST_MODEL, FAST_MODEL_FLAGS, ilsvrcSubset } from '../fixtures.js';

const work = mkdtempSync(join(tmpdir(), 'cam-exit-'));
const MISSING_MODEL = join(work, 'no-such-model.onnx');
const MISSING_FOLDER = join(work, 'no-such-folder');
const EMPTY = join(work, 'empty');
mkdirSync(EMPTY);
const NOT_A_MODEL = join(work, 'not-a-model.onnx');
writeFileSync(NOT_A_MODEL, 'this is text, not an ONNX protobuf\n');
/** A model that exists, for the cases whose input is missing (the model is never read). */
const ANY_MODEL = NOT_A_MODEL;
/** A class-folder dataset of one photo, for the cases whose model is missing (never decoded). */
const PHOTOS = join(work, 'photos');
mkdirSync(join(PHOTOS, 'cat'), { recursive: true });
writeFileSync(join(PHOTOS, 'cat', 'a.png'), 'not decoded: the model is checked first\n');

async function expectExit(args: readonly string[], code: number, mentions?: string): Promise<void> {
  const result = await runCli(args);
  expect(result.code, `${args.join(' ')}\n${result.stderr}`).toBe(code);
  if (mentions !== undefined) expect(result.stderr).toContain(mentions);
  // A refusal is one short message, not a stack.
  if (code === 2) expect(result.stderr).not.toMatch(/^\s+at /m);
}

describe('exit 2: usage and input errors, every command', () => {
  it('run: a missing model, a missing dataset, an empty dataset, a bad flag', async () => {
    const out = join(work, 'run-out');
    await expectExit(['run', PHOTOS, '--model', MISSING_MODEL, '--out', out], 2, MISSING_MODEL);
    await expectExit(['run', MISSING_FOLDER, '--model', ANY_MODEL, '--out', out], 2, MISSING_FOLDER);
    await expectExit(['run', EMPTY, '--model', ANY_MODEL, '--out', out], 2, EMPTY);
    await expectExit(['run', EMPTY, '--model', ANY_MODEL, '--out', out, '--batch', '0'], 2, '--batch');
  });

  it('predict: a missing model, missing images, an empty folder', async () => {
    const out = join(work, 'predict-out');
    await expectExit(['predict', PHOTOS, '--model', MISSING_MODEL, '--out', out], 2, MISSING_MODEL);
    await expectExit(['predict', MISSING_FOLDER, '--model', ANY_MODEL, '--out', out], 2, MISSING_FOLDER);
    await expectExit(['predict', EMPTY, '--model', ANY_MODEL, '--out', out], 2, EMPTY);
  });

  it('eval: a missing dataset, an empty dataset, a missing --cams folder', async () => {
    await expectExit(['eval', MISSING_FOLDER, '--cams', EMPTY], 2, MISSING_FOLDER);
    await expectExit(['eval', EMPTY, '--cams', EMPTY], 2, EMPTY);
    await expectExit(['eval', EMPTY, '--cams', MISSING_FOLDER], 2, MISSING_FOLDER);
  });

  it('inspect: a missing model and a file that is not a model', async () => {
    await expectExit(['inspect', MISSING_MODEL], 2, MISSING_MODEL);
    await expectExit(['inspect', NOT_A_MODEL], 2, NOT_A_MODEL);
  });

  it('report, compare, view and merge: a folder that is not a run', async () => {
    await expectExit(['report', MISSING_FOLDER], 2, MISSING_FOLDER);
    await expectExit(['report', EMPTY], 2, EMPTY);
    await expectExit(['compare', EMPTY, MISSING_FOLDER], 2);
    await expectExit(['view', MISSING_FOLDER], 2, MISSING_FOLDER);
    await expectExit(['view', EMPTY, '--export', join(work, 'view-out')], 2, EMPTY);
    await expectExit(['merge', MISSING_FOLDER, '--out', join(work, 'merged')], 2, MISSING_FOLDER);
  });

  it('doctor and unknown commands: a bad flag', async () => {
    await expectExit(['doctor', '--no-such-flag'], 2);
    await expectExit(['no-such-command'], 2);
  });
});

describeWithTestBed('exit 0 and exit 1 on real runs', () => {
  it('run: 0 when every image is scored, 1 when some images failed (and the rest are kept)', async () => {
    const good = ilsvrcSubset(2);
    await expectExit(['run', good, ...FAST_MODEL_FLAGS, '--out', join(good, 'out'), '--no-report'], 0);
    const broken = ilsvrcSubset(2, { broken: true });
    await expectExit(['run', broken, ...FAST_MODEL_FLAGS, '--out', join(broken, 'out'), '--no-report'], 1);
  });

  it('predict: 0 when every image is scored, 1 when one of them cannot be read', async () => {
    const root = ilsvrcSubset(2, { broken: true });
    await expectExit(['predict', join(root, 'images'), ...FAST_MODEL_FLAGS, '--out', join(root, 'p1')], 0);
    await expectExit(['predict', join(root, 'broken'), ...FAST_MODEL_FLAGS, '--out', join(root, 'p2')], 1);
  });

  it('eval: 0 on a complete folder of maps, 1 when maps are missing (an incomplete metric)', async () => {
    const root = ilsvrcSubset(3);
    const cams = join(root, 'cams');
    await expectExit(
      ['run', root, ...FAST_MODEL_FLAGS, '--out', join(root, 'out'), '--no-report', '--save-cams', cams],
      0,
    );
    await expectExit(['eval', root, '--cams', cams, '--out', join(root, 'eval-1')], 0);
    const partial = ilsvrcSubset(4);
    await expectExit(['eval', partial, '--cams', cams, '--out', join(partial, 'eval-2')], 1, 'missing');
  });

  it('inspect: 0 on a model CAM can use', async () => {
    await expectExit(['inspect', FAST_MODEL], 0);
  });
});
