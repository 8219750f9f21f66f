/**
 * Figure 1c, TLS (issue #18): pop3scope terminating TLS on both sides (--listen-tls, and --upstream-tls verifying
 * the server with --upstream-ca) beside a plain Node TLS-terminating relay (bench/tlsRelay.ts), both in front of
 * bench/fastServer.ts over implicit TLS; and STLS intercepted (the default --stls) in front of the fast server
 * answering STLS, the client upgrading after STLS. Measured in turns as figure 1b. Each proxy makes its CA in a
 * directory of the run (POP3SCOPE_HOME), never in the user's.
 */
import { join } from 'node:path';
import type { Certificate } from './certs.js';
import { proxy, stop, tsx } from './children.js';
import { retrieveAll } from './client.js';
import { type BoundResult, inTurns, type RunningPath } from './roundRobin.js';

export const TLS_PATH = {
  direct: 'direct over TLS (no relay)',
  relay: 'plain Node TLS relay',
  proxy: 'pop3scope proxy, TLS both sides',
  stls: 'pop3scope proxy, STLS intercepted',
} as const;

/** `size` is [messages, MiB each, turns], as figure 1b's. */
export async function tlsBound(
  size: readonly [number, number, number],
  work: string,
  { cert, key }: Extract<Certificate, { cert: string }>,
): Promise<BoundResult[]> {
  const [count, mib, turns] = size;
  const tlsServer = await tsx('fastServer.ts', String(count), String(mib), '--tls', cert, key);
  const stlsServer = await tsx('fastServer.ts', String(count), String(mib), '--stls', cert, key);
  const home = (dir: string) => ({ env: { POP3SCOPE_HOME: join(work, dir) } });
  const paths: RunningPath[] = [
    { name: TLS_PATH.direct, port: tlsServer.port },
    { name: TLS_PATH.relay, ...(await tsx('tlsRelay.ts', String(tlsServer.port), cert, key)) },
    {
      name: TLS_PATH.proxy,
      ...(await proxy(
        tlsServer.port,
        ['--listen-tls', '--upstream-tls', '--upstream-ca', cert],
        home('ca-implicit-tls'),
      )),
    },
    { name: TLS_PATH.stls, ...(await proxy(stlsServer.port, ['--upstream-ca', cert], home('ca-stls'))) },
  ];
  const measured = await inTurns(paths, turns, (p) =>
    retrieveAll(p.port, 'bench', 'bench', p.name === TLS_PATH.stls ? 'stls' : 'tls'),
  );
  for (const p of paths) if (p.child) await stop(p.child);
  await stop(tlsServer.child);
  await stop(stlsServer.child);
  return measured;
}
