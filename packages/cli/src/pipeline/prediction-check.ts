/**
 * The check a run makes of its own predictions after the first 64 images: a Top-1 Cls below 10%
 * (with labels), or one class taking more than half the predictions (with or without), is what a
 * wrong preprocessing preset looks like (SqueezeNet's caffe weights fed RGB ImageNet inputs call
 * 86% of photos "mosquito net"). Said once on stderr, with the likely cause and the probe.
 */

/** Images seen before the check. */
export const CHECK_AFTER = 64;
/** With labels: a Top-1 Cls below this is suspicious. */
export const LOW_TOP1 = 0.1;
/** Share of the predictions one class may take before it is suspicious. */
export const ONE_CLASS_SHARE = 0.5;

interface CheckedRecord {
  readonly status: string;
  readonly top?: readonly { class: number; name?: string }[];
  readonly loc?: { readonly top1Cls: boolean };
}

export class PredictionCheck {
  private seen = 0;
  private right = 0;
  private labelled = 0;
  private readonly counts = new Map<number, number>();
  private names = new Map<number, string>();
  private done = false;

  /** `describe` names the model and what was given (for the message's advice). */
  constructor(
    private readonly model: string,
    private readonly presetNote: string,
    private readonly write: (line: string) => void = (line) => process.stderr.write(line),
  ) {}

  /** One record, in input order; the check runs once, at the 64th image that went through. */
  observe(record: CheckedRecord): void {
    if (this.done || record.status !== 'ok') return;
    const top = record.top?.[0];
    if (top === undefined) return;
    this.seen++;
    this.counts.set(top.class, (this.counts.get(top.class) ?? 0) + 1);
    if (top.name !== undefined) this.names.set(top.class, top.name);
    if (record.loc !== undefined) {
      this.labelled++;
      if (record.loc.top1Cls) this.right++;
    }
    if (this.seen >= CHECK_AFTER) {
      this.done = true;
      const warning = this.verdict();
      if (warning !== undefined) this.write(`${warning}\n`);
    }
  }

  /** The warning, or undefined when the predictions look sane. */
  verdict(): string | undefined {
    const problems: string[] = [];
    if (this.labelled >= CHECK_AFTER / 2 && this.right / this.labelled < LOW_TOP1) {
      problems.push(
        `Top-1 Cls is ${((100 * this.right) / this.labelled).toFixed(1)}% on the first ${this.labelled} labelled images`,
      );
    }
    let top = -1;
    let most = 0;
    for (const [c, n] of this.counts) if (n > most) [top, most] = [c, n];
    if (most > ONE_CLASS_SHARE * this.seen) {
      const name = this.names.get(top);
      problems.push(
        `class ${top}${name === undefined ? '' : ` (${name})`} takes ${most} of the first ${this.seen} predictions`,
      );
    }
    if (problems.length === 0) return undefined;
    return (
      `cam-localize: warning: ${problems.join('; ')}. The likely cause is preprocessing the model was not trained with (${this.presetNote}): ` +
      `compare the presets with \`cam-localize inspect ${this.model} --probe <dataset or photos>\` and pass the recommended --preset ` +
      '(or --mean/--std/--channel-order); a model that does not classify these images (untrained, another label set) also looks like this'
    );
  }
}
