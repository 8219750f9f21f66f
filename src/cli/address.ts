/** Parsing of HOST:PORT arguments, with one-line errors. */
import { formatHostPort } from '../hostPort.js';
import { CliError } from './errors.js';

/** TCP ports are 16-bit. */
const MAX_PORT = 65535;

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** Parses "host:port", "[v6]:port" or ":port" (host defaults to `defaultHost`). */
export function parseHostPort(value: string, flag: string, defaultHost?: string): HostPort {
  // Any run of digits is taken as the port here, so that a port too big gets its own message below.
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):([0-9]+)$/.exec(value.trim());
  const host = m?.[1] ?? m?.[2] ?? '';
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || (host === '' && defaultHost === undefined)) {
    throw new CliError(`${flag} must be HOST:PORT (for example 127.0.0.1:110 or [::1]:110), not "${value}"`);
  }
  if (port > MAX_PORT) {
    throw new CliError(
      `${flag}: port ${m[3]} is out of range (ports go from 0 to ${MAX_PORT}), in "${value}"`,
    );
  }
  return { host: host === '' ? defaultHost! : host, port };
}

/** True for 127.0.0.0/8, ::1 and localhost: addresses no other machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host) || host === '::ffff:127.0.0.1';
}

/** A parsed or bound address as the CLI prints it (src/hostPort.ts: IPv6 in brackets). */
export function showHostPort(a: HostPort): string {
  return formatHostPort(a.host, a.port);
}
