/**
 * What the server sends back for one command, as bytes. A reply is built whole for everything except message
 * bodies, which stay a stream so that RETR of a multi-megabyte message never becomes one giant buffer.
 */

const CRLF = '\r\n';

/** Response codes the server uses (RFC 2449 §8, RFC 3206). */
export type ResponseCode = 'AUTH' | 'IN-USE' | 'SYS/TEMP' | 'SYS/PERM';

export interface Reply {
  /** The status line, and for listings (LIST, UIDL, CAPA) the whole body with its terminator. */
  readonly head: Buffer;
  /** RETR/TOP: the stuffed, terminated message that follows `head`, produced as the socket accepts it. */
  readonly body?: AsyncIterable<Buffer>;
  /** True when the connection ends after this reply (QUIT). */
  readonly close?: boolean;
  /**
   * STLS (RFC 2595 §4): once this reply is sent, the connection starts TLS. Every byte the client sent after
   * the command line is discarded, never read as a command (CVE-2011-0411).
   */
  readonly startTls?: boolean;
}

function status(indicator: '+OK' | '-ERR', text: string, code?: ResponseCode): Buffer {
  const parts: string[] = [indicator];
  if (code) parts.push(`[${code}]`);
  if (text) parts.push(text);
  return Buffer.from(parts.join(' ') + CRLF, 'utf8');
}

/** A single-line +OK reply. */
export function ok(text = ''): Reply {
  return { head: status('+OK', text) };
}

/** A -ERR reply (always single-line, RFC 1939 §3), with an optional response code. */
export function err(text: string, code?: ResponseCode): Reply {
  return { head: status('-ERR', text, code) };
}

/** A +OK reply followed by a multi-line body; lines starting with '.' are stuffed (RFC 1939 §3). */
export function listing(text: string, lines: readonly string[]): Reply {
  const body = lines.map((line) => (line.startsWith('.') ? `.${line}` : line) + CRLF).join('');
  return { head: Buffer.concat([status('+OK', text), Buffer.from(`${body}.${CRLF}`, 'utf8')]) };
}

/** A SASL challenge line, `+ ` and base64 (RFC 5034 §4); an empty challenge is `+ ` alone. */
export function challenge(data: Buffer): Reply {
  return { head: Buffer.from(`+ ${data.toString('base64')}${CRLF}`, 'latin1') };
}

/** True when a reply's status line is +OK. */
export function isOk(reply: Reply): boolean {
  return reply.head[0] === 0x2b && reply.head[1] === 0x4f;
}
