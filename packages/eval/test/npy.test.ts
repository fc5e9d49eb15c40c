import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError } from '@cam-localize/core';
import { afterAll, describe, expect, it } from 'vitest';
import { describeWithTestBed, shared } from '../../../test-support/testbed.js';
import {
  encodeNpyFloat32,
  parseNpy,
  readNpy,
  readScoreMapNpy,
  scoreMapPath,
  scoreMapPathCandidates,
  writeScoreMapNpy,
} from '../src/npy.js';

const tmp = mkdtempSync(join(tmpdir(), 'eval-npy-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A .npy file built byte by byte per the format spec (numpy.lib.format). */
function npyBytes(opts: {
  major?: number;
  descr: string;
  fortran?: boolean;
  shape: string;
  values: number[];
  big?: boolean;
  padTo?: number;
  truncate?: number;
}): Uint8Array {
  const major = opts.major ?? 1;
  const prefix = major === 1 ? 10 : 12;
  let header = `{'descr': '${opts.descr}', 'fortran_order': ${opts.fortran ? 'True' : 'False'}, 'shape': ${opts.shape}, }`;
  const align = opts.padTo ?? 64;
  const total = Math.ceil((prefix + header.length + 1) / align) * align;
  header += `${' '.repeat(total - prefix - header.length - 1)}\n`;
  const size = opts.descr.endsWith('8') ? 8 : 4;
  const out = new Uint8Array(total + opts.values.length * size);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const dv = new DataView(out.buffer);
  if (major === 1) dv.setUint16(8, header.length, true);
  else dv.setUint32(8, header.length, true);
  out.set(new TextEncoder().encode(header), prefix);
  opts.values.forEach((v, i) => {
    if (size === 4) dv.setFloat32(total + i * 4, v, !opts.big);
    else dv.setFloat64(total + i * 8, v, !opts.big);
  });
  return opts.truncate === undefined ? out : out.subarray(0, out.length - opts.truncate);
}

describe('parseNpy', () => {
  const values = [0, 0.25, 0.5, 1, 0.1, 0.3];
  it('reads float32 and float64, little and big endian, versions 1.0, 2.0 and 3.0', () => {
    for (const major of [1, 2, 3]) {
      for (const [descr, big] of [
        ['<f4', false],
        ['>f4', true],
        ['<f8', false],
        ['>f8', true],
      ] as const) {
        const arr = parseNpy(npyBytes({ major, descr, shape: '(2, 3)', values, big }));
        expect(arr.shape).toEqual([2, 3]);
        expect(arr.version).toEqual([major, 0]);
        expect(arr.dtype).toBe(descr.endsWith('4') ? 'float32' : 'float64');
        const expected = descr.endsWith('4') ? Array.from(Float32Array.from(values)) : values;
        expect(Array.from(arr.data)).toEqual(expected);
      }
    }
  });
  it('views the bytes where order and alignment allow, and copies where they do not', () => {
    for (const descr of ['<f4', '<f8'] as const) {
      const bytes = npyBytes({ descr, shape: '(2, 3)', values });
      const viewed = parseNpy(bytes);
      expect(viewed.data.buffer).toBe(bytes.buffer);
      // The same file one byte into a larger buffer: its data is misaligned, so it is copied.
      const shifted = new Uint8Array(bytes.length + 1);
      shifted.set(bytes, 1);
      const copied = parseNpy(shifted.subarray(1));
      expect(copied.data.buffer).not.toBe(shifted.buffer);
      expect(Array.from(copied.data)).toEqual(Array.from(viewed.data));
    }
  });
  it('reads 1-D and 0-D shapes', () => {
    expect(parseNpy(npyBytes({ descr: '<f4', shape: '(3,)', values: [1, 2, 3] })).shape).toEqual([3]);
    expect(parseNpy(npyBytes({ descr: '<f8', shape: '()', values: [7] })).shape).toEqual([]);
  });
  it('refuses Fortran order, other dtypes, bad magic, truncation and unknown versions clearly', () => {
    expect(() =>
      parseNpy(npyBytes({ descr: '<f4', fortran: true, shape: '(2, 3)', values }), 'x.npy'),
    ).toThrow(/Fortran order/);
    expect(() => parseNpy(npyBytes({ descr: '<i4', shape: '(2, 3)', values }))).toThrow(/dtype "<i4"/);
    expect(() => parseNpy(new TextEncoder().encode('not an npy file at all'))).toThrow(/magic/);
    expect(() => parseNpy(npyBytes({ descr: '<f4', shape: '(2, 3)', values, truncate: 3 }))).toThrow(
      /truncated/,
    );
    expect(() => parseNpy(npyBytes({ major: 4, descr: '<f4', shape: '(2, 3)', values }))).toThrow(
      /version 4\.0/,
    );
    try {
      parseNpy(npyBytes({ descr: '<f4', fortran: true, shape: '(2, 3)', values }), 'x.npy');
    } catch (e) {
      expect(e).toBeInstanceOf(DataError);
      expect((e as DataError).file).toBe('x.npy');
      expect((e as DataError).code).toBe('E_NPY');
    }
  });
});

describe('write / read score maps', () => {
  it('writes float32 v1.0 with a 64-byte aligned header that round-trips', () => {
    const map = { width: 3, height: 2, data: Float32Array.from([0, 0.1, 0.2, 0.3, 0.4, 1]) };
    const file = join(tmp, 'deep', 'er', 'm.npy');
    writeScoreMapNpy(file, map);
    const bytes = readFileSync(file);
    expect(bytes[6]).toBe(1);
    const headerLen = bytes.readUInt16LE(8);
    expect((10 + headerLen) % 64).toBe(0);
    expect(bytes.subarray(10, 10 + headerLen).toString('latin1')).toMatch(
      /^\{'descr': '<f4', 'fortran_order': False, 'shape': \(2, 3\), \} *\n$/,
    );
    const back = readScoreMapNpy(file);
    expect([back.width, back.height]).toEqual([3, 2]);
    expect(back.data).toEqual(map.data);
  });
  it('accepts (1, H, W) and (H, W, 1) arrays as maps, refuses 3-D ones', () => {
    writeFileSync(
      join(tmp, 'a.npy'),
      npyBytes({ descr: '<f8', shape: '(1, 2, 3)', values: [0, 1, 2, 3, 4, 5] }),
    );
    const m = readScoreMapNpy(join(tmp, 'a.npy'));
    expect([m.width, m.height]).toEqual([3, 2]);
    writeFileSync(join(tmp, 'b.npy'), encodeNpyFloat32([2, 2, 2], new Float32Array(8)));
    expect(() => readScoreMapNpy(join(tmp, 'b.npy'))).toThrow(/2-D/);
  });
  it('names a missing file', () => {
    expect(() => readNpy(join(tmp, 'nope.npy'))).toThrow(DataError);
  });
  it("uses wsolevaluation's <camDir>/<image_id>.npy layout", () => {
    expect(scoreMapPath('/cams', 'val/ILSVRC2012_val_00000001.JPEG')).toBe(
      '/cams/val/ILSVRC2012_val_00000001.JPEG.npy',
    );
    expect(scoreMapPathCandidates('/cams', 'images/x.JPEG')).toEqual([
      '/cams/images/x.JPEG.npy',
      '/cams/images/x.npy',
    ]);
    expect(() => scoreMapPath('/cams', '../etc/passwd')).toThrow(/cannot name a file/);
    expect(() => scoreMapPath('/cams', '/abs.JPEG')).toThrow(/cannot name a file/);
  });
});

describeWithTestBed('golden .npy files of the test bed', () => {
  it('reads their shapes', () => {
    const dir = shared('golden', 'resnet18-untrained');
    const stem = 'ILSVRC2012_val_00000347';
    expect(readNpy(join(dir, `${stem}.cam.npy`)).shape).toEqual([7, 7]);
    expect(readNpy(join(dir, `${stem}.features.npy`)).shape).toEqual([512, 7, 7]);
    expect(readNpy(join(dir, `${stem}.input.npy`)).shape).toEqual([1, 3, 224, 224]);
    expect(readNpy(join(dir, `${stem}.logits.npy`)).shape).toEqual([1000]);
    const cam = readScoreMapNpy(join(dir, `${stem}.cam.npy`));
    expect([cam.width, cam.height]).toEqual([7, 7]);
    // The seed's CAM is ReLU'd and min-max normalised: values in [0, 1], both ends reached.
    expect(Math.min(...cam.data)).toBe(0);
    expect(Math.max(...cam.data)).toBeCloseTo(1, 6);
  });
});
