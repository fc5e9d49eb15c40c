/**
 * Issue 16's acceptance on a few photos (the benchmark `pnpm bench faithfulness` runs 300): on
 * the trained MobileNetV2, CAM's insertion AUC exceeds its deletion AUC, CAM beats a seeded random
 * map on both, and CAM's Average Drop is below the random map's.
 */
import { expect, it } from 'vitest';
import { describeWithTestBed, shared } from '../../../../test-support/testbed.js';
import { compareWithRandom, formatComparison } from '../../bench/faithfulness-compare.mjs';

const IMAGES = 16;
const STEPS = 16;
const BATCH = 8;

describeWithTestBed('faithfulness of CAM on the trained MobileNetV2', () => {
  it('CAM: insertion > deletion, and better than a random map on deletion, insertion and Average Drop', async () => {
    const result = await compareWithRandom({
      model: shared('models', 'mobilenetv2-1.0-imagenet.onnx'),
      dataset: shared('datasets', 'ilsvrc2012-val-1000'),
      images: IMAGES,
      steps: STEPS,
      batchSize: BATCH,
      roadImages: 0,
    });
    console.log(formatComparison(result, `${STEPS} steps, batch ${BATCH}`));
    const { cam, random } = result;
    expect(cam.deletion?.images).toBe(IMAGES);
    expect(cam.insertion!.auc).toBeGreaterThan(cam.deletion!.auc);
    expect(cam.insertion!.auc).toBeGreaterThan(random.insertion!.auc);
    expect(cam.deletion!.auc).toBeLessThan(random.deletion!.auc);
    expect(cam.avgdrop!.averageDrop).toBeLessThan(random.avgdrop!.averageDrop);
  }, 600_000);
});
