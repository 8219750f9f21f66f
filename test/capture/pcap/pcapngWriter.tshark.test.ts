/**
 * What PcapngWriter writes, read back by Wireshark's own tools (tshark, capinfos) as the oracle: one file of
 * three interleaved sessions (IPv4 on 110 with a RETR body cut into several segments, IPv6 on 110, IPv4 on
 * the non-standard port 1110). tshark's POP dissector must see the requests and responses, "follow" must give
 * back exactly the bytes fed, checksums must be good with no TCP analysis flag, and the comments must show.
 * A deliberately broken copy proves the flag and checksum checks can fail.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { PcapngWriter } from '../../../src/capture/pcap/pcapngWriter.js';
import type { Endpoint, StreamDir } from '../../../src/capture/pcap/types.js';
import { describeWithPeers } from '../../helpers/peers.js';
import { bytes, concat } from './pcapngWriterHelpers.js';

const dir = mkdtempSync(join(tmpdir(), 'pop3scope-pcapng-'));

function tool(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 20_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.error}`);
  return r.stdout;
}
const tshark = (file: string, ...args: string[]) => tool('tshark', ['-n', '-r', file, ...args]);
const CHECKSUMS = ['-o', 'tcp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE'];
/** Frames with a TCP analysis flag (lost segment, dup ACK, window full...) or a bad checksum. */
const TROUBLE = 'tcp.analysis.flags || ip.checksum.status == 0 || tcp.checksum.status == 0';

/** Rows of `tshark -T fields`, one array of columns per frame; several values of a field joined by "|". */
function fields(file: string, names: string[], ...args: string[]): string[][] {
  const out = tshark(file, ...args, '-T', 'fields', '-E', 'aggregator=|', ...names.flatMap((n) => ['-e', n]));
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\t'));
}

type Step = [StreamDir, string] | ['note', string];
interface Script {
  name: string;
  client: Endpoint;
  server: Endpoint;
  steps: Step[];
  by: 'client' | 'server';
  summary: string;
}

// A body over 64 KiB, fed in three chunks whose boundaries fall mid-line.
const bodyLines = Array.from(
  { length: 2500 },
  (_, i) => `line ${i} of the message, for the pcapng writer test`,
);
const body = `Subject: big\r\n\r\n${bodyLines.join('\r\n')}\r\n.\r\n`;
const retr = `+OK ${body.length} octets\r\n${body}`;

const scripts: Script[] = [
  {
    name: 'v4-110',
    client: { address: '192.0.2.10', port: 50000 },
    server: { address: '192.0.2.1', port: 110 },
    steps: [
      ['s2c', '+OK POP3 ready\r\n'],
      ['c2s', 'USER alice\r\n'],
      ['s2c', '+OK\r\n'],
      ['c2s', 'PASS ****\r\n'],
      ['s2c', '+OK logged in\r\n'],
      ['note', 'a note after login'],
      ['c2s', 'LIST\r\n'],
      ['s2c', `+OK 2 messages\r\n1 120\r\n2 ${body.length}\r\n.\r\n`],
      ['c2s', 'RETR 2\r\n'],
      ['s2c', retr.slice(0, 1000)],
      ['s2c', retr.slice(1000, 100_000)],
      ['s2c', retr.slice(100_000)],
      ['c2s', 'DELE 1\r\n'],
      ['s2c', '+OK deleted\r\n'],
      ['c2s', 'QUIT\r\n'],
      ['s2c', '+OK bye\r\n'],
    ],
    by: 'server',
    summary: 'summary: 6 commands, 1 message retrieved\nviolations: none',
  },
  {
    name: 'v6-110',
    client: { address: '2001:db8::10', port: 50001 },
    server: { address: '2001:db8::1', port: 110 },
    steps: [
      ['s2c', '+OK ready\r\n'],
      ['c2s', 'USER bob\r\n'],
      ['s2c', '+OK\r\n'],
      ['c2s', 'QUIT\r\n'],
      ['s2c', '+OK\r\n'],
    ],
    by: 'client',
    summary: 'summary of the IPv6 session',
  },
  {
    name: 'v4-1110',
    client: { address: '192.0.2.11', port: 50002 },
    server: { address: '192.0.2.1', port: 1110 },
    steps: [
      ['s2c', '+OK ready\r\n'],
      ['c2s', 'STAT\r\n'],
      ['s2c', '+OK 2 320\r\n'],
      ['c2s', 'QUIT\r\n'],
      ['s2c', '+OK\r\n'],
    ],
    by: 'server',
    summary: 'summary of the session on 1110',
  },
];

