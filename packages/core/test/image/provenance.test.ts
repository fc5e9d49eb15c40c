import { describe, expect, it } from 'vitest';
import { PRESETS } from '../../src/image/presets.js';
import { fitToModelInput, resolvePreprocessWithSources } from '../../src/image/provenance.js';
import { choosePreset, type PresetProbe, type PresetProbeRow } from '../../src/preset-probe.js';

describe('where each preprocessing value came from', () => {
  it('names the layer that set each field: default, preset, metadata, sidecar, caller', () => {
    const { config, provenance } = resolvePreprocessWithSources({
      metadata: { channel_order: 'bgr' },
      sidecar: { preset: 'caffe', crop: [200, 200] },
      sidecarFile: '/m/model.preprocess.json',
      overrides: { mean: [1, 2, 3] },
    });
    expect(config.mean).toEqual([1, 2, 3]);
    expect(config.crop).toEqual([200, 200]);
    expect(provenance.sources).toMatchObject({
      mean: 'caller',
      crop: 'sidecar',
      std: 'preset caffe',
      channelOrder: 'preset caffe',
    });
    expect(provenance.fromMetadata).toBe(true);
    expect(provenance.sidecarFile).toBe('/m/model.preprocess.json');
    const none = resolvePreprocessWithSources({});
    expect(none.config).toEqual(PRESETS.imagenet);
    expect(none.provenance.sources.resize).toBe('default (imagenet)');
  });
});

describe('fitting a preset to the model input', () => {
  const sources = resolvePreprocessWithSources({ overrides: { preset: 'imagenet' } }).provenance.sources;

  it('sets the crop to the input and scales the resize by the same ratio (256/224 -> 219/192)', () => {
    const fitted = fitToModelInput(PRESETS.imagenet, sources, [192, 192]);
    expect(fitted.config.crop).toEqual([192, 192]);
    expect(fitted.config.resize).toEqual({ mode: 'shorter', size: 219 });
    expect(fitted.sources.resize).toBe('preset imagenet, scaled to the model input');
    expect(fitted.adapted).toContain('from resize shorter 256, crop 224 to resize shorter 219, crop 192');
    expect(fitToModelInput(PRESETS.imagenet, sources, [224, 224]).adapted).toBeUndefined();
    expect(fitToModelInput(PRESETS.imagenet, sources, undefined).config).toBe(PRESETS.imagenet);
  });

  it('makes an exact resize without crop the input size, and refuses what it cannot fit', () => {
    expect(fitToModelInput(PRESETS.mobilenet, sources, [192, 192]).config.resize).toEqual({
      mode: 'exact',
      size: [192, 192],
    });
    expect(() => fitToModelInput(PRESETS.imagenet, sources, [192, 192], { cropFixed: true })).toThrow(
      /gives 224x224 inputs but the model takes 192x192/,
    );
    let hint = '';
    try {
      fitToModelInput(PRESETS.imagenet, sources, [192, 128]);
    } catch (error) {
      hint = (error as { hint?: string }).hint ?? '';
    }
    expect(hint).toMatch(/`crop: 192x128` .*`preset`/);
    expect(() => fitToModelInput({ ...PRESETS.imagenet, crop: null }, sources, [224, 224])).toThrow(
      /variable-size/,
    );
  });
});

describe('the preset probe rule', () => {
  const row = (preset: PresetProbeRow['preset'], r: Partial<PresetProbeRow>): PresetProbeRow => ({
    preset,
    images: 32,
    confidence: 0.5,
    entropy: 2,
    topClassShare: 0.1,
    topClass: 0,
    ...r,
    collapsed: (r.topClassShare ?? 0.1) > 0.5,
  });
  const probe = (rows: PresetProbeRow[], labelled = 32): PresetProbe => ({
    rows,
    labelled,
    failed: 0,
    seconds: 1,
  });

  it('with labels, another preset needs 15 Top-1 points, or 5 with 5 points more confidence', () => {
    const imagenet = row('imagenet', { top1: 0.5, confidence: 0.6 });
    expect(choosePreset(probe([imagenet, row('caffe', { top1: 0.66, confidence: 0.5 })])).preset).toBe(
      'caffe',
    );
    expect(choosePreset(probe([imagenet, row('caffe', { top1: 0.6, confidence: 0.6 })])).preset).toBe(
      'imagenet',
    );
    expect(choosePreset(probe([imagenet, row('mobilenet', { top1: 0.56, confidence: 0.7 })])).preset).toBe(
      'mobilenet',
    );
  });

  it('on random weights (Top-1 zero, predictions collapsed, caffe sure of itself) it keeps imagenet', () => {
    const rows = [
      row('imagenet', { top1: 0, confidence: 0.04, topClassShare: 1 }),
      row('caffe', { top1: 0, confidence: 1, entropy: 0, topClassShare: 1 }),
    ];
    expect(choosePreset(probe(rows)).preset).toBe('imagenet');
    expect(
      choosePreset(
        probe(
          rows.map(({ top1: _, ...r }) => r),
          0,
        ),
      ).preset,
    ).toBe('imagenet');
  });

  it('without labels, a preset that un-collapses imagenet wins; else it must be surer with less entropy', () => {
    const collapsed = row('imagenet', { topClassShare: 0.9 });
    expect(choosePreset(probe([collapsed, row('caffe', { confidence: 0.7 })], 0)).preset).toBe('caffe');
    const fine = row('imagenet', { confidence: 0.7, entropy: 1.6 });
    expect(choosePreset(probe([fine, row('mobilenet', { confidence: 0.8, entropy: 1 })], 0)).preset).toBe(
      'mobilenet',
    );
    expect(choosePreset(probe([fine, row('mobilenet', { confidence: 0.8, entropy: 1.4 })], 0)).preset).toBe(
      'imagenet',
    );
  });
});
