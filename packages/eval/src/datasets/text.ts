/**
 * Line-oriented text helpers for the readers: lines with 1-based numbers, strict number parsing,
 * and DataErrors that name the file and line.
 */
import { readFile } from 'node:fs/promises';
import { DataError } from '@cam-localize/core';

export interface Line {
  /** 1-based line number. */
  n: number;
  text: string;
}

export function dataError(file: string, line: number | undefined, message: string, hint?: string): DataError {
  return new DataError('E_ANNOTATION', message, {
    file,
    ...(line === undefined ? {} : { line }),
    ...(hint === undefined ? {} : { hint }),
  });
}

export async function readText(file: string): Promise<string> {
  try {
    const text = await readFile(file, 'utf8');
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch (cause) {
    throw new DataError('E_DATASET', `cannot read ${file}: ${(cause as Error).message}`, { file, cause });
  }
}

/** Non-blank lines (CR stripped), with their 1-based numbers. */
export function lines(text: string): Line[] {
  const out: Line[] = [];
  const raw = text.split('\n');
  for (let i = 0; i < raw.length; i++) {
    let t = raw[i]!;
    if (t.endsWith('\r')) t = t.slice(0, -1);
    if (t.trim() === '') continue;
    out.push({ n: i + 1, text: t });
  }
  return out;
}

/** A finite number written in decimal (no hex, no empty string, no 'Infinity'). */
export function parseNumber(s: string, file: string, line: number, what: string): number {
  const t = s.trim();
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) {
    throw dataError(file, line, `${what} is not a number: ${JSON.stringify(s)}`);
  }
  return Number(t);
}

/** A non-negative integer. */
export function parseIndex(s: string, file: string, line: number, what: string): number {
  const t = s.trim();
  if (!/^[+]?\d+$/.test(t))
    throw dataError(file, line, `${what} is not a non-negative integer: ${JSON.stringify(s)}`);
  return Number(t);
}

/** A positive integer (image sizes). */
export function parsePositive(s: string, file: string, line: number, what: string): number {
  const v = parseIndex(s, file, line, what);
  if (v <= 0) throw dataError(file, line, `${what} must be positive, got ${v}`);
  return v;
}

/** Check a box is well formed (x0 <= x1, y0 <= y1, finite). */
export function checkBox(
  b: { x0: number; y0: number; x1: number; y1: number },
  file: string,
  line: number | undefined,
): void {
  if (![b.x0, b.y0, b.x1, b.y1].every(Number.isFinite) || b.x1 < b.x0 || b.y1 < b.y0) {
    throw dataError(file, line, `box [${b.x0}, ${b.y0}, ${b.x1}, ${b.y1}] is not x0 <= x1, y0 <= y1`);
  }
}
