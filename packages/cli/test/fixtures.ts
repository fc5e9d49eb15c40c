/**
 * Small datasets for CLI tests, laid out in wsolevaluation's metadata format over the real
 * ILSVRC photos of the test bed (the few used are copied in, so that a test owns its folder),
 * plus deliberately broken images.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shared } from '../../../test-support/testbed.js';

export const ILSVRC = shared('datasets', 'ilsvrc2012-val-1000');
export const FAST_MODEL = shared('models', 'mobilenetv1-0.25-128-imagenet.onnx');
export const MOBILENET_V2 = shared('models', 'mobilenetv2-1.0-imagenet.onnx');

/** `run` flags for the fast model on one CPU thread, at its 146 -> 128 preprocessing. */
export const FAST_MODEL_FLAGS = [
  '--model',
  FAST_MODEL,
  '--resize',
  '146',
  '--crop',
  '128',
  '--device',
  'cpu',
  '--threads',
  '1',
];

/** The first `count` images of the ILSVRC sample as a wsolevaluation metadata folder; extra broken entries optional. */
export function ilsvrcSubset(count: number, options: { broken?: boolean } = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'cam-ilsvrc-'));
  const read = (name: string) => readFileSync(join(ILSVRC, name), 'utf8').trim().split('\n');
  const ids = read('image_ids.txt').slice(0, count);
  mkdirSync(join(root, 'images'));
  for (const id of ids) copyFileSync(join(ILSVRC, id), join(root, id));
  const keep = new Set(ids);
  const pick = (name: string) => read(name).filter((line) => keep.has(line.split(',')[0]!));
  const labels = pick('class_labels.txt');
  const sizes = pick('image_sizes.txt');
  const boxes = pick('localization.txt');
  if (options.broken) {
    mkdirSync(join(root, 'broken'));
    writeFileSync(
      join(root, 'broken', 'truncated.JPEG'),
      readFileSync(join(ILSVRC, 'images', ids[0]!.split('/')[1]!)).subarray(0, 600),
    );
    writeFileSync(join(root, 'broken', 'not-an-image.JPEG'), 'this is text, not a JPEG\n');
    for (const name of ['truncated.JPEG', 'not-an-image.JPEG']) {
      const id = `broken/${name}`;
      ids.splice(2, 0, id);
      labels.push(`${id},1`);
      sizes.push(`${id},227,227`);
      boxes.push(`${id},10,10,100,100`);
    }
  }
  writeFileSync(join(root, 'image_ids.txt'), `${ids.join('\n')}\n`);
  writeFileSync(join(root, 'class_labels.txt'), `${labels.join('\n')}\n`);
  writeFileSync(join(root, 'image_sizes.txt'), `${sizes.join('\n')}\n`);
  writeFileSync(join(root, 'localization.txt'), `${boxes.join('\n')}\n`);
  writeFileSync(join(root, 'synsets.txt'), readFileSync(join(ILSVRC, 'synsets.txt')));
  return root;
}

export function readJsonLines<T = Record<string, unknown>>(path: string): T[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}