const T0 = 1_700_000_000_000.25; // ms since 1970, with a fraction that µs keep exactly
const file = join(dir, 'sessions.pcapng');
const broken = join(dir, 'broken.pcapng');

/** The three sessions, one step of each in turn, 1 ms apart. */
function writeSessions(): Uint8Array {
  const w = new PcapngWriter({ comment: ['written by pop3scope 0.1.0', 'passwords redacted'] });
  const out: Uint8Array[] = [w.header()];
  let t = T0;
  for (const s of scripts) out.push(...w.open(s.name, { t, client: s.client, server: s.server }));
  const longest = Math.max(...scripts.map((s) => s.steps.length));
  for (let i = 0; i < longest; i++) {
    for (const s of scripts) {
      const step = s.steps[i];
      t += 1;
      if (step?.[0] === 'note') out.push(...w.comment(s.name, t, step[1]));
      else if (step) out.push(...w.data(s.name, step[0], bytes(step[1]), t));
    }
  }
  for (const s of scripts) {
    t += 1;
    out.push(...w.close(s.name, t, s.by, s.summary));
  }
  return concat(out);
}

/** A session with one data segment left out and one payload byte changed: tshark must notice both. */
function writeBroken(): Uint8Array {
  const w = new PcapngWriter({});
  const c = scripts[0]!;
  const blocks = [w.header(), ...w.open('x', { t: T0, client: c.client, server: c.server })];
  blocks.push(...w.data('x', 's2c', bytes('+OK one\r\n'), T0 + 1));
  w.data('x', 's2c', bytes('+OK two\r\n'), T0 + 2); // not written: a gap in the server's stream
  const tampered = w.data('x', 's2c', bytes('+OK three\r\n'), T0 + 3)[0]!.slice();
  tampered[8 + 20 + 20 + 20] ^= 0x20; // EPB header, IPv4 header, TCP header: the first payload byte
  blocks.push(tampered, ...w.close('x', T0 + 4, 'client'));
  return concat(blocks);
}

