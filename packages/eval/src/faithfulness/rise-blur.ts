/**
 * The blurred substrate of RISE's insertion metric (Petsiuk et al., BMVC 2018; their
 * `evaluation.py`): `gkern(klen=11, nsig=5)` is scipy's `gaussian_filter(delta, 5)` on an 11x11
 * delta, i.e. a truncated Gaussian (radius int(4 * 5 + 0.5) = 20, normalised over those 41 taps)
 * whose tails fold back into the 11 taps by 'reflect' padding; the image is convolved with it per
 * channel with zero padding of 5 (`conv2d(..., padding=klen // 2)`). The kernel is separable:
 * the 2-D delta is the outer product of two 1-D deltas, so it is the outer product of `riseKernel`.
 */

const SIZE = 11;
const SIGMA = 5;

/** The 11 taps of one axis of RISE's blur kernel. */
export function riseKernel(): Float64Array {
  const radius = Math.floor(4 * SIGMA + 0.5);
  const weights = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let t = -radius; t <= radius; t++) {
    weights[t + radius] = Math.exp((-0.5 * t * t) / (SIGMA * SIGMA));
    sum += weights[t + radius]!;
  }
  const centre = Math.floor(SIZE / 2);
  const kernel = new Float64Array(SIZE);
  for (let i = 0; i < SIZE; i++) {
    for (let t = -radius; t <= radius; t++) {
      if (reflect(i + t, SIZE) === centre) kernel[i]! += weights[t + radius]! / sum;
    }
  }
  return kernel;
}

/** scipy's 'reflect' extension (d c b a | a b c d | d c b a) of index `j` into [0, n). */
function reflect(j: number, n: number): number {
  const m = ((j % (2 * n)) + 2 * n) % (2 * n);
  return m < n ? m : 2 * n - 1 - m;
}

/** The input [3, height, width] blurred per channel with RISE's kernel, zero padding. */
export function riseBlur(input: Float32Array, width: number, height: number): Float32Array {
  const kernel = riseKernel();
  const half = Math.floor(SIZE / 2);
  const plane = width * height;
  const rows = new Float32Array(plane);
  const out = new Float32Array(input.length);
  for (let c = 0; c < 3; c++) {
    const src = input.subarray(c * plane, (c + 1) * plane);
    const dst = out.subarray(c * plane, (c + 1) * plane);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let acc = 0;
        for (let k = 0; k < SIZE; k++) {
          const xx = x + k - half;
          if (xx >= 0 && xx < width) acc += kernel[k]! * src[y * width + xx]!;
        }
        rows[y * width + x] = acc;
      }
    }
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let acc = 0;
        for (let k = 0; k < SIZE; k++) {
          const yy = y + k - half;
          if (yy >= 0 && yy < height) acc += kernel[k]! * rows[yy * width + x]!;
        }
        dst[y * width + x] = acc;
      }
    }
  }
  return out;
}
