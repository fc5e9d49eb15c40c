/**
 * The class names a command prints and records: a --labels file, else the dataset's own class
 * list (run), else the built-in ImageNet-1k names when the model has exactly 1000 outputs. Any
 * other model without a list keeps class indices, and the output says which it is.
 */
import { imagenetLabels, type Labels, type TargetSpec, UsageError } from '@cam-localize/core';

/** The number of classes of an ImageNet-1k classifier. */
const IMAGENET_CLASS_COUNT = 1000;

export interface ClassNames {
  /** A name per class index, null where unknown (all null: indices only). */
  readonly names: readonly (string | null)[];
  /** Where the names came from, for the output; undefined when the user named the source. */
  readonly note?: string;
}

export function classNamesFor(
  numClasses: number,
  sources: { labels?: Labels | undefined; datasetNames?: readonly (string | undefined)[] | undefined },
): ClassNames {
  const { labels, datasetNames } = sources;
  if (labels !== undefined) return { names: namesOf(numClasses, (c) => labels.nameOf(c)) };
  if (datasetNames !== undefined && datasetNames.length > 0)
    return { names: namesOf(numClasses, (c) => datasetNames[c]) };
  if (numClasses === IMAGENET_CLASS_COUNT) {
    const imagenet = imagenetLabels();
    return {
      names: namesOf(numClasses, (c) => imagenet.nameOf(c)),
      note: 'class names: ImageNet-1k (built in; --labels <file> for others)',
    };
  }
  return {
    names: namesOf(numClasses, () => undefined),
    note: `class names: none for ${numClasses} classes, printing indices (--labels <file> names them)`,
  };
}

function namesOf(count: number, nameOf: (c: number) => string | undefined): (string | null)[] {
  return Array.from({ length: count }, (_, c) => nameOf(c) ?? null);
}

/**
 * `--target <name>` without --labels was looked up among the built-in ImageNet names: that only
 * means something for a model with ImageNet's 1000 classes.
 */
export function assertBuiltInNameFits(text: string, target: TargetSpec, numClasses: number): void {
  if (target.kind !== 'class' || /^\d+$/.test(text.trim()) || numClasses === IMAGENET_CLASS_COUNT) return;
  throw new UsageError(
    `--target ${text} is an ImageNet class name, but the model has ${numClasses} classes, not ${IMAGENET_CLASS_COUNT}`,
    { hint: "pass --labels with the model's class names, or a class index" },
  );
}
