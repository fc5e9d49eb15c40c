/**
 * Checks of the command line against the model, made once before the first image so a wrong
 * setting is a usage error (exit 2) instead of a failure on every image.
 */
import { type CamModel, type Labels, parseTarget, type TargetSpec, UsageError } from '@cam-localize/core';

/** A labels file must name exactly the model's classes, or every name it prints is wrong. */
export function assertLabelsFitModel(
  labels: Labels | undefined,
  file: string | undefined,
  model: CamModel,
): void {
  if (labels === undefined) return;
  const classes = model.head.numClasses;
  if (labels.names.length !== classes) {
    throw new UsageError(
      `--labels ${file ?? ''} names ${labels.names.length} classes, but the model ${model.onnx.path} has ${classes}`,
      { hint: "give this model's class list, one line per output, in output order" },
    );
  }
}

/** `predict` has no ground truth, so `--target gt` would fail every image: refuse it up front. */
export function predictTarget(spec: string, lookup: ((name: string) => number) | undefined): TargetSpec {
  const target = parseTarget(spec, lookup);
  if (target.kind === 'gt') {
    throw new UsageError(`predict has no ground truth, so --target ${spec} cannot be used`, {
      hint: 'use predicted, topk:K or a class (or `cam-localize run` on a dataset)',
    });
  }
  return target;
}

/** A transformer's token features fit only the methods that need no GAP-linear head: refuse the others up front. */
export function assertMethodFitsModel(method: string, model: CamModel): void {
  model.checkMethod(method);
}
