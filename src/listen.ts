/**
 * How every pop3scope listener starts (the proxy, the embedded server, the replay server): listen, and fail
 * with the OS's own error (EADDRINUSE, EACCES…) instead of an 'error' event nobody awaits, so each command
 * can say in one line why it cannot listen.
 */
import { type AddressInfo, createServer, type Server } from 'node:net';

export interface BoundAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * Connections the kernel may hold completed before pop3scope accepts them. Node's default, 511, is overrun
 * when thousands of clients connect at once (the bench's 10,000 sessions): the rest stay unaccepted, their
 * handshakes dropped and retried, waiting for a greeting. Linux caps it at net.core.somaxconn (4096 since 5.4)
 * without an error, so this asks for the most any system allows.
 */
export const LISTEN_BACKLOG = 65_535;

/** Listens on host:port (port 0: one the OS picks) and resolves with the address actually bound. */
export function listen(server: Server, host: string, port: number): Promise<BoundAddress> {
  return new Promise<BoundAddress>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, LISTEN_BACKLOG, () => {
      server.off('error', reject);
      resolve(boundAddress(server));
    });
  });
}

/** The address a listening server is bound to. */
export function boundAddress(server: Server): BoundAddress {
  const a = server.address() as AddressInfo;
  return { host: a.address, port: a.port };
}

/**
 * Whether this machine lets a listener bind host:port now (a free port; a loopback address the system has:
 * Linux routes all of 127.0.0.0/8 to lo, macOS has only 127.0.0.1 unless an alias is added). It binds for a
 * moment and lets go.
 */
export async function canListen(host: string, port = 0): Promise<boolean> {
  const probe = createServer();
  try {
    await listen(probe, host, port);
  } catch {
    return false;
  }
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return true;
}
