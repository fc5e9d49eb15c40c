/**
 * Input generation for `pnpm fuzz`: seeded mutations of valid inputs. Text is mutated where
 * parsers break (separators, numbers, NULs, markup, line structure); JSON lines also get their
 * fields replaced by values of every type; bytes (.npy) are flipped, cut and extended.
 */

/** A seeded uniform [0, 1) generator (mulberry32, as test-support/random.ts). */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CHARS = [
  '\0',
  '\n',
  '\r',
  '\t',
  ',',
  ' ',
  '-',
  '.',
  'e',
  '9',
  '0',
  '"',
  "'",
  '<',
  '>',
  '&',
  '/',
  '\\',
  ':',
  '[',
  ']',
  '{',
  '}',
  'é',
  '\uFFFD',
  '\u2028',
  '\x7f',
];
const TOKENS = [
  'NaN',
  'Infinity',
  '-Infinity',
  '-1',
  '-0',
  '0',
  '1e400',
  '1e-400',
  '9'.repeat(400),
  '0x10',
  '1.5',
  '2147483648',
  '4294967296',
  '9007199254740993',
  '',
  'null',
  'true',
  'false',
  '""',
  '[]',
  '{}',
  '[[]]',
  '..',
  '../..',
  '/etc/passwd',
  '\0',
  'a\0b',
  '<a>',
  '</',
  '<!DOCTYPE a [<!ENTITY x "y">]>',
  ']]>',
  '&amp;',
  '&#0;',
  '&x;',
  '<![CDATA[',
  '__proto__',
  'constructor',
  '\r\n',
  '\n\n',
  ',,,',
  '   ',
  'images/a.jpg',
  'n001',
  '💥',
  '\uD800',
];

const pick = (next, list) => list[Math.floor(next() * list.length)];
const int = (next, n) => Math.floor(next() * n);

/** One text mutation. */
function mutateTextOnce(next, text) {
  const at = int(next, text.length + 1);
  switch (int(next, 9)) {
    case 0: // replace a char
      return text.slice(0, at) + pick(next, CHARS) + text.slice(at + 1);
    case 1: // insert a token
    case 2:
      return text.slice(0, at) + pick(next, TOKENS) + text.slice(at);
    case 3: // delete a range
      return text.slice(0, at) + text.slice(at + 1 + int(next, 12));
    case 4: {
      // replace a number with a token
      const numbers = [...text.matchAll(/-?\d+(\.\d+)?/g)];
      if (numbers.length === 0) return text;
      const m = pick(next, numbers);
      return text.slice(0, m.index) + pick(next, TOKENS) + text.slice(m.index + m[0].length);
    }
    case 5: {
      // duplicate, drop or swap lines
      const lines = text.split('\n');
      const i = int(next, lines.length);
      const j = int(next, lines.length);
      const kind = int(next, 3);
      if (kind === 0) lines.splice(i, 0, lines[j]);
      else if (kind === 1) lines.splice(i, 1);
      else [lines[i], lines[j]] = [lines[j], lines[i]];
      return lines.join('\n');
    }
    case 6: // truncate
      return text.slice(0, at);
    case 7: {
      // a field of a line emptied or doubled
      const fields = text.split(/([,\s])/);
      const i = int(next, fields.length);
      fields[i] = next() < 0.5 ? '' : `${fields[i]}${fields[i]}`;
      return fields.join('');
    }
    default: // a line repeated (bounded)
      return `${text}\n${text.split('\n')[0]}`.repeat(1 + int(next, 3));
  }
}

export function mutateText(next, text) {
  let out = text;
  const times = 1 + int(next, 4);
  for (let i = 0; i < times; i++) out = mutateTextOnce(next, out);
  return out;
}

/** A JSON value of a random type. */
export function randomValue(next, depth = 0) {
  switch (int(next, depth > 1 ? 7 : 9)) {
    case 0:
      return null;
    case 1:
      return pick(next, [true, false]);
    case 2:
      return pick(next, [0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 2, 1e-320, 400, 7]);
    case 3:
      return pick(next, ['', 'yes', 'ok', 'error', '0', 'NaN', 'a\0b', '__proto__']);
    case 4:
      return int(next, 1000);
    case 5:
      return [];
    case 6:
      return {};
    case 7:
      return Array.from({ length: int(next, 5) }, () => randomValue(next, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: int(next, 4) }, () => [
          pick(next, ['class', 'boxes', 'iou', 'score', '0', 'x']),
          randomValue(next, depth + 1),
        ]),
      );
  }
}

/** Replaces, removes or adds one field somewhere in a JSON value (in place). */
function mutateJsonOnce(next, value) {
  let holder = value;
  for (let depth = 0; depth < 4; depth++) {
    const keys = holder !== null && typeof holder === 'object' ? Object.keys(holder) : [];
    if (keys.length === 0) break;
    const key = pick(next, keys);
    const child = holder[key];
    if (child === null || typeof child !== 'object' || next() < 0.35) {
      const kind = int(next, 4);
      if (kind === 0 && !Array.isArray(holder)) delete holder[key];
      else if (kind === 1)
        holder[pick(next, ['extra', 'loc', 'boxAcc', 'pxap', 'top', 'id'])] = randomValue(next);
      else holder[key] = randomValue(next);
      return;
    }
    holder = child;
  }
}

/** A results.jsonl text: some lines with fields replaced, then text mutations at times. */
export function mutateJsonLines(next, text) {
  const lines = text.trimEnd().split('\n');
  const count = 1 + int(next, 3);
  for (let n = 0; n < count; n++) {
    const i = int(next, lines.length);
    if (next() < 0.15) {
      lines[i] = JSON.stringify(randomValue(next));
      continue;
    }
    const value = JSON.parse(lines[i]);
    mutateJsonOnce(next, value);
    lines[i] = JSON.stringify(value) ?? 'null';
  }
  const joined = `${lines.join('\n')}\n`;
  return next() < 0.3 ? mutateText(next, joined) : joined;
}

/** Byte mutations of a binary file (.npy): its header text, single bytes, length. */
export function mutateBytes(next, bytes) {
  let out = Uint8Array.from(bytes);
  const times = 1 + int(next, 3);
  for (let i = 0; i < times; i++) {
    const kind = int(next, 5);
    if (kind === 0 || kind === 1) {
      // The header is text: mutate it as text, keeping the rest.
      const headerEnd = Math.min(out.length, 10 + (out[8] | (out[9] << 8)));
      const header = new TextDecoder('latin1').decode(out.subarray(10, headerEnd));
      const mutated = Buffer.from(mutateText(next, header), 'latin1');
      const head = out.subarray(0, 10).slice();
      if (next() < 0.7) {
        head[8] = mutated.length & 0xff;
        head[9] = (mutated.length >> 8) & 0xff;
      }
      out = Buffer.concat([head, mutated, out.subarray(headerEnd)]);
    } else if (kind === 2) {
      if (out.length > 0) out[int(next, out.length)] = int(next, 256);
    } else if (kind === 3) {
      out = out.subarray(0, int(next, out.length + 1));
    } else {
      out = Buffer.concat([out, Buffer.alloc(int(next, 64), int(next, 256))]);
    }
  }
  return out;
}
