/**
 * The preset probe: which preprocessing preset makes a model see photos as it was trained to.
 * Each preset (fitted to the model's input size) preprocesses the same few photos, the model scores
 * them, and each preset gets Top-1 (where labels exist), the mean confidence and entropy of its
 * predictions, and the share of its most frequent class (a wrong preset collapses the predictions
 * onto one class: SqueezeNet's caffe weights on RGB ImageNet inputs say "mosquito net" for 86% of
 * photos). {@link choosePreset} turns the rows into a choice by a stated rule.
 */
import { UsageError } from './errors.js';
import { applyOverrides, type PreprocessOverrides } from './image/config.js';
import { preprocess } from './image/preprocess.js';
import { PREPROCESS_FIELDS, PRESET_NAMES, PRESETS, type PresetName } from './image/presets.js';
import { fitToModelInput, type PreprocessSources } from './image/provenance.js';
import { loadPixels } from './image/sharp-codec.js';
import type { RgbaPixels, RgbImage } from './image/types.js';
import type { CamModel } from './model.js';
import type { PreparedImage } from './pipeline/image-preparer.js';
import { toProbabilities } from './scores.js';

/** Photos the probe scores by default (issue 26: 32). */
export const PROBE_IMAGES = 32;

export interface ProbeImage {
  readonly file: string;
  /** The image's class index in the model's classes, where the dataset gives one. */
  readonly label?: number | undefined;
}

export interface PresetProbeRow {
  readonly preset: PresetName;
  /** Images scored (those that decoded). */
  readonly images: number;
  /** Fraction right at Top-1 over the labelled images; undefined without labels. */
  readonly top1?: number;
  /** Mean probability of the top class. */
  readonly confidence: number;
  /** Mean entropy of the class probabilities, in bits. */
  readonly entropy: number;
  /** Share of the images whose top class is the most frequent top class. */
  readonly topClassShare: number;
  readonly topClass: number;
  /** One class takes more than half the predictions ({@link COLLAPSE_SHARE}). */
  readonly collapsed: boolean;
}

export interface PresetProbe {
  readonly rows: readonly PresetProbeRow[];
  readonly labelled: number;
  /** Images that failed to decode (skipped). */
  readonly failed: number;
  readonly seconds: number;
}

const BATCH = 8;

/**
 * Scores each preset on `images` (the first {@link PROBE_IMAGES} that decode are enough). `base`
 * is laid over each preset (e.g. a protocol's resize); each config is fitted to the model's input.
 */
export async function probePresets(
  model: CamModel,
  images: readonly ProbeImage[],
  options: { base?: PreprocessOverrides; presets?: readonly PresetName[]; maxPixels?: number } = {},
): Promise<PresetProbe> {
  const started = performance.now();
  const decoded: { image: RgbImage | RgbaPixels; file: string; label: number | undefined }[] = [];
  let failed = 0;
  for (const item of images) {
    if (decoded.length >= PROBE_IMAGES) break;
    try {
      const image = await loadPixels(item.file, {
        ...(options.maxPixels === undefined ? {} : { maxPixels: options.maxPixels }),
      });
      decoded.push({ image, file: item.file, label: item.label });
    } catch {
      failed++;
    }
  }
  if (decoded.length === 0) throw new UsageError('the preset probe found no image it could read');
  const input: [number, number] = [model.inputWidth, model.inputHeight];
  const sources = Object.fromEntries(PREPROCESS_FIELDS.map((f) => [f, 'probe'])) as PreprocessSources;
  const kind = model.scoreKind;
  const rows: PresetProbeRow[] = [];
  for (const preset of options.presets ?? PRESET_NAMES) {
    const config = fitToModelInput(applyOverrides(PRESETS[preset], options.base), sources, input).config;
    const top: number[] = [];
    let confidence = 0;
    let entropy = 0;
    let right = 0;
    for (let from = 0; from < decoded.length; from += BATCH) {
      const chunk = decoded.slice(from, from + BATCH);
      const plane = 3 * input[0] * input[1];
      const tensor = new Float32Array(chunk.length * plane);
      const prepared: PreparedImage[] = chunk.map((d, i) => {
        const out = tensor.subarray(i * plane, (i + 1) * plane);
        const { geometry } = preprocess(
          d.image,
          config,
          { inputWidth: input[0], inputHeight: input[1] },
          out,
        );
        return { file: d.file, tensor: out, geometry };
      });
      const results = await model.inferInput(tensor, prepared, 1);
      for (const [i, result] of results.entries()) {
        const p = toProbabilities(result.scores, kind);
        const best = result.ranked[0]!;
        top.push(best);
        confidence += p[best]!;
        for (const x of p) if (x > 0) entropy -= x * Math.log2(x);
        if (chunk[i]!.label === best) right++;
      }
    }
    const counts = new Map<number, number>();
    for (const c of top) counts.set(c, (counts.get(c) ?? 0) + 1);
    let topClass = top[0]!;
    for (const [c, n] of counts) if (n > counts.get(topClass)!) topClass = c;
    const labelled = decoded.filter((d) => d.label !== undefined && d.label >= 0).length;
    rows.push({
      preset,
      images: decoded.length,
      ...(labelled > 0 ? { top1: right / labelled } : {}),
      confidence: confidence / decoded.length,
      entropy: entropy / decoded.length,
      topClassShare: counts.get(topClass)! / decoded.length,
      topClass,
      collapsed: counts.get(topClass)! / decoded.length > COLLAPSE_SHARE,
    });
  }
  return {
    rows,
    labelled: decoded.filter((d) => d.label !== undefined && d.label >= 0).length,
    failed,
    seconds: (performance.now() - started) / 1000,
  };
}

