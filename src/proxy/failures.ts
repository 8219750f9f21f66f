/**
 * How the proxy words a failure for a person: one short line (it goes into pop3scope's own -ERR and into the
 * close reason), with the hint that fits.
 */

export const TRUST_HINT = 'make the client trust pop3scope\'s CA: see "pop3scope ca show"';

/** Why a client's TLS handshake failed, with the hint that fits: trust for a rejected certificate, none for a
 * client that did not speak TLS at all (a port probe, a cleartext client at the POP3S port). */
export function clientTlsFailure(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ERR_SSL_HTTP_REQUEST')
    return `${errorText(error)}; the client did not speak TLS`;
  return `${errorText(error)}; ${TRUST_HINT}`;
}

/** One short line for a socket or TLS error: never OpenSSL's multi-line internals, never a line break. */
export function errorText(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `${code}: host name not found`;
  const message = error.message ?? '';
  // OpenSSL: "...:SSL routines:<function>:<reason>:<file>:<line>:" — the reason is what a person needs.
  const reason =
    /SSL routines:[^:]*:([^:]+)/.exec(message)?.[1] ??
    /(tlsv1 alert [a-z ]+|certificate [a-z ]+|self[- ]signed certificate[a-z ]*|unable to [a-z ]+)/i.exec(
      message,
    )?.[1];
  const text = code
    ? reason
      ? `${code}: ${reason}`
      : message && !message.includes(code)
        ? `${code}: ${message}`
        : code
    : (reason ?? message);
  return text
    .replace(/[\r\n]+/g, ' ')
    .trim()
    .slice(0, 200);
}
