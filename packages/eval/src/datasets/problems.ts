/**
 * `ProblemList`: a reader's problems collected in one pass (up to a cap), so that a dataset with
 * several bad lines or files is reported in one error instead of one run per fix. Readers check
 * files concurrently, so the list is kept in file and line order (the first `cap` of them), never
 * in the order the checks happened to finish.
 */
import { CamLocalizeError, DatasetProblemsError } from '@cam-localize/core';

/** Problems listed in full; the rest are counted. */
export const DEFAULT_MAX_PROBLEMS = 20;

export class ProblemList {
  private readonly kept: CamLocalizeError[] = [];
  private count = 0;

  constructor(
    readonly root: string,
    readonly cap: number = DEFAULT_MAX_PROBLEMS,
  ) {}

  get size(): number {
    return this.count;
  }

  add(problem: CamLocalizeError): void {
    this.count++;
    this.kept.push(problem);
    if (this.kept.length > 4 * this.cap) this.keepFirst();
  }

  /** Keeps the first `cap` problems by file, then line. */
  private keepFirst(): void {
    this.kept.sort((a, b) => (a.file ?? '').localeCompare(b.file ?? '') || (a.line ?? 0) - (b.line ?? 0));
    this.kept.length = Math.min(this.kept.length, this.cap);
  }

  /** Runs `fn`; a CamLocalizeError it throws is recorded (and `undefined` returned), others go on. */
  guard<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (error) {
      if (!(error instanceof CamLocalizeError)) throw error;
      this.add(error);
      return undefined;
    }
  }

  /** `guard` for async work. */
  async guardAsync<T>(fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (error) {
      if (!(error instanceof CamLocalizeError)) throw error;
      this.add(error);
      return undefined;
    }
  }

  /** Throws one DatasetProblemsError listing every problem kept, when there is any. */
  throwIfAny(): void {
    if (this.count === 0) return;
    this.keepFirst();
    if (this.count === 1) throw this.kept[0]!;
    throw new DatasetProblemsError(this.root, this.kept, this.count);
  }
}
