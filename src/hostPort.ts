/**
 * The one way pop3scope writes an address: "host:port", an IPv6 address in brackets ("[::1]:110",
 * "[::ffff:127.0.0.1]:110"), as URLs do (RFC 3986 §3.2.2), so the port cannot be read as part of the address.
 * Here, below every layer that shows an address (proxy/, server/, replay/, cli/), so they all agree.
 */

/** An unknown host or port (a socket already closed has no remote address) shows as "?". */
export function formatHostPort(host: string | undefined, port: number | undefined): string {
  if (!host) return '?';
  const shownPort = port === undefined ? '?' : String(port);
  return host.includes(':') ? `[${host}]:${shownPort}` : `${host}:${shownPort}`;
}
