/**
 * KeyUpdate (TLS 1.3): node:tls has no API to send one, so the client is `openssl s_client`, which sends one
 * for a stdin line "k" (and one asking the peer to update too for "K"); its -keylogfile is the key log. Skipped
 * when openssl is not installed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { KeyLog } from '../../../src/capture/pcap/keylog.js';
import { privateDir } from '../../helpers/tlsFixtures.js';
import { bytewise, type Chunk, ecdsaCert, feed, randomly, whole } from './tlsRecording.js';

const haveOpenssl = spawnSync('openssl', ['version']).status === 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!haveOpenssl)('TlsConnection follows TLS 1.3 KeyUpdate', () => {
  it('both directions, requested and not, decrypt to exactly what was sent', async () => {
    const cert = await ecdsaCert();
    const sent: Buffer[] = [];
    const server = tls.createServer({ ...cert, minVersion: 'TLSv1.3' }, (sock) => {
      sock.on('error', () => {});
      let n = 0;
      sock.on('data', (d: Buffer) => {
        const reply = Buffer.from(
          `+OK ${++n} got ${d.length} octets\r\n${n === 2 ? `${'r'.repeat(20000)}\r\n` : ''}`,
        );
        sent.push(reply);
        sock.write(reply);
      });
      sock.on('end', () => sock.end());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const chunks: Chunk[] = [];
    let finish: () => void = () => {};
    const done = new Promise<void>((r) => {
      finish = r;
    });
    const relay = net.createServer((c) => {
      const u = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
      let open = 2;
      const closed = () => --open === 0 && finish();
      c.on('data', (d) => chunks.push({ dir: 'c2s', bytes: Buffer.from(d) }) && u.write(d));
      u.on('data', (d) => chunks.push({ dir: 's2c', bytes: Buffer.from(d) }) && c.write(d));
      c.on('end', () => u.end());
      u.on('end', () => c.end());
      for (const s of [c, u]) {
        s.on('error', () => {});
        s.on('close', closed);
      }
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', () => r()));
    const keylogFile = join(privateDir('pop3scope-keyupdate-'), 'keys.log');
    const client = spawn(
      'openssl',
      [
        's_client',
        '-connect',
        `127.0.0.1:${(relay.address() as net.AddressInfo).port}`,
        '-tls1_3',
        '-servername',
        'pop.example.test',
        '-keylogfile',
        keylogFile,
      ],
      { stdio: ['pipe', 'ignore', 'ignore'] },
    );
    const lines = ['CAPA\n', 'k\n', 'USER alice\n', 'K\n', 'PASS secret\n', 'k\n', 'NOOP\n'];
    await sleep(300);
    for (const line of lines) {
      client.stdin.write(line);
      await sleep(150);
    }
    client.stdin.end();
    await done;
    relay.close();
    server.close();
    const keylog = KeyLog.parse(readFileSync(keylogFile, 'latin1'));
    expect(keylog.size).toBe(1);
    const expected = {
      c2s: Buffer.from(lines.filter((l) => !/^[kK]\n$/.test(l)).join('')),
      s2c: Buffer.concat(sent),
    };
    expect(sent.length).toBe(4);
    for (const split of [whole, bytewise, randomly(5)]) {
      const { plain, notes } = feed(chunks, keylog, split);
      expect(notes.slice(0, 2)).toEqual([
        { type: 'facts', sni: 'pop.example.test', version: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' },
        { type: 'decrypting' },
      ]);
      expect(notes.filter((n) => n.type === 'opaque')).toEqual([]);
      expect(plain.c2s.toString()).toBe(expected.c2s.toString());
      expect(plain.s2c.equals(expected.s2c)).toBe(true);
    }
  }, 30000);
});
