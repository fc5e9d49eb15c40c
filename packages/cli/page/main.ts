/**
 * The page of `cam-localize view`: a grid of a run's photos with their CAM and boxes, filters and
 * sorts, a threshold slider that recomputes every box and the run's figures with the CLI's own
 * localize code, a detail view (A and B side by side with RUN_B), and keyboard navigation.
 * `window.camView` exposes `state()` and `setThreshold(t)` for tests and benchmarks.
 *
 * A slider move recomputes the boxes of the photos on screen (and the detail view) only; the
 * others are computed when they scroll into view or when state() asks for them. The figures come
 * from each image's IoU curve over every slider position, computed once by sweep workers after the
 * first paint; an image whose curve has not arrived yet is computed at the threshold instead.
 *
 * Longer than the house's 400 lines: the controls, grid, keyboard and detail view share the page's
 * state (threshold, order, each image's state) and each other's handlers; the computations live
 * in compute.ts, the drawing in draw.ts and the workers in sweeps.ts.
 */
import type { ViewImage, ViewRun } from '../src/view/view-data.js';
import {
  decisionsAt,
  decisionsOf,
  figuresOf,
  type ImageState,
  imageAt,
  isScored,
  type RunFigures,
} from './compute.js';
import { boxAccCurves, curveSvg, drawImage, moveMarker } from './draw.js';
import { type SweptRun, startSweeps } from './sweeps.js';

interface Side extends SweptRun {
  readonly run: ViewRun;
  /** Each image's state at the current threshold, computed when first needed. */
  states: (ImageState | undefined)[];
  figures: RunFigures;
  readonly byId: Map<string, number>;
}

const data = (globalThis as unknown as { camViewData?: Record<string, ViewRun> }).camViewData ?? {};
const sides: Side[] = (['a', 'b'] as const)
  .filter((k) => data[k] !== undefined)
  .map((k) => ({
    run: data[k]!,
    states: [],
    figures: { scored: 0, gtKnownLoc: null, top1Loc: null, boxAccByIoU: {} },
    byId: new Map(data[k]!.images.map((im, i) => [im.id, i])),
    curves: new Array(data[k]!.images.length),
    curvesLeft: data[k]!.images.length,
  }));
const A = sides[0]!;
let threshold = Math.round(A.run.settings.threshold * 1000) / 1000;
let order: number[] = [];
const timing = { computeMs: 0, redrawMs: 0, curvesMs: 0, computedImages: 0 };

const $ = (id: string) => document.getElementById(id)!;
function make<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

/** An image's boxes and decisions at the current threshold. */
function stateOf(side: Side, i: number): ImageState {
  let s = side.states[i];
  if (s === undefined) {
    s = imageAt(side.run, side.run.images[i]!, threshold);
    side.states[i] = s;
    timing.computedImages++;
  }
  return s;
}

/**
 * An image's Loc decisions at the current threshold: from its curve; else at the run's own
 * threshold from its record; else from its state when computed, or from the deciding class's boxes.
 */
function decide(side: Side, i: number): { gtKnownLoc?: boolean; top1Loc?: boolean } | undefined {
  const image = side.run.images[i]!;
  if (!isScored(image)) return undefined;
  const curve = side.curves[i];
  if (curve) return decisionsOf(image, curve[sliderIndex()]!);
  const { settings } = side.run;
  if (settings.recordsAtThreshold && threshold === settings.threshold) return image.loc;
  if (side.states[i]) return side.states[i];
  timing.computedImages++;
  return decisionsAt(side.run, image, threshold);
}

function sliderIndex(): number {
  return Math.round(threshold * 1000);
}

/** The figures at the threshold; the boxes are left to be computed where they are shown. */
function recompute(): void {
  const started = performance.now();
  timing.computedImages = 0;
  for (const side of sides) {
    side.states = new Array(side.run.images.length);
    side.figures = figuresOf(side.run, (i) => decide(side, i), threshold);
  }
  timing.computeMs = performance.now() - started;
}

// ---- controls
const slider = make('input', {
  type: 'range',
  id: 'threshold',
  min: '0',
  max: '0.999',
  step: '0.001',
  'aria-label': 'CAM threshold',
});
const sliderValue = make('output', { id: 'threshold-value' });
const classFilter = make('select', { id: 'class-filter', 'aria-label': 'class' });
const outcomeFilter = make('select', { id: 'outcome-filter', 'aria-label': 'correct or wrong' });
const iouMin = make('input', {
  type: 'number',
  id: 'iou-min',
  min: '0',
  max: '1',
  step: '0.05',
  value: '0',
  'aria-label': 'lowest IoU',
});
const iouMax = make('input', {
  type: 'number',
  id: 'iou-max',
  min: '0',
  max: '1',
  step: '0.05',
  value: '1',
  'aria-label': 'highest IoU',
});
const sizeFilter = make('select', { id: 'size-filter', 'aria-label': 'object size' });
const sortBy = make('select', { id: 'sort', 'aria-label': 'sort' });
const shownCount = make('span', { id: 'shown', class: 'muted' });

