import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { apiSurface, valueCount } from '../../../test-support/api-surface.js';

/**
 * The public names of @cam-localize/core, compared with a committed snapshot: a change to the
 * package's API is a deliberate one (update with `vitest run -u` and say why in the commit).
 */
describe('the public API of @cam-localize/core', () => {
  const indexSurface = apiSurface(fileURLToPath(new URL('../src/index.ts', import.meta.url)));

  it('src/index.ts exports exactly the names in its snapshot', async () => {
    expect(indexSurface.trim().length).toBeGreaterThan(0);
    await expect(indexSurface).toMatchFileSnapshot('./__snapshots__/api-surface.index.txt');
  });

  it('src/workers.ts exports exactly the names in its snapshot', async () => {
    const surface = apiSurface(fileURLToPath(new URL('../src/workers.ts', import.meta.url)));
    expect(surface.trim().length).toBeGreaterThan(0);
    await expect(surface).toMatchFileSnapshot('./__snapshots__/api-surface.workers.txt');
  });

  it('lists about half the runtime values that the export-* entry had (103) at most', () => {
    // 52, plus the gradient API: buildGradientGraph and its GradientError; plus the preset probe
    // (issue 26): probePresets and choosePreset.
    expect(valueCount(indexSurface)).toBeLessThanOrEqual(56);
  });
});
