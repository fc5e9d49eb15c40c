/** The preset probe's table, as `inspect --probe` and `--preset auto` print it. */
import { PRESETS, type PresetProbe } from '@cam-localize/core';
import { describeResize } from './preprocess-provenance.js';

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export function formatProbeTable(probe: PresetProbe, chosen: string): string {
  const labelled = probe.labelled > 0;
  const header = [
    'preset',
    ...(labelled ? ['Top-1'] : []),
    'confidence',
    'entropy',
    'top class share',
    'recipe',
  ];
  const rows = probe.rows.map((r) => {
    const p = PRESETS[r.preset];
    const recipe = `${describeResize(p.resize)}${p.crop ? `, crop ${p.crop[0]}` : ''}, ${p.channelOrder.toUpperCase()}, mean ${p.mean.map((m) => +m.toFixed(3)).join('/')}`;
    return [
      `${r.preset}${r.preset === chosen ? ' *' : ''}`,
      ...(labelled ? [pct(r.top1 ?? 0)] : []),
      pct(r.confidence),
      `${r.entropy.toFixed(2)} bits`,
      `${pct(r.topClassShare)}${r.collapsed ? ' (collapsed)' : ''}`,
      recipe,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const images = probe.rows[0]?.images ?? 0;
  return [
    `preset probe: ${images} images${labelled ? ` (${probe.labelled} labelled)` : ' (no labels: confidence and collapse decide)'}${probe.failed > 0 ? `, ${probe.failed} unreadable skipped` : ''}, ${probe.seconds.toFixed(1)} s`,
    line(header),
    ...rows.map(line),
    `recommended: --preset ${chosen} (*)`,
  ].join('\n');
}
