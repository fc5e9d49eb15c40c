/*
 * The preprocessing hot path in WebAssembly: Pillow's fixed-point resize (the same integer
 * arithmetic as src/image/resize.ts and resize-to-tensor.ts, so the same bytes) in 128-bit SIMD.
 * Built by scripts/build-resize-wasm.sh into resize.wasm (committed: installs need no C
 * toolchain); src/image/resize-wasm.ts loads it, and the JS passes stay as the fallback and as
 * the twin that core/test/image/resize-wasm.test.ts holds this to, bit for bit.
 *
 * Fixed point: 22-bit weights summing to 2^22, sums from a half-unit bias, arithmetic shift, clip
 * to 0..255 (here: saturating narrows). All sums stay inside int32 (see resize.ts).
 *
 * Also the vertical pass of the score-map upsampling (src/resample.ts, cv2.resize on float32
 * maps): float32 multiplies and adds in the JS pass's order, four columns per SIMD operation. JS
 * computes each in double and rounds to float32, which gives the same float32 result (double
 * rounding is innocuous for +, * when 53 >= 2 * 24 + 2); wasm has no fused multiply-add to differ.
 */
#include <stdint.h>
#include <wasm_simd128.h>

#define PRECISION_BITS 22
#define HALF (1 << (PRECISION_BITS - 1))

static inline uint8_t clip8(int32_t acc) {
  int32_t v = acc >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)v;
}

/*
 * One output row (`count[x]` taps from `start[x]`, or a fixed window of `taps` when count is null:
 * a constant where inlined), a pixel at a time in SIMD lanes (r, g, b, and
 * the next pixel's r, whose result is overwritten by the next pixel or lands in the slack byte).
 * Reads one byte past the window's last pixel too: the caller leaves 4 bytes of slack after the
 * source and the output.
 */
static inline __attribute__((always_inline)) void horizontal_row_simd(const uint8_t *row, uint8_t *o,
                                                                      int col0, int cols,
                                                                      const int32_t *start,
                                                                      const int32_t *count, int taps,
                                                                      const int32_t *weights, int bpp) {
  const v128_t half = wasm_i32x4_splat(HALF);
  for (int x = col0; x < col0 + cols; x++) {
    const uint8_t *p = row + start[x] * bpp;
    const int32_t *k = weights + x * taps;
    int n = count ? count[x] : taps;
    v128_t acc = half;
    for (int t = 0; t < n; t++) {
      v128_t px = wasm_u32x4_extend_low_u16x8(wasm_u16x8_extend_low_u8x16(wasm_v128_load32_zero(p + bpp * t)));
      acc = wasm_i32x4_add(acc, wasm_i32x4_mul(px, wasm_i32x4_splat(k[t])));
    }
    acc = wasm_i32x4_shr(acc, PRECISION_BITS);
    v128_t w = wasm_i16x8_narrow_i32x4(acc, acc);
    wasm_v128_store32_lane(o, wasm_u8x16_narrow_i16x8(w, w), 0);
    o += 3;
  }
}

/* One source row, the pixel size `bpp` a constant where inlined. */
static inline __attribute__((always_inline)) void horizontal_row(const uint8_t *row, uint8_t *o, int col0,
                                                                 int cols, const int32_t *start,
                                                                 const int32_t *count, int taps,
                                                                 const int32_t *weights, int bpp) {
  if (count == 0 && taps == 2)
    horizontal_row_simd(row, o, col0, cols, start, 0, 2, weights, bpp);
  else if (count == 0 && taps == 3)
    horizontal_row_simd(row, o, col0, cols, start, 0, 3, weights, bpp);
  else if (count == 0 && taps == 4)
    horizontal_row_simd(row, o, col0, cols, start, 0, 4, weights, bpp);
  else
    horizontal_row_simd(row, o, col0, cols, start, count, taps, weights, bpp);
}

