/** Small statistics for the benchmark: medians, percentiles and spreads of repeated measurements. */

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export const median = (values: readonly number[]) => percentile(values, 50);

/**
 * The median and the spread of repeated runs: the interquartile range relative to the median (the middle half
 * of the runs lies within it; one run disturbed by a neighbour on the shared machine does not widen it).
 */
export function summary(values: readonly number[]): { median: number; spread: number; runs: number } {
  const m = median(values);
  const spread = values.length > 1 ? (percentile(values, 75) - percentile(values, 25)) / m : 0;
  return { median: m, spread, runs: values.length };
}
