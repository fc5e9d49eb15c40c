/**
 * A tiny built-in bitmap font (5x7 pixels a glyph: upper case, digits and common punctuation),
 * drawn straight into the RGB buffer, so labels on overlays need no font files, fontconfig or
 * librsvg and look the same on a bare CI machine as anywhere. Lower case prints as upper case;
 * any other character as '?'. Glyphs are magnified by an integer `scale`.
 */
import type { RgbImage } from '../image/types.js';

export const GLYPH_WIDTH = 5;
export const GLYPH_HEIGHT = 7;
/** Blank font pixels between glyphs and around the text. */
const SPACING = 1;

// Seven rows a glyph, left to right, '#' = ink (drawn for this project).
const GLYPH_ROWS: readonly (readonly [string, string])[] = [
  [' ', '..... ..... ..... ..... ..... ..... .....'],
  ['A', '.###. #...# #...# ##### #...# #...# #...#'],
  ['B', '####. #...# #...# ####. #...# #...# ####.'],
  ['C', '.###. #...# #.... #.... #.... #...# .###.'],
  ['D', '####. #...# #...# #...# #...# #...# ####.'],
  ['E', '##### #.... #.... ####. #.... #.... #####'],
  ['F', '##### #.... #.... ####. #.... #.... #....'],
  ['G', '.###. #...# #.... #.### #...# #...# .####'],
  ['H', '#...# #...# #...# ##### #...# #...# #...#'],
  ['I', '.###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.'],
  ['J', '..### ...#. ...#. ...#. ...#. #..#. .##..'],
  ['K', '#...# #..#. #.#.. ##... #.#.. #..#. #...#'],
  ['L', '#.... #.... #.... #.... #.... #.... #####'],
  ['M', '#...# ##.## #.#.# #.#.# #...# #...# #...#'],
  ['N', '#...# ##..# #.#.# #..## #...# #...# #...#'],
  ['O', '.###. #...# #...# #...# #...# #...# .###.'],
  ['P', '####. #...# #...# ####. #.... #.... #....'],
  ['Q', '.###. #...# #...# #...# #.#.# #..#. .##.#'],
  ['R', '####. #...# #...# ####. #.#.. #..#. #...#'],
  ['S', '.#### #.... #.... .###. ....# ....# ####.'],
  ['T', '##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..'],
  ['U', '#...# #...# #...# #...# #...# #...# .###.'],
  ['V', '#...# #...# #...# #...# #...# .#.#. ..#..'],
  ['W', '#...# #...# #...# #.#.# #.#.# #.#.# .#.#.'],
  ['X', '#...# #...# .#.#. ..#.. .#.#. #...# #...#'],
  ['Y', '#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..'],
  ['Z', '##### ....# ...#. ..#.. .#... #.... #####'],
  ['0', '.###. #...# #..## #.#.# ##..# #...# .###.'],
  ['1', '..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.'],
  ['2', '.###. #...# ....# ...#. ..#.. .#... #####'],
  ['3', '####. ....# ....# .###. ....# ....# ####.'],
  ['4', '...#. ..##. .#.#. #..#. ##### ...#. ...#.'],
  ['5', '##### #.... ####. ....# ....# #...# .###.'],
  ['6', '..##. .#... #.... ####. #...# #...# .###.'],
  ['7', '##### ....# ...#. ..#.. .#... .#... .#...'],
  ['8', '.###. #...# #...# .###. #...# #...# .###.'],
  ['9', '.###. #...# #...# .#### ....# ...#. .##..'],
  ['.', '..... ..... ..... ..... ..... .##.. .##..'],
  [',', '..... ..... ..... ..... .##.. ..#.. .#...'],
  ['-', '..... ..... ..... ##### ..... ..... .....'],
  ["'", '..#.. ..#.. .#... ..... ..... ..... .....'],
  [':', '..... .##.. .##.. ..... .##.. .##.. .....'],
  ['(', '...#. ..#.. .#... .#... .#... ..#.. ...#.'],
  [')', '.#... ..#.. ...#. ...#. ...#. ..#.. .#...'],
  ['/', '....# ...#. ...#. ..#.. .#... .#... #....'],
  ['&', '.##.. #..#. #.#.. .#... #.#.# #..#. .##.#'],
  ['%', '##..# ##..# ...#. ..#.. .#... #..## #..##'],
  ['+', '..... ..#.. ..#.. ##### ..#.. ..#.. .....'],
  ['_', '..... ..... ..... ..... ..... ..... #####'],
  ['?', '.###. #...# ....# ...#. ..#.. ..... ..#..'],
  ['!', '..#.. ..#.. ..#.. ..#.. ..#.. ..... ..#..'],
  ['"', '.#.#. .#.#. ..... ..... ..... ..... .....'],
  ['=', '..... ..... ##### ..... ##### ..... .....'],
  ['#', '.#.#. .#.#. ##### .#.#. ##### .#.#. .#.#.'],
];

