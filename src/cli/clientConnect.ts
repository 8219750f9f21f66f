/**
 * How `pop3scope client` reaches a server: the address (the demo's proxy by default), TCP or implicit TLS,
 * the STLS upgrade, whom TLS trusts (the system's CAs plus pop3scope's own, --ca FILE, or --insecure), and
 * each failure as one line for a person.
 */
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import tls from 'node:tls';
import { CONNECT_TIMEOUT_MS } from '../client/limits.js';
import { DEFAULT_PROXY_PORT } from '../proxy/limits.js';
import { caFiles } from '../tls/caFiles.js';
import { type HostPort, parseHostPort, showHostPort } from './address.js';
import { CliError } from './errors.js';

/** Where `pop3scope demo` puts its proxy unless that port is busy (then it takes the next free one). */
export const DEMO_ADDRESS: HostPort = { host: '127.0.0.1', port: DEFAULT_PROXY_PORT };

export interface Target extends HostPort {
  /** No address was given: the demo's, so a refusal says to start the demo. */
  readonly demo: boolean;
}

/** The address argument: HOST:PORT, :PORT (on 127.0.0.1), or nothing (the demo's proxy). */
export function targetOf(address: string | undefined): Target {
  if (address === undefined) return { ...DEMO_ADDRESS, demo: true };
  const parsed = parseHostPort(address, 'HOST:PORT', '127.0.0.1');
  if (parsed.port === 0) throw new CliError(`HOST:PORT: port 0 cannot be connected to, in "${address}"`);
  return { ...parsed, demo: false };
}

export interface TrustOptions {
  readonly ca?: string;
  readonly insecure?: boolean;
}

/** What TLS trusts: --insecure nothing checked; --ca FILE only that file; by default the system's CAs and pop3scope's. */
export async function tlsOptions(target: HostPort, o: TrustOptions): Promise<tls.ConnectionOptions> {
  // The name checked against the certificate is the host as given; SNI only for names (RFC 6066 §3).
  const base = { host: target.host, servername: net.isIP(target.host) ? undefined : target.host };
  if (o.insecure) return { ...base, rejectUnauthorized: false };
  if (o.ca) {
    const ca = await readFile(o.ca, 'utf8').catch((e: NodeJS.ErrnoException) => {
      throw new CliError(`cannot read --ca ${o.ca}: ${e.code ?? e.message}`);
    });
    if (!ca.includes('-----BEGIN CERTIFICATE-----'))
      throw new CliError(`--ca ${o.ca} holds no PEM certificate`);
    return { ...base, ca };
  }
  const own = await readFile(caFiles().certPath, 'utf8').catch(() => null);
  return own ? { ...base, ca: [...tls.rootCertificates, own] } : base;
}

const CERTIFICATE_CODES = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ALTNAME|ISSUER/;

/** A failure to connect or to start TLS, as one line; the demo's address gets the hint to start the demo. */
export function connectFailure(error: NodeJS.ErrnoException, target: Target, during = 'connect'): CliError {
  const where = showHostPort(target);
  const code = error.code ?? '';
  if (code === 'ECONNREFUSED') {
    return new CliError(
      target.demo
        ? `nothing listens on ${where}; start \`pop3scope demo\` first? (if the demo took another port, it says which: pop3scope client 127.0.0.1:PORT)`
        : `nothing listens on ${where} (connection refused)`,
    );
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new CliError(`cannot resolve ${target.host}`);
  if (CERTIFICATE_CODES.test(code)) {
    return new CliError(
      `TLS with ${where} failed: ${error.message} (pop3scope trusts the system's CAs and its own, ${caFiles().certPath}; give the server's with --ca FILE, or skip the check with --insecure)`,
    );
  }
  return new CliError(`cannot ${during} ${where}: ${error.message.replace(/\s+/g, ' ')}`);
}

/** Connects (with implicit TLS when `secure` is given); resolves once the stream is ready for POP3. */
export function connect(
  target: Target,
  secure: tls.ConnectionOptions | null,
): Promise<net.Socket | tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = secure
      ? tls.connect({ ...secure, port: target.port })
      : net.connect({ host: target.host, port: target.port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new CliError(`no connection to ${showHostPort(target)} within ${CONNECT_TIMEOUT_MS / 1000} s`));
    }, CONNECT_TIMEOUT_MS);
    const failed = (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(connectFailure(error, target));
    };
    socket.once('error', failed);
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      socket.off('error', failed);
      resolve(socket);
    });
  });
}

/** Starts TLS on a connected socket after STLS was accepted (RFC 2595 §4). */
export function upgrade(
  socket: net.Socket,
  target: Target,
  secure: tls.ConnectionOptions,
): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const wrapped = tls.connect({ ...secure, socket });
    const timer = setTimeout(() => {
      wrapped.destroy();
      reject(
        new CliError(`no TLS handshake with ${showHostPort(target)} within ${CONNECT_TIMEOUT_MS / 1000} s`),
      );
    }, CONNECT_TIMEOUT_MS);
    const failed = (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(connectFailure(error, target, 'start TLS with'));
    };
    wrapped.once('error', failed);
    wrapped.once('secureConnect', () => {
      clearTimeout(timer);
      wrapped.off('error', failed);
      resolve(wrapped);
    });
  });
}

/** One line about the TLS now in use: version and cipher, and whether the certificate was checked. */
export function tlsNote(socket: tls.TLSSocket, insecure: boolean): string {
  const cipher = socket.getCipher()?.name ?? 'unknown cipher';
  const check = insecure
    ? "the server's certificate NOT checked (--insecure)"
    : "the server's certificate verified";
  return `TLS started (${socket.getProtocol() ?? 'TLS'}, ${cipher}); ${check}`;
}
