/**
 * pop3scope's own -ERR through the real `proxy` command line: live JSON and the capture read back by `show`
 * agree record for record, both say the -ERR is pop3scope's, and neither blames the server.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { fakeUpstream, rawClient } from '../helpers/proxyHarness.js';
import { type ProxyProcess, startProxyProcess } from '../helpers/proxyProcess.js';

const started: ProxyProcess[] = [];
afterAll(async () => {
  for (const px of started) {
    await px.stop();
    px.remove();
  }
});

/** Live records without the fields only a live run or only a replay can know. */
const comparable = (records: readonly Record<string, unknown>[]) => records.map((r) => JSON.stringify(r));

describe('proxy: the -ERR pop3scope sends on its own, live and from the capture', () => {
  it('regression: unreachable upstream and a server that never greets (--greeting-timeout)', async () => {
    const { port: deadPort, close } = await fakeUpstream(() => {});
    await close();
    const silent = await fakeUpstream((s) => s.resume());
    for (const [upstreamPort, extraArgs, text] of [
      [deadPort, [], `-ERR [SYS/TEMP] pop3scope: cannot reach 127.0.0.1:${deadPort} (ECONNREFUSED)\r\n`],
      [
        silent.port,
        ['--greeting-timeout', '0.3'],
        '-ERR [SYS/TEMP] pop3scope: the server did not greet within 0.3 s\r\n',
      ],
    ] as const) {
      const px = await startProxyProcess(upstreamPort, { extraArgs });
      started.push(px);
      const mark = px.mark();
      const client = await rawClient(px.port);
      await client.ended;
      expect(client.received().toString()).toBe(text);
      const live = await px.next(mark);
      const session = live[0]!.session;
      expect(live.filter((r) => r.type === 'proxy')).toEqual([
        { type: 'proxy', session, version: 1, at: expect.any(Number), dir: 's2c', text },
      ]);
      expect(live.filter((r) => r.type === 'violation' || r.type === 'transaction')).toEqual([]);
      const summary = live.find((r) => r.type === 'summary')!;
      expect(summary.violations).toEqual({});
      expect(summary.bytes).toEqual({ c2s: 0, s2c: 0 });
      expect(comparable(await px.captureSession(session))).toEqual(comparable(live));
      const shown = runCli(['show', px.capturePath, '--session', session]);
      expect(shown.code).toBe(0);
      expect(shown.stdout).toContain(`pop3scope → client: ${text.trimEnd()}`);
      expect(shown.stdout).toContain('violations none');
      expect(shown.stdout).not.toContain('GREETING_REFUSED');
    }
    await silent.close();
  }, 60_000);

  it('--greeting-timeout is checked and documented', () => {
    const bad = runCli(['proxy', '--upstream', '127.0.0.1:9', '--greeting-timeout', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      'pop3scope: --greeting-timeout must be a number of seconds (0 for no limit), not "soon"\n',
    );
    const help = runCli(['proxy', '--help']);
    expect(help.stdout).toMatch(
      /--greeting-timeout <seconds>\s+how long a connected server may take to greet/,
    );
    expect(help.stdout).toMatch(/\(default: "30"\)/);
  });
});
