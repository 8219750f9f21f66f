/** How a proxied session's sockets are closed when it ends: at once (destroy), or gracefully with a deadline. */
import type net from 'node:net';
import { CLOSE_GRACE_MS } from './limits.js';

/**
 * `top`: the sockets the session talks through (a TLS socket, or the TCP socket itself); `beneath`: the TCP
 * sockets under TLS ones, which a TLS socket over a RecordWatch does not close itself. Gracefully, only the top
 * ones are ended: a TLS socket ends the TCP socket beneath it after its close_notify; ending that one too, in
 * the same tick, sent the FIN before the close_notify. Whatever is still open after CLOSE_GRACE_MS is
 * destroyed, so one side gone never leaves the other hanging.
 */
export function closeSockets(
  top: readonly (net.Socket | null)[],
  beneath: readonly (net.Socket | null)[],
  destroy: boolean,
): void {
  const all = [...top, ...beneath].filter((s): s is net.Socket => s !== null);
  if (destroy) {
    for (const s of all) s.destroy();
    return;
  }
  for (const s of top) if (s && !s.destroyed) s.end();
  setTimeout(() => {
    for (const s of all) s.destroy();
  }, CLOSE_GRACE_MS).unref();
}
