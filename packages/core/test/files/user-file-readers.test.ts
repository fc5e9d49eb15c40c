/**
 * The library's readers of user files, each given a FIFO, an empty file or a name that is not
 * valid UTF-8. Each runs in a child process with a deadline: a reader that opens a FIFO waits
 * for a writer forever, which a test inside vitest's own thread could not survive.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runModuleScript } from '../../../../test-support/node-script.js';
import { buildModel } from '../onnx/builder.js';

const CORE = JSON.stringify(new URL('../../dist/index.js', import.meta.url).href);
const dir = mkdtempSync(join(tmpdir(), 'cam-readers-'));

/** Runs `call` (an expression awaiting one core function) and prints how it failed. */
function outcome(imports: string, call: string): string {
  const script = `
    import { ${imports} } from ${CORE};
    try { await ${call}; console.log('no error'); }
    catch (error) { console.log(error.constructor.name + ': ' + (error.toOneLine?.() ?? error.message)); }
  `;
  const result = runModuleScript(script, 20_000);
  if (result.error !== undefined || result.status !== 0)
    return `hung or crashed: ${result.error?.message ?? result.stderr}`;
  return result.stdout.trim();
}

function fifo(name: string): string {
  const path = join(dir, name);
  execFileSync('mkfifo', [path]);
  return path;
}

describe('readers of user files refuse what is not a regular file', () => {
  it('an image that is a FIFO: loadImage and readImageSize fail at once with an ImageError', () => {
    const image = fifo('photo.jpg');
    expect(outcome('loadImage', `loadImage(${JSON.stringify(image)})`)).toBe(
      `ImageError: ${image}: cannot read image file: is a FIFO (named pipe), not a regular file (only regular files are read)`.replace(
        ' (only regular files are read)',
        '',
      ),
    );
    expect(outcome('readImageSize', `readImageSize(${JSON.stringify(image)})`)).toMatch(
      /^ImageError: .*photo\.jpg: cannot read image file: is a FIFO/,
    );
  });

  it('ONNX external data that is a FIFO: inspecting the model fails at once with a ModelError', () => {
    const model = join(dir, 'external.onnx');
    fifo('weights.bin');
    writeFileSync(
      model,
      buildModel({
        inputs: [{ name: 'x', shape: [1, 4] }],
        outputs: [{ name: 'y', shape: [1, 2] }],
        nodes: [{ op: 'Gemm', inputs: ['x', 'w'], outputs: ['y'], attrs: { transB: { i: 1 } } }],
        initializers: [
          { name: 'w', dims: [2, 4], data: [], as: 'external', external: { location: 'weights.bin' } },
        ],
      }),
    );
    expect(outcome('CamModel', `CamModel.load(${JSON.stringify(model)}, { device: 'cpu' })`)).toMatch(
      /^ModelError: .*external\.onnx: .*external data file 'weights\.bin' cannot be opened: it is a FIFO/,
    );
  });

  it('a labels file that is a FIFO fails at once with a DataError', () => {
    const labels = fifo('labels.txt');
    expect(outcome('readLabels', `readLabels(${JSON.stringify(labels)})`)).toMatch(
      /^DataError: .*labels\.txt: cannot read labels file: is a FIFO/,
    );
  });
});

describe('image files that are empty or badly named', () => {
  it('an empty .jpg is an ImageError naming the file ("empty file"), not "Input Buffer is empty"', () => {
    const empty = join(dir, 'empty.jpg');
    writeFileSync(empty, '');
    expect(outcome('loadImage', `loadImage(${JSON.stringify(empty)})`)).toBe(
      `ImageError: ${empty}: cannot read image file: empty file (0 bytes)`,
    );
  });

  it('a name that is not valid UTF-8 is said to be so, not a bare ENOENT', () => {
    const folder = mkdtempSync(join(tmpdir(), 'cam-names-'));
    writeFileSync(
      Buffer.concat([Buffer.from(join(folder, 'photo-')), Buffer.from([0xe9]), Buffer.from('.jpg')]),
      'x',
    );
    const name = join(folder, readdirSync(folder)[0]!);
    expect(outcome('loadImage', `loadImage(${JSON.stringify(name)})`)).toMatch(
      /^ImageError: .*photo-\uFFFD\.jpg: cannot read image file: its name is not valid UTF-8/,
    );
  });
});
