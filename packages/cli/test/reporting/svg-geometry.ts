/** Reads the geometry of the report's SVG figures from their text: elements, attributes, boxes. */

export interface SvgElement {
  readonly tag: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly text: string;
}

/** Every `<tag ...>` (and its text up to `</tag>` for text elements) of an SVG document. */
export function svgElements(svg: string, tag: string): SvgElement[] {
  const pattern = new RegExp(`<${tag}\\b([^>]*?)(?:/>|>([^<]*)</${tag}>|>)`, 'g');
  return [...svg.matchAll(pattern)].map((m) => ({
    tag,
    attributes: Object.fromEntries([...m[1]!.matchAll(/([\w:-]+)="([^"]*)"/g)].map((a) => [a[1]!, a[2]!])),
    text: (m[2] ?? '').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>'),
  }));
}

export function withClass(elements: readonly SvgElement[], name: string): SvgElement[] {
  return elements.filter((e) => (e.attributes.class ?? '').split(' ').includes(name));
}

export interface Box {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

const num = (e: SvgElement, name: string) => Number(e.attributes[name] ?? 0);

/** A text's box, its glyphs taken as 0.62 em wide (sans-serif digits and letters are narrower). */
export function textBox(e: SvgElement): Box {
  const size = Number(e.attributes['font-size'] ?? 12);
  const width = 0.62 * size * [...e.text].length;
  const x = num(e, 'x');
  const anchor = e.attributes['text-anchor'] ?? 'start';
  const x0 = anchor === 'middle' ? x - width / 2 : anchor === 'end' ? x - width : x;
  return { x0, y0: num(e, 'y') - size, x1: x0 + width, y1: num(e, 'y') + 0.25 * size };
}

export function lineBox(e: SvgElement): Box {
  const [x1, x2, y1, y2] = ['x1', 'x2', 'y1', 'y2'].map((a) => num(e, a)) as [number, number, number, number];
  return { x0: Math.min(x1, x2), y0: Math.min(y1, y2), x1: Math.max(x1, x2), y1: Math.max(y1, y2) };
}

export function rectBox(e: SvgElement): Box {
  const x = num(e, 'x');
  const y = num(e, 'y');
  return { x0: x, y0: y, x1: x + num(e, 'width'), y1: y + num(e, 'height') };
}

export function overlaps(a: Box, b: Box): boolean {
  return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

/** The points of a polyline. */
export function points(e: SvgElement): [number, number][] {
  return (e.attributes.points ?? '')
    .trim()
    .split(/\s+/)
    .map((p) => p.split(',').map(Number) as [number, number]);
}
