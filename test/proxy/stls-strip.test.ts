/** `--stls strip`: STLS hidden from CAPA and refused by the proxy, loudly, while the session goes on in cleartext. */
import { afterEach, describe, expect, it } from 'vitest';
import { ProxyServer } from '../../src/proxy/server.js';
import { runCli } from '../helpers/cli.js';
import { collector, fakeUpstream, rawClient, waitFor } from '../helpers/proxyHarness.js';
import { startProxyProcess } from '../helpers/proxyProcess.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

describe('proxy --stls strip', () => {
  it('hides STLS from CAPA, refuses STLS itself (also when split across chunks), and reports both', async () => {
    let upstreamGot = '';
    const upstream = await fakeUpstream((s) => {
      s.write('+OK ready\r\n');
      s.on('data', (c) => {
        upstreamGot += c.toString();
        for (const line of c.toString().split('\r\n').filter(Boolean)) {
          if (line === 'CAPA') s.write('+OK\r\nTOP\r\nST');
          if (line === 'CAPA') setTimeout(() => s.write('LS\r\nUSER\r\n.\r\n'), 20);
          else if (line === 'QUIT') s.end('+OK bye\r\n');
          else s.write('+OK\r\n');
        }
      });
    });
    const sink = collector();
    const proxy = await ProxyServer.start({
      listen: { host: '127.0.0.1', port: 0 },
      upstream: { host: '127.0.0.1', port: upstream.port },
      sinks: [sink],
      tls: { listenTls: false, upstreamTls: false, stls: 'strip', ca: null, insecureUpstream: false },
    });
    cleanup.push(upstream.close, () => proxy.stop(0));
    const client = await rawClient(proxy.address().port);
    client.socket.write('CAPA\r\n');
    await waitFor(() => client.received().toString().endsWith('.\r\n'));
    expect(client.received().toString()).toBe('+OK ready\r\n+OK\r\nTOP\r\nUSER\r\n.\r\n');
    client.socket.write('ST');
    await new Promise((r) => setTimeout(r, 30));
    client.socket.write('LS\r\nUSER bob\r\n');
    await waitFor(() => client.received().toString().includes('STLS refused'));
    await waitFor(() => upstreamGot.includes('USER bob'));
    expect(upstreamGot).toBe('CAPA\r\nUSER bob\r\n');
    client.socket.write('QUIT\r\n');
    await client.ended;
    await sink.closed();
    const stripped = sink.events.filter(
      (e) => e.type === 'violation' && e.violation.code === 'POP3_STLS_STRIPPED',
    );
    expect(stripped).toHaveLength(2);
    // The engine follows the server's conversation: the server never saw STLS, so there is no STLS transaction
    // (and no -ERR of the server's); what pop3scope kept and said instead are events of their own.
    const verbs = sink.transactions().map((t) => [t.command?.verb ?? 'greeting', t.response.status]);
    expect(verbs).toEqual([
      ['greeting', '+OK'],
      ['CAPA', '+OK'],
      ['USER', '+OK'],
      ['QUIT', '+OK'],
    ]);
    const actions = sink.events.filter((e) => e.type === 'alter' || e.type === 'proxy');
    expect(actions).toMatchObject([
      { type: 'alter', dir: 's2c', removed: 'STLS\r\n', code: 'POP3_STLS_STRIPPED' },
      { type: 'alter', dir: 'c2s', removed: 'STLS\r\n', code: 'POP3_STLS_STRIPPED' },
      {
        type: 'proxy',
        dir: 's2c',
        text: expect.stringMatching(/^-ERR \[SYS\/PERM\] pop3scope --stls strip/),
      },
    ]);
    expect(sink.summaries()[0]!.bytes.s2c).toBe(
      '+OK ready\r\n+OK\r\nTOP\r\nSTLS\r\nUSER\r\n.\r\n+OK\r\n+OK bye\r\n'.length,
    );
  });
});

describe('proxy --stls strip, recorded', () => {
  it("regression: the capture keeps what pop3scope changed: show reports POP3_STLS_STRIPPED as live did, and the -ERR is pop3scope's", async () => {
    const upstream = await fakeUpstream((s) => {
      s.write('+OK ready\r\n');
      s.on('data', (c) => {
        for (const line of c.toString().split('\r\n').filter(Boolean)) {
          if (line === 'CAPA') s.write('+OK\r\nTOP\r\nSTLS\r\nUSER\r\n.\r\n');
          else if (line === 'QUIT') s.end('+OK bye\r\n');
          else s.write('+OK\r\n');
        }
      });
    });
    cleanup.push(upstream.close);
    const px = await startProxyProcess(upstream.port, { extraArgs: ['--stls', 'strip'] });
    cleanup.push(async () => {
      await px.stop();
      px.remove();
    });
    const mark = px.mark();
    const client = await rawClient(px.port);
    client.socket.write('CAPA\r\n');
    await waitFor(() => client.received().toString().endsWith('.\r\n'));
    client.socket.write('stls\r\n');
    await waitFor(() => client.received().toString().includes('STLS refused'));
    client.socket.write('QUIT\r\n');
    await client.ended;
    expect(client.received().toString()).toBe(
      '+OK ready\r\n+OK\r\nTOP\r\nUSER\r\n.\r\n-ERR [SYS/PERM] pop3scope --stls strip: STLS refused so that this session stays in cleartext\r\n+OK bye\r\n',
    );
    const live = await px.next(mark);
    const session = live[0]!.session;
    const replayed = await px.captureSession(session);
    expect(replayed.map((r) => JSON.stringify(r))).toEqual(live.map((r) => JSON.stringify(r)));
    const summary = replayed.find((r) => r.type === 'summary')!;
    expect(summary.violations).toEqual({ POP3_STLS_STRIPPED: 2 });
    expect(
      replayed.filter((r) => r.type === 'transaction').map((t) => t.command?.verb ?? 'greeting'),
    ).toEqual(['greeting', 'CAPA', 'QUIT']);
    const shown = runCli(['show', px.capturePath, '--session', session]);
    expect(shown.stdout).toContain(
      'pop3scope kept from the client: STLS (pop3scope hid STLS from the CAPA listing)',
    );
    expect(shown.stdout).toContain(
      'pop3scope kept from the server: stls (the client asked for STLS and pop3scope refused it)',
    );
    expect(shown.stdout).toContain(
      'pop3scope → client: -ERR [SYS/PERM] pop3scope --stls strip: STLS refused so that this session stays in cleartext',
    );
    expect(shown.stdout).toContain('violations POP3_STLS_STRIPPED×2');
    const checked = runCli(['check', px.capturePath]);
    expect(checked.stdout).toContain('POP3_STLS_STRIPPED');
  }, 60_000);
});
