/** Parsing of HOST:PORT arguments, with one-line errors. */
import { CliError } from './errors.js';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** Parses "host:port", "[v6]:port" or ":port" (host defaults to `defaultHost`). */
export function parseHostPort(value: string, flag: string, defaultHost?: string): HostPort {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):([0-9]{1,5})$/.exec(value.trim());
  const host = m?.[1] ?? m?.[2] ?? '';
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port > 65535 || (host === '' && defaultHost === undefined)) {
    throw new CliError(`${flag} must be HOST:PORT (for example 127.0.0.1:110 or [::1]:110), not "${value}"`);
  }
  return { host: host === '' ? defaultHost! : host, port };
}

/** True for 127.0.0.0/8, ::1 and localhost: addresses no other machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host) || host === '::ffff:127.0.0.1';
}

export function showHostPort(a: HostPort): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
