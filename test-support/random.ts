/** A seeded uniform [0, 1) generator (mulberry32) for reproducible test data in every package. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seeded RGB image of uniform noise (the shape of core's RgbImage). */
export function noiseImage(
  width: number,
  height: number,
  seed: number,
): { width: number; height: number; data: Uint8Array } {
  const next = rng(seed);
  return {
    width,
    height,
    data: Uint8Array.from({ length: width * height * 3 }, () => Math.floor(next() * 256)),
  };
}
