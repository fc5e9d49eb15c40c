import { closeSync, openSync, readSync } from 'node:fs';
import { expect, it } from 'vitest';
import { describeWithTestBed, shared } from '../../../../test-support/testbed.js';
import { readDataset } from '../../src/datasets/index.js';

describeWithTestBed('test-bed datasets', () => {
  it('ilsvrc2012-val-1000: the metadata and the XML layouts agree', async () => {
    const root = shared('datasets', 'ilsvrc2012-val-1000');
    const meta = await readDataset(root);
    const xml = await readDataset(root, { format: 'voc-xml' });
    expect(meta.format).toBe('wsol-metadata');
    expect(meta.items).toHaveLength(1000);
    expect(xml.items).toHaveLength(1000);
    const byId = new Map(xml.items.map((i) => [i.id, i]));
    let boxes = 0;
    for (const m of meta.items) {
      const x = byId.get(m.id);
      expect(x, m.id).toBeDefined();
      expect(x!.file).toBe(m.file);
      expect([x!.width, x!.height]).toEqual([m.width, m.height]);
      expect(x!.classIndex).toBe(m.classIndex);
      expect(x!.className).toBe(m.className);
      expect(x!.boxes).toHaveLength(m.boxes.length);
      m.boxes.forEach((b, k) => {
        const c = x!.boxes[k]!;
        // The XML files hold the float boxes rounded to integers and clipped to the last pixel (W - 1).
        const limit = { x0: m.width! - 1, x1: m.width! - 1, y0: m.height! - 1, y1: m.height! - 1 };
        for (const key of ['x0', 'y0', 'x1', 'y1'] as const) {
          expect(Math.abs(c[key] - Math.min(b[key], limit[key]))).toBeLessThanOrEqual(0.5 + 1e-9);
        }
        boxes++;
      });
    }
    expect(boxes).toBe(1510);
    expect(meta.classKeys).toHaveLength(1000);
    expect(meta.items[0]!.className).toBe('n02951358');
  });

  it('raccoon-voc: 200 items, sizes, class "raccoon" unknown to ImageNet (-1)', async () => {
    const root = shared('datasets', 'raccoon-voc');
    const ds = await readDataset(root, { labels: shared('datasets', 'ilsvrc2012-val-1000', 'synsets.txt') });
    expect(ds.format).toBe('voc-xml');
    expect(ds.items).toHaveLength(200);
    for (const item of ds.items) {
      expect(item.classIndex).toBe(-1);
      expect(item.className).toBe('raccoon');
      expect(item.boxes.length).toBeGreaterThan(0);
      expect(item.width).toBeGreaterThan(0);
      expect(item.id.startsWith('JPEGImages/')).toBe(true);
    }
    const first = ds.items.find((i) => i.id === 'JPEGImages/raccoon-1.jpg')!;
    expect(first).toMatchObject({ width: 650, height: 417, boxes: [{ x0: 81, y0: 88, x1: 522, y1: 408 }] });
    const noLabels = await readDataset(root);
    expect(noLabels.items[0]!.classIndex).toBe(-1);
  });
});

describeWithTestBed('test-bed files', () => {
  it('every image the datasets list is on disk, once, and is a JPEG', async () => {
    for (const name of ['ilsvrc2012-val-1000', 'raccoon-voc']) {
      const { items } = await readDataset(shared('datasets', name));
      expect(items.length, name).toBeGreaterThan(0);
      expect(new Set(items.map((i) => i.file)).size, name).toBe(items.length);
      for (const item of items) {
        const head = Buffer.alloc(3);
        const fd = openSync(item.file, 'r');
        readSync(fd, head, 0, 3, 0);
        closeSync(fd);
        expect([...head], item.file).toEqual([0xff, 0xd8, 0xff]);
      }
    }
  });
});