function options(select: HTMLSelectElement, entries: [string, string][]): void {
  for (const [value, label] of entries) select.append(make('option', { value }, label));
}

function buildControls(): void {
  const classes = new Map<number, string>();
  for (const im of A.run.images)
    if (im.gtClass !== undefined) classes.set(im.gtClass, im.gtName ?? String(im.gtClass));
  options(classFilter, [
    ['', 'all classes'],
    ...[...classes]
      .sort((a, b) => a[1].localeCompare(b[1]))
      .map(([c, n]) => [String(c), n] as [string, string]),
  ]);
  options(outcomeFilter, [
    ['', 'all'],
    ['correct', 'correct (IoU ≥ 0.5)'],
    ['wrong', 'wrong'],
  ]);
  options(sizeFilter, [
    ['', 'all sizes'],
    ['small', 'small (< 10%)'],
    ['medium', 'medium (10-50%)'],
    ['large', 'large (≥ 50%)'],
  ]);
  options(sortBy, [
    ['', 'dataset order'],
    ['iou-asc', 'IoU, lowest first'],
    ['iou-desc', 'IoU, highest first'],
    ['score-desc', 'score, highest first'],
    ['score-asc', 'score, lowest first'],
  ]);
  slider.value = String(threshold);
  const row = (...nodes: (Node | string)[]) => {
    const div = make('div', { class: 'row' });
    div.append(...nodes);
    return div;
  };
  const label = (text: string, control: HTMLElement) => {
    const l = make('label', {}, `${text} `);
    l.append(control);
    return l;
  };
  $('controls').append(
    row(label('CAM threshold', slider), sliderValue),
    row(label('class', classFilter), label('outcome', outcomeFilter)),
    row(label('IoU from', iouMin), label('to', iouMax), label('object size', sizeFilter)),
    row(label('sort', sortBy), shownCount),
  );
  slider.addEventListener('input', () => setThreshold(Number(slider.value)));
  for (const control of [classFilter, outcomeFilter, iouMin, iouMax, sizeFilter, sortBy])
    control.addEventListener('change', () => layout());
}

// ---- figures
let marker: SVGElement | undefined;
function buildFigures(): void {
  const { svg, marker: m } = curveSvg(sides.map((s) => ({ run: s.run, curves: boxAccCurves(s.run) })));
  marker = m;
  $('curve').append(svg);
}

function percent(v: number | null | undefined): string {
  return v === null || v === undefined ? '–' : `${v.toFixed(2)}%`;
}

function renderFigures(): void {
  const table = $('figure-table');
  table.replaceChildren();
  const head = make('tr');
  head.append(
    make('th', {}, `at threshold ${threshold.toFixed(3)}`),
    ...sides.map((s) => make('th', {}, `${s.run.key.toUpperCase()}: ${s.run.name}`)),
  );
  table.append(head);
  const rows: [string, (f: RunFigures) => number | null | undefined][] = [
    ['GT-known Loc', (f) => f.gtKnownLoc],
    ['Top-1 Loc', (f) => f.top1Loc],
    ...A.run.settings.iouLevels.map(
      (l) =>
        [`BoxAcc IoU ${l}`, (f: RunFigures) => f.boxAccByIoU[String(l)]] as [
          string,
          (f: RunFigures) => number | null | undefined,
        ],
    ),
  ];
  for (const [name, pick] of rows) {
    const tr = make('tr');
    tr.append(
      make('td', {}, name),
      ...sides.map((s) => make('td', { class: 'num', 'data-figure': name }, percent(pick(s.figures)))),
    );
    table.append(tr);
  }
  sliderValue.textContent = ` ${threshold.toFixed(3)}`;
  if (marker) moveMarker(marker, threshold);
}

// ---- grid
const cards: HTMLDivElement[] = [];
const visible = new Set<number>();
const observer = new IntersectionObserver((entries) => {
  for (const e of entries) {
    const i = Number((e.target as HTMLElement).dataset.index);
    if (e.isIntersecting) {
      visible.add(i);
      drawCard(i);
    } else visible.delete(i);
  }
});

function iouOf(i: number): number {
  const curve = A.curves[i];
  if (curve) return curve[sliderIndex()]!;
  const s = stateOf(A, i);
  return (s.groundTruth ?? s.predicted).iou ?? 0;
}

