/** Drawing: a photo with its CAM overlay and boxes on a canvas, and the BoxAcc-vs-threshold curve. */
import { colormapLut, type ImageGeometry } from '@cam-localize/core';
import type { ViewImage, ViewRun } from '../src/view/view-data.js';
import { inputMapOf, type JsonBox } from './compute.js';

const overlays = new Map<string, HTMLCanvasElement>();
const photos = new Map<string, HTMLImageElement>();
const JET = colormapLut('jet');

/** The photo element of an image (loaded once; `onload` redraws). */
export function photoOf(image: ViewImage, onload: () => void): HTMLImageElement {
  let img = photos.get(image.photo);
  if (img === undefined) {
    img = new Image();
    img.decoding = 'async';
    img.src = image.photo;
    photos.set(image.photo, img);
  }
  if (!img.complete) img.addEventListener('load', onload, { once: true });
  return img;
}

/** The CAM of a class at the input size, coloured by jet with alpha 0.5 (made once per image and run). */
function overlayOf(run: ViewRun, image: ViewImage, classIndex: number): HTMLCanvasElement | undefined {
  const key = `${run.key}:${image.id}:${classIndex}`;
  let canvas = overlays.get(key);
  if (canvas !== undefined) return canvas;
  const map = inputMapOf(run, image, classIndex);
  if (map === undefined) return undefined;
  let max = 0;
  for (let i = 0; i < map.data.length; i++) if (map.data[i]! > max) max = map.data[i]!;
  canvas = document.createElement('canvas');
  canvas.width = map.width;
  canvas.height = map.height;
  const pixels = new ImageData(map.width, map.height);
  for (let i = 0; i < map.data.length; i++) {
    const v = max > 0 ? Math.max(0, Math.min(255, Math.round((map.data[i]! / max) * 255))) : 0;
    pixels.data[i * 4] = JET[v * 3]!;
    pixels.data[i * 4 + 1] = JET[v * 3 + 1]!;
    pixels.data[i * 4 + 2] = JET[v * 3 + 2]!;
    pixels.data[i * 4 + 3] = 128;
  }
  canvas.getContext('2d')!.putImageData(pixels, 0, 0);
  if (overlays.size > 400) overlays.delete(overlays.keys().next().value!);
  overlays.set(key, canvas);
  return canvas;
}

function strokeBoxes(
  ctx: CanvasRenderingContext2D,
  boxes: readonly JsonBox[],
  s: number,
  colour: string,
  dash: number[],
): void {
  ctx.setLineDash(dash);
  for (const [x0, y0, x1, y1] of boxes) {
    ctx.lineWidth = 4;
    ctx.strokeStyle = 'rgba(0,0,0,.6)';
    ctx.strokeRect(x0 * s, y0 * s, (x1 - x0) * s, (y1 - y0) * s);
    ctx.lineWidth = 2;
    ctx.strokeStyle = colour;
    ctx.strokeRect(x0 * s, y0 * s, (x1 - x0) * s, (y1 - y0) * s);
  }
  ctx.setLineDash([]);
}

export interface Drawn {
  readonly truthBoxes?: readonly JsonBox[];
  readonly predictedBoxes: readonly JsonBox[];
  readonly predictedDiffers: boolean;
}

/** Draws the photo fitted in `size` pixels, its CAM over the model's input window, and the boxes. */
export function drawImage(
  canvas: HTMLCanvasElement,
  run: ViewRun,
  image: ViewImage,
  size: number,
  drawn: Drawn,
  redraw: () => void,
): void {
  const s = Math.min(size / image.width, size / image.height);
  const w = Math.max(1, Math.round(image.width * s));
  const h = Math.max(1, Math.round(image.height * s));
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#eee';
  ctx.fillRect(0, 0, w, h);
  const photo = photoOf(image, redraw);
  if (photo.complete && photo.naturalWidth > 0) ctx.drawImage(photo, 0, 0, w, h);
  const shown = image.gtClass !== undefined && image.gtClass >= 0 ? image.gtClass : image.predictedClass;
  const overlay = overlayOf(run, image, shown);
  if (overlay !== undefined && image.geometry !== undefined) {
    const g: ImageGeometry = image.geometry;
    // The model input's window in the photo's pixels (core's inputToOriginal).
    const sx = g.originalWidth / g.resizeWidth;
    const sy = g.originalHeight / g.resizeHeight;
    const [x0, y0, x1, y1] = [
      g.cropX * sx,
      g.cropY * sy,
      (g.cropX + g.inputWidth) * sx,
      (g.cropY + g.inputHeight) * sy,
    ];
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(overlay, x0 * s, y0 * s, (x1 - x0) * s, (y1 - y0) * s);
  }
  strokeBoxes(ctx, image.gtBoxes, s, '#2ca02c', []);
  if (drawn.predictedDiffers) strokeBoxes(ctx, drawn.predictedBoxes, s, '#ff7f0e', [6, 4]);
  strokeBoxes(ctx, drawn.truthBoxes ?? drawn.predictedBoxes, s, '#d62728', []);
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];

