/**
 * Sessions as a pcapng file for Wireshark: the engine's events (masked data only, so a password is never
 * written) become a synthetic TCP conversation per session (capture/pcap/pcapngWriter.ts) between its real
 * addresses and ports; pop3scope's findings become packet comments — TLS, pop3scope's own answers, each
 * violation where it happened, and the summary on the session's FIN. The same class serves `export --pcapng`
 * (events from a capture) and `proxy --pcapng` (events live): it has a sink's three hooks.
 */
import { eventEnd } from '../analysis/eventTime.js';
import type { EngineEvent } from '../analysis/types.js';
import { PcapngWriter } from '../capture/pcap/pcapngWriter.js';
import type { Endpoint } from '../capture/pcap/types.js';
import type { SessionStart } from '../events.js';
import { VERSION } from '../version.js';
import { injectedLine, summaryLines, violationLine } from './text.js';

/** The section header's comments: who wrote the file, and that what it holds is redacted. */
export function sectionComments(source: string | null): string[] {
  return [
    `written by pop3scope ${VERSION}${source ? ` from ${source}` : ''}`,
    'redacted: passwords, APOP digests and SASL secrets are masked (* for each octet), as in pop3scope captures',
    'TCP handshakes, acknowledgements and FINs are synthetic; the data segments carry the recorded bytes with their recorded times and chunk boundaries',
  ];
}

const isIpv4 = (host: string) => {
  const parts = host.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
};

/**
 * "host:port" (IPv6 in brackets) as an IP endpoint. A name that is no IP literal ("localhost", a mail host)
 * is shown as a documentation address (RFC 5737), and said so in the SYN's comment.
 */
function endpoint(
  text: string,
  fallback: string,
  fallbackPort: number,
): { e: Endpoint; note: string | null } {
  const m = /^\[([^\]]+)\]:(\d+|\?)$/.exec(text) ?? /^([^:]*):(\d+|\?)$/.exec(text);
  const host = m?.[1] ?? '';
  const port = m?.[2] !== undefined && m[2] !== '?' ? Number(m[2]) : fallbackPort;
  const ip = isIpv4(host) || host.includes(':');
  return {
    e: { address: ip ? host : fallback, port: port <= 65535 ? port : fallbackPort },
    note: ip ? null : `${text} is written as ${fallback}:${port} (not an IP address)`,
  };
}

export class PcapngExport {
  private readonly writer: PcapngWriter;
  /** Each open session's latest packet time: a note is never written before packets already written. */
  private readonly open = new Map<string, number>();
  private opened = 0;

  constructor(source: string | null = null) {
    this.writer = new PcapngWriter({
      comment: sectionComments(source),
      userAppl: `pop3scope ${VERSION}`,
    });
  }

  header(): Uint8Array {
    return this.writer.header();
  }

  /** A session begins: its handshake. */
  start(s: SessionStart): Uint8Array[] {
    if (this.open.has(s.session)) return [];
    this.open.set(s.session, s.t);
    const n = ++this.opened;
    const client = endpoint(s.client, '192.0.2.1', 40000 + (n % 20000));
    const server = endpoint(s.upstream, '198.51.100.1', 110);
    // One IP header carries both ends: an IPv4 end facing an IPv6 one is written IPv4-mapped (::ffff:a.b.c.d).
    const v6 = (e: Endpoint) => e.address.includes(':');
    if (v6(client.e) && !v6(server.e)) server.e = { ...server.e, address: `::ffff:${server.e.address}` };
    if (v6(server.e) && !v6(client.e)) client.e = { ...client.e, address: `::ffff:${client.e.address}` };
    const notes = [client.note, server.note].filter((x): x is string => x !== null);
    return this.writer.open(s.session, {
      t: s.t,
      client: client.e,
      server: server.e,
      comment: [`pop3scope session ${s.session}`, ...notes].join('\n'),
    });
  }

  /** One engine event of an open session. */
  event(e: EngineEvent): Uint8Array[] {
    const last = this.open.get(e.session);
    if (last === undefined) return [];
    const t = Math.max(last, eventEnd(e));
    this.open.set(e.session, t);
    switch (e.type) {
      case 'data':
        return this.writer.data(e.session, e.dir, e.bytes, t);
      case 'tls':
        return this.writer.comment(
          e.session,
          t,
          e.info.visibility === 'decrypted'
            ? `TLS began (${e.info.how}); pop3scope decrypted it: what follows is written in the clear on the original ports`
            : `TLS began (${e.info.how}); not decrypted: what follows is the encrypted stream`,
        );
      case 'violation':
        return this.writer.comment(e.session, t, violationLine(e.violation));
      case 'transaction':
        if (e.tx.violations.length === 0) return [];
        return this.writer.comment(
          e.session,
          t,
          [
            `#${e.tx.seq} ${e.tx.command?.verb ?? 'greeting'}`,
            ...e.tx.violations.map((v) => violationLine(v)),
          ].join('\n'),
        );
      case 'proxy':
        return this.writer.comment(
          e.session,
          t,
          `pop3scope itself sent the ${e.dir === 's2c' ? 'client' : 'server'}: ${e.text.trimEnd()}`,
        );
      case 'alter':
        return this.writer.comment(e.session, t, `pop3scope did not pass on: ${e.what}`);
      case 'injected':
        return this.writer.comment(e.session, t, injectedLine(e));
      case 'summary': {
        const s = e.summary;
        this.open.delete(e.session);
        // pop3scope ending a session is shown as the server side's close: in the conversation it stood there.
        const by = s.closedBy === 'client' || s.closedBy === null ? 'client' : 'server';
        return this.writer.close(e.session, Math.max(t, s.endedAt), by, summaryLines(s).join('\n'));
      }
      default:
        return [];
    }
  }
}