function sizeOf(image: ViewImage): string {
  let largest = 0;
  for (const [x0, y0, x1, y1] of image.gtBoxes)
    largest = Math.max(largest, ((x1 - x0) * (y1 - y0)) / (image.width * image.height));
  return largest < 0.1 ? 'small' : largest < 0.5 ? 'medium' : 'large';
}

function captionOf(i: number): string {
  const image = A.run.images[i]!;
  const s = stateOf(A, i);
  const name = image.id.split('/').pop() ?? image.id;
  const iou = (s.groundTruth ?? s.predicted).iou;
  return `${name} · ${image.gtName ?? image.predictedName ?? ''} · IoU ${iou === undefined ? '–' : iou.toFixed(2)}`;
}

function drawCard(i: number): void {
  const card = cards[i]!;
  let canvas = card.querySelector('canvas');
  if (canvas === null) {
    canvas = make('canvas');
    card.prepend(canvas);
  }
  const s = stateOf(A, i);
  const image = A.run.images[i]!;
  drawImage(
    canvas,
    A.run,
    image,
    180,
    {
      ...(s.groundTruth ? { truthBoxes: s.groundTruth.boxes } : {}),
      predictedBoxes: s.predicted.boxes,
      predictedDiffers: s.groundTruth !== undefined && s.groundTruth.class !== s.predicted.class,
    },
    () => drawCard(i),
  );
  const cap = card.querySelector('.cap')!;
  cap.textContent = captionOf(i);
  cap.className = `cap ${s.gtKnownLoc === undefined ? '' : s.gtKnownLoc ? 'ok' : 'bad'}`;
}

function buildGrid(): void {
  const grid = $('grid');
  for (const [i] of A.run.images.entries()) {
    const card = make('div', { class: 'card', tabindex: '-1', role: 'listitem', 'data-index': String(i) });
    card.append(make('div', { class: 'cap' }));
    card.addEventListener('click', () => openDetail(i));
    cards.push(card);
    grid.append(card);
    observer.observe(card);
  }
  grid.addEventListener('keydown', onGridKey);
}

function layout(): void {
  const cls = classFilter.value;
  const outcome = outcomeFilter.value;
  const lo = Number(iouMin.value || 0);
  const hi = Number(iouMax.value || 1);
  const size = sizeFilter.value;
  order = [];
  for (const [i, image] of A.run.images.entries()) {
    if (cls !== '' && String(image.gtClass) !== cls) continue;
    if (outcome !== '') {
      const known = decide(A, i)?.gtKnownLoc;
      if (outcome === 'correct' && known !== true) continue;
      if (outcome === 'wrong' && known !== false) continue;
    }
    const iou = iouOf(i);
    if (iou < lo || iou > hi) continue;
    if (size !== '' && sizeOf(image) !== size) continue;
    order.push(i);
  }
  const key = sortBy.value;
  const score = (i: number) => A.run.images[i]!.score;
  if (key === 'iou-asc') order.sort((a, b) => iouOf(a) - iouOf(b) || a - b);
  if (key === 'iou-desc') order.sort((a, b) => iouOf(b) - iouOf(a) || a - b);
  if (key === 'score-desc') order.sort((a, b) => score(b) - score(a) || a - b);
  if (key === 'score-asc') order.sort((a, b) => score(a) - score(b) || a - b);
  const shown = new Set(order);
  const grid = $('grid');
  grid.replaceChildren(...order.map((i) => cards[i]!));
  for (const [i, card] of cards.entries()) card.hidden = !shown.has(i);
  shownCount.textContent = `${order.length} of ${A.run.images.length} photos`;
}

function redrawVisible(): void {
  for (const i of visible) drawCard(i);
}

function setThreshold(t: number): void {
  const started = performance.now();
  threshold = Math.min(0.999, Math.max(0, Math.round(Number(t) * 1000) / 1000));
  slider.value = String(threshold);
  recompute();
  renderFigures();
  if (
    outcomeFilter.value !== '' ||
    iouMin.value !== '0' ||
    iouMax.value !== '1' ||
    sortBy.value.startsWith('iou')
  )
    layout();
  redrawVisible();
  if (!detail.hidden && detailIndex >= 0) openDetail(detailIndex);
  timing.redrawMs = performance.now() - started;
}

// ---- keyboard
function columns(): number {
  const shown = order.slice(0, 40).map((i) => cards[i]!.offsetTop);
  return Math.max(1, shown.filter((top) => top === shown[0]).length);
}