describeWithPeers(['tshark'], 'PcapngWriter output read by tshark', () => {
  beforeAll(() => {
    writeFileSync(file, writeSessions());
    writeFileSync(broken, writeBroken());
  });

  it('(1, 5, 6) tshark -Y pop sees the requests and responses of the sessions on port 110', () => {
    const rows = fields(
      file,
      ['tcp.stream', 'pop.request.command', 'pop.request.parameter', 'pop.response.indicator'],
      '-Y',
      'pop',
    );
    const of = (stream: string, col: number) =>
      rows.filter((r) => r[0] === stream && r[col] !== '').map((r) => r[col]);
    expect(of('0', 1)).toEqual(['USER', 'PASS', 'LIST', 'RETR', 'DELE', 'QUIT']);
    expect(of('0', 2)).toEqual(['alice', '****', '2', '1']);
    expect(of('0', 3)).toEqual(Array(7).fill('+OK'));
    expect(of('1', 1)).toEqual(['USER', 'QUIT']);
    expect(of('1', 3)).toEqual(Array(3).fill('+OK'));
    // Port 1110 is not POP3 to tshark unless told (7).
    expect(of('2', 1)).toEqual([]);
  });

  it('(7) tshark -d tcp.port==1110,pop decodes the session on the non-standard port', () => {
    const rows = fields(
      file,
      ['tcp.stream', 'pop.request.command', 'pop.response.indicator'],
      '-d',
      'tcp.port==1110,pop',
      '-Y',
      'pop && tcp.stream == 2',
    );
    expect(rows.map((r) => r[1]).filter(Boolean)).toEqual(['STAT', 'QUIT']);
    expect(rows.map((r) => r[2]).filter(Boolean)).toEqual(['+OK', '+OK', '+OK']);
  });

  it('(2) follow,tcp,raw gives back exactly the bytes fed, each direction of each session', () => {
    const out = tshark(file, '-q', ...[0, 1, 2].flatMap((n) => ['-z', `follow,tcp,raw,${n}`]));
    const got = new Map<string, { c2s: string; s2c: string }>();
    for (const section of out.split(/^=+$/m)) {
      const stream = /^Filter: tcp\.stream eq (\d+)$/m.exec(section)?.[1];
      if (stream === undefined) continue;
      const dirs = { c2s: '', s2c: '' };
      // After the "Node 1:" line: node 0 (the client, it sent the SYN) unindented, node 1 after a tab.
      const lines = section.slice(section.indexOf('\n', section.indexOf('Node 1:')) + 1).split('\n');
      for (const line of lines.filter((l) => l.trim() !== '')) {
        if (line.startsWith('\t')) dirs.s2c += line.slice(1);
        else dirs.c2s += line;
      }
      got.set(stream, dirs);
    }
    scripts.forEach((s, i) => {
      const fed = (d: StreamDir) =>
        Buffer.from(
          s.steps
            .filter((st) => st[0] === d)
            .map((st) => st[1])
            .join(''),
          'latin1',
        ).toString('hex');
      expect(got.get(String(i))?.c2s, `${s.name} c2s`).toBe(fed('c2s'));
      expect(got.get(String(i))?.s2c, `${s.name} s2c`).toBe(fed('s2c'));
    });
  });

  it('(3) checksums are good, TCP analysis flags nothing, segments fit IP, times are µs exact', () => {
    const cols = [
      'tcp.stream',
      'ip.checksum.status',
      'ipv6.src',
      'tcp.checksum.status',
      'tcp.analysis.flags',
      'tcp.len',
      'frame.time_epoch',
    ];
    const rows = fields(file, cols, ...CHECKSUMS);
    expect(rows.length).toBeGreaterThan(40);
    for (const [stream, ipStatus, v6src, tcpStatus, flags] of rows) {
      expect(ipStatus, `stream ${stream}`).toBe(stream === '1' ? '' : '1');
      expect(v6src !== '', `stream ${stream} is IPv6`).toBe(stream === '1');
      expect(tcpStatus).toBe('1');
      expect(flags).toBe('');
    }
    // The RETR answer (chunks of 1000, 99000 and the rest) in segments of at most 65495 octets.
    const s2cLens = rows.filter((r) => r[0] === '0').map((r) => Number(r[5]));
    expect(s2cLens).toContain(65495);
    expect(Math.max(...s2cLens)).toBe(65495);
    expect(rows[0]![6]).toBe('1700000000.000250000');
    expect(tshark(file, ...CHECKSUMS, '-Y', TROUBLE)).toBe('');
  });

  it('(3) the same checks do fail on a file with a segment left out and a byte changed', () => {
    const rows = fields(
      broken,
      ['tcp.checksum.status', 'tcp.analysis.lost_segment'],
      ...CHECKSUMS,
      '-Y',
      TROUBLE,
    );
    expect(
      rows.filter((r) => r[0] === '0'),
      'one bad checksum',
    ).toHaveLength(1);
    expect(
      rows.filter((r) => r[1] !== ''),
      'one "previous segment not captured"',
    ).toHaveLength(1);
  });

  it('(4) the close comment is on the first FIN, the note on an ACK, the section comments in the header', () => {
    const rows = fields(file, ['tcp.stream', 'tcp.flags.fin', 'tcp.len', 'frame.comment']);
    const commented = rows.filter((r) => r[3] !== '').map((r) => [r[0], r[1], r[2], r[3]]);
    // tshark prints a comment's line break as the two characters "\n".
    // The closes come last, in the order of the scripts.
    expect(commented).toEqual([
      ['0', '0', '0', 'a note after login'],
      ['0', '1', '0', scripts[0]!.summary.replace('\n', '\\n')],
      ['1', '1', '0', 'summary of the IPv6 session'],
      ['2', '1', '0', 'summary of the session on 1110'],
    ]);
    const info = tool('capinfos', ['-k', file]);
    expect(info).toMatch(/Capture comment:\s+written by pop3scope 0\.1\.0\n/);
    expect(info).toMatch(/Capture comment:\s+passwords redacted\n/);
  });
});
