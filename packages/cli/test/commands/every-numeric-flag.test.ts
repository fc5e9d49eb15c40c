/**
 * Every numeric flag of every command is checked (issue 30, item 3): a bad value is a usage error
 * (exit 2) whose message names the flag, before any model is run. The first test lists the
 * commands' numeric options from the program itself, so a new one without a case here fails.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/main.js';
import { runCli } from '../cli-process.js';

const work = mkdtempSync(join(tmpdir(), 'cam-numeric-'));
/** Never read as a model: every case fails on its flag before the model is loaded. */
const MODEL = join(work, 'model.onnx');
writeFileSync(MODEL, 'not read\n');
/** A class-folder dataset of one photo (never decoded). */
const PHOTOS = join(work, 'photos');
mkdirSync(join(PHOTOS, 'cat'), { recursive: true });
writeFileSync(join(PHOTOS, 'cat', 'a.png'), 'not decoded\n');
const RUN = ['run', PHOTOS, '--model', MODEL, '--out', join(work, 'out')];
const PREDICT = ['predict', PHOTOS, '--model', MODEL, '--out', join(work, 'out-p')];
const EVAL = ['eval', PHOTOS, '--cams', PHOTOS];

/** Per numeric option (`command --flag`): the command line before it, and a value it must refuse. */
const CASES: Record<string, readonly [readonly string[], string]> = {
  'run --alpha': [RUN, '1.5'],
  'run --batch': [RUN, '0'],
  'run --cam-samples': [RUN, '0'],
  'run --cam-sigma': [RUN, '-1'],
  'run --crop': [RUN, '0'],
  'run --faithfulness-steps': [RUN, '0'],
  'run --gallery': [RUN, '2.5'],
  'run --limit': [RUN, '-3'],
  'run --max-batch-pixels': [RUN, '0'],
  'run --max-input-pixels': [RUN, 'lots'],
  'run --max-pixels': [RUN, '-1'],
  'run --mean': [RUN, '1,2'],
  'run --min-area': [RUN, '-1'],
  'run --progress-interval': [RUN, '-1'],
  'run --resize': [RUN, '0'],
  'run --scale': [RUN, 'abc'],
  'run --score-cam-channels': [RUN, '0'],
  'run --shard': [RUN, '3/2'],
  'run --shard-count': [RUN, '0'],
  'run --skip-tokens': [RUN, '-1'],
  'run --std': [RUN, '0,1,1'],
  'run --threads': [RUN, '1.5'],
  'run --threshold': [RUN, '2'],
  'run --token-grid': [RUN, '0x3'],
  'run --workers': [RUN, 'x'],
  'run --connectivity': [RUN, '6'],
  'run --cam-size': [RUN, '0'],
  'predict --alpha': [PREDICT, '-0.5'],
  'predict --batch': [PREDICT, '1.5'],
  'predict --cam-samples': [PREDICT, 'many'],
  'predict --cam-sigma': [PREDICT, 'x'],
  'predict --crop': [PREDICT, 'x'],
  'predict --limit': [PREDICT, '-3'],
  'predict --max-batch-pixels': [PREDICT, '-5'],
  'predict --max-input-pixels': [PREDICT, '0'],
  'predict --max-pixels': [PREDICT, '0'],
  'predict --mean': [PREDICT, 'a,b,c'],
  'predict --progress-interval': [PREDICT, 'soon'],
  'predict --resize': [PREDICT, '-224'],
  'predict --scale': [PREDICT, '0'],
  'predict --score-cam-channels': [PREDICT, '-1'],
  'predict --shard': [PREDICT, '0/4'],
  'predict --shard-count': [PREDICT, '-2'],
  'predict --skip-tokens': [PREDICT, 'one'],
  'predict --std': [PREDICT, '1,1'],
  'predict --threads': [PREDICT, '0'],
  'predict --threshold': [PREDICT, '-1%'],
  'predict --token-grid': [PREDICT, '14y14'],
  'predict --min-area': [PREDICT, '0.5'],
  'predict --workers': [PREDICT, '-1'],
  'predict --connectivity': [PREDICT, '4.5'],
  'predict --cam-size': [PREDICT, '-7'],
  'eval --interval': [EVAL, '0'],
  'eval --iou': [EVAL, '150'],
  'eval --limit': [EVAL, '0'],
  'eval --progress-interval': [EVAL, '-1'],
  'eval --size': [EVAL, '0'],
  'eval --threshold': [EVAL, '101%'],
  'eval --min-area': [EVAL, '-2'],
  'eval --workers': [EVAL, '1.5'],
  'eval --shard': [EVAL, '5/4'],
  'eval --shard-count': [EVAL, '0'],
  'report --gallery': [['report', work], '-1'],
  'compare --images': [['compare', work, work], '0'],
  'view --port': [['view', work], '0'],
  'merge --progress-interval': [['merge', work, '--out', join(work, 'merged')], 'x'],
  'inspect --threads': [['inspect', MODEL], '0'],
  'inspect --token-grid': [['inspect', MODEL], '14x'],
  'inspect --skip-tokens': [['inspect', MODEL], '-1'],
};

/** Options whose value is a number or made of numbers, by the name of their argument. */
const NUMERIC_ARGUMENT = /<(n|x|a|k|t|pixels|seconds|size|levels|spec|HxW|r,g,b|K\/N\|auto|numbers)>$/;
const NOT_NUMERIC = new Set([
  'run --compat',
  'predict --compat',
  'eval --compat',
  'run --target',
  'predict --target',
]);

describe('every numeric flag is checked', () => {
  it('has a case for each numeric option of each command', async () => {
    const program = await buildProgram();
    const numeric = program.commands.flatMap((command) =>
      command.options
        .filter((option) => NUMERIC_ARGUMENT.test(option.flags))
        .map((option) => `${command.name()} ${option.long}`)
        .filter((name) => !NOT_NUMERIC.has(name)),
    );
    expect(numeric.length).toBeGreaterThan(40);
    expect(numeric.filter((name) => !Object.hasOwn(CASES, name))).toEqual([]);
  });

  for (const [name, [before, value]] of Object.entries(CASES)) {
    const flag = name.split(' ')[1]!;
    it(`${name} ${value}: exit 2, naming ${flag}`, async () => {
      const result = await runCli([...before, flag, value]);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(flag);
      expect(result.stderr).not.toContain('preprocessing');
    });
  }
});
