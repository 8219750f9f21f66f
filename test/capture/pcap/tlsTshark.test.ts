/**
 * Wireshark as an oracle: a real session's recording is written as a pcap (text2pcap, dummy TCP/IP headers
 * on port 995) and tshark, given the same key log, must decrypt the same bytes per direction as TlsConnection
 * and show the same SNI. Skipped when tshark or text2pcap is missing.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KeyLog } from '../../../src/capture/pcap/keylog.js';
import { privateDir } from '../../helpers/tlsFixtures.js';
import { type Chunk, ecdsaCert, feed, recordSession } from './tlsRecording.js';

const have = (tool: string) => spawnSync(tool, ['--version']).status === 0;

/** text2pcap's input: one "I"/"O" hexdump per segment of at most 1400 octets. */
function hexdump(chunks: readonly Chunk[]): string {
  const out: string[] = [];
  for (const c of chunks) {
    for (let at = 0; at < c.bytes.length; at += 1400) {
      // text2pcap -D: "I" goes from the -4/-T source to the destination, "O" the other way.
      out.push(c.dir === 'c2s' ? 'I' : 'O');
      const seg = c.bytes.subarray(at, at + 1400);
      for (let i = 0; i < seg.length; i += 16)
        out.push(
          `${i.toString(16).padStart(6, '0')} ${[...seg.subarray(i, i + 16)].map((b) => b.toString(16).padStart(2, '0')).join(' ')}`,
        );
    }
  }
  return `${out.join('\n')}\n`;
}

/** tshark's decrypted stream per direction (follow,tls,raw). */
function tsharkFollow(pcap: string, keys: string): { c2s: Buffer; s2c: Buffer } {
  const r = spawnSync(
    'tshark',
    ['-r', pcap, '-o', `tls.keylog_file:${keys}`, '-d', 'tcp.port==995,tls', '-q', '-z', 'follow,tls,raw,0'],
    { encoding: 'latin1' },
  );
  const c2s: Buffer[] = [];
  const s2c: Buffer[] = [];
  let inBody = false;
  // Untabbed lines are Node 0's: whichever endpoint tshark saw send first, the client or not.
  let node0IsClient = true;
  for (const line of r.stdout.split('\n')) {
    if (line.startsWith('Node 0:')) node0IsClient = line.trim() === 'Node 0: 127.0.0.1:40000';
    if (line.startsWith('Node 1:')) {
      inBody = true;
      continue;
    }
    if (!inBody || line.startsWith('====')) continue;
    const m = /^(\t?)([0-9a-f]+)$/.exec(line);
    if (m) (Boolean(m[1]) === node0IsClient ? s2c : c2s).push(Buffer.from(m[2]!, 'hex'));
  }
  return { c2s: Buffer.concat(c2s), s2c: Buffer.concat(s2c) };
}

describe.skipIf(!have('tshark') || !have('text2pcap'))('TlsConnection agrees with tshark', () => {
  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    it(`${version}: the same decrypted bytes per direction`, async () => {
      const rec = await recordSession({
        cert: await ecdsaCert(),
        server: { minVersion: version, maxVersion: version },
      });
      const dir = privateDir('pop3scope-tshark-');
      const txt = join(dir, 'dump.txt');
      const pcap = join(dir, 'session.pcap');
      const keys = join(dir, 'keys.log');
      writeFileSync(txt, hexdump(rec.chunks));
      writeFileSync(keys, rec.keylog);
      const t = spawnSync('text2pcap', [
        '-q',
        '-D',
        '-4',
        '127.0.0.1,127.0.0.2',
        '-T',
        '40000,995',
        txt,
        pcap,
      ]);
      expect(t.status).toBe(0);
      const theirs = tsharkFollow(pcap, keys);
      const ours = feed(rec.chunks, KeyLog.parse(rec.keylog)).plain;
      expect(theirs.c2s.length).toBeGreaterThan(0);
      expect(ours.c2s.equals(theirs.c2s)).toBe(true);
      expect(ours.s2c.equals(theirs.s2c)).toBe(true);
      const sni = spawnSync(
        'tshark',
        [
          '-r',
          pcap,
          '-d',
          'tcp.port==995,tls',
          '-Y',
          'tls.handshake.type==1',
          '-T',
          'fields',
          '-e',
          'tls.handshake.extensions_server_name',
        ],
        { encoding: 'latin1' },
      );
      expect(sni.stdout.trim()).toBe(rec.servername);
    }, 60000);
  }
});