/*
 * Horizontal pass: source rows [row0, row0 + rows) of an image `in_w` pixels wide, `bpp` bytes a
 * pixel (3: RGB; 4: RGBA, the alpha byte ignored), output columns [col0, col0 + cols), into `out`
 * (rows x cols x 3, RGB). Output column x reads `count[x]` (or `taps` when count is null: a fixed
 * window) pixels from `start[x]`, weights at `weights[x * taps]`. Fixed windows of 2 to 4 get
 * loops of their own (unrolled); every pixel is one SIMD multiply-add per tap.
 */
__attribute__((export_name("horizontal"))) void horizontal(const uint8_t *src, int in_w, int bpp, int row0,
                                                            int rows, int col0, int cols,
                                                            const int32_t *start, const int32_t *count,
                                                            int taps, const int32_t *weights, uint8_t *out) {
  for (int y = 0; y < rows; y++) {
    const uint8_t *row = src + (row0 + y) * in_w * bpp;
    uint8_t *o = out + y * cols * 3;
    if (bpp == 4)
      horizontal_row(row, o, col0, cols, start, count, taps, weights, 4);
    else
      horizontal_row(row, o, col0, cols, start, count, taps, weights, 3);
  }
}

/* 16 bytes -> four i32x4 lanes groups, each multiplied by k and added to the accumulators. */
static inline void mac16(v128_t bytes, v128_t k, v128_t *a0, v128_t *a1, v128_t *a2, v128_t *a3) {
  v128_t lo = wasm_u16x8_extend_low_u8x16(bytes);
  v128_t hi = wasm_u16x8_extend_high_u8x16(bytes);
  *a0 = wasm_i32x4_add(*a0, wasm_i32x4_mul(wasm_u32x4_extend_low_u16x8(lo), k));
  *a1 = wasm_i32x4_add(*a1, wasm_i32x4_mul(wasm_u32x4_extend_high_u16x8(lo), k));
  *a2 = wasm_i32x4_add(*a2, wasm_i32x4_mul(wasm_u32x4_extend_low_u16x8(hi), k));
  *a3 = wasm_i32x4_add(*a3, wasm_i32x4_mul(wasm_u32x4_extend_high_u16x8(hi), k));
}

/*
 * Vertical pass into planes: output rows [out_row0, out_row0 + out_rows) of `width` pixels of
 * `bpp` bytes (RGB, or RGBA whose alpha is computed and dropped). Row y reads `count[y]` (or
 * `taps`) rows from `start[y]`, the first source row at `src` being `src_row0`, rows `stride`
 * bytes apart. The 8-bit results go through `tables` (256 floats per pixel channel) into
 * `planes`: three planes of out_rows x width floats, pixel channel j in plane j. `row` is scratch
 * for width x bpp bytes (+16).
 */
__attribute__((export_name("vertical"))) void vertical(const uint8_t *src, int stride, int bpp, int src_row0,
                                                        int out_row0, int out_rows, int width,
                                                        const int32_t *start, const int32_t *count, int taps,
                                                        const int32_t *weights, const float *tables,
                                                        float *planes, uint8_t *row) {
  const int n3 = width * bpp;
  const int plane = out_rows * width;
  const float *t0 = tables, *t1 = tables + 256, *t2 = tables + 512;
  const v128_t half = wasm_i32x4_splat(HALF);
  for (int r = 0; r < out_rows; r++) {
    int yy = out_row0 + r;
    int n = count ? count[yy] : taps;
    const int32_t *k = weights + yy * taps;
    const uint8_t *first = src + (start[yy] - src_row0) * stride;
    int i = 0;
    for (; i + 16 <= n3; i += 16) {
      v128_t a0 = half, a1 = half, a2 = half, a3 = half;
      for (int t = 0; t < n; t++) mac16(wasm_v128_load(first + t * stride + i), wasm_i32x4_splat(k[t]), &a0, &a1, &a2, &a3);
      a0 = wasm_i32x4_shr(a0, PRECISION_BITS);
      a1 = wasm_i32x4_shr(a1, PRECISION_BITS);
      a2 = wasm_i32x4_shr(a2, PRECISION_BITS);
      a3 = wasm_i32x4_shr(a3, PRECISION_BITS);
      /* Saturating narrows: i32 -> i16 keeps order, i16 -> u8 clips to 0..255 (clip8). */
      v128_t lo = wasm_i16x8_narrow_i32x4(a0, a1);
      v128_t hi = wasm_i16x8_narrow_i32x4(a2, a3);
      wasm_v128_store(row + i, wasm_u8x16_narrow_i16x8(lo, hi));
    }
    for (; i < n3; i++) {
      int32_t s = HALF;
      for (int t = 0; t < n; t++) s += first[t * stride + i] * k[t];
      row[i] = clip8(s);
    }
    float *o0 = planes + r * width, *o1 = o0 + plane, *o2 = o1 + plane;
    for (int x = 0, p = 0; x < width; x++, p += bpp) {
      o0[x] = t0[row[p]];
      o1[x] = t1[row[p + 1]];
      o2[x] = t2[row[p + 2]];
    }
  }
}