/** BoxAcc (percent) at every threshold index 0..999 per IoU level, from the records' ranges. */
export function boxAccCurves(run: ViewRun): Map<number, Float64Array> {
  const out = new Map<number, Float64Array>();
  for (const level of run.settings.iouLevels) {
    const diff = new Float64Array(1001);
    let scored = 0;
    for (const image of run.images) {
      const ranges = image.boxAcc?.[String(level)];
      if (ranges === undefined) continue;
      scored++;
      for (const [s, e] of ranges) {
        diff[Math.max(0, s)]! += 1;
        diff[Math.min(1000, e)]! -= 1;
      }
    }
    const curve = new Float64Array(1000);
    let running = 0;
    for (let i = 0; i < 1000; i++) {
      running += diff[i]!;
      curve[i] = scored === 0 ? 0 : (running * 100) / scored;
    }
    out.set(level, curve);
  }
  return out;
}

const SVG = 'http://www.w3.org/2000/svg';
function el(name: string, attrs: Record<string, string | number>): SVGElement {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

/** The BoxAcc-vs-threshold curves (solid: run A, dashed: run B) with a marker; returns the marker. */
export function curveSvg(runs: readonly { run: ViewRun; curves: Map<number, Float64Array> }[]): {
  svg: SVGSVGElement;
  marker: SVGElement;
} {
  const W = 520;
  const H = 240;
  const L = 40;
  const B = 30;
  const svg = el('svg', {
    viewBox: `0 0 ${W} ${H}`,
    role: 'img',
    'aria-label': 'BoxAcc vs CAM threshold',
  }) as SVGSVGElement;
  const x = (t: number) => L + t * (W - L - 10);
  const y = (v: number) => H - B - (v / 100) * (H - B - 10);
  svg.append(
    el('rect', { x: L, y: 10, width: W - L - 10, height: H - B - 10, fill: '#fff', stroke: '#ccc' }),
  );
  for (const v of [0, 25, 50, 75, 100]) {
    svg.append(el('line', { x1: L, x2: W - 10, y1: y(v), y2: y(v), stroke: '#eee' }));
    const label = el('text', { x: L - 4, y: y(v) + 4, 'text-anchor': 'end', 'font-size': 10 });
    label.textContent = String(v);
    svg.append(label);
  }
  for (const t of [0, 0.2, 0.4, 0.6, 0.8, 1]) {
    const label = el('text', { x: x(t), y: H - B + 14, 'text-anchor': 'middle', 'font-size': 10 });
    label.textContent = t.toFixed(1);
    svg.append(label);
  }
  const axis = el('text', { x: (L + W) / 2, y: H - 3, 'text-anchor': 'middle', 'font-size': 11 });
  axis.textContent = 'CAM threshold (fraction of the maximum); BoxAcc %';
  svg.append(axis);
  runs.forEach(({ curves }, r) => {
    let c = 0;
    for (const [level, curve] of curves) {
      const points: string[] = [];
      for (let i = 0; i < curve.length; i += 2)
        points.push(`${x(i / 1000).toFixed(1)},${y(curve[i]!).toFixed(1)}`);
      svg.append(
        el('polyline', {
          points: points.join(' '),
          fill: 'none',
          stroke: COLOURS[c % COLOURS.length]!,
          'stroke-width': 1.5,
          ...(r === 1 ? { 'stroke-dasharray': '5 3' } : {}),
        }),
      );
      if (r === 0) {
        const key = el('text', {
          x: W - 14,
          y: 24 + c * 13,
          'text-anchor': 'end',
          'font-size': 10,
          fill: COLOURS[c % COLOURS.length]!,
        });
        key.textContent = `IoU ${level}`;
        svg.append(key);
      }
      c++;
    }
  });
  const marker = el('line', {
    x1: x(0.2),
    x2: x(0.2),
    y1: 10,
    y2: H - B,
    stroke: '#000',
    'stroke-width': 1.5,
    id: 'marker',
  });
  svg.append(marker);
  marker.dataset.x0 = String(L);
  marker.dataset.span = String(W - L - 10);
  return { svg, marker };
}

/** Moves the marker to threshold t. */
export function moveMarker(marker: SVGElement, t: number): void {
  const xt = Number(marker.dataset.x0) + t * Number(marker.dataset.span);
  marker.setAttribute('x1', xt.toFixed(1));
  marker.setAttribute('x2', xt.toFixed(1));
}
