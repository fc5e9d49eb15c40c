/**
 * Vector images by their content, whatever the file is named. libvips renders an SVG at the size
 * it declares, so 118 bytes that say 9999x9999 become a 400 MB bitmap; a dataset of photos never
 * needs one. So the decoder asks this module first, and reads SVG only when the caller allows it,
 * then at the size it needs (see `svgDensity`).
 */

/** How many bytes libvips looks into for `<svg` (its SVG_SNIFF_LEN is 1000). */
const SNIFF_LENGTH = 1000;

/**
 * Whether libvips would load these bytes as SVG: gzip-compressed data (SVGZ; no raster format
 * read here starts so), or libvips' own rule: the first 24 bytes plain ASCII text and `<svg`, in
 * any case, within the first 1000 (a BOM, an XML prolog, a doctype or comments may come first).
 */
export function looksLikeSvg(bytes: Uint8Array): boolean {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) return true;
  let start = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
  if (bytes.length - start < 24) return /<svg/i.test(asciiPrefix(bytes, start, bytes.length));
  for (let i = start; i < start + 24; i++) {
    const b = bytes[i]!;
    if (b < 9 || b > 0x7f) return false;
  }
  return /<svg/i.test(asciiPrefix(bytes, start, Math.min(bytes.length, start + SNIFF_LENGTH)));
}

function asciiPrefix(bytes: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

/**
 * The density (dots per inch; libvips' default is 72) at which an SVG declared `width x height`
 * renders at the size needed (`needed` of those sides, e.g. the preprocessing's resize), never
 * larger than declared: the needed size covered on both axes, so the resize after it only
 * shrinks.
 */
export function svgDensity(
  width: number,
  height: number,
  needed: { readonly width: number; readonly height: number },
): number {
  const scale = Math.min(1, Math.max(needed.width / width, needed.height / height));
  // sharp takes 1 to 100000; a side a pixel short of `needed` after libvips' rounding is no harm
  return Math.max(1, 72 * scale);
}
