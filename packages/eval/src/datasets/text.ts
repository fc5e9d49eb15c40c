/**
 * Line-oriented text helpers for the readers: lines with 1-based numbers, strict number parsing,
 * and DataErrors that name the file and line.
 */
import { DataError } from '@cam-localize/core';
import { readFailureReason, readRegularFile } from '@cam-localize/core/workers';

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
    const text = await readRegularFile(file, 'utf8');
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch (cause) {
    throw new DataError('E_DATASET', `cannot read ${file}: ${readFailureReason(cause, file)}`, {
      file,
      cause,
    });
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

/**
 * The largest image side and pixel coordinate a dataset may name: libvips' own limit on an image
 * side (VIPS_MAX_COORD). A larger number (a 400-digit width reads as Infinity) is a typo or an
 * attack, never an image, and would silently rescale every box of the image.
 */
export const MAX_PIXEL_COORDINATE = 10_000_000;

/**
 * A finite number written in decimal (no hex, no empty string, no 'Infinity'), at most
 * MAX_PIXEL_COORDINATE in magnitude (readers parse pixel coordinates and sizes only).
 */
export function parseNumber(s: string, file: string, line: number, what: string): number {
  const t = s.trim();
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) {
    throw dataError(file, line, `${what} is not a number: ${JSON.stringify(s)}`);
  }
  const v = Number(t);
  if (!(Math.abs(v) <= MAX_PIXEL_COORDINATE)) {
    throw dataError(file, line, `${what} ${t} is out of range (at most ${MAX_PIXEL_COORDINATE} pixels)`);
  }
  return v;
}

/** A non-negative integer small enough to be exact (no 400-digit class index read as Infinity). */
export function parseIndex(s: string, file: string, line: number, what: string): number {
  const t = s.trim();
  if (!/^[+]?\d+$/.test(t))
    throw dataError(file, line, `${what} is not a non-negative integer: ${JSON.stringify(s)}`);
  const v = Number(t);
  if (!Number.isSafeInteger(v)) throw dataError(file, line, `${what} ${t} is out of range`);
  return v;
}

/** A positive integer of at most MAX_PIXEL_COORDINATE (image sizes). */
export function parsePositive(s: string, file: string, line: number, what: string): number {
  const v = parseIndex(s, file, line, what);
  if (v <= 0) throw dataError(file, line, `${what} must be positive, got ${v}`);
  if (v > MAX_PIXEL_COORDINATE)
    throw dataError(file, line, `${what} ${v} is out of range (at most ${MAX_PIXEL_COORDINATE} pixels)`);
  return v;
}

/** The position of the first control character (C0, DEL, C1) in `s`, or -1. */
export function controlCharacterAt(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return i;
  }
  return -1;
}

/**
 * `value` (an id, a path, a class name) when it holds no control character. A NUL cuts a path
 * short in libvips and the C library (so `a.JPEG\0x` would open `a.JPEG`, past every check made on
 * the whole string), and newlines or escapes would reach logs and reports raw.
 */
export function withoutControl(value: string, file: string, line: number | undefined, what: string): string {
  const at = controlCharacterAt(value);
  if (at >= 0) {
    const code = value.charCodeAt(at).toString(16).toUpperCase().padStart(4, '0');
    throw dataError(
      file,
      line,
      `${what} ${JSON.stringify(value)} contains the control character U+${code} (at position ${at})`,
      'ids, paths and names may not contain control characters (NUL, tab, newline, escape, ...)',
    );
  }
  return value;
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
