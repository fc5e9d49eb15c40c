/**
 * Where `predict` prints its results when it has nowhere else to put them, and the readable table
 * it prints on a terminal: one row per image with the top class, its score and the first box of
 * the first target. Piped, the same records go out as JSON lines (the schema of results.jsonl).
 */
import type { ScoreKind } from '@cam-localize/core';

/** What predict writes on stdout: JSON lines, a table, or nothing (results go to --out only). */
export type PredictStdout = 'jsonl' | 'table' | 'none';

/**
 * --json always prints JSON lines; with --out and without --json stdout stays quiet; without
 * either, a terminal gets a table and a pipe or file gets JSON lines, so no result is lost.
 */
export function predictStdout(flags: { json?: boolean; out?: string }, stdoutIsTTY: boolean): PredictStdout {
  if (flags.json) return 'jsonl';
  if (flags.out !== undefined) return 'none';
  return stdoutIsTTY ? 'table' : 'jsonl';
}

/** The sentence on stderr that says where predict's results go. */
export function describePredictStdout(mode: PredictStdout, out: string | undefined): string {
  const kept = out === undefined ? '' : ` and ${out}`;
  switch (mode) {
    case 'jsonl':
      return `results: JSON lines on stdout${kept}`;
    case 'table':
      return 'results: a table on stdout (not kept: pass --out <dir> for a run folder, or pipe for JSON lines)';
    default:
      return `results: ${out}`;
  }
}

interface TableRecord {
  readonly id: string;
  readonly status?: string;
  readonly error?: string;
  readonly top?: readonly { class: number; name?: string; score: number }[];
  readonly targets?: readonly { boxes: readonly (readonly number[])[] }[];
}

const MAX_IMAGE_WIDTH = 48;
const CLASS_WIDTH = 28;

/** Rows of fixed-width columns, the image column as wide as the longest id (capped). */
export class ResultTable {
  private readonly imageWidth: number;

  /** `scoreKind`: what the scores are, said in their column's head. */
  constructor(
    ids: readonly string[],
    private readonly scoreKind: ScoreKind = 'logit',
  ) {
    const longest = ids.reduce((m, id) => Math.max(m, id.length), 'image'.length);
    this.imageWidth = Math.min(MAX_IMAGE_WIDTH, longest);
  }

  header(): string {
    const score = { logit: 'logit', probability: 'prob', 'log-probability': 'log p' }[this.scoreKind];
    return this.columns('image', 'class', score, 'box (x0,y0,x1,y1)');
  }

  row(record: TableRecord): string {
    if (record.status === 'error') return this.columns(record.id, 'error', '', record.error ?? '');
    const top = record.top?.[0];
    const boxes = record.targets?.[0]?.boxes ?? [];
    const box =
      boxes.length === 0
        ? '-'
        : boxes[0]!.map((v) => Math.round(v)).join(',') + (boxes.length > 1 ? ` (+${boxes.length - 1})` : '');
    return this.columns(
      record.id,
      top === undefined ? '-' : (top.name ?? `class ${top.class}`),
      top === undefined ? '' : top.score.toFixed(3),
      box,
    );
  }

  private columns(image: string, name: string, score: string, box: string): string {
    return `${fit(image, this.imageWidth, 'end')}  ${fit(name, CLASS_WIDTH, 'start')}  ${score.padStart(6)}  ${box}\n`;
  }
}

/** Pads or shortens to `width`, keeping the start (a class name) or the end (an id's file name). */
function fit(text: string, width: number, keep: 'start' | 'end'): string {
  if (text.length <= width) return text.padEnd(width);
  return keep === 'end' ? `…${text.slice(text.length - width + 1)}` : `${text.slice(0, width - 1)}…`;
}
