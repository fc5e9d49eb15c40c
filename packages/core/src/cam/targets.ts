import { UsageError } from '../errors.js';

/**
 * Which classes to explain. `predicted`: the top-1 class; `topk`: the k best; `gt`: the
 * ground-truth class; `class`: a fixed class index (names resolve through labels first).
 */
export type TargetSpec =
  | { readonly kind: 'predicted' }
  | { readonly kind: 'topk'; readonly k: number }
  | { readonly kind: 'gt' }
  | { readonly kind: 'class'; readonly index: number };

/** Parses `predicted`, `gt`, `topk:K`, a class index, or a class name resolved by `lookup`. */
export function parseTarget(text: string, lookup?: (name: string) => number): TargetSpec {
  const value = text.trim();
  if (value === 'predicted' || value === 'top1') return { kind: 'predicted' };
  if (value === 'gt' || value === 'ground-truth') return { kind: 'gt' };
  const topk = /^top-?k?:?(\d+)$/.exec(value);
  if (topk) {
    const k = Number(topk[1]);
    if (k < 1) throw new UsageError(`target '${text}': k must be at least 1`);
    return k === 1 ? { kind: 'predicted' } : { kind: 'topk', k };
  }
  if (/^\d+$/.test(value)) return { kind: 'class', index: Number(value) };
  const index = lookup?.(value) ?? -1;
  if (index < 0) {
    throw new UsageError(
      `target '${text}' is not predicted, gt, topk:K, a class index or a known class name`,
      {
        hint:
          lookup === undefined
            ? 'pass `labels` to use class names'
            : 'check the spelling against the labels file',
      },
    );
  }
  return { kind: 'class', index };
}

/** The ranked class indices of a score vector, best first (ties: lower index first). */
export function rankClasses(scores: ArrayLike<number>, k: number = scores.length): Int32Array {
  const count = Math.min(k, scores.length);
  const best = new Int32Array(count).fill(-1);
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    let j = count - 1;
    if (best[j]! >= 0 && !(s > scores[best[j]!]!)) continue;
    while (j > 0 && (best[j - 1]! < 0 || s > scores[best[j - 1]!]!)) {
      best[j] = best[j - 1]!;
      j--;
    }
    best[j] = i;
  }
  return best;
}

/** The class indices a target spec selects for one image. */
export function resolveTargets(spec: TargetSpec, scores: ArrayLike<number>, groundTruth?: number): number[] {
  switch (spec.kind) {
    case 'predicted':
      return [rankClasses(scores, 1)[0]!];
    case 'topk':
      return Array.from(rankClasses(scores, spec.k));
    case 'gt':
      if (groundTruth === undefined || groundTruth < 0) {
        throw new UsageError('target gt needs a ground-truth class for every image', {
          hint: 'use a dataset with class labels, or `target: predicted`',
        });
      }
      return [groundTruth];
    case 'class':
      if (spec.index >= scores.length) {
        throw new UsageError(`target class ${spec.index} is outside the model's ${scores.length} classes`);
      }
      return [spec.index];
  }
}
