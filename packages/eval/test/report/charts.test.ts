import { describe, expect, it } from 'vitest';
import { parseXml, type XmlElement } from '../../src/datasets/xml.js';
import { barChartSvg, rankedBarsSvg } from '../../src/report/bars.js';
import { histogram, histogramSvg } from '../../src/report/histogram.js';
import { boxLegendSvg, colourBarSvg } from '../../src/report/legend.js';
import { curvesSvg } from '../../src/report/svg.js';
import { wilsonInterval } from '../../src/report/wilson.js';

const hostile = '<b>&"x\'</b>';

function all(element: XmlElement, name: string): XmlElement[] {
  return [
    ...(element.name === name ? [element] : []),
    ...element.children.flatMap((child) => all(child, name)),
  ];
}

/** A standalone .svg must parse as XML, have the SVG namespace and a title. */
function parseSvg(text: string): XmlElement {
  const root = parseXml(`<?xml version="1.0" encoding="UTF-8"?>\n${text}`, 'figure.svg');
  expect(root.name).toBe('svg');
  expect(root.attributes.xmlns).toBe('http://www.w3.org/2000/svg');
  expect(all(root, 'title')[0]?.text.length).toBeGreaterThan(0);
  return root;
}

describe('Wilson score interval', () => {
  // Newcombe (1998), Statistics in Medicine 17:857-872, Table I, method 3 (score, no continuity correction).
  it.each([
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ])('%i/%i gives [%f, %f] as Newcombe tabulates', (k, n, low, high) => {
    const interval = wilsonInterval(k, n)!;
    expect(interval.low).toBeCloseTo(low, 4);
    expect(interval.high).toBeCloseTo(high, 4);
  });

  it('is symmetric, stays in [0, 1], is undefined for no data and refuses impossible counts', () => {
    const a = wilsonInterval(3, 10)!;
    const b = wilsonInterval(7, 10)!;
    expect(a.low).toBeCloseTo(1 - b.high, 12);
    expect(wilsonInterval(5, 5)!.high).toBe(1);
    expect(wilsonInterval(0, 0)).toBeNull();
    expect(() => wilsonInterval(4, 3)).toThrow(RangeError);
  });
});

describe('histogram', () => {
  it('counts values into equal bins, the last bin closed, and refuses values out of range', () => {
    const bins = histogram([0, 0.05, 0.1, 0.55, 1, 1], 10);
    expect(bins.map((b) => b.count)).toEqual([2, 1, 0, 0, 0, 1, 0, 0, 0, 2]);
    expect(bins[9]).toMatchObject({ x1: 1 });
    expect(() => histogram([1.2], 10)).toThrow(/outside/);
    expect(() => histogram([Number.NaN], 10)).toThrow(/outside/);
  });
});

describe('charts are valid standalone SVG and escape their text', () => {
  const charts = {
    curves: curvesSvg({
      title: hostile,
      xLabel: 'x',
      yLabel: 'y',
      x: [0, 0.5, 1],
      series: [{ label: hostile, y: [1, 3, 2], best: 1, dash: 1 }],
      markers: [{ x: 0.5, label: hostile }],
    }),
    histogram: histogramSvg({
      title: hostile,
      xLabel: 'IoU',
      yLabel: 'images',
      bins: histogram([0.1, 0.2, 0.9], 20),
      marker: { x: 0.5, label: 'IoU 0.5' },
    }),
    bars: barChartSvg({
      title: 'by size',
      xLabel: 'size',
      yLabel: '%',
      bars: [{ label: hostile, value: 40, low: 30, high: 55, note: 'n=12' }],
    }),
    ranked: rankedBarsSvg({
      title: 'classes',
      xLabel: '%',
      groups: [
        { label: 'best', bars: [{ label: hostile, value: 90, low: 70, high: 98, note: '(n=9)' }] },
        { label: 'worst', bars: [{ label: 'b', value: 0, low: 0, high: 40 }] },
      ],
    }),
    colourBar: colourBarSvg({
      title: 'CAM (jet)',
      colours: [
        [0, 0, 128],
        [255, 0, 0],
      ],
      lowLabel: '0',
      highLabel: hostile,
    }),
    legend: boxLegendSvg('Boxes', [{ label: hostile, colour: [0, 255, 0] }]),
  };

  it.each(Object.entries(charts))('%s', (_, svg) => {
    const root = parseSvg(svg);
    expect(svg).not.toContain('<b>');
    expect(root.children.length).toBeGreaterThan(3);
  });

  it('draws one bar per bin and per value, heights proportional to the counts', () => {
    const root = parseSvg(charts.histogram);
    const bars = all(root, 'rect').filter((r) => r.attributes.class === 'bar');
    expect(bars).toHaveLength(20);
    const heights = bars.map((b) => Number(b.attributes.height));
    expect(heights[2]).toBeGreaterThan(0);
    expect(heights[2]).toBeCloseTo(heights[4]!, 5);
    expect(heights[18]).toBeCloseTo(heights[2]!, 5);
    expect(heights[10]).toBe(0);
    const ranked = all(parseSvg(charts.ranked), 'rect').filter((r) => r.attributes.class === 'bar');
    expect(ranked).toHaveLength(2);
    expect(Number(ranked[0]!.attributes.width)).toBeGreaterThan(Number(ranked[1]!.attributes.width));
  });

  it('colours the bar with every colormap entry', () => {
    const colours = Array.from({ length: 256 }, (_, i) => [i, 0, 255 - i] as const);
    const rects = all(parseSvg(colourBarSvg({ title: 't', colours, lowLabel: 'a', highLabel: 'b' })), 'rect');
    const fills = new Set(rects.map((r) => r.attributes.fill));
    expect(fills.has('#0000ff')).toBe(true);
    expect(fills.has('#ff0000')).toBe(true);
    expect(fills.has('#800080') || fills.has('#7f0080')).toBe(true);
  });
});
