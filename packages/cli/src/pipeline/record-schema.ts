/**
 * The schema of a results.jsonl line, checked as each line is read back (`--resume`, `report`,
 * `compare`, `merge`): a damaged or hand-edited line (`null`, `"gtKnownLoc":"yes"`, a box of
 * strings) is named with its line number instead of surfacing as a TypeError deep in the
 * evaluators, or as nulls in metrics.json. One pass over the fields the replay reads; unknown
 * fields are left alone (newer tools may add some).
 */
import { UsageError } from '@cam-localize/core';

/** What is wrong with a value, or undefined when it fits. */
type Check = (value: unknown, at: string) => string | undefined;

/** A value as the message shows it, cut short (a record can be long). */
function found(value: unknown): string {
  const text = value === undefined ? 'nothing' : (JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
const wrong = (at: string, what: string, value: unknown) =>
  `${at === '' ? 'the line' : `"${at}"`} must be ${what}, found ${found(value)}`;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const number: Check = (v, at) =>
  typeof v === 'number' && Number.isFinite(v) ? undefined : wrong(at, 'a number', v);
/** A number, or null where JSON kept a NaN a metric may legitimately give (faithfulness terms). */
const numberOrNull: Check = (v, at) => (v === null ? undefined : number(v, at));
const positive: Check = (v, at) =>
  typeof v === 'number' && Number.isFinite(v) && v > 0 ? undefined : wrong(at, 'a positive number', v);
const count: Check = (v, at) =>
  Number.isInteger(v) && (v as number) >= 0 ? undefined : wrong(at, 'a count (0, 1, 2, ...)', v);
const integer: Check = (v, at) => (Number.isInteger(v) ? undefined : wrong(at, 'an integer', v));
const string: Check = (v, at) => (typeof v === 'string' ? undefined : wrong(at, 'a string', v));
const boolean: Check = (v, at) => (typeof v === 'boolean' ? undefined : wrong(at, 'true or false', v));

const arrayOf =
  (item: Check, what: string): Check =>
  (v, at) => {
    if (!Array.isArray(v)) return wrong(at, what, v);
    for (let i = 0; i < v.length; i++) {
      const problem = item(v[i], `${at}[${i}]`);
      if (problem !== undefined) return problem;
    }
    return undefined;
  };

/** An object whose listed fields pass their checks; a field marked optional may be absent. */
const shape =
  (fields: Record<string, readonly [Check, 'optional'?]>, what = 'an object'): Check =>
  (v, at) => {
    if (!isObject(v)) return wrong(at, what, v);
    for (const [key, [check, optional]] of Object.entries(fields)) {
      if (v[key] === undefined && optional) continue;
      const problem = check(v[key], at === '' ? key : `${at}.${key}`);
      if (problem !== undefined) return problem;
    }
    return undefined;
  };

const box: Check = (v, at) =>
  Array.isArray(v) && v.length === 4 ? arrayOf(number, '')(v, at) : wrong(at, '[x0, y0, x1, y1]', v);
const boxes = arrayOf(box, 'a list of boxes');

const classResult = shape({
  class: [integer],
  name: [string, 'optional'],
  boxes: [boxes],
  iou: [number, 'optional'],
});

const loc = shape({
  gtKnownLoc: [boolean],
  top1Loc: [boolean],
  topKLoc: [boolean],
  top1Cls: [boolean],
  topKCls: [boolean],
  predictedClassLoc: [boolean],
});

/** { "<iou level>": [[start, end), ...] } */
const boxAcc: Check = (v, at) => {
  if (!isObject(v)) return wrong(at, 'an object of threshold ranges', v);
  const range: Check = (r, where) =>
    Array.isArray(r) && r.length === 2 ? arrayOf(integer, '')(r, where) : wrong(where, '[start, end]', r);
  for (const [level, ranges] of Object.entries(v)) {
    const problem = arrayOf(range, 'a list of [start, end] ranges')(ranges, `${at}.${level}`);
    if (problem !== undefined) return problem;
  }
  return undefined;
};

const numbers = arrayOf(number, 'a list of numbers');
const numbersOrNull = arrayOf(numberOrNull, 'a list of numbers');
const curve = shape({ auc: [numberOrNull], curve: [numbersOrNull] });

const faithfulness = shape({
  class: [integer],
  probability: [numberOrNull],
  avgdrop: [
    shape({
      original: [numberOrNull],
      explanation: [numberOrNull],
      drop: [numberOrNull],
      increase: [boolean],
    }),
    'optional',
  ],
  deletion: [curve, 'optional'],
  insertion: [curve, 'optional'],
  road: [
    shape({
      percentages: [numbers],
      morf: [numbersOrNull],
      lerf: [numbersOrNull],
      morfMean: [numberOrNull],
      lerfMean: [numberOrNull],
    }),
    'optional',
  ],
});

const status: Check = (v, at) => (v === 'ok' || v === 'error' ? undefined : wrong(at, '"ok" or "error"', v));

/** The fields every command's record has (run and predict). */
const BASE = { id: [string], status: [status], error: [string, 'optional'] } as const;

const baseRecord = shape(BASE, 'a record (a JSON object)');

const runRecord = shape(
  {
    ...BASE,
    file: [string, 'optional'],
    width: [positive, 'optional'],
    height: [positive, 'optional'],
    gtClass: [integer, 'optional'],
    gtName: [string, 'optional'],
    gtBoxes: [boxes, 'optional'],
    top: [
      arrayOf(shape({ class: [integer], name: [string, 'optional'], score: [number] }), 'a list of classes'),
      'optional',
    ],
    predicted: [classResult, 'optional'],
    groundTruth: [classResult, 'optional'],
    targets: [arrayOf(classResult, 'a list of class results'), 'optional'],
    loc: [loc, 'optional'],
    boxAcc: [boxAcc, 'optional'],
    pxap: [shape({ fg: [numbers], bg: [numbers] }), 'optional'],
    clippedBoxes: [count, 'optional'],
    zeroAreaBoxes: [count, 'optional'],
    outsideBoxes: [count, 'optional'],
    missingGroundTruth: [arrayOf(string, 'a list of names'), 'optional'],
    faithfulness: [faithfulness, 'optional'],
    timing: [shape({ prepareMs: [number], inferMs: [number], camMs: [number] }), 'optional'],
  },
  'a record (a JSON object)',
);

/** Checks one parsed line: what is wrong with it, or undefined for a valid record. */
export type RecordCheck = (value: unknown) => string | undefined;

/** The fields any command's record needs to be resumed (id, status, error). */
export const checkBaseRecord: RecordCheck = (value) => baseRecord(value, '');

/** A `run` record, every field the metrics and reports replay. */
export const checkRunRecord: RecordCheck = (value) => runRecord(value, '');

/** How many bad lines a message lists before "and N more". */
const LISTED = 10;

/**
 * The bad lines of one results file, gathered over a whole pass so that one message names them
 * all (by line number); `finish` throws a usage error (exit 2) when there were any.
 */
export class BadLines {
  private readonly listed: string[] = [];
  private first = 0;
  private count = 0;

  constructor(
    private readonly path: string,
    private readonly hint = 'the run directory is damaged: correct or delete those lines (`run --resume` then runs their images again)',
  ) {}

  /** Checks one line's text; the parsed record, or undefined when the line is bad (and noted). */
  parse(text: string, line: number, check: RecordCheck): unknown {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      this.add(line, 'not a JSON line');
      return undefined;
    }
    const problem = check(value);
    if (problem === undefined) return value;
    this.add(line, problem);
    return undefined;
  }

  private add(line: number, problem: string): void {
    if (this.count++ === 0) this.first = line;
    if (this.listed.length < LISTED) this.listed.push(`line ${line}: ${problem}`);
  }

  finish(): void {
    if (this.count === 0) return;
    const message =
      this.count === 1
        ? `${this.path}:${this.first}: ${this.listed[0]!.replace(/^line \d+: /, '')}`
        : `${this.path}: ${this.count} malformed lines: ${this.listed.join('; ')}` +
          (this.count > LISTED ? `; and ${this.count - LISTED} more` : '');
    throw new UsageError(message, { hint: this.hint });
  }
}
