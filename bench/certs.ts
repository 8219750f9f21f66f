/**
 * The TLS figures' certificate: one self-signed P-256 certificate for 127.0.0.1, made by openssl once per run in
 * the run's temporary directory. It serves the TLS bench server, the TLS relay's client side, and is the CA the
 * relay and the proxy verify the server with (as a real deployment verifies its server).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export type Certificate = { cert: string; key: string } | { why: string };

export function selfSignedCertificate(dir: string): Certificate {
  const cert = join(dir, 'server-cert.pem');
  const key = join(dir, 'server-key.pem');
  const r = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      // The address only: the proxy and the Node relay both dial 127.0.0.1 and must verify that.
      'subjectAltName=IP:127.0.0.1',
      '-days',
      '2',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { encoding: 'utf8', timeout: 30_000 },
  );
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT')
    return {
      why: 'openssl is not installed, so no certificate could be made (sudo apt-get install openssl)',
    };
  if (r.status !== 0)
    return {
      why: `openssl could not make a certificate (exit ${r.status}): ${(r.stderr ?? '').trim().slice(-200)}`,
    };
  return { cert, key };
}
