/** The NOOP latency verdicts of `npm run bench` (bench/latencyTargets.ts): judged on added latency, never on a baseline ≤ 0. */
import { describe, expect, it } from 'vitest';
import { latencyTargets, type RoundTrips } from '../../bench/latencyTargets.js';

const rtt = (rttMedianUs: number, rttP99Us: number, direct: RoundTrips | null): RoundTrips => ({
  rttMedianUs,
  rttP99Us,
  addedMedianUs: rttMedianUs - (direct?.rttMedianUs ?? rttMedianUs),
  addedP99Us: rttP99Us - (direct?.rttP99Us ?? rttP99Us),
});

describe('latencyTargets', () => {
  it('judges the proxy against the relay on what each adds to direct', () => {
    const direct = rtt(20, 100, null);
    const relay = rtt(100, 300, direct); // adds 80 and 200
    expect(latencyTargets(rtt(105, 450, direct), relay, direct).map(([, met]) => met)).toEqual([true, true]);
    expect(latencyTargets(rtt(120, 550, direct), relay, direct).map(([, met]) => met)).toEqual([
      false,
      false,
    ]);
    expect(latencyTargets(rtt(105, 450, direct), relay, direct)[1]![0]).toBe(
      "added NOOP latency, p99 ≤ 2 × Node relay's (350 vs 200 µs)",
    );
  });

  it('does not judge against a relay that added nothing: direct was slower than the relay in that run', () => {
    // A full run had direct's p99 at 356 µs and the relay's at 273: "249 vs -83 µs", judged against 1 µs.
    const direct = rtt(21, 356, null);
    const relay = rtt(104, 273, direct);
    const [, p99] = latencyTargets(rtt(127, 605, direct), relay, direct);
    expect(p99[1]).toBe(false);
    expect(p99[0]).toContain("not judged: direct's own p99, 356 µs, was not below the relay's 273");
    const [median] = latencyTargets(rtt(127, 605, direct), rtt(21, 300, direct), direct);
    expect(median[0]).toContain('not judged');
  });
});
