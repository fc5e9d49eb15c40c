/**
 * Faithfulness of CAM against seeded random maps on the trained MobileNetV2 and the first 300
 * photos of the ILSVRC sample (issue 16's acceptance), and what each metric costs per image on the
 * CPU at the session's batch (8, the CLI's CPU default): forward passes and milliseconds (building
 * the perturbed inputs plus the share of the forward calls). Deletion and insertion take 16 steps;
 * ROAD runs on the first 4 photos only (its cost per image is what matters here: seconds, in
 * its imputation). `pnpm bench faithfulness`; FAITHFULNESS_IMAGES=<n> for fewer photos,
 * FAITHFULNESS_ROAD_IMAGES=<n> for ROAD on more.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareWithRandom, formatComparison } from './faithfulness-compare.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const sharedDir = resolve(process.env.CAM_LOCALIZE_SHARED ?? join(root, '..', 'shared'));
const MODEL = join(sharedDir, 'models', 'mobilenetv2-1.0-imagenet.onnx');
const DATASET = join(sharedDir, 'datasets', 'ilsvrc2012-val-1000');
const IMAGES = Number(process.env.FAITHFULNESS_IMAGES ?? 300);
const STEPS = 16;
const BATCH = 8;
const ROAD_IMAGES = Number(process.env.FAITHFULNESS_ROAD_IMAGES ?? 4);

export default async function faithfulness() {
  if (!existsSync(MODEL) || !existsSync(DATASET)) {
    return [{ name: 'skipped', value: Number.NaN, unit: '', note: `no test bed at ${sharedDir}` }];
  }
  const result = await compareWithRandom({
    model: MODEL,
    dataset: DATASET,
    images: IMAGES,
    steps: STEPS,
    batchSize: BATCH,
    roadImages: ROAD_IMAGES,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stderr.write(
    `${formatComparison(result, `${STEPS} steps, batch ${BATCH}, ROAD on ${ROAD_IMAGES}`)}\n` +
      `(${result.seconds.toFixed(0)} s in all)\n`,
  );
  const { cam, random } = result;
  const rows = [
    {
      name: 'CAM Average Drop',
      value: cam.avgdrop.averageDrop,
      unit: '%',
      note: `random map ${random.avgdrop.averageDrop.toFixed(2)}`,
    },
    {
      name: 'CAM deletion AUC',
      value: cam.deletion.auc,
      unit: '',
      note: `random map ${random.deletion.auc.toFixed(4)}`,
    },
    {
      name: 'CAM insertion AUC',
      value: cam.insertion.auc,
      unit: '',
      note: `random map ${random.insertion.auc.toFixed(4)}`,
    },
  ];
  for (const c of result.cost) {
    rows.push({
      name: `${c.metric} per image`,
      value: c.msPerImage,
      unit: 'ms',
      note: `${c.passesPerImage} forward passes (${c.forwardMsPerImage.toFixed(0)} ms), ${c.images} images, CPU, batch ${BATCH}`,
    });
  }
  return rows;
}
