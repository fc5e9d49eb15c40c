/**
 * Typed errors. Every error names what was wrong, where (file, line, tensor) and, when there is
 * one, what to do about it, so the CLI can print it on one line and go on with the next image.
 */
export type CamLocalizeErrorCode =
  | 'E_MODEL_READ'
  | 'E_MODEL_FORMAT'
  | 'E_HEAD_NOT_FOUND'
  | 'E_DEVICE'
  | 'E_SESSION'
  | 'E_IMAGE_READ'
  | 'E_IMAGE_TOO_LARGE'
  | 'E_PREPROCESS'
  | 'E_CAM'
  | 'E_GRADIENT'
  | 'E_LABELS'
  | 'E_ANNOTATION'
  | 'E_DATASET'
  | 'E_NPY'
  | 'E_FILE'
  | 'E_USAGE';

export interface CamLocalizeErrorOptions {
  /** The file the problem is in, when there is one. */
  file?: string | undefined;
  /** 1-based line number inside `file`, for text formats. */
  line?: number | undefined;
  /** What the user can do about it. */
  hint?: string | undefined;
  cause?: unknown;
}

export class CamLocalizeError extends Error {
  readonly code: CamLocalizeErrorCode;
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly hint: string | undefined;

  constructor(code: CamLocalizeErrorCode, message: string, options: CamLocalizeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.file = options.file;
    this.line = options.line;
    this.hint = options.hint;
  }

  /** One line: `file:line: message (hint)`, as the CLI prints it. */
  toOneLine(): string {
    const where =
      this.file === undefined
        ? ''
        : this.line === undefined
          ? `${this.file}: `
          : `${this.file}:${this.line}: `;
    const hint = this.hint === undefined ? '' : ` (${this.hint})`;
    return `${where}${this.message}${hint}`.replace(/\s*\n\s*/g, ' ');
  }
}

/**
 * An error class of one kind sets its own code (`CODE`, which a subclass may override): its
 * callers pass the message alone. Classes of several kinds take the code, typed to their kinds.
 */
abstract class OneCodeError extends CamLocalizeError {
  static readonly CODE: CamLocalizeErrorCode;

  constructor(message: string, options: CamLocalizeErrorOptions = {}) {
    super((new.target as unknown as { CODE: CamLocalizeErrorCode }).CODE, message, options);
  }
}

/** A class of several kinds: its code, typed to those kinds. */
abstract class KindedError<Code extends CamLocalizeErrorCode> extends CamLocalizeError {
  declare readonly code: Code;

  constructor(code: Code, message: string, options: CamLocalizeErrorOptions = {}) {
    super(code, message, options);
  }
}

/** The ONNX file cannot be read or parsed, refers to data it must not, or its session fails. */
export class ModelError extends KindedError<'E_MODEL_READ' | 'E_MODEL_FORMAT' | 'E_SESSION'> {}
/** The model has no head that CAM can apply to (or the named tensors do not exist). */
export class HeadNotFoundError extends OneCodeError {
  static override readonly CODE: CamLocalizeErrorCode = 'E_HEAD_NOT_FOUND';
}
/** An execution provider is not available or failed to start. */
export class DeviceError extends OneCodeError {
  static override readonly CODE: CamLocalizeErrorCode = 'E_DEVICE';
}
/** An image cannot be decoded, is too large, or cannot be preprocessed. */
export class ImageError extends KindedError<'E_IMAGE_READ' | 'E_IMAGE_TOO_LARGE' | 'E_PREPROCESS'> {}
/** A CAM method was asked for something it cannot compute (bad target, shapes that do not fit). */
export class CamError extends OneCodeError {
  static override readonly CODE: CamLocalizeErrorCode = 'E_CAM';
}
/** A labels / annotation / dataset / .npy file is malformed. */
export class DataError extends KindedError<
  'E_LABELS' | 'E_ANNOTATION' | 'E_DATASET' | 'E_NPY' | 'E_PREPROCESS'
> {}
/**
 * Several problems found in one pass over a dataset's annotations (each a CamLocalizeError naming
 * its file and line), reported together so that one run shows every fix to make. `problems` holds
 * the first `problems.length` of `total`.
 */
export class DatasetProblemsError extends DataError {
  readonly problems: readonly CamLocalizeError[];
  readonly total: number;

  constructor(root: string, problems: readonly CamLocalizeError[], total: number) {
    const more = total > problems.length ? `; ... and ${total - problems.length} more` : '';
    super(
      'E_ANNOTATION',
      `${total} problem${total === 1 ? '' : 's'} in the dataset ${root}: ${problems.map((p) => p.toOneLine()).join('; ')}${more}`,
      { file: root, hint: 'fix them all, then run again' },
    );
    this.problems = problems;
    this.total = total;
  }

  /** One problem a line (the CLI prints this), the count and the hint first. */
  override toOneLine(): string {
    const more =
      this.total > this.problems.length ? [`  ... and ${this.total - this.problems.length} more`] : [];
    return [
      `${this.total} problem${this.total === 1 ? '' : 's'} in the dataset ${this.file} (${this.hint}):`,
      ...this.problems.map((p) => `  ${p.toOneLine()}`),
      ...more,
    ].join('\n');
  }
}
/**
 * A file that cannot be read or written as asked: not a regular file (a FIFO, a device, a folder),
 * a link where none may be, or a failed write (`errno` holds the system's code, e.g. EROFS).
 */
export class FileError extends CamLocalizeError {
  readonly errno: string | undefined;

  constructor(message: string, options: CamLocalizeErrorOptions = {}) {
    super('E_FILE', message, options);
    const code = (options.cause as { code?: unknown } | null | undefined)?.code;
    this.errno = typeof code === 'string' && /^E[A-Z]+$/.test(code) ? code : undefined;
  }
}
/** Bad options from the caller. */
export class UsageError extends OneCodeError {
  static override readonly CODE: CamLocalizeErrorCode = 'E_USAGE';
}

/**
 * The backward graph cannot be built: an op on the path from the chosen layer to the scores has no
 * differentiation rule, or a rule cannot take the form it has. Names the node, its op and the layer.
 * A usage error (CLI exit 2): another layer or method is the user's way out.
 */
export class GradientError extends UsageError {
  static override readonly CODE: CamLocalizeErrorCode = 'E_GRADIENT';
}

/** A message for any thrown value, one line. */
export function describeError(error: unknown): string {
  if (error instanceof CamLocalizeError) return error.toOneLine();
  if (error instanceof Error) return error.message.replace(/\s*\n\s*/g, ' ');
  return String(error);
}
