/**
 * What a gallery picture's caption says: the image, the ground-truth and the predicted class (each
 * with its index) and whether they agree, which CAM is drawn, the IoU and the object's size.
 */
import { type BoxSize, describeBoxSize } from '@cam-localize/eval';
import type { RunRecord } from '../pipeline/records.js';

function named(c: { class: number; name?: string }): string {
  return c.name ? `${c.name} (${c.class})` : `class ${c.class}`;
}

/** `truth tench (0) · predicted goldfish (1), wrong` or `... , right`; where one is unknown, says so. */
export function classAgreement(record: RunRecord): string {
  const predicted = record.top?.[0] ?? record.predicted;
  const truth =
    record.gtClass === undefined
      ? undefined
      : { class: record.gtClass, ...(record.gtName ? { name: record.gtName } : {}) };
  const truthName =
    truth === undefined
      ? 'truth: no class label'
      : `truth ${named({ ...truth, ...(truth.name ? {} : nameOf(record, truth.class)) })}`;
  if (predicted === undefined) return `${truthName} · no prediction`;
  const verdict = truth === undefined ? '' : predicted.class === truth.class ? ', right' : ', wrong';
  return `${truthName} · predicted ${named(predicted)}${verdict}`;
}

/** A class's name where the record holds it elsewhere (its CAMs or its top classes). */
function nameOf(record: RunRecord, c: number): { name?: string } {
  const found = [record.groundTruth, record.predicted, ...(record.top ?? [])].find(
    (x) => x !== undefined && x.class === c && x.name,
  );
  return found?.name ? { name: found.name } : {};
}

export function galleryCaption(
  record: RunRecord,
  iou: number,
  size: BoxSize | undefined,
  share: number,
): string {
  const drawn = record.groundTruth ? 'CAM of the true class' : 'CAM of the predicted class';
  const sizeText =
    size === undefined
      ? 'size unknown'
      : `${describeBoxSize(size).split(' (')[0]} object, ${percentOfImage(share)} of the image`;
  return `${record.id} · ${classAgreement(record)} · ${drawn} · IoU ${iou.toFixed(2)} · ${sizeText}`;
}

function percentOfImage(share: number): string {
  const pct = share * 100;
  return `${pct < 1 ? pct.toFixed(1) : Math.round(pct)}%`;
}
