import { describe, expect, it } from 'vitest';
import {
  boxToInput,
  boxToOriginal,
  type ImageGeometry,
  inputToOriginal,
  resizeGeometry,
} from '../src/geometry.js';

// torchvision's Resize(256) + CenterCrop(224) of a 500x375 image: shorter side 375 -> 256.
const centreCrop: ImageGeometry = {
  originalWidth: 500,
  originalHeight: 375,
  resizeWidth: 341,
  resizeHeight: 256,
  cropX: 58,
  cropY: 16,
  inputWidth: 224,
  inputHeight: 224,
};

describe('geometry', () => {
  it('maps the input origin to the crop corner in original pixels', () => {
    const [x, y] = inputToOriginal(centreCrop, 0, 0);
    expect(x).toBeCloseTo((58 * 500) / 341, 10);
    expect(y).toBeCloseTo((16 * 375) / 256, 10);
  });

  it('round-trips boxes between input and original pixels', () => {
    const b = { x0: 10, y0: 20, x1: 100, y1: 200 };
    const back = boxToInput(centreCrop, boxToOriginal(centreCrop, b));
    expect(back.x0).toBeCloseTo(10, 9);
    expect(back.y0).toBeCloseTo(20, 9);
    expect(back.x1).toBeCloseTo(100, 9);
    expect(back.y1).toBeCloseTo(200, 9);
  });

  it('clips boxes that leave the image', () => {
    const g = resizeGeometry(100, 50, 10, 10);
    expect(boxToOriginal(g, { x0: -1, y0: 0, x1: 12, y1: 5 })).toEqual({ x0: 0, y0: 0, x1: 100, y1: 25 });
  });
});
