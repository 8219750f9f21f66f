/**
 * Issue #18's NOOP latency targets, judged on added latency: a path's percentile minus direct's (no relay). When
 * direct's own percentile lands above the relay's (a slow moment of the shared machine during direct's turns),
 * the relay's added latency is ≤ 0 and says nothing: the target is then reported as not judged (and not met),
 * never compared with a negative or clamped baseline.
 */
export interface RoundTrips {
  readonly rttMedianUs: number;
  readonly rttP99Us: number;
  readonly addedMedianUs: number;
  readonly addedP99Us: number;
}

const us = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : '—');

export function latencyTargets(
  proxy: RoundTrips,
  relay: RoundTrips,
  direct: RoundTrips,
): [label: string, met: boolean][] {
  const judge = (
    name: string,
    factor: number,
    added: 'addedMedianUs' | 'addedP99Us',
    rtt: 'rttMedianUs' | 'rttP99Us',
  ) => {
    const base = relay[added];
    const why =
      base <= 0
        ? `; not judged: direct's own ${name}, ${us(direct[rtt])} µs, was not below the relay's ${us(relay[rtt])}`
        : '';
    return [
      `added NOOP latency, ${name} ≤ ${factor} × Node relay's (${us(proxy[added])} vs ${us(base)} µs${why})`,
      base > 0 && proxy[added] <= factor * base,
    ] as [string, boolean];
  };
  return [judge('median', 1.1, 'addedMedianUs', 'rttMedianUs'), judge('p99', 2, 'addedP99Us', 'rttP99Us')];
}
