/**
 * TLS for the proxy: the client-facing side presents a leaf from pop3scope's CA (names from the client's SNI,
 * the upstream host and its address), the upstream side verifies the real server (system CAs, or --upstream-ca,
 * or nothing only with --insecure-upstream, which every session then says). Facts about both handshakes are
 * collected for the capture's `tls` record.
 */
import { isIP, type Socket } from 'node:net';
import tls from 'node:tls';
import type { ClientTlsFacts, UpstreamTlsFacts } from '../protocol/types.js';
import type { LeafIssuer } from '../tls/caWorker.js';
import type { StlsMode } from './stlsGate.js';
import { RecordWatch } from './tlsEnd.js';

export type { StlsMode } from './stlsGate.js';

export interface ProxyTlsOptions {
  /** Offer implicit TLS to clients (POP3S, port 995 style). */
  readonly listenTls: boolean;
  /** Connect to the upstream with implicit TLS. */
  readonly upstreamTls: boolean;
  readonly stls: StlsMode;
  /** pop3scope's CA, for listenTls and STLS intercept; loaded (or created) on first use. */
  readonly ca: (() => Promise<LeafIssuer>) | null;
  /** PEM of the CA(s) that sign the upstream's certificate, instead of the system's. */
  readonly upstreamCa?: string;
  readonly insecureUpstream: boolean;
  /** Receives NSS key log lines (SSLKEYLOGFILE) so Wireshark can decrypt the same traffic. */
  readonly keylog?: (line: Buffer) => void;
}

export const NO_TLS: ProxyTlsOptions = {
  listenTls: false,
  upstreamTls: false,
  stls: 'passthrough',
  ca: null,
  insecureUpstream: false,
};

/** Wraps an accepted socket as a TLS server with a leaf for the SNI name (or the default names). */
export async function acceptTls(
  raw: Socket,
  ca: LeafIssuer,
  names: readonly string[],
  keylog?: (l: Buffer) => void,
): Promise<tls.TLSSocket> {
  const fallback = await ca.leaf(names);
  const socket = new tls.TLSSocket(raw, {
    isServer: true,
    secureContext: tls.createSecureContext({ cert: fallback.certPem, key: fallback.keyPem }),
    SNICallback: (servername, done) => {
      ca.leaf([servername, ...names]).then(
        (leaf) => done(null, tls.createSecureContext({ cert: leaf.certPem, key: leaf.keyPem })),
        (error: Error) => done(error),
      );
    },
  });
  if (keylog) socket.on('keylog', keylog);
  return socket;
}

/**
 * Starts TLS towards the upstream over its connected socket (implicit TLS once TCP is up, or STLS). The TLS
 * runs over a RecordWatch, which tells afterwards whether the server ended TLS with a close_notify.
 */
export function connectTls(
  o: ProxyTlsOptions,
  host: string,
  socket: Socket,
): { secure: tls.TLSSocket; watch: RecordWatch } {
  const watch = new RecordWatch(socket);
  const secure = tls.connect({
    socket: watch,
    // The name the certificate is checked against. Without it Node checks a wrapped stream against
    // "localhost", so an address upstream failed its own IP SAN and passed a certificate for localhost.
    host,
    // SNI carries host names only (RFC 6066 §3), never an address.
    servername: isIP(host) ? undefined : host,
    ca: o.upstreamCa,
    rejectUnauthorized: !o.insecureUpstream,
  } as tls.ConnectionOptions);
  watch.secure = secure as unknown as RecordWatch['secure'];
  if (o.keylog) secure.on('keylog', o.keylog);
  return { secure, watch };
}

const distinguishedName = (name: Record<string, unknown> | undefined): string | null =>
  name
    ? Object.entries(name)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')
    : null;

/** What a capture's `tls` record tells about one side's handshake. */
export function tlsFacts(socket: tls.TLSSocket, side: 'client'): ClientTlsFacts;
export function tlsFacts(socket: tls.TLSSocket, side: 'upstream'): UpstreamTlsFacts;
export function tlsFacts(
  socket: tls.TLSSocket,
  side: 'client' | 'upstream',
): ClientTlsFacts | UpstreamTlsFacts {
  const version = socket.getProtocol();
  const cipher = socket.getCipher()?.name ?? null;
  if (side === 'client') {
    const sni = (socket as tls.TLSSocket & { servername?: string | false }).servername || null;
    return { version, cipher, sni };
  }
  const cert = socket.getPeerCertificate();
  const certificate =
    cert && Object.keys(cert).length > 0
      ? {
          subject: distinguishedName(cert.subject as unknown as Record<string, unknown> | undefined),
          issuer: distinguishedName(cert.issuer as unknown as Record<string, unknown> | undefined),
          validFrom: cert.valid_from,
          validTo: cert.valid_to,
        }
      : {};
  return {
    version,
    cipher,
    ...certificate,
    verified: socket.authorized,
    verifyError: socket.authorizationError ? String(socket.authorizationError) : null,
  };
}

/** The client closed its connection before its TLS handshake completed: its own doing, not a TLS failure. */
export class ClientLeft extends Error {
  constructor(readonly when: 'before' | 'during') {
    super(`the client closed the connection ${when} the TLS handshake`);
  }
}

/**
 * TLS with the client over `raw` (implicit TLS, or after STLS's +OK): resolves with the secured socket and the
 * facts of its handshake once it is done; rejects with its error, a ClientLeft, or a timeout after `timeoutMs`.
 */
export async function handshakeClient(
  raw: Socket,
  o: ProxyTlsOptions,
  names: readonly string[],
  timeoutMs: number,
): Promise<{ socket: tls.TLSSocket; facts: ClientTlsFacts }> {
  const socket = await acceptTls(raw, await o.ca!(), names, o.keylog);
  return new Promise((resolve, reject) => {
    const timer = handshakeTimer(socket, timeoutMs);
    // Until the handshake is done nobody reads the socket, so its end would never be seen: read(0) on
    // 'readable' lets an end be emitted (and the socket close) without taking any data.
    const seeEnd = () => socket.read(0);
    socket.on('readable', seeEnd);
    socket.once('secure', () => {
      clearTimeout(timer);
      socket.off('readable', seeEnd);
      socket.off('end', left);
      socket.off('close', left);
      resolve({ socket, facts: tlsFacts(socket, 'client') });
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    // A client that leaves before its handshake is done (a port probe, a client giving up) ends the session
    // now: without this, nothing would settle until the handshake timer.
    const left = () => {
      clearTimeout(timer);
      reject(new ClientLeft(raw.bytesRead > 0 ? 'during' : 'before'));
    };
    socket.once('end', left);
    socket.once('close', left);
    raw.resume();
  });
}

/** Resolves once `secure` (from connectTls) finished its handshake with the server; rejects on its error. */
export function handshakeServer(secure: tls.TLSSocket, timeoutMs: number): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const timer = handshakeTimer(secure, timeoutMs);
    secure.once('secureConnect', () => {
      clearTimeout(timer);
      resolve(secure);
    });
    secure.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** A peer that never completes its TLS handshake must not hold the session forever. */
function handshakeTimer(socket: Socket, ms: number): NodeJS.Timeout {
  return setTimeout(
    () =>
      socket.destroy(
        Object.assign(new Error(`no TLS handshake within ${ms / 1000} s`), { code: 'ETIMEDOUT' }),
      ),
    ms,
  );
}
