/** What both baseline relays (bench/relay.ts, bench/tlsRelay.ts) do with a connection: pipe both ways, nothing more. */
import type { Duplex } from 'node:stream';

/** Pipes client ↔ upstream with Nagle off on both; an error on either side ends both. */
export function pipePair(
  client: Duplex & { setNoDelay(on: boolean): unknown },
  upstream: Duplex & { setNoDelay(on: boolean): unknown },
): void {
  client.setNoDelay(true);
  upstream.setNoDelay(true);
  client.pipe(upstream).pipe(client);
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', close);
  upstream.on('error', close);
}