function focusAt(position: number): void {
  const p = Math.max(0, Math.min(order.length - 1, position));
  const card = cards[order[p]!];
  if (card === undefined) return;
  for (const c of cards) c.tabIndex = -1;
  card.tabIndex = 0;
  card.focus();
}

function onGridKey(event: KeyboardEvent): void {
  const current = order.indexOf(Number((document.activeElement as HTMLElement | null)?.dataset.index));
  const moves: Record<string, number> = {
    ArrowRight: 1,
    ArrowLeft: -1,
    ArrowDown: columns(),
    ArrowUp: -columns(),
  };
  if (event.key in moves) {
    event.preventDefault();
    focusAt(current + moves[event.key]!);
  } else if (event.key === 'Enter' && current >= 0) openDetail(order[current]!);
}

document.addEventListener('keydown', (event) => {
  if (event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement) return;
  if (event.key === ']') setThreshold(threshold + 0.01);
  if (event.key === '[') setThreshold(threshold - 0.01);
  if (!detail.hidden) {
    if (event.key === 'Escape') closeDetail();
    const p = order.indexOf(detailIndex);
    if (event.key === 'ArrowRight' && p < order.length - 1) openDetail(order[p + 1]!);
    if (event.key === 'ArrowLeft' && p > 0) openDetail(order[p - 1]!);
  }
});

// ---- detail view
const detail = $('detail');
let detailIndex = -1;
function openDetail(i: number): void {
  detailIndex = i;
  const image = A.run.images[i]!;
  detail.replaceChildren();
  const close = make('button', { type: 'button' }, 'Close (Esc)');
  close.addEventListener('click', closeDetail);
  detail.append(
    close,
    make('h2', {}, image.id),
    make(
      'p',
      { class: 'muted' },
      `threshold ${threshold.toFixed(3)}; ground truth: ${image.gtName ?? '–'}; ← → previous / next`,
    ),
  );
  const pair = make('div', { class: 'pair' });
  for (const side of sides) {
    const j = side.byId.get(image.id);
    if (j === undefined) continue;
    const s = stateOf(side, j);
    const im = side.run.images[j]!;
    const canvas = make('canvas', { 'data-run': side.run.key });
    const figure = make('figure');
    const iou = (s.groundTruth ?? s.predicted).iou;
    figure.append(
      canvas,
      make(
        'figcaption',
        {},
        `${side.run.key.toUpperCase()}: ${side.run.name} (${side.run.method}, ${side.run.model}); top-1 ${im.predictedName ?? im.predictedClass} ${im.score.toFixed(2)}; IoU ${iou === undefined ? '–' : iou.toFixed(3)}`,
      ),
    );
    pair.append(figure);
    const draw = () =>
      drawImage(
        canvas,
        side.run,
        im,
        sides.length > 1 ? 600 : 800,
        {
          ...(s.groundTruth ? { truthBoxes: s.groundTruth.boxes } : {}),
          predictedBoxes: s.predicted.boxes,
          predictedDiffers: s.groundTruth !== undefined && s.groundTruth.class !== s.predicted.class,
        },
        draw,
      );
    draw();
  }
  detail.append(pair);
  detail.hidden = false;
  close.focus();
}

function closeDetail(): void {
  detail.hidden = true;
  const p = order.indexOf(detailIndex);
  detailIndex = -1;
  if (p >= 0) focusAt(p);
}

// ---- start
function start(): void {
  const opened = performance.now();
  $('runs').textContent = sides
    .map(
      (s) =>
        `${s.run.key.toUpperCase()}: ${s.run.name} (${s.run.images.length} photos, ${s.run.method}, ${s.run.model}, threshold ${s.run.settings.thresholdText}, boxes ${s.run.settings.mode})`,
    )
    .join(' · ');
  buildControls();
  recompute();
  buildFigures();
  renderFigures();
  buildGrid();
  layout();
  if (order.length > 0) cards[order[0]!]!.tabIndex = 0;
  (globalThis as unknown as { camView: unknown }).camView = {
    ready: true,
    openMs: performance.now() - opened,
    timing: () => ({ ...timing }),
    /** Whether every image's IoU curve has arrived (slider moves read the figures from them). */
    curvesReady: () => sides.every((s) => s.curvesLeft === 0),
    setThreshold,
    /** Every image's boxes at the threshold (those not on screen are computed now) and the figures. */
    state: (key: 'a' | 'b' = 'a') => {
      const side = sides.find((s) => s.run.key === key)!;
      const images = side.run.images.map((_, i) => stateOf(side, i));
      return { threshold, images, metrics: side.figures };
    },
  };
  requestAnimationFrame(() =>
    setTimeout(() =>
      startSweeps(sides, (ms) => {
        timing.curvesMs = ms;
      }),
    ),
  );
}

start();