/** Per character, seven row bitmasks (bit 4 = the leftmost column). */
const GLYPHS = new Map<string, Uint8Array>(
  GLYPH_ROWS.map(([ch, picture]) => [
    ch,
    Uint8Array.from(picture.split(' '), (row) =>
      Number.parseInt(row.replaceAll('#', '1').replaceAll('.', '0'), 2),
    ),
  ]),
);

function glyphOf(ch: string): Uint8Array {
  return GLYPHS.get(ch) ?? GLYPHS.get(ch.toUpperCase()) ?? GLYPHS.get('?')!;
}

/** Size in image pixels of `text` drawn at `scale`, with one font pixel of margin all round. */
export function measureText(text: string, scale = 1): { width: number; height: number } {
  const s = Math.max(1, Math.round(scale));
  return {
    width: s * (SPACING + [...text].length * (GLYPH_WIDTH + SPACING)),
    height: s * (GLYPH_HEIGHT + 2 * SPACING),
  };
}

export interface TextStyle {
  /** Integer magnification of the 5x7 glyphs (default 1). */
  scale?: number;
  /** Default white. */
  color?: readonly [number, number, number];
  /** Fills the text's box ({@link measureText}) first, so the text reads on any picture. */
  background?: readonly [number, number, number];
}

/**
 * Draws `text` with the top-left corner of its box at (x, y) into `image.data` (in place),
 * clipped to the image.
 */
export function drawTextInPlace(
  image: RgbImage,
  text: string,
  x: number,
  y: number,
  style: TextStyle = {},
): void {
  const s = Math.max(1, Math.round(style.scale ?? 1));
  const color = style.color ?? [255, 255, 255];
  const { width: W, height: H, data } = image;
  const fill = (xa: number, ya: number, size: number, c: readonly [number, number, number], w = size) => {
    for (let py = Math.max(0, ya); py < Math.min(H, ya + size); py++) {
      for (let px = Math.max(0, xa); px < Math.min(W, xa + w); px++) {
        const o = (py * W + px) * 3;
        data[o] = c[0];
        data[o + 1] = c[1];
        data[o + 2] = c[2];
      }
    }
  };
  const x0 = Math.round(x);
  const y0 = Math.round(y);
  if (style.background !== undefined) {
    const box = measureText(text, s);
    fill(x0, y0, box.height, style.background, box.width);
  }
  let penX = x0 + s * SPACING;
  const top = y0 + s * SPACING;
  for (const ch of text) {
    const rows = glyphOf(ch);
    for (let r = 0; r < GLYPH_HEIGHT; r++) {
      for (let c = 0; c < GLYPH_WIDTH; c++) {
        if ((rows[r]! & (1 << (GLYPH_WIDTH - 1 - c))) !== 0) fill(penX + c * s, top + r * s, s, color);
      }
    }
    penX += s * (GLYPH_WIDTH + SPACING);
  }
}
