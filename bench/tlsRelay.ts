/**
 * The TLS baseline: a plain Node TLS-terminating relay — TLS with the client (the bench certificate), TLS to the
 * upstream verified against the same certificate, socket.pipe both ways, no inspection. The least any proxy in
 * Node that sees inside TLS must do. Prints its port on stdout.
 *   node --import tsx bench/tlsRelay.ts UPSTREAM_PORT CERT KEY
 */
import { readFileSync } from 'node:fs';
import type net from 'node:net';
import tls from 'node:tls';
import { pipePair } from './pipePair.js';

const [upstreamPort, certFile = '', keyFile = ''] = process.argv.slice(2);
const cert = readFileSync(certFile);
const server = tls.createServer({ cert, key: readFileSync(keyFile) }, (client) => {
  const upstream = tls.connect({ host: '127.0.0.1', port: Number(upstreamPort), ca: cert });
  pipePair(client, upstream);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as net.AddressInfo).port}\n`));
