/**
 * An axis-aligned box in pixel-edge coordinates of some image: a component covering columns
 * a..b (inclusive) has x0 = a and x1 = b + 1, so width = x1 - x0. Conventions that count pixels
 * inclusively (wsolevaluation) are explicit functions in @cam-localize/eval.
 */
export interface Box {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

export function box(x0: number, y0: number, x1: number, y1: number): Box {
  return { x0, y0, x1, y1 };
}
