/**
 * Packet traces of real sessions in the other shapes tcpdump writes on Linux: `-i any` (Linux cooked capture
 * v2, LINKTYPE_LINUX_SLL2 = 276) instead of lo's Ethernet headers, and IPv6 loopback (::1) — the embedded
 * server listens on [::1] and the proxy forwards to it there, so one trace holds an IPv4 leg (client↔proxy)
 * and an IPv6 leg (proxy↔server). Each trace must tell the session as the proxy's own capture does.
 *
 * Only the proxy↔server leg is IPv6: startProxyProcess (helpers/proxyProcess.ts) reads the proxy's start line
 * with an IPv4-only pattern, so a proxy listening on [::1] (which works: `--listen [::1]:0`) is not started
 * through it here.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canListen } from '../../src/listen.js';
import { type RunningServer, startServer } from '../../src/server/server.js';
import { poplib } from '../helpers/clients.js';
import { describeWithPeers } from '../helpers/peers.js';
import { type ProxyProcess, startProxyProcess, withVerb } from '../helpers/proxyProcess.js';
import {
  comparable,
  describeWithTcpdump,
  LINKTYPE_LINUX_SLL2,
  recordThroughProxy,
} from '../helpers/tcpdump.js';

/** The link type in a pcap file's global header (tcpdump -w writes pcap, in this machine's byte order). */
function linkType(file: string): number {
  const b = readFileSync(file);
  const magic = b.readUInt32LE(0);
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) return b.readUInt32LE(20);
  if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) return b.readUInt32BE(20);
  throw new Error(`${file} is not a pcap file (magic ${magic.toString(16)})`);
}

const SESSION = `
  p = poplib.POP3(HOST, PORT, timeout=10)
  p.user(USER); p.pass_(PASSWORD)
  out(p.stat())
  out(len(p.retr(2)[1]))
  out(p.uidl()[1])
  out(p.quit())`;
const ENV = { POP_USER: 'bob', POP_PASSWORD: 'hungry' };

const hasIpv6 = await canListen('::1');
if (!hasIpv6)
  process.stderr.write('pcap-peers-link: no IPv6 loopback (::1) here; the IPv6 traces are skipped\n');

const servers: RunningServer[] = [];
const proxies: ProxyProcess[] = [];
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.stop()));
  await Promise.all(servers.map((s) => s.close()));
}, 30_000);

async function through(host: '127.0.0.1' | '::1'): Promise<{ px: ProxyProcess; upstream: string }> {
  const srv = await startServer({ host, port: 0, demo: true });
  servers.push(srv);
  const port = srv.address().port;
  const upstream = host === '::1' ? `[::1]:${port}` : `127.0.0.1:${port}`;
  // A later --upstream wins (commander keeps the last value of a single-value option).
  const px = await startProxyProcess(port, { extraArgs: ['--upstream', upstream] });
  proxies.push(px);
  return { px, upstream };
}

describeWithTcpdump('packet traces of real sessions: -i any (SLL2) and IPv6 loopback', () => {
  describeWithPeers(['python3'], 'poplib through the proxy to the embedded server', () => {
    let v4: { px: ProxyProcess; upstream: string };
    beforeAll(async () => {
      v4 = await through('127.0.0.1');
    }, 60_000);

    it('-i any writes LINKTYPE_LINUX_SLL2; both legs tell the session as the proxy’s capture does', async () => {
      const x = await recordThroughProxy({
        ...v4,
        iface: 'any',
        run: () => poplib(SESSION, { ...ENV, POP_PORT: String(v4.px.port) }),
      });
      expect(x.result.stderr).toBe('');
      expect(linkType(x.traceFile)).toBe(LINKTYPE_LINUX_SLL2);
      expect(comparable(x.serverLeg.records)).toEqual(comparable(x.fromProxy));
      expect(withVerb(x.clientLeg.records, 'RETR')[0]!.response).toMatchObject({
        bodyOctets: 912,
        complete: true,
      });
      expect(x.clientLeg.summary).toMatchObject({ user: 'bob', auth: 'USER/PASS', retrieved: [2] });
    });

    it('-i lo writes Ethernet (LINKTYPE 1): the same session reads the same', async () => {
      const x = await recordThroughProxy({
        ...v4,
        run: () => poplib(SESSION, { ...ENV, POP_PORT: String(v4.px.port) }),
      });
      expect(linkType(x.traceFile)).toBe(1);
      expect(comparable(x.serverLeg.records)).toEqual(comparable(x.fromProxy));
    });

    (hasIpv6 ? describe : describe.skip)('the proxy forwarding to [::1]', () => {
      let v6: { px: ProxyProcess; upstream: string };
      beforeAll(async () => {
        v6 = await through('::1');
      }, 60_000);

      for (const iface of ['lo', 'any'] as const) {
        it(`-i ${iface}: the IPv6 leg reads as the proxy’s capture of it, [::1] addresses shown`, async () => {
          const x = await recordThroughProxy({
            ...v6,
            iface,
            run: () => poplib(SESSION, { ...ENV, POP_PORT: String(v6.px.port) }),
          });
          expect(x.result.stderr).toBe('');
          expect(linkType(x.traceFile)).toBe(iface === 'any' ? LINKTYPE_LINUX_SLL2 : 1);
          expect(x.serverLeg.summary.upstream).toBe(v6.upstream);
          expect(x.serverLeg.summary.client).toMatch(/^\[::1\]:\d+$/);
          expect(x.clientLeg.summary.client).toMatch(/^127\.0\.0\.1:\d+$/);
          expect(comparable(x.serverLeg.records)).toEqual(comparable(x.fromProxy));
          expect(x.serverLeg.summary).toMatchObject({ user: 'bob', retrieved: [2] });
        });
      }
    });
  });
});