/** How much better than `imagenet` another preset must be to be chosen (see {@link choosePreset}). */
export const PROBE_MARGIN = {
  top1: 0.15,
  top1WithConfidence: 0.05,
  confidence: 0.05,
  entropyBits: 0.5,
} as const;

/** A preset's predictions are collapsed when one class takes more than half of them. */
export const COLLAPSE_SHARE = 0.5;

/**
 * The rule: `imagenet` (torchvision's recipe, the old default) stays unless another preset is
 * clearly better.
 *  - With labels (at least 8 labelled images), the best preset by Top-1 (then confidence) wins if
 *    its Top-1 beats imagenet's by 15 points, or by 5 points with a mean confidence 5 points higher.
 *  - Without labels, only presets whose predictions are not collapsed compete (no class above half
 *    the images); the most confident wins if imagenet's predictions are collapsed, or if it is
 *    5 points more confident than imagenet with 0.5 bits less entropy.
 * An untrained model, whose Top-1 is near zero and whose predictions collapse under every preset,
 * keeps imagenet.
 */
export function choosePreset(probe: PresetProbe): { preset: PresetName; reason: string } {
  const rows = probe.rows;
  const imagenet = rows.find((r) => r.preset === 'imagenet');
  const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
  const m = PROBE_MARGIN;
  if (imagenet === undefined) {
    const best = [...rows].sort((a, b) => (b.top1 ?? b.confidence) - (a.top1 ?? a.confidence))[0]!;
    return { preset: best.preset, reason: 'the best of the presets probed' };
  }
  if (probe.labelled >= 8) {
    const top1 = (r: PresetProbeRow) => r.top1 ?? 0;
    const best = rows.reduce((a, b) =>
      top1(b) > top1(a) || (top1(b) === top1(a) && b.confidence > a.confidence) ? b : a,
    );
    const gain = top1(best) - top1(imagenet);
    const surer = best.confidence - imagenet.confidence;
    if (gain >= m.top1 - 1e-9 || (gain >= m.top1WithConfidence - 1e-9 && surer >= m.confidence)) {
      return {
        preset: best.preset,
        reason: `Top-1 ${pct(top1(best))} against imagenet's ${pct(top1(imagenet))} (confidence ${pct(best.confidence)} against ${pct(imagenet.confidence)}) on ${probe.labelled} labelled images`,
      };
    }
    return {
      preset: 'imagenet',
      reason: `no preset is clearly better than imagenet's Top-1 ${pct(top1(imagenet))} on ${probe.labelled} labelled images`,
    };
  }
  const open = rows.filter((r) => !r.collapsed);
  const best = open.reduce<PresetProbeRow | undefined>(
    (a, b) => (a === undefined || b.confidence > a.confidence ? b : a),
    undefined,
  );
  if (best !== undefined && best.preset !== 'imagenet') {
    if (imagenet.collapsed) {
      return {
        preset: best.preset,
        reason: `imagenet puts ${pct(imagenet.topClassShare)} of the images in one class; ${best.preset} spreads them (confidence ${pct(best.confidence)})`,
      };
    }
    if (
      best.confidence >= imagenet.confidence + m.confidence &&
      best.entropy <= imagenet.entropy - m.entropyBits
    ) {
      return {
        preset: best.preset,
        reason: `mean confidence ${pct(best.confidence)} against imagenet's ${pct(imagenet.confidence)}, entropy ${best.entropy.toFixed(2)} against ${imagenet.entropy.toFixed(2)} bits`,
      };
    }
  }
  return { preset: 'imagenet', reason: 'no preset is clearly better than imagenet' };
}
