/**
 * The benchmark's smoke run: the whole suite at tiny sizes, so it cannot rot. It checks that every figure is
 * produced, never how fast anything is (timing belongs to `npm run bench`, not to tests).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

describe('npm run bench -- --quick', () => {
  it('measures every path and figure and reports each target as met or not', { timeout: 240_000 }, () => {
    // The suite runs the built CLI; `npm test` builds first.
    expect(existsSync(`${ROOT}/dist/cli/main.js`)).toBe(true);
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', '--json'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 230_000,
    });
    expect(r.status, r.stderr).toBe(0);
    for (const row of [
      'direct (no proxy)',
      'plain Node pipe relay',
      'pop3scope proxy',
      'pop3scope proxy + capture',
      'pop3scope proxy + headless dashboard',
    ]) {
      expect(r.stdout).toContain(`| ${row} |`);
    }
    const json = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(json.quick).toBe(true);
    expect(json.paths.every((p: { mbps: { median: number } }) => p.mbps.median > 0)).toBe(true);
    // Every relaying path (all but "direct") reports the CPU it used; the dashboard path really drew frames.
    const relaying = json.paths.filter((p: { path: string }) => p.path !== 'direct (no proxy)');
    expect(relaying.every((p: { cpuMsPerMB: number }) => p.cpuMsPerMB >= 0)).toBe(true);
    expect(json.headlessFrames).toBeGreaterThan(0);
    // The relay-bound section (bench/fastServer.ts): every relaying path again, each with MB/s and CPU per MB.
    expect(r.stdout).toContain('1b. Relay-bound');
    const bound = json.relayBound.map((p: { path: string }) => p.path);
    expect(bound).toEqual(expect.arrayContaining(relaying.map((p: { path: string }) => p.path)));
    expect(
      json.relayBound.every((p: { mbps: number; cpuMsPerMB: number }) => p.mbps > 0 && p.cpuMsPerMB >= 0),
    ).toBe(true);
    expect(json.memory.showMBps).toBeGreaterThan(0);
    // Recording's floor beside the capture row: making the lines and writing them, each measured alone.
    expect(r.stdout).toContain("Recording's own floor");
    expect(json.captureFloor.encodeMsPerMB).toBeGreaterThan(0);
    expect(json.captureFloor.writeMsPerMB).toBeGreaterThan(0);
    // TLS (figure 1c): the Node TLS relay, the proxy with TLS on both sides and with STLS intercepted, each with
    // MB/s and CPU per MB; without openssl to make the certificate the figure says why instead.
    expect(r.stdout).toContain('1c. TLS');
    if (spawnSync('openssl', ['version']).status === 0) {
      const tls = json.tls.rows.filter((p: { path: string }) => !p.path.startsWith('direct'));
      expect(tls.map((p: { path: string }) => p.path)).toEqual([
        'plain Node TLS relay',
        'pop3scope proxy, TLS both sides',
        'pop3scope proxy, STLS intercepted',
      ]);
      for (const p of tls) {
        expect(r.stdout).toContain(`| ${p.path} |`);
        expect(p.mbps).toBeGreaterThan(0);
        expect(p.cpuMsPerMB).toBeGreaterThanOrEqual(0);
      }
    } else {
      expect(json.tls.why).toMatch(/openssl/);
    }
    // Scale (figure 4): two sizes through one proxy, each with its errors, time per session and peak RSS, and
    // the limits of open files the three processes got.
    expect(json.scale.runs).toHaveLength(2);
    for (const run of json.scale.runs) {
      expect(run.errors).toBe(0);
      expect(run.msPerSession).toBeGreaterThan(0);
      expect(run.peak).toBeGreaterThan(0);
    }
    expect(json.scale.openFiles.proxy).toBeGreaterThan(0);
    // And the larger size once more with every session held open until all have logged in.
    expect(json.scale.held.errors).toBe(0);
    expect(json.scale.held.peakOpen).toBe(json.scale.held.sessions);
    expect(r.stdout).toMatch(/sessions held open together/);
    expect(r.stdout).toMatch(/ms per session/);
    expect(json.memory.proxyPeakRss).toBeGreaterThan(0);
    expect(json.memory.showPeakRss).toBeGreaterThan(0);
    expect(json.engine.median).toBeGreaterThan(0);
    // The packet-trace figures: show ran on a pcapng, and reading it produced a rate.
    expect(json.trace.showPeakRss).toBeGreaterThan(0);
    expect(json.trace.readMBps.median).toBeGreaterThan(0);
    expect(r.stdout).toContain('6. Packet traces:');
    // The report page (issue #16): written and opened in Chromium (installed by .ci/install-peers).
    expect(r.stdout).toContain('7. Report page');
    if (existsSync('/usr/bin/chromium')) expect(json.report.openMs).toBeGreaterThan(0);
    expect(json.targets.length).toBeGreaterThanOrEqual(7);
  });
});