/*
 * The vertical pass of src/resample.ts's `separable`: output row y of `out_w` floats is
 * sum_t weights[y*k+t] * tmp[rows[y*k+t]] (k = 1, 2 or 4 source rows of `out_w`), the products
 * and sums rounded to float32 in that order; k = 1 copies the row (its weight is 1). Rows with
 * valid_y[y] == 0 and, unless all_valid_x, columns with valid_x[x] == 0 are 0.
 */
__attribute__((export_name("resample_vertical"))) void resample_vertical(const float *tmp, int out_w, int out_h,
                                                                          const int32_t *rows, const float *weights,
                                                                          int k, const uint8_t *valid_y,
                                                                          const uint8_t *valid_x, int all_valid_x,
                                                                          float *out) {
  for (int y = 0; y < out_h; y++) {
    float *o = out + y * out_w;
    int x = 0;
    if (!valid_y[y]) {
      for (; x < out_w; x++) o[x] = 0.0f;
      continue;
    }
    const int32_t *r = rows + y * k;
    const float *w = weights + y * k;
    const float *a = tmp + r[0] * out_w;
    if (k == 1) {
      for (; x + 4 <= out_w; x += 4) wasm_v128_store(o + x, wasm_v128_load(a + x));
      for (; x < out_w; x++) o[x] = a[x];
    } else if (k == 2) {
      const float *b = tmp + r[1] * out_w;
      const v128_t w0 = wasm_f32x4_splat(w[0]), w1 = wasm_f32x4_splat(w[1]);
      for (; x + 4 <= out_w; x += 4)
        wasm_v128_store(o + x, wasm_f32x4_add(wasm_f32x4_mul(w0, wasm_v128_load(a + x)),
                                              wasm_f32x4_mul(w1, wasm_v128_load(b + x))));
      for (; x < out_w; x++) o[x] = w[0] * a[x] + w[1] * b[x];
    } else {
      const float *b = tmp + r[1] * out_w, *c = tmp + r[2] * out_w, *d = tmp + r[3] * out_w;
      const v128_t w0 = wasm_f32x4_splat(w[0]), w1 = wasm_f32x4_splat(w[1]);
      const v128_t w2 = wasm_f32x4_splat(w[2]), w3 = wasm_f32x4_splat(w[3]);
      for (; x + 4 <= out_w; x += 4) {
        v128_t acc = wasm_f32x4_mul(w0, wasm_v128_load(a + x));
        acc = wasm_f32x4_add(acc, wasm_f32x4_mul(w1, wasm_v128_load(b + x)));
        acc = wasm_f32x4_add(acc, wasm_f32x4_mul(w2, wasm_v128_load(c + x)));
        wasm_v128_store(o + x, wasm_f32x4_add(acc, wasm_f32x4_mul(w3, wasm_v128_load(d + x))));
      }
      for (; x < out_w; x++) {
        float acc = w[0] * a[x];
        acc = acc + w[1] * b[x];
        acc = acc + w[2] * c[x];
        o[x] = acc + w[3] * d[x];
      }
    }
    if (!all_valid_x)
      for (x = 0; x < out_w; x++)
        if (!valid_x[x]) o[x] = 0.0f;
  }
}
