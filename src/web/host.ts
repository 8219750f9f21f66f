/**
 * The Host header check against DNS rebinding: a web page on evil.example whose name is made to resolve to
 * 127.0.0.1 would reach this server with `Host: evil.example:PORT`. Rebinding needs a DNS name, so the server
 * answers only requests naming it by an IP literal, localhost (or a *.localhost name, RFC 6761), or the very
 * name it was told to listen on — and the port it listens on. (The token is the real lock; this is the latch.)
 */

/** Parses a Host header value: "name:port", "[v6]:port", "name" (port absent). Null when malformed. */
export function parseHostHeader(value: string): { host: string; port: number | null } | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]/@\s]+))(?::([0-9]{1,5}))?$/.exec(value);
  if (!m) return null;
  return { host: (m[1] ?? m[2]!).toLowerCase(), port: m[3] === undefined ? null : Number(m[3]) };
}

const IPV4 = /^[0-9]{1,3}(?:\.[0-9]{1,3}){3}$/;

/**
 * Whether a request's Host header names this server: `listenHost` is the address it was asked to listen on
 * (as given: a name such as "myhost.lan" under --web-public is allowed), `port` the port it is bound to.
 */
export function hostAllowed(header: string | undefined, listenHost: string, port: number): boolean {
  if (header === undefined) return false;
  const parsed = parseHostHeader(header.trim());
  if (!parsed) return false;
  // A browser leaves the port out only for the scheme's default (80 for http).
  if ((parsed.port ?? 80) !== port) return false;
  const h = parsed.host;
  return (
    IPV4.test(h) ||
    h.includes(':') ||
    h === 'localhost' ||
    h.endsWith('.localhost') ||
    h === listenHost.toLowerCase().replace(/^\[|\]$/g, '')
  );
}
