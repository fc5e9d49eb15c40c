/**
 * CAM against seeded random maps under the faithfulness metrics, on real photos and a real model:
 * what the faithfulness acceptance test (a few photos) and benchmark (300) share. Each image's
 * predicted class is explained by its CAM (the model's head, relu-minmax) and by a uniform random
 * map on the same grid (seeded by the image's index); the perturbed inputs of one image go through
 * the session in batches of `batchSize`. Also measures what each metric costs per image.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CamModel, SeededRandom } from '@cam-localize/core';
import {
  AverageDrop,
  classProbability,
  Deletion,
  evaluateFaithfulness,
  FaithfulnessAccumulator,
  faithfulnessRows,
  Insertion,
  Road,
} from '../dist/index.js';

/**
 * @param {{ model: string, dataset: string, images: number, steps: number, batchSize: number,
 *   roadImages: number, preset?: string, log?: (line: string) => void }} options
 */
export async function compareWithRandom(options) {
  const ids = readFileSync(join(options.dataset, 'image_ids.txt'), 'utf8')
    .trim()
    .split('\n')
    .slice(0, options.images);
  const model = await CamModel.load(options.model, {
    device: 'cpu',
    preprocess: { preset: options.preset ?? 'mobilenet' },
    keepImages: false,
  });
  const metrics = [
    new AverageDrop(),
    new Deletion({ steps: options.steps }),
    new Insertion({ steps: options.steps }),
  ];
  const road = new Road();
  const accumulators = { cam: new FaithfulnessAccumulator(), random: new FaithfulnessAccumulator() };
  const cost = new Map();
  const addCost = (c) => {
    for (const [name, passes] of Object.entries(c.passes)) {
      const entry = cost.get(name) ?? { passes: 0, ms: 0, forwardMs: 0, images: 0 };
      cost.set(name, {
        passes: entry.passes + passes,
        ms: entry.ms + c.ms[name],
        forwardMs: entry.forwardMs + c.forwardMs[name],
        images: entry.images + 1,
      });
    }
  };
  const started = performance.now();
  try {
    for (let start = 0; start < ids.length; start += options.batchSize) {
      const files = ids.slice(start, start + options.batchSize).map((id) => join(options.dataset, id));
      const inferences = await model.infer(await Promise.all(files.map((f) => model.prepare(f))));
      for (const [j, inference] of inferences.entries()) {
        const index = start + j;
        const classIndex = inference.ranked[0];
        const cam = await model.cam(inference, classIndex, { method: 'cam' });
        const random = new SeededRandom(index + 1);
        const maps = {
          cam,
          random: { ...cam, data: Float32Array.from(cam.data, () => random.uniform()) },
        };
        const image = {
          input: inference.prepared.tensor,
          width: model.inputWidth,
          height: model.inputHeight,
          classIndex,
          probability: classProbability(inference.scores, classIndex, model.head.softmax),
        };
        const withRoad = index < options.roadImages;
        for (const kind of ['cam', 'random']) {
          const { results, cost: c } = await evaluateFaithfulness(
            { ...image, map: maps[kind] },
            withRoad ? [...metrics, road] : metrics,
            model.forwardScores,
            { batchSize: options.batchSize, probabilities: model.head.softmax },
          );
          accumulators[kind].add(results);
          if (kind === 'cam') addCost(c);
        }
      }
      options.log?.(`faithfulness: ${Math.min(start + options.batchSize, ids.length)}/${ids.length} images`);
    }
  } finally {
    await model.release();
  }
  return {
    images: ids.length,
    seconds: (performance.now() - started) / 1000,
    cam: accumulators.cam.compute(),
    random: accumulators.random.compute(),
    cost: [...cost.entries()].map(([metric, c]) => ({
      metric,
      images: c.images,
      passesPerImage: c.passes / c.images,
      msPerImage: c.ms / c.images,
      forwardMsPerImage: c.forwardMs / c.images,
    })),
  };
}

/** The comparison as text: one table of CAM vs random, one of the cost per image. */
export function formatComparison(result, settings) {
  const cam = faithfulnessRows(result.cam);
  const random = new Map(faithfulnessRows(result.random).map((r) => [r[0], r[1]]));
  const lines = [
    `faithfulness of CAM vs a seeded random map: ${result.images} photos, ${settings}`,
    '| metric | CAM | random map | better | images |',
    '|---|---|---|---|---|',
    ...cam.map(
      ([name, value, better, images]) =>
        `| ${name} | ${value} | ${random.get(name)} | ${better} | ${images} |`,
    ),
    '',
    '| metric | forward passes / image | ms / image (CPU) | of which forward | images |',
    '|---|---|---|---|---|',
    ...result.cost.map(
      (c) =>
        `| ${c.metric} | ${c.passesPerImage} | ${c.msPerImage.toFixed(0)} | ${c.forwardMsPerImage.toFixed(0)} | ${c.images} |`,
    ),
  ];
  return lines.join('\n');
}
