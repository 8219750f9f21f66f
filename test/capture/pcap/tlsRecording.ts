/**
 * Real TLS sessions for the TLS decoder's tests: a node:tls server and client on loopback with a TCP relay
 * between them that records each direction's raw bytes (with their chunk boundaries, in arrival order), the
 * client's 'keylog' lines, what each side wrote, and what the client's socket said of the session.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import * as x509 from '@peculiar/x509';
import type { KeyLog } from '../../../src/capture/pcap/keylog.js';
import { TlsConnection, type TlsOutput } from '../../../src/capture/pcap/tlsStream.js';
import type { StreamDir } from '../../../src/capture/pcap/types.js';
import { CertificateAuthority } from '../../../src/tls/ca.js';
import { prng } from '../../helpers/prng.js';

export interface Chunk {
  readonly dir: StreamDir;
  readonly bytes: Buffer;
}

export interface Recording {
  readonly chunks: readonly Chunk[];
  readonly keylog: string;
  readonly written: Readonly<Record<StreamDir, Buffer>>;
  readonly protocol: string | null;
  readonly cipher: string;
  readonly servername: string;
  /** The client's session (for resumption) and whether this session resumed one. */
  readonly session: Buffer | null;
  readonly reused: boolean;
}

export interface Cert {
  readonly key: string;
  readonly cert: string;
}

/** An ECDSA P-256 leaf for localhost, from the project's CA code. */
export async function ecdsaCert(): Promise<Cert> {
  const leaf = await (await CertificateAuthority.create()).leaf(['localhost']);
  return { key: leaf.keyPem, cert: leaf.certPem };
}

/** A self-signed RSA-2048 certificate for localhost. */
export async function rsaCert(): Promise<Cert> {
  const alg = {
    name: 'RSASSA-PKCS1-v1_5',
    hash: 'SHA-256',
    publicExponent: new Uint8Array([1, 0, 1]),
    modulusLength: 2048,
  };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const crt = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=localhost',
    notBefore: new Date(Date.now() - 86400000),
    notAfter: new Date(Date.now() + 86400000),
    keys,
    signingAlgorithm: alg,
  });
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const key = `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END PRIVATE KEY-----\n`;
  return { key, cert: crt.toString('pem') };
}

/** POP3-like text each side writes, one write per element (the big ones span several TLS records). */
export const CLIENT_SCRIPT: readonly string[] = [
  'CAPA\r\n',
  'USER alice\r\n',
  'PASS secret\r\n',
  `X-UPLOAD ${'c'.repeat(20000)}\r\n`,
  'RETR 1\r\n',
  'QUIT\r\n',
];
export const SERVER_SCRIPT: readonly string[] = [
  '+OK POP3 ready\r\n',
  '+OK\r\nUSER\r\nSASL PLAIN\r\n.\r\n',
  '+OK\r\n',
  `+OK 40000 octets\r\n${'Subject: hi\r\n\r\n'}${'s'.repeat(40000)}\r\n.\r\n`,
  '+OK bye\r\n',
];

const tick = () => new Promise((r) => setTimeout(r, 2));

async function writeAll(socket: tls.TLSSocket, script: readonly string[]): Promise<void> {
  for (const part of script) {
    socket.write(part);
    await tick();
  }
}

function readN(socket: tls.TLSSocket, n: number): Promise<void> {
  let got = 0;
  return new Promise((resolve, reject) => {
    socket.on('data', (d: Buffer) => {
      got += d.length;
      if (got >= n) resolve();
    });
    socket.once('error', reject);
  });
}

const total = (script: readonly string[]) => script.reduce((n, s) => n + Buffer.byteLength(s), 0);

/** Runs one session through a recording relay and returns what was on the wire. */
export async function recordSession(o: {
  cert: Cert;
  server?: tls.TlsOptions;
  client?: Omit<tls.ConnectionOptions, 'host' | 'port'>;
  servername?: string;
}): Promise<Recording> {
  const servername = o.servername ?? 'pop.example.test';
  const server = tls.createServer({ key: o.cert.key, cert: o.cert.cert, ...o.server }, (sock) => {
    sock.on('error', () => {});
    void (async () => {
      const got = readN(sock, total(CLIENT_SCRIPT));
      await writeAll(sock, SERVER_SCRIPT);
      await got;
      sock.end();
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const chunks: Chunk[] = [];
  let closed: () => void = () => {};
  const relayDone = new Promise<void>((r) => {
    closed = r;
  });
  const relay = net.createServer((c) => {
    const u = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    let open = 2;
    const done = () => {
      if (--open === 0) closed();
    };
    c.on('data', (d) => {
      chunks.push({ dir: 'c2s', bytes: Buffer.from(d) });
      u.write(d);
    });
    u.on('data', (d) => {
      chunks.push({ dir: 's2c', bytes: Buffer.from(d) });
      c.write(d);
    });
    c.on('end', () => u.end());
    u.on('end', () => c.end());
    c.on('error', () => {});
    u.on('error', () => {});
    c.on('close', done);
    u.on('close', done);
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', () => r()));
  const keylog: string[] = [];
  const client = tls.connect({
    host: '127.0.0.1',
    port: (relay.address() as net.AddressInfo).port,
    servername,
    rejectUnauthorized: false,
    ...o.client,
  });
  client.on('keylog', (line: Buffer) => keylog.push(line.toString('latin1')));
  let session: Buffer | null = null;
  client.on('session', (s: Buffer) => {
    session = s;
  });
  await new Promise<void>((resolve, reject) => {
    client.once('secureConnect', () => resolve());
    client.once('error', reject);
  });
  const protocol = client.getProtocol();
  const cipher = client.getCipher().name;
  const reused = client.isSessionReused();
  const got = readN(client, total(SERVER_SCRIPT));
  await writeAll(client, CLIENT_SCRIPT);
  await got;
  client.end();
  await relayDone;
  relay.close();
  server.close();
  return {
    chunks,
    keylog: keylog.join(''),
    written: { c2s: Buffer.from(CLIENT_SCRIPT.join('')), s2c: Buffer.from(SERVER_SCRIPT.join('')) },
    protocol,
    cipher,
    servername,
    session,
    reused,
  };
}

export { prng };

export type Split = (length: number) => number[];
export const whole: Split = (n) => [n];
export const bytewise: Split = (n) => Array.from({ length: n }, () => 1);
export const randomly =
  (seed: number): Split =>
  (n) => {
    const rnd = prng(seed + n);
    const out: number[] = [];
    for (let left = n; left > 0; ) {
      const k = Math.min(left, 1 + Math.floor(rnd() * 3000));
      out.push(k);
      left -= k;
    }
    return out;
  };

export function feed(chunks: readonly Chunk[], keylog: KeyLog | null, split: Split = whole) {
  const conn = new TlsConnection(keylog);
  const out: TlsOutput[] = [];
  for (const c of chunks) {
    let pos = 0;
    for (const k of split(c.bytes.length)) {
      out.push(...conn.push(c.dir, c.bytes.subarray(pos, pos + k)));
      pos += k;
    }
  }
  out.push(...conn.end());
  const plain: Record<StreamDir, Buffer> = { c2s: Buffer.alloc(0), s2c: Buffer.alloc(0) };
  for (const o of out) if (o.type === 'plaintext') plain[o.dir] = Buffer.concat([plain[o.dir], o.bytes]);
  return { out, plain, notes: out.filter((o) => o.type !== 'plaintext') };
}
