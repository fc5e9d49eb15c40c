import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { apiSurface } from '../../../test-support/api-surface.js';

/**
 * The public names of @cam-localize/localize, compared with a committed snapshot: a change to the
 * package's API is a deliberate one (update with `vitest run -u` and say why in the commit).
 */
describe('the public API of @cam-localize/localize', () => {
  it('src/index.ts exports exactly the names in its snapshot', async () => {
    const surface = apiSurface(fileURLToPath(new URL('../src/index.ts', import.meta.url)));
    expect(surface.trim().length).toBeGreaterThan(0);
    await expect(surface).toMatchFileSnapshot('./__snapshots__/api-surface.index.txt');
  });
});
