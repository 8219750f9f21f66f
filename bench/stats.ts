/** Small statistics for the benchmark: medians, percentiles and spreads of repeated measurements. */

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export const median = (values: readonly number[]) => percentile(values, 50);

/** The median and the relative spread ((max - min) / median) of repeated runs. */
export function summary(values: readonly number[]): { median: number; spread: number; runs: number } {
  const m = median(values);
  const spread = values.length > 1 ? (Math.max(...values) - Math.min(...values)) / m : 0;
  return { median: m, spread, runs: values.length };
}
