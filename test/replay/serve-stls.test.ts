/**
 * replay --serve of a session that upgraded with STLS: the replay answers STLS with the recorded +OK, does the
 * TLS handshake as the server (with a certificate from pop3scope's CA), and serves the rest of the recording
 * inside TLS. A client that verifies the certificate and follows the recording gets the recorded bytes.
 */
import net from 'node:net';
import { PassThrough } from 'node:stream';
import tls from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CaptureRecord } from '../../src/capture/format.js';
import { recordedSessions } from '../../src/replay/script.js';
import { ReplayServer, type ServedResult, type ServeOptions } from '../../src/replay/serve.js';
import { CertificateAuthority } from '../../src/tls/ca.js';

const servers: ReplayServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

let leaf: { cert: string; key: string };
let caPem: string;
beforeAll(async () => {
  const ca = await CertificateAuthority.create();
  const l = await ca.leaf(['localhost', '127.0.0.1']);
  leaf = { cert: l.certPem, key: l.keyPem };
  caPem = ca.certPem;
});

async function* from(records: CaptureRecord[]): AsyncGenerator<CaptureRecord> {
  yield* records;
}

/** A recorded session: CAPA, STLS, then (decrypted) USER, PASS, STAT, QUIT inside TLS. */
const RECORD: CaptureRecord[] = [
  { type: 'open', session: 's1', t: 0, client: '127.0.0.1:5', upstream: '127.0.0.1:110', tls: 'none' },
  { type: 'data', session: 's1', t: 1, dir: 's2c', text: '+OK ready\r\n' },
  { type: 'data', session: 's1', t: 2, dir: 'c2s', text: 'CAPA\r\n' },
  { type: 'data', session: 's1', t: 3, dir: 's2c', text: '+OK\r\nSTLS\r\nUSER\r\n.\r\n' },
  { type: 'data', session: 's1', t: 4, dir: 'c2s', text: 'STLS\r\n' },
  { type: 'data', session: 's1', t: 5, dir: 's2c', text: '+OK Begin TLS\r\n' },
  { type: 'tls', session: 's1', t: 6, how: 'stls', visibility: 'decrypted' },
  { type: 'data', session: 's1', t: 7, dir: 'c2s', text: 'USER bob\r\n' },
  { type: 'data', session: 's1', t: 8, dir: 's2c', text: '+OK\r\n' },
  { type: 'data', session: 's1', t: 9, dir: 'c2s', text: 'PASS ******\r\n' },
  { type: 'data', session: 's1', t: 10, dir: 's2c', text: '+OK logged in\r\n' },
  { type: 'data', session: 's1', t: 11, dir: 'c2s', text: 'STAT\r\n' },
  { type: 'data', session: 's1', t: 12, dir: 's2c', text: '+OK 2 320\r\n' },
  { type: 'data', session: 's1', t: 13, dir: 'c2s', text: 'QUIT\r\n' },
  { type: 'data', session: 's1', t: 14, dir: 's2c', text: '+OK bye\r\n' },
  { type: 'close', session: 's1', t: 15, by: 'server', reason: 'QUIT' },
];

/** Starts the replay of RECORD (fast, -ERR on mismatch) with the options given; collects its transcript. */
async function serveRecord(options: Partial<ServeOptions> = { tls: leaf }) {
  const out = new PassThrough();
  let transcript = '';
  out.on('data', (d: Buffer) => {
    transcript += d.toString();
  });
  const server = await ReplayServer.start({
    sessions: await recordedSessions(from(RECORD)),
    listen: { host: '127.0.0.1', port: 0 },
    timing: 'fast',
    onMismatch: 'error',
    source: 'stls.jsonl',
    out,
    colour: false,
    ...options,
  });
  servers.push(server);
  return { server, transcript: () => transcript };
}

/** Reads one response line (or a whole multi-line response ending in "\r\n.\r\n") from a socket. */
function reader(socket: net.Socket) {
  let buffered = '';
  let wake: (() => void) | null = null;
  socket.on('data', (d: Buffer) => {
    buffered += d.toString('latin1');
    wake?.();
  });
  return async (multi = false): Promise<string> => {
    for (;;) {
      const end = multi ? buffered.indexOf('\r\n.\r\n') + 5 : buffered.indexOf('\r\n') + 2;
      if (end > (multi ? 4 : 1)) {
        const out = buffered.slice(0, end);
        buffered = buffered.slice(end);
        return out;
      }
      await new Promise<void>((r) => (wake = r));
    }
  };
}

describe('replay --serve of an STLS session', () => {
  it('upgrades where the recording did and serves the rest inside TLS; the client followed', async () => {
    const sessions = await recordedSessions(from(RECORD));
    expect(sessions[0]!.stls).toBe(true);
    expect(sessions[0]!.unsupported).toBeNull();
    expect(sessions[0]!.steps.map((s) => s.startsTls)).toEqual([false, true, false, false, false, false]);
    const { server, transcript } = await serveRecord({ once: true, tls: leaf });
    const served = new Promise<ServedResult>((r) => (server.onServed = r));

    const raw = net.connect({ host: '127.0.0.1', port: server.address().port });
    const plain = reader(raw);
    expect(await plain()).toBe('+OK ready\r\n');
    raw.write('CAPA\r\n');
    expect(await plain(true)).toBe('+OK\r\nSTLS\r\nUSER\r\n.\r\n');
    raw.write('STLS\r\n');
    expect(await plain()).toBe('+OK Begin TLS\r\n');
    raw.removeAllListeners('data');
    const secure = tls.connect({ socket: raw, ca: caPem, servername: 'localhost' });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    expect(secure.authorized).toBe(true);
    const inTls = reader(secure);
    secure.write('USER bob\r\n');
    expect(await inTls()).toBe('+OK\r\n');
    secure.write('PASS anything\r\n');
    expect(await inTls()).toBe('+OK logged in\r\n');
    secure.write('STAT\r\n');
    expect(await inTls()).toBe('+OK 2 320\r\n');
    secure.write('QUIT\r\n');
    expect(await inTls()).toBe('+OK bye\r\n');

    const result = await served;
    expect(result).toMatchObject({ followed: true, divergences: [] });
    // The TLS line comes between STLS's +OK and the first command inside TLS, as in a proxied session.
    const tlsAt = transcript().indexOf('[r1] ── TLS (stls, decrypted) ──');
    expect(tlsAt).toBeGreaterThan(transcript().indexOf('[r1] S: +OK Begin TLS'));
    expect(tlsAt).toBeLessThan(transcript().indexOf('[r1] C: USER bob'));
    expect(transcript()).toContain('[r1] C: STAT');
    expect(transcript()).toContain('[r1] replay: the client followed the recording of s1 to the end');
    expect(transcript()).not.toContain('anything');
    secure.destroy();
  });

  it('cleartext a client sends after STLS is never answered in cleartext', async () => {
    const { server } = await serveRecord();
    const raw = net.connect({ host: '127.0.0.1', port: server.address().port });
    const got: Buffer[] = [];
    raw.on('data', (d: Buffer) => got.push(d));
    await new Promise((r) => setTimeout(r, 100));
    raw.write('CAPA\r\nSTLS\r\nUSER bob\r\n');
    await new Promise((r) => setTimeout(r, 300));
    const text = Buffer.concat(got).toString('latin1');
    expect(text).toBe('+OK ready\r\n+OK\r\nSTLS\r\nUSER\r\n.\r\n+OK Begin TLS\r\n');
    raw.destroy();
  });

  it('refuses to start without a certificate when a session upgrades', async () => {
    await expect(serveRecord({})).rejects.toThrow(/STLS/);
  });
});
