/** Evaluator states as JSON: typed arrays become plain arrays, and back. */

/** `state` with every Float64Array as a plain array (key order kept). */
export function plainState(state: object): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(state).map(([k, v]) => [k, v instanceof Float64Array ? Array.from(v) : v]),
  );
}

/** `state` with the plain arrays of `fields` as Float64Arrays again (typed arrays pass as they are). */
export function typedState<T>(state: object, fields: readonly string[]): T {
  return Object.fromEntries(
    Object.entries(state).map(([k, v]) => [
      k,
      fields.includes(k) && Array.isArray(v) ? Float64Array.from(v) : v,
    ]),
  ) as T;
}
